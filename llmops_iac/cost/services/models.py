"""Monthly cost of Bedrock models (tokens) and SageMaker endpoints (instance-hours along the daily traffic curve)."""

from __future__ import annotations

from llmops_iac.cost.breakdown import rng, scale
from llmops_iac.cost.builder import TYPES, Builder, ref_name
from llmops_iac.cost.traffic import instance_hours


def bedrock(b: Builder) -> None:
    req = b.model_requests()
    for model, name in b.models.items():
        r = b.res[name]
        if r["type"] != TYPES["profile"]:
            continue
        meta = r.get("meta") or {}
        mid = meta.get("modelId", "")
        b.line(name, f"{mid} input tokens", f"bedrock/{mid}/input", scale(req, b.tin / 1000.0))
        b.line(name, f"{mid} output tokens", f"bedrock/{mid}/output", scale(req, b.tout / 1000.0))
        if meta.get("crossRegionInference") not in (None, "none"):
            b.note(name, f"cross-region inference ({meta['crossRegionInference']}) is priced at the source region, "
                            f"{b.region}")
        if meta.get("provisionedThroughput"):
            b.warn("provisioned-throughput-unpriced", name,
                      f"model {model} declares {meta['provisionedThroughput']} model units of provisioned throughput, "
                      "which the price table does not price (commitment terms vary); only on-demand tokens are estimated")


def sagemaker(b: Builder) -> None:
    req = b.model_requests()
    for name, r in b.res.items():
        if r["type"] != TYPES["endpoint"]:
            continue
        cfg_name = ref_name(r["inputs"].get("endpointConfigName"))
        cfg = b.res.get(cfg_name or "")
        if cfg is None:
            continue
        scaling = (cfg.get("meta") or {}).get("autoscaling")
        variants = cfg["inputs"].get("productionVariants", [])
        weights = [float(v.get("initialVariantWeight", 1.0)) for v in variants]
        total_w = sum(weights) or 1.0
        embedding = bool((r.get("meta") or {}).get("embedding"))
        for v, w in zip(variants, weights):
            itype = v.get("instanceType", "")
            if scaling and not embedding:
                low, high = int(scaling["min"]), int(scaling["max"])
            else:
                low = high = int(v.get("initialInstanceCount", 1))
            policy = b.res.get(f"{name}-scaling-{v.get('variantName')}-policy")
            target = None
            if policy is not None:
                target = float(policy["inputs"].get("targetTrackingScalingPolicyConfiguration", {}).get("targetValue") or 0) or None
            per_day = req["expected"] / b.days if b.days else 0.0
            expected = instance_hours(per_day, w / total_w, target, low, high, b.shape, b.hours)
            qty = rng(low * b.hours, expected, high * b.hours)
            label = f"{itype} instance-hours, variant {v.get('variantName')} ({100 * w / total_w:.0f} % of traffic)"
            b.line(name, label, f"sagemaker/{itype}", qty,
                      note="" if target or high == low else "no scaling policy: minimum capacity at expected traffic")
        if scaling and not embedding:
            b.note(name, f"autoscaling {scaling['min']}–{scaling['max']} instances per variant; a blue/green "
                            "deployment briefly runs a second fleet (not estimated)")
