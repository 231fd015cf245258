"""Checks of the CI/CD & Lifecycle Management dimension (MAT-CICD-*)."""

from __future__ import annotations

from llmops_iac.maturity.checks.ci_runs import _first, _gated, _not_triggered, _notes, production_stacks
from llmops_iac.maturity.checks.registry import FAIL, PASS, Result, _na, _no_repo, _verdict, check
from llmops_iac.maturity.checks.gate_bars import counting_gates, gate_problem
from llmops_iac.maturity.checks.shared import _gate_text, _gates, _names, _plural, gate_covers_model
from llmops_iac.maturity.catalogue import bars
from llmops_iac.maturity.datasets import dataset_problems
from llmops_iac.maturity.evidence_bars import RED_TEAM
from llmops_iac.maturity.ci_model import MANUAL, MERGE, PULL_REQUEST
from llmops_iac.maturity.evidence import PRODUCTION, Evidence, pointer

SAFETY_METRICS = ("toxicity", "pii-leakage", "refusal-rate")


@check("MAT-CICD-101")
def golden_datasets(ev: Evidence) -> Result:
    if not ev.datasets:
        return Result(FAIL, "no evaluation datasets declared", (ev.at("/spec/evaluation", "spec.evaluation.datasets is empty"),))
    problems, items = [], []
    for name, ds in ev.datasets.items():
        ptr = pointer("spec", "evaluation", "datasets", name, "file")
        if ds.problem:
            items.append(ev.at(ptr, f"{name}: {ds.display} {ds.problem}"))
        else:
            covers = f", attack categories {', '.join(ds.categories)}" if ds.categories else ""
            items.append(ev.at(ptr, f"{name}: {ds.display}, {_plural(ds.cases, 'well-formed case')} ({ds.task}){covers}",
                               cases=ds.cases, task=ds.task, malformedLines=[n for n, _ in ds.malformed],
                               categories=list(ds.categories)))
        problems += dataset_problems(ds, 1, bars())
    total = sum(d.cases for d in ev.datasets.values())
    return _verdict(problems, items, f"{_plural(len(ev.datasets), 'dataset')} with {_plural(total, 'well-formed case')}")


@check("MAT-CICD-102")
def gates_thresholded(ev: Evidence) -> Result:
    gates = _gates(ev)
    if not gates:
        return Result(FAIL, "no evaluation gates declared", (ev.at("/spec/evaluation", "spec.evaluation.gates is empty"),))
    items = [ev.at(pointer("spec", "evaluation", "gates", i), _gate_text(g)) for i, g in gates]
    problems = []
    for i, g in gates:
        why = gate_problem(ev, g)
        if why:
            problems.append(f"gate {i}: {why}")
    return _verdict(problems, items, f"{_plural(len(gates), 'gate')}, each with a threshold a weak model fails")


@check("MAT-CICD-201")
def ci_runs_check(ev: Evidence) -> Result:
    if ev.repo is None:
        return _no_repo("a CI pipeline running `llmops-iac check`")
    if ev.repo.spec_path is None:
        return Result(FAIL, f"the spec {ev.spec_display} is outside the repository {ev.repo.display}")
    return _gated(ev, (PULL_REQUEST, MERGE), "pull requests or merges")


@check("MAT-CICD-202")
def gates_required(ev: Evidence) -> Result:
    evaluation = ev.spec.get("evaluation") or {}
    required = list(evaluation.get("requiredFor") or [])
    gates = _gates(ev)
    item = ev.at("/spec/evaluation/requiredFor", f"gates required for {_names(required)}")
    prod = ev.production.name if ev.production.name is not None and ev.production.loaded.judged_tier == PRODUCTION else None
    wanted = [prod] if prod else []
    problems = []
    if not gates:
        problems.append("no evaluation gates declared, so nothing is required before production")
    for name in sorted({g["dataset"] for _, g in gates}):
        if name in ev.datasets:
            problems += dataset_problems(ev.datasets[name], 2, bars())
    if not prod:
        problems.append("no environment is production (declare spec.environments.<name>.tier: production)")
    elif prod not in required:
        problems.append(f"evaluation.requiredFor ({_names(required)}) does not name the production environment ({prod})")
    before = "/".join(sorted(set(wanted) & set(required)))
    return _verdict(problems, [item], f"{_plural(len(gates), 'gate')} must pass before {before}")


