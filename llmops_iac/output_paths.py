"""Outputs never destroy inputs: where a command may write its reports, decided before it writes anything.

DESIGN.md: "no output path may be a file the run reads". An --output/--out path is compared with the
files a run reads by device and inode, symlinks followed: the same file under any name (a symlink, a
hard link, ``./x``, ``/dev/stdout`` redirected to it) is the same file. Only an output that already
exists can be an input, so nothing is collected while none does. The check runs in two phases:

1. ``Outputs.prepare`` runs before any work, with what the arguments tell: the spec files (an output
   inside a directory `check` scans is a spec if the scan would take it for one), the stack files next to them (every ``Pulumi*.yaml`` of the stacks
   directory and the project's ``Pulumi.yaml``), the --policy-dir files and llmops-iac's own files
   (built-in policies, schemas, price tables). It also refuses an unusable location (a directory, a
   path under a regular file, a missing or read-only directory) and the same file named twice.
2. ``Outputs.refuse`` runs once the run has read its inputs and before the first report is written,
   with the files only loading reveals: prompt and dataset files a spec names (in any environment),
   a stack file a spec's stack points to, the repository evidence maturity read (CI files, CODEOWNERS).
   Reports are written at the end of a run, atomically, so refusing here still writes nothing.

A path that is not a regular file (``/dev/null``, a terminal, a FIFO) is written through, not replaced,
and may be named more than once; ``/dev/stdout`` is checked like any path (redirected to the spec, it is
the spec). ``plan --out -`` writes no file at all and is not checked.
"""

from __future__ import annotations

import glob
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Iterable

from llmops_iac.errors import UsageError

_Identity = tuple[int, int]
WRITE_THROUGH = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/")
"""Paths of a process's own streams: written through whatever they resolve to, never replaced."""


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _shown(path: str) -> str:
    from llmops_iac.spec.validate import display_path

    return display_path(path)


class Outputs:
    """The output paths of one command, checked against the files it reads.

    Only an output that exists as a regular file can be an input (every input exists), so when no output
    exists yet, nothing is collected or looked at: the common case costs a stat per output.
    """

    def __init__(self, targets: Iterable[tuple[str, str]]):
        self.targets = [(flag, path) for flag, path in targets if path != "-"]

    # -- phase 1 ---------------------------------------------------------------------------------------------------
    @classmethod
    def prepare(cls, targets: Iterable[tuple[str, str]], *, specs: Iterable[str] = (), stacks_dir: str | None = None,
                policy_dirs: Iterable[str] | None = None, scan: bool = False) -> "Outputs":
        """Check the locations, then refuse any output naming an input the arguments already name.

        ``specs`` are the spec files or (with ``scan``) directories to search as `check` does;
        ``policy_dirs`` the --policy-dir directories when the command reads policies (None: it reads none).
        Raises UsageError (exit 2) before the command has done anything.
        """
        outputs = cls(targets)
        if not outputs.targets:
            return outputs
        for flag, path in outputs.targets:
            _usable(flag, path)
        outputs._distinct()
        if not outputs._existing():
            return outputs
        specs = list(specs)
        scanned = [s for s in specs if scan and os.path.isdir(s)]
        files = [s for s in specs if s not in scanned]
        outputs.refuse((spec, "the spec") for spec in files)
        outputs._refuse_scanned(scanned)
        outputs.refuse((f, "a stack file") for f in _stack_files([os.path.dirname(os.path.abspath(f)) for f in files]
                                                                 + [os.path.abspath(d) for d in scanned], stacks_dir))
        from llmops_iac.resources import data_path

        trees = [(d, f"a policy file of --policy-dir {d}") for d in (policy_dirs or ())]
        trees += [(str(d), "one of llmops-iac's own files (policies, schemas, price tables)")
                  for d in (data_path("policies"), data_path("schemas"), Path(__file__).resolve().parent)]
        for directory, what in trees:
            outputs.refuse((path, what) for path in _tree(directory))
        return outputs

    def _distinct(self) -> None:
        seen: dict[Any, tuple[str, str]] = {}
        for flag, path in self.targets:
            st = _stat(path)
            if st is not None and not stat.S_ISREG(st.st_mode):
                continue  # /dev/null twice is harmless
            keys = [os.path.realpath(path)] + ([(st.st_dev, st.st_ino)] if st is not None else [])
            for key in keys:
                if key in seen:
                    other_flag, other = seen[key]
                    raise UsageError(f"{flag} {path}: names the same file as {other_flag} {other} (given twice); "
                                     "write each report to its own file")
            for key in keys:
                seen[key] = (flag, path)

    def any_exist(self) -> bool:
        """Whether an output is a regular file already: only then can it be an input (and reads are worth collecting)."""
        return bool(self._existing())

    def _existing(self) -> dict[_Identity, tuple[str, str]]:
        """(device, inode) of each output that is a regular file now (a symlink or /dev/stdout: what it names)."""
        out = {}
        for flag, path in self.targets:
            st = _stat(path)
            if st is not None and stat.S_ISREG(st.st_mode):
                out.setdefault((st.st_dev, st.st_ino), (flag, path))
        return out

    def _refuse_scanned(self, directories: list[str]) -> None:
        """An output inside a scanned directory is an input if `check DIR` would take it for a spec."""
        if not directories:
            return
        from llmops_iac.file_kinds import special_kind
        from llmops_iac.discovery import SPEC_SUFFIXES, _looks_like_spec

        roots = [os.path.join(os.path.realpath(d), "") for d in directories]
        for flag, path in self._existing().values():
            real = os.path.realpath(path)
            if (any(real.startswith(r) for r in roots) and real.endswith(SPEC_SUFFIXES) and special_kind(real) is None
                    and _looks_like_spec(real)):
                self.refuse([(path, "a spec of the directories checked")])

    # -- phase 2 ---------------------------------------------------------------------------------------------------
    def refuse(self, reads: Iterable[tuple[str, str]]) -> None:
        """Raise UsageError when an output is one of ``reads``, (path, what it is) pairs the run reads or read."""
        existing = self._existing()
        if not existing:
            return
        for path, what in reads:
            st = _stat(path)
            if st is not None and (st.st_dev, st.st_ino) in existing:
                flag, out = existing[(st.st_dev, st.st_ino)]
                raise UsageError(f"{flag} {out}: is {what} {_shown(path)}, which this run reads; writing the report "
                                 "there would replace it: choose another path")


    def refuse_identity(self, identity: tuple[int, int] | None, what: str) -> None:
        """Raise UsageError when an output is the file of (device, inode) ``identity`` (standard input's file)."""
        existing = self._existing()
        if identity is not None and identity in existing:
            flag, out = existing[identity]
            raise UsageError(f"{flag} {out}: is {what}, which this run reads; writing the report there would replace "
                             "it: choose another path")


