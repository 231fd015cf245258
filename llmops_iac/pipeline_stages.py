"""The stages over one spec file: load and validate it, then compile, cost, assess and judge it — once, or once
per environment a deploy can reach (``units``). pipeline.py runs these over many files, in this process or in
workers (pipeline_parallel.py); both import this module, which imports neither.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from typing import Any

from llmops_iac.errors import Diagnostic, SpecError
from llmops_iac.spec.validate import LoadedSpec, display_path, load_spec

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
    eval_results: tuple[str, ...] = ()  # --eval-results files: gates judged (check) and evaluation practice (maturity)


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
    monthly: dict[str, float] | None = None  # the estimate's monthly total (minimum/expected/maximum); outlives compact()
    budget: float | None = None  # the declared budgets.monthlyUsd of this environment, if any

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


def _repository_snapshot(stages: tuple[str, ...]) -> Any:
    """One read of each repository's CI files and CODEOWNERS for the whole run (maturity evidence)."""
    if "maturity" not in stages:
        return contextlib.nullcontext()
    from llmops_iac.maturity.repo import repository_snapshot

    return repository_snapshot()


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
            first.diagnostics.extend(_environment_compile_errors(path, loaded, stacks_dir, first.diagnostics))
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
        result.monthly = {p: float(v) for p, v in result.cost.total.items()}
        result.budget = float(result.cost.budget["monthlyUsd"]) if result.cost.budget else None
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


def _environment_compile_errors(path: str, loaded: LoadedSpec, stacks_dir: str | None,
                                known: list[Diagnostic]) -> list[Diagnostic]:
    """What `check` would refuse in each environment a deploy can reach (``units``: every stack that deploys the
    spec, with its region, and every declared environment no stack covers), when no stack chose one: stack files
    that fail to load but may deploy the spec, an environment's overrides in a stack's region, what the compiler
    refuses. Those not already in ``known``; `validate` and `check` agree on what is valid."""
    import dataclasses

    from llmops_iac.compile import compile_spec

    if loaded.environment is not None:
        return []
    seen = {(d.file, d.line, d.col, d.code) for d in known}
    out: list[Diagnostic] = []
    for name, unit_stack, problems in units(path, loaded, stacks_dir):
        found = list(problems)  # a stack file that fails to load: its messages name the stack already
        if name is not None:
            where = f"in environment {name!r}" + (f", stack {unit_stack.name!r}" if unit_stack is not None else "")
            try:
                compile_spec(loaded.view(name, unit_stack))
            except SpecError as exc:
                found += [dataclasses.replace(d, message=f"{d.message} ({where})") for d in exc.diagnostics]
        for d in found:
            if (d.file, d.line, d.col, d.code) not in seen:
                seen.add((d.file, d.line, d.col, d.code))
                out.append(d)
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
    """``{maturity, cost}`` for the policy input, as `check` computes them (for tests and the policy pack); with
    ``options.eval_results``, ``evaluation`` too (`check --eval-results`)."""
    options = options or PolicyOptions()
    out = {"maturity": _assess(loaded, plan, options).policy_input(), "cost": _estimate(loaded, plan).policy_input()}
    if options.eval_results:
        from llmops_iac.evaluation.policy_input import build
        from llmops_iac.evaluation.results_file import load_all

        out["evaluation"] = build(loaded, plan, load_all(options.eval_results))
    return out


def _assess(loaded: LoadedSpec, plan: Any, options: PolicyOptions):
    """The maturity assessment, with evidence from ``options.repo`` (default: the spec's git repository)."""
    from llmops_iac.maturity.assess import assess
    from llmops_iac.maturity.repo import repo_root

    repo = repo_root(loaded.source_path) if options.repo is None else (options.repo or None)
    if options.eval_results:
        from llmops_iac.evaluation.results_file import load_all

        return assess(loaded, plan, repo=repo, today=options.today, eval_results=load_all(options.eval_results))
    return assess(loaded, plan, repo=repo, today=options.today)


def _policy_judge(options: PolicyOptions, catalogue: Any = None):
    """Load the catalogue (unless given) and the engine once; return judge(loaded, plan) -> PolicyResult."""
    from llmops_iac.policy import catalog, engine, evaluate, profiles

    cat = catalogue
    if cat is None:
        cat = catalog.load(list(options.policy_dirs))
        profiles.load_all(cat)  # a broken profile fails before any spec is judged
    eng = engine.create(options.engine, opa_url=options.opa_url)
    engine.load_policies(eng, cat)  # a --policy-dir module that does not compile is exit 2, a built-in one exit 3

    results = None
    if options.eval_results:  # read and checked once per run (the CLI already refused bad ones, exit 2)
        from llmops_iac.evaluation.results_file import load_all

        results = load_all(options.eval_results)

    def judge(loaded: LoadedSpec, plan: Any, maturity: Any = None, cost: Any = None):
        stack = loaded.stack.name if loaded.stack is not None else None
        evaluation = None
        if results is not None:
            from llmops_iac.evaluation.policy_input import build

            evaluation = build(loaded, plan, results)
        return evaluate.judge(eng, cat, loaded, plan, stack=stack, today=options.today, profile_name=options.profile,
                              maturity=maturity, cost=cost, evaluation=evaluation)

    judge.engine_name = eng.name  # type: ignore[attr-defined]
    judge.catalogue = cat  # type: ignore[attr-defined]
    return judge
