"""Fill in the schema's defaults: the JSON Schema is the only place a default is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from llmops_iac.spec.jsonschema_lite import Validator
from llmops_iac.spec.tree import copy_tree


def apply_defaults(validator: Validator, instance: Any) -> Any:
    """Return a copy of a *valid* ``instance`` with every applicable schema default filled in.

    Defaults apply where a key is absent, recursively (a default value gets the
    defaults of its own schema), and inside ``if``/``then`` branches whose
    condition holds for the value.
    """
    data = copy_tree(instance)
    _fill(validator, validator.schema, data)
    return data


class _Steps(NamedTuple):
    """What filling through one schema node does, worked out once per node (see _steps)."""

    subs: tuple[dict[str, Any], ...]  # $ref target and allOf entries that can fill
    conditional: tuple[dict[str, Any], Any, Any] | None  # (if, then, else) when a branch can fill
    properties: tuple[tuple[str, Any, dict[str, Any] | None], ...]  # (name, default or _MISSING, sub if it can fill)
    names: frozenset[str]  # every declared property (additionalProperties applies to the others)
    extra: dict[str, Any] | None  # additionalProperties, when it can fill
    items: dict[str, Any] | None  # items, when it can fill


def _fill(v: Validator, s: Any, value: Any) -> None:
    filler = _filler(v, s) if isinstance(s, dict) else None
    if filler is not None:
        filler(value)


def _filler(v: Validator, s: dict[str, Any]) -> Callable[[Any], None] | None:
    """The function filling a value through schema node ``s`` (its _steps as one closure), or None when
    nothing lies to fill at or below it. Cached on the validator per node, like _steps."""
    cache: dict[int, Any] = v.__dict__.setdefault("_fillers", {})
    key = id(s)
    if key in cache:
        return cache[key]
    steps = _steps(v, s)
    if steps is None:
        cache[key] = None
        return None
    cache[key] = lambda value: cache[key](value)  # stands in while a recursive $ref is made
    filler = cache[key] = _make_filler(v, steps)
    return filler


def _make_filler(v: Validator, steps: _Steps) -> Callable[[Any], None]:
    def sub(s: Any) -> Callable[[Any], None] | None:
        return _filler(v, s) if isinstance(s, dict) else None

    subs = tuple(f for f in map(sub, steps.subs) if f is not None)
    condition = then = otherwise = None
    if steps.conditional is not None:
        test, then_s, else_s = steps.conditional
        then, otherwise = sub(then_s), sub(else_s)
        if then is not None or otherwise is not None:
            condition = v._check_of(test)
    # (name, filler, default, whether the default is a container): a scalar default is used as it is,
    # (copy_tree would return it, a filler can't change it); a container default is filled once (see ready)
    properties = []
    for name, default, s in steps.properties:
        f = sub(s) if s is not None else None
        if f is not None or default is not _MISSING:
            properties.append((name, f, default, _container(default)))
    names, extra = steps.names, sub(steps.extra)
    items = sub(steps.items)
    filled: dict[str, Any] = {}  # name -> its container default, itself filled (copied for each use)

    def ready(name: str, default: Any, f: Callable[[Any], None] | None) -> Any:
        value = filled.get(name, _MISSING)
        if value is _MISSING:
            value = filled[name] = copy_tree(default)
            if f is not None:
                f(value)
        return value

    def fill_properties(value: Any) -> None:
        if isinstance(value, dict):
            for name, f, default, container in properties:
                if name in value:
                    if f is not None:
                        f(value[name])
                elif container:
                    value[name] = copy_tree(ready(name, default, f))
                elif default is not _MISSING:
                    value[name] = default

    def fill_extra(value: Any) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                if name not in names:
                    extra(item)

    def fill_items(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                items(item)

    def fill(value: Any) -> None:
        for f in subs:
            f(value)
        if condition is not None:
            f = then if condition(value) else otherwise
            if f is not None:
                f(value)
        if properties:
            fill_properties(value)
        if extra is not None:
            fill_extra(value)
        if items is not None:
            fill_items(value)

    # Most nodes take one of the steps only (their $ref, or their properties, ...): that step is their filler.
    steps_taken = [step for step, taken in ((subs[0] if len(subs) == 1 else fill, bool(subs)),
                                            (fill, condition is not None), (fill_properties, bool(properties)),
                                            (fill_extra, extra is not None), (fill_items, items is not None)) if taken]
    return steps_taken[0] if len(steps_taken) == 1 else fill


_MISSING = object()


def _container(default: Any) -> bool:
    """Whether copy_tree copies ``default`` (else it returns it as it is)."""
    return default is not _MISSING and not (isinstance(default, (str, int, float, bool)) or default is None)


def _default_of(v: Validator, s: dict[str, Any]) -> Any:
    if "default" in s:
        return s["default"]
    if "$ref" in s:
        return _default_of(v, v.resolve(s))
    return _MISSING


def _steps(v: Validator, s: dict[str, Any]) -> _Steps | None:
    """The fill steps of schema node ``s``, or None when no default lies at or below it.

    Cached on the validator per node of its schema (the nodes live as long as it does); a node
    met again while its own steps are being worked out (a recursive $ref) counts as able to fill.
    """
    cache: dict[int, Any] = v.__dict__.setdefault("_fill_steps", {})
    key = id(s)
    if key in cache:
        return cache[key]  # never _PENDING here: _steps_of asks through _can_fill, which checks first
    cache[key] = _PENDING
    steps = _steps_of(v, s, cache)
    cache[key] = steps
    return steps


_PENDING = object()


def _can_fill(v: Validator, s: Any, cache: dict[int, Any]) -> bool:
    return isinstance(s, dict) and (cache.get(id(s)) is _PENDING or _steps(v, s) is not None)


def _steps_of(v: Validator, s: dict[str, Any], cache: dict[int, Any]) -> _Steps | None:
    subs = tuple(sub for sub in ([v.resolve(s)] if "$ref" in s else []) + list(s.get("allOf", ()))
                 if _can_fill(v, sub, cache))
    conditional = None
    if "if" in s and (_can_fill(v, s.get("then"), cache) or _can_fill(v, s.get("else"), cache)):
        conditional = (s["if"], s.get("then"), s.get("else"))
    properties = []
    for name, sub in s.get("properties", {}).items():
        if not isinstance(sub, dict):
            continue
        default = _default_of(v, sub)
        fills = sub if _can_fill(v, sub, cache) else None
        if default is not _MISSING or fills is not None:
            properties.append((name, default, fills))
    extra = s.get("additionalProperties")
    items = s.get("items")
    steps = _Steps(subs=subs, conditional=conditional, properties=tuple(properties),
                   names=frozenset(s.get("properties", {})),
                   extra=extra if _can_fill(v, extra, cache) else None,
                   items=items if _can_fill(v, items, cache) else None)
    if not (steps.subs or steps.conditional or steps.properties or steps.extra or steps.items):
        return None
    return steps
