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

from dataclasses import asdict
from collections.abc import Iterable
from typing import Any

from llmops_iac.compile.plan import plan_data
from llmops_iac.cost.breakdown import (
    POINTS,
    Assumptions,
    Estimate,
    Line,
    ResourceCost,
    qty,
)
from llmops_iac.cost.builder import Builder, service_of
from llmops_iac.cost.prices import PriceTable, load_prices
from llmops_iac.cost.services import guardrails, models, operations, retrieval
from llmops_iac.cost.traffic import daily_shape, instance_hours, runs_per_month

__all__ = ["POINTS", "Assumptions", "Estimate", "Line", "ResourceCost", "daily_shape", "estimate", "instance_hours",
           "iter_lines", "runs_per_month", "services_used"]


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
    b = Builder(data, prices, a)
    models.bedrock(b)
    models.sagemaker(b)
    guardrails.guardrails(b)
    retrieval.knowledge_bases(b)
    operations.logs(b)
    operations.fixed(b)
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
               "requestsPerModelPerMonth": {p: qty(v) for p, v in b.model_requests().items()},
               "monthlyRequests": {p: qty(v) for p, v in b.monthly_requests.items()}}
    locate = None
    if loaded is not None and getattr(loaded, "source", None) is not None:
        locate = loaded.source.locate
    return Estimate(app=data.get("app", ""), environment=data.get("environment", ""), region=b.region,
                    spec_file=data.get("specFile", ""), prices=prices, assumptions=a, traffic=traffic,
                    resources=list(b.costs.values()), budget=budget, warnings=b.warnings, gpu=fits, locate=locate)


def services_used(plan: Any) -> list[str]:
    """The services (for reports) that the Plan's resources belong to."""
    return sorted({service_of(r["type"]) for r in plan_data(plan).get("resources", [])})


def iter_lines(est: Estimate) -> Iterable[tuple[ResourceCost, Line]]:
    for r in est.resources:
        for line in r.lines:
            yield r, line
