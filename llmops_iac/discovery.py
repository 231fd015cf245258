"""Finding spec files: a file given is a spec; a directory is searched for files that declare themselves specs.

A FIFO, socket or device in a searched directory (or a symlink to one) is skipped without being opened.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable

from llmops_iac.errors import UsageError

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
_SPEC_MARK = re.compile(rb"(?m)^\s*[\"']?(?:kind[\"']?\s*:\s*[\"']?LLMApplication|apiVersion[\"']?\s*:\s*[\"']?llmops-iac/)")
_SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".pulumi", "stacks"}


def expand(paths: Iterable[str], notes: list[str] | None = None) -> tuple[list[str], list[str]]:
    """Return (spec files, skipped files) for ``paths``: files as given, directories searched.

    A directory contributes every .yaml/.yml/.json file below it that declares
    ``kind: LLMApplication`` or ``apiVersion: llmops-iac/…``; the others are
    returned as skipped so the caller can say so. A FIFO, socket or device there
    (or a symlink to one) is skipped without being opened, and ``notes`` says why.
    """
    from llmops_iac.file_kinds import skip_note, special_kind

    files: list[str] = []
    skipped: list[str] = []
    for path in paths:
        if not os.path.isdir(path):
            files.append(path)
            continue
        found = []
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
            for name in sorted(names):
                if not name.endswith(SPEC_SUFFIXES):
                    continue
                full = os.path.join(root, name)
                kind = special_kind(full)
                if kind is not None:
                    skipped.append(full)
                    if notes is not None:
                        notes.append(skip_note(full, kind))
                elif _looks_like_spec(full):
                    found.append(full)
                else:
                    skipped.append(full)
        if not found:
            raise UsageError(f"no LLMApplication specs in {path}: expected .yaml files with `kind: LLMApplication`")
        files.extend(found)
    return files, skipped


def _looks_like_spec(path: str) -> bool:
    try:  # non-blocking: a file swapped for a FIFO since expand() looked is not waited on
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)), "rb") as fh:
            head = fh.read(64 * 1024)
    except OSError:
        return True  # let the loader report why it can't be read
    return bool(_SPEC_MARK.search(head)) or Path(path).name.startswith("llmapp")
