"""A small JSON Schema 2020-12 evaluator for the keywords llmops-iac's schemas use.

Why not the ``jsonschema`` package at run time: importing it costs ~0.2 s, more
than the whole ``validate`` budget, and its messages name Python reprs rather
than the fix. This evaluator reports every error with the keyword, the
constraint in plain words and a hint. ``tests/spec/test_jsonschema_lite.py``
holds it to the reference implementation: on every example, fixture and
generated mutation both must agree on valid/invalid and on the failing
locations. It refuses schemas that use a keyword it does not implement, so
the schema can't silently outgrow it.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

ANNOTATIONS = {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples", "deprecated",
               "readOnly", "writeOnly"}
ASSERTIONS = {"$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "propertyNames",
              "items", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "minimum", "maximum",
              "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "format", "allOf", "if",
              "then", "else"}
SUPPORTED = ANNOTATIONS | ASSERTIONS

_TYPE_WORDS = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean (true or false)",
               "object": "a mapping", "array": "a list", "null": "null"}


@dataclass(frozen=True)
class SchemaError:
    """One failed assertion: where (instance pointer), which keyword, and what to do."""

    pointer: str
    keyword: str
    message: str
    hint: str
    constraint: str
    value: Any
    at_key: bool = False  # locate at the key naming the value rather than the value


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def dotted(pointer: str) -> str:
    """Render a JSON pointer as the dotted path users recognise: spec.models.chat.modelId."""
    if not pointer:
        return "(top level)"
    out = ""
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        out += f"[{part}]" if part.isdigit() else ("." if out else "") + part
    return out


def words(value: Any) -> str:
    """Describe a JSON value's type in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def show(value: Any, limit: int = 60) -> str:
    """Render a value briefly for a message."""
    if isinstance(value, str):
        text = repr(value) if len(value) <= limit else repr(value[:limit]) + "…"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = ""
    elif isinstance(value, dict):
        text = "{…}" if value else "{}"
    elif isinstance(value, list):
        text = "[…]" if value else "[]"
    else:
        try:
            text = repr(value)
        except ValueError:  # an integer too long to print
            text = "(a number too long to show)"
    return text


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


def did_you_mean(word: str, choices: list[str]) -> str | None:
    """Return the closest choice to ``word`` (case-insensitive), or None."""
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


class ValidityMemo:
    """(schema node, container) pairs known to be valid, shared by validations of related documents.

    While ``recording``, a validation adds every container it found valid; afterwards a validation
    of a document built from the recorded one (an environment's overrides merged in: new mappings
    along the overridden paths, every other subtree shared) skips the shared subtrees. Pairs are
    keyed by identity, so the recorded document must stay alive and unchanged while the memo is used.
    """

    def __init__(self) -> None:
        self.known: set[tuple[int, int]] = set()
        self.recording = True


