"""Reading the files `llmops-iac eval` and --eval-results are given: regular files only, size-capped, UTF-8, strict
JSON (no NaN or Infinity, no duplicate keys), every problem a diagnostic at file:line (exit 2)."""

from __future__ import annotations

import json
import os
import stat
from typing import Any

from llmops_iac.errors import Diagnostic, SpecError

MAX_HARNESS_BYTES = 256 * 1024 * 1024
"""Largest harness output read (a Bedrock job holds at most 1,000 prompts per dataset)."""


def problem(file: str, line: int, code: str, message: str, hint: str, pointer: str = "", col: int = 1) -> Diagnostic:
    return Diagnostic(file=file, line=line, col=col if line else 0, code=code, message=message, hint=hint, pointer=pointer)


def read_bytes(path: str, what: str, max_bytes: int = MAX_HARNESS_BYTES) -> bytes:
    """The bytes of ``path`` (a regular file, at most ``max_bytes``), or SpecError saying why not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise SpecError([problem(path, 0, "file-not-found", f"{what} not found", "check the path (relative to the "
                                                                                     "current directory)")]) from None
    except OSError as exc:
        raise SpecError([problem(path, 0, "file-unreadable", f"cannot read the {what}: {exc.strerror}",
                                 "check the path and its permissions")]) from None
    with open(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SpecError([problem(path, 0, "not-a-file", f"the {what} is not a regular file", f"name the {what} file")])
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise SpecError([problem(path, 1, "file-too-large", f"the {what} is over {max_bytes:,} bytes",
                                 "split it, or ingest each output file of the job separately")])
    return raw


def decode(raw: bytes, path: str, what: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError([problem(path, line, "not-utf8", f"the {what} is not UTF-8 text (byte {exc.start})",
                                 "save it as UTF-8")]) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def json_line(text: str, path: str, line: int, what: str) -> Any:
    """One JSON value of a JSON Lines file (strict), or SpecError at that line."""
    try:
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique)
    except (ValueError, RecursionError) as exc:
        raise SpecError([problem(path, line, "json-syntax", f"line {line} of the {what} is not valid JSON: {exc}",
                                 "each line must be one JSON object (NaN and Infinity are not JSON)")]) from None


def every_problem(exc: SpecError, limit: int = 20) -> SpecError:
    """``exc`` whose message lists every diagnostic (file:line: message; fix), not only the first."""
    lines = [f"{d.location()}: {d.message}" + (f"; fix: {d.hint}" if d.hint else "") for d in exc.diagnostics[:limit]]
    if len(exc.diagnostics) > limit:
        lines.append(f"... and {len(exc.diagnostics) - limit} more")
    out = SpecError(exc.diagnostics)
    out.args = ("\n  ".join(lines),) if len(lines) > 1 else tuple(lines) or out.args
    return out