@check("MAT-CICD-203")
def everything_gated(ev: Evidence) -> Result:
    gates, ignored = counting_gates(ev, 2)
    problems, items = [], []
    for name in sorted(ev.models()):
        covering = [i for i, g in gates if gate_covers_model(ev, g, name)]
        if covering:
            items.append(ev.at(pointer("spec", "evaluation", "gates", covering[0]),
                               f"model {name}: {_plural(len(covering), 'gate')}"))
        else:
            problems.append(f"model {name} is not gated")
            items.append(ev.at(pointer("spec", "models", name), f"model {name}: no gate"))
    for name, prompt in ev.prompts.items():
        covering = [i for i, g in gates if g.get("target") is None or (g.get("target") or "").split("@")[0] == name
                    or (prompt.model and g.get("target") == prompt.model)
                    or any(g.get("target") == m for m in prompt.used_by)]
        if covering:
            items.append(ev.at(pointer("spec", "evaluation", "gates", covering[0]),
                               f"prompt {name}: {_plural(len(covering), 'gate')}"))
        else:
            problems.append(f"prompt {name} is not gated")
            items.append(ev.at(pointer("spec", "prompts", name), f"prompt {name}: no gate"))
    if problems and ignored:
        problems.insert(0, f"{_plural(len(ignored), 'gate')} do not count at level 2 ({ignored[0]})")
    return _verdict(problems, items, f"every model ({len(ev.models())}) and prompt ({len(ev.prompts)}) is gated "
                                     "by a gate that counts at level 2")


@check("MAT-CICD-301")
def pull_requests_gated(ev: Evidence) -> Result:
    if ev.repo is None:
        return _no_repo("a pull-request pipeline running `llmops-iac check`")
    if ev.repo.spec_path is None:
        return Result(FAIL, f"the spec {ev.spec_display} is outside the repository {ev.repo.display}")
    return _gated(ev, (PULL_REQUEST,), "pull requests")


@check("MAT-CICD-302")
def deploys_from_pipeline(ev: Evidence) -> Result:
    if ev.repo is None:
        return _no_repo("a pipeline running `pulumi up`")
    production = production_stacks(ev)
    if not production:
        return Result(FAIL, "no stack file deploys this spec's production environment (stacks/Pulumi.<stack>.yaml with "
                            "llmops-iac:spec naming it and llmops-iac:environment of tier production), so no pipeline "
                            "can be shown to deploy it")
    credited, rejected = [], []
    for ci in ev.repo.ci:
        for run in ci.of("deploy"):
            why = run.reason
            if not why and run.stacks is None:
                why = "the stack it deploys cannot be told from the file (no --stack/stack-name, or a variable)"
            if not why and not set(run.stacks or ()) & set(production):
                why = f"deploys {_names(run.stacks or ())}, not the production stack ({_names(production)})"
            triggers = [t for t in run.triggers if t.kind in (MERGE, MANUAL)]
            if not why and not triggers:
                why = _not_triggered(run, (MERGE, MANUAL), "merges to the default branch or a manual run")
            if why:
                rejected.append(ev.repo_item(ci.path, run.line, f"{ci.system} job {run.job}: {run.text}: {why}"))
            else:
                credited.append(ev.repo_item(ci.path, run.line, f"{ci.system} job {run.job} on {triggers[0].event} "
                                             f"(line {triggers[0].line}): {run.text}", stacks=list(run.stacks or ())))
    if credited:
        return Result(PASS, f"a pipeline deploys the production stack ({_names(production)}) on merge or by hand",
                      tuple(credited))
    return Result(FAIL, f"no pipeline job deploys the production stack ({_names(production)}) with `pulumi up` (or "
                        "pulumi/actions with command: up) on merges to the default branch or a manual run, in a step "
                        "that can fail" + _first(rejected), tuple(rejected + _notes(ev)))


@check("MAT-CICD-303")
def safety_gated(ev: Evidence) -> Result:
    facing = [m for m in sorted(ev.models()) if ev.user_facing(m)]
    if not facing:
        return _na("no user-facing models")
    gates, ignored = counting_gates(ev, 3, SAFETY_METRICS)
    ignored += [f"gate {i}: {g['metric']} on {g['dataset']}, which is not a red-team set" for i, g in gates
                if ev.datasets[g["dataset"]].task != RED_TEAM]
    gates = [(i, g) for i, g in gates if ev.datasets[g["dataset"]].task == RED_TEAM]
    problems, items = [], []
    for name in facing:
        covering = [(i, g) for i, g in gates if gate_covers_model(ev, g, name)]
        if covering:
            items += [ev.at(pointer("spec", "evaluation", "gates", i), f"{name}: {_gate_text(g)}") for i, g in covering[:2]]
        else:
            problems.append(f"user-facing model {name} has no {'/'.join(SAFETY_METRICS)} gate on a red-team set "
                            "that counts at level 3")
            items.append(ev.at(pointer("spec", "models", name), f"{name}: safety not gated"))
    if problems and ignored:
        problems.append("not counted: " + "; ".join(ignored[:2]) + (f"; and {len(ignored) - 2} more" if len(ignored) > 2 else ""))
    return _verdict(problems, items, f"every user-facing model ({_names(facing)}) is gated on safety by a red-team set")
