"""The dated price table (llmops_iac/cost/data/prices.json): one source of truth for every price.

Every entry of ``prices`` has one shape::

    "sagemaker/ml.g5.2xlarge": {"unit": "instance-hour", "usd": {"us-east-1": 1.515, "us-west-2": 1.515},
                                "source": "aws-sagemaker-pricing", "retrieved": "2026-11-25",
                                "basis": "published" | "estimate", "note": "..."}

Keys are ``<service>/<item>``: ``sagemaker/<instance type>``,
``bedrock/<model id>/input|output`` (per 1K tokens), ``bedrock-embedding/<model id>/input``,
``guardrails/<policy>`` (per 1K text units), ``aoss/ocu-hour``, ``s3vectors/...``,
``cloudwatch/...``, ``kms/key``, ``s3/standard-storage``, ``budgets/budget-day``.
``source`` names an entry of ``sources`` (name and URL). ``usd`` maps a region to its
price; ``"*"`` means AWS publishes one price for every commercial region. A region the
entry does not list is priced from ``fallbackRegion`` and the returned :class:`Price`
says so (``fallback=True``), so an estimate never passes off a us-east-1 figure as a
Frankfurt one.

The full shape is :data:`TABLE_SCHEMA` (cerberus), checked by the tests and by
:func:`validate_table`; loading runs a quick structural check only (importing cerberus
costs ~0.2 s, which every ``cost`` run would pay). A broken table is an internal
error (exit 3), never a silent zero.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from llmops_iac.errors import InternalError

DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "prices.json")
HOURS_PER_MONTH = 730.0
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_REGION = r"^(\*|[a-z]{2}(-[a-z]+)+-\d)$"

_ENTRY = {
    "unit": {"type": "string", "required": True, "empty": False},
    "usd": {"type": "dict", "required": True, "empty": False,
            "keysrules": {"type": "string", "regex": _REGION},
            "valuesrules": {"type": "number", "min": 0}},
    "source": {"type": "string", "required": True, "empty": False},
    "retrieved": {"type": "string", "required": True, "regex": _DATE},
    "basis": {"type": "string", "required": True, "allowed": ["published", "estimate", "live"]},
    "note": {"type": "string", "empty": False},
    "pricingApiModel": {"type": "string", "empty": False},
}

TABLE_SCHEMA: dict[str, Any] = {
    "tableVersion": {"type": "integer", "required": True, "allowed": [1]},
    "asOf": {"type": "string", "required": True, "regex": _DATE},
    "currency": {"type": "string", "required": True, "allowed": ["USD"]},
    "fallbackRegion": {"type": "string", "required": True, "regex": _REGION},
    "about": {"type": "string", "required": True, "empty": False},
    "sources": {"type": "dict", "required": True, "empty": False,
                "valuesrules": {"type": "dict", "schema": {
                    "name": {"type": "string", "required": True, "empty": False},
                    "url": {"type": "string", "required": True, "regex": r"^https://\S+$"}}}},
    "facts": {"type": "dict", "required": True, "schema": {
        "aossMinimumOcus": {"type": "dict", "required": True, "schema": {
            "withStandbyReplicas": {"type": "dict", "required": True, "schema": {
                "indexing": {"type": "number", "required": True, "min": 0},
                "search": {"type": "number", "required": True, "min": 0}}},
            "withoutStandbyReplicas": {"type": "dict", "required": True, "schema": {
                "indexing": {"type": "number", "required": True, "min": 0},
                "search": {"type": "number", "required": True, "min": 0}}},
            "source": {"type": "string", "required": True},
            "retrieved": {"type": "string", "required": True, "regex": _DATE},
            "note": {"type": "string"}}},
        "aossDefaultMaximumOcus": {"type": "dict", "required": True, "schema": {
            "indexing": {"type": "number", "required": True, "min": 0},
            "search": {"type": "number", "required": True, "min": 0},
            "source": {"type": "string", "required": True},
            "retrieved": {"type": "string", "required": True, "regex": _DATE},
            "note": {"type": "string"}}},
        "hoursPerMonth": {"type": "dict", "required": True, "schema": {
            "value": {"type": "number", "required": True, "min": 1},
            "source": {"type": "string", "required": True},
            "retrieved": {"type": "string", "required": True, "regex": _DATE},
            "note": {"type": "string"}}},
    }},
    "prices": {"type": "dict", "required": True, "empty": False,
               "keysrules": {"type": "string", "regex": r"^[a-z0-9-]+/[A-Za-z0-9._:-]+(/(input|output))?$"},
               "valuesrules": {"type": "dict", "schema": _ENTRY}},
}


def validate_table(data: Any) -> list[str]:
    """Return the shape errors of a price table (empty when it is well formed)."""
    import cerberus

    v = cerberus.Validator(TABLE_SCHEMA)
    errors: list[str] = []
    if not isinstance(data, dict) or not v.validate(data):
        if not isinstance(data, dict):
            return ["the price table is not a JSON object"]
        errors.extend(_flatten(v.errors))
    sources = data.get("sources") or {}
    for key, entry in (data.get("prices") or {}).items():
        if isinstance(entry, dict) and entry.get("source") not in sources:
            errors.append(f"prices.{key}.source: {entry.get('source')!r} is not one of sources")
        if isinstance(entry, dict) and entry.get("basis") == "estimate" and not entry.get("note"):
            errors.append(f"prices.{key}: an estimate needs a note saying why")
    for key, fact in (data.get("facts") or {}).items():
        if isinstance(fact, dict) and fact.get("source") not in sources:
            errors.append(f"facts.{key}.source: {fact.get('source')!r} is not one of sources")
    return errors


def _quick_check(data: Any) -> list[str]:
    """The checks every load runs: what a lookup relies on (cheap; the cerberus schema is the full check)."""
    if not isinstance(data, dict):
        return ["the price table is not a JSON object"]
    missing = [k for k in ("asOf", "currency", "fallbackRegion", "sources", "facts", "prices") if k not in data]
    if missing:
        return [f"missing {', '.join(missing)}"]
    errors = []
    for key, entry in data["prices"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("usd"), dict) or not entry["usd"]:
            errors.append(f"prices.{key}: no usd figures")
            continue
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 for v in entry["usd"].values()):
            errors.append(f"prices.{key}: a usd figure is not a non-negative number")
        if entry.get("source") not in data["sources"] or not entry.get("retrieved") or not entry.get("unit"):
            errors.append(f"prices.{key}: needs unit, a known source and a retrieval date")
    return errors


def _flatten(errors: Any, prefix: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(errors, dict):
        for k, v in errors.items():
            out.extend(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(errors, list):
        for item in errors:
            out.extend(_flatten(item, prefix))
    else:
        out.append(f"{prefix}: {errors}")
    return out


@dataclass(frozen=True)
class Price:
    """One price as it applies to a region."""

    key: str
    usd: float
    unit: str
    region: str  # the region the figure is for ("*" for a global price)
    requested_region: str
    source: str
    source_name: str
    source_url: str
    retrieved: str
    basis: str  # published | estimate | live
    note: str = ""

    @property
    def fallback(self) -> bool:
        """Whether the figure is another region's (the table had none for the requested one)."""
        return self.region not in ("*", self.requested_region)

    def to_dict(self) -> dict[str, Any]:
        out = {"key": self.key, "usd": self.usd, "unit": self.unit, "region": self.region, "source": self.source_name,
               "url": self.source_url, "retrieved": self.retrieved, "basis": self.basis}
        if self.fallback:
            out["fallbackFor"] = self.requested_region
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class PriceTable:
    """The loaded table; look prices up with :meth:`get`."""

    data: Mapping[str, Any]
    origin: str = "table"  # "table", or "live" once Price List API figures are merged in
    live_notes: tuple[str, ...] = field(default=())

    @property
    def as_of(self) -> str:
        return self.data["asOf"]

    @property
    def currency(self) -> str:
        return self.data["currency"]

    @property
    def fallback_region(self) -> str:
        return self.data["fallbackRegion"]

    @property
    def hours_per_month(self) -> float:
        return float(self.data["facts"]["hoursPerMonth"]["value"])

    @property
    def facts(self) -> Mapping[str, Any]:
        return self.data["facts"]

    def keys(self) -> list[str]:
        return sorted(self.data["prices"])

    def entry(self, key: str) -> Mapping[str, Any] | None:
        return self.data["prices"].get(key)

    def get(self, key: str, region: str) -> Price | None:
        """Return the price of ``key`` in ``region`` (falling back to the table's fallback region), or None."""
        entry = self.data["prices"].get(key)
        if entry is None:
            return None
        usd = entry["usd"]
        if region in usd:
            at = region
        elif "*" in usd:
            at = "*"
        elif self.fallback_region in usd:
            at = self.fallback_region
        else:
            return None
        src = self.data["sources"].get(entry["source"], {})
        return Price(key=key, usd=float(usd[at]), unit=entry["unit"], region=at, requested_region=region,
                     source=entry["source"], source_name=src.get("name", entry["source"]), source_url=src.get("url", ""),
                     retrieved=entry["retrieved"], basis=entry["basis"], note=entry.get("note", ""))

    def instance_hour(self, instance_type: str, region: str) -> Price | None:
        return self.get(f"sagemaker/{instance_type}", region)

    def bedrock_tokens(self, model_id: str, region: str) -> tuple[Price | None, Price | None]:
        return self.get(f"bedrock/{model_id}/input", region), self.get(f"bedrock/{model_id}/output", region)

    def embedding_tokens(self, model_id: str, region: str) -> Price | None:
        return self.get(f"bedrock-embedding/{model_id}/input", region)

    def with_live(self, figures: Mapping[str, tuple[str, float]], retrieved: str, notes: Iterable[str] = ()) -> "PriceTable":
        """Return a copy whose entries in ``figures`` ({key: (region, usd)}) carry live Price List API prices."""
        data = copy.deepcopy(dict(self.data))
        data["sources"]["aws-price-list-api"] = {"name": "AWS Price List Query API (pricing:GetProducts), on-demand terms",
                                                 "url": "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html"}
        for key, (region, usd) in figures.items():
            entry = dict(data["prices"].get(key) or {"unit": _unit_of(key)})
            entry.update({"usd": {region: float(usd)}, "source": "aws-price-list-api", "retrieved": retrieved, "basis": "live"})
            entry.pop("note", None)
            data["prices"][key] = entry
        return PriceTable(data, origin="live" if figures else self.origin, live_notes=tuple(self.live_notes) + tuple(notes))


def _unit_of(key: str) -> str:
    if key.startswith("sagemaker/"):
        return "instance-hour"
    return "1K input tokens" if key.endswith("/input") else "1K output tokens"


@functools.lru_cache(maxsize=4)
def _load(path: str) -> PriceTable:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise InternalError(f"cannot read the price table {path}: {exc}") from None
    errors = _quick_check(data)
    if errors:
        raise InternalError(f"the price table {path} is malformed: " + "; ".join(errors[:10]))
    return PriceTable(data)


def load_prices(path: str | None = None) -> PriceTable:
    """Return the price table (validated, cached per process)."""
    return _load(os.path.abspath(path or DATA_FILE))


def bedrock_model_ids(table: PriceTable) -> set[str]:
    """Every Bedrock text model the table prices (both input and output)."""
    ids = {k.split("/", 1)[1].rsplit("/", 1)[0] for k in table.keys() if k.startswith("bedrock/")}
    return {m for m in ids if table.entry(f"bedrock/{m}/input") and table.entry(f"bedrock/{m}/output")}


def embedding_model_ids(table: PriceTable) -> set[str]:
    return {k.split("/", 1)[1].rsplit("/", 1)[0] for k in table.keys() if k.startswith("bedrock-embedding/")}
