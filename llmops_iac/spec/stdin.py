"""``-`` as a spec path: the spec read from standard input, and the private copy the stages read instead.

Standard input is read once, before any stage runs, into a file of its own in a new private temporary directory
(``llmops-iac-stdin-*``, mode 0700); every stage then reads that copy as it reads any spec (size, NUL, UTF-8 and
YAML checks included), reports name it ``<stdin>``, and the directory is removed when the command ends. The copy
is recognised by its path alone (``is_stdin``), so worker processes started before it existed know it too.

A spec on standard input has no directory and no repository, so what depends on them is the strictest:

* every file it names (prompt templates, evaluation datasets) is refused at its line
  (``stdin-file-reference``), never resolved against the current directory or the temporary one;
* maturity reads no repository evidence for it (CI files, CODEOWNERS) unless ``--repo`` names one;
* no stack deploys it, so ``--stack`` applies only when the stack names no spec.

Refused before anything is read: a terminal on standard input (it would wait for typing), a closed standard
input, ``-`` given twice; refused while reading: more than the spec size limit (reading stops there, so an
endless stream ends too).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from typing import Any, BinaryIO, Iterable

from llmops_iac.errors import UsageError
from llmops_iac.spec.file_text import MAX_BYTES

STDIN = "-"
DISPLAY = "<stdin>"
PREFIX = "llmops-iac-stdin-"
NAME = "spec-from-stdin.yaml"


def is_stdin(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is the copy of a spec read from standard input (a ``NAME`` in a ``PREFIX`` directory)."""
    text = os.fspath(path)
    if not text or os.path.basename(text) != NAME:
        return False
    return os.path.basename(os.path.dirname(os.path.abspath(text))).startswith(PREFIX)


def _binary(stream: Any) -> BinaryIO | None:
    if stream is None:
        return None
    return getattr(stream, "buffer", stream)


def read(stream: Any, *, command: str = "check", limit: int = MAX_BYTES) -> bytes:
    """The bytes of standard input (at most ``limit``), or UsageError saying why they can't be a spec."""
    raw = _binary(stream)
    if raw is None or getattr(raw, "closed", False):
        raise UsageError(f"'-' reads a spec from standard input, which is closed; pipe a spec in "
                         f"(llmops-iac {command} - < llmapp.yaml) or name the file")
    try:
        tty = raw.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty:
        raise UsageError(f"'-': standard input is a terminal, not a piped spec (nothing would come but what you "
                         f"type); pipe or redirect a spec: llmops-iac {command} - < llmapp.yaml, or name the file")
    try:
        data = raw.read(limit + 1)
    except (OSError, ValueError) as exc:
        raise UsageError(f"'-': standard input can't be read ({getattr(exc, 'strerror', None) or exc}); "
                         "pipe a spec in or name the file") from None
    if data is None:  # a non-blocking stream with nothing in it
        data = b""
    if len(data) > limit:
        raise UsageError(f"{DISPLAY}: standard input is over {limit:,} bytes, the limit for a spec (as for a file); "
                         "a spec is a few kilobytes: keep prompts and datasets in files of their own and check the "
                         "spec by its path")
    return data


class StdinSpec:
    """The copy of standard input one command reads as a spec; ``close()`` removes it (``with`` does too)."""

    def __init__(self) -> None:
        self.directory: str | None = None
        self.path: str | None = None
        self.identity: tuple[int, int] | None = None
        """(device, inode) of the regular file standard input is redirected from, if it is one: an output naming
        it would replace the spec the run read."""

    def replace(self, paths: Iterable[str], *, command: str, stream: Any = None) -> list[str]:
        """``paths`` with ``-`` replaced by the copy of standard input (read here, once); unchanged without ``-``."""
        paths = list(paths)
        count = paths.count(STDIN)
        if count == 0:
            return paths
        if count > 1:
            raise UsageError("'-' is given twice: standard input holds one spec; give '-' once")
        stream = sys.stdin if stream is None else stream
        self.identity = _regular_identity(stream)
        data = read(stream, command=command)
        self.directory = tempfile.mkdtemp(prefix=PREFIX)
        self.path = os.path.join(self.directory, NAME)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return [self.path if p == STDIN else p for p in paths]

    def close(self) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = self.path = None

    def __enter__(self) -> "StdinSpec":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _regular_identity(stream: Any) -> tuple[int, int] | None:
    raw = _binary(stream)
    try:
        st = os.fstat(raw.fileno())  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):
        return None
    import stat

    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None