def _tree(directory: str) -> Iterable[str]:
    """Every file below ``directory`` (only looked at, never opened); byte-code caches left out."""
    for root, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            yield os.path.join(root, name)


def _usable(flag: str, path: str) -> None:
    """Raise UsageError unless a report can be written at ``path``: what to fix, before any work is done."""
    st = _stat(path)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{flag} {path}: is a directory; name a file in it")
    if (st is not None and not stat.S_ISREG(st.st_mode)) or os.path.abspath(path).startswith(WRITE_THROUGH):
        return  # a device, a FIFO or a stream: written through, as it is
    directory = os.path.dirname(path) or "."  # not normalised: "missing/../r.json" needs missing/
    if not os.path.isdir(directory):
        probe = directory
        while probe and not os.path.exists(probe):
            parent = os.path.dirname(probe)
            if parent == probe:
                break
            probe = parent
        if probe and os.path.exists(probe) and not os.path.isdir(probe):
            raise UsageError(f"{flag} {path}: {probe} is not a directory but a file; choose a path in a directory")
        raise UsageError(f"{flag} {path}: directory {directory} does not exist; create it first")
    writable(flag, path, directory)


def writable(flag: str, shown: str, directory: str) -> None:
    """Raise UsageError unless a file can be created in ``directory`` (tried for real: modes, ACLs, read-only mounts)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".llmops-iac-probe-", dir=directory)
    except OSError as exc:
        raise UsageError(f"{flag} {shown}: cannot write in {directory} ({exc.strerror or exc}); "
                         "choose a writable directory") from None
    os.close(fd)
    os.unlink(probe)


def usable_cache(directory: str) -> None:
    """Raise UsageError unless ``--cache DIR`` can be created (with its parents) and written in."""
    try:
        os.makedirs(directory, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"--cache {directory}: a part of it is a file, not a directory; choose another cache "
                         "directory") from None
    except OSError as exc:
        raise UsageError(f"--cache {directory}: cannot create it ({exc.strerror or exc}); choose a writable "
                         "directory") from None
    writable("--cache", directory, directory)


def _stack_files(directories: list[str], override: str | None) -> list[str]:
    """The project's Pulumi.yaml and every stack file for specs in ``directories`` (any of them may be read).

    Looked up once per project (a thousand specs in a thousand directories share one Pulumi.yaml)."""
    from llmops_iac.spec.stacks import stacks_dir

    memo: dict[str, str | None] = {}
    projects = {p for p in (_nearest(d, "Pulumi.yaml", memo) for d in [*directories, os.getcwd()]) if p}
    out = [os.path.join(p, "Pulumi.yaml") for p in sorted(projects)]
    if override:
        stack_dirs = {override}
    else:
        stack_dirs = {str(stacks_dir(os.path.join(p, "Pulumi.yaml"))) for p in projects} or {"stacks"}
    for directory in sorted(stack_dirs):
        out.extend(glob.glob(os.path.join(glob.escape(directory), "Pulumi*.y*ml")))
    return out


def _nearest(directory: str, marker: str, memo: dict[str, str | None]) -> str | None:
    """The nearest directory at or above ``directory`` holding ``marker`` (a file or directory name), or None."""
    path = directory
    walked = []
    while path not in memo:
        walked.append(path)
        if os.path.exists(os.path.join(path, marker)):
            memo[path] = path
            break
        parent = os.path.dirname(path)
        if parent == path:
            memo[path] = None
            break
        path = parent
    found = memo[path]
    for step in walked:
        memo[step] = found
    return found


def spec_reads(loaded: Any) -> tuple[str, ...]:
    """The files a loaded spec makes the run read: the spec, its stack file, and every prompt and dataset file it
    names, in its base or in any environment's overrides (as absolute paths)."""
    out = [os.path.abspath(loaded.source_path)]
    if loaded.stack is not None and getattr(loaded.stack, "file", None):
        out.append(os.path.abspath(str(loaded.stack.file)))
    base = os.path.dirname(os.path.abspath(loaded.source_path))
    data = loaded.document.data if isinstance(loaded.document.data, dict) else {}
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    sections = [spec] + [e for e in (spec.get("environments") or {}).values() if isinstance(e, dict)]
    for section in sections:
        prompts = section.get("prompts") if isinstance(section.get("prompts"), dict) else {}
        evaluation = section.get("evaluation") if isinstance(section.get("evaluation"), dict) else {}
        datasets = evaluation.get("datasets") if isinstance(evaluation.get("datasets"), dict) else {}
        for entry in [*prompts.values(), *datasets.values()]:
            if isinstance(entry, dict) and isinstance(entry.get("file"), str) and entry["file"]:
                out.append(os.path.join(base, entry["file"]))
    return tuple(out)


