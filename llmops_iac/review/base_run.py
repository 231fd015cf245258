"""`check --base REV`: judge the same paths as they were at REV, with the same options, and compare.

The base is checked in a temporary copy of REV's tree (llmops_iac/review/revision.py), so
everything a spec reads resolves as it did at REV: its prompt and dataset files, Pulumi.yaml
and the stack files, a ``--policy-dir`` inside the repository (a policy the change adds or
edits is part of the change), and the CI files and CODEOWNERS the maturity rules read.
Built-in policies, the profile, the fail level and the date are the head's.

A base that cannot be judged as a whole for an input reason (a stack that did not exist
yet, a broken policy directory) is noted and every head finding is then new; an engine or
internal failure is exit 3, as it is for the head.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from llmops_iac.errors import EXIT_INPUT, LlmopsError
from llmops_iac.review import revision as rv
from llmops_iac.review.compare import Comparison, compare, units_of


def _inside(path: str, root: Path) -> str | None:
    """``path`` relative to ``root`` (POSIX), or None when it lies outside."""
    try:
        return Path(os.path.abspath(path)).resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def _base_targets(targets: tuple[str, ...], root: Path, tree: Path, changes: rv.Changes) -> list[str]:
    out: list[str] = []
    for t in targets:
        rel = _inside(t, root)
        if rel is None:
            continue  # outside the repository: nothing at the base to compare with
        base = tree if rel == "." else tree / changes.base_path(rel)
        if base.exists():
            out.append(str(base))
    return out


def _mapped_dir(path: str | None, root: Path, tree: Path) -> str | None:
    if path is None:
        return None
    rel = _inside(path, root)
    return path if rel is None else str(tree if rel == "." else tree / rel)


def _scrubber(tree: Path):
    prefixes = [str(tree) + os.sep]
    rel = os.path.relpath(tree)
    if not rel.startswith(".."):
        prefixes.append(rel + os.sep)

    def scrub(text: str) -> str:
        for prefix in prefixes:
            text = text.replace(prefix, "")
        return text

    return scrub


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def review(revision: rv.Revision, targets: tuple[str, ...], head: Any, *, stack: str | None, stacks_dir: str | None,
           options: Any, jobs: int = 1) -> Comparison:
    """Check ``targets`` at ``revision`` as ``head`` (the working tree's RunResult) was checked, and compare."""
    from llmops_iac.pipeline import run

    root = revision.root
    changes = rv.changes(revision)
    head_units = units_of(head.files, root)
    with rv.unpacked(revision) as tree:
        base_targets = _base_targets(targets, root, tree, changes)
        policy_dirs = tuple(d for d in (_mapped_dir(p, root, tree) for p in options.policy_dirs)
                            if d is not None and os.path.isdir(d))
        base_options = dataclasses.replace(options, policy_dirs=policy_dirs)
        base_error = None
        base_files: list[Any] = []
        if base_targets:
            try:
                result = run("check", base_targets, stack=stack, stacks_dir=_mapped_dir(stacks_dir, root, tree),
                             policy=base_options, jobs=jobs)
                base_files = result.files
            except LlmopsError as exc:
                if exc.exit_code != EXIT_INPUT:
                    raise
                base_error = _scrubber(tree)(str(exc))
        base_units = units_of(base_files, tree, rename=changes.head_path, scrub=_scrubber(tree))

        def status_of(path: str, in_head: bool, in_base: bool) -> tuple[str, str, str | None]:
            if os.path.isabs(path) or path.startswith("../"):
                return "added", "outside the repository: nothing to compare with", None
            base_path = changes.base_path(path)
            base_file, head_file = tree / base_path, root / path
            if in_head:
                if not base_file.is_file():
                    return "added", "", None
                note = "" if in_base or base_error else "newly checked: at the base it was not read as a spec"
                if base_path != path:
                    return "renamed", note, base_path
                return ("unchanged" if _same_bytes(head_file, base_file) else "modified"), note, base_path
            if not head_file.exists():
                return "deleted", "", base_path
            if base_path != path:
                return "unchecked", f"moved to {path}, outside the checked paths: its findings are not judged", base_path
            return ("unchecked", "no longer checked: the file is no longer read as a spec (is it still "
                    "`kind: LLMApplication`, and inside the checked paths?)", base_path)

        comparison = compare(head_units, base_units, base_name=revision.name, sha=revision.sha,
                             fail_level=options.fail_level, status_of=status_of, base_error=base_error)
    return comparison

