"""Checks of the Governance & Compliance dimension (MAT-GOV-*)."""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Any

from llmops_iac.compile import tokens as T
from llmops_iac.compile.plan import refs_in
from llmops_iac.maturity.checks.registry import FAIL, PASS, Result, _na, _verdict, check
from llmops_iac.maturity.checks.shared import _models_by_provider, _names, _plural, _production_label
from llmops_iac.maturity.evidence import Evidence, pointer


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
    tier = ev.loaded.judged_tier
    horizon = waiver_horizon(tier)
    for i, waiver in enumerate(waivers):
        expires = _dt.date.fromisoformat(str(waiver["expires"]))
        days = (expires - ev.today).days
        state = f"expired {-days} days ago" if days < 0 else f"{days} days left"
        items.append(ev.at(pointer("spec", "waivers", i, "expires"),
                           f"{waiver['rule']} waived until {expires.isoformat()} ({state}), owner {waiver['owner']}"))
        if days < 0:
            problems.append(f"waiver of {waiver['rule']} expired on {expires.isoformat()}")
        elif days > horizon:
            problems.append(f"waiver of {waiver['rule']} runs to {expires.isoformat()}, past the {tier} profile's "
                            f"{horizon}-day horizon ({(ev.today + _dt.timedelta(days=horizon)).isoformat()})")
        if not waiver.get("owner") or not waiver.get("reason"):
            problems.append(f"waiver of {waiver['rule']} has no owner or reason")
    return _verdict(problems, items, f"{_plural(len(waivers), 'waiver')}, all owned and current on {ev.today.isoformat()}")


@functools.lru_cache(maxsize=None)
def waiver_horizon(tier: str) -> int:
    """How far ahead the built-in profile of ``tier`` lets a waiver expire (policies/profiles/*.yaml,
    ``waiverHorizonDays``); a tier no profile claims gets production's default, the shortest."""
    from llmops_iac.policy.profiles import DEFAULT_WAIVER_HORIZON_DAYS
    from llmops_iac.resources import data_path, safe_load_yaml

    for path in sorted(data_path("policies", "profiles").glob("*.yaml")):
        data = safe_load_yaml(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and tier in (data.get("tiers") or ()):
            return int(data.get("waiverHorizonDays", DEFAULT_WAIVER_HORIZON_DAYS))
    return DEFAULT_WAIVER_HORIZON_DAYS


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


@check("MAT-GOV-104")
def usage_inventory(ev: Evidence) -> Result:
    problems, items = [], []
    for key in ("owner", "dataClassification"):
        ptr = f"/metadata/{key}"
        if not ev.explicit(ptr):
            problems.append(f"metadata.{key} is not written")
    models = ev.models()
    if not models:
        problems.append("no model is declared")
    for name, model in sorted(models.items()):
        missing = [k for k in ("description", "tasks") if not model.get(k) or not ev.explicit(pointer("spec", "models", name, k))]
        if missing:
            problems.append(f"model {name} does not say {' or '.join('what it is for' if k == 'description' else 'its tasks' for k in missing)}")
        items.append(ev.at(pointer("spec", "models", name), f"{name}: {model.get('provider')} "
                           f"{model.get('modelId') or model.get('hfModelId') or ''}, tasks {_names(model.get('tasks') or ())}"))
    return _verdict(problems, items, f"{_plural(len(models), 'model')} inventoried with purpose, tasks, owner "
                                     f"{ev.metadata.get('owner')} and data classification {ev.metadata.get('dataClassification')}")


def _content_logging(ev: Evidence, view: Any) -> tuple[list[str], list[Any]]:
    """Problems and items of content-level invocation records in ``view`` (the production environment)."""
    problems, items = [], []
    spec = view.spec
    label = _production_label(view)
    if _models_by_provider(ev, "bedrock", view):
        logging = (spec.get("monitoring") or {}).get("invocationLogging") or {}
        ptr = "/spec/monitoring/invocationLogging"
        if not logging.get("enabled", True):
            problems.append(f"Bedrock invocation logging is off in {label}")
        elif not logging.get("includeContent", True):
            problems.append(f"Bedrock invocation logs hold metadata only (includeContent: false) in {label}")
        items.append(ev.at(ptr, f"invocation logging {'on' if logging.get('enabled', True) else 'off'}, content "
                                f"{'included' if logging.get('includeContent', True) else 'left out'}, to "
                                f"{_names(logging.get('destinations') or ['cloudwatch', 's3'])}", view=view))
    for name, model in _models_by_provider(ev, "sagemaker", view).items():
        capture = model.get("dataCapture") or {}
        ptr = pointer("spec", "models", name, "dataCapture")
        if not capture.get("enabled", True):
            problems.append(f"endpoint {name} captures no requests or responses in {label}")
        items.append(ev.at(ptr, f"{name}: data capture {'on' if capture.get('enabled', True) else 'off'}", view=view))
    return problems, items


@check("MAT-GOV-305")
def lineage(ev: Evidence) -> Result:
    view = ev.production
    problems, items = _content_logging(ev, view)
    logging = (view.spec.get("monitoring") or {}).get("invocationLogging") or {}
    if _models_by_provider(ev, "bedrock", view) and "s3" not in (logging.get("destinations") or ["cloudwatch", "s3"]):
        problems.append("Bedrock invocation records are not archived to S3")
    for name, model in sorted(ev.models(view).items()):
        prompt = model.get("systemPrompt")
        if not prompt or "@" not in prompt:
            problems.append(f"model {name} is not invoked with a versioned system prompt (id@version), so a logged "
                            "answer cannot be traced to its prompt")
        else:
            items.append(ev.at(pointer("spec", "models", name, "systemPrompt"), f"{name}: prompt {prompt}", view=view))
    kbs = sorted((view.spec.get("knowledgeBases") or {}))
    if kbs:
        items.append(ev.at("/spec/knowledgeBases", f"retrieval from {_names(kbs)} is recorded in the logged prompts",
                           view=view))
    return _verdict(problems, items, "each answer traces to its query, retrieved context, prompt version and spec "
                                     f"version (content logs archived, prompts pinned) in {_production_label(view)}")
