"""What kind of file a path names, found without opening it.

Directory scans (`check DIR`, --policy-dir, policy profiles) read regular files only: opening a FIFO
blocks until a writer comes (forever, in CI), a socket or device can't be read as text, and a
symlink to one is the same. Those are skipped with a note, never opened.
"""

from __future__ import annotations

import os
import stat

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


def special_kind(path: str | os.PathLike[str]) -> str | None:
    """``"a FIFO"``, ``"a socket"``, ``"a character device"`` or ``"a block device"`` when ``path`` (its symlinks
    followed) is one, else None: a regular file, a directory, or nothing at all (whoever reads it says why)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return None


def skip_note(path: str | os.PathLike[str], kind: str) -> str:
    """The note saying that ``path`` was skipped."""
    return f"skipped {os.fspath(path)}: {kind}, not a regular file (never opened)"
