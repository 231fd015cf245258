"""Run the stages over spec files and collect one result per file (the CLI only renders these)."""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from llmops_iac.errors import Diagnostic, SpecError, UsageError
from llmops_iac.spec.validate import LoadedSpec, display_path, load_spec

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
_SPEC_MARK = re.compile(rb"(?m)^\s*[\"']?(?:kind[\"']?\s*:\s*[\"']?LLMApplication|apiVersion[\"']?\s*:\s*[\"']?llmops-iac/)")
_SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".pulumi", "stacks"}

STAGES = ("load", "validate", "compile", "cost", "maturity", "policy")
"""The stages `check` runs, in order; the policy stage judges the maturity assessment too (llmops.maturity)."""


@dataclass(frozen=True)
class PolicyOptions:
    """How the policy stage runs: extra policy directories, engine, server, profile, failure threshold."""

    policy_dirs: tuple[str, ...] = ()
    engine: str | None = None
    opa_url: str | None = None
    profile: str | None = None
    fail_level: str = "error"
    today: Any = None  # datetime.date; None = today
    repo: str | None = None  # maturity evidence: None = the spec's git repository; "" = none


@dataclass
class FileResult:
    """What the stages found for one spec file."""

    path: str
    environment: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    loaded: LoadedSpec | None = None
    plan: Any = None  # llmops_iac.compile.plan.Plan once compiled
    policy: Any = None  # llmops_iac.policy.evaluate.PolicyResult once judged
    maturity: Any = None  # llmops_iac.maturity.assess.Assessment once assessed
    cost: Any = None  # llmops_iac.cost.estimate.Estimate once estimated
    timings: dict[str, float] = field(default_factory=dict, compare=False, repr=False)  # seconds per stage
    sha256: str | None = None  # of the spec file's bytes, once read
    stack: str | None = None  # the stack this result was judged as deployed by, if any
    tier: str | None = None  # the tier the environment was judged as (unknown: production)
    reads: tuple[str, ...] = ()  # the files this spec made the run read (llmops_iac.output_paths.spec_reads)

    @property
    def label(self) -> str:
        """How reports name this result: ``file [environment]``, with the stack when it is not the environment's name."""
        if not self.environment:
            return self.path
        stack = f", stack {self.stack}" if self.stack and self.stack != self.environment else ""
        return f"{self.path} [{self.environment}{stack}]"

    def compact(self) -> "FileResult":
        """Drop what only the stages needed (loaded data, Plan, assessment, estimate); keep what reports show.

        A run of `check` over a thousand specs keeps one of these per file until it renders the
        report: ~10 kB each instead of ~0.5 MB.
        """
        self.loaded = self.plan = self.maturity = self.cost = None
        return self

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


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
    files, skipped = expand(paths, notes) if command in ("check", "policy") else (paths, [])
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


def _repository_snapshot(stages: tuple[str, ...]) -> Any:
    """One read of each repository's CI files and CODEOWNERS for the whole run (maturity evidence)."""
    if "maturity" not in stages:
        return contextlib.nullcontext()
    from llmops_iac.maturity.repo import repository_snapshot

    return repository_snapshot()


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


def _check_file(path: str, stages: tuple[str, ...], stack: str | None, stacks_dir: str | None,
                options: PolicyOptions, judge: Any, store: Any = None, validity_only: bool = False) -> list[FileResult]:
    """Run ``stages`` over one spec file: one result, or with the policy stage and no stack, one per
    environment a deploy can reach (see ``units``); per-stage seconds go to each result's ``timings``.

    ``validity_only`` (`validate`): every declared environment is compiled too, as load_spec checks each one's
    overrides, since a spec the compiler refuses (two sections' names colliding) is not valid; no Plan is kept.
    """
    if store is not None:
        hit = store.get(path)
        if hit is not None:
            return hit
    first = FileResult(path=display_path(path))
    times = first.timings
    started = time.perf_counter()
    try:
        loaded = load_spec(path, stack=stack, stacks_directory=stacks_dir, timings=times)
    except SpecError as exc:
        first.diagnostics.extend(exc.diagnostics)
        first.reads = (os.path.abspath(path),)
        loaded = None
    times["validate"] = time.perf_counter() - started - times.get("load", 0.0)
    if loaded is None:
        results = [first]
    elif "policy" in stages and stack is None:
        from llmops_iac.output_paths import spec_reads

        results = _every_environment(path, first, loaded, spec_reads(loaded), stages, stacks_dir, options, judge)
    else:
        from llmops_iac.output_paths import spec_reads

        first.reads = spec_reads(loaded)
        _stages(first, loaded, stages, options, judge)
        if validity_only:
            first.diagnostics.extend(_environment_compile_errors(loaded, first.diagnostics))
            first.plan = None
        results = [first]
    if "policy" in stages:  # check / policy check: the report is all that is left to make
        for result in results:
            result.compact()
    if store is not None:
        store.put(path, results, loaded)
    return results


