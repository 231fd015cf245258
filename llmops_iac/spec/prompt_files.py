"""What a prompt template file must hold: UTF-8 text within the cap whose ``{{variables}}`` are the declared ones.

One answer for the validation stage (``validate`` and ``check`` agree), the compiler (which
reads the file again as it copies it into the Plan) and the maturity evidence.
"""

from __future__ import annotations

import re
from typing import Iterable

from llmops_iac.spec.files import MAX_PROMPT_BYTES, FileRefError, SpecFiles

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
"""A template variable, ``{{name}}`` (Bedrock Prompt Management's syntax)."""


def variables(text: str) -> tuple[str, ...]:
    """The distinct variables ``text`` uses, sorted."""
    return tuple(sorted(set(VARIABLE.findall(text))))


def read(files: SpecFiles, ref: str) -> tuple[bytes, str]:
    """The bytes and text of prompt file ``ref``; raise FileRefError (``not-utf8`` included)."""
    raw = files.read(ref, "prompt", MAX_PROMPT_BYTES)
    try:
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise FileRefError("not-utf8", f"prompt file {ref!r} is not UTF-8 text: byte 0x{raw[exc.start]:02x} on its line {line}",
                           "save it as UTF-8 text") from None


def used_variables(files: SpecFiles, ref: str) -> tuple[str, ...]:
    """The variables prompt file ``ref`` uses; raise FileRefError. Read once per SpecFiles (every environment asks)."""
    key = ("prompt-variables", ref)
    found = files.derived.get(key)
    if found is None:
        try:
            found = variables(read(files, ref)[1])
        except FileRefError as exc:
            found = exc
        files.derived[key] = found
    if isinstance(found, FileRefError):
        raise found
    return found


def mismatch(name: str, used: Iterable[str], declared: Iterable[str] | None) -> tuple[str, str] | None:
    """(message, fix) when prompt ``name``'s declared variables are not the ones its file uses, else None."""
    used, declared = sorted(set(used)), sorted(set(declared or ()))
    if used == declared:
        return None
    missing = sorted(set(used) - set(declared))
    unused = sorted(set(declared) - set(used))
    parts = [f"used but not declared: {', '.join(missing)}" if missing else "",
             f"declared but not used: {', '.join(unused)}" if unused else ""]
    return (f"prompt {name!r} variables do not match its file: " + "; ".join(p for p in parts if p),
            f"set variables: [{', '.join(used)}]")
