"""Fill in the schema's defaults: the JSON Schema is the only place a default is written."""

from __future__ import annotations

from typing import Any

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


def _fill(v: Validator, s: Any, value: Any) -> None:
    if not isinstance(s, dict):
        return
    if "$ref" in s:
        _fill(v, v.resolve(s), value)
    for sub in s.get("allOf", ()):
        _fill(v, sub, value)
    if "if" in s:
        branch = s.get("then") if v.is_valid(value, s["if"]) else s.get("else")
        if branch is not None:
            _fill(v, branch, value)
    if isinstance(value, dict):
        props = s.get("properties", {})
        for name, sub in props.items():
            if name not in value:
                default = _default_of(v, sub)
                if default is not _MISSING:
                    value[name] = copy_tree(default)
            if name in value:
                _fill(v, sub, value[name])
        extra = s.get("additionalProperties")
        if isinstance(extra, dict):
            for name, item in value.items():
                if name not in props:
                    _fill(v, extra, item)
    elif isinstance(value, list) and isinstance(s.get("items"), dict):
        for item in value:
            _fill(v, s["items"], item)


_MISSING = object()


def _default_of(v: Validator, s: dict[str, Any]) -> Any:
    if "default" in s:
        return s["default"]
    if "$ref" in s:
        return _default_of(v, v.resolve(s))
    return _MISSING
