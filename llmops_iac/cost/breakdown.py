"""The priced breakdown of a cost estimate: ranges (minimum, expected, maximum), priced lines, resources,
the Estimate with its budget flags, and the assumptions it was made under (llmops_iac/cost/estimate.py says how)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llmops_iac.cost.prices import Price, PriceTable

POINTS = ("minimum", "expected", "maximum")
ESTIMATE_VERSION = 1
CHARS_PER_TOKEN = 4
GIB = 1024 ** 3
TIB = 1024 ** 4


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


def rng(minimum: float = 0.0, expected: float = 0.0, maximum: float = 0.0) -> Range:
    return {"minimum": float(minimum), "expected": float(expected), "maximum": float(maximum)}


def flat(x: float) -> Range:
    return rng(x, x, x)


def add(a: Range, b: Range) -> Range:
    return {p: a[p] + b[p] for p in POINTS}


def scale(a: Range, k: float) -> Range:
    return {p: a[p] * k for p in POINTS}


def money(x: float) -> float:
    return round(x + 0.0, 2)


def qty(x: float) -> float:
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
                               "quantity": {p: qty(v) for p, v in self.quantity.items()}}
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
            out["monthlyUsd"] = {p: money(v) for p, v in self.usd.items()}
        else:
            out["oneOffUsd"] = money(self.usd["expected"])
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
        total = rng()
        for line in self.lines:
            if line.recurring:
                total = add(total, line.usd)
        return total

    @property
    def one_off(self) -> float:
        return sum(line.usd["expected"] for line in self.lines if not line.recurring)

    def to_dict(self, locate: Any = None) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "service": self.service, "source": self.source,
                               "monthlyUsd": {p: money(v) for p, v in self.monthly.items()},
                               "lines": [line.to_dict() for line in self.lines]}
        if self.one_off:
            out["oneOffUsd"] = money(self.one_off)
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
        total = rng()
        for r in self.resources:
            total = add(total, r.monthly)
        return total

    @property
    def one_off(self) -> float:
        return sum(r.one_off for r in self.resources)

    def by_service(self) -> dict[str, Range]:
        out: dict[str, Range] = {}
        for r in self.resources:
            if any(line.recurring for line in r.lines):
                out[r.service] = add(out.get(r.service, rng()), r.monthly)
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
        return {"currency": self.prices.currency, "total": {p: money(v) for p, v in self.total.items()},
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
            "oneOffUsd": money(self.one_off),
            "byService": {k: {p: money(v) for p, v in r.items()} for k, r in self.by_service().items()},
            "budget": shared["budget"],
            "overBudget": self.over_budget,
            "flags": shared["flags"],
            "resources": [r.to_dict(self.locate) for r in self.resources],
            "gpu": shared["gpu"],
            "warnings": list(self.warnings),
        }