class Validator:
    """Validate instances against one schema document; ``errors`` yields every failure."""

    def __init__(self, schema: dict[str, Any]):
        self.schema = schema
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._memo: ValidityMemo | None = None  # of the validation under way
        self._own: set[int] = set()  # id() of every node of ``schema``
        self._checks: dict[int, Callable[[Any], bool]] = {}  # id(node) -> its compiled check (see _check_of)
        self._check(schema, "#")

    # -- schema sanity -----------------------------------------------------------
    def _check(self, node: Any, where: str) -> None:
        if isinstance(node, bool):
            return
        if not isinstance(node, dict):
            raise ValueError(f"{where}: a schema must be an object or boolean")
        unknown = set(node) - SUPPORTED
        if unknown:
            raise ValueError(f"{where}: keyword(s) {sorted(unknown)} not supported by jsonschema_lite")
        for key in ("properties", "$defs"):
            for name, sub in node.get(key, {}).items():
                self._check(sub, f"{where}/{key}/{name}")
        for key in ("additionalProperties", "propertyNames", "items", "if", "then", "else"):
            if key in node:
                self._check(node[key], f"{where}/{key}")
        for i, sub in enumerate(node.get("allOf", [])):
            self._check(sub, f"{where}/allOf/{i}")
        if "$ref" in node and not node["$ref"].startswith("#/$defs/"):
            raise ValueError(f"{where}: only local #/$defs/ references are supported")
        if "pattern" in node:
            self._patterns[node["pattern"]] = re.compile(node["pattern"])
        self._own.add(id(node))

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """Return the $defs target of a ``$ref`` node."""
        return self.schema["$defs"][node["$ref"][len("#/$defs/"):]]

    def is_valid(self, instance: Any, schema: Any = None) -> bool:
        """Return whether ``instance`` satisfies ``schema`` (the root by default); traps are ignored."""
        return self._valid(self.schema if schema is None else schema, instance)

    # -- evaluation ----------------------------------------------------------------
    def errors(self, instance: Any, schema: Any = None, pointer: str = "",
               traps: dict[str, str] | None = None, memo: ValidityMemo | None = None) -> Iterator[SchemaError]:
        """Yield every error of ``instance`` against ``schema`` (the root by default).

        ``traps`` maps pointers of unquoted YAML scalars that a YAML 1.1 reader
        would not read as a string to what it would read (``"a boolean"``); a
        trap where the schema expects a string is an error. ``memo`` records, or
        reuses, the subtrees found valid (see ValidityMemo).
        """
        node = self.schema if schema is None else schema
        if not traps:
            saved_memo, self._memo = self._memo, memo
            try:
                valid = self._valid(node, instance)
            finally:
                self._memo = saved_memo
            if valid:
                return  # the common case, decided without building a pointer or a message
        saved, self._traps = self._traps, traps or {}
        try:
            yield from self._eval(node, instance, pointer, node)
        finally:
            self._traps = saved

    _traps: dict[str, str] = {}

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

    def _eval(self, s: Any, v: Any, ptr: str, described: dict[str, Any]) -> Iterator[SchemaError]:
        if s is True:
            return
        if s is False:
            yield SchemaError(ptr, "false", "no value is allowed here", "remove it", "false", v)
            return
        if "description" in s:
            described = s
        if "$ref" in s:
            target = self.resolve(s)
            yield from self._eval(target, v, ptr, described if "description" in s else target)
        t = s.get("type")
        if t is not None:
            types = [t] if isinstance(t, str) else list(t)
            if not any(_is_type(v, x) for x in types):
                want = " or ".join(_TYPE_WORDS[x] for x in types)
                hint = f"write {want} here"
                if "enum" in s and all(isinstance(e, str) for e in s["enum"]):
                    hint = "use one of: " + ", ".join(s["enum"][:8]) + (" …" if len(s["enum"]) > 8 else "")
                yield SchemaError(ptr, "type", f"expected {want}, got {(words(v) + ' ' + show(v)).strip()}", hint, f"type: {'|'.join(types)}", v)
                return  # further checks on a value of the wrong type only add noise
            if "string" in types and ptr in self._traps and isinstance(v, str):
                yield SchemaError(ptr, "yaml11", f"unquoted {v} is {self._traps[ptr]} to YAML 1.1 tools, a string here",
                                  f"quote it so every tool reads the same: \"{v}\"", "type: string, quoted", v)
        if "const" in s and not _equal(v, s["const"]):
            yield SchemaError(ptr, "const", f"must be {show(s['const'])}, got {show(v)}", f"write {show(s['const'])}",
                              f"const: {s['const']}", v)
        if "enum" in s and not any(_equal(v, e) for e in s["enum"]):
            choices = [str(e) for e in s["enum"]]
            guess = did_you_mean(str(v), choices) if isinstance(v, str) else None
            listing = ", ".join(choices) if len(choices) <= 12 else ", ".join(choices[:12]) + f" … ({len(choices)} in all; `llmops-iac schema` lists them)"
            if guess and len(choices) > 12:
                hint = f"did you mean {guess!r}? (`llmops-iac schema` lists all {len(choices)})"
            else:
                hint = (f"did you mean {guess!r}? " if guess else "") + f"allowed: {listing}"
            yield SchemaError(ptr, "enum", f"{show(v)} is not an allowed value", hint, "one of: " + ", ".join(choices), v)
        if isinstance(v, str):
            yield from self._string(s, v, ptr, described)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            yield from self._number(s, v, ptr)
        elif isinstance(v, dict):
            yield from self._object(s, v, ptr)
        elif isinstance(v, list):
            yield from self._array(s, v, ptr)
        for sub in s.get("allOf", ()):
            yield from self._eval(sub, v, ptr, described)
        if "if" in s:
            if self.is_valid(v, s["if"]):
                if "then" in s:
                    yield from self._eval(s["then"], v, ptr, described)
            elif "else" in s:
                yield from self._eval(s["else"], v, ptr, described)

    def _string(self, s: dict[str, Any], v: str, ptr: str, described: dict[str, Any]) -> Iterator[SchemaError]:
        n = len(v)
        if "minLength" in s and n < s["minLength"]:
            what = "must not be empty" if s["minLength"] == 1 else f"must be at least {s['minLength']} characters, got {n}"
            yield SchemaError(ptr, "minLength", what, _describe(described, "write a longer value"), f"minLength: {s['minLength']}", v)
        if "maxLength" in s and n > s["maxLength"]:
            yield SchemaError(ptr, "maxLength", f"must be at most {s['maxLength']} characters, got {n}", "shorten it",
                              f"maxLength: {s['maxLength']}", v)
        if "pattern" in s and not self._patterns[s["pattern"]].search(v):
            yield SchemaError(ptr, "pattern", f"{show(v)} is not in the expected format",
                              _describe(described, "see `llmops-iac schema`"), f"pattern: {s['pattern']}", v)
        if s.get("format") == "date" and not _is_date(v):
            yield SchemaError(ptr, "format", f"{show(v)} is not a valid date", "write a real date as YYYY-MM-DD, e.g. 2026-12-31",
                              "format: date", v)

    def _number(self, s: dict[str, Any], v: float, ptr: str) -> Iterator[SchemaError]:
        checks = (("minimum", lambda b: v >= b, "at least"), ("maximum", lambda b: v <= b, "at most"),
                  ("exclusiveMinimum", lambda b: v > b, "more than"), ("exclusiveMaximum", lambda b: v < b, "less than"))
        for key, ok, phrase in checks:
            if key in s and not ok(s[key]):
                yield SchemaError(ptr, key, f"must be {phrase} {s[key]}, got {show(v)}", f"use a value {phrase} {s[key]}",
                                  f"{key}: {s[key]}", v)

    def _object(self, s: dict[str, Any], v: dict[str, Any], ptr: str) -> Iterator[SchemaError]:
        props = s.get("properties", {})
        for name in s.get("required", ()):
            if name not in v:
                sub = props.get(name, {})
                sub = self.resolve(sub) if "$ref" in sub else sub
                example = ""
                if "enum" in sub:
                    example = " (one of: " + ", ".join(map(str, sub["enum"][:6])) + (" …" if len(sub["enum"]) > 6 else "") + ")"
                elif "const" in sub:
                    example = f": {sub['const']}"
                where = dotted(ptr)
                yield SchemaError(ptr, "required", f"missing required key {name!r}",
                                  f"add `{name}:`{example} under {where}", f"required: {name}", v, at_key=True)
        for name, sub in props.items():
            if name in v:
                yield from self._eval(sub, v[name], f"{ptr}/{escape(name)}", sub)
        if "propertyNames" in s:
            for name in v:
                for err in self._eval(s["propertyNames"], name, f"{ptr}/{escape(name)}", s["propertyNames"]):
                    yield SchemaError(err.pointer, "propertyNames", f"{show(name)} is not a valid name",
                                      err.hint, err.constraint, name, at_key=True)
        extra = s.get("additionalProperties", True)
        if extra is not True:
            for name in v:
                if name in props:
                    continue
                child = f"{ptr}/{escape(name)}"
                if extra is False:
                    allowed = sorted(props)
                    guess = did_you_mean(name, allowed)
                    hint = f"did you mean {guess!r}?" if guess else "allowed keys: " + ", ".join(allowed)
                    yield SchemaError(child, "additionalProperties", f"unknown key {name!r}", hint,
                                      "allowed keys: " + ", ".join(allowed), name, at_key=True)
                else:
                    yield from self._eval(extra, v[name], child, extra)
        if "minProperties" in s and len(v) < s["minProperties"]:
            yield SchemaError(ptr, "minProperties", f"needs at least {s['minProperties']} entr{'y' if s['minProperties'] == 1 else 'ies'}",
                              "add an entry, or remove the key to get the default", f"minProperties: {s['minProperties']}", v)
        if "maxProperties" in s and len(v) > s["maxProperties"]:
            yield SchemaError(ptr, "maxProperties", f"has more than {s['maxProperties']} entries", "remove some",
                              f"maxProperties: {s['maxProperties']}", v)

    def _array(self, s: dict[str, Any], v: list[Any], ptr: str) -> Iterator[SchemaError]:
        if "minItems" in s and len(v) < s["minItems"]:
            yield SchemaError(ptr, "minItems", f"needs at least {s['minItems']} item{'s' if s['minItems'] != 1 else ''}, got {len(v)}",
                              "add items, or remove the key to get the default", f"minItems: {s['minItems']}", v)
        if "maxItems" in s and len(v) > s["maxItems"]:
            yield SchemaError(ptr, "maxItems", f"may hold at most {s['maxItems']} item{'s' if s['maxItems'] != 1 else ''}, got {len(v)}",
                              "remove items", f"maxItems: {s['maxItems']}", v)
        if s.get("uniqueItems"):
            for i, item in enumerate(v):
                for j in range(i):
                    if _equal(item, v[j]):
                        yield SchemaError(f"{ptr}/{i}", "uniqueItems", f"{show(item)} is listed twice (also item {j + 1})",
                                          "remove the repeat", "uniqueItems", item)
                        break
        if "items" in s:
            for i, item in enumerate(v):
                yield from self._eval(s["items"], item, f"{ptr}/{i}", s["items"])


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


def _describe(schema: dict[str, Any], fallback: str) -> str:
    desc = schema.get("description")
    if not desc:
        return fallback
    first = _SENTENCE_END.split(desc, maxsplit=1)[0]
    return f"expected: {first}"


_SENTENCE_END = re.compile(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s+(?=[A-Z])")


def _is_date(text: str) -> bool:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return False
    try:
        _dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
