"""The pull-request comment of `check --base REV`: what this change does, first.

Order, most important first (truncation drops from the end): the head's verdict and the
change in one line; the specs the change touched (file status, new / resolved / unchanged
counts, expected monthly cost base → head); the monthly cost per spec and environment at
minimum / expected / maximum, base → head with the delta; the new findings in full (with
those whose severity rose or whose waiver ended); findings waived in this change (owner,
expiry, reason: a reviewer approves those); resolved findings; findings no longer judged
(never counted as resolved); then the unchanged findings, collapsed. Same marker as the
plain comment (llmops_iac/report/markdown.py), so a workflow updates one comment.
"""

from __future__ import annotations

from typing import Any

from llmops_iac.pipeline import RunResult
from llmops_iac.report import findings as fx
from llmops_iac.report.markdown import GITHUB_COMMENT_LIMIT, ICON, MARKER, MAX_CHARS, _Budget, code, esc
from llmops_iac.review.compare import POINTS, SEVERITY_RANK, Comparison, CostRow, Entry, SpecReview

CHANGE = {"added": "🆕 added", "modified": "✏️ modified", "renamed": "🔀 renamed", "deleted": "🗑️ deleted",
          "unchanged": "unchanged", "unchecked": "⚠️ no longer checked"}


def usd(x: float, signed: bool = False) -> str:
    if signed:
        sign = "+" if x >= 0.005 else ("−" if x <= -0.005 else "±")
        return f"{sign}${abs(x):,.2f}"
    return f"${x:,.2f}"


def _move(base: float | None, head: float | None) -> str:
    """``$1.00 → $2.00 (+$1.00)``; a side that does not exist is ``—``."""
    b = usd(base) if base is not None else "—"
    h = usd(head) if head is not None else "—"
    delta = (head or 0.0) - (base or 0.0)
    if base is not None and head is not None and abs(delta) < 0.005:
        return f"{h} (no change)"
    pct = f", {delta / base * 100:+.0f} %" if base else ""
    return f"{b} → {h} ({usd(delta, signed=True)}{pct})"


def _totals(rows: list[CostRow]) -> tuple[dict[str, float], dict[str, float]]:
    base = {p: sum((r.base or {}).get(p, 0.0) for r in rows) for p in POINTS}
    head = {p: sum((r.head or {}).get(p, 0.0) for r in rows) for p in POINTS}
    return base, head


def _where(item: Any) -> str:
    return code(fx.location(item.file, item.line))


def _new_item(e: Entry) -> str:
    x = e.head
    assert x is not None
    why = ""
    if e.status == "severity" and e.base is not None:
        why = f" (was {e.base.severity} at the base)"
    elif e.status == "unwaived":
        why = " (no longer waived: its waiver was removed or expired)"
    lines = [f"- {ICON.get(fx.level(x.severity), '')} **{x.severity}** · **{x.rule}** {esc(x.title)} · {_where(x)} · "
             f"{esc(x.label)}{why}", f"  {esc(x.message)}" + (f" (resource {code(x.resource)})" if x.resource else "")]
    if x.remediation:
        lines.append(f"  - **Fix:** {esc(x.remediation)}")
    if x.references:
        lines.append(f"  - **References:** {esc(', '.join(x.references))}")
    return "\n".join(lines) + "\n"


def _short_item(e: Entry, base_line: bool = False) -> str:
    x = e.item
    where = code(fx.location(x.file, 0)) + (f" (line {x.line} at the base)" if base_line and x.line else "")
    why = f" — {esc(e.why)}" if e.why else ""
    return f"- **{x.rule}** {esc(x.title)} · {x.severity} · {where} · {esc(x.label)}{why}\n"


def _unchanged_item(e: Entry) -> str:
    x = e.head
    assert x is not None
    waived = " · waived" if x.waived else ""
    return (f"- {ICON.get(fx.level(x.severity), '')} {x.severity} · **{x.rule}** {esc(x.title)} · {_where(x)} · "
            f"{esc(x.label)}{waived}: {esc(x.message)}\n")


def _waived_row(e: Entry) -> str:
    x = e.head
    assert x is not None
    w = x.waiver or {}
    return (f"| **{x.rule}** {esc(x.title)} | {_where(x)} | {esc(x.label)} | {esc(w.get('owner', ''))} | "
            f"{esc(w.get('expires', ''))} | {esc(w.get('reason', ''))} |\n")


