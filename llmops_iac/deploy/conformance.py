"""Plan inputs against the provider's own input types: every key a property, every value an admissible kind.

The adapter passes nested Plan values to the SDK as plain dicts with camelCase
keys, and the SDK sends keys it does not know through unchanged: a wrong nested
key (``modelDataSource.s3DataSource`` where the provider's property is
``s3DataSources``) or a value of the wrong shape (an object where a list is
wanted) reaches the provider, which rejects it at ``pulumi up`` or, worse,
ignores it. ``check_plan_conformance(plan_data)`` walks every input of every
resource, nested keys and list items included, against the generated input
types of the installed pulumi_aws / pulumi_aws_native packages:

- a resource's inputs are the properties of its ``<Class>Args`` (or
  ``<Class>InitArgs``) input type; a nested object is an input type of its own
  (``…Args``), read with ``pulumi._types.input_type_types`` (engine names →
  annotations) and recursed into;
- every key must be a property of its type, and every required property
  (an ``__init__`` argument without a default) must be present;
- every value must be of an admissible kind: ``str``, ``int`` (not a bool),
  ``float`` (an int too), ``bool``, a string enum (one of its values), a list of
  X, a mapping of string to X, a nested input type, or a union of these;
  ``Any`` accepts any JSON value (``Mapping[str, Any]`` any mapping of JSON);
- a Plan expression counts as the kind it produces: ``fn::join``,
  ``fn::toJSON`` and ``context`` are strings; ``{ref, attr}`` is the kind of the
  referenced class's output property (``id`` and ``urn`` are strings).

Unknown means strict: an annotation this module does not know (an asset, a
bare ``list``, a non-string enum, an unresolved forward reference …), a null,
an unknown type token or a malformed expression is a mismatch, never a pass.
Each mismatch names the resource (logical name and type token), the path
(``primaryContainer.modelDataSource.s3DataSource``) and what is allowed there.
"""

from __future__ import annotations

import collections.abc as abc
import enum
import functools
import inspect
import re
import typing
from dataclasses import dataclass
from typing import Any, Union

from pulumi import Output, _types

from llmops_iac.deploy.adapter import PlanError, TYPES, _args_class, _expression_kind, type_info


@dataclass(frozen=True)
class Mismatch:
    """One Plan value the provider's input types do not admit."""

    resource: str
    token: str
    path: str
    problem: str

    def __str__(self) -> str:
        return f"resource {self.resource!r} ({self.token}): {self.path or '<inputs>'}: {self.problem}"


CONDITIONALLY_REQUIRED: dict[tuple[str, str], tuple[str, str]] = {
    # The SDK marks every field of a Terraform plugin-framework object type required (the bridge cannot tell
    # optional fields of such types apart), but the provider documents kms_key_arn as "allowed if and only if
    # sse_type is set to aws:kms": an AES256 (S3-managed key) vector bucket must not send one.
    ("pulumi_aws.s3._inputs.VectorsVectorBucketEncryptionConfigurationArgs", "kmsKeyArn"): ("sseType", "aws:kms"),
}
"""(input type, property) the SDK marks required → (sibling, value): required when the sibling has that value,
and not allowed otherwise. tests/deploy/test_conformance.py fails when the SDK stops marking one required."""


# --- annotations → shapes --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Scalar:
    typ: type  # str, int, float or bool


@dataclass(frozen=True)
class _Enum:
    cls: type


@dataclass(frozen=True)
class _List:
    item: Any  # a shape


@dataclass(frozen=True)
class _Map:
    value: Any  # a shape


@dataclass(frozen=True)
class _Object:
    cls: type  # a pulumi input type


@dataclass(frozen=True)
class _Json:
    pass


@dataclass(frozen=True)
class _OneOf:
    members: tuple[Any, ...]


@dataclass(frozen=True)
class _Unsupported:
    annotation: str


_SCALARS = (str, int, float, bool)
_SEQUENCES = (abc.Sequence, list, typing.List, typing.Sequence)  # noqa: UP006 - the typing aliases are what SDKs use
_MAPPINGS = (abc.Mapping, dict, typing.Dict, typing.Mapping)  # noqa: UP006


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) is Union or type(annotation).__name__ == "UnionType"


