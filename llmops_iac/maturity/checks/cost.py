"""Checks of the Cost & Resource Optimization dimension (MAT-COST-*)."""

from __future__ import annotations

from llmops_iac.compile import tokens as T
from llmops_iac.maturity.checks.gate_bars import counting_gates
from llmops_iac.maturity.checks.registry import FAIL, PASS, Result, _na, _verdict, check
from llmops_iac.maturity.checks.shared import (
    _alarms, _gate_text, _gates, _models_by_provider, _names, _notify, _plural, _production_label,
)
from llmops_iac.maturity.evidence import Evidence, pointer


@check("MAT-COST-101")
def budget_exists(ev: Evidence) -> Result:
    budgets = ev.resources(T.BUDGET)
    if not budgets:
        return Result(FAIL, "the Plan has no budget")
    items, problems = [], []
    for res in budgets:
        actual = [n["threshold"] for n in res.inputs.get("notifications") or [] if n.get("notificationType") == "ACTUAL"]
        items.append(ev.item(res, f"{res.inputs.get('limitAmount')} {res.inputs.get('limitUnit', 'USD')} a month, alerts at "
                             f"{', '.join(f'{t:g} %' for t in actual) or 'none'}"))
        if not actual:
            problems.append(f"budget {res.name} has no actual-spend alert")
    return _verdict(problems, items, "a monthly budget with spend alerts")


@check("MAT-COST-102")
def budget_alerts_reach(ev: Evidence) -> Result:
    receivers = _notify(ev.spec.get("budgets") or {})
    item = ev.at("/spec/budgets/notify", f"budget alerts to {_names(receivers)}")
    if receivers:
        return Result(PASS, f"budget alerts go to {_plural(len(receivers), 'receiver')}", (item,))
    return Result(FAIL, "budget alerts notify nobody (budgets.notify is empty)", (item,))


@check("MAT-COST-201")
def cost_attributed(ev: Evidence) -> Result:
    ptr = "/metadata/costCenter"
    center = ev.metadata.get("costCenter", "unassigned")
    items = [ev.at(ptr, f"cost center {center}")]
    problems = []
    if not ev.explicit(ptr) or center == "unassigned":
        problems.append("metadata.costCenter is not set")
    untagged = sorted(r.name for r in ev.plan.resources.values()
                      if isinstance(r.inputs.get("tags"), dict) and not {"app", "environment", "costCenter"} <= set(r.inputs["tags"]))
    if untagged:
        problems.append(f"resources without cost-allocation tags: {_names(untagged)}")
    return _verdict(problems, items, f"spend is tagged to cost center {center}")


@check("MAT-COST-202")
def cost_forecast(ev: Evidence) -> Result:
    budgets = ev.spec.get("budgets") or {}
    problems, items = [], []
    traffic = budgets.get("expectedTraffic") or {}
    ptr = "/spec/budgets/expectedTraffic"
    items.append(ev.at(ptr, f"expected {traffic.get('requestsPerDay')} requests a day, "
                            f"{traffic.get('inputTokensPerRequest')}/{traffic.get('outputTokensPerRequest')} tokens in/out"))
    if not ev.explicit(ptr):
        problems.append("budgets.expectedTraffic is not declared (defaults are guesses)")
    items.append(ev.at("/spec/budgets/forecastAlerts", f"forecast alerts {'on' if budgets.get('forecastAlerts', True) else 'off'}"))
    if not budgets.get("forecastAlerts", True):
        problems.append("forecast alerts are off")
    return _verdict(problems, items, "spend is forecast from declared traffic")


@check("MAT-COST-203")
def consumption_alarmed(ev: Evidence) -> Result:
    problems, items = [], []
    if _models_by_provider(ev, "bedrock"):
        tokens = [a for a in _alarms(ev) if a.meta.get("metric") in ("input-tokens", "output-tokens")]
        if tokens:
            items += [ev.item(a, f"{a.meta['metric']} alarm on {a.meta.get('target')} above {a.inputs.get('threshold'):g}")
                      for a in tokens]
        else:
            problems.append("no input-tokens or output-tokens alarm on the Bedrock models")
    for name, model in _models_by_provider(ev, "sagemaker").items():
        top = (model.get("autoscaling") or {}).get("maxCapacity", 1)
        items.append(ev.at(pointer("spec", "models", name, "autoscaling", "maxCapacity"), f"{name}: at most {top} instance(s)"))
    return _verdict(problems, items, "runaway consumption is alarmed or bounded")


@check("MAT-COST-301")
def cost_gated(ev: Evidence) -> Result:
    declared = [(i, g) for i, g in _gates(ev) if g["metric"] == "cost-per-request-usd" and "max" in g]
    if not declared:
        return Result(FAIL, "no cost-per-request-usd gate with a max")
    gates, ignored = counting_gates(ev, 3, ("cost-per-request-usd",))
    items = tuple(ev.at(pointer("spec", "evaluation", "gates", i), _gate_text(g)) for i, g in declared)
    if not gates:
        return Result(FAIL, "no cost-per-request-usd gate counts: " + "; ".join(ignored[:3]), items)
    return Result(PASS, f"cost per request is capped by {_plural(len(gates), 'gate')} a costlier change fails", items)


@check("MAT-COST-302")
def capacity_follows_demand(ev: Evidence) -> Result:
    view = ev.production
    models = _models_by_provider(ev, "sagemaker", view)
    if not models:
        return _na("no SageMaker models (Bedrock on-demand is paid per token)")
    problems, items = [], []
    for name, model in models.items():
        scaling = model.get("autoscaling") or {}
        low, top = scaling.get("minCapacity", 1), scaling.get("maxCapacity", 1)
        items.append(ev.at(pointer("spec", "models", name, "autoscaling"), f"{name}: {low} to {top} instances, "
                           f"target {scaling.get('targetInvocationsPerInstance', 20)} invocations/instance/min", view=view))
        if top <= low:
            problems.append(f"endpoint {name} does not scale ({low} to {top} instances) in {_production_label(view)}")
    return _verdict(problems, items, f"every endpoint autoscales in {_production_label(view)}")
