"""Files a spec names (prompt templates, evaluation datasets): the one way any stage finds and reads them.

A reference is a path relative to the spec's directory. It must resolve, with every symbolic
link followed, to a regular file inside the spec's *repository root*: the nearest directory at or
above the spec that holds ``.git`` (a directory, or the file of a linked worktree or submodule),
or the spec's own directory when it is in no repository. Refused, each with its own diagnostic
code, before anything is opened:

- ``file-outside-repository``: it resolves outside the root (an absolute link, a ``../`` link,
  a linked directory on the way);
- ``file-in-git-directory``: it is in, or resolves into, a ``.git`` directory (in any letter
  case): git's own files, whose config holds the token actions/checkout leaves there;
- ``not-a-file``: a directory, FIFO, socket or device, or anything under /proc, /sys or /dev;
- ``file-not-found``, ``symlink-loop``, ``file-unreadable``, ``bad-path`` (a NUL byte, a name
  the system cannot take), ``file-too-large`` (over the caller's cap).

Reading re-checks what it opens: the file is opened one path component at a time below the
spec's directory (or the root, for a file elsewhere in the repository) with ``O_NOFOLLOW`` (a
component turned into a link since the check fails), non-blocking
(a FIFO swapped in cannot hang the run), and must be the very inode that was checked
(``file-changed`` otherwise); reads stop at the cap. A hard link to a file outside the
repository cannot be told from a path and is not detected here.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from typing import Any, BinaryIO

from llmops_iac.spec.stdin import is_stdin

GIT = ".git"
SYSTEM_DIRS = ("/proc", "/sys", "/dev")
"""Pseudo file systems: never a prompt or a dataset, even when the root is / (a spec at / in no repository)."""
MAX_PROMPT_BYTES = 100_000
"""Largest prompt template accepted: it is copied into the Plan (Bedrock's own limit is of this order)."""
MAX_DATASET_BYTES = 64 * 1024 * 1024
"""Largest evaluation dataset read (larger ones are noted by the maturity stage, not read)."""
MAX_PATH_BYTES = 4096

_KINDS = ((stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "FIFO (named pipe)"), (stat.S_ISSOCK, "socket"),
          (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"))


class FileRefError(Exception):
    """A reference that may not be read: ``code`` (a diagnostic code), ``message`` and ``hint`` (the fix)."""

    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__(code, message, hint)
        self.code, self.message, self.hint = code, message, hint

    def __str__(self) -> str:
        return self.message


def find_root(directory: str, memo: dict[tuple[str, Any], Any] | None = None) -> str | None:
    """The nearest directory at or above ``directory`` (a resolved path) that holds ``.git``, or None.

    ``memo`` (the maturity stage's repository snapshot) keeps each directory's answer.
    """
    if memo is not None:
        key = ("root", directory)
        if key not in memo:
            parent = os.path.dirname(directory)
            memo[key] = (directory if os.path.lexists(os.path.join(directory, GIT))
                         else None if parent == directory else find_root(parent, memo))
        return memo[key]
    d = directory
    while True:
        if os.path.lexists(os.path.join(d, GIT)):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


@dataclass(frozen=True)
class Resolved:
    """A checked reference: its real path, the components of that path below the root, the stat of the file."""

    ref: str
    path: str
    parts: tuple[str, ...]
    stat: os.stat_result


class SpecFiles:
    """The files one spec may name: resolved against its directory, confined to its repository root.

    ``spec_path`` is the spec file as given; its directory is taken with symbolic links resolved
    (as the spec's own relative references are). ``root`` overrides the repository root (tests).
    """

    def __init__(self, spec_path: str, root: str | None = None) -> None:
        self.spec_path = spec_path
        self.base_dir = os.path.dirname(os.path.realpath(spec_path))
        self.from_stdin = is_stdin(spec_path)  # no directory, no repository: every file it names is refused
        self._given_root = root is not None
        self._root = os.path.realpath(root) if root is not None else None
        self._checked: dict[tuple[str, str, int | None], FileRefError | None] = {}
        self.derived: dict[tuple[str, str], Any] = {}
        """What callers derive from a file's content, kept for the next environment's check (prompt variables)."""

    @classmethod
    def of_repository(cls, root: str) -> "SpecFiles":
        """The repository's own files (CI definitions, CODEOWNERS): paths relative to ``root``, confined to it."""
        files = cls(root, root=root)
        files.spec_path, files.base_dir = "", files.root  # relative to the (real) root itself
        return files

    def __repr__(self) -> str:
        return f"SpecFiles({self.spec_path!r}, root={self._root!r})"

    @property
    def root(self) -> str:
        """The repository root (real path): nearest ``.git`` at or above the spec, else the spec's directory."""
        if self._root is None:
            self._root = find_root(self.base_dir) or self.base_dir
        return self._root

    @property
    def in_repository(self) -> bool:
        return self._given_root or find_root(self.base_dir) is not None

    def looked_in(self, ref: str) -> str:
        """The directory a missing ``ref`` was looked for in (for messages)."""
        return os.path.dirname(os.path.join(self.base_dir, ref)) if "\0" not in ref else self.base_dir

    # -- checking ------------------------------------------------------------------------------------------

    def resolve(self, ref: str, what: str, max_bytes: int | None = None) -> Resolved:
        """Check ``ref`` without opening it; return where it resolves, or raise FileRefError saying why not."""
        if not isinstance(ref, str) or not ref:
            raise FileRefError("bad-path", f"{what} file {ref!r} is not a path", "write a path relative to the spec's directory")
        if self.from_stdin:
            raise FileRefError("stdin-file-reference",
                               f"{what} file {_short(ref)}: a spec read from standard input may not name files (it has "
                               "no directory or repository to find them in, and none is guessed)",
                               "save the spec in its repository and check it by its path (llmops-iac check "
                               "path/to/llmapp.yaml), so the files it names resolve inside that repository")
        if "\0" in ref:
            raise FileRefError("bad-path", f"{what} file {ref!r} contains a NUL character",
                               "write the path without control characters")
        encoded = os.fsencode(ref)
        if len(encoded) > MAX_PATH_BYTES or any(len(p) > 255 for p in encoded.split(b"/")):
            raise FileRefError("bad-path", f"{what} file {_short(ref)} has a name longer than the system allows",
                               "use a shorter path (at most 255 bytes per name)")
        joined = os.path.join(self.base_dir, ref)
        written = os.path.normpath(joined)
        real, st = self._real(ref, joined)
        linked = real != written
        root = self.root
        shown = f"{what} file {ref!r}"
        via = _via(joined, real, linked)
        inside = real == root or real.startswith(root.rstrip("/") + "/")
        if not inside:
            where = f"the repository {root}" if self.in_repository else f"{root}, the spec's directory (it is in no git repository)"
            raise FileRefError("file-outside-repository", f"{shown} {via}, outside {where}",
                               "a spec may only name files inside its repository: copy the file in rather than "
                               "linking to it, and name it by its path relative to the spec")
        if any(real == d or real.startswith(d + "/") for d in SYSTEM_DIRS):
            raise FileRefError("not-a-file", f"{shown} {via}: /proc, /sys and /dev entries are not files",
                               f"name a {what} file kept in the repository")
        parts = tuple(p for p in real[len(root):].split("/") if p)
        if any(p.casefold() == GIT for p in parts) or any(p.casefold() == GIT for p in ref.split("/")):
            raise FileRefError("file-in-git-directory",
                               f"{shown} {via}, inside a .git directory: git's own files "
                               "(its config may hold the CI token) are never read",
                               f"name a {what} file in the working tree, outside .git")
        try:
            st = st or os.stat(real)
        except OSError as exc:
            raise _os_error(exc, shown, via if linked else f"looked in {self.looked_in(ref)}") from None
        if not stat.S_ISREG(st.st_mode):
            kind = next((name for test, name in _KINDS if test(st.st_mode)), "special file")
            raise FileRefError("not-a-file", f"{shown} is a {kind}, not a regular file" + (f" ({via})" if linked else ""),
                               f"name a {what} file (a regular file kept in the repository)")
        if max_bytes is not None and st.st_size > max_bytes:
            raise FileRefError("file-too-large", f"{shown} is {st.st_size:,} bytes; the limit is {max_bytes:,}",
                               f"shorten the {what}")
        return Resolved(ref=ref, path=real, parts=parts, stat=st)

    def _real(self, ref: str, joined: str) -> tuple[str, os.stat_result | None]:
        """``realpath(joined)``, and the stat of the file when no link was on the way (then it is the lstat).

        ``base_dir`` is a real path, so only the reference's own components can be links: each is
        looked at once, and os.path.realpath takes over at the first link, `..` or missing part.
        """
        parts = ref.split("/")
        if ref.startswith("/") or ".." in parts:
            return os.path.realpath(joined), None
        path, st = self.base_dir, None
        for part in parts:
            if part in ("", "."):
                continue
            path = os.path.join(path, part)
            try:
                st = os.lstat(path)
            except OSError:
                return os.path.realpath(joined), None
            if stat.S_ISLNK(st.st_mode):
                return os.path.realpath(joined), None
        return path, st

    def check(self, ref: str, what: str, max_bytes: int | None = None) -> FileRefError | None:
        """What is wrong with ``ref`` (including that it cannot be read), or None; remembered per reference.

        The validation stage's check: the same file named by several environments is looked at once.
        """
        key = (ref, what, max_bytes)
        if key not in self._checked:
            try:
                os.close(self._open_fd(ref, what, max_bytes)[0])  # opened as every reader opens it, so they agree
                problem = None
            except FileRefError as exc:
                problem = exc
            self._checked[key] = problem
        return self._checked[key]

    # -- reading -------------------------------------------------------------------------------------------

    def _open_fd(self, ref: str, what: str, max_bytes: int | None) -> tuple[int, Resolved]:
        found = self.resolve(ref, what, max_bytes)
        shown = f"{what} file {ref!r}"
        try:
            fd = _open_below(self.root, self.base_dir, found)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                raise FileRefError("file-changed", f"{shown} changed while it was being read: a part of its path "
                                                   "is now a symbolic link", "run again on a tree nobody is changing") from None
            raise _os_error(exc, shown, "") from None
        try:
            now = os.fstat(fd)
        except OSError as exc:
            os.close(fd)
            raise _os_error(exc, shown, "") from None
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (found.stat.st_dev, found.stat.st_ino):
            os.close(fd)
            raise FileRefError("file-changed", f"{shown} changed while it was being read (it is no longer the file checked)",
                               "run again on a tree nobody is changing")
        return fd, found

    def open(self, ref: str, what: str, max_bytes: int | None = None) -> tuple[BinaryIO, Resolved]:
        """Check ``ref`` and open it for reading (binary); raise FileRefError. The caller closes it."""
        fd, found = self._open_fd(ref, what, max_bytes)
        return os.fdopen(fd, "rb"), found

    def read(self, ref: str, what: str, max_bytes: int) -> bytes:
        """The bytes of ``ref``, at most ``max_bytes`` of them; raise FileRefError (too large included)."""
        fd, found = self._open_fd(ref, what, max_bytes)
        chunks, left = [], max_bytes + 1
        try:
            while left > 0:
                chunk = os.read(fd, min(left, max(found.stat.st_size + 1, 65536)))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        except OSError as exc:
            raise _os_error(exc, f"{what} file {ref!r}", "") from None
        finally:
            os.close(fd)
        raw = b"".join(chunks)
        if len(raw) > max_bytes:
            raise FileRefError("file-too-large", f"{what} file {ref!r} is over {max_bytes:,} bytes", f"shorten the {what}")
        return raw


def _short(ref: str) -> str:
    return repr(ref if len(ref) <= 80 else ref[:60] + "…" + ref[-12:])


def _via(joined: str, real: str, linked: bool) -> str:
    """'resolves to X', or 'is a symbolic link to T, which resolves to X' when the last component is a link."""
    if not linked:
        return f"is {real}"
    try:
        target = os.readlink(joined)
    except OSError:
        return f"resolves to {real} through a symbolic link"
    if os.path.normpath(os.path.join(os.path.dirname(joined), target)) == real:
        return f"is a symbolic link to {target!r}"
    return f"is a symbolic link to {target!r}, which resolves to {real}"


def _os_error(exc: OSError, shown: str, where: str) -> FileRefError:
    suffix = f" ({where})" if where else ""
    if exc.errno == errno.ELOOP:
        return FileRefError("symlink-loop", f"{shown}: its symbolic links loop{suffix}", "fix or remove the links so the path ends at a file")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return FileRefError("file-not-found", f"{shown} does not exist{suffix}",
                            "paths are relative to the spec file's directory; create the file or fix the path")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return FileRefError("file-unreadable", f"{shown} cannot be read: permission denied{suffix}",
                            "make the file (and its directories) readable by the user running llmops-iac")
    if exc.errno == errno.ENAMETOOLONG:
        return FileRefError("bad-path", f"{shown} has a name longer than the system allows", "use a shorter path")
    return FileRefError("file-unreadable", f"{shown} cannot be read: {exc.strerror or exc}{suffix}", "check the file and its permissions")


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_FILE_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


def _open_below(root: str, base_dir: str, found: Resolved) -> int:
    """Open ``found`` walking down one component at a time, following no symbolic link.

    The walk starts at the spec's directory when the file is below it (the spec's own location
    is the user's choice; what the reference adds is walked), else at the repository root.
    """
    if not (found.parts and _NOFOLLOW and getattr(os, "O_DIRECTORY", 0) and os.open in os.supports_dir_fd):
        return os.open(found.path, _FILE_FLAGS)
    start, parts = root, found.parts
    if found.path.startswith(base_dir.rstrip("/") + "/"):
        start, parts = base_dir, tuple(p for p in found.path[len(base_dir):].split("/") if p)
    fd = os.open(start, _DIR_FLAGS & ~_NOFOLLOW)  # a real path: it was resolved
    try:
        for part in parts[:-1]:
            inner = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.open(parts[-1], _FILE_FLAGS, dir_fd=fd)
    finally:
        os.close(fd)