def shape_of(annotation: Any) -> Any:
    """The shape a value must have for ``annotation`` (an SDK input annotation); ``_Unsupported`` if not known."""
    return _shape(annotation)


@functools.lru_cache(maxsize=None)
def _shape(annotation: Any) -> Any:
    annotation = _types.unwrap_type(annotation)
    origin = typing.get_origin(annotation)
    if origin is Output:
        return _shape(typing.get_args(annotation)[0])
    if _is_union(annotation):
        members = [m for m in typing.get_args(annotation)
                   if m is not type(None) and typing.get_origin(m) not in (abc.Awaitable, typing.Awaitable)
                   and typing.get_origin(m) is not Output and m is not Output]
        if any(isinstance(m, type) and _types.is_input_type(m) for m in members):
            # InputType[T] is Union[T, Mapping[str, Any]]: the mapping is T written as a dict, not "any mapping".
            members = [m for m in members if typing.get_origin(m) not in _MAPPINGS and m is not dict]
        shapes = tuple(dict.fromkeys(_shape(m) for m in members))
        if not shapes:
            return _Unsupported(repr(annotation))
        return shapes[0] if len(shapes) == 1 else _OneOf(shapes)
    if annotation is Any:
        return _Json()
    if origin in _SEQUENCES:
        args = typing.get_args(annotation)
        return _List(_shape(args[0])) if len(args) == 1 else _Unsupported(repr(annotation))
    if origin in _MAPPINGS:
        args = typing.get_args(annotation)
        if len(args) == 2 and args[0] is str:
            return _Map(_shape(args[1]))
        return _Unsupported(repr(annotation))
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return _Enum(annotation) if issubclass(annotation, str) else _Unsupported(repr(annotation))
        if annotation in _SCALARS:
            return _Scalar(annotation)
        if _types.is_input_type(annotation):
            return _Object(annotation)
    return _Unsupported(repr(annotation))


@functools.lru_cache(maxsize=None)
def properties(cls: type) -> dict[str, Any]:
    """Engine (camelCase) property name → annotation, for input type ``cls``."""
    return dict(_types.input_type_types(cls))


@functools.lru_cache(maxsize=None)
def required(cls: type) -> tuple[str, ...]:
    """Engine names of the properties ``cls.__init__`` takes without a default."""
    py_to_engine = _types.input_type_py_to_pulumi_names(cls)
    params = inspect.signature(cls.__init__).parameters
    return tuple(py_to_engine.get(name, name) for name, p in params.items()
                 if name not in ("self", "__self__") and p.kind is p.KEYWORD_ONLY and p.default is inspect.Parameter.empty)


def describe(shape: Any) -> str:
    """A shape in words, for messages."""
    if isinstance(shape, _Scalar):
        return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}[shape.typ]
    if isinstance(shape, _Enum):
        return f"one of {', '.join(repr(m.value) for m in shape.cls)}"
    if isinstance(shape, _List):
        return f"a list (each item {describe(shape.item)})"
    if isinstance(shape, _Map):
        return f"a mapping (each value {describe(shape.value)})"
    if isinstance(shape, _Object):
        return f"an object ({shape.cls.__name__})"
    if isinstance(shape, _Json):
        return "any JSON value"
    if isinstance(shape, _OneOf):
        return " or ".join(describe(m) for m in shape.members)
    return f"an unsupported annotation {shape.annotation}"


# --- values ----------------------------------------------------------------------------------------------------------