def _spec_row(s: SpecReview) -> str:
    name = code(s.path) if not s.base_path or s.base_path == s.path else f"{code(s.base_path)} → {code(s.path)}"
    change = CHANGE.get(s.change, s.change)
    if s.change == "unchanged":  # touched all the same: what it reads, its stacks or the policies changed
        change = "file unchanged, results changed"
    if s.head_errors:
        change += f", ❌ {fx.plural(s.head_errors, 'input error')}"
    if s.base_path and not s.base_judged and s.change != "unchecked":
        change += ", base was invalid"
    if s.note:
        change += f" ({esc(s.note)})"
    new = len(s.of("new", "severity", "unwaived", "waived"))
    base, head = _totals(s.cost)
    has_base = any(r.base is not None for r in s.cost)
    has_head = any(r.head is not None for r in s.cost)
    cost = _move(base["expected"] if has_base else None, head["expected"] if has_head else None) if s.cost else "—"
    return (f"| {name} | {change} | {esc(', '.join(s.environments))} | {new} | {len(s.of('resolved'))} | "
            f"{len(s.of('unchanged'))} | {cost} |\n")


def _headline(result: RunResult, cmp: Comparison) -> str:
    failed = fx.run_fails(result)
    new = len(cmp.of("new", "severity", "unwaived"))
    parts = [fx.plural(new, "new finding"), f"{len(cmp.of('resolved'))} resolved"]
    waived = len(cmp.of("waived"))
    if waived:
        parts.append(f"{waived} waived in this change")
    stack = f" · stack `{result.stack}`" if result.stack else ""
    return f"## {'❌' if failed else '✅'} llmops-iac check {'failed' if failed else 'passed'}: " + ", ".join(parts) + stack


def _lead(result: RunResult, cmp: Comparison) -> str:
    rows = [r for s in cmp.specs for r in s.cost if r.changed]
    touched = cmp.touched
    named = cmp.base if not cmp.sha.startswith(cmp.base.lower()) else None  # a sha is shown once, short
    line = [f"Compared with {code(named)} at {code(cmp.sha[:7])}" if named else f"Compared with {code(cmp.sha[:7])}",
            f"{len(touched)} of {fx.plural(len({s.path for s in cmp.specs}), 'spec')} changed"]
    if rows:
        base, head = _totals(rows)
        delta = head["expected"] - base["expected"]
        arrow = "📈" if delta >= 0.005 else ("📉" if delta <= -0.005 else "➖")
        line.append(f"expected monthly cost **{usd(delta, signed=True)}** ({usd(base['expected'])} → "
                    f"{usd(head['expected'])}) {arrow}")
    else:
        line.append("no monthly cost change")
    c = fx.run_counts(result)
    whole = [fx.specs_phrase(c)]
    if c.input_errors:
        whole.append(fx.plural(c.input_errors, "input error"))
    whole.append(f"{fx.plural(c.active_total, 'active finding')} ({fx.severity_phrase(c.active)})" if c.active_total
                 else "0 active findings")
    whole.append(f"{c.waived} waived")
    out = " · ".join(line) + "\n\n" + f"<sub>This change's head as a whole: {', '.join(whole)}; fail level " \
                                       f"`{cmp.fail_level}`.</sub>\n\n"
    if cmp.base_error:
        out += (f"> [!WARNING]\n> The base could not be judged, so every finding is listed as new: "
                f"{esc(cmp.base_error)}\n\n")
    return out


def _cost_table(cmp: Comparison) -> list[str]:
    rows = [(s, r) for s in cmp.specs for r in s.cost if r.changed]
    if not rows:
        return []
    out = ["### 💰 Monthly cost\n\n| spec | environment | minimum | expected | maximum |\n|---|---|--:|--:|--:|\n"]
    for s, r in rows:
        b, h = r.base or {}, r.head or {}
        cells = [_move(b.get(p) if r.base else None, h.get(p) if r.head else None) for p in POINTS]
        over = " ⚠️ over budget" if r.head and r.budget is not None and r.head["expected"] > r.budget else ""
        out.append(f"| {code(s.path)} | {esc(r.label)}{over} | {cells[0]} | **{cells[1]}** | {cells[2]} |\n")
    if len(rows) > 1:
        base, head = _totals([r for _, r in rows])
        out.append("| **all changes** | | " + " | ".join(_move(base[p], head[p]) for p in POINTS) + " |\n")
    out.append("\nEstimates from llmops-iac's dated price table: minimum = provisioned capacity with no traffic, "
               "expected = `budgets.expectedTraffic`, maximum = autoscaling maximum at peak all month.\n\n")
    return out


