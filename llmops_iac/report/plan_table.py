"""The resource table `llmops-iac plan` prints: type, name, key settings, spec line."""

from __future__ import annotations

from typing import Any

from llmops_iac.compile import tokens as T
from llmops_iac.compile.plan import Plan, Resource, is_expression
from llmops_iac.spec.load import SourceMap


def _show(value: Any) -> str:
    return "(deploy-time)" if is_expression(value) else str(value)


def key_settings(r: Resource) -> str:
    """Summarise the inputs a reviewer looks at first for resource ``r``."""
    i = r.inputs
    if r.type == T.SM_ENDPOINT_CONFIG:
        return "; ".join(f"{v['variantName']}: {v['instanceType']} x{v['initialInstanceCount']} w{v['initialVariantWeight']:g}"
                         for v in i["productionVariants"]) + ("; capture on" if "dataCaptureConfig" in i else "")
    if r.type == T.SM_ENDPOINT:
        routing = i.get("deploymentConfig", {}).get("blueGreenUpdatePolicy", {}).get("trafficRoutingConfiguration", {})
        alarms = len(i.get("deploymentConfig", {}).get("autoRollbackConfiguration", {}).get("alarms", []))
        return f"{r.meta.get('strategy', '?')} ({routing.get('type', 'none')}), rollback alarms: {alarms}"
    if r.type == T.SM_MODEL:
        image = r.meta.get("image", {})
        return f"{r.meta.get('modelId')} on {image.get('framework')} {image.get('version')}, quantization {r.meta.get('quantization', 'none')}"
    if r.type == T.SCALING_TARGET:
        return f"{i['minCapacity']}..{i['maxCapacity']} instances"
    if r.type == T.INFERENCE_PROFILE:
        return f"{r.meta['modelId']} ({'profile ' + r.meta['crossRegionInference'] if r.meta['crossRegionInference'] != 'none' else 'in-region'})" + (
            f", guarded by {', '.join(r.meta['guardrails'])}" if r.meta.get("guardrails") else ", NO guardrail")
    if r.type == T.GUARDRAIL:
        parts = ["content+prompt-attack"]
        for key, label in (("sensitiveInformationPolicyConfig", "pii"), ("topicPolicyConfig", "topics"),
                           ("wordPolicyConfig", "words"), ("contextualGroundingPolicyConfig", "grounding")):
            if key in i:
                parts.append(label)
        return ", ".join(parts)
    if r.type == T.KNOWLEDGE_BASE:
        return f"{i['storageConfiguration']['type']}, embedding {r.meta.get('embedding')}"
    if r.type in (T.S3_VECTOR_INDEX, T.AOSS_INDEX):
        dims = i.get("dimension") or i["mappings"]["properties"]["embedding"]["dimension"]
        return f"{dims} dims, {i.get('distanceMetric') or i['mappings']['properties']['embedding']['method']['spaceType']}"
    if r.type == T.AOSS_COLLECTION:
        return f"{i['type']}, standby {i['standbyReplicas']}"
    if r.type == T.BUDGET:
        return f"{i['limitAmount']} USD monthly, {len(i['notifications'])} alerts"
    if r.type == T.LOG_GROUP:
        return f"{_show(i['name'])}, {i['retentionInDays']} days, KMS"
    if r.type == T.METRIC_ALARM:
        return f"{_show(i['name'])}" + (" -> topic" if i.get("alarmActions") else " (no actions)")
    if r.type == T.IAM_ROLE:
        return _show(i["name"])
    if r.type == T.IAM_ROLE_POLICY:
        doc = i["policy"].get("fn::toJSON", {}) if isinstance(i["policy"], dict) else {}
        return f"{len(doc.get('Statement', []))} statements"
    if r.type in (T.S3_BUCKET,):
        return _show(i["bucket"])
    if r.type == T.PROMPT_VERSION:
        return _show(i["description"])
    if r.type == T.PROMPT:
        return f"{r.meta.get('file')} v{r.meta.get('version')}"
    for key in ("name", "dashboardName", "vectorBucketName", "indexName"):
        if key in i:
            return _show(i[key])
    return ""


def render(plan: Plan, source: SourceMap) -> str:
    """Return the table of ``plan``; the last column is the spec line each resource comes from."""
    rows = []
    for name in sorted(plan.resources):
        r = plan.resources[name]
        file, line, _ = source.locate(r.source)
        provider, module, cls = r.type.split(":")
        label = f"{module.split('/')[0]}/{cls}" if provider == "aws" else f"{provider}/{module}/{cls}"
        rows.append((label, name, key_settings(r), f"{file}:{line}"))
    widths = [min(max(len(row[c]) for row in rows + [("type", "name", "settings", "spec")]), cap) for c, cap in enumerate((44, 42, 70, 60))]
    header = ("type", "name", "key settings", "spec line")
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)), "  ".join("-" * w for w in widths)]
    for row in rows:
        cells = [cell if len(cell) <= w else cell[: w - 1] + "…" for cell, w in zip(row, widths)]
        out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    out.append(f"{len(rows)} resources for {plan.app} [{plan.environment}] in {plan.region}")
    return "\n".join(out) + "\n"
