"""One check per automatic criterion of catalogue.yaml: Evidence → pass, fail or not-applicable.

Each check returns a ``Result`` with the reason in one sentence and the
evidence items that earned or blocked it. Checks never pass for lack of
evidence: a criterion that needs the repository fails without ``--repo`` and
says so. ``tests/maturity`` asserts that every automatic criterion has exactly
one check here and that manual criteria have none.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from llmops_iac.compile import tokens as T
from llmops_iac.compile.plan import refs_in
from llmops_iac.maturity.evidence import PRODUCTION, Evidence, Item, View, declared_tier, pointer

PASS, FAIL, NOT_APPLICABLE, MANUAL = "pass", "fail", "not-applicable", "manual"
OUTCOMES = (PASS, FAIL, NOT_APPLICABLE, MANUAL)
SAFETY_METRICS = ("toxicity", "pii-leakage", "refusal-rate")
RETRIEVAL_METRICS = ("context-precision", "context-recall")
FILTER_CATEGORIES = ("hate", "insults", "sexual", "violence", "misconduct")


@dataclass(frozen=True)
class Result:
    """What a check found: the outcome, why, and the evidence behind it."""

    outcome: str
    reason: str
    evidence: tuple[Item, ...] = ()


CHECKS: dict[str, Callable[[Evidence], Result]] = {}


def check(criterion_id: str) -> Callable[[Callable[[Evidence], Result]], Callable[[Evidence], Result]]:
    """Register the check of ``criterion_id``."""

    def register(func: Callable[[Evidence], Result]) -> Callable[[Evidence], Result]:
        if criterion_id in CHECKS:
            raise ValueError(f"two checks for {criterion_id}")
        CHECKS[criterion_id] = func
        return func

    return register


def _verdict(problems: list[str], items: list[Item], ok: str) -> Result:
    if problems:
        shown = "; ".join(problems[:4]) + (f"; and {len(problems) - 4} more" if len(problems) > 4 else "")
        return Result(FAIL, shown, tuple(items))
    return Result(PASS, ok, tuple(items))


def _na(reason: str) -> Result:
    return Result(NOT_APPLICABLE, reason)


def _no_repo(what: str) -> Result:
    return Result(FAIL, f"no repository evidence: run with --repo PATH to show {what}")


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else f"{n} {word}s"


def _names(names: Any) -> str:
    names = list(names)
    return ", ".join(names) if names else "none"


def _production_label(view: View) -> str:
    if view.name is not None and view.loaded.judged_tier == PRODUCTION:
        return f"production ({view.name})"
    return "the base spec (no production environment declared)"


def _models_by_provider(ev: Evidence, provider: str, view: View | None = None) -> dict[str, dict[str, Any]]:
    return {m: spec for m, spec in sorted(ev.models(view).items()) if spec.get("provider") == provider}


def _gates(ev: Evidence) -> list[tuple[int, dict[str, Any]]]:
    return list(enumerate((ev.spec.get("evaluation") or {}).get("gates") or []))


def _gate_text(gate: dict[str, Any]) -> str:
    bounds = " and ".join(f"{key} {gate[key]}" for key in ("min", "max") if key in gate)
    return f"{gate['metric']} {bounds or '(no threshold)'} on {gate['dataset']} for {gate.get('target') or 'every model'}"


def gate_covers_model(ev: Evidence, gate: dict[str, Any], model: str) -> bool:
    """Whether ``gate`` evaluates ``model``: by name, through one of its prompts, or untargeted."""
    target = gate.get("target")
    if target is None or target == model:
        return True
    if "@" in target:
        prompt_id = target.split("@")[0]
        prompt = (ev.spec.get("prompts") or {}).get(prompt_id) or {}
        system = (ev.models().get(model, {}).get("systemPrompt") or "").split("@")[0]
        return prompt.get("model") == model or system == prompt_id
    return False


def _alarms(ev: Evidence) -> list[Any]:
    return ev.resources(T.METRIC_ALARM)


def _notify(spec_section: dict[str, Any]) -> list[str]:
    notify = spec_section.get("notify") or {}
    return list(notify.get("emails") or []) + list(notify.get("snsTopicArns") or [])


# -- Infrastructure & Deployment Strategy --------------------------------------------------------


@check("MAT-INF-101")
def infrastructure_as_code(ev: Evidence) -> Result:
    resources = list(ev.plan.resources.values())
    if not resources:
        return Result(FAIL, "the spec compiles to an empty Plan")
    tagged = [r for r in resources if isinstance(r.inputs.get("tags"), dict)]
    untraced = sorted(r.name for r in tagged if not (
        r.inputs["tags"].get("managedBy") == "llmops-iac" and r.inputs["tags"].get("specHash") == ev.plan.spec_hash
        and r.inputs["tags"].get("app") and r.inputs["tags"].get("environment")))
    item = ev.at("/metadata/name", f"Plan of {_plural(len(resources), 'resource')} compiled from this spec, "
                 f"{len(tagged)} of them tagged", resources=len(resources), tagged=len(tagged), specHash=ev.plan.spec_hash)
    problems = [f"resources without the standard tags: {_names(untraced)}"] if untraced else []
    return _verdict(problems, [item], f"{_plural(len(resources), 'resource')} compiled from the spec; every taggable one "
                    f"carries managedBy=llmops-iac and specHash {ev.plan.spec_hash}")


@check("MAT-INF-102")
def versions_pinned(ev: Evidence) -> Result:
    problems, items = [], []
    for name, model in sorted(ev.models().items()):
        base = pointer("spec", "models", name)
        if model.get("provider") == "bedrock":
            items.append(ev.at(f"{base}/modelId", f"{name}: {model['modelId']} (version in the ID)"))
            continue
        pin = "revision" if model.get("revision") else "modelDataUrl" if model.get("modelDataUrl") else None
        if pin is None:
            problems.append(f"SageMaker model {name} pins no weights (revision or modelDataUrl)")
            items.append(ev.at(f"{base}/modelId", f"{name}: {model['modelId']} at no pinned revision"))
        else:
            items.append(ev.at(f"{base}/{pin}", f"{name}: weights pinned by {pin} {model[pin]}"))
        for i, variant in enumerate(model.get("variants") or []):
            if variant.get("modelId") and variant["modelId"] != model["modelId"] and not (
                    variant.get("revision") or variant.get("modelDataUrl")):
                problems.append(f"variant {variant['name']} of {name} serves {variant['modelId']} at no pinned revision")
                items.append(ev.at(f"{base}/variants/{i}/modelId", f"{name}/{variant['name']}: unpinned {variant['modelId']}"))
        for res in ev.resources(T.SM_MODEL):
            if res.source.startswith(base + "/") or res.source == base:
                image = res.meta.get("image") or {}
                if image.get("version"):
                    items.append(ev.item(res, f"{name}: serving image {image.get('framework')} {image['version']}",
                                         image=image.get("uri")))
                else:
                    problems.append(f"model {res.name} has no pinned container version")
    for name, emb in sorted((ev.spec.get("embeddings") or {}).items()):
        if emb.get("provider") == "sagemaker" and not emb.get("revision"):
            problems.append(f"SageMaker embedding model {name} pins no revision")
            items.append(ev.at(pointer("spec", "embeddings", name, "modelId"), f"embedding {name}: unpinned {emb['modelId']}"))
    return _verdict(problems, items, f"every model's version is pinned ({_names(sorted(ev.models()))})")


@check("MAT-INF-103")
def retrieval_managed(ev: Evidence) -> Result:
    kbs = ev.spec.get("knowledgeBases") or {}
    if not kbs:
        return _na("no knowledge bases")
    problems, items = [], []
    for name, kb in sorted(kbs.items()):
        base = pointer("spec", "knowledgeBases", name)
        ds = kb.get("dataSource") or {}
        if ds.get("inclusionPrefixes"):
            items.append(ev.at(f"{base}/dataSource/inclusionPrefixes",
                               f"{name} ingests only {', '.join(ds['inclusionPrefixes'])} of bucket {ds.get('bucket', '(created)')}"))
        elif "bucket" not in ds:
            items.append(ev.at(f"{base}/dataSource", f"{name} ingests a dedicated bucket created for it"))
        else:
            problems.append(f"knowledge base {name} ingests the whole of bucket {ds['bucket']}")
            items.append(ev.at(f"{base}/dataSource/bucket", f"{name} ingests all of {ds['bucket']}"))
        store_name = kb["vectorStore"]
        store = (ev.spec.get("vectorStores") or {}).get(store_name) or {}
        enc = store.get("encryption", "customer-managed")
        items.append(ev.at(pointer("spec", "vectorStores", store_name, "encryption"), f"vector store {store_name}: {enc} key"))
        if enc != "customer-managed":
            problems.append(f"vector store {store_name} of {name} is not encrypted with the application's key")
        source = ev.resource(f"kb-{name}-source")
        if source is not None:
            items.append(ev.item(source, f"{name}: Bedrock data source"))
    return _verdict(problems, items, f"{_plural(len(kbs), 'knowledge base')} on encrypted stores with scoped ingestion")


@check("MAT-INF-201")
def safe_rollout(ev: Evidence) -> Result:
    models = _models_by_provider(ev, "sagemaker")
    if not models:
        return _na("no SageMaker models (Bedrock models are managed by AWS)")
    problems, items = [], []
    for name in models:
        res = ev.resource(f"endpoint-{name}")
        if res is None:
            problems.append(f"no endpoint for {name} in the Plan")
            continue
        strategy, alarms = res.meta.get("strategy"), list(res.meta.get("rollbackAlarms") or [])
        items.append(ev.item(res, f"{name}: {strategy} rollout, rollback on {_names(alarms)}", strategy=strategy,
                             rollbackAlarms=alarms))
        if strategy not in ("canary", "blue-green"):
            problems.append(f"{name} deploys {strategy} (no traffic shifting)")
        if not alarms:
            problems.append(f"{name} has no rollback alarms")
    return _verdict(problems, items, f"every endpoint shifts traffic gradually with automatic rollback ({_names(models)})")


@check("MAT-INF-202")
def environments_separated(ev: Evidence) -> Result:
    envs = sorted(ev.environments)
    if not envs:
        return Result(FAIL, "no environments declared in spec.environments",
                      (ev.at("/spec", "spec.environments is empty: one configuration serves every stage"),))
    items = [ev.at(pointer("spec", "environments", e), f"environment {e}") for e in envs]
    if ev.repo is not None:
        items += [ev.repo_item(s, 0, f"stack file {s}") for s in ev.repo.stacks]
    prod = [e for e in envs if declared_tier(ev.environments, e) == PRODUCTION]
    problems = []
    if not prod:
        problems.append(f"no environment declares tier production among {_names(envs)}")
    if not [e for e in envs if declared_tier(ev.environments, e) in ("staging", "development")]:
        problems.append("no environment declares tier staging or development to try changes in first")
    return _verdict(problems, items, f"environments {_names(envs)}; production is {prod[0] if prod else '-'}")


@check("MAT-INF-203")
def models_alarmed(ev: Evidence) -> Result:
    by_model: dict[str, list[Any]] = defaultdict(list)
    for alarm in _alarms(ev):
        if alarm.meta.get("target"):
            by_model[alarm.meta["target"]].append(alarm)
    problems, items = [], []
    for name in sorted(ev.models()):
        alarms = by_model.get(name, [])
        if alarms:
            kinds = sorted({a.meta.get("metric") or a.meta.get("builtin") for a in alarms})
            items.append(ev.item(alarms[0], f"{name}: {_plural(len(alarms), 'alarm')} ({', '.join(kinds)})"))
        else:
            problems.append(f"model {name} has no alarm")
    receivers = _notify(ev.spec.get("monitoring") or {})
    items.append(ev.at("/spec/monitoring/notify", f"alarm notifications to {_names(receivers)}"))
    if not receivers:
        problems.append("alarms notify nobody (monitoring.notify is empty)")
    return _verdict(problems, items, f"every model has an alarm; notifications go to {_plural(len(receivers), 'receiver')}")


@check("MAT-INF-204")
def knowledge_refresh(ev: Evidence) -> Result:
    view = ev.production
    kbs = view.spec.get("knowledgeBases") or {}
    if not kbs:
        return _na("no knowledge bases")
    problems, items = [], []
    for name, kb in sorted(kbs.items()):
        schedule = (kb.get("dataSource") or {}).get("refreshSchedule", "manual")
        items.append(ev.at(pointer("spec", "knowledgeBases", name, "dataSource", "refreshSchedule"),
                           f"{name} refreshes {schedule} in {_production_label(view)}", view=view))
        if schedule == "manual":
            problems.append(f"knowledge base {name} is refreshed by hand in {_production_label(view)}")
        res = ev.resource(f"kb-{name}-ingestion-schedule")
        if res is not None:
            items.append(ev.item(res, f"{name}: ingestion schedule {res.inputs.get('scheduleExpression')} ({ev.environment})"))
    return _verdict(problems, items, f"every knowledge base re-ingests on a schedule in {_production_label(view)}")


@check("MAT-INF-301")
def production_resilient(ev: Evidence) -> Result:
    view = ev.production
    problems, items = [], []
    for name, model in sorted(ev.models(view).items()):
        base = pointer("spec", "models", name)
        if model.get("provider") == "sagemaker":
            low = (model.get("autoscaling") or {}).get("minCapacity", 1)
            items.append(ev.at(f"{base}/autoscaling/minCapacity", f"{name}: at least {low} instance(s)", view=view))
            if low < 2:
                problems.append(f"endpoint {name} runs {low} instance in {_production_label(view)}")
        else:
            geo = model.get("crossRegionInference", "none")
            items.append(ev.at(f"{base}/crossRegionInference", f"{name}: cross-region inference {geo}", view=view))
            if geo == "none":
                problems.append(f"Bedrock model {name} is invoked in one region only")
    return _verdict(problems, items,
                    f"every model survives an instance, zone or regional capacity loss in {_production_label(view)}")


@check("MAT-INF-302")
def retrieval_measured(ev: Evidence) -> Result:
    kbs = ev.spec.get("knowledgeBases") or {}
    if not kbs:
        return _na("no knowledge bases")
    problems, items = [], []
    gates = [(i, g) for i, g in _gates(ev) if g["metric"] in RETRIEVAL_METRICS]
    for name, kb in sorted(kbs.items()):
        answerers = kb.get("models") or []
        covering = [(i, g) for i, g in gates if not answerers or any(gate_covers_model(ev, g, m) for m in answerers)]
        if covering:
            items += [ev.at(pointer("spec", "evaluation", "gates", i), f"{name}: {_gate_text(g)}") for i, g in covering]
        else:
            problems.append(f"no context-precision or context-recall gate covers knowledge base {name} "
                            f"(answered by {_names(answerers)})")
            items.append(ev.at(pointer("spec", "knowledgeBases", name), f"knowledge base {name}: retrieval not gated"))
    return _verdict(problems, items, "retrieval quality of every knowledge base is gated")


# -- CI/CD & Lifecycle Management ------------------------------------------------------------------


@check("MAT-CICD-101")
def golden_datasets(ev: Evidence) -> Result:
    if not ev.datasets:
        return Result(FAIL, "no evaluation datasets declared", (ev.at("/spec/evaluation", "spec.evaluation.datasets is empty"),))
    problems, items = [], []
    for name, ds in ev.datasets.items():
        ptr = pointer("spec", "evaluation", "datasets", name, "file")
        if ds.problem:
            problems.append(f"dataset {name} ({ds.display}) {ds.problem}")
            items.append(ev.at(ptr, f"{name}: {ds.display} {ds.problem}"))
            continue
        items.append(ev.at(ptr, f"{name}: {ds.display}, {_plural(ds.cases, 'case')}", cases=ds.cases,
                           invalidLines=list(ds.invalid_lines)))
        if ds.cases == 0:
            problems.append(f"dataset {name} ({ds.display}) has no cases")
        if ds.invalid_lines:
            problems.append(f"dataset {name} has lines that are not JSON objects: "
                            f"{', '.join(str(n) for n in ds.invalid_lines[:5])}")
    total = sum(d.cases for d in ev.datasets.values())
    return _verdict(problems, items, f"{_plural(len(ev.datasets), 'dataset')} with {_plural(total, 'case')}")


@check("MAT-CICD-102")
def gates_thresholded(ev: Evidence) -> Result:
    gates = _gates(ev)
    if not gates:
        return Result(FAIL, "no evaluation gates declared", (ev.at("/spec/evaluation", "spec.evaluation.gates is empty"),))
    items = [ev.at(pointer("spec", "evaluation", "gates", i), _gate_text(g)) for i, g in gates]
    problems = [f"gate {i} on {g['metric']} has no threshold" for i, g in gates if "min" not in g and "max" not in g]
    return _verdict(problems, items, f"{_plural(len(gates), 'gate')}, each with a threshold")


@check("MAT-CICD-201")
def ci_runs_check(ev: Evidence) -> Result:
    if ev.repo is None:
        return _no_repo("a CI pipeline running `llmops-iac check`")
    problems, items = [], []
    if ev.repo.spec_path is None:
        problems.append(f"the spec {ev.spec_display} is outside the repository {ev.repo.display}")
    else:
        items.append(ev.repo_item(ev.repo.spec_path, 0, "the spec is in the repository"))
    running = [c for c in ev.repo.ci if c.check]
    for ci in running:
        items += [ev.repo_item(ci.path, hit.line, f"{ci.system}: {hit.text}") for hit in ci.check]
    if not running:
        looked = _names(c.path for c in ev.repo.ci) if ev.repo.ci else "no CI pipeline files found"
        problems.append(f"no CI pipeline runs `llmops-iac check` ({looked})")
    return _verdict(problems, items, f"{_names(c.path for c in running)} run `llmops-iac check`")


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
    if not prod:
        problems.append("no environment is production (declare spec.environments.<name>.tier: production)")
    elif prod not in required:
        problems.append(f"evaluation.requiredFor ({_names(required)}) does not name the production environment ({prod})")
    before = "/".join(sorted(set(wanted) & set(required)))
    return _verdict(problems, [item], f"{_plural(len(gates), 'gate')} must pass before {before}")


@check("MAT-CICD-203")
def everything_gated(ev: Evidence) -> Result:
    gates = _gates(ev)
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
    return _verdict(problems, items, f"every model ({len(ev.models())}) and prompt ({len(ev.prompts)}) is gated")


@check("MAT-CICD-301")
def pull_requests_gated(ev: Evidence) -> Result:
    if ev.repo is None:
        return _no_repo("a pull-request pipeline running `llmops-iac check`")
    gated = [c for c in ev.repo.ci if c.check and c.pull_request]
    items = []
    for ci in gated:
        items.append(ev.repo_item(ci.path, ci.pull_request[0].line, f"{ci.system}: triggered by {ci.pull_request[0].text}"))
        items.append(ev.repo_item(ci.path, ci.check[0].line, f"{ci.system}: {ci.check[0].text}"))
    if gated:
        return Result(PASS, f"{_names(c.path for c in gated)} check every pull request", tuple(items))
    running = [c for c in ev.repo.ci if c.check]
    if running:
        notes = "; ".join(f"{c.path}: {n}" for c in running for n in c.notes)
        return Result(FAIL, f"{_names(c.path for c in running)} run the check but not on pull or merge requests"
                      + (f" ({notes})" if notes else ""),
                      tuple(ev.repo_item(c.path, c.check[0].line, f"{c.system}: {c.check[0].text}") for c in running))
    return Result(FAIL, "no CI pipeline runs `llmops-iac check` on pull requests")


@check("MAT-CICD-302")
def deploys_from_pipeline(ev: Evidence) -> Result:
    if ev.repo is None:
        return _no_repo("a pipeline running `pulumi up`")
    deploying = [c for c in ev.repo.ci if c.deploy]
    items = [ev.repo_item(c.path, h.line, f"{c.system}: {h.text}") for c in deploying for h in c.deploy[:1]]
    if deploying:
        return Result(PASS, f"{_names(c.path for c in deploying)} deploy with Pulumi", tuple(items))
    return Result(FAIL, "no CI pipeline runs `pulumi up` (or pulumi/actions with command: up)")


@check("MAT-CICD-303")
def safety_gated(ev: Evidence) -> Result:
    facing = [m for m in sorted(ev.models()) if ev.user_facing(m)]
    if not facing:
        return _na("no user-facing models")
    gates = [(i, g) for i, g in _gates(ev) if g["metric"] in SAFETY_METRICS]
    problems, items = [], []
    for name in facing:
        covering = [(i, g) for i, g in gates if gate_covers_model(ev, g, name)]
        if covering:
            items += [ev.at(pointer("spec", "evaluation", "gates", i), f"{name}: {_gate_text(g)}") for i, g in covering[:2]]
        else:
            problems.append(f"user-facing model {name} has no {'/'.join(SAFETY_METRICS)} gate")
            items.append(ev.at(pointer("spec", "models", name), f"{name}: safety not gated"))
    return _verdict(problems, items, f"every user-facing model ({_names(facing)}) is gated on safety")


# -- Prompt Engineering & User Interaction -------------------------------------------------------


@check("MAT-PRM-101")
def system_prompts(ev: Evidence) -> Result:
    problems, items = [], []
    for name, model in sorted(ev.models().items()):
        ref = model.get("systemPrompt")
        if ref:
            prompt = ev.prompts.get(ref.split("@")[0])
            where = f" from {prompt.display}" if prompt else ""
            items.append(ev.at(pointer("spec", "models", name, "systemPrompt"), f"{name}: system prompt {ref}{where}"))
        else:
            problems.append(f"model {name} has no versioned system prompt (systemPrompt)")
            items.append(ev.at(pointer("spec", "models", name), f"{name}: prompt not declared (hard-coded in the application?)"))
    return _verdict(problems, items, f"every model ({len(ev.models())}) uses a versioned system prompt")


def _guardrail_spec(ev: Evidence, name: str) -> dict[str, Any]:
    return (ev.spec.get("guardrails") or {}).get(name) or {}


@check("MAT-PRM-102")
def basic_filters(ev: Evidence) -> Result:
    problems, items = [], []
    for name in sorted(ev.models()):
        guards = ev.guardrails_of(name)
        res = ev.model_resource(name)
        if not guards:
            problems.append(f"model {name} is behind no guardrail")
            if res is not None:
                items.append(ev.item(res, f"{name}: no guardrail"))
            continue
        if res is not None:
            items.append(ev.item(res, f"{name}: guarded by {_names(guards)}"))
    for guard in sorted({g for m in ev.models() for g in ev.guardrails_of(m)}):
        filters = _guardrail_spec(ev, guard).get("contentFilters") or {}
        off = [c for c in FILTER_CATEGORIES
               if (filters.get(c) or {}).get("input", "HIGH") == "NONE" or (filters.get(c) or {}).get("output", "HIGH") == "NONE"]
        attack = (filters.get("promptAttack") or {}).get("input", "HIGH")
        if off:
            problems.append(f"guardrail {guard} turns off the {', '.join(off)} filter(s)")
        if attack == "NONE":
            problems.append(f"guardrail {guard} turns off the prompt-attack filter")
        items.append(ev.at(pointer("spec", "guardrails", guard, "contentFilters"),
                           f"guardrail {guard}: content filters on, prompt attack {attack}"))
    return _verdict(problems, items, "every model is behind content and prompt-attack filters")


@check("MAT-PRM-103")
def refusals_written(ev: Evidence) -> Result:
    facing = [m for m in sorted(ev.models()) if ev.user_facing(m)]
    if not facing:
        return _na("no user-facing models")
    guards = sorted({g for m in facing for g in ev.guardrails_of(m)})
    if not guards:
        return Result(FAIL, f"user-facing models ({_names(facing)}) have no guardrail to refuse with")
    problems, items = [], []
    for guard in guards:
        for key in ("blockedInputMessage", "blockedOutputMessage"):
            ptr = pointer("spec", "guardrails", guard, key)
            written = ev.explicit(ptr)
            items.append(ev.at(ptr, f"guardrail {guard}: {key} {'written for users' if written else 'is the generic default'}"))
            if not written:
                problems.append(f"guardrail {guard} uses the generic {key}")
    return _verdict(problems, items, f"guardrails {_names(guards)} tell users what to do when blocked")


@check("MAT-PRM-201")
def prompt_registry(ev: Evidence) -> Result:
    if not ev.prompts:
        return Result(FAIL, "no prompts declared in spec.prompts", (ev.at("/spec", "spec.prompts is empty"),))
    problems, items = [], []
    for name, prompt in ev.prompts.items():
        draft, version = ev.resource(f"prompt-{name}"), ev.resource(f"prompt-{name}-v{prompt.version}")
        if draft is None or version is None:
            problems.append(f"prompt {name} is not published with an immutable version")
            continue
        items.append(ev.item(version, f"{name}@{prompt.version} published from {prompt.display} (sha256 {prompt.sha256[:12]})",
                             sha256=prompt.sha256, version=prompt.version))
        if prompt.variables is None and prompt.used_variables:
            problems.append(f"prompt {name} does not declare its variables ({', '.join(prompt.used_variables)})")
    return _verdict(problems, items, f"{_plural(len(ev.prompts), 'prompt')} in Bedrock Prompt Management with immutable versions")


@check("MAT-PRM-202")
def prompt_versions_gated(ev: Evidence) -> Result:
    if not ev.prompts:
        return Result(FAIL, "no prompts declared, so no prompt version is evaluated")
    gates = _gates(ev)
    used = {n: p for n, p in ev.prompts.items() if p.used_by} or ev.prompts
    problems, items = [], []
    for name, prompt in used.items():
        current = f"{name}@{prompt.version}"
        hits = [i for i, g in gates if g.get("target") == current]
        stale = sorted({g["target"] for _, g in gates
                        if (g.get("target") or "").startswith(f"{name}@") and g["target"] != current})
        if hits:
            items += [ev.at(pointer("spec", "evaluation", "gates", i), f"{current}: {_gate_text(gates[i][1])}") for i in hits[:2]]
        else:
            why = f" (gates target {', '.join(stale)})" if stale else ""
            problems.append(f"no gate targets {current}{why}")
            items.append(ev.at(pointer("spec", "prompts", name, "version"), f"{current}: not evaluated at this version"))
    versions = _names(f"{n}@{p.version}" for n, p in used.items())
    return _verdict(problems, items, f"every prompt in use is gated at its current version ({versions})")


@check("MAT-PRM-203")
def sensitive_data_and_topics(ev: Evidence) -> Result:
    guards = ev.spec.get("guardrails") or {}
    if not guards:
        return Result(FAIL, "no guardrails declared")
    facing = {m for m in ev.models() if ev.user_facing(m)}
    problems, items = [], []
    for name, guard in sorted(guards.items()):
        base = pointer("spec", "guardrails", name)
        pii = len(guard.get("pii") or []) + len(guard.get("piiRegexes") or [])
        items.append(ev.at(f"{base}/pii", f"guardrail {name}: {_plural(pii, 'PII rule')}"))
        if not pii:
            problems.append(f"guardrail {name} neither blocks nor masks PII")
        res = ev.resource(f"guardrail-{name}")
        guarded = set((res.meta.get("guards") or {}).get("models", [])) if res is not None else set()
        if guarded & facing:
            topics = guard.get("deniedTopics") or []
            words = (guard.get("wordFilters") or {}).get("words") or []
            if topics or words:
                items.append(ev.at(f"{base}/deniedTopics" if topics else f"{base}/wordFilters/words",
                                   f"guardrail {name}: {_plural(len(topics), 'denied topic')}, {_plural(len(words), 'blocked word')}"))
            else:
                problems.append(f"guardrail {name} guards user-facing {_names(sorted(guarded & facing))} but denies no topics or words")
    return _verdict(problems, items, "every guardrail handles PII; user-facing ones also deny topics")


def _ownership_items(ev: Evidence, paths: list[tuple[str, Any]], want_team: bool) -> tuple[list[str], list[Item]]:
    assert ev.repo is not None and ev.repo.codeowners is not None
    owners_file = ev.repo.codeowners.file
    problems, items = [], []
    for label, path in paths:
        rel = ev.repo.relative(path)
        if rel is None:
            problems.append(f"{label} is outside the repository")
            continue
        who = ev.repo.codeowners.owners_of(rel)
        line = who.rules[-1].line if who.rules else 0
        if not who.matched:
            problems.append(f"no CODEOWNERS rule matches {rel}")
            items.append(ev.repo_item(owners_file, 0, f"{rel}: no rule matches"))
        elif not who.owned:
            problems.append(f"{rel} is explicitly unowned ({owners_file}:{line})")
            items.append(ev.repo_item(owners_file, line, f"{rel}: rule {who.rules[-1].pattern} has no owners"))
        elif want_team and not who.teams:
            problems.append(f"{rel} is owned by individuals only ({', '.join(who.owners)})")
            items.append(ev.repo_item(owners_file, line, f"{rel}: {' '.join(who.owners)} (no team)"))
        else:
            shown = who.teams if want_team else who.owners
            items.append(ev.repo_item(owners_file, line, f"{rel}: {' '.join(shown)} (rule {who.rules[-1].pattern})",
                                      owners=list(who.owners)))
    return problems, items


def _codeowners_missing(ev: Evidence) -> Result | None:
    assert ev.repo is not None
    if ev.repo.codeowners is None:
        return Result(FAIL, "the repository has no CODEOWNERS file (.github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS)")
    return None


@check("MAT-PRM-204")
def prompt_owners(ev: Evidence) -> Result:
    if not ev.prompts:
        return _na("no prompt files")
    if ev.repo is None:
        return _no_repo("CODEOWNERS rules for the prompt files")
    missing = _codeowners_missing(ev)
    if missing:
        return missing
    problems, items = _ownership_items(ev, [(p.display, p.path) for p in ev.prompts.values()], want_team=False)
    return _verdict(problems, items, f"every prompt file ({len(ev.prompts)}) has code owners")


@check("MAT-PRM-301")
def changes_compared(ev: Evidence) -> Result:
    items = []
    for name, model in _models_by_provider(ev, "sagemaker").items():
        live = [v for v in model.get("variants") or [] if v.get("weight", 0) > 0]
        if len(live) >= 2:
            shares = ", ".join(f"{v['name']} {v['weight']}" for v in live)
            items.append(ev.at(pointer("spec", "models", name, "variants"), f"{name}: A/B variants {shares}"))
    pairs: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, g in _gates(ev):
        pairs[(g["metric"], g["dataset"])].append(i)
    gates = dict(_gates(ev))
    for (metric, dataset), idx in sorted(pairs.items()):
        targets = sorted({gates[i].get("target") or "*" for i in idx})
        if len(targets) >= 2:
            items.append(ev.at(pointer("spec", "evaluation", "gates", idx[0]),
                               f"{metric} on {dataset} compared across {', '.join(targets)}"))
    if items:
        return Result(PASS, "candidates are compared before they take all traffic", tuple(items))
    return Result(FAIL, "no weighted A/B variants and no metric gated on the same dataset for two targets")


@check("MAT-PRM-302")
def interventions_watched(ev: Evidence) -> Result:
    facing = [m for m in sorted(ev.models()) if ev.user_facing(m) and ev.guardrails_of(m)]
    if not facing:
        return _na("no guarded user-facing models")
    watched = {a.meta.get("target"): a for a in _alarms(ev) if a.meta.get("metric") == "guardrail-interventions"}
    problems, items = [], []
    for name in facing:
        alarm = watched.get(name)
        if alarm is not None:
            items.append(ev.item(alarm, f"{name}: guardrail-interventions alarm above {alarm.inputs.get('threshold')}"))
        else:
            problems.append(f"no guardrail-interventions alarm on {name}")
    return _verdict(problems, items, f"guardrail interventions are alarmed on {_names(facing)}")


@check("MAT-PRM-303")
def grounded_answers(ev: Evidence) -> Result:
    kbs = ev.spec.get("knowledgeBases") or {}
    if not kbs:
        return _na("no knowledge bases")
    problems, items = [], []
    for name, kb in sorted(kbs.items()):
        res = ev.resource(f"kb-{name}")
        guards = set(res.meta.get("guardrails", [])) if res is not None else set()
        for model in kb.get("models") or []:
            guards |= set(ev.guardrails_of(model))
        if not guards:
            problems.append(f"knowledge base {name} and its models are behind no guardrail")
            continue
        for guard in sorted(guards):
            grounding = _guardrail_spec(ev, guard).get("contextualGrounding")
            ptr = pointer("spec", "guardrails", guard, "contextualGrounding")
            if grounding:
                items.append(ev.at(ptr, f"{name}: guardrail {guard} grounding {grounding.get('grounding')}, "
                                        f"relevance {grounding.get('relevance')}"))
            else:
                problems.append(f"guardrail {guard} (in front of {name}) has no contextual grounding check")
                items.append(ev.at(pointer("spec", "guardrails", guard), f"{name}: guardrail {guard} without grounding"))
    return _verdict(problems, items, "answers from every knowledge base are checked for grounding")


# -- Governance & Compliance -----------------------------------------------------------------------


@check("MAT-GOV-101")
def invocations_recorded(ev: Evidence) -> Result:
    problems, items = [], []
    if _models_by_provider(ev, "bedrock"):
        logging = ev.resources(T.INVOCATION_LOGGING)
        if logging:
            items.append(ev.item(logging[0], "Bedrock model invocation logging on"
                                 + (" (metadata only)" if not logging[0].meta.get("includeContent") else "")))
        else:
            problems.append("Bedrock model invocation logging is off")
            items.append(ev.at("/spec/monitoring/invocationLogging/enabled", "invocation logging disabled"))
    for name, model in _models_by_provider(ev, "sagemaker").items():
        capture = model.get("dataCapture") or {}
        ptr = pointer("spec", "models", name, "dataCapture", "enabled")
        if capture.get("enabled", True):
            items.append(ev.at(ptr, f"{name}: data capture of {capture.get('samplingPercent', 20)} % of requests"))
        else:
            problems.append(f"data capture is off for endpoint {name}")
            items.append(ev.at(ptr, f"{name}: data capture off"))
    return _verdict(problems, items, "every model's invocations are recorded")


@check("MAT-GOV-102")
def classification_declared(ev: Evidence) -> Result:
    ptr = "/metadata/dataClassification"
    value = ev.metadata.get("dataClassification")
    item = ev.at(ptr, f"data classification {value}")
    if ev.explicit(ptr):
        return Result(PASS, f"data classified as {value}", (item,))
    return Result(FAIL, f"metadata.dataClassification is not written (the default {value} applies)", (item,))


@check("MAT-GOV-103")
def encrypted(ev: Evidence) -> Result:
    problems, items = [], []
    keys = ev.resources(T.KMS_KEY)
    for key in keys:
        rotation = key.inputs.get("enableKeyRotation")
        period = f"every {key.inputs.get('rotationPeriodInDays', 365)} days" if rotation else "off"
        items.append(ev.item(key, f"customer-managed KMS key, rotation {period}"))
        if not rotation:
            problems.append(f"KMS key {key.name} is not rotated")
    if not keys:
        problems.append("the Plan has no customer-managed KMS key")
    for name, store in sorted((ev.spec.get("vectorStores") or {}).items()):
        enc = store.get("encryption", "customer-managed")
        items.append(ev.at(pointer("spec", "vectorStores", name, "encryption"), f"vector store {name}: {enc}"))
        if enc != "customer-managed":
            problems.append(f"vector store {name} uses an AWS-owned key")
    return _verdict(problems, items, "data at rest is encrypted with the application's rotated key")


@check("MAT-GOV-201")
def retention(ev: Evidence) -> Result:
    view = ev.production
    days = (view.spec.get("monitoring") or {}).get("logRetentionDays", 365)
    item = ev.at("/spec/monitoring/logRetentionDays", f"logs kept {days} days in {_production_label(view)}", view=view)
    if days >= 180:
        return Result(PASS, f"logs are kept {days} days in {_production_label(view)}", (item,))
    return Result(FAIL, f"logs are kept {days} days in {_production_label(view)}, under 180", (item,))


@check("MAT-GOV-202")
def waivers_current(ev: Evidence) -> Result:
    waivers = ev.spec.get("waivers") or []
    if not waivers:
        return _na("no waivers")
    problems, items = [], []
    for i, waiver in enumerate(waivers):
        expires = _dt.date.fromisoformat(str(waiver["expires"]))
        days = (expires - ev.today).days
        state = f"expired {-days} days ago" if days < 0 else f"{days} days left"
        items.append(ev.at(pointer("spec", "waivers", i, "expires"),
                           f"{waiver['rule']} waived until {expires.isoformat()} ({state}), owner {waiver['owner']}"))
        if days < 0:
            problems.append(f"waiver of {waiver['rule']} expired on {expires.isoformat()}")
        if not waiver.get("owner") or not waiver.get("reason"):
            problems.append(f"waiver of {waiver['rule']} has no owner or reason")
    return _verdict(problems, items, f"{_plural(len(waivers), 'waiver')}, all owned and current on {ev.today.isoformat()}")


def _statements(res: Any) -> list[dict[str, Any]]:
    doc = (res.inputs.get("policy") or {}).get("fn::toJSON") or {}
    stmts = doc.get("Statement") or []
    return [stmts] if isinstance(stmts, dict) else list(stmts)


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, list) else [x]


@check("MAT-GOV-203")
def least_privilege(ev: Evidence) -> Result:
    problems, items = [], []
    policies = ev.resources(T.IAM_ROLE_POLICY)
    for res in policies:
        for stmt in _statements(res):
            actions = [a for a in _as_list(stmt.get("Action")) if isinstance(a, str)]
            if "*" in _as_list(stmt.get("Resource")) and set(actions) - {"ecr:GetAuthorizationToken"}:
                problems.append(f"{res.name} allows {', '.join(actions)} on every resource")
                items.append(ev.item(res, f"{res.name}: statement {stmt.get('Sid', '?')} on *"))
    invoke = ev.resource("app-invoke-role-policy")
    if invoke is None:
        problems.append("the Plan has no invoke role policy")
    else:
        guarded = []
        for stmt in _statements(invoke):
            if not any(str(a).startswith("bedrock:InvokeModel") for a in _as_list(stmt.get("Action"))):
                continue
            models = [r["ref"][len("model-"):-len("-profile")] for r in refs_in(stmt.get("Resource"))
                      if r["ref"].startswith("model-") and r["ref"].endswith("-profile")]
            for model in models:
                if not ev.guardrails_of(model):
                    continue
                condition = ((stmt.get("Condition") or {}).get("StringEquals") or {}).get("bedrock:GuardrailIdentifier")
                if condition:
                    guarded.append(model)
                else:
                    problems.append(f"guarded model {model} can be invoked without its guardrail")
        items.append(ev.item(invoke, f"invoke role: {_plural(len(_statements(invoke)), 'statement')}, "
                             f"guardrail required for {_names(sorted(guarded))}"))
    return _verdict(problems, items, f"{_plural(len(policies), 'role policy')} without wildcard resources; "
                    "guarded models only with their guardrail")


@check("MAT-GOV-301")
def archived(ev: Evidence) -> Result:
    problems, items = [], []
    if _models_by_provider(ev, "bedrock"):
        logging = (ev.spec.get("monitoring") or {}).get("invocationLogging") or {}
        destinations = logging.get("destinations") or []
        versioning = ev.resource("invocation-logs-bucket-versioning")
        if not logging.get("enabled", True):
            problems.append("Bedrock invocation logging is off")
        elif "s3" not in destinations:
            problems.append("Bedrock invocation logs go to CloudWatch only")
            items.append(ev.at("/spec/monitoring/invocationLogging/destinations", f"invocation logs to {_names(destinations)}"))
        elif versioning is None:
            problems.append("the invocation log bucket is not versioned")
        else:
            items.append(ev.item(versioning, "Bedrock invocation logs archived in a versioned, encrypted, private bucket"))
    captured = [n for n, m in _models_by_provider(ev, "sagemaker").items() if (m.get("dataCapture") or {}).get("enabled", True)]
    if captured:
        versioning = ev.resource("sagemaker-capture-bucket-versioning")
        if versioning is None:
            problems.append("the data capture bucket is not versioned")
        else:
            items.append(ev.item(versioning, f"data capture of {_names(captured)} archived in a versioned bucket"))
    return _verdict(problems, items, "invocation records are archived in versioned, encrypted, private buckets")


@check("MAT-GOV-302")
def private_networks(ev: Evidence) -> Result:
    classification = ev.metadata.get("dataClassification", "internal")
    if classification not in ("confidential", "restricted"):
        return _na(f"data is classified {classification}")
    problems, items = [], [ev.at("/metadata/dataClassification", f"data classified {classification}")]
    for name, store in sorted((ev.spec.get("vectorStores") or {}).items()):
        if store.get("type", "s3-vectors") != "opensearch-serverless":
            items.append(ev.at(pointer("spec", "vectorStores", name, "type"),
                               f"vector store {name}: S3 Vectors (IAM only, no network endpoint)"))
            continue
        ptr = pointer("spec", "vectorStores", name, "publicAccess")
        if store.get("publicAccess"):
            problems.append(f"OpenSearch collection {name} is reachable from the internet")
        items.append(ev.at(ptr, f"vector store {name}: public access {'on' if store.get('publicAccess') else 'off'}, "
                                f"{_plural(len(store.get('vpcEndpoints') or []), 'VPC endpoint')}"))
    for name, model in _models_by_provider(ev, "sagemaker").items():
        if model.get("vpc"):
            items.append(ev.at(pointer("spec", "models", name, "vpc"), f"{name}: runs in VPC subnets"))
        else:
            problems.append(f"endpoint {name} does not run in a VPC")
            items.append(ev.at(pointer("spec", "models", name), f"{name}: no vpc"))
    return _verdict(problems, items, f"{classification} data stays on private networks")


# -- Cost & Resource Optimization ---------------------------------------------------------------


@check("MAT-COST-101")
def budget_exists(ev: Evidence) -> Result:
    budgets = ev.resources(T.BUDGET)
    if not budgets:
        return Result(FAIL, "the Plan has no budget")
    items, problems = [], []
    for res in budgets:
        actual = [n["threshold"] for n in res.inputs.get("notifications") or [] if n.get("notificationType") == "ACTUAL"]
        items.append(ev.item(res, f"{res.inputs.get('limitAmount')} {res.inputs.get('limitUnit', 'USD')} a month, alerts at "
                             f"{', '.join(f'{t:g} %' for t in actual) or 'none'}"))
        if not actual:
            problems.append(f"budget {res.name} has no actual-spend alert")
    return _verdict(problems, items, "a monthly budget with spend alerts")


@check("MAT-COST-102")
def budget_alerts_reach(ev: Evidence) -> Result:
    receivers = _notify(ev.spec.get("budgets") or {})
    item = ev.at("/spec/budgets/notify", f"budget alerts to {_names(receivers)}")
    if receivers:
        return Result(PASS, f"budget alerts go to {_plural(len(receivers), 'receiver')}", (item,))
    return Result(FAIL, "budget alerts notify nobody (budgets.notify is empty)", (item,))


@check("MAT-COST-201")
def cost_attributed(ev: Evidence) -> Result:
    ptr = "/metadata/costCenter"
    center = ev.metadata.get("costCenter", "unassigned")
    items = [ev.at(ptr, f"cost center {center}")]
    problems = []
    if not ev.explicit(ptr) or center == "unassigned":
        problems.append("metadata.costCenter is not set")
    untagged = sorted(r.name for r in ev.plan.resources.values()
                      if isinstance(r.inputs.get("tags"), dict) and not {"app", "environment", "costCenter"} <= set(r.inputs["tags"]))
    if untagged:
        problems.append(f"resources without cost-allocation tags: {_names(untagged)}")
    return _verdict(problems, items, f"spend is tagged to cost center {center}")


@check("MAT-COST-202")
def cost_forecast(ev: Evidence) -> Result:
    budgets = ev.spec.get("budgets") or {}
    problems, items = [], []
    traffic = budgets.get("expectedTraffic") or {}
    ptr = "/spec/budgets/expectedTraffic"
    items.append(ev.at(ptr, f"expected {traffic.get('requestsPerDay')} requests a day, "
                            f"{traffic.get('inputTokensPerRequest')}/{traffic.get('outputTokensPerRequest')} tokens in/out"))
    if not ev.explicit(ptr):
        problems.append("budgets.expectedTraffic is not declared (defaults are guesses)")
    items.append(ev.at("/spec/budgets/forecastAlerts", f"forecast alerts {'on' if budgets.get('forecastAlerts', True) else 'off'}"))
    if not budgets.get("forecastAlerts", True):
        problems.append("forecast alerts are off")
    return _verdict(problems, items, "spend is forecast from declared traffic")


@check("MAT-COST-203")
def consumption_alarmed(ev: Evidence) -> Result:
    problems, items = [], []
    if _models_by_provider(ev, "bedrock"):
        tokens = [a for a in _alarms(ev) if a.meta.get("metric") in ("input-tokens", "output-tokens")]
        if tokens:
            items += [ev.item(a, f"{a.meta['metric']} alarm on {a.meta.get('target')} above {a.inputs.get('threshold'):g}")
                      for a in tokens]
        else:
            problems.append("no input-tokens or output-tokens alarm on the Bedrock models")
    for name, model in _models_by_provider(ev, "sagemaker").items():
        top = (model.get("autoscaling") or {}).get("maxCapacity", 1)
        items.append(ev.at(pointer("spec", "models", name, "autoscaling", "maxCapacity"), f"{name}: at most {top} instance(s)"))
    return _verdict(problems, items, "runaway consumption is alarmed or bounded")


@check("MAT-COST-301")
def cost_gated(ev: Evidence) -> Result:
    gates = [(i, g) for i, g in _gates(ev) if g["metric"] == "cost-per-request-usd" and "max" in g]
    if not gates:
        return Result(FAIL, "no cost-per-request-usd gate with a max")
    return Result(PASS, f"cost per request is capped by {_plural(len(gates), 'gate')}",
                  tuple(ev.at(pointer("spec", "evaluation", "gates", i), _gate_text(g)) for i, g in gates))


@check("MAT-COST-302")
def capacity_follows_demand(ev: Evidence) -> Result:
    view = ev.production
    models = _models_by_provider(ev, "sagemaker", view)
    if not models:
        return _na("no SageMaker models (Bedrock on-demand is paid per token)")
    problems, items = [], []
    for name, model in models.items():
        scaling = model.get("autoscaling") or {}
        low, top = scaling.get("minCapacity", 1), scaling.get("maxCapacity", 1)
        items.append(ev.at(pointer("spec", "models", name, "autoscaling"), f"{name}: {low} to {top} instances, "
                           f"target {scaling.get('targetInvocationsPerInstance', 20)} invocations/instance/min", view=view))
        if top <= low:
            problems.append(f"endpoint {name} does not scale ({low} to {top} instances) in {_production_label(view)}")
    return _verdict(problems, items, f"every endpoint autoscales in {_production_label(view)}")


# -- Organizational Readiness ---------------------------------------------------------------------


@check("MAT-ORG-101")
def owner_named(ev: Evidence) -> Result:
    ptr = "/metadata/owner"
    owner = ev.metadata.get("owner", "unowned")
    item = ev.at(ptr, f"owner {owner}")
    if ev.explicit(ptr) and owner != "unowned":
        return Result(PASS, f"owned by {owner}", (item,))
    return Result(FAIL, "metadata.owner is not set", (item,))


@check("MAT-ORG-102")
def alarms_reach(ev: Evidence) -> Result:
    receivers = _notify(ev.spec.get("monitoring") or {})
    item = ev.at("/spec/monitoring/notify", f"alarm notifications to {_names(receivers)}")
    if receivers:
        return Result(PASS, f"alarms go to {_plural(len(receivers), 'receiver')}", (item,))
    return Result(FAIL, "alarms notify nobody (monitoring.notify is empty)", (item,))


@check("MAT-ORG-201")
def spec_owners(ev: Evidence) -> Result:
    if ev.repo is None:
        return _no_repo("a CODEOWNERS rule for the spec")
    if ev.repo.spec_path is None:
        return Result(FAIL, f"the spec {ev.spec_display} is outside the repository {ev.repo.display}")
    missing = _codeowners_missing(ev)
    if missing:
        return missing
    problems, items = _ownership_items(ev, [(ev.spec_display, Path(ev.loaded.source_path))], want_team=False)
    assert ev.repo.codeowners is not None
    items += [ev.repo_item(ev.repo.codeowners.file, line, f"ignored line: {why}")
              for line, why in ev.repo.codeowners.problems]
    return _verdict(problems, items, f"{ev.repo.spec_path} has code owners")


@check("MAT-ORG-202")
def runbooks(ev: Evidence) -> Result:
    alarms = (ev.spec.get("monitoring") or {}).get("alarms") or []
    if not alarms:
        return Result(FAIL, "no alarms declared, so on-call has nothing to act on",
                      (ev.at("/spec/monitoring", "monitoring.alarms is empty"),))
    problems, items = [], []
    compiled = _alarms(ev)
    for i, alarm in enumerate(alarms):
        url = alarm.get("runbookUrl")
        if url:
            items.append(ev.at(pointer("spec", "monitoring", "alarms", i, "runbookUrl"), f"{alarm['name']}: {url}"))
            ptr = pointer("spec", "monitoring", "alarms", i)
            missing = [a.name for a in compiled if a.source == ptr and url not in str(a.inputs.get("alarmDescription", ""))]
            if missing:
                problems.append(f"the runbook of {alarm['name']} is missing from {_names(missing)}")
        else:
            problems.append(f"alarm {alarm['name']} has no runbook")
            items.append(ev.at(pointer("spec", "monitoring", "alarms", i), f"{alarm['name']}: no runbookUrl"))
    return _verdict(problems, items, f"every alarm ({len(alarms)}) links its runbook")


@check("MAT-ORG-301")
def paging(ev: Evidence) -> Result:
    view = ev.production
    topics = list(((view.spec.get("monitoring") or {}).get("notify") or {}).get("snsTopicArns") or [])
    item = ev.at("/spec/monitoring/notify/snsTopicArns", f"alarm topics in {_production_label(view)}: {_names(topics)}",
                 view=view)
    if topics:
        return Result(PASS, f"production alarms reach {_plural(len(topics), 'SNS topic')}", (item,))
    return Result(FAIL, f"alarms in {_production_label(view)} go to e-mail only (no snsTopicArns)", (item,))


@check("MAT-ORG-302")
def team_owners(ev: Evidence) -> Result:
    if ev.repo is None:
        return _no_repo("team owners of the spec and prompt files in CODEOWNERS")
    missing = _codeowners_missing(ev)
    if missing:
        return missing
    paths = [(ev.spec_display, Path(ev.loaded.source_path))] + [(p.display, p.path) for p in ev.prompts.values()]
    problems, items = _ownership_items(ev, paths, want_team=True)
    return _verdict(problems, items, "a team owns the spec and every prompt file")
