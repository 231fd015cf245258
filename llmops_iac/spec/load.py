"""Strict YAML/JSON loading: plain data plus a source map, or every reason it can't be.

The loader reads libyaml's event stream and builds the data itself, so it can
see what a normal YAML loader hides: duplicate keys, where an alias is used,
how deep the nesting goes and whether a scalar was quoted. Scalars are read
with the YAML 1.2 core schema (``no`` is the string "no"); plain scalars that
a YAML 1.1 tool would read differently are remembered as *traps* so that
validation can reject them where the schema expects a string.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from typing import Any

import yaml

from llmops_iac.errors import Diagnostic, SpecError
from llmops_iac.spec.file_text import MAX_BYTES, read_text  # noqa: F401 - MAX_BYTES, read_text: re-exported
from llmops_iac.spec.jsonschema_lite import words
from llmops_iac.spec.scalars import SPECIAL_START, resolve_plain, yaml11_meaning
from llmops_iac.spec.source_map import OverlaySourceMap, SourceMap, Trap  # noqa: F401 - OverlaySourceMap: re-exported
from llmops_iac.spec.tree import copy_tree

MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences accepted."""
MAX_ALIAS_NODES = 10_000
"""Most values that alias expansion may add in one file (billion-laughs guard)."""
MAX_NUMBER_CHARS = 40
"""Longest numeric scalar accepted (Python refuses to print integers over 4,300 digits)."""
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters no spec string may hold (C0 but tab and line feed, DEL, C1); raw ones libyaml refuses itself."""
_NUMERIC = re.compile(r"^[-+]?(?:0x[0-9a-fA-F]+|0o[0-7]+|[0-9._]+(?:[eE][-+]?[0-9]+)?)$")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STD = "tag:yaml.org,2002:"


@dataclass
class Document:
    """A loaded file: its data, its source map, and the sha256 of its bytes."""

    path: str
    data: Any
    source: SourceMap
    sha256: str


def escape(token: str) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def _diag(file: str, line: int, col: int, code: str, message: str, hint: str, pointer: str = "") -> Diagnostic:
    return Diagnostic(file=file, line=line, col=col, code=code, message=message, hint=hint, pointer=pointer)


def load(path: str, *, display: str | None = None) -> Document:
    """Load ``path`` strictly; return a Document or raise SpecError with every problem found."""
    name = display or path
    text, raw = read_text(path, display=name)
    data, source = parse(text, name)
    return Document(path=path, data=data, source=source, sha256=hashlib.sha256(raw).hexdigest())


_SURROGATES = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)


def _join_surrogates(text: str) -> str:
    """Turn JSON-style surrogate-pair escapes (\\ud83d\\ude00) into the character: libyaml rejects them."""
    def repl(m: re.Match[str]) -> str:
        return m.group(1) + chr(0x10000 + ((int(m.group(2), 16) - 0xD800) << 10) + (int(m.group(3), 16) - 0xDC00))

    return _SURROGATES.sub(repl, text)


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def parse(text: str, name: str) -> tuple[Any, SourceMap]:
    """Parse YAML (or JSON) text into plain data and a source map; raise SpecError if it can't."""
    builder = _Builder(name)
    lines = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    builder.last_line = lines
    if name.endswith(".json"):
        import json

        try:  # a syntax check only: numbers stay text (no int() of 5,000 digits); the builder below reads the data
            json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
        except json.JSONDecodeError as exc:
            raise SpecError([_diag(name, exc.lineno, exc.colno, "json-syntax", f"invalid JSON: {exc.msg}",
                                   "fix the JSON syntax (no trailing commas, comments or single quotes)")]) from None
        except RecursionError:
            pass  # nested thousands deep: the builder stops at MAX_DEPTH and says where
    if "\\" in text:
        builder.escapes = True  # only an escape in a double-quoted string can put a control character in a value
        if "\\u" in text or "\\U" in text:
            text = _join_surrogates(text)
    try:
        builder.run(_Loader(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and (mark is None or mark.line + 1 > lines):
            mark = exc.context_mark  # an unclosed quote or bracket: point where it opens, not past the end
        line, col = (min(mark.line + 1, lines), mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in problem:
            builder.errors.append(_diag(name, line, col, "too-deep", f"nesting is deeper than libyaml allows ({problem})",
                                        "flatten the structure"))
        else:
            hint = _syntax_hint(problem)
            if mark is not None and "\t" in text[max(0, mark.index - mark.column): mark.index + 1]:
                hint = "indent with spaces, not tabs: YAML does not allow tabs for indentation"
            builder.errors.append(_diag(name, line, col, "yaml-syntax", f"invalid YAML: {problem}", hint))
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow: no mark, but a position
        line, col = _position(text, exc.position)
        ch = exc.character
        shown = f"U+{ch:04X}" if isinstance(ch, int) else f"U+{ord(ch):04X}" if isinstance(ch, str) and len(ch) == 1 else repr(ch)
        builder.errors.append(_diag(name, line, col, "bad-character", f"control character {shown} is not allowed in YAML",
                                    "remove the control character (or write it as an escape inside a double-quoted string)"))
    except yaml.YAMLError as exc:
        builder.errors.append(_diag(name, 1, 1, "yaml-syntax", f"invalid YAML: {exc}", "fix the YAML syntax"))
    except _Abort:
        pass
    if builder.errors:
        raise SpecError(builder.errors)
    return builder.result, builder.source


def _syntax_hint(problem: str) -> str:
    if "tab" in problem or "'\\t'" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted, or the line is indented wrongly"
    if "could not find expected ':'" in problem:
        return "each key needs a ':' after it; check the indentation of this line and the one above"
    if "found character that cannot start any token" in problem:
        return "quote values that start with @, ` or other reserved characters"
    return "fix the YAML syntax at this position"


class _Abort(Exception):
    """Stop building: the errors collected say why."""


class _Frame:
    """An open mapping or sequence: its value so far and where its next child goes."""

    __slots__ = ("anchor", "is_map", "key", "key_pointer", "log_start", "pointer", "seen", "size", "start", "value")

    def __init__(self, is_map: bool, pointer: str, anchor: str | None, start: tuple[int, int], log_start: int):
        self.is_map = is_map
        self.value: Any = {} if is_map else []
        self.pointer = pointer
        self.key: Any = _NOKEY
        self.key_pointer = ""  # the pointer of the value under ``key``
        self.anchor = anchor
        self.size = 1
        self.start = start
        self.seen: dict[str, tuple[int, int]] = {}
        self.log_start = log_start


_NOKEY = object()
_INVALID = "/\x00invalid"
"""The pointer of a value whose key was refused: the value is still read and checked, never stored."""
_STR = _STD + "str"
_KEY_TAGS = frozenset({"!", _STR})
_COLLECTION_TAGS = frozenset({"!", _STD + "map", _STD + "seq"})
_TYPED_TAGS = {_STD + "int": int, _STD + "float": (int, float), _STD + "bool": bool, _STD + "null": type(None)}
_CHECKED_START = SPECIAL_START | frozenset("-+0123456789._")
"""A plain scalar starting with none of these is a string: not special in YAML 1.2 or 1.1, and not _NUMERIC."""

# What the builder does with each event class, decided in one place and cached by class.
_SCALAR, _MAPPING, _SEQUENCE, _END, _ALIAS, _DOCUMENT, _SKIP = range(7)
_EVENT_KINDS: dict[type, int] = {}


def _event_kind(cls: type) -> int:
    """Return what the builder does with events of class ``cls`` (a subclass is taken as its base)."""
    kind = _EVENT_KINDS.get(cls)
    if kind is None:
        if issubclass(cls, yaml.DocumentStartEvent):
            kind = _DOCUMENT
        elif issubclass(cls, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
            kind = _SKIP
        elif issubclass(cls, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            kind = _END
        elif issubclass(cls, yaml.ScalarEvent):
            kind = _SCALAR
        elif issubclass(cls, yaml.AliasEvent):
            kind = _ALIAS
        elif issubclass(cls, yaml.MappingStartEvent):
            kind = _MAPPING
        elif issubclass(cls, yaml.SequenceStartEvent):
            kind = _SEQUENCE
        else:
            kind = _SCALAR
        _EVENT_KINDS[cls] = kind
    return kind


class _Builder:
    """Turns libyaml events into plain data, a source map and diagnostics."""

    def __init__(self, name: str):
        self.name = name
        self.errors: list[Diagnostic] = []
        self.source = SourceMap(file=name)
        self.result: Any = None
        self.anchors: dict[str, tuple[Any, int, str, int, int]] = {}  # name -> (value, size, pointer, log start, log end)
        self.alias_budget = MAX_ALIAS_NODES
        self.escapes = False  # the text has a backslash: double-quoted strings may hold escaped control characters
        self.last_line = 1 << 30
        # The source-map entries written inside anchored values, in order, so an anchor's entries are a
        # slice of it; nothing else reads it, so entries outside every anchored value are not logged.
        self.log: list[tuple[str, str, Any]] = []

    def record(self, kind: str, pointer: str, value: Any, logged: int) -> None:
        """Write one source-map entry (kind: values, keys, traps, plain); log it if ``logged``."""
        if kind == "plain":
            self.source.plain.add(pointer)
        else:
            getattr(self.source, kind)[pointer] = value
        if logged:
            self.log.append((kind, pointer, value))

    def error(self, mark: tuple[int, int], code: str, message: str, hint: str, pointer: str = "", fatal: bool = False) -> None:
        self.errors.append(_diag(self.name, min(mark[0], self.last_line), mark[1], code, message, hint, pointer))
        if fatal or len(self.errors) >= 100:
            raise _Abort()

    def run(self, loader: Any) -> None:
        # The hot loop: one pass per event, with the common cases written out here rather than in
        # helper calls. ``anchored`` counts the anchored values open; while it is non-zero every
        # source-map entry is also logged (see self.log).
        stack: list[_Frame] = []
        documents = 0
        anchored = 0
        log = self.log
        values = self.source.values
        plain = self.source.plain
        anchors = self.anchors
        kinds = _EVENT_KINDS
        get_event = loader.get_event
        try:
            while True:
                ev = get_event()
                if ev is None:
                    break
                kind = kinds.get(type(ev))
                if kind is None:
                    kind = _event_kind(type(ev))
                if kind == _END:
                    frame = stack.pop()
                    if frame.anchor is not None:
                        anchored -= 1
                        anchors[frame.anchor] = (frame.value, frame.size, frame.pointer, frame.log_start, len(log))
                    if stack:
                        top = stack[-1]
                        top.size += frame.size
                        if top.is_map:
                            if top.key is not None and top.key is not _NOKEY:
                                top.value[top.key] = frame.value
                            top.key = _NOKEY
                        else:
                            top.value.append(frame.value)
                    else:
                        self._root(frame.value, frame.start)
                    continue
                if kind == _SKIP:
                    continue
                m = ev.start_mark
                mark = (m.line + 1, m.column + 1)
                if kind == _DOCUMENT:
                    documents += 1
                    if documents > 1:
                        self.error(mark, "multiple-documents", "the file holds more than one YAML document",
                                   "keep one application per file: remove the second '---' document or move it to its own file", fatal=True)
                    if ev.version is not None and ev.version != (1, 2):
                        self.error(mark, "yaml-version", f"%YAML {ev.version[0]}.{ev.version[1]} directive",
                                   "remove the %YAML directive: specs are read as YAML 1.2")
                    continue
                top = None
                if stack:
                    top = stack[-1]
                    if top.is_map:
                        if top.key is _NOKEY:
                            if kind == _SCALAR:
                                self._key(top, ev, mark, anchored)
                                continue
                            self.error(mark, "complex-key", "a mapping or list cannot be a key", "keys must be plain names",
                                       top.pointer, fatal=True)
                        pointer = _INVALID if top.key is None else top.key_pointer
                    else:
                        pointer = f"{top.pointer}/{len(top.value)}"
                else:
                    pointer = ""
                if kind == _SCALAR:
                    anchor = ev.anchor
                    log_start = len(log)
                    if anchor is not None:
                        anchored += 1
                    tag = ev.tag
                    text = ev.value
                    if tag is None and ev.implicit[0]:
                        plain.add(pointer)
                        if anchored:
                            log.append(("plain", pointer, None))
                        if text and text[0] not in _CHECKED_START:
                            value = text
                        else:
                            value = self._plain(text, mark, pointer, anchored)
                    elif tag is None or tag == "!" or tag == _STR:
                        value = text
                        if self.escapes and ev.style == '"':
                            self._controls(text, mark, pointer)
                    else:
                        value = self._tagged(tag, text, mark, pointer)
                    values[pointer] = mark
                    if anchored:
                        log.append(("values", pointer, mark))
                    if anchor is not None:
                        anchored -= 1
                        anchors[anchor] = (value, 1, pointer, log_start, len(log))
                    if top is None:
                        self._root(value, mark)
                    else:
                        top.size += 1
                        if top.is_map:
                            if top.key is not None:
                                top.value[top.key] = value
                            top.key = _NOKEY
                        else:
                            top.value.append(value)
                    continue
                if kind == _ALIAS:
                    self._alias(stack, ev.anchor, mark, pointer, anchored)
                    continue
                # the start of a mapping or a sequence
                anchor = ev.anchor
                tag = ev.tag
                if tag is not None and tag not in _COLLECTION_TAGS:
                    self.error(mark, "yaml-tag", f"unsupported YAML tag {tag}", "remove the tag: specs are plain YAML", pointer)
                if len(stack) >= MAX_DEPTH:
                    self.error(mark, "too-deep", f"nesting is deeper than {MAX_DEPTH} levels", "flatten the structure", pointer, fatal=True)
                if anchor is not None:
                    anchored += 1
                log_start = len(log)
                values[pointer] = mark
                if anchored:
                    log.append(("values", pointer, mark))
                stack.append(_Frame(kind == _MAPPING, pointer, anchor, mark, log_start))
        finally:
            loader.dispose()
        if documents == 0:
            self._empty((1, 1))

    def _empty(self, mark: tuple[int, int]) -> None:
        self.error(mark, "empty-file", "the file holds no spec",
                   "start from examples/minimal.yaml: apiVersion, kind and metadata.name are required")

    # -- keys -----------------------------------------------------------------
    def _key(self, frame: _Frame, ev: Any, mark: tuple[int, int], logged: int) -> None:
        text = ev.value
        tag = ev.tag
        if tag is not None and tag not in _KEY_TAGS:
            self.error(mark, "yaml-tag", f"unsupported YAML tag {tag} on key {text!r}", "remove the tag: keys are plain names",
                       frame.pointer)
            frame.key = None
            return
        if self.escapes and ev.style == '"':
            self._controls(text, mark, frame.pointer)
        if ev.anchor is not None:
            self.error(mark, "yaml-anchor-key", "anchors on keys are not supported", "remove the & anchor from the key", frame.pointer)
        if tag is None and ev.implicit[0]:  # plain
            if text == "<<":
                self.error(mark, "merge-key", "merge keys (<<) are YAML 1.1 only and not supported",
                           "write the keys out, or use the spec's environments: overrides instead of anchors", frame.pointer)
                frame.key = None
                return
            if not text or text[0] in _CHECKED_START:
                value = self._resolve(text, mark, frame.pointer)
                if not isinstance(value, str):
                    self.error(mark, "non-string-key", f"key {text!r} is read as {words(value)}, not a name",
                               f"quote the key: \"{text}\"", frame.pointer)
                    frame.key = None
                    return
                trap = yaml11_meaning(text)
                if trap:
                    self.error(mark, "yaml11-trap", f"key {text!r} is {trap} in YAML 1.1",
                               f"quote the key: \"{text}\"", frame.pointer)
        seen = frame.seen
        if text in seen:
            first = seen[text]
            pointer = f"{frame.pointer}/{escape(text)}"
            self.error(mark, "duplicate-key", f"duplicate key {text!r} (first defined at line {first[0]})",
                       "remove one of the two; YAML would silently keep only the last", pointer)
            frame.key = None
            return
        seen[text] = mark
        frame.key = text
        pointer = frame.pointer + "/" + (escape(text) if "~" in text or "/" in text else text)
        frame.key_pointer = pointer
        self.source.keys[pointer] = mark
        if logged:
            self.log.append(("keys", pointer, mark))

    # -- values ---------------------------------------------------------------
    def _plain(self, text: str, mark: tuple[int, int], pointer: str, logged: int) -> Any:
        """Read a plain scalar value that may be special (not a string, or a YAML 1.1 trap)."""
        trap = yaml11_meaning(text)
        if trap:
            self.record("traps", pointer, Trap(text, trap), logged)
        return self._finite(self._resolve(text, mark, pointer), text, mark, pointer)

    def _tagged(self, tag: str, text: str, mark: tuple[int, int], pointer: str) -> Any:
        """Read a scalar with a tag other than ! and !!str."""
        want = _TYPED_TAGS.get(tag)
        if want is not None:
            value = self._resolve(text, mark, pointer)
            if isinstance(value, bool) and want is int or not isinstance(value, want):
                self.error(mark, "yaml-tag", f"{text!r} is not a valid {tag[len(_STD):]}", "remove the tag or fix the value", pointer)
            return self._finite(value, text, mark, pointer)
        self.error(mark, "yaml-tag", f"unsupported YAML tag {tag}",
                   "remove the tag: specs are plain YAML (no !Ref, !Sub or Python tags)", pointer)
        return text

    def _resolve(self, text: str, mark: tuple[int, int], pointer: str) -> Any:
        if len(text) > MAX_NUMBER_CHARS and _NUMERIC.match(text):
            self.error(mark, "number-too-large", f"a number of {len(text):,} characters", "no spec value needs more than 30 digits",
                       pointer)
            return 0
        return resolve_plain(text)

    def _controls(self, text: str, mark: tuple[int, int], pointer: str) -> None:
        """Refuse a control character that an escape (``\\0``, ``\\e``, ``\\u001b``…) put in a string."""
        bad = _CONTROL.search(text)
        if bad is not None:
            self.error(mark, "bad-character", f"escaped control character U+{ord(bad.group()):04X} in a string",
                       "remove it: spec strings hold no control characters (a tab or a line break is allowed)", pointer)

    def _finite(self, value: Any, text: str, mark: tuple[int, int], pointer: str) -> Any:
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            self.error(mark, "not-a-number", f"{text!r} is not a finite number", "use a finite number", pointer)
            return 0.0
        return value

    def _alias(self, stack: list[_Frame], anchor: str, mark: tuple[int, int], pointer: str, logged: int) -> None:
        if anchor not in self.anchors:
            self.error(mark, "yaml-alias", f"alias *{anchor} refers to no anchor defined before it (or to itself)",
                       f"define &{anchor} earlier in the file, outside the value that uses it", pointer, fatal=True)
        value, size, src, start, end = self.anchors[anchor]
        self.alias_budget -= size
        if self.alias_budget < 0:
            self.error(mark, "alias-bomb", f"aliases expand to more than {MAX_ALIAS_NODES:,} values (anchor &{anchor})",
                       "write the values out, or use fewer nested aliases: this looks like a 'billion laughs' file", pointer, fatal=True)
        self.record("values", pointer, mark, logged)
        for kind, ptr, entry in self.log[start:end]:  # the anchor's own entries, re-rooted here
            if kind == "values" and ptr == src:
                continue
            if ptr == src or ptr.startswith(src + "/"):
                self.record(kind, pointer + ptr[len(src):], entry, logged)
        if isinstance(value, (dict, list)):
            value = copy_tree(value)
        if not stack:
            self._root(value, mark)
            return
        top = stack[-1]
        top.size += size
        if top.is_map:
            if top.key is not None and top.key is not _NOKEY:
                top.value[top.key] = value
            top.key = _NOKEY
        else:
            top.value.append(value)

    def _root(self, value: Any, mark: tuple[int, int]) -> None:
        """Take ``value`` as the document's top level, which must be a mapping."""
        if value is None:
            self._empty(mark)
        elif not isinstance(value, dict):
            self.error(mark, "top-level-not-mapping", f"the top level is {words(value)}, not a mapping",
                       "a spec starts with `apiVersion:`, `kind:` and `metadata:` keys")
        self.result = value


for _cls in (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentStartEvent, yaml.DocumentEndEvent, yaml.AliasEvent,
             yaml.ScalarEvent, yaml.MappingStartEvent, yaml.MappingEndEvent, yaml.SequenceStartEvent, yaml.SequenceEndEvent):
    _event_kind(_cls)
