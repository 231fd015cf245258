"""``--live-prices``: on-demand prices from the AWS Price List Query API instead of the dated table.

The Price List API answers in us-east-1 (``pricing`` client). What is asked:

- SageMaker hosting: ``get_products(ServiceCode="AmazonSageMaker")`` filtered on the
  region and the usage type ``<REGION PREFIX>-Host:<instance type>`` (the hosting usage
  type; training and notebooks use other ones), one query per instance type the Plan uses;
- Bedrock on-demand tokens: ``get_products(ServiceCode="AmazonBedrock")`` filtered on the
  region and ``feature = On-demand Inference``; each product's ``model`` attribute is
  matched to the price table's ``pricingApiModel`` name of a model ID and its
  ``inferenceType`` to input or output tokens.

Each ``PriceList`` item is a JSON *string* (FormatVersion aws_v1); the price is
``terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit.USD``. Whatever the API
does not answer keeps its table price, and the returned table says which
(``live_notes``). Missing credentials → UsageError (exit 2); an API failure →
InternalError (exit 3).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from typing import Any, Iterable

from llmops_iac.aws.session import call, make_session, require_credentials
from llmops_iac.cost.prices import PriceTable, load_prices
from llmops_iac.errors import InternalError

PRICING_REGION = "us-east-1"
SAGEMAKER = "AmazonSageMaker"
BEDROCK = "AmazonBedrock"
ON_DEMAND_FEATURE = "On-demand Inference"

#: Region → the prefix of its usage types in the Price List (us-east-1 → "USE1-Host:ml.g5.2xlarge").
USAGE_PREFIX = {
    "us-east-1": "USE1", "us-east-2": "USE2", "us-west-1": "USW1", "us-west-2": "USW2", "ca-central-1": "CAN1",
    "eu-west-1": "EU", "eu-west-2": "EUW2", "eu-west-3": "EUW3", "eu-central-1": "EUC1", "eu-central-2": "EUC2",
    "eu-north-1": "EUN1", "eu-south-1": "EUS1", "eu-south-2": "EUS2", "ap-southeast-1": "APS1", "ap-southeast-2": "APS2",
    "ap-southeast-3": "APS4", "ap-south-1": "APS3", "ap-northeast-1": "APN1", "ap-northeast-2": "APN2",
    "ap-northeast-3": "APN3", "sa-east-1": "SAE1", "me-south-1": "MES1", "af-south-1": "AFS1", "ap-east-1": "APE1",
}
_SKIP_INFERENCE = re.compile(r"cache|batch|latency|flex|priority|provisioned|custom", re.I)


def pricing_client(session: Any = None, *, endpoint_url: str | None = None) -> Any:
    """The Price List API client (us-east-1), after checking credentials exist."""
    from botocore.config import Config

    session = session or make_session()
    require_credentials(session, "--live-prices")
    return session.client("pricing", region_name=PRICING_REGION, endpoint_url=endpoint_url,
                          config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 5, "mode": "standard"}))


def get_products(client: Any, service_code: str, filters: dict[str, str], *, max_pages: int = 50) -> list[dict[str, Any]]:
    """All products matching ``filters`` (TERM_MATCH on each field), parsed from the PriceList JSON strings."""
    kwargs: dict[str, Any] = {"ServiceCode": service_code, "FormatVersion": "aws_v1", "MaxResults": 100,
                              "Filters": [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in filters.items()]}
    out: list[dict[str, Any]] = []
    for _ in range(max_pages):
        page = call(f"pricing:GetProducts for {service_code}", client.get_products, **kwargs)
        for item in page.get("PriceList", []):
            try:
                out.append(json.loads(item) if isinstance(item, str) else item)
            except ValueError as exc:
                raise InternalError(f"the Price List API returned a malformed product for {service_code}: {exc}") from None
        token = page.get("NextToken")
        if not token:
            break
        kwargs["NextToken"] = token
    return out


def on_demand(product: dict[str, Any]) -> list[tuple[str, float, str]]:
    """(unit, USD, description) of every on-demand price dimension of a product."""
    out = []
    for offer in ((product.get("terms") or {}).get("OnDemand") or {}).values():
        for dim in (offer.get("priceDimensions") or {}).values():
            usd = (dim.get("pricePerUnit") or {}).get("USD")
            try:
                value = float(usd)
            except (TypeError, ValueError):
                continue
            out.append((str(dim.get("unit", "")), value, str(dim.get("description", ""))))
    return out


def _canon(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())


def sagemaker_hourly(client: Any, instance_type: str, region: str) -> float | None:
    """The on-demand hosting price of ``instance_type`` in ``region``, or None when the API has none."""
    prefix = USAGE_PREFIX.get(region)
    if prefix is None:
        return None
    usage = f"{prefix}-Host:{instance_type}"
    for product in get_products(client, SAGEMAKER, {"regionCode": region, "usagetype": usage}):
        if (product.get("product", {}).get("attributes", {}).get("usagetype")) != usage:
            continue
        for unit, usd, _ in on_demand(product):
            if unit.lower() in ("hrs", "hours", "hour") and usd > 0:
                return usd
    return None


def bedrock_tokens(client: Any, region: str) -> dict[tuple[str, str], float]:
    """{(canonical model name, "input"|"output"): USD per 1K tokens} of every on-demand Bedrock product in ``region``."""
    out: dict[tuple[str, str], float] = {}
    for product in get_products(client, BEDROCK, {"regionCode": region, "feature": ON_DEMAND_FEATURE}):
        attrs = product.get("product", {}).get("attributes", {})
        model = attrs.get("model") or attrs.get("titanModel") or ""
        kind = attrs.get("inferenceType", "")
        if not model or _SKIP_INFERENCE.search(kind):
            continue
        side = "input" if "input" in kind.lower() else ("output" if "output" in kind.lower() else None)
        if side is None:
            continue
        for unit, usd, _ in on_demand(product):
            u = unit.lower().replace(" ", "")
            per_1k = usd if u in ("1ktokens", "1k-tokens") else (usd / 1000.0 if u in ("1mtokens", "milliontokens") else None)
            if per_1k is not None:
                out.setdefault((_canon(model), side), per_1k)
    return out


def used_by(plan: Any) -> tuple[set[str], set[str], set[str]]:
    """(SageMaker instance types, Bedrock text models, Bedrock embedding models) a Plan uses."""
    data = plan.to_data() if hasattr(plan, "to_data") else plan
    types, models, embeddings = set(), set(), set()
    for r in data.get("resources", []):
        if r["type"] == "aws:sagemaker/endpointConfiguration:EndpointConfiguration":
            types.update(v.get("instanceType") for v in r["inputs"].get("productionVariants", []) if v.get("instanceType"))
        elif r["type"] == "aws:bedrock/inferenceProfile:InferenceProfile":
            if (r.get("meta") or {}).get("modelId"):
                models.add(r["meta"]["modelId"])
        elif r["type"] == "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase":
            arn = ((r["inputs"].get("knowledgeBaseConfiguration") or {}).get("vectorKnowledgeBaseConfiguration") or {}).get(
                "embeddingModelArn", "")
            if "foundation-model/" in arn:
                embeddings.add(arn.rsplit("foundation-model/", 1)[1])
    return types, models, embeddings


def fetch(table: PriceTable, region: str, *, instance_types: Iterable[str] = (), models: Iterable[str] = (),
          embeddings: Iterable[str] = (), client: Any = None, session: Any = None,
          today: str | None = None) -> PriceTable:
    """Return ``table`` with live prices for the given instance types and Bedrock models in ``region``."""
    client = client or pricing_client(session)
    figures: dict[str, tuple[str, float]] = {}
    missing: list[str] = []
    for t in sorted(set(instance_types)):
        usd = sagemaker_hourly(client, t, region)
        if usd is None:
            missing.append(f"sagemaker/{t}")
        else:
            figures[f"sagemaker/{t}"] = (region, usd)
    wanted = [(f"bedrock/{m}", m) for m in sorted(set(models))] + [(f"bedrock-embedding/{m}", m) for m in sorted(set(embeddings))]
    if wanted:
        tokens = bedrock_tokens(client, region)
        for prefix, model in wanted:
            sides = ("input",) if prefix.startswith("bedrock-embedding/") else ("input", "output")
            for side in sides:
                key = f"{prefix}/{side}"
                api_name = (table.entry(key) or {}).get("pricingApiModel")
                usd = tokens.get((_canon(api_name), side)) if api_name else None
                if usd is None:
                    missing.append(key)
                else:
                    figures[key] = (region, usd)
    notes = []
    if figures:
        notes.append(f"{len(figures)} price(s) from the AWS Price List API for {region}")
    if missing:
        notes.append(f"the Price List API had no {region} price for {', '.join(missing)}: the table's price is used")
    return table.with_live(figures, today or _dt.date.today().isoformat(), notes)


def live_prices(plan: Any, table: PriceTable | None = None, *, client: Any = None, session: Any = None,
                region: str | None = None, today: str | None = None) -> PriceTable:
    """The price table with live figures for everything ``plan`` uses that the Price List API prices."""
    data = plan.to_data() if hasattr(plan, "to_data") else plan
    table = table or load_prices()
    types, models, embeddings = used_by(data)
    return fetch(table, region or data.get("region") or table.fallback_region, instance_types=types, models=models,
                 embeddings=embeddings, client=client, session=session, today=today)
