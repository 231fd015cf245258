"""Monthly cost of a Plan as a range, compared with the declared budget.

``estimate(plan, loaded) -> Estimate``. Three points, each a whole month (730 hours):

``minimum``
    Provisioned capacity only, no traffic: SageMaker endpoints at their autoscaling
    minimum, OpenSearch Serverless at its OCU floor, knowledge-base storage and
    scheduled re-ingestion, and the fixed monthly items (KMS keys, dashboards, alarms,
    budget). What the application costs even when nobody uses it.
``expected``
    The declared ``budgets.expectedTraffic``: tokens, guardrail text units, queries and
    logs at ``requestsPerDay``; SageMaker instance-hours from autoscaling following a
    daily traffic curve (below).
``maximum``
    Every autoscaled resource at its maximum all month (SageMaker at ``maxCapacity``,
    OpenSearch Serverless at the account's default maximum OCUs) and the peak hour's
    traffic (``requestsPerDay × peakToAverage``) sustained all month: the bill if
    nothing stops it.

How traffic reaches the models (the split rule)
    The spec declares traffic for the whole application, not per model. By default
    (``split="each"``) **every request is served by every model once**, as in a
    pipeline (triage then answer; classify then extract). Per model this is an upper
    bound, the safe side for a budget check: an application that routes each request to
    one of N models is over-estimated up to N×, never under-estimated. ``split="even"``
    divides requests evenly across the models instead (routing). Embedding models see
    one query per request of a model that answers from their knowledge base.

SageMaker instance-hours at expected traffic
    Traffic follows a daily curve whose peak is ``peakToAverage`` × the average
    (a raised cosine: a single daily peak, nights near zero when the ratio is 2 or more),
    sampled every 5 minutes. At each step every production variant runs
    ``ceil(requests per minute × its weight / targetInvocationsPerInstance)``
    instances, clamped to the autoscaling bounds (scale-out lag and cool-downs ignored).
    A variant without a scaling policy runs its minimum.

Guardrails
    Each guarded model invocation is evaluated on its prompt (``inputTokensPerRequest``,
    context included) and its completion, in text units of 1,000 characters rounded up
    per request (4 characters a token). Content filters are charged on the side(s) with
    a filter on; denied topics, PII entities and contextual grounding on both sides;
    word filters and custom regexes are free.

Assumptions that are not in the spec (see :class:`Assumptions`): the knowledge-base
corpus size and how much of it changes per ingestion run, query length, log record
sizes. They appear in every estimate's ``assumptions`` so a reader can judge them.
Account-wide free tiers (first dashboards, alarms, budgets) are not subtracted.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from llmops_iac.compile.plan import plan_data
from llmops_iac.cost.prices import Price, PriceTable, load_prices

POINTS = ("minimum", "expected", "maximum")
ESTIMATE_VERSION = 1
CHARS_PER_TOKEN = 4
STEPS_PER_DAY = 288  # 5-minute steps
GIB = 1024 ** 3
TIB = 1024 ** 4
_T = {
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
_SERVICE = {
    "aws:sagemaker": "sagemaker", "aws:bedrock/inferenceProfile": "bedrock", "aws:bedrock/guardrail": "bedrock-guardrails",
    "aws:bedrock/agent": "bedrock-knowledge-bases", "aws:opensearch": "opensearch-serverless", "aws-native:opensearchserverless": "opensearch-serverless",
    "aws:s3/vectors": "s3-vectors", "aws:s3": "s3", "aws:cloudwatch": "cloudwatch", "aws:kms": "kms", "aws:budgets": "budgets",
    "aws:bedrockmodel": "bedrock", "aws:iam": "iam", "aws:sns": "sns", "aws:scheduler": "eventbridge-scheduler",
    "aws:appautoscaling": "application-autoscaling", "aws-native:bedrock": "bedrock", "aws:bedrock": "bedrock",
}


@dataclass(frozen=True)
class Assumptions:
    """What the estimate assumes where the spec says nothing; every value is reported with the estimate."""

    split: str = "each"  # each | even (see the module docstring)
    kb_corpus_tokens: int = 10_000_000  # ≈ 5,000 documents of 2,000 tokens per knowledge base
    kb_change_per_ingestion: float = 0.02  # share of the corpus re-embedded by each scheduled ingestion run
    query_tokens: int = 50  # tokens of the question a knowledge-base query embeds
    log_metadata_bytes: int = 1_500  # an invocation log record without prompt and completion text
    log_json_overhead: float = 1.2  # JSON escaping and framing of logged text
    endpoint_log_bytes: int = 500  # container log bytes per SageMaker request
    capture_overhead: float = 1.3  # data-capture JSON framing of request and response

    def to_dict(self) -> dict[str, Any]:
        return {"split": self.split, "kbCorpusTokens": self.kb_corpus_tokens,
                "kbChangePerIngestion": self.kb_change_per_ingestion, "queryTokens": self.query_tokens,
                "charsPerToken": CHARS_PER_TOKEN, "logMetadataBytes": self.log_metadata_bytes,
                "logJsonOverhead": self.log_json_overhead, "endpointLogBytesPerRequest": self.endpoint_log_bytes,
                "captureOverhead": self.capture_overhead}


Range = dict  # {"minimum": float, "expected": float, "maximum": float}


def _r(minimum: float = 0.0, expected: float = 0.0, maximum: float = 0.0) -> Range:
    return {"minimum": float(minimum), "expected": float(expected), "maximum": float(maximum)}


def _same(x: float) -> Range:
    return _r(x, x, x)


def _add(a: Range, b: Range) -> Range:
    return {p: a[p] + b[p] for p in POINTS}


def _scale(a: Range, k: float) -> Range:
    return {p: a[p] * k for p in POINTS}


def _money(x: float) -> float:
    return round(x + 0.0, 2)


def _qty(x: float) -> float:
    return float(f"{x:.6g}")


@dataclass
class Line:
    """One priced quantity of one resource."""

    item: str
    key: str
    unit: str
    quantity: Range
    price: Price | None
    recurring: bool = True
    note: str = ""

    @property
    def usd(self) -> Range:
        unit_price = self.price.usd if self.price else 0.0
        return {p: self.quantity[p] * unit_price for p in POINTS}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"item": self.item, "priceKey": self.key, "unit": self.unit,
                               "quantity": {p: _qty(v) for p, v in self.quantity.items()}}
        if self.price is None:
            out["unitPriceUsd"] = None
            out["priced"] = False
        else:
            out["unitPriceUsd"] = self.price.usd
            out["priceRegion"] = self.price.region
            out["priceBasis"] = self.price.basis
            if self.price.fallback:
                out["priceFallback"] = True
        if self.recurring:
            out["monthlyUsd"] = {p: _money(v) for p, v in self.usd.items()}
        else:
            out["oneOffUsd"] = _money(self.usd["expected"])
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class ResourceCost:
    name: str
    type: str
    source: str
    service: str
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def monthly(self) -> Range:
        total = _r()
        for line in self.lines:
            if line.recurring:
                total = _add(total, line.usd)
        return total

    @property
    def one_off(self) -> float:
        return sum(line.usd["expected"] for line in self.lines if not line.recurring)

    def to_dict(self, locate: Any = None) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "service": self.service, "source": self.source,
                               "monthlyUsd": {p: _money(v) for p, v in self.monthly.items()},
                               "lines": [line.to_dict() for line in self.lines]}
        if self.one_off:
            out["oneOffUsd"] = _money(self.one_off)
        if locate is not None and self.source:
            file, line, col = locate(self.source)
            out["location"] = {"file": file, "line": line, "col": col}
        if self.notes:
            out["notes"] = list(self.notes)
        return out


@dataclass
class Estimate:
    """The estimate of one Plan; :meth:`to_dict` is JSON-ready (schemas/cost.schema.json)."""

    app: str
    environment: str
    region: str
    spec_file: str
    prices: PriceTable
    assumptions: Assumptions
    traffic: dict[str, Any]
    resources: list[ResourceCost]
    budget: dict[str, Any] | None
    warnings: list[dict[str, Any]]
    gpu: list[Any]
    locate: Any = None

    @property
    def total(self) -> Range:
        total = _r()
        for r in self.resources:
            total = _add(total, r.monthly)
        return total

    @property
    def one_off(self) -> float:
        return sum(r.one_off for r in self.resources)

    def by_service(self) -> dict[str, Range]:
        out: dict[str, Range] = {}
        for r in self.resources:
            if any(line.recurring for line in r.lines):
                out[r.service] = _add(out.get(r.service, _r()), r.monthly)
        return dict(sorted(out.items()))

    def resource(self, name: str) -> ResourceCost:
        return next(r for r in self.resources if r.name == name)

    @property
    def over_budget(self) -> bool:
        """The flag the policy layer reads: the expected monthly cost exceeds the declared budget."""
        return bool(self.budget and self.total["expected"] > self.budget["monthlyUsd"])

    def flags(self) -> dict[str, bool]:
        total = self.total
        limit = self.budget["monthlyUsd"] if self.budget else None
        return {
            "overBudgetAtMinimum": bool(limit is not None and total["minimum"] > limit),
            "overBudgetAtExpected": bool(limit is not None and total["expected"] > limit),
            "overBudgetAtMaximum": bool(limit is not None and total["maximum"] > limit),
            "budgetMissing": self.budget is None,
            "budgetAlertsMissing": bool(self.budget is not None and not self.budget["alertThresholdsPercent"]),
            "forecastAlertMissing": bool(self.budget is not None and not self.budget["forecastAlert"]),
            "gpuMisfit": any(f.status == "misfit" for f in self.gpu),
            "gpuUnderused": any(f.status == "underused" for f in self.gpu),
            "unpricedItems": any(line.price is None for r in self.resources for line in r.lines),
            "regionFallback": any(line.price is not None and line.price.fallback for r in self.resources for line in r.lines),
            "estimatedPrices": any(line.price is not None and line.price.basis == "estimate"
                                   for r in self.resources for line in r.lines if any(line.quantity.values())),
        }

    def policy_input(self) -> dict[str, Any]:
        """What policies read as ``input.cost`` (totals, budget, flags, GPU fit): the same values as
        :meth:`to_dict`, without the per-resource lines no rule reads."""
        return {"currency": self.prices.currency, "total": {p: _money(v) for p, v in self.total.items()},
                "budget": self.budget, "flags": self.flags(), "gpu": [f.to_dict() for f in self.gpu]}

    def to_dict(self) -> dict[str, Any]:
        shared = self.policy_input()
        fallback_keys = sorted({line.key for r in self.resources for line in r.lines if line.price and line.price.fallback})
        return {
            "estimateVersion": ESTIMATE_VERSION,
            "app": self.app,
            "environment": self.environment,
            "region": self.region,
            "specFile": self.spec_file,
            "currency": shared["currency"],
            "prices": {"asOf": self.prices.as_of, "origin": self.prices.origin, "fallbackRegion": self.prices.fallback_region,
                       "fallbackKeys": fallback_keys, "liveNotes": list(self.prices.live_notes)},
            "assumptions": self.assumptions.to_dict(),
            "traffic": self.traffic,
            "total": shared["total"],
            "oneOffUsd": _money(self.one_off),
            "byService": {k: {p: _money(v) for p, v in r.items()} for k, r in self.by_service().items()},
            "budget": shared["budget"],
            "overBudget": self.over_budget,
            "flags": shared["flags"],
            "resources": [r.to_dict(self.locate) for r in self.resources],
            "gpu": shared["gpu"],
            "warnings": list(self.warnings),
        }


# ------------------------------------------------------------------------------------------------- traffic curve

@functools.lru_cache(maxsize=64)
def daily_shape(peak_to_average: float, steps: int = STEPS_PER_DAY) -> tuple[float, ...]:
    """Relative traffic per step over a day: mean 1, maximum ``peak_to_average`` (raised cosine, one daily peak)."""
    p = max(1.0, float(peak_to_average))
    thetas = [2 * math.pi * i / steps for i in range(steps)]
    if p <= 2.0:
        return tuple(1.0 + (p - 1.0) * math.cos(t) for t in thetas)
    base = [(1.0 + math.cos(t)) / 2.0 for t in thetas]

    def mean_of(n: float) -> float:
        return sum(b ** n for b in base) / steps

    lo, hi = 1.0, 1.0
    while 1.0 / mean_of(hi) < p and hi < 1e7:
        hi *= 2.0
    for _ in range(80):
        mid = (lo + hi) / 2.0
        if 1.0 / mean_of(mid) < p:
            lo = mid
        else:
            hi = mid
    n = (lo + hi) / 2.0
    m = mean_of(n)
    return tuple(b ** n / m for b in base)


def instance_hours(requests_per_day: float, weight: float, target_per_minute: float | None, low: int, high: int,
                   shape: tuple[float, ...], hours: float) -> float:
    """Expected instance-hours of one variant in a month of ``hours`` hours, following ``shape``."""
    if not target_per_minute or target_per_minute <= 0 or high <= low:
        return low * hours
    per_minute = requests_per_day / 1440.0 * weight
    counts = [min(high, max(low, math.ceil(per_minute * s / target_per_minute - 1e-9))) for s in shape]
    return sum(counts) / len(counts) * hours


# ------------------------------------------------------------------------------------------------- helpers

def _service(type_token: str) -> str:
    best = ""
    for prefix in _SERVICE:
        if type_token.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return _SERVICE.get(best, type_token.split("/")[0].split(":")[-1])


def _ref(value: Any) -> str | None:
    return value.get("ref") if isinstance(value, dict) and set(value) == {"ref", "attr"} else None


def _text_units(tokens: float) -> int:
    return math.ceil(tokens * CHARS_PER_TOKEN / 1000.0) if tokens > 0 else 0


def runs_per_month(expression: str | None, days: float) -> float:
    """Ingestion runs a month from an EventBridge Scheduler expression (rate or cron); 0 for manual/None."""
    if not expression:
        return 0.0
    m = re.match(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$", expression)
    if m:
        minutes = int(m.group(1)) * {"minute": 1, "hour": 60, "day": 1440}[m.group(2).rstrip("s")]
        return days * 1440.0 / minutes
    m = re.match(r"^cron\((.+)\)$", expression)
    if not m:
        return 0.0
    fields = m.group(1).split()
    if len(fields) != 6:
        return days
    minute, hour, dom, _month, dow, _year = fields
    per_day = _count(minute, 60) * _count(hour, 24)
    if dom not in ("*", "?"):
        day_factor = _count(dom, 31) * days / 30.4375
    elif dow not in ("*", "?"):
        day_factor = _count(_DAYS.sub(lambda m: str(_DAY_NUMBERS[m.group(0)]), dow.upper()), 7) * days / 7.0
    else:
        day_factor = days
    return per_day * day_factor


_DAY_NUMBERS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_DAYS = re.compile("|".join(_DAY_NUMBERS))


def _count(field_: str, span: int) -> int:
    total = 0
    for part in field_.split(","):
        step = 1
        if "/" in part:
            part, s = part.split("/", 1)
            step = int(s) if s.isdigit() else 1
        if part in ("*", "?"):
            total += math.ceil(span / step)
        elif "-" in part:
            a, b = part.split("-", 1)
            if a.isdigit() and b.isdigit():
                total += len(range(int(a), int(b) + 1, step))
            else:
                total += 1
        else:
            total += 1
    return max(total, 1)


# ------------------------------------------------------------------------------------------------- estimator

class _Builder:
    def __init__(self, data: dict[str, Any], prices: PriceTable, assumptions: Assumptions):
        self.data = data
        self.prices = prices
        self.a = assumptions
        self.region = data.get("region") or prices.fallback_region
        self.hours = prices.hours_per_month
        self.days = self.hours / 24.0
        self.res = {r["name"]: r for r in data.get("resources", [])}
        self.costs: dict[str, ResourceCost] = {
            n: ResourceCost(n, r["type"], r.get("source", ""), _service(r["type"])) for n, r in sorted(self.res.items())}
        self.warnings: list[dict[str, Any]] = []
        budget = next((r for r in self.res.values() if r["type"] == _T["budget"]), None)
        traffic = dict((budget or {}).get("meta", {}).get("expectedTraffic") or {})
        self.rpd = float(traffic.get("requestsPerDay", 1000))
        self.tin = float(traffic.get("inputTokensPerRequest", 1000))
        self.tout = float(traffic.get("outputTokensPerRequest", 250))
        self.peak = float(traffic.get("peakToAverage", 3))
        self.monthly_requests = _r(0.0, self.rpd * self.days, self.rpd * self.peak * self.days)
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
            if r["type"] == _T["profile"] and name.startswith("model-") and name.endswith("-profile"):
                out[name[len("model-"):-len("-profile")]] = name
            elif r["type"] == _T["endpoint"] and name.startswith("endpoint-") and not (r.get("meta") or {}).get("embedding"):
                out[name[len("endpoint-"):]] = name
        return dict(sorted(out.items()))

    def model_requests(self) -> Range:
        return _scale(self.monthly_requests, self.share)

    # --- components
    def bedrock(self) -> None:
        req = self.model_requests()
        for model, name in self.models.items():
            r = self.res[name]
            if r["type"] != _T["profile"]:
                continue
            meta = r.get("meta") or {}
            mid = meta.get("modelId", "")
            self.line(name, f"{mid} input tokens", f"bedrock/{mid}/input", _scale(req, self.tin / 1000.0))
            self.line(name, f"{mid} output tokens", f"bedrock/{mid}/output", _scale(req, self.tout / 1000.0))
            if meta.get("crossRegionInference") not in (None, "none"):
                self.note(name, f"cross-region inference ({meta['crossRegionInference']}) is priced at the source region, "
                                f"{self.region}")
            if meta.get("provisionedThroughput"):
                self.warn("provisioned-throughput-unpriced", name,
                          f"model {model} declares {meta['provisionedThroughput']} model units of provisioned throughput, "
                          "which the price table does not price (commitment terms vary); only on-demand tokens are estimated")

    def sagemaker(self) -> None:
        req = self.model_requests()
        for name, r in self.res.items():
            if r["type"] != _T["endpoint"]:
                continue
            cfg_name = _ref(r["inputs"].get("endpointConfigName"))
            cfg = self.res.get(cfg_name or "")
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
                policy = self.res.get(f"{name}-scaling-{v.get('variantName')}-policy")
                target = None
                if policy is not None:
                    target = float(policy["inputs"].get("targetTrackingScalingPolicyConfiguration", {}).get("targetValue") or 0) or None
                per_day = req["expected"] / self.days if self.days else 0.0
                expected = instance_hours(per_day, w / total_w, target, low, high, self.shape, self.hours)
                qty = _r(low * self.hours, expected, high * self.hours)
                label = f"{itype} instance-hours, variant {v.get('variantName')} ({100 * w / total_w:.0f} % of traffic)"
                self.line(name, label, f"sagemaker/{itype}", qty,
                          note="" if target or high == low else "no scaling policy: minimum capacity at expected traffic")
            if scaling and not embedding:
                self.note(name, f"autoscaling {scaling['min']}–{scaling['max']} instances per variant; a blue/green "
                                "deployment briefly runs a second fleet (not estimated)")

    def guardrails(self) -> None:
        req = self.model_requests()
        tu_in, tu_out = _text_units(self.tin), _text_units(self.tout)
        for name, r in self.res.items():
            if r["type"] != _T["guardrail"]:
                continue
            guarded = [m for m in ((r.get("meta") or {}).get("guards") or {}).get("models", []) if m in self.models]
            if not guarded:
                continue
            calls = _scale(req, len(guarded))
            inputs = r["inputs"]
            filters = (inputs.get("contentPolicyConfig") or {}).get("filtersConfigs") or []
            content_in = any(f.get("inputStrength", "NONE") != "NONE" for f in filters)
            content_out = any(f.get("outputStrength", "NONE") != "NONE" for f in filters)
            sides = {
                "content-filters": (tu_in if content_in else 0) + (tu_out if content_out else 0),
                "denied-topics": tu_in + tu_out if (inputs.get("topicPolicyConfig") or {}).get("topicsConfigs") else 0,
                "sensitive-information": tu_in + tu_out
                if (inputs.get("sensitiveInformationPolicyConfig") or {}).get("piiEntitiesConfigs") else 0,
                "contextual-grounding": tu_in + tu_out
                if (inputs.get("contextualGroundingPolicyConfig") or {}).get("filtersConfigs") else 0,
            }
            for policy, units in sides.items():
                if units:
                    self.line(name, f"{policy.replace('-', ' ')}: {units} text units per call × {len(guarded)} "
                                    f"model(s) ({', '.join(guarded)})",
                              f"guardrails/{policy}", _scale(calls, units / 1000.0))
            free = [k for k, present in (("word filters", inputs.get("wordPolicyConfig")),
                                         ("custom regexes", (inputs.get("sensitiveInformationPolicyConfig") or {}).get("regexesConfigs")))
                    if present]
            if free:
                self.note(name, f"{' and '.join(free)} are free")

    def _chunks(self, source: dict[str, Any] | None) -> tuple[float, float, str]:
        """Vectors from the corpus assumption and the data source's chunking: (vectors, tokens per vector, what)."""
        corpus = float(self.a.kb_corpus_tokens)
        chunking = (((source or {}).get("inputs") or {}).get("vectorIngestionConfiguration") or {}).get("chunkingConfiguration") or {}
        strategy = chunking.get("chunkingStrategy", "FIXED_SIZE")
        if strategy == "HIERARCHICAL":
            cfg = chunking.get("hierarchicalChunkingConfiguration") or {}
            levels = cfg.get("levelConfigurations") or [{"maxTokens": 1500}, {"maxTokens": 300}]
            child = float(levels[-1].get("maxTokens", 300))
            step = max(child - float(cfg.get("overlapTokens", 0)), 1.0)
            return corpus / step, float(levels[0].get("maxTokens", 1500)), f"hierarchical, {child:.0f}-token children"
        if strategy == "SEMANTIC":
            size = float((chunking.get("semanticChunkingConfiguration") or {}).get("maxTokens", 300))
            return corpus / size, size, f"semantic, up to {size:.0f} tokens"
        if strategy == "NONE":
            return corpus / 2000.0, 2000.0, "one chunk per 2,000-token document"
        cfg = chunking.get("fixedSizeChunkingConfiguration") or {"maxTokens": 300, "overlapPercentage": 20}
        size = float(cfg.get("maxTokens", 300))
        step = max(size * (1 - float(cfg.get("overlapPercentage", 0)) / 100.0), 1.0)
        return corpus / step, size, f"fixed {size:.0f}-token chunks"

    def knowledge_bases(self) -> None:
        req = self.model_requests()
        store_load: dict[str, dict[str, Any]] = {}
        for name, r in self.res.items():
            if r["type"] != _T["kb"]:
                continue
            meta = r.get("meta") or {}
            models = [m for m in meta.get("models", []) if m in self.models]
            queries = _scale(req, len(models))
            arn = ((r["inputs"].get("knowledgeBaseConfiguration") or {}).get("vectorKnowledgeBaseConfiguration") or {}).get(
                "embeddingModelArn", "")
            mid = arn.rsplit("foundation-model/", 1)[-1] if "foundation-model/" in arn else ""
            vectors, chunk_tokens, how = self._chunks(self.res.get(f"{name}-source"))
            schedule = self.res.get(f"{name}-ingestion-schedule")
            expression = schedule["inputs"].get("scheduleExpression") if schedule else None
            runs = runs_per_month(expression, self.days)
            reembed = self.a.kb_corpus_tokens * self.a.kb_change_per_ingestion * runs
            self.line(name, "knowledge base", "bedrock-kb/knowledge-base", _same(1.0))
            if mid:
                self.line(name, f"{mid}: query embeddings ({self.a.query_tokens} tokens × one query per request of "
                                f"{', '.join(models) or 'no model'})", f"bedrock-embedding/{mid}/input",
                          _scale(queries, self.a.query_tokens / 1000.0))
                if runs:
                    self.line(name, f"{mid}: re-ingestion embeddings ({runs:.0f} runs × "
                                    f"{100 * self.a.kb_change_per_ingestion:g} % of the corpus)",
                              f"bedrock-embedding/{mid}/input", _same(reembed / 1000.0))
                self.line(name, f"{mid}: initial ingestion of the corpus ({self.a.kb_corpus_tokens:,} tokens, assumed)",
                          f"bedrock-embedding/{mid}/input", _same(self.a.kb_corpus_tokens / 1000.0), recurring=False)
            self.note(name, f"corpus assumed {self.a.kb_corpus_tokens:,} tokens ({how}: ~{vectors:,.0f} vectors); "
                            f"ingestion {expression or 'manual'}")
            store = meta.get("vectorStore")
            if store:
                load = store_load.setdefault(store, {"queries": _r(), "vectors": 0.0, "chunk_tokens": chunk_tokens,
                                                     "reingested": 0.0})
                load["queries"] = _add(load["queries"], queries)
                load["vectors"] += vectors
                load["chunk_tokens"] = max(load["chunk_tokens"], chunk_tokens)
                load["reingested"] += vectors * self.a.kb_change_per_ingestion * runs
        self._s3_vectors(store_load)
        self._opensearch(store_load)

    def _s3_vectors(self, load: dict[str, dict[str, Any]]) -> None:
        for name, r in self.res.items():
            if r["type"] != _T["vindex"] or not name.startswith("vs-") or not name.endswith("-index"):
                continue
            store = name[len("vs-"):-len("-index")]
            info = load.get(store) or {"queries": _r(), "vectors": 0.0, "chunk_tokens": 0.0, "reingested": 0.0}
            dims = int(r["inputs"].get("dimension") or (r.get("meta") or {}).get("dimensions") or 1024)
            key_bytes = 40
            vector_bytes = dims * 4 + key_bytes + info["chunk_tokens"] * CHARS_PER_TOKEN + 200
            storage_gb = info["vectors"] * vector_bytes / GIB
            self.line(name, f"storage: ~{info['vectors']:,.0f} vectors of {dims} dimensions with chunk text",
                      "s3vectors/storage", _same(storage_gb))
            if info["reingested"]:
                self.line(name, "PUT of re-ingested vectors", "s3vectors/put", _same(info["reingested"] * vector_bytes / GIB))
            self.line(name, "initial PUT of the corpus", "s3vectors/put", _same(storage_gb), recurring=False)
            self.line(name, "query requests", "s3vectors/query-requests", _scale(info["queries"], 1 / 1000.0))
            processed = dims * 4 + key_bytes + 100  # vector, key and filterable metadata per vector
            first = min(info["vectors"], 100_000) * processed / TIB
            rest = max(info["vectors"] - 100_000, 0.0) * processed / TIB
            self.line(name, "query data processed (first 100,000 vectors)", "s3vectors/query-data-first-100k",
                      _scale(info["queries"], first))
            if rest:
                self.line(name, "query data processed (beyond 100,000 vectors)", "s3vectors/query-data-over-100k",
                          _scale(info["queries"], rest))

    def _opensearch(self, load: dict[str, dict[str, Any]]) -> None:
        facts = self.prices.facts
        groups: dict[tuple[str, str], list[str]] = {}
        for name, r in self.res.items():
            if r["type"] == _T["collection"]:
                key = self._aoss_key(name)
                standby = r["inputs"].get("standbyReplicas", "ENABLED")
                groups.setdefault((key, standby), []).append(name)
        for (key, standby), names in sorted(groups.items()):
            first = sorted(names)[0]
            floor = facts["aossMinimumOcus"]["withStandbyReplicas" if standby == "ENABLED" else "withoutStandbyReplicas"]
            replicas = 2 if standby == "ENABLED" else 1
            vectors = sum((load.get(n[len("vs-"):-len("-collection")]) or {}).get("vectors", 0.0) for n in names)
            dims = max(int((self.res[n].get("meta") or {}).get("dimensions") or 1024) for n in names)
            # HNSW graph memory (OpenSearch's sizing rule): 1.1 × (4 × d + 8 × M) bytes per vector, M = 16;
            # about half of an OCU's 6 GiB serves graphs.
            graph_gib = 1.1 * (4 * dims + 8 * 16) * vectors / GIB
            search_per_replica = max(floor["search"] / replicas, math.ceil(2 * graph_gib / 3.0) / 2.0)
            search = search_per_replica * replicas
            indexing = floor["indexing"]
            ocus = _r(floor["indexing"] + floor["search"], indexing + search,
                      facts["aossDefaultMaximumOcus"]["indexing"] + facts["aossDefaultMaximumOcus"]["search"])
            self.line(first, f"OCU-hours: floor {floor['indexing']:g} indexing + {floor['search']:g} search OCUs "
                             f"({'with' if standby == 'ENABLED' else 'without'} standby replicas)",
                      "aoss/ocu-hour", _scale(ocus, self.hours))
            self.note(first, "maximum: the account's default capacity limit (10 indexing + 10 search OCUs); "
                             "lower it with UpdateAccountSettings to cap the bill")
            if len(names) > 1:
                self.note(first, f"collections {', '.join(sorted(names))} share these OCUs (same KMS key)")
            chunk_tokens = max((load.get(n[len("vs-"):-len("-collection")]) or {}).get("chunk_tokens", 0.0) for n in names)
            storage_gb = vectors * (dims * 4 + chunk_tokens * CHARS_PER_TOKEN + 300) / GIB
            self.line(first, "managed storage (vectors and chunk text)", "aoss/storage", _same(storage_gb))

    def _aoss_key(self, collection: str) -> str:
        policy = self.res.get(collection.replace("-collection", "-encryption-policy"))
        if policy is None:
            return "aws-owned"
        text = repr(policy.get("inputs", {}).get("policy"))
        return "customer-managed" if "kms" in text.lower() or "KmsARN" in text else "aws-owned"

    def logs(self) -> None:
        req = self.model_requests()
        retention_default = 365
        logging = next((r for r in self.res.values() if r["type"] == _T["logging"]), None)
        bedrock_models = [m for m, n in self.models.items() if self.res[n]["type"] == _T["profile"]]
        if logging is not None and bedrock_models:
            content = bool((logging.get("meta") or {}).get("includeContent"))
            per_request = self.a.log_metadata_bytes + (
                (self.tin + self.tout) * CHARS_PER_TOKEN * self.a.log_json_overhead if content else 0)
            gb = _scale(req, len(bedrock_models) * per_request / GIB)
            cw = (logging["inputs"].get("loggingConfig") or {}).get("cloudwatchConfig")
            s3 = (logging["inputs"].get("loggingConfig") or {}).get("s3Config")
            what = "prompts, completions and metadata" if content else "metadata only"
            if cw:
                group = _ref(cw.get("logGroupName")) or "invocation-logs"
                if group in self.res:
                    retention = float(self.res[group]["inputs"].get("retentionInDays") or retention_default)
                    self.line(group, f"ingestion: Bedrock invocation logs ({what})", "cloudwatch/logs-ingestion", gb)
                    self.line(group, f"storage at steady state ({retention:.0f}-day retention)", "cloudwatch/logs-storage",
                              _scale(gb, retention / (self.days)))
                    retention_default = int(retention)
            if s3:
                bucket = _ref(s3.get("bucketName")) or "invocation-logs-bucket"
                if bucket in self.res:
                    self.line(bucket, f"S3 copy of the invocation logs, kept {retention_default} days (as long as the log group)",
                              "s3/standard-storage", _scale(gb, retention_default / self.days))
        for name, r in self.res.items():
            if r["type"] != _T["log_group"] or not name.endswith("-logs") or not name.startswith(("endpoint-", "embedding-")):
                continue
            endpoint = name[:-len("-logs")]
            if endpoint not in self.res or (self.res[endpoint].get("meta") or {}).get("embedding"):
                continue
            retention = float(r["inputs"].get("retentionInDays") or 365)
            gb = _scale(req, self.a.endpoint_log_bytes / GIB)
            self.line(name, "ingestion: endpoint container logs", "cloudwatch/logs-ingestion", gb)
            self.line(name, f"storage at steady state ({retention:.0f}-day retention)", "cloudwatch/logs-storage",
                      _scale(gb, retention / self.days))
        capture_bucket = "sagemaker-capture-bucket"
        if capture_bucket in self.res:
            for name, r in self.res.items():
                if r["type"] != _T["config"]:
                    continue
                capture = r["inputs"].get("dataCaptureConfig")
                if not capture:
                    continue
                share = float(capture.get("initialSamplingPercentage", 100)) / 100.0
                per = ((self.tin + self.tout) * CHARS_PER_TOKEN * self.a.capture_overhead + 500) * share
                gb = _scale(req, per / GIB)
                keep = float(self.res.get(name.replace("-config", "-logs"), {}).get("inputs", {}).get("retentionInDays") or 365)
                self.line(capture_bucket, f"data capture of {name[len('endpoint-'):-len('-config')]} "
                                          f"({100 * share:.0f} % sampled), kept {keep:.0f} days",
                          "s3/standard-storage", _scale(gb, keep / self.days))
                self.note(capture_bucket, "the Plan sets no lifecycle rule: captured data is assumed deleted after the "
                                          "log retention period")

    def fixed(self) -> None:
        for name, r in self.res.items():
            t = r["type"]
            if t == _T["kms"]:
                self.line(name, "customer managed key", "kms/key", _same(1.0))
            elif t == _T["dashboard"]:
                self.line(name, "dashboard", "cloudwatch/dashboard", _same(1.0))
            elif t == _T["alarm"]:
                queries = r["inputs"].get("metricQueries") or []
                metrics = sum(1 for q in queries if q.get("metric")) or 1
                self.line(name, f"alarm reading {metrics} metric{'s' if metrics > 1 else ''}", "cloudwatch/alarm-metric",
                          _same(float(metrics)))
            elif t == _T["budget"]:
                self.line(name, "budget", "budgets/budget-day", _same(self.days))

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