def loaded_reads(*loaded: Any) -> list[tuple[str, str]]:
    """``spec_reads`` of each loaded spec (None skipped), for ``Outputs.refuse``."""
    return [(path, "a file a spec names") for one in loaded if one is not None for path in spec_reads(one)]


def evidence_reads(spec_paths: Iterable[str], repo: str | None) -> list[str]:
    """The repository files maturity reads for these specs (CI definitions, CODEOWNERS); ``repo`` as PolicyOptions."""
    if repo == "":
        return []
    from llmops_iac.maturity.codeowners import LOCATIONS
    from llmops_iac.maturity.repo import CI_FILES

    memo: dict[str, str | None] = {}
    from llmops_iac.spec.stdin import is_stdin

    roots = {repo} if repo else {_nearest(os.path.dirname(os.path.realpath(p)), ".git", memo) for p in spec_paths
                                 if not is_stdin(p)}  # a spec from standard input has no repository
    out: list[str] = []
    for root in sorted(r for r in roots if r):
        for pattern in [p for p, _ in CI_FILES] + list(LOCATIONS):
            out.extend(glob.glob(os.path.join(glob.escape(root), pattern)))
    return out


def run_reads(result: Any, repo: str | None = None) -> list[tuple[str, str]]:
    """What a pipeline run read, for ``Outputs.refuse``: every spec's files, and maturity's repository evidence."""
    reads = [(path, "a file a spec names") for f in result.files for path in getattr(f, "reads", ())]
    if "maturity" in result.stages:
        specs = [f.reads[0] for f in result.files if getattr(f, "reads", ())]
        if result.policy_options is not None:
            repo = result.policy_options.repo
        reads += [(path, "repository evidence maturity reads") for path in evidence_reads(specs, repo)]
    return reads
