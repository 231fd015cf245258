"""The repository a spec belongs to, and what it shows: CI pipelines (read as structure by ci_github.py and
ci_gitlab.py: where they run `llmops-iac check` or `pulumi up`, on which triggers, and whether that can fail
the job), CODEOWNERS and stack files — the maturity stage's repository evidence."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Any, Callable, Iterator

from llmops_iac.maturity import ci_github, ci_gitlab
from llmops_iac.maturity import codeowners as co
from llmops_iac.maturity.ci_model import CiFile
from llmops_iac.spec.files import FileRefError, SpecFiles, find_root
from llmops_iac.spec.stdin import is_stdin

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Larger repository files (and evaluation datasets) are noted, not read."""


def repo_root(spec_path: str) -> str | None:
    """Return the nearest directory at or above the spec that holds ``.git``, or None.

    The same root confines the files a spec names (llmops_iac/spec/files.py, which finds it);
    inside a snapshot each directory is looked at once, however many specs are below it. A spec read from standard
    input is in no repository (its temporary copy may sit in one that is not its own).
    """
    if is_stdin(spec_path):
        return None
    return find_root(str(resolve(Path(spec_path)).parent), _memo)


def resolve(path: Path) -> Path:
    """Return ``path.resolve()``; inside ``repository_snapshot()`` each directory on the way is resolved once."""
    if _memo is None:
        return path.resolve()
    return _real(str(path) if path.is_absolute() else os.path.join(os.getcwd(), path))


def _real(text: str) -> Path:
    # ``text`` is absolute, as str(Path) spells it: its directory's real path (memoised), then its last
    # part, as os.path.realpath goes part by part. A symbolic link, `..` or the root is resolved whole.
    assert _memo is not None
    key = ("real", text)
    found = _memo.get(key)
    if found is None:
        parent, _, name = text.rpartition("/")
        if name in ("", ".", ".."):
            found = Path(text).resolve()
        else:
            candidate = _real(parent or "/") / name
            try:
                link = stat.S_ISLNK(os.lstat(candidate).st_mode)
            except OSError:
                link = False  # a missing part stays as written, as realpath leaves it
            found = Path(text).resolve() if link else candidate
        _memo[key] = found
    return found


CI_FILES: tuple[tuple[str, str], ...] = (
    (".github/workflows/*.yml", "github-actions"),
    (".github/workflows/*.yaml", "github-actions"),
    (".gitlab-ci.yml", "gitlab-ci"),
    ("Jenkinsfile", "jenkins"),
    ("azure-pipelines.yml", "azure-pipelines"),
    ("azure-pipelines.yaml", "azure-pipelines"),
    (".azure-pipelines/*.yml", "azure-pipelines"),
    (".circleci/config.yml", "circleci"),
    ("bitbucket-pipelines.yml", "bitbucket-pipelines"),
    ("buildspec.yml", "codebuild"),
    ("buildspec.yaml", "codebuild"),
    (".buildkite/pipeline.yml", "buildkite"),
    (".buildkite/pipeline.yaml", "buildkite"),
)
"""CI pipeline definitions looked for, relative to the repository root, and the system they belong to."""

STACK_FILES = ("stacks/Pulumi.*.yaml", "Pulumi.*.yaml")


_snapshot: dict[Path, tuple[Any, ...]] | None = None
_memo: dict[tuple[str, Any], Any] | None = None
"""Per snapshot: resolved paths, `.git` lookups, dataset cases by content; keys are (kind, ...) tuples."""


@contextlib.contextmanager
def repository_snapshot() -> Iterator[None]:
    """Within this block, each repository's CI files, CODEOWNERS and stack files are read once.

    A run of `check` over many specs of one repository judges one snapshot of it; outside the
    block every assessment reads the repository afresh (a test may change it between two).
    Resolved paths, `.git` lookups and the cases of evaluation datasets (by content) are kept for
    the block too.
    """
    global _snapshot, _memo
    saved, _snapshot = _snapshot, {} if _snapshot is None else _snapshot
    saved_memo, _memo = _memo, {} if _memo is None else _memo
    try:
        yield
    finally:
        _snapshot, _memo = saved, saved_memo


def memo() -> dict[tuple[str, Any], Any] | None:
    """Return the current snapshot's memo, or None outside ``repository_snapshot()``."""
    return _memo


def scan(resolved: Path) -> tuple[tuple[CiFile, ...], Any, tuple[str, ...]]:
    """(CI files, CODEOWNERS, stack files) of the repository at ``resolved``: what every spec in it shares.

    Read once per repository inside ``repository_snapshot()``, afresh otherwise.
    """
    scanned = _snapshot.get(resolved) if _snapshot is not None else None
    if scanned is None:
        scanned = _read(resolved)
        if _snapshot is not None:
            _snapshot[resolved] = scanned
    return scanned


def _read(resolved: Path) -> tuple[tuple[CiFile, ...], Any, tuple[str, ...]]:
    ci = []
    seen: set[Path] = set()
    files = SpecFiles.of_repository(str(resolved))  # read as a spec's files are: a link out, a FIFO, a device is noted
    for pattern, system in CI_FILES:
        for path in sorted(resolved.glob(pattern)):
            if path.is_file() and path not in seen:
                seen.add(path)
                ci.append(_scan_ci(files, path.relative_to(resolved).as_posix(), system))
    stacks = sorted({p.relative_to(resolved).as_posix() for pattern in STACK_FILES for p in resolved.glob(pattern) if p.is_file()})
    return tuple(ci), co.load(resolved), tuple(stacks)


def _scan_ci(files: SpecFiles, rel: str, system: str) -> CiFile:
    """Read one CI file as structure (ci_github.py, ci_gitlab.py); a system llmops-iac does not read is no evidence."""
    try:
        text = files.read(rel, "CI", MAX_FILE_BYTES).decode("utf-8")
    except FileRefError as exc:
        return CiFile(rel, system, notes=((0, "too large to read" if exc.code == "file-too-large" else f"cannot be read: {exc.message}"),))
    except UnicodeDecodeError as exc:
        return CiFile(rel, system, notes=((0, f"cannot be read: {exc}"),))
    reader = READERS.get(system)
    if reader is None:
        return CiFile(rel, system, notes=((1, f"{system} pipelines are not read by llmops-iac: no evidence"),))
    return reader(text, rel)


READERS: dict[str, Callable[[str, str], CiFile]] = {
    "github-actions": ci_github.read, "gitlab-ci": ci_gitlab.read_gitlab, "codebuild": ci_gitlab.read_codebuild,
}
"""The CI systems whose files are read as structure; the others in CI_FILES are listed, with a note, as no evidence."""
