"""Text and Markdown renderings of an Estimate (the ``cost`` command's output)."""

from __future__ import annotations

from typing import Any

from llmops_iac.cost.estimate import POINTS, Estimate

_SPLIT = {"each": "every request is served by every model once (pipeline; an upper bound per model)",
          "even": "requests are divided evenly across the models (routing)"}


def usd(x: float) -> str:
    return f"${x:,.2f}"


def _budget_line(est: Estimate) -> str:
    b = est.budget
    if b is None:
        return "budget: none declared"
    total = est.total
    pct = 100 * total["expected"] / b["monthlyUsd"] if b["monthlyUsd"] else float("inf")
    fired = [t for t in b["alertThresholdsPercent"] if pct >= t]
    verdict = "OVER BUDGET" if est.over_budget else "within budget"
    text = f"budget: {usd(b['monthlyUsd'])}/month; expected is {pct:.0f} % of it: {verdict}"
    if fired:
        text += f" (alerts at {', '.join(f'{t:g}' for t in fired)} % would fire)"
    if total["minimum"] > b["monthlyUsd"]:
        text += "; even the minimum (idle) cost exceeds it"
    elif total["maximum"] > b["monthlyUsd"]:
        text += f"; the maximum reaches {100 * total['maximum'] / b['monthlyUsd']:.0f} %"
    return text


def render_text(est: Estimate, *, detail: bool = False) -> str:
    """A terminal report: cost by service (and by resource with ``detail``), total, budget, GPU fit, notes."""
    d = est.to_dict()
    out = [f"{est.app} ({est.environment}, {est.region}): monthly cost estimate in {d['currency']}, "
           f"prices as of {d['prices']['asOf']} ({d['prices']['origin']})"]
    rows: list[tuple[str, dict[str, float]]] = list(d["byService"].items())
    if detail:
        rows = [(r["name"], r["monthlyUsd"]) for r in d["resources"] if r["lines"]]
    width = max([len(n) for n, _ in rows] + [len("total"), 12]) + 2
    out.append(f"  {'':{width}}{'minimum':>14}{'expected':>14}{'maximum':>14}")
    for name, v in rows:
        out.append(f"  {name:{width}}" + "".join(f"{usd(v[p]):>14}" for p in POINTS))
    out.append(f"  {'total':{width}}" + "".join(f"{usd(d['total'][p]):>14}" for p in POINTS))
    if d["oneOffUsd"]:
        out.append(f"  one-off (initial knowledge-base ingestion): {usd(d['oneOffUsd'])}")
    out.append(_budget_line(est))
    for f in est.gpu:
        if f.status == "fits":
            out.append(f"gpu: {f.resource}: {f.message}")
        else:
            out.append(f"gpu {f.severity}[{f.code}]: {f.resource}: {f.message}")
            if f.hint:
                out.append(f"  fix: {f.hint}")
    for w in est.warnings:
        if w["severity"] != "note":
            out.append(f"{w['severity']}[{w['code']}]: {w['resource'] + ': ' if w['resource'] else ''}{w['message']}")
    fallback = d["prices"]["fallbackKeys"]
    if fallback:
        out.append(f"note: {len(fallback)} price(s) have no {est.region} figure in the table and are priced from "
                   f"{d['prices']['fallbackRegion']}: {', '.join(fallback[:6])}{' …' if len(fallback) > 6 else ''}")
    for note in d["prices"]["liveNotes"]:
        out.append(f"note: {note}")
    out.append(f"assumes: {_SPLIT[est.assumptions.split]}; minimum = provisioned capacity with no traffic, "
               "maximum = autoscaling maximum with peak traffic all month")
    return "\n".join(out) + "\n"


def render_markdown(est: Estimate) -> str:
    """A Markdown summary (for a pull-request comment or a job summary)."""
    d = est.to_dict()
    out = [f"### Cost estimate: {est.app} ({est.environment}, {est.region})", "",
           "| service | minimum | expected | maximum |", "|---|---:|---:|---:|"]
    for name, v in d["byService"].items():
        out.append(f"| {name} | " + " | ".join(usd(v[p]) for p in POINTS) + " |")
    out.append("| **total** | " + " | ".join(f"**{usd(d['total'][p])}**" for p in POINTS) + " |")
    out += ["", _budget_line(est).replace("OVER BUDGET", "**over budget**")]
    problems = [f for f in est.gpu if f.status != "fits"]
    if problems:
        out.append("")
        for f in problems:
            out.append(f"- GPU {f.severity}: `{f.resource}`: {f.message}")
    out += ["", "<details><summary>By resource</summary>", "", "| resource | minimum | expected | maximum |",
            "|---|---:|---:|---:|"]
    for r in d["resources"]:
        if r["lines"] and any(r["monthlyUsd"].values()):
            out.append(f"| `{r['name']}` | " + " | ".join(usd(r["monthlyUsd"][p]) for p in POINTS) + " |")
    out += ["", f"Prices as of {d['prices']['asOf']} ({d['prices']['origin']}); assumes {_SPLIT[est.assumptions.split]}.",
            "</details>", ""]
    return "\n".join(out)


def summary(est: Estimate) -> dict[str, Any]:
    """The few numbers a `check` summary line needs."""
    t = est.total
    return {"expected": round(t["expected"], 2), "minimum": round(t["minimum"], 2), "maximum": round(t["maximum"], 2),
            "budget": est.budget["monthlyUsd"] if est.budget else None, "overBudget": est.over_budget}
