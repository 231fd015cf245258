"""The estimate under construction (Builder): the Plan's resources by name, the price table, the declared traffic,
and the priced lines each service module (llmops_iac/cost/services/) writes into it."""

from __future__ import annotations

import math
from typing import Any

from llmops_iac.cost.breakdown import (
    CHARS_PER_TOKEN,
    Assumptions,
    Line,
    Range,
    ResourceCost,
    rng,
    scale,
)
from llmops_iac.cost.prices import Price, PriceTable
from llmops_iac.cost.traffic import daily_shape

TYPES = {
    "profile": "aws:bedrock/inferenceProfile:InferenceProfile",
    "endpoint": "aws:sagemaker/endpoint:Endpoint",
    "config": "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    "policy": "aws:appautoscaling/policy:Policy",
    "guardrail": "aws:bedrock/guardrail:Guardrail",
    "kb": "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase",
    "datasource": "aws:bedrock/agentDataSource:AgentDataSource",
    "schedule": "aws:scheduler/schedule:Schedule",
    "collection": "aws:opensearch/serverlessCollection:ServerlessCollection",
    "aoss_index": "aws-native:opensearchserverless:Index",
    "vbucket": "aws:s3/vectorsVectorBucket:VectorsVectorBucket",
    "vindex": "aws:s3/vectorsIndex:VectorsIndex",
    "logging": "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration",
    "log_group": "aws:cloudwatch/logGroup:LogGroup",
    "bucket": "aws:s3/bucket:Bucket",
    "alarm": "aws:cloudwatch/metricAlarm:MetricAlarm",
    "dashboard": "aws:cloudwatch/dashboard:Dashboard",
    "kms": "aws:kms/key:Key",
    "budget": "aws:budgets/budget:Budget",
}
SERVICES = {
    "aws:sagemaker": "sagemaker", "aws:bedrock/inferenceProfile": "bedrock", "aws:bedrock/guardrail": "bedrock-guardrails",
    "aws:bedrock/agent": "bedrock-knowledge-bases", "aws:opensearch": "opensearch-serverless", "aws-native:opensearchserverless": "opensearch-serverless",
    "aws:s3/vectors": "s3-vectors", "aws:s3": "s3", "aws:cloudwatch": "cloudwatch", "aws:kms": "kms", "aws:budgets": "budgets",
    "aws:bedrockmodel": "bedrock", "aws:iam": "iam", "aws:sns": "sns", "aws:scheduler": "eventbridge-scheduler",
    "aws:appautoscaling": "application-autoscaling", "aws-native:bedrock": "bedrock", "aws:bedrock": "bedrock",
}


def service_of(type_token: str) -> str:
    best = ""
    for prefix in SERVICES:
        if type_token.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return SERVICES.get(best, type_token.split("/")[0].split(":")[-1])


def ref_name(value: Any) -> str | None:
    return value.get("ref") if isinstance(value, dict) and set(value) == {"ref", "attr"} else None


def text_units(tokens: float) -> int:
    return math.ceil(tokens * CHARS_PER_TOKEN / 1000.0) if tokens > 0 else 0


class Builder:
    """The estimate under construction: the Plan's resources, prices, traffic and the lines written so far."""

    def __init__(self, data: dict[str, Any], prices: PriceTable, assumptions: Assumptions):
        self.data = data
        self.prices = prices
        self.a = assumptions
        self.region = data.get("region") or prices.fallback_region
        self.hours = prices.hours_per_month
        self.days = self.hours / 24.0
        self.res = {r["name"]: r for r in data.get("resources", [])}
        self.costs: dict[str, ResourceCost] = {
            n: ResourceCost(n, r["type"], r.get("source", ""), service_of(r["type"])) for n, r in sorted(self.res.items())}
        self.warnings: list[dict[str, Any]] = []
        budget = next((r for r in self.res.values() if r["type"] == TYPES["budget"]), None)
        traffic = dict((budget or {}).get("meta", {}).get("expectedTraffic") or {})
        self.rpd = float(traffic.get("requestsPerDay", 1000))
        self.tin = float(traffic.get("inputTokensPerRequest", 1000))
        self.tout = float(traffic.get("outputTokensPerRequest", 250))
        self.peak = float(traffic.get("peakToAverage", 3))
        self.monthly_requests = rng(0.0, self.rpd * self.days, self.rpd * self.peak * self.days)
        self.budget_res = budget
        self.models = self._models()
        self.share = 1.0 if assumptions.split == "each" or not self.models else 1.0 / len(self.models)
        self.shape = daily_shape(self.peak)

    # --- lookups
    def price(self, key: str, where: str) -> Price | None:
        p = self.prices.get(key, self.region)
        if p is None:
            self.warn("unpriced", where, f"no price for {key} in the price table; the estimate leaves it out")
        return p

    def warn(self, code: str, resource: str, message: str, severity: str = "warning") -> None:
        entry = {"code": code, "severity": severity, "resource": resource,
                 "source": self.res.get(resource, {}).get("source", ""), "message": message}
        if entry not in self.warnings:
            self.warnings.append(entry)

    def line(self, resource: str, item: str, key: str, quantity: Range, *, recurring: bool = True, note: str = "") -> None:
        p = self.price(key, resource)
        unit = p.unit if p else (self.prices.entry(key) or {}).get("unit", "")
        self.costs[resource].lines.append(Line(item, key, unit, quantity, p, recurring, note))

    def note(self, resource: str, text: str) -> None:
        if text not in self.costs[resource].notes:
            self.costs[resource].notes.append(text)

    def _models(self) -> dict[str, str]:
        """Spec model name → the resource that serves it (inference profile or SageMaker endpoint)."""
        out: dict[str, str] = {}
        for name, r in self.res.items():
            if r["type"] == TYPES["profile"] and name.startswith("model-") and name.endswith("-profile"):
                out[name[len("model-"):-len("-profile")]] = name
            elif r["type"] == TYPES["endpoint"] and name.startswith("endpoint-") and not (r.get("meta") or {}).get("embedding"):
                out[name[len("endpoint-"):]] = name
        return dict(sorted(out.items()))

    def model_requests(self) -> Range:
        return scale(self.monthly_requests, self.share)

    def budget(self) -> dict[str, Any] | None:
        r = self.budget_res
        if r is None:
            return None
        meta = r.get("meta") or {}
        notes = r["inputs"].get("notifications") or []
        actual = sorted(float(n["threshold"]) for n in notes if n.get("notificationType") == "ACTUAL")
        forecast = any(n.get("notificationType") == "FORECASTED" for n in notes)
        return {"resource": r["name"], "source": r.get("source", ""), "monthlyUsd": float(meta.get("monthlyUsd") or
                                                                                          r["inputs"].get("limitAmount") or 0),
                "alertThresholdsPercent": actual, "forecastAlert": forecast}