def _kind(value: Any) -> str:
    """The JSON kind of a plain Plan value, for messages and coarse matching."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


class _Checker:
    """Walks one resource's inputs; ``problems`` collects (path, problem)."""

    def __init__(self, resources: dict[str, dict[str, Any]]):
        self.resources = resources

    def check(self, shape: Any, value: Any, path: str) -> list[tuple[str, str]]:
        if isinstance(value, dict) and _expression_kind(value) is not None:
            return self._expression(shape, value, path)
        if isinstance(shape, _Unsupported):
            return [(path, f"cannot check {_a(_kind(value))} against {shape.annotation}: "
                           "an annotation the conformance check does not know (unknown means strict)")]
        if value is None:
            return [(path, f"null, where the provider wants {describe(shape)} (the SDK would drop it)")]
        if isinstance(shape, _OneOf):
            return self._one_of(shape, value, path)
        if isinstance(shape, _Json):
            return self._json(value, path)
        if isinstance(shape, _Scalar):
            ok = (isinstance(value, str) if shape.typ is str else
                  isinstance(value, bool) if shape.typ is bool else
                  isinstance(value, int) and not isinstance(value, bool) if shape.typ is int else
                  isinstance(value, (int, float)) and not isinstance(value, bool))
            return [] if ok else [(path, f"{_a(_kind(value))} ({_short(value)}), where the provider wants "
                                         f"{describe(shape)}")]
        if isinstance(shape, _Enum):
            if isinstance(value, str) and value in {m.value for m in shape.cls}:
                return []
            return [(path, f"{_short(value)} is not {describe(shape)} ({shape.cls.__name__})")]
        if isinstance(shape, _List):
            if not isinstance(value, list):
                return [(path, f"{_a(_kind(value))}, where the provider wants {describe(shape)}")]
            return [p for i, item in enumerate(value) for p in self.check(shape.item, item, f"{path}[{i}]")]
        if isinstance(shape, _Map):
            if not isinstance(value, dict):
                return [(path, f"{_a(_kind(value))}, where the provider wants {describe(shape)}")]
            return [p for k, v in value.items() for p in
                    ([(path, f"key {k!r} is not a string")] if not isinstance(k, str) else [])
                    + self.check(shape.value, v, _join(path, str(k)))]
        if isinstance(shape, _Object):
            return self._object(shape.cls, value, path)
        return [(path, f"unknown shape {shape!r}")]  # pragma: no cover - every shape is handled above

    def _object(self, cls: type, value: Any, path: str) -> list[tuple[str, str]]:
        if not isinstance(value, dict):
            return [(path, f"{_a(_kind(value))}, where the provider wants an object ({cls.__name__})")]
        props = properties(cls)
        found: list[tuple[str, str]] = []
        for key, item in value.items():
            if key not in props:
                found.append((_join(path, str(key)), f"unknown key {key!r}; {cls.__name__} takes: "
                               + (", ".join(sorted(props)) or "nothing")))
            else:
                found += self.check(_shape(props[key]), item, _join(path, key))
        for key in required(cls):
            condition = CONDITIONALLY_REQUIRED.get((f"{cls.__module__}.{cls.__qualname__}", key))
            if condition is not None:
                other, wanted = condition
                if value.get(other) == wanted and key not in value:
                    found.append((_join(path, key), f"missing: {cls.__name__} requires {key!r} when {other} is "
                                                     f"{wanted!r}"))
                elif value.get(other) != wanted and key in value:
                    found.append((_join(path, key), f"{key!r} is allowed only when {other} is {wanted!r}, "
                                                     f"not {value.get(other)!r}"))
            elif key not in value:
                found.append((_join(path, key), f"missing: {cls.__name__} requires {key!r} "
                                                 f"({describe(_shape(props[key])) if key in props else 'a value'})"))
        return found

    def _one_of(self, shape: _OneOf, value: Any, path: str) -> list[tuple[str, str]]:
        attempts = [self.check(member, value, path) for member in shape.members]
        if any(not a for a in attempts):
            return []
        # Report the member of the value's own kind when there is exactly one (e.g. the object alternative).
        same_kind = [a for member, a in zip(shape.members, attempts) if _same_kind(member, value)]
        if len(same_kind) == 1 and isinstance(value, (dict, list)):
            return same_kind[0]
        return [(path, f"{_a(_kind(value))} ({_short(value)}), where the provider wants {describe(shape)}")]

    def _json(self, value: Any, path: str) -> list[tuple[str, str]]:
        if isinstance(value, dict):
            if _expression_kind(value) is not None:
                return self._expression(_Json(), value, path)
            return [p for k, v in value.items() for p in
                    ([(path, f"key {k!r} is not a string")] if not isinstance(k, str) else [])
                    + self._json(v, _join(path, str(k)))]
        if isinstance(value, list):
            return [p for i, v in enumerate(value) for p in self._json(v, f"{path}[{i}]")]
        if value is None or isinstance(value, (str, bool, int, float)):
            return []
        return [(path, f"a {type(value).__name__} is not a JSON value")]

    def _expression(self, shape: Any, value: dict[str, Any], path: str) -> list[tuple[str, str]]:
        """An expression is checked as the kind it produces."""
        kind = _expression_kind(value)
        if kind == "malformed" or kind not in ("ref", "context", "fn::join", "fn::toJSON"):
            return [(path, f"not an expression the adapter knows: {_short(value)}")]
        if kind == "fn::toJSON":
            inner = self._json(value["fn::toJSON"], f"{path}.fn::toJSON")
            if inner:
                return inner
        produced: Any = _Scalar(str)
        if kind == "ref":
            target = self.resources.get(value.get("ref")) if isinstance(value.get("ref"), str) else None
            token = target.get("type") if isinstance(target, dict) else None
            if token not in TYPES:
                return [(path, f"reference to {value.get('ref')!r}, which is not a Plan resource of a known type")]
            attr = value.get("attr")
            if attr not in ("id", "urn"):
                outputs = _types.resource_types(type_info(token).cls)
                if attr not in outputs:
                    return [(path, f"{value.get('ref')!r} ({token}) has no output {attr!r}")]
                produced = _output_shape(outputs[attr])
        if _admits(shape, produced):
            return []
        return [(path, f"{kind} produces {describe(produced)}, where the provider wants {describe(shape)}")]