def render(result: RunResult, max_chars: int = MAX_CHARS) -> str:
    """The comment of a run with ``result.comparison``, at most ``max_chars`` UTF-16 code units long."""
    cmp: Comparison = result.comparison  # type: ignore[attr-defined]
    out = _Budget(max_chars - 800)
    out.force(f"{MARKER}\n{_headline(result, cmp)}\n\n{_lead(result, cmp)}")
    touched = cmp.touched
    if touched:
        out.add("### Specs changed\n\n| spec | change | environments | new | resolved | unchanged | expected monthly cost |\n"
                "|---|---|---|--:|--:|--:|--:|\n", counted=False)
        for s in touched:
            out.add(_spec_row(s), counted=False)
        out.add("\n", counted=False)
    else:
        out.add("This change touches no spec and changes no finding or cost.\n\n", counted=False)
    for chunk in _cost_table(cmp):
        out.add(chunk, counted=False)
    new = cmp.of("new", "severity", "unwaived")
    if new:
        new.sort(key=lambda e: (not cmp.failing(e), -SEVERITY_RANK.get(e.item.severity, 2), e.item.file, e.item.line))
        out.add(f"### 🆕 New findings ({len(new)})\n\n", counted=False)
        for e in new:
            out.add(_new_item(e))
        out.add("\n", counted=False)
    waived = cmp.of("waived")
    if waived:
        out.add(f"### 🔕 Waived in this change ({len(waived)})\n\nA reviewer accepts these risks by approving:\n\n"
                "| rule | location | environment | owner | expires | reason |\n|---|---|---|---|---|---|\n", counted=False)
        for e in waived:
            out.add(_waived_row(e))
        out.add("\n", counted=False)
    resolved = cmp.of("resolved")
    if resolved:
        out.add(f"### ✅ Resolved ({len(resolved)})\n\n", counted=False)
        for e in resolved:
            out.add(_short_item(e, base_line=True))
        out.add("\n", counted=False)
    unverified = cmp.of("unverified")
    if unverified:
        out.add(f"### ❔ No longer judged ({len(unverified)})\n\nFound at the base and not judged in this change, "
                "so not resolved:\n\n", counted=False)
        for e in unverified:
            out.add(_short_item(e, base_line=True))
        out.add("\n", counted=False)
    unchanged = cmp.of("unchanged")
    if unchanged:
        failing = sum(1 for e in unchanged if cmp.failing(e))
        fails = f"; {failing} at or above the fail level" if failing else ""
        closing = "\n</details>\n\n"
        out.add(f"<details>\n<summary>Unchanged findings ({len(unchanged)}{fails})</summary>\n\n", reserve=len(closing),
                counted=False)
        if not out.full:
            for e in unchanged:
                out.add(_unchanged_item(e), reserve=len(closing))
            out.force(closing)
    if out.full:
        out.force(f"> [!WARNING]\n> Truncated to stay under GitHub's {GITHUB_COMMENT_LIMIT:,}-character comment limit: "
                  f"{fx.plural(out.omitted, 'item')} not shown. The SARIF upload (code scanning) and the job log have "
                  "every finding.\n\n")
    if result.skipped:
        out.force(f"<sub>Skipped {fx.plural(len(result.skipped), 'YAML/JSON file')} that are not LLMApplication specs."
                  "</sub>\n")
    engine = f", engine `{result.engine}`" if result.engine else ""
    out.force(f"<sub>llmops-iac {esc(fx.tool_version())} · compared with {code(cmp.base[:40])} ({cmp.sha[:12]}) · "
              f"fail level `{cmp.fail_level}`{engine}</sub>\n")
    return "".join(out.parts)
