"""The compiled validity checks of jsonschema_lite: each schema node becomes one function of the value.

``Validator.errors`` explains a failure keyword by keyword (jsonschema_lite.py); deciding whether a
document is valid at all is the common case and must be fast, so it runs the checks made here, once
per schema node. tests/spec/test_jsonschema_lite.py holds the two to the same answers, and both to
the jsonschema package.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Callable


def _is_type(value: Any, t: str) -> bool:
    if t == "string":
        return isinstance(value, str)
    if t == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "object":
        return isinstance(value, dict)
    if t == "array":
        return isinstance(value, list)
    if t == "null":
        return value is None
    raise ValueError(f"unknown type {t}")


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but true != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


class CompiledChecks:
    """The fast validity path of ``Validator``: a mixin that uses the validator's compiled patterns, its
    ``resolve`` of $refs and the ValidityMemo of the validation under way."""

    _checks: dict[int, Callable[[Any], bool]]
    _own: set[int]
    _patterns: dict[str, re.Pattern[str]]
    _memo: Any

    def _valid(self, s: Any, v: Any) -> bool:
        """Whether ``v`` satisfies ``s``: exactly ``_eval`` yielding nothing (with no traps), but fast.

        ``_eval`` builds a pointer and a message for every value; a valid document needs neither,
        so validity is decided here first and ``_eval`` runs only to explain a failure.
        tests/spec/test_jsonschema_lite.py holds the two to the same answers.
        """
        return self._check_of(s)(v)

    # -- compiled checks -------------------------------------------------------------
    # Each schema node becomes one function of the value, made once per node: it tests only the keywords
    # the node has, in a shape chosen for them, so a valid document costs about one call per (node, value)
    # and no keyword lookups. Object and array checks consult the ValidityMemo of the validation under way.

    def _check_of(self, s: Any) -> Callable[[Any], bool]:
        """The validity check of schema node ``s``; cached for the nodes of this validator's schema."""
        if s is True:
            return _always
        if s is False:
            return _never
        key = id(s)
        check = self._checks.get(key)
        if check is not None:
            return check
        if key not in self._own:  # an ad hoc node (e.g. {"type": [...]}): its id may be another's later
            return self._compile(s)
        self._checks[key] = lambda v: self._checks[key](v)  # stands in while a recursive $ref compiles
        check = self._checks[key] = self._compile(s)
        return check

    def _compile(self, s: dict[str, Any]) -> Callable[[Any], bool]:
        """The check of node ``s``: one closure shaped for the keywords it has (the shapes below are the
        schema's common ones; _generic_check takes any other)."""
        t = s.get("type")
        types = None if t is None else (t,) if isinstance(t, str) else tuple(t)
        same = []  # checks of the same value against other nodes: $ref, allOf, if/then/else
        if "$ref" in s:
            same.append(self._check_of(self.resolve(s)))
        same.extend(self._check_of(sub) for sub in s.get("allOf", ()))
        if "if" in s and ("then" in s or "else" in s):
            same.append(self._conditional(s))
        value = _value_test(s)
        strings = any(k in s for k in ("minLength", "maxLength", "pattern")) or s.get("format") == "date"
        numbers = any(k in s for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"))
        objects = any(k in s for k in ("properties", "required", "minProperties", "maxProperties", "propertyNames")) \
            or s.get("additionalProperties", True) is not True
        arrays = any(k in s for k in ("minItems", "maxItems", "items")) or bool(s.get("uniqueItems"))
        if not (same or objects or arrays or strings or numbers):
            if types is None:
                return _always if value is None else value
            if value is None and len(types) == 1 and types[0] in _TYPE_TESTS:
                return _TYPE_TESTS[types[0]]
        if not (same or objects or arrays):
            if types == ("string",) and not numbers:
                return self._string_check(s)
            if types in (("integer",), ("number",)) and not strings:
                return _number_check(s, types[0] == "integer", value)
        if not (value is not None or strings or numbers):
            if types == ("array",) and arrays and not objects:
                return self._array_check(s, True, tuple(same))
            if types in (None, ("object",)) and objects and not arrays:
                return self._object_check(s, types is not None, tuple(same))
            if types is None and len(same) == 1 and not (objects or arrays):
                return same[0]  # {"$ref": ...}: the target's own check
        return _generic_check(_type_test(types), value, self._string_check(s) if strings else None,
                              _number_check(s, False, None) if numbers else None,
                              self._object_check(s, False, ()) if objects else None,
                              self._array_check(s, False, ()) if arrays else None, tuple(same))

    def _conditional(self, s: dict[str, Any]) -> Callable[[Any], bool]:
        condition = self._check_of(s["if"])
        then = self._check_of(s["then"]) if "then" in s else None
        otherwise = self._check_of(s["else"]) if "else" in s else None

        def check(v: Any) -> bool:
            branch = then if condition(v) else otherwise
            return branch is None or branch(v)

        return check

    def _string_check(self, s: dict[str, Any]) -> Callable[[Any], bool]:
        """The check of a ``type: string`` node. For a string it is also the check of the node's string keywords
        (and its const and enum, which _generic_check has already tested)."""
        enum = s.get("enum")
        strings = frozenset(enum) if enum is not None and all(isinstance(e, str) for e in enum) else None
        value = _const_test(s["const"]) if "const" in s else None
        if enum is not None and strings is None:
            value = _value_test(s)
        shortest, longest = s.get("minLength"), s.get("maxLength")
        search = self._patterns[s["pattern"]].search if "pattern" in s else None
        date = s.get("format") == "date"

        def check(v: Any) -> bool:
            if not isinstance(v, str):
                return False
            if strings is not None and (v not in strings if type(v) is str else not any(_equal(v, e) for e in enum)):
                return False
            if value is not None and not value(v):
                return False
            if shortest is not None and len(v) < shortest:
                return False
            if longest is not None and len(v) > longest:
                return False
            if search is not None and search(v) is None:
                return False
            return not date or _is_date(v)

        return check

    def _object_check(self, s: dict[str, Any], typed: bool, same: tuple[Callable[[Any], bool], ...]) -> Callable[[Any], bool]:
        """The check of an object node: its object keywords for a mapping (``typed``: anything else fails), then ``same``."""
        validator, node = self, id(s)
        required = tuple(s.get("required", ()))
        fewest, most = s.get("minProperties"), s.get("maxProperties")
        properties = {name: self._check_of(sub) for name, sub in s.get("properties", {}).items()}
        extra = s.get("additionalProperties", True)
        other = None if extra is True else self._check_of(extra)  # None: any other key goes
        declared, get = tuple(properties.items()), properties.get
        names = self._check_of(s["propertyNames"]) if "propertyNames" in s else None

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return not typed and all(f(v) for f in same)
            memo = validator._memo
            if memo is not None:
                key = (node, id(v))
                if key in memo.known:
                    return True
            for name in required:
                if name not in v:
                    return False
            if (fewest is not None and len(v) < fewest) or (most is not None and len(v) > most):
                return False
            if other is None:
                for name, f in declared:
                    if name in v and not f(v[name]):
                        return False
            else:
                for name, item in v.items():
                    if not get(name, other)(item):
                        return False
            if names is not None:
                for name in v:
                    if not names(name):
                        return False
            for f in same:
                if not f(v):
                    return False
            if memo is not None and memo.recording:
                memo.known.add(key)
            return True

        return check

    def _array_check(self, s: dict[str, Any], typed: bool, same: tuple[Callable[[Any], bool], ...]) -> Callable[[Any], bool]:
        """The check of an array node: its array keywords for a list (``typed``: anything else fails), then ``same``."""
        validator, node = self, id(s)
        fewest, most = s.get("minItems"), s.get("maxItems")
        unique = bool(s.get("uniqueItems"))
        items = self._check_of(s["items"]) if "items" in s else None

        def check(v: Any) -> bool:
            if not isinstance(v, list):
                return not typed and all(f(v) for f in same)
            memo = validator._memo
            if memo is not None:
                key = (node, id(v))
                if key in memo.known:
                    return True
            if (fewest is not None and len(v) < fewest) or (most is not None and len(v) > most):
                return False
            if unique and _repeats(v):
                return False
            if items is not None:
                for item in v:
                    if not items(item):
                        return False
            for f in same:
                if not f(v):
                    return False
            if memo is not None and memo.recording:
                memo.known.add(key)
            return True

        return check


def _always(v: Any) -> bool:
    return True


def _never(v: Any) -> bool:
    return False


def _is_integer(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}
"""_is_type as one function per type."""


def _type_test(types: tuple[str, ...] | None) -> Callable[[Any], bool] | None:
    if types is None:
        return None
    if len(types) == 1 and types[0] in _TYPE_TESTS:
        return _TYPE_TESTS[types[0]]
    return lambda v: any(_is_type(v, t) for t in types)


def _value_test(s: dict[str, Any]) -> Callable[[Any], bool] | None:
    """The check of ``const`` and ``enum``, or None when the node has neither."""
    tests = ([_const_test(s["const"])] if "const" in s else []) + ([_enum_test(s["enum"])] if "enum" in s else [])
    if len(tests) < 2:
        return tests[0] if tests else None
    first, second = tests
    return lambda v: first(v) and second(v)


def _const_test(const: Any) -> Callable[[Any], bool]:
    if type(const) is str:  # what _equal to a str comes to
        return lambda v: type(v) is str and v == const
    return lambda v: _equal(v, const)


def _enum_test(enum: list[Any]) -> Callable[[Any], bool]:
    # _equal to one of the strings, for a str, is being one of them; to one of the ints, for an int, too
    if all(isinstance(e, str) for e in enum):
        strings = frozenset(enum)
        return lambda v: v in strings if type(v) is str else any(_equal(v, e) for e in enum)
    if all(type(e) is int for e in enum):
        ints = frozenset(enum)
        return lambda v: v in ints if type(v) is int else any(_equal(v, e) for e in enum)
    return lambda v: any(_equal(v, e) for e in enum)


def _number_check(s: dict[str, Any], integer: bool, value: Callable[[Any], bool] | None) -> Callable[[Any], bool]:
    """The check of a ``type: integer`` or ``number`` node with bounds (and ``value``, its const/enum test)."""
    low, high = s.get("minimum"), s.get("maximum")
    above, below = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")

    def check(v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and isinstance(v, float) and not v.is_integer()):
            return False
        if value is not None and not value(v):
            return False
        if (low is not None and not v >= low) or (high is not None and not v <= high):
            return False
        return (above is None or v > above) and (below is None or v < below)

    return check


def _generic_check(type_ok: Callable[[Any], bool] | None, value: Callable[[Any], bool] | None,
                   string: Callable[[Any], bool] | None, number: Callable[[Any], bool] | None,
                   mapping: Callable[[Any], bool] | None, array: Callable[[Any], bool] | None,
                   same: tuple[Callable[[Any], bool], ...]) -> Callable[[Any], bool]:
    """The check of a node of any other shape: each part applies to the values it is for, as in _eval."""

    def check(v: Any) -> bool:
        if type_ok is not None and not type_ok(v):
            return False
        if value is not None and not value(v):
            return False
        if isinstance(v, str):
            if string is not None and not string(v):
                return False
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            if number is not None and not number(v):
                return False
        elif isinstance(v, dict):
            if mapping is not None and not mapping(v):
                return False
        elif isinstance(v, list):
            if array is not None and not array(v):
                return False
        for f in same:
            if not f(v):
                return False
        return True

    return check


def _repeats(v: list[Any]) -> bool:
    """Whether two items of ``v`` are _equal."""
    if all(type(item) is str for item in v):
        return len(set(v)) != len(v)
    return any(_equal(item, v[j]) for i, item in enumerate(v) for j in range(i))


def _is_date(text: str) -> bool:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return False
    try:
        _dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
