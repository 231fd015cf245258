"""Fill in the schema's defaults: the JSON Schema is the only place a default is written."""

from __future__ import annotations

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
    steps = _steps(v, s) if isinstance(s, dict) else None
    if steps is None:
        return
    for sub in steps.subs:
        _fill(v, sub, value)
    if steps.conditional is not None:
        condition, then, otherwise = steps.conditional
        branch = then if v.is_valid(value, condition) else otherwise
        if branch is not None:
            _fill(v, branch, value)
    if isinstance(value, dict):
        for name, default, sub in steps.properties:
            if name not in value:
                if default is _MISSING:
                    continue
                value[name] = copy_tree(default)
            if sub is not None:
                _fill(v, sub, value[name])
        if steps.extra is not None:
            for name, item in value.items():
                if name not in steps.names:
                    _fill(v, steps.extra, item)
    elif isinstance(value, list) and steps.items is not None:
        for item in value:
            _fill(v, steps.items, item)


_MISSING = object()


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