def units(path: str, loaded: LoadedSpec, stacks_dir: str | None) -> list[tuple[str | None, Any, list[Diagnostic]]]:
    """The environments a deploy of this spec can reach, each judged as a deploy would see it: every
    stack that deploys the spec (its environment and region), then every declared environment no stack
    covers; the base spec alone when there are neither. Stack files that fail to load but may deploy
    this spec come back as diagnostics of the first unit."""
    from llmops_iac.spec.stacks import deploying

    stacks, problems = deploying(path, stacks_dir)
    out: list[tuple[str | None, Any, list[Diagnostic]]] = [(s.environment, s, []) for s in stacks]
    covered = {s.environment for s in stacks}
    out += [(name, None, []) for name in loaded.declared_environments if name not in covered]
    if not out:
        out = [(None, None, [])]
    out[0][2].extend(problems)
    return out


def _every_environment(path: str, first: FileResult, loaded: LoadedSpec, reads: tuple[str, ...], stages: tuple[str, ...],
                       stacks_dir: str | None, options: PolicyOptions, judge: Any) -> list[FileResult]:
    """One result per environment a deploy can reach (``units``), each compiled, costed and judged as that deploy
    would be. The maturity assessment is the application's, not an environment's: it is made once, on the first
    environment judged as production (else the first one), and every environment's policy input carries it."""
    results: list[FileResult] = []
    views: list[LoadedSpec | None] = []
    for environment, unit_stack, problems in units(path, loaded, stacks_dir):
        result = first if not results else FileResult(path=first.path)
        result.reads = reads
        result.diagnostics.extend(problems)
        result.environment, result.stack = environment, unit_stack.name if unit_stack is not None else None
        view: LoadedSpec | None = loaded
        if environment is not None:
            clock = time.perf_counter()
            try:
                view = loaded.view(environment, unit_stack)
            except SpecError as exc:
                result.diagnostics.extend(exc.diagnostics)
                result.sha256 = loaded.sha256
                view = None
            result.timings["validate"] = result.timings.get("validate", 0.0) + time.perf_counter() - clock
        if view is not None:
            _stages(result, view, stages, options, None, maturity=False)
        results.append(result)
        views.append(view)
    assessed = [(r, v) for r, v in zip(results, views) if v is not None and r.plan is not None]
    if "maturity" in stages and assessed:
        result, view = next(((r, v) for r, v in assessed if v.judged_tier == "production"), assessed[0])
        clock = time.perf_counter()
        assessment = _assess(view, result.plan, options)
        result.timings["maturity"] = time.perf_counter() - clock
        for r, _ in assessed:
            r.maturity = assessment
    for result, view in assessed:
        _judge(result, view, judge)
    return results


def _stages(result: FileResult, loaded: LoadedSpec, stages: tuple[str, ...], options: PolicyOptions, judge: Any,
            maturity: bool = True) -> None:
    """Compile, cost, assess (unless ``maturity`` is False: the caller assesses) and judge ``loaded`` (one
    environment's view) into ``result``."""
    times = result.timings
    result.loaded = loaded
    result.sha256 = loaded.sha256
    result.environment = loaded.environment
    result.stack = loaded.stack.name if loaded.stack is not None else result.stack
    result.tier = loaded.judged_tier
    result.diagnostics.extend(loaded.warnings)
    if "compile" in stages:
        from llmops_iac.compile import compile_spec

        clock = time.perf_counter()
        try:
            result.plan = compile_spec(loaded)
        except SpecError as exc:
            result.diagnostics.extend(exc.diagnostics)
        times["compile"] = time.perf_counter() - clock
    if "cost" in stages and result.plan is not None:
        clock = time.perf_counter()
        result.cost = _estimate(loaded, result.plan)
        times["cost"] = time.perf_counter() - clock
    if maturity and "maturity" in stages and result.plan is not None:
        clock = time.perf_counter()
        result.maturity = _assess(loaded, result.plan, options)
        times["maturity"] = time.perf_counter() - clock
    _judge(result, loaded, judge)