def estimate(plan: Any, loaded: Any = None, *, prices: PriceTable | None = None, assumptions: Assumptions | None = None,
             split: str | None = None, gpu: bool = True) -> Estimate:
    """Estimate the monthly cost of ``plan`` (a Plan or its ``to_data()``) as a minimum/expected/maximum range.

    ``loaded`` (the LoadedSpec the Plan came from) adds file:line locations; ``prices``
    defaults to the dated table (pass ``live.live_prices(...)`` for Price List API
    figures); ``split`` overrides ``assumptions.split`` ("each" or "even").
    """
    from llmops_iac.cost import gpu as gpu_mod

    data = plan_data(plan)
    prices = prices or load_prices()
    a = assumptions or Assumptions()
    if split is not None:
        if split not in ("each", "even"):
            raise ValueError(f"split must be 'each' or 'even', not {split!r}")
        a = Assumptions(**{**asdict(a), "split": split})
    b = _Builder(data, prices, a)
    b.bedrock()
    b.sagemaker()
    b.guardrails()
    b.knowledge_bases()
    b.logs()
    b.fixed()
    budget = b.budget()
    fits = gpu_mod.check_plan(data, prices, b.region) if gpu else []
    for line_owner in b.costs.values():
        for line in line_owner.lines:
            if line.price is not None and line.price.fallback:
                b.warn("price-region-fallback", line_owner.name,
                       f"{line.key} has no {b.region} price in the table: priced from {line.price.region}", severity="note")
    if budget is None:
        b.warn("budget-missing", "", "the Plan has no budget: the estimate cannot be compared with one")
    traffic = {"requestsPerDay": b.rpd, "inputTokensPerRequest": b.tin, "outputTokensPerRequest": b.tout,
               "peakToAverage": b.peak, "models": list(b.models),
               "requestsPerModelPerMonth": {p: _qty(v) for p, v in b.model_requests().items()},
               "monthlyRequests": {p: _qty(v) for p, v in b.monthly_requests.items()}}
    locate = None
    if loaded is not None and getattr(loaded, "source", None) is not None:
        locate = loaded.source.locate
    return Estimate(app=data.get("app", ""), environment=data.get("environment", ""), region=b.region,
                    spec_file=data.get("specFile", ""), prices=prices, assumptions=a, traffic=traffic,
                    resources=list(b.costs.values()), budget=budget, warnings=b.warnings, gpu=fits, locate=locate)


def services_used(plan: Any) -> list[str]:
    """The services (for reports) that the Plan's resources belong to."""
    return sorted({_service(r["type"]) for r in plan_data(plan).get("resources", [])})


def iter_lines(est: Estimate) -> Iterable[tuple[ResourceCost, Line]]:
    for r in est.resources:
        for line in r.lines:
            yield r, line
