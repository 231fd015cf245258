"""Whether a gate's threshold can fail a realistic model (catalogue.yaml ``evidenceBars.gates``).

A correctness gate at min 0.1 or a cost gate of $100 a request blocks nothing, so
the checks credit a gate only when this module finds nothing wrong with it. The
cost ceiling comes from the price table: a few times the gated model's list price
for one request of the declared traffic.
"""

from __future__ import annotations

from typing import Any

from llmops_iac.maturity.checks.shared import gate_covers_model
from llmops_iac.maturity.evidence import Evidence
from llmops_iac.maturity.catalogue import bars
from llmops_iac.maturity.datasets import dataset_problems
from llmops_iac.maturity.evidence_bars import Bars


def gate_problem(ev: Evidence, gate: dict[str, Any], bars_: Bars | None = None) -> str:
    """Why ``gate``'s threshold cannot fail a realistic model ("" when it can)."""
    b = bars_ or bars()
    metric = gate.get("metric")
    bar = b.metrics.get(metric) if isinstance(metric, str) else None
    if bar is None:
        return f"gate on {metric} gets no credit: the metric has no realistic bar in the maturity catalogue"
    if bar.bound not in gate:
        return f"{metric} needs a {bar.bound} (a {'max' if bar.bound == 'min' else 'min'} alone never fails a weak model)"
    value = gate[bar.bound]
    limit, basis = bar.limit, ""
    if bar.per_request_multiple is not None:
        limit, basis = cost_ceiling(ev, gate, b)
    ok = value >= limit if bar.bound == "min" else value <= limit
    if ok:
        return ""
    need = ">=" if bar.bound == "min" else "<="
    return (f"{metric} {bar.bound} {value:g} cannot fail a realistic model (needs {bar.bound} {need} {limit:g}"
            + (f": {basis}" if basis else "") + ")")


def _gated_models(ev: Evidence, gate: dict[str, Any]) -> list[str]:
    return [m for m in sorted(ev.models()) if gate_covers_model(ev, gate, m)]


def cost_ceiling(ev: Evidence, gate: dict[str, Any], bars_: Bars | None = None) -> tuple[float, str]:
    """The loosest cost-per-request-usd max that counts for ``gate``, and how it was derived.

    ``perRequestMultiple`` times the list price of one request (the declared traffic's input and
    output tokens) of the gated Bedrock model; a gate on several models takes the cheapest
    (strictest) one; a model the price table does not price is held to the documented ``max``.
    The ceiling is rounded to a millionth of a dollar, so a gate written at the ceiling counts.
    """
    from llmops_iac.cost.prices import load_prices

    b = bars_ or bars()
    bar = b.metrics["cost-per-request-usd"]
    multiple = bar.per_request_multiple or 1.0
    traffic = ((ev.spec.get("budgets") or {}).get("expectedTraffic") or {})
    tin, tout = float(traffic.get("inputTokensPerRequest", 1000)), float(traffic.get("outputTokensPerRequest", 250))
    region = ev.spec.get("region") or ""
    prices = load_prices()
    found: list[tuple[float, str]] = []
    for name in _gated_models(ev, gate):
        model = ev.models()[name]
        if model.get("provider") != "bedrock":
            found.append((bar.limit, f"model {name} is not priced per token; the documented ceiling"))
            continue
        pin, pout = prices.bedrock_tokens(model.get("modelId", ""), region)
        if pin is None or pout is None:
            found.append((bar.limit, f"{model.get('modelId')} is not in the price table; the documented ceiling"))
            continue
        request = tin / 1000 * pin.usd + tout / 1000 * pout.usd
        found.append((round(multiple * request, 6), f"{multiple:g} x {model.get('modelId')} at {tin:g} input and {tout:g} output "
                                          f"tokens a request (${request:.4f})"))
    if not found:
        return bar.limit, "no model is gated; the documented ceiling"
    return min(found)


def gate_shortfall(ev: Evidence, gate: dict[str, Any], level: int, bars_: Bars | None = None) -> str:
    """Why ``gate`` does not count for a criterion of ``level``: its threshold, or its dataset ("" when it counts)."""
    b = bars_ or bars()
    problem = gate_problem(ev, gate, b)
    if problem:
        return problem
    ds = ev.datasets.get(gate.get("dataset", ""))
    if ds is None:
        return f"dataset {gate.get('dataset')} is not declared"
    found = dataset_problems(ds, level, b)
    return f"{gate['metric']} on {ds.name}: {found[0]}" if found else ""


def counting_gates(ev: Evidence, level: int, metrics: tuple[str, ...] = ()) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """The gates (of ``metrics``, or all) that count at ``level``, and why each other one does not."""
    b = bars()
    counted, problems = [], []
    for i, g in enumerate((ev.spec.get("evaluation") or {}).get("gates") or []):
        if metrics and g.get("metric") not in metrics:
            continue
        why = gate_shortfall(ev, g, level, b)
        if why:
            problems.append(f"gate {i}: {why}")
        else:
            counted.append((i, g))
    return counted, problems
