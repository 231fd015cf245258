"""A spec or stack file's bytes as UTF-8 text, or every reason it can't be read (never a traceback)."""

from __future__ import annotations

import os
import stat

from llmops_iac.errors import Diagnostic, SpecError

MAX_BYTES = 1024 * 1024
"""Largest spec file accepted (1 MiB): a spec is a few kilobytes."""


def _diag(file: str, line: int, col: int, code: str, message: str, hint: str) -> Diagnostic:
    return Diagnostic(file=file, line=line, col=col, code=code, message=message, hint=hint)


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
        # Non-blocking and re-checked once open: a file swapped for a FIFO after the stat above is
        # refused, not waited on.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        with open(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise SpecError([_diag(name, 0, 0, "not-a-file", "is not a regular file", "name a .yaml or .json spec file")])
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