def _judge(result: FileResult, loaded: LoadedSpec, judge: Any) -> None:
    """The policy verdict on ``result``'s Plan, with its maturity assessment and cost estimate."""
    if judge is not None and result.plan is not None:
        clock = time.perf_counter()
        result.policy = judge(loaded, result.plan,
                              maturity=result.maturity.policy_input() if result.maturity is not None else None,
                              cost=result.cost.policy_input() if result.cost is not None else None)
        result.timings["policy"] = time.perf_counter() - clock


def _environment_compile_errors(loaded: LoadedSpec, known: list[Diagnostic]) -> list[Diagnostic]:
    """What the compiler refuses in each declared environment (when no stack chose one), not already in ``known``."""
    import dataclasses

    from llmops_iac.compile import compile_spec

    if loaded.environment is not None:
        return []
    seen = {(d.file, d.line, d.col, d.code) for d in known}
    out: list[Diagnostic] = []
    for name in loaded.declared_environments:
        try:
            compile_spec(loaded.view(name))
        except SpecError as exc:
            for d in exc.diagnostics:
                if (d.file, d.line, d.col, d.code) not in seen:
                    seen.add((d.file, d.line, d.col, d.code))
                    out.append(dataclasses.replace(d, message=f"{d.message} (in environment {name!r})"))
    return out


def selected_engine_name(options: PolicyOptions) -> str:
    """The name of the engine ``options`` select (for a report whose files were all judged elsewhere)."""
    from llmops_iac.policy import engine

    return engine.create(options.engine, opa_url=options.opa_url).name


def _estimate(loaded: LoadedSpec, plan: Any):
    """The monthly cost estimate (offline price table) with its GPU-fit results."""
    from llmops_iac.cost.estimate import estimate

    return estimate(plan, loaded)




def stage_inputs(loaded: LoadedSpec, plan: Any, options: PolicyOptions | None = None) -> dict[str, Any]:
    """``{maturity, cost}`` for the policy input, as `check` computes them (for tests and the policy pack)."""
    options = options or PolicyOptions()
    return {"maturity": _assess(loaded, plan, options).policy_input(), "cost": _estimate(loaded, plan).policy_input()}


def _assess(loaded: LoadedSpec, plan: Any, options: PolicyOptions):
    """The maturity assessment, with evidence from ``options.repo`` (default: the spec's git repository)."""
    from llmops_iac.maturity.assess import assess
    from llmops_iac.maturity.repo import repo_root

    repo = repo_root(loaded.source_path) if options.repo is None else (options.repo or None)
    return assess(loaded, plan, repo=repo, today=options.today)


def _policy_judge(options: PolicyOptions, catalogue: Any = None):
    """Load the catalogue (unless given) and the engine once; return judge(loaded, plan) -> PolicyResult."""
    from llmops_iac.policy import catalog, engine, evaluate, profiles

    cat = catalogue
    if cat is None:
        cat = catalog.load(list(options.policy_dirs))
        profiles.load_all(cat)  # a broken profile fails before any spec is judged
    eng = engine.create(options.engine, opa_url=options.opa_url)
    eng.load(cat.modules, {})

    def judge(loaded: LoadedSpec, plan: Any, maturity: Any = None, cost: Any = None):
        stack = loaded.stack.name if loaded.stack is not None else None
        return evaluate.judge(eng, cat, loaded, plan, stack=stack, today=options.today, profile_name=options.profile,
                              maturity=maturity, cost=cost)

    judge.engine_name = eng.name  # type: ignore[attr-defined]
    judge.catalogue = cat  # type: ignore[attr-defined]
    return judge
