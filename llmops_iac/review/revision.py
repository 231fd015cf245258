"""A git revision for `check --base REV`: resolve it, unpack its tree, and what changed since.

``resolve(rev)`` names the commit or raises UsageError (exit 2) saying how to get it;
``unpacked(revision)`` writes the revision's whole tree into a temporary directory, with a
``.git`` marker at its root so that every rule that looks for the repository root (files a
spec names stay inside it, maturity reads its CI files and CODEOWNERS) sees that tree as it
sees the working tree; ``changes(revision)`` lists what was renamed and deleted since.

The tree is read blob by blob (``git ls-tree`` + ``git cat-file --batch``), not with
``git archive``: an archive applies the revision's ``export-ignore`` and ``export-subst``
attributes, so a spec could be left out of, or rewritten in, its own base.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterator

from llmops_iac.errors import UsageError

GIT_TIMEOUT = 120


@dataclass(frozen=True)
class Revision:
    """A commit of the repository whose working tree is checked."""

    name: str  # as given (--base main)
    sha: str
    root: Path  # the working tree's top level, resolved

    @property
    def short(self) -> str:
        return self.sha[:7]


@dataclass(frozen=True)
class Changes:
    """What the working tree changed since a revision, in repository-relative POSIX paths."""

    renamed: dict[str, str] = field(default_factory=dict)  # base path -> head path
    deleted: frozenset[str] = frozenset()

    def head_path(self, base_path: str) -> str:
        return self.renamed.get(base_path, base_path)

    def base_path(self, head_path: str) -> str:
        for old, new in self.renamed.items():
            if new == head_path:
                return old
        return head_path


def _git(cwd: str | Path, *args: str, timeout: float = GIT_TIMEOUT) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, timeout=timeout)
    except FileNotFoundError:
        raise UsageError("--base needs git, which is not installed (or not on PATH)") from None


def _text(out: bytes) -> str:
    return out.decode("utf-8", errors="replace").strip()


def resolve(rev: str, start: str | Path = ".") -> Revision:
    """The commit ``rev`` names in the repository around ``start``; UsageError when there is none."""
    if not rev or rev.startswith("-") or any(c in rev for c in "\0\n\r"):
        raise UsageError(f"--base {rev!r}: not a revision (write a branch, tag or commit, e.g. --base origin/main)")
    top = _git(start, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise UsageError(f"--base {rev}: {Path(start).resolve()} is not in a git work tree; --base compares the "
                         "working tree with a revision of its repository")
    root = Path(_text(top.stdout)).resolve()
    found = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if found.returncode != 0:
        shallow = _text(_git(root, "rev-parse", "--is-shallow-repository").stdout) == "true"
        hint = (" This clone is shallow: fetch it (`git fetch --depth=1 origin <ref or sha>`), or check out with "
                "`fetch-depth: 0` in GitHub Actions." if shallow else f" Fetch it first, e.g. `git fetch origin {rev}`.")
        raise UsageError(f"--base {rev}: no such commit in {root}.{hint}")
    return Revision(rev, _text(found.stdout), root)


def changes(revision: Revision) -> Changes:
    """Renames and deletions between ``revision`` and the working tree (tracked files; git's rename detection)."""
    out = _git(revision.root, "-c", "core.quotepath=off", "diff", "--no-ext-diff", "--no-color", "--name-status", "-z",
               "-M", revision.sha, "--")
    if out.returncode != 0:
        raise UsageError(f"--base {revision.name}: git diff failed: {_text(out.stderr)}")
    renamed: dict[str, str] = {}
    deleted: set[str] = set()
    fields = out.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status.startswith(("R", "C")):
            old, new = fields[i + 1], fields[i + 2]
            if status.startswith("R"):
                renamed[old] = new
            i += 3
            continue
        if status.startswith("D"):
            deleted.add(fields[i + 1])
        i += 2
    return Changes(renamed, frozenset(deleted))


@dataclass(frozen=True)
class _Entry:
    mode: str
    sha: str
    path: str


def _entries(revision: Revision) -> list[_Entry]:
    out = _git(revision.root, "ls-tree", "-r", "-z", "--full-tree", revision.sha)
    if out.returncode != 0:
        raise UsageError(f"--base {revision.name}: cannot list its tree: {_text(out.stderr)}")
    entries = []
    for record in out.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        if kind == "blob":  # a submodule (commit) has no content here, as in a checkout without submodules
            entries.append(_Entry(mode, sha, path.decode("utf-8", errors="surrogateescape")))
    return entries


def _inside(path: PurePosixPath) -> bool:
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def _write_tree(revision: Revision, entries: list[_Entry], dest: Path) -> None:
    proc = subprocess.Popen(["git", "-C", str(revision.root), "cat-file", "--batch"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def feed() -> None:
        try:
            for e in entries:
                proc.stdin.write(e.sha.encode() + b"\n")  # type: ignore[union-attr]
            proc.stdin.close()  # type: ignore[union-attr]
        except (BrokenPipeError, ValueError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    out = proc.stdout
    assert out is not None
    try:
        for e in entries:
            header = out.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise UsageError(f"--base {revision.name}: git cannot read {e.path} at that revision "
                                 f"({b' '.join(header).decode(errors='replace') or 'no answer'}); fetch the revision fully")
            size = int(header[2])
            rel = PurePosixPath(e.path)
            target = dest.joinpath(*rel.parts)
            if not _inside(rel):
                _skip(out, size)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if e.mode == "120000":  # a symbolic link: kept only when it points inside the tree, as a relative link
                link = out.read(size).decode("utf-8", errors="surrogateescape")
                out.read(1)
                resolved = os.path.normpath(os.path.join(os.path.dirname(str(target)), link))
                if not os.path.isabs(link) and (resolved + os.sep).startswith(str(dest) + os.sep):
                    with contextlib.suppress(OSError):
                        os.symlink(link, target)
                continue
            with open(target, "wb") as fh:
                left = size
                while left:
                    chunk = out.read(min(left, 1 << 20))
                    if not chunk:
                        raise UsageError(f"--base {revision.name}: git stopped while reading {e.path}")
                    fh.write(chunk)
                    left -= len(chunk)
            out.read(1)  # the newline after each object
    finally:
        with contextlib.suppress(Exception):
            out.close()
        proc.wait(timeout=GIT_TIMEOUT)
        writer.join(timeout=5)


def _skip(out, size: int) -> None:
    while size > 0:
        chunk = out.read(min(size, 1 << 20))
        if not chunk:
            return
        size -= len(chunk)
    out.read(1)


@contextlib.contextmanager
def unpacked(revision: Revision) -> Iterator[Path]:
    """Yield a temporary directory holding ``revision``'s tree (removed afterwards), marked as a repository root."""
    dest = Path(tempfile.mkdtemp(prefix="llmops-iac-base-")).resolve()
    try:
        _write_tree(revision, _entries(revision), dest)
        (dest / ".git").mkdir(exist_ok=True)  # the root marker: the tree's own .git, if it tracked one, is not a repo
        yield dest
    finally:
        shutil.rmtree(dest, ignore_errors=True)