@functools.lru_cache(maxsize=None)
def _output_shape(annotation: Any) -> Any:
    """The coarse shape of a resource output property (output types count as objects)."""
    annotation = _types.unwrap_type(annotation)
    if isinstance(annotation, type) and _types.is_output_type(annotation):
        return _Json()  # an object; compared coarsely in _admits
    origin = typing.get_origin(annotation)
    if origin in _SEQUENCES:
        return _List(_Json())
    if origin in _MAPPINGS:
        return _Map(_Json())
    return _shape(annotation)


def _admits(wanted: Any, produced: Any) -> bool:
    """Whether a value of shape ``produced`` (from an expression) fits ``wanted``."""
    if isinstance(wanted, _Json):
        return True
    if isinstance(wanted, _OneOf):
        return any(_admits(m, produced) for m in wanted.members)
    if isinstance(produced, _Scalar) and produced.typ is str:
        return isinstance(wanted, (_Scalar, _Enum)) and getattr(wanted, "typ", str) is str
    return type(wanted) is type(produced) and (not isinstance(wanted, _Scalar) or wanted.typ is produced.typ
                                               or (wanted.typ is float and produced.typ is int))


def _same_kind(shape: Any, value: Any) -> bool:
    if isinstance(value, dict):
        return isinstance(shape, (_Object, _Map))
    if isinstance(value, list):
        return isinstance(shape, _List)
    return isinstance(shape, (_Scalar, _Enum))


