"""The repository a spec belongs to, and what it shows: CI pipelines (do they run `llmops-iac check`
on pull requests? deploy with `pulumi up`?), CODEOWNERS and stack files — the maturity stage's
repository evidence."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from llmops_iac.maturity import codeowners as co
from llmops_iac.resources import safe_load_yaml
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


@dataclass(frozen=True)
class Hit:
    """A line of a repository file that matched what a check looks for."""

    line: int
    text: str


@dataclass(frozen=True)
class CiFile:
    """One CI pipeline definition and what it does."""

    path: str
    system: str
    check: tuple[Hit, ...] = ()
    pull_request: tuple[Hit, ...] = ()
    deploy: tuple[Hit, ...] = ()
    notes: tuple[str, ...] = ()


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

_CHECK = re.compile(r"\b(?:llmops-iac|python3?\s+-m\s+llmops_iac)\s+(?:check|policy\s+check|maturity)\b")
_ACTION = re.compile(r"^\s*-?\s*uses\s*:\s*['\"]?[^\s'\"#]*llmops-iac[^\s'\"#]*")
_PULUMI_UP = re.compile(r"\bpulumi\s+up\b")
_PULUMI_ACTION = re.compile(r"^\s*-?\s*uses\s*:\s*['\"]?pulumi/actions@")
_PULUMI_COMMAND_UP = re.compile(r"^\s*command\s*:\s*['\"]?up\b")
_GH_PR_EVENTS = ("pull_request", "pull_request_target", "merge_group")
_GITLAB_MR = re.compile(r"merge_request_event|^\s*-\s*['\"]?merge_requests['\"]?\s*$|\bonly\s*:\s*\[[^\]]*\bmerge_requests\b")
_JENKINS_PR = re.compile(r"\bchangeRequest\s*\(|\bCHANGE_ID\b")
_AZURE_PR = re.compile(r"^pr\s*:(?P<rest>.*)$")
_BITBUCKET_PR = re.compile(r"^\s*pull-requests\s*:")
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


def _lines(text: str, comment: str) -> Iterable[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith(comment):
            continue
        yield number, line


def _scan_ci(files: SpecFiles, rel: str, system: str) -> CiFile:
    try:
        text = files.read(rel, "CI", MAX_FILE_BYTES).decode("utf-8")
    except FileRefError as exc:
        return CiFile(rel, system, notes=("too large to read" if exc.code == "file-too-large" else f"cannot be read: {exc.message}",))
    except UnicodeDecodeError as exc:
        return CiFile(rel, system, notes=(f"cannot be read: {exc}",))
    comment = "//" if system == "jenkins" else "#"
    lines = list(_lines(text, comment))
    check = tuple(Hit(n, line.strip()) for n, line in lines
                  if _CHECK.search(line) or (system == "github-actions" and _ACTION.search(line)))
    deploy = [Hit(n, line.strip()) for n, line in lines if _PULUMI_UP.search(line)]
    if any(_PULUMI_COMMAND_UP.search(line) for _, line in lines):
        deploy += [Hit(n, line.strip()) for n, line in lines if _PULUMI_ACTION.search(line)]
    pr, notes = _pull_request_triggers(system, text, lines)
    return CiFile(rel, system, check=check, pull_request=pr, deploy=tuple(sorted(deploy, key=lambda h: h.line)), notes=notes)


def _pull_request_triggers(system: str, text: str, lines: list[tuple[int, str]]) -> tuple[tuple[Hit, ...], tuple[str, ...]]:
    if system == "github-actions":
        try:
            doc = safe_load_yaml(text)
        except yaml.YAMLError as exc:
            return (), (f"not valid YAML: {str(exc).splitlines()[0]}",)
        if not isinstance(doc, dict):
            return (), ("not a workflow mapping",)
        on = doc.get("on", doc.get(True))  # YAML 1.1 readers turn the key `on` into True
        events = {on} if isinstance(on, str) else set(on) if isinstance(on, (list, dict)) else set()
        found = [e for e in _GH_PR_EVENTS if e in events]
        hits = []
        for event in found:
            for n, line in lines:
                if re.match(r"^jobs\s*:", line):
                    break
                if re.search(rf"(?<![\w.]){event}(?![\w-])", line):
                    hits.append(Hit(n, line.strip()))
                    break
        return tuple(hits), ()
    if system == "gitlab-ci":
        return tuple(Hit(n, line.strip()) for n, line in lines if _GITLAB_MR.search(line)), ()
    if system == "jenkins":
        return tuple(Hit(n, line.strip()) for n, line in lines if _JENKINS_PR.search(line)), ()
    if system == "azure-pipelines":
        for n, line in lines:
            m = _AZURE_PR.match(line)
            if m:
                return ((), ()) if m["rest"].strip().lower() == "none" else ((Hit(n, line.strip()),), ())
        return (Hit(1, "(no pr: key: Azure Pipelines validates pull requests by default)"),), ()
    if system == "bitbucket-pipelines":
        return tuple(Hit(n, line.strip()) for n, line in lines if _BITBUCKET_PR.search(line)), ()
    if system == "circleci":
        return (Hit(1, "(CircleCI builds every pushed branch, pull requests included)"),), ()
    return (), ("its triggers are configured outside the repository",)
