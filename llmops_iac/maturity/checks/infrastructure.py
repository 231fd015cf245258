"""Checks of the Infrastructure & Deployment Strategy dimension (MAT-INF-*)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from llmops_iac.compile import tokens as T
from llmops_iac.maturity.checks.registry import FAIL, Result, _na, _verdict, check
from llmops_iac.maturity.checks.shared import (
    _alarms,
    _gate_text,
    _gates,
    _models_by_provider,
    _names,
    _notify,
    _plural,
    _production_label,
    gate_covers_model,
)
from llmops_iac.maturity.evidence import PRODUCTION, Evidence, declared_tier, pointer

RETRIEVAL_METRICS = ("context-precision", "context-recall")
COMMIT = re.compile(r"^[0-9a-f]{40}$")
"""A Hub commit as the Hub names it, the only revision that pins weights: the same test as LLM-DEP-003's
``_commit_hash`` (policies/deployment/deployment.rego; tests/maturity/test_pinning.py holds the two equal).
A branch (``main``), a tag or a short hash moves, so it pins nothing."""


def _pinned_by(model: dict[str, Any]) -> str | None:
    """What pins a self-hosted model's weights: a commit ``revision`` or a ``modelDataUrl``; None when nothing does."""
    if isinstance(model.get("revision"), str) and COMMIT.match(model["revision"]):
        return "revision"
    return "modelDataUrl" if model.get("modelDataUrl") else None


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
        pin = _pinned_by(model)
        if pin is None and model.get("revision"):
            problems.append(f"SageMaker model {name} names revision {model['revision']!r}, a branch, tag or short hash "
                            "that moves: only a 40-character commit hash (or modelDataUrl) pins the weights")
            items.append(ev.at(f"{base}/revision", f"{name}: {model['modelId']} at moving revision {model['revision']}"))
        elif pin is None:
            problems.append(f"SageMaker model {name} pins no weights (revision or modelDataUrl)")
            items.append(ev.at(f"{base}/modelId", f"{name}: {model['modelId']} at no pinned revision"))
        else:
            items.append(ev.at(f"{base}/{pin}", f"{name}: weights pinned by {pin} {model[pin]}"))
        for i, variant in enumerate(model.get("variants") or []):
            if variant.get("modelId") and variant["modelId"] != model["modelId"] and _pinned_by(variant) is None:
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
        if emb.get("provider") == "sagemaker" and _pinned_by({"revision": emb.get("revision")}) is None:
            problems.append(f"SageMaker embedding model {name} pins no revision (a 40-character commit hash)")
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
    """Declared tiers, and proof they are separate deployments: the repository's stack files deploy this spec to a
    production environment and to a development or staging one (declaring environments deploys nothing)."""
    envs = sorted(ev.environments)
    if not envs:
        return Result(FAIL, "no environments declared in spec.environments",
                      (ev.at("/spec", "spec.environments is empty: one configuration serves every stage"),))
    items = [ev.at(pointer("spec", "environments", e), f"environment {e}") for e in envs]
    prod = [e for e in envs if declared_tier(ev.environments, e) == PRODUCTION]
    problems = []
    if not prod:
        problems.append(f"no environment declares tier production among {_names(envs)}")
    if not [e for e in envs if declared_tier(ev.environments, e) in ("staging", "development")]:
        problems.append("no environment declares tier staging or development to try changes in first")
    if ev.repo is None:
        problems.append("no repository evidence: run with --repo PATH to show the stacks that deploy each environment")
        return _verdict(problems, items, "")
    from llmops_iac.maturity.checks.ci_runs import deploying_stacks

    stacks = deploying_stacks(ev)
    by_name = {s.rsplit("/", 1)[-1][len("Pulumi."):-len(".yaml")]: s for s in ev.repo.stacks}
    items += [ev.repo_item(by_name.get(name, name), 0, f"stack {name} deploys this spec as {tier}")
              for name, tier in sorted(stacks.items())]
    if not stacks:
        problems.append(f"no stack in the repository deploys this spec (llmops-iac:spec in stacks/Pulumi.<stack>.yaml): "
                        f"{_names(envs)} are declared, not deployed")
    else:
        if PRODUCTION not in stacks.values():
            problems.append(f"no stack deploys this spec to a production environment (stacks: {_names(sorted(stacks))})")
        if not {"staging", "development"} & set(stacks.values()):
            problems.append("no stack deploys this spec to a development or staging environment to try changes in "
                            f"first (stacks: {_names(sorted(stacks))}; a stack of an undeclared environment is production)")
    return _verdict(problems, items, f"environments {_names(envs)}; production is {prod[0] if prod else '-'}; "
                                     f"stacks {_names(sorted(stacks))}")


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
