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
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any

import yaml

from llmops_iac.errors import Diagnostic, SpecError
from llmops_iac.spec.jsonschema_lite import words
from llmops_iac.spec.scalars import resolve_plain, yaml11_meaning
from llmops_iac.spec.tree import copy_tree

MAX_BYTES = 1024 * 1024
"""Largest spec file accepted (1 MiB): a spec is a few kilobytes."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences accepted."""
MAX_ALIAS_NODES = 10_000
"""Most values that alias expansion may add in one file (billion-laughs guard)."""
MAX_NUMBER_CHARS = 40
"""Longest numeric scalar accepted (Python refuses to print integers over 4,300 digits)."""
_NUMERIC = re.compile(r"^[-+]?(?:0x[0-9a-fA-F]+|0o[0-7]+|[0-9._]+(?:[eE][-+]?[0-9]+)?)$")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STD = "tag:yaml.org,2002:"


@dataclass(frozen=True)
class Trap:
    """A plain scalar whose meaning differs between YAML 1.1 and 1.2."""

    text: str
    yaml11: str  # what a YAML 1.1 reader makes of it, in words


@dataclass
class SourceMap:
    """Where each value of a document came from.

    ``values`` maps a JSON pointer to the (line, col) of its value, ``keys`` to
    the (line, col) of the mapping key naming it; both 1-based.
    """

    file: str
    values: dict[str, tuple[int, int]] = field(default_factory=dict)
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)
    traps: dict[str, Trap] = field(default_factory=dict)
    plain: set[str] = field(default_factory=set)

    def locate(self, pointer: str, *, key: bool = False) -> tuple[str, int, int]:
        """Return (file, line, col) of ``pointer``, or of its nearest located ancestor."""
        p = pointer
        while True:
            if key and p in self.keys:
                return (self.file, *self.keys[p])
            if p in self.values:
                return (self.file, *self.values[p])
            if p in self.keys:
                return (self.file, *self.keys[p])
            if not p:
                return (self.file, 1, 1)
            p = p.rsplit("/", 1)[0]



class OverlaySourceMap(SourceMap):
    """A source map for merged data: pointers under ``into`` whose value came from
    the override at ``origin`` are located there, the rest in ``base``."""

    def __init__(self, base: SourceMap, origin: str, into: str, overridden: set[str]):
        super().__init__(file=base.file, values=base.values, keys=base.keys)
        self.base, self.origin, self.into, self.overridden = base, origin, into, overridden
        for ptr, trap in base.traps.items():
            self.traps.setdefault(ptr, trap)
        for ptr in base.plain:
            self.plain.add(ptr)
        for ptr in overridden:
            src = origin + ptr[len(into):]
            self.traps.pop(ptr, None)
            self.plain.discard(ptr)
            if src in base.traps:
                self.traps[ptr] = base.traps[src]
            if src in base.plain:
                self.plain.add(ptr)

    def locate(self, pointer: str, *, key: bool = False) -> tuple[str, int, int]:
        p = pointer
        while p and p not in self.overridden:
            if p in self.base.values or p in self.base.keys:
                return self.base.locate(p, key=key and p == pointer)
            p = p.rsplit("/", 1)[0]
        if p:
            return self.base.locate(self.origin + pointer[len(self.into):], key=key)
        return self.base.locate(pointer, key=key)


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


def read_text(path: str, *, display: str | None = None, max_bytes: int = MAX_BYTES) -> tuple[str, bytes]:
    """Return the UTF-8 text and raw bytes of ``path``, or raise SpecError saying why not."""
    name = display or path
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise SpecError([_diag(name, 0, 0, "file-not-found", "file not found", "check the path; it is relative to the current directory")])
    except OSError as exc:
        raise SpecError([_diag(name, 0, 0, "file-unreadable", f"cannot read the file: {exc.strerror}", "check the path and its permissions")])
    if stat.S_ISDIR(st.st_mode):
        raise SpecError([_diag(name, 0, 0, "is-a-directory", "is a directory, not a spec file",
                               "name a .yaml file, or use `llmops-iac check DIR` to check every spec in a directory")])
    if not stat.S_ISREG(st.st_mode):
        raise SpecError([_diag(name, 0, 0, "not-a-file", "is not a regular file", "name a .yaml or .json spec file")])
    if st.st_size > max_bytes:
        raise SpecError([_diag(name, 1, 1, "file-too-large", f"file is {st.st_size:,} bytes; the limit is {max_bytes:,}",
                               "a spec is a few kilobytes: split prompts and datasets into their own files and reference them")])
    try:
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise SpecError([_diag(name, 0, 0, "file-unreadable", f"cannot read the file: {exc.strerror}", "check the file's permissions")])
    if len(raw) > max_bytes:
        raise SpecError([_diag(name, 1, 1, "file-too-large", f"file is over {max_bytes:,} bytes", "a spec is a few kilobytes")])
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        col = nul - (raw.rfind(b"\n", 0, nul) + 1) + 1
        raise SpecError([_diag(name, line, col, "binary-file", "file contains a NUL byte: it is binary, not YAML",
                               "name the YAML spec, not a binary file")])
    if raw.startswith(b"\xef\xbb\xbf"):
        raw_text = raw[3:]
    else:
        raw_text = raw
    try:
        text = raw_text.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw_text.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw_text.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError([_diag(name, line, col, "not-utf8", f"byte 0x{raw_text[exc.start]:02x} is not valid UTF-8",
                               "save the file as UTF-8")])
    return text, raw


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

        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError([_diag(name, exc.lineno, exc.colno, "json-syntax", f"invalid JSON: {exc.msg}",
                                   "fix the JSON syntax (no trailing commas, comments or single quotes)")]) from None
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
    __slots__ = ("kind", "value", "pointer", "key", "key_mark", "anchor", "size", "start", "index", "seen", "log_start")

    def __init__(self, kind: str, value: Any, pointer: str, anchor: str | None, start: tuple[int, int]):
        self.kind = kind
        self.value = value
        self.pointer = pointer
        self.key: Any = _NOKEY
        self.key_mark: tuple[int, int] = (0, 0)
        self.anchor = anchor
        self.size = 1
        self.start = start
        self.index = 0
        self.seen: dict[str, tuple[int, int]] = {}
        self.log_start = 0


