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
from typing import Any, Iterator

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
        self._string_enums: dict[int, frozenset[str]] = {}  # id(schema node) -> its enum, when all strings
        self._memo: ValidityMemo | None = None
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
        if "enum" in node and all(isinstance(e, str) for e in node["enum"]):
            self._string_enums[id(node)] = frozenset(node["enum"])

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
        memo = self._memo
        if memo is not None and isinstance(v, (dict, list)):
            key = (id(s), id(v))
            if key in memo.known:
                return True
            ok = self._valid_uncached(s, v)
            if ok and memo.recording:
                memo.known.add(key)
            return ok
        return self._valid_uncached(s, v)

    def _valid_uncached(self, s: Any, v: Any) -> bool:
        if s is True:
            return True
        if s is False:
            return False
        if "$ref" in s and not self._valid(self.resolve(s), v):
            return False
        t = s.get("type")
        if t is not None:
            if isinstance(t, str):
                if not _is_type(v, t):
                    return False
            elif not any(_is_type(v, x) for x in t):
                return False
        if "const" in s and not _equal(v, s["const"]):
            return False
        if "enum" in s:
            strings = self._string_enums.get(id(s))
            if strings is not None and type(v) is str:
                if v not in strings:
                    return False
            elif not any(_equal(v, e) for e in s["enum"]):
                return False
        if isinstance(v, str):
            if ("minLength" in s and len(v) < s["minLength"]) or ("maxLength" in s and len(v) > s["maxLength"]):
                return False
            if "pattern" in s and not self._patterns[s["pattern"]].search(v):
                return False
            if s.get("format") == "date" and not _is_date(v):
                return False
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            if ("minimum" in s and not v >= s["minimum"]) or ("maximum" in s and not v <= s["maximum"]) or \
               ("exclusiveMinimum" in s and not v > s["exclusiveMinimum"]) or \
               ("exclusiveMaximum" in s and not v < s["exclusiveMaximum"]):
                return False
        elif isinstance(v, dict):
            if not self._valid_object(s, v):
                return False
        elif isinstance(v, list):
            if not self._valid_array(s, v):
                return False
        for sub in s.get("allOf", ()):
            if not self._valid(sub, v):
                return False
        if "if" in s:
            branch = s.get("then") if self._valid(s["if"], v) else s.get("else")
            if branch is not None and not self._valid(branch, v):
                return False
        return True

    def _valid_object(self, s: dict[str, Any], v: dict[str, Any]) -> bool:
        props = s.get("properties", {})
        for name in s.get("required", ()):
            if name not in v:
                return False
        if "minProperties" in s and len(v) < s["minProperties"]:
            return False
        if "maxProperties" in s and len(v) > s["maxProperties"]:
            return False
        names = s.get("propertyNames")
        extra = s.get("additionalProperties", True)
        for name, value in v.items():
            sub = props.get(name)
            if sub is not None:
                if not self._valid(sub, value):
                    return False
            elif extra is not True and not self._valid(extra, value):
                return False
            if names is not None and not self._valid(names, name):
                return False
        return True

    def _valid_array(self, s: dict[str, Any], v: list[Any]) -> bool:
        if ("minItems" in s and len(v) < s["minItems"]) or ("maxItems" in s and len(v) > s["maxItems"]):
            return False
        if s.get("uniqueItems") and any(_equal(item, v[j]) for i, item in enumerate(v) for j in range(i)):
            return False
        items = s.get("items")
        return items is None or all(self._valid(items, item) for item in v)

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
