"""The report of one `llmops-iac eval` run (text, json, markdown): each gate with its measured value, bound,
case count and verdict; gates not measured; harness metrics no gate takes (unmapped: reported, never guessed)."""

from __future__ import annotations

import json
from typing import Any

FORMATS = ("text", "json", "markdown")


def _bounds(g: dict[str, Any]) -> str:
    return " ".join(f"{k} {g[k]:g}" for k in ("min", "max") if k in g) or "no bound"


def _verdict(g: dict[str, Any]) -> str:
    if g["errors"]:
        return "FAIL"
    return "PASS" if g["passed"] else "FAIL"


def _why(g: dict[str, Any]) -> str:
    if g["errors"]:
        return f"{g['errors']} cases errored"
    return ""


def _head(doc: dict[str, Any]) -> list[str]:
    (name, ds), = doc["datasets"].items()
    env = doc["spec"]["environment"]
    target = f", target {doc['target']}" if doc.get("target") else ", untargeted gates"
    return [f"{doc['harness']['name']} {doc['harness']['version']} on dataset {name} (sha256 {ds['sha256'][:12]}){target}",
            f"spec {doc['spec']['file']}{f' [{env}]' if env else ''}, spec hash {doc['spec']['specHash']}, "
            f"{doc['cases']} cases, {doc['createdAt']}"]


def text(doc: dict[str, Any], written: str | None = None) -> str:
    out = [f"llmops-iac eval: {line}" if i == 0 else f"  {line}" for i, line in enumerate(_head(doc))]
    out.append("")
    if not doc["gates"]:
        out.append("  no gate of this dataset and target was measured")
    for g in doc["gates"]:
        why = _why(g)
        out.append(f"  {_verdict(g)}  {g['metric']:<22} {g['value']:<10.6g} {_bounds(g):<12} "
                   f"{g['cases']} cases ({g['aggregation']}){'  ' + why if why else ''}")
    for u in doc.get("unmeasured", []):
        out.append(f"  ----  {u['metric']:<22} not measured: {u['reason']}")
    if doc.get("unmapped"):
        out.append("")
        out.append("  unmapped metrics (no gate metric maps to them; reported, not used): "
                   + ", ".join(f"{u['metric']} ({u['cases']} cases)" for u in doc["unmapped"]))
    if doc.get("unused"):
        out.append("  measured, but no gate of this dataset and target uses it: "
                   + ", ".join(f"{u['metric']} ({u['cases']} cases)" for u in doc["unused"]))
    if doc.get("ignored"):
        out.append("  known metrics no gate takes: " + ", ".join(f"{u['metric']}" for u in doc["ignored"]))
    failed = sum(1 for g in doc["gates"] if _verdict(g) == "FAIL")
    out.append("")
    out.append(f"{len(doc['gates'])} gate{'s' if len(doc['gates']) != 1 else ''} measured, {failed} failed" + (f"; results written to {written}" if written else ""))
    return "\n".join(out) + "\n"


def markdown(doc: dict[str, Any], written: str | None = None) -> str:
    head = _head(doc)
    out = [f"## llmops-iac eval: {head[0]}", "", head[1], "", "| | Gate | Measured | Bound | Cases | Aggregation |",
           "|---|---|---|---|---|---|"]
    for g in doc["gates"]:
        mark = "✅" if _verdict(g) == "PASS" else "❌"
        why = f" ({_why(g)})" if _why(g) else ""
        out.append(f"| {mark} | {g['metric']} | {g['value']:.6g}{why} | {_bounds(g)} | {g['cases']} | {g['aggregation']} |")
    for u in doc.get("unmeasured", []):
        out.append(f"| ➖ | {u['metric']} | not measured: {u['reason']} | | | |")
    if doc.get("unmapped"):
        out += ["", "Unmapped metrics (reported, not used): " + ", ".join(f"`{u['metric']}`" for u in doc["unmapped"])]
    if written:
        out += ["", f"Results: `{written}`"]
    return "\n".join(out) + "\n"


def render(doc: dict[str, Any], fmt: str, written: str | None = None) -> str:
    if fmt == "json":
        return json.dumps(doc, indent=2) + "\n"
    if fmt == "markdown":
        return markdown(doc, written)
    return text(doc, written)
