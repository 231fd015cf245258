"""Run the stages over spec files and collect their results (the CLI only renders these).

One result per spec file, or with the policy stage (check), one per environment a deploy of it can reach.
The stages over one file are in pipeline_stages.py; workers for many files in pipeline_parallel.py; finding
spec files in directories in discovery.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from llmops_iac.discovery import SPEC_SUFFIXES, _looks_like_spec, expand  # noqa: F401 - re-exported
from llmops_iac.errors import SpecError, UsageError
from llmops_iac.pipeline_stages import (  # noqa: F401 - re-exported: callers import them from here
    STAGES,
    FileResult,
    PolicyOptions,
    _assess,
    _check_file,
    _policy_judge,
    _repository_snapshot,
    selected_engine_name,
    stage_inputs,
    units,
)
from llmops_iac.spec.validate import display_path


@dataclass
class RunResult:
    """All files of one run, plus the stages that ran and what was skipped."""

    command: str
    stages: tuple[str, ...]
    files: list[FileResult]
    stack: str | None = None
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why special files were skipped (llmops_iac.file_kinds)
    policy_options: PolicyOptions | None = None
    engine: str | None = None
    catalogue: Any = None  # llmops_iac.policy.catalog.Catalogue when the policy stage ran
    comparison: Any = None  # llmops_iac.review.compare.Comparison: `check --base REV` (the Markdown report leads with it)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    @property
    def findings_fail(self) -> bool:
        """Whether any unwaived policy finding is at or above the fail level."""
        level = self.policy_options.fail_level if self.policy_options else "error"
        return any(f.policy is not None and f.policy.fails_at(level) for f in self.files)

    @property
    def error_count(self) -> int:
        return sum(len(f.errors) for f in self.files)

    @property
    def warning_count(self) -> int:
        return sum(len(f.diagnostics) - len(f.errors) for f in self.files)


PARALLEL_FROM = 16
"""Fewer spec files than this are checked in-process: forking workers costs more than it saves."""


def run(command: str, paths: Iterable[str], *, stack: str | None = None, stacks_dir: str | None = None,
        policy: PolicyOptions | None = None, jobs: int = 1, progress: Callable[[int], None] | None = None,
        cache: str | None = None) -> RunResult:
    """Run the stages of ``command`` over ``paths``; never raise for a bad spec (it is a result).

    ``jobs`` > 1 splits the files across that many worker processes (results keep the input
    order, identical to ``jobs=1``); ``progress(n)`` is called as each n files finish;
    ``cache`` is a directory of results keyed by content (see llmops_iac.pipeline_cache).
    Raises EngineError (exit 3) when the policy engine cannot give a verdict, and
    InternalError (exit 3) when a worker process dies: a file is never dropped.
    """
    stages = {"validate": ("load", "validate", "compile"), "plan": ("load", "validate", "compile"),
              "maturity": ("load", "validate", "compile", "maturity")}.get(command, STAGES)
    paths = list(paths)
    notes: list[str] = []
    files, skipped = expand(paths, notes, stacks_dir) if command in ("check", "policy") else (paths, [])
    stacks = assign_stack(files, stack, stacks_dir, single=len(files) == 1 and not any(os.path.isdir(p) for p in paths))
    options = policy or PolicyOptions()
    store = None
    if cache is not None:
        from llmops_iac.pipeline_cache import Cache

        store = Cache(cache, command=command, stack=stack, stacks_dir=stacks_dir, options=options)
    with _repository_snapshot(stages):
        if jobs > 1 and len(files) >= PARALLEL_FROM:
            from llmops_iac.pipeline_parallel import run_parallel

            results, engine_name, catalogue = run_parallel(files, stages, stacks, stacks_dir, options, jobs, progress, store)
        else:
            results, engine_name, catalogue = _run_serial(files, stages, stacks, stacks_dir, options, progress, store,
                                                          validity_only=command == "validate")
    if catalogue is not None:
        notes.extend(catalogue.skipped)
    return RunResult(command=command, stages=stages, files=results, stack=stack, skipped=skipped, notes=notes,
                     policy_options=options if "policy" in stages else None, engine=engine_name, catalogue=catalogue)


def assign_stack(files: list[str], stack: str | None, stacks_dir: str | None, *, single: bool) -> dict[str, str | None]:
    """Which files ``--stack`` applies to: only the spec that stack deploys (its ``llmops-iac:spec``).

    The others are judged without it (every environment). One spec file given alone may be paired with a
    stack that names no spec (the pairing is explicit); otherwise a stack that names none, deploys none of
    ``files``, or can't be read is a usage error: a stack's region is never forced onto unrelated specs.
    """
    if stack is None:
        return {f: None for f in files}
    from llmops_iac.spec.stacks import deploys, load_stack, stacks_dir as find_stacks_dir

    out: dict[str, str | None] = {}
    named: set[str] = set()
    for path in files:
        try:
            st = load_stack(stack, find_stacks_dir(path, stacks_dir))
        except SpecError as exc:
            if single:  # the loader reports it at the stack file's line
                out[path] = stack
                continue
            raise UsageError(f"--stack {stack}: it can't be told which spec the stack deploys:\n  " + "\n  ".join(
                f"{d.location()}: {d.message}" + (f"; fix: {d.hint}" if d.hint else "") for d in exc.diagnostics)) from None
        if not st.spec:
            if single:
                out[path] = stack
                continue
            raise UsageError(f"--stack {stack}: {display_path(st.file)} names no spec (llmops-iac:spec), so it can't be told "
                             f"which of the {len(files)} specs it deploys; check that spec alone, or add llmops-iac:spec")
        named.add(st.spec)
        out[path] = stack if deploys(st, path) else None
    if not any(out.values()):
        which = ", ".join(sorted(named))
        given = display_path(files[0]) if len(files) == 1 else f"the {len(files)} specs checked"
        raise UsageError(f"--stack {stack} deploys {which}, not {given}: a stack applies only to the spec it deploys "
                         "(drop --stack to judge every environment of every spec)")
    return out


def _run_serial(files: list[str], stages: tuple[str, ...], stacks: dict[str, str | None], stacks_dir: str | None,
                options: PolicyOptions, progress: Callable[[int], None] | None,
                store: Any, validity_only: bool = False) -> tuple[list[FileResult], str | None, Any]:
    judge = _policy_judge(options) if "policy" in stages else None
    engine_name, catalogue = getattr(judge, "engine_name", None), getattr(judge, "catalogue", None)
    if store is not None and catalogue is not None:
        store.bind_catalogue(catalogue)
    results = []
    for path in files:
        results.extend(_check_file(path, stages, stacks.get(path), stacks_dir, options, judge, store, validity_only))
        if progress is not None:
            progress(1)
    return results, engine_name, catalogue


