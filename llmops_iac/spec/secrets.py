"""Credentials in the inputs: spec values and keys, the prompt and dataset files a spec names, stack files.

Each credential found is an error diagnostic (code ``secret``) at the file and line that holds it, with
the value masked (llmops_iac.spec.secret_rules says what is detected and by which rule). It is an input
error, so validate, check and plan stop with exit 2 before any Plan exists, and the Pulumi program
(which loads the spec the same way) refuses to deploy.

No output may hold the value: ``redact`` masks every other diagnostic that would echo it (a schema
error quoting the value, an unknown key that is a token, a pointer naming it).

False positives: ``# pragma: allowlist secret`` at the end of the line (or ``# pragma: allowlist
nextline secret`` on the line before), detect-secrets' convention, turns the error into a warning
(code ``secret-allowlisted``, value still masked): the author's claim stays visible to every reviewer
in every report format, as a waiver does.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from llmops_iac.errors import Diagnostic, SpecError
from llmops_iac.spec import secret_rules as rules
from llmops_iac.spec.load import Document, escape, read_text

CODE = "secret"
ALLOWLISTED = "secret-allowlisted"
_PRAGMA = re.compile(r"(?:#|//)[ \t]*pragma: ?allowlist[ -]secret")
_PRAGMA_NEXT = re.compile(r"(?:#|//)[ \t]*pragma: ?allowlist[ -]nextline[ -]secret")
_HINT = ("remove it, and rotate it if it was ever committed or shared; reference it instead: "
         "spec.secrets.<name>.arn (AWS Secrets Manager or SSM SecureString) and {secret: <name>} in "
         "container.environment. A false positive: add `# pragma: allowlist secret` to the line")


@dataclass
class Findings:
    """What one scan found: errors, allowlisted notes, and the raw tokens (to mask everywhere else)."""

    errors: list[Diagnostic] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    files: dict[str, Findings] = field(default_factory=dict)
    """Each file scanned so far, by absolute path (a spec's environments name mostly the same files)."""

    def extend(self, other: Findings) -> None:
        """Add what ``other`` found (its errors, notes and tokens)."""
        self.errors.extend(other.errors)
        self.notes.extend(other.notes)
        self.tokens |= other.tokens


class _Lines:
    """A file's lines, read on first use (only when something was found in it)."""

    def __init__(self, path: str | None, text: str | None = None):
        self.path, self._lines = path, text.split("\n") if text is not None else None

    def get(self) -> list[str]:
        if self._lines is None:
            try:
                self._lines = read_text(self.path)[0].split("\n") if self.path else []
            except SpecError:  # the file was read moments ago; without it, no pragma and no line refinement
                self._lines = []
        return self._lines


# -- spec and stack documents --------------------------------------------------------------------------
def scan_document(doc: Document, skip: Callable[[str, Any], bool] | None = None) -> Findings:
    """Every credential in ``doc``'s values and keys (every environment's overrides included)."""
    found = Findings()
    text = _source_text(doc)
    if text is not None:
        lowered = text.lower()
        if not (rules.might_hold(text) or rules.might_assign(text, lowered) or rules.might_name(text, lowered)):
            return found
    elif not _candidate(doc.data):
        return found
    lines = _Lines(doc.path, text)
    source = doc.source

    def report(hit: rules.Hit, pointer: str, is_key: bool, value: str) -> None:
        file, start, col = source.locate(pointer, key=is_key)
        line = _refine(lines.get(), start, hit.token)
        allowed = "pragma: allowlist" not in value and (
            _allowlisted(lines.get(), line, col if line == start else 1) or _allowlisted(lines.get(), start, col))
        masked = _mask_pointer(pointer, hit.token)
        _add(found, hit, file, line, col, masked, f"{'key' if is_key else 'value'} at {_dotted(masked)}", allowed)

    def walk(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                child = f"{pointer}/{escape(key)}"
                if skip is not None and skip(child, value):
                    continue
                for hit in rules.find_all(key):
                    report(hit, child, True, key)
                if isinstance(value, str):
                    hits = rules.find_all(value)
                    keyed = rules.keyed(key, value) if rules.credential_name(key) else None
                    if keyed is not None and not any(h.token == keyed.token or keyed.token in h.token for h in hits):
                        hits.append(keyed)
                    for hit in hits:
                        report(hit, child, False, value)
                else:
                    walk(value, child)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{pointer}/{i}")
        elif isinstance(node, str):
            for hit in rules.find_all(node):
                report(hit, pointer, False, node)

    walk(doc.data, "")
    return found


def _source_text(doc: Document) -> str | None:
    """The document's text, when the pre-filters may run on it instead of its values: every value and key
    is then in it as written (YAML folds a line break into a space, which no token holds). Not when it
    has escapes (a backslash in a double-quoted scalar: ``"AKIA\\<newline>..."``), nor when it changed
    since it was loaded; None then, and the values are collected one by one."""
    try:
        text, raw = read_text(doc.path)
    except SpecError:
        return None
    if ('"' in text and "\\" in text) or hashlib.sha256(raw).hexdigest() != doc.sha256:
        return None
    return text


def _candidate(data: Any) -> bool:
    """Whether ``data`` could hold a credential: one pass collecting strings, then the pre-filters."""
    values: list[str] = []
    keys: list[str] = []
    todo = [data]
    while todo:
        node = todo.pop()
        if type(node) is dict:
            for k, v in node.items():
                keys.append(k)
                if type(v) is str:
                    values.append(v)
                elif type(v) is dict or type(v) is list:
                    todo.append(v)
        elif type(node) is list:
            for v in node:
                if type(v) is str:
                    values.append(v)
                elif type(v) is dict or type(v) is list:
                    todo.append(v)
        elif type(node) is str:
            values.append(node)
    text = "\x00".join(values)
    names = "\n".join(keys)
    return (rules.might_hold(text) or rules.might_hold(names) or rules.might_assign(text)
            or rules.CREDENTIAL_NAME_LINE.search(names) is not None)


def stack_skip(pointer: str, value: Any) -> bool:
    """In a Pulumi stack file, ``secure:`` values and the encryption settings are ciphertext, not secrets."""
    if pointer in ("/encryptedkey", "/encryptionsalt", "/secretsprovider"):
        return True
    return pointer.startswith("/config/") and pointer.endswith("/secure") and isinstance(value, str)


def scan_stack(doc: Document) -> Findings:
    """Every plaintext credential in a stack file's config (Pulumi's encrypted ``secure:`` values are fine)."""
    return scan_document(doc, stack_skip)


# -- text: prompt and dataset files, and files that did not parse ---------------------------------------
def scan_text(text: str, display: str | Callable[[], str], first_line: int = 1) -> Findings:
    """Every credential in free ``text`` (a prompt, a dataset, a file the loader refused), at its own line.
    ``display`` is the file's name in messages, or a function giving it (worked out only for a finding);
    ``first_line`` is the line ``text`` starts at (a chunk of a large file)."""
    found = Findings()
    if not (rules.might_hold(text) or rules.might_assign(text)):
        return found
    if callable(display):
        display = display()
    lines = _Lines(None, text)
    for hit in rules.find_all(text):
        line = text.count("\n", 0, hit.start) + 1
        col = hit.start - (text.rfind("\n", 0, hit.start) + 1) + 1
        _add(found, hit, display, line + first_line - 1, col, "", "file content", _allowlisted(lines.get(), line, col))
    return found


def unparsed(path: str, display: str, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The loader's ``diagnostics`` for a file it refused (no data exists), masked, plus the credentials
    its text holds: a duplicate key or a bad scalar would otherwise be quoted back."""
    try:
        text = read_text(path, display=display)[0]
    except SpecError:
        return diagnostics  # not text at all (binary, too large, unreadable): nothing was quoted from it
    found = scan_text(text, display)
    return redact(diagnostics, found.tokens) + found.errors


CHUNK = 16 * 1024 * 1024
"""Files are read in pieces of this many bytes (a dataset may be large); most are one piece."""
_OVERLAP = (200, 1024 * 1024)
"""A piece starts with up to this many lines / bytes of the previous one: a key block across the boundary is whole."""


def scan_file(path: str, display: str | Callable[[], str]) -> Findings:
    """Scan the regular file at ``path``; anything else (a FIFO, a device) is never opened for reading."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return Findings()  # the reference check reports a missing or unreadable file
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return Findings()
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return scan_open(fh, st.st_size, display)
    finally:
        os.close(fd)


def scan_open(fh: Any, size: int, display: str | Callable[[], str]) -> Findings:
    """Scan a regular file already open for reading (binary), ``size`` bytes long."""
    if size <= CHUNK:  # read() sizes its buffer from the file; read(CHUNK) would allocate CHUNK
        return scan_text(fh.read().decode("utf-8", errors="replace"), display)
    return _scan_pieces(fh, fh.read(CHUNK), display)


def _scan_pieces(fh: Any, first: bytes, display: str | Callable[[], str]) -> Findings:
    """A large file, in line-aligned pieces that overlap; a finding in two pieces is reported once."""
    found, seen = Findings(), set()
    line, carry, pending = 1, b"", first
    while True:
        block = carry + pending + fh.readline(CHUNK)
        piece = scan_text(block.decode("utf-8", errors="replace"), display, line)
        found.tokens |= piece.tokens
        for d in piece.errors + piece.notes:
            if (d.line, d.col, d.message) not in seen:
                seen.add((d.line, d.col, d.message))
                (found.errors if d.severity == "error" else found.notes).append(d)
        pending = fh.read(CHUNK)
        if not pending:
            return found
        lines = block.split(b"\n")  # the block ends with a line break: the last item is empty
        keep, size = 1, 0
        while keep <= _OVERLAP[0] and keep < len(lines) and size + len(lines[-keep - 1]) < _OVERLAP[1]:
            size += len(lines[-keep - 1]) + 1
            keep += 1
        carry = b"\n".join(lines[-keep:])
        line += len(lines) - keep


def scan_named_files(data: dict[str, Any], files: Any, found: Findings) -> list[Diagnostic]:
    """The credential errors of the prompt and dataset files resolved ``data`` names, each read through the
    spec's file resolver ``files`` (llmops_iac/spec/files.py: inside the repository, regular files only) and
    scanned once per ``found``, which collects every file's findings."""
    from llmops_iac.spec.files import MAX_DATASET_BYTES, MAX_PROMPT_BYTES, FileRefError
    from llmops_iac.spec.validate import display_path

    spec = data.get("spec") or {}
    refs = [("prompt", p.get("file")) for p in (spec.get("prompts") or {}).values()]
    refs += [("dataset", d.get("file")) for d in ((spec.get("evaluation") or {}).get("datasets") or {}).values()]
    errors: list[Diagnostic] = []
    for what, rel in refs:
        if not isinstance(rel, str):
            continue
        result = found.files.get(rel)  # relative to the one spec's directory: the name is the key
        if result is None:
            try:
                fh, resolved = files.open(rel, what, MAX_PROMPT_BYTES if what == "prompt" else MAX_DATASET_BYTES)
            except FileRefError:
                result = Findings()  # the reference check reports it
            else:
                with fh:
                    shown = display_path(os.path.join(files.base_dir, rel))
                    result = scan_open(fh, resolved.stat.st_size, lambda shown=shown: shown)
            found.files[rel] = result
            found.extend(result)
        errors.extend(result.errors)
    return errors


# -- masking everything else -----------------------------------------------------------------------------
def redact(diagnostics: list[Diagnostic], tokens: set[str]) -> list[Diagnostic]:
    """``diagnostics`` with every echo of a token (whole, escaped, or a piece of 11+ characters) masked."""
    if not tokens:
        return diagnostics
    forms = sorted({f for t in tokens for f in _forms(t)}, key=len, reverse=True)
    out = []
    for d in diagnostics:
        if d.code in (CODE, ALLOWLISTED):
            out.append(d)
            continue
        changes: dict[str, Any] = {}
        for name in ("message", "hint", "constraint", "pointer"):
            text = getattr(d, name)
            clean = _scrub(text, forms)
            if clean != text:
                changes[name] = clean
        if d.has_value:
            value = _scrub_value(d.value, forms)
            if value != d.value:
                changes["value"] = value
        out.append(replace(d, **changes) if changes else d)
    return out


def _forms(token: str) -> list[str]:
    """How a token can appear in a message: as is, escaped by repr() or JSON or in a JSON pointer, unwrapped."""
    return [f for f in {token, repr(token)[1:-1], json.dumps(token)[1:-1], token.replace("\n", ""), escape(token)} if f]


_WINDOW = 8
_STRIDE = 4


def _scrub(text: str, forms: list[str]) -> str:
    if not text:
        return text
    for form in forms:
        shown = rules.mask(form)
        if form in text:
            text = text.replace(form, shown)
        i = 0
        budget = 1000  # replacements per form: always ends, even for a token full of '*'
        while i + _WINDOW <= len(form):
            piece = form[i:i + _WINDOW]
            p = text.find(piece)
            if p < 0 or budget == 0:
                i += _STRIDE
                continue
            budget -= 1
            left = 0
            while p - left > 0 and i - left > 0 and text[p - left - 1] == form[i - left - 1]:
                left += 1
            right = _WINDOW
            while p + right < len(text) and i + right < len(form) and text[p + right] == form[i + right]:
                right += 1
            text = text[:p - left] + shown + text[p + right:]
    return text


def _scrub_value(value: Any, forms: list[str]) -> Any:
    if isinstance(value, str):
        return _scrub(value, forms)
    if isinstance(value, dict):
        return {_scrub(str(k), forms): _scrub_value(v, forms) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_value(v, forms) for v in value]
    return value


# -- helpers ----------------------------------------------------------------------------------------------
def _add(found: Findings, hit: rules.Hit, file: str, line: int, col: int, pointer: str, where: str, allowed: bool) -> None:
    found.tokens.add(hit.token)
    shown = rules.mask(hit.token)
    if allowed:
        found.notes.append(Diagnostic(
            file=file, line=line, col=col, code=ALLOWLISTED, severity="warning", pointer=pointer, value=shown,
            message=f"{hit.kind} ({shown}) in {where} is allowlisted by a pragma comment",
            hint="make sure it is not a real credential: an allowlisted value goes into the Plan as written"))
    else:
        found.errors.append(Diagnostic(
            file=file, line=line, col=col, code=CODE, pointer=pointer, value=shown,
            message=f"{hit.kind} ({shown}) in {where} [{hit.rule}]", hint=_HINT))


def _refine(lines: list[str], line: int, token: str) -> int:
    """The line of ``token`` at or below ``line`` (a block scalar's text starts below its key)."""
    first = token.split("\n", 1)[0][:40]
    if not lines or not first:
        return line
    for n in range(max(line, 1), min(len(lines), line + 2000) + 1):
        if first in lines[n - 1]:
            return n
    return line


def _allowlisted(lines: list[str], line: int, col: int) -> bool:
    """Whether the line has a pragma comment (after the value), or the line before a nextline pragma."""
    if not lines or line < 1 or line > len(lines):
        return False
    here = _PRAGMA.search(lines[line - 1], max(0, col - 1))
    before = line >= 2 and _PRAGMA_NEXT.search(lines[line - 2]) is not None
    return here is not None or before


def _mask_pointer(pointer: str, token: str) -> str:
    return _scrub(pointer, _forms(token)) if pointer else pointer


def _dotted(pointer: str) -> str:
    from llmops_iac.spec.jsonschema_lite import dotted

    return dotted(pointer) if pointer else "the document"