def _a(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- the Plan --------------------------------------------------------------------------------------------------------

def check_resource(resource: dict[str, Any], resources: dict[str, dict[str, Any]]) -> list[Mismatch]:
    """Every mismatch between one Plan resource's inputs and its class's input types."""
    name, token = str(resource.get("name")), resource.get("type")
    if token not in TYPES:
        return [Mismatch(name, str(token), "", f"unknown type token {token!r}")]
    try:
        args_cls = _args_class(type_info(token).cls)
    except PlanError as e:
        return [Mismatch(name, token, "", p) for p in e.problems]
    inputs = resource.get("inputs", {})
    found = _Checker(resources).check(_Object(args_cls), inputs, "")
    options = resource.get("options") if isinstance(resource.get("options"), dict) else {}
    for option in PATH_OPTIONS:
        paths = options.get(option)
        for i, prop_path in enumerate(paths if isinstance(paths, list) else []):
            problem = property_path_problem(args_cls, prop_path)
            if problem:
                found.append((f"options.{option}[{i}]", problem))
    return [Mismatch(name, token, path, problem) for path, problem in found]


PATH_OPTIONS = ("replaceOnChanges", "ignoreChanges")
"""Resource options whose values are property paths: a path that names no property is silently ignored by Pulumi."""

_SEGMENT = re.compile(r'(?P<dot>\.)?(?P<name>[A-Za-z_$][A-Za-z0-9_$-]*)|\[(?P<index>\*|\d+|"[^"]+")\]')


def property_path_problem(args_cls: type, prop_path: Any) -> str | None:
    """Why Pulumi property path ``prop_path`` (``a.b[*].c``, ``tags["k"]``, ``*``) names no input of ``args_cls``."""
    if not isinstance(prop_path, str) or not prop_path:
        return f"{prop_path!r} is not a property path"
    if prop_path == "*":
        return None
    shape: Any = _Object(args_cls)
    pos, walked = 0, ""
    while pos < len(prop_path):
        m = _SEGMENT.match(prop_path, pos)
        if m is None or (m.group("dot") is None and m.group("name") and pos > 0) or (m.group("dot") and pos == 0):
            return f"{prop_path!r} is not a property path (at {prop_path[pos:]!r})"
        pos = m.end()
        segment = m.group(0)
        if isinstance(shape, _OneOf):  # a path steps into the structured alternative
            structured = [s for s in shape.members if isinstance(s, (_Object, _Map, _List, _Json))]
            shape = structured[0] if len(structured) == 1 else shape
        if isinstance(shape, _Json):
            return None
        key = m.group("name") or (m.group("index")[1:-1] if m.group("index")[:1] == '"' else None)
        if key is not None:
            if isinstance(shape, _Object):
                props = properties(shape.cls)
                if key not in props:
                    return (f"{prop_path!r}: {walked or 'the resource'} has no property {key!r}; "
                            f"{shape.cls.__name__} takes: {', '.join(sorted(props))}")
                shape = _shape(props[key])
            elif isinstance(shape, _Map):
                shape = shape.value
            else:
                return f"{prop_path!r}: {walked or 'the resource'} is {describe(shape)}, which has no property {key!r}"
        else:
            if not isinstance(shape, _List):
                return (f"{prop_path!r}: {walked or 'the resource'} is {describe(shape)}, not a list, "
                        f"so {segment} names nothing")
            shape = shape.item
        walked += segment
    if isinstance(shape, _Unsupported):
        return f"{prop_path!r} ends at {shape.annotation}, an annotation the conformance check does not know"
    return None


def check_plan_conformance(plan_data: dict[str, Any]) -> list[Mismatch]:
    """Every mismatch between a Plan (``Plan.to_data()``) and the provider's input types, in Plan order."""
    raw = plan_data.get("resources") if isinstance(plan_data, dict) else None
    if not isinstance(raw, list):
        return [Mismatch("<plan>", "-", "resources", "the Plan has no 'resources' list")]
    resources = {r["name"]: r for r in raw if isinstance(r, dict) and isinstance(r.get("name"), str)}
    return [m for r in raw if isinstance(r, dict) for m in check_resource(r, resources)]


def check_value(annotation: Any, value: Any, path: str = "",
                resources: dict[str, dict[str, Any]] | None = None) -> list[tuple[str, str]]:
    """(path, problem) for every way ``value`` misses ``annotation`` (an SDK input annotation); [] if it fits."""
    return _Checker(resources or {}).check(_shape(annotation), value, path)


def require_conformance(plan_data: dict[str, Any]) -> None:
    """Raise PlanError listing every mismatch if the Plan does not fit the provider's input types."""
    found = check_plan_conformance(plan_data)
    if found:
        raise PlanError([str(m) for m in found])