_NOKEY = object()


class _Builder:
    """Turns libyaml events into plain data, a source map and diagnostics."""

    def __init__(self, name: str):
        self.name = name
        self.errors: list[Diagnostic] = []
        self.source = SourceMap(file=name)
        self.result: Any = None
        self.anchors: dict[str, tuple[Any, int, str, int, int]] = {}  # name -> (value, size, pointer, log start, log end)
        self.alias_budget = MAX_ALIAS_NODES
        self.last_line = 1 << 30
        # Every source-map entry in the order written, so an anchor's entries are a slice of it.
        self.log: list[tuple[str, str, Any]] = []

    def record(self, kind: str, pointer: str, value: Any) -> None:
        """Write one source-map entry (kind: values, keys, traps, plain) and log it."""
        if kind == "plain":
            self.source.plain.add(pointer)
        else:
            getattr(self.source, kind)[pointer] = value
        self.log.append((kind, pointer, value))

    def error(self, mark: tuple[int, int], code: str, message: str, hint: str, pointer: str = "", fatal: bool = False) -> None:
        self.errors.append(_diag(self.name, min(mark[0], self.last_line), mark[1], code, message, hint, pointer))
        if fatal or len(self.errors) >= 100:
            raise _Abort()

    def run(self, loader: Any) -> None:
        stack: list[_Frame] = []
        documents = 0
        try:
            while True:
                ev = loader.get_event()
                if ev is None:
                    break
                mark = (ev.start_mark.line + 1, ev.start_mark.column + 1)
                if isinstance(ev, yaml.DocumentStartEvent):
                    documents += 1
                    if documents > 1:
                        self.error(mark, "multiple-documents", "the file holds more than one YAML document",
                                   "keep one application per file: remove the second '---' document or move it to its own file", fatal=True)
                    if ev.version is not None and ev.version != (1, 2):
                        self.error(mark, "yaml-version", f"%YAML {ev.version[0]}.{ev.version[1]} directive",
                                   "remove the %YAML directive: specs are read as YAML 1.2")
                    continue
                if isinstance(ev, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                    continue
                if isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                    frame = stack.pop()
                    self._finish(stack, frame.value, frame.size, frame.anchor, frame.pointer, frame.start, frame.log_start)
                    continue
                if isinstance(ev, yaml.ScalarEvent) and stack and stack[-1].kind == "map" and stack[-1].key is _NOKEY:
                    self._key(stack[-1], ev, mark)
                    continue
                pointer = self._child_pointer(stack, mark) if stack else ""
                if pointer is None:  # a bad key: skip this value but keep going
                    pointer = "/\x00invalid"
                if isinstance(ev, yaml.AliasEvent):
                    self._alias(stack, ev.anchor, mark, pointer)
                    continue
                anchor = getattr(ev, "anchor", None)
                tag = getattr(ev, "tag", None)
                if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                    if tag not in (None, "!", _STD + "map", _STD + "seq"):
                        self.error(mark, "yaml-tag", f"unsupported YAML tag {tag}", "remove the tag: specs are plain YAML", pointer)
                    if len(stack) >= MAX_DEPTH:
                        self.error(mark, "too-deep", f"nesting is deeper than {MAX_DEPTH} levels", "flatten the structure", pointer, fatal=True)
                    log_start = len(self.log)
                    self.record("values", pointer, mark)
                    kind = "map" if isinstance(ev, yaml.MappingStartEvent) else "seq"
                    frame = _Frame(kind, {} if kind == "map" else [], pointer, anchor, mark)
                    frame.log_start = log_start
                    stack.append(frame)
                    continue
                # ScalarEvent
                log_start = len(self.log)
                value = self._scalar(ev, mark, pointer)
                self.record("values", pointer, mark)
                self._finish(stack, value, 1, anchor, pointer, mark, log_start)
        finally:
            loader.dispose()
        if documents == 0:
            self._empty((1, 1))

    def _empty(self, mark: tuple[int, int]) -> None:
        self.error(mark, "empty-file", "the file holds no spec",
                   "start from examples/minimal.yaml: apiVersion, kind and metadata.name are required")

    # -- keys -----------------------------------------------------------------
    def _child_pointer(self, stack: list[_Frame], mark: tuple[int, int]) -> str | None:
        top = stack[-1]
        if top.kind == "seq":
            return f"{top.pointer}/{len(top.value)}"
        if top.key is _NOKEY:  # a mapping or sequence used as a key
            self.error(mark, "complex-key", "a mapping or list cannot be a key", "keys must be plain names", top.pointer, fatal=True)
        if top.key is None:
            return None
        return f"{top.pointer}/{escape(top.key)}"

    def _key(self, frame: _Frame, ev: Any, mark: tuple[int, int]) -> None:
        text = ev.value
        plain = ev.implicit[0] and ev.tag is None
        frame.key_mark = mark
        if ev.tag not in (None, "!", _STD + "str"):
            self.error(mark, "yaml-tag", f"unsupported YAML tag {ev.tag} on key {text!r}", "remove the tag: keys are plain names",
                       frame.pointer)
            frame.key = None
            return
        if ev.anchor is not None:
            self.error(mark, "yaml-anchor-key", "anchors on keys are not supported", "remove the & anchor from the key", frame.pointer)
        if plain and text == "<<":
            self.error(mark, "merge-key", "merge keys (<<) are YAML 1.1 only and not supported",
                       "write the keys out, or use the spec's environments: overrides instead of anchors", frame.pointer)
            frame.key = None
            return
        if plain:
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
        if text in frame.seen:
            first = frame.seen[text]
            pointer = f"{frame.pointer}/{escape(text)}"
            self.error(mark, "duplicate-key", f"duplicate key {text!r} (first defined at line {first[0]})",
                       "remove one of the two; YAML would silently keep only the last", pointer)
            frame.key = None
            return
        frame.seen[text] = mark
        frame.key = text
        self.record("keys", f"{frame.pointer}/{escape(text)}", mark)

    # -- values ---------------------------------------------------------------
    def _scalar(self, ev: Any, mark: tuple[int, int], pointer: str) -> Any:
        tag = ev.tag
        text = ev.value
        if tag is None or tag == "!":
            if ev.implicit[0] and tag is None:
                self.record("plain", pointer, None)
                trap = yaml11_meaning(text)
                if trap:
                    self.record("traps", pointer, Trap(text, trap))
                return self._finite(self._resolve(text, mark, pointer), text, mark, pointer)
            return text
        if tag == _STD + "str":
            return text
        if tag in (_STD + "int", _STD + "float", _STD + "bool", _STD + "null"):
            value = self._resolve(text, mark, pointer)
            want = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}[tag[len(_STD):]]
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

    def _finite(self, value: Any, text: str, mark: tuple[int, int], pointer: str) -> Any:
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            self.error(mark, "not-a-number", f"{text!r} is not a finite number", "use a finite number", pointer)
            return 0.0
        return value

    def _alias(self, stack: list[_Frame], anchor: str, mark: tuple[int, int], pointer: str) -> None:
        if anchor not in self.anchors:
            self.error(mark, "yaml-alias", f"alias *{anchor} refers to no anchor defined before it (or to itself)",
                       f"define &{anchor} earlier in the file, outside the value that uses it", pointer, fatal=True)
        value, size, src, start, end = self.anchors[anchor]
        self.alias_budget -= size
        if self.alias_budget < 0:
            self.error(mark, "alias-bomb", f"aliases expand to more than {MAX_ALIAS_NODES:,} values (anchor &{anchor})",
                       "write the values out, or use fewer nested aliases: this looks like a 'billion laughs' file", pointer, fatal=True)
        log_start = len(self.log)
        self.record("values", pointer, mark)
        for kind, ptr, entry in self.log[start:end]:  # the anchor's own entries, re-rooted here
            if kind == "values" and ptr == src:
                continue
            if ptr == src or ptr.startswith(src + "/"):
                self.record(kind, pointer + ptr[len(src):], entry)
        if isinstance(value, (dict, list)):
            value = copy_tree(value)
        self._finish(stack, value, size, None, pointer, mark, log_start)

    def _finish(self, stack: list[_Frame], value: Any, size: int, anchor: str | None, pointer: str, mark: tuple[int, int],
                log_start: int) -> None:
        if anchor is not None:
            self.anchors[anchor] = (value, size, pointer, log_start, len(self.log))
        if not stack:
            if value is None:
                self._empty(mark)
            elif not isinstance(value, dict):
                self.error(mark, "top-level-not-mapping", f"the top level is {words(value)}, not a mapping",
                           "a spec starts with `apiVersion:`, `kind:` and `metadata:` keys")
            self.result = value
            return
        top = stack[-1]
        top.size += size
        if top.kind == "seq":
            top.value.append(value)
        else:
            if top.key is not None and top.key is not _NOKEY:
                top.value[top.key] = value
            top.key = _NOKEY
