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

import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from llmops_iac.spec.jsonschema_checks import CompiledChecks, _equal, _is_date, _is_type
from llmops_iac.spec.text import BLANK_MESSAGE, VISIBLE_PATTERN, is_blank, min_visible_count, visible_length

ANNOTATIONS = {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples", "deprecated",
               "readOnly", "writeOnly"}
ASSERTIONS = {"$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "propertyNames",
              "items", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "minimum", "maximum",
              "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "format", "allOf", "if",
              "then", "else"}
SUPPORTED = ANNOTATIONS | ASSERTIONS

VISIBLE_REF = "#/$defs/visibleText"
"""The schema's definition of text with a visible character (its pattern is text.VISIBLE_PATTERN)."""

_TYPE_WORDS = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean (true or false)",
               "object": "a mapping", "array": "a list", "null": "null"}


@dataclass(frozen=True)
class SchemaError:
    """One failed assertion: where (instance pointer), which keyword, and what to do.

    ``keyword`` is the JSON Schema keyword that failed, except ``blank``: the pattern of
    ``$defs/visibleText`` (llmops_iac/spec/text.py), which a value without a visible character fails.
    """

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


class Validator(CompiledChecks):
    """Validate instances against one schema document; ``errors`` yields every failure (``is_valid`` and the
    shortcut of ``errors`` for a valid document run the compiled checks of jsonschema_checks.py)."""

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
            if s["pattern"] == VISIBLE_PATTERN:  # $defs/visibleText: say what is wrong, not which regex failed
                expected = _describe(described, "")
                yield SchemaError(ptr, "blank", f"{show(v)} {BLANK_MESSAGE}",
                                  "write it in visible characters" + (f" ({expected})" if expected else ""),
                                  "visible text: a character other than whitespace or an invisible one", v)
            elif (least := min_visible_count(s["pattern"])) is not None:  # text.min_visible_pattern(least)
                have = visible_length(v)
                yield SchemaError(ptr, "blank" if have == 0 else "pattern",
                                  f"{show(v)} {BLANK_MESSAGE}" if have == 0 else
                                  f"{show(v)} has {have} visible character{'s' if have != 1 else ''}, fewer than {least}",
                                  _describe(described, f"write at least {least} visible characters"),
                                  f"at least {least} visible characters", v)
            elif not (s.get("$ref") == VISIBLE_REF and is_blank(v)):  # else the $ref's blank error says it all
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
                    blank = err.message.endswith(BLANK_MESSAGE)
                    yield SchemaError(err.pointer, "propertyNames", err.message if blank else f"{show(name)} is not a valid name",
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
