"""Markdown report: a pull-request comment.

A headline verdict (✅/❌ with counts), a table with one row per spec, then a
collapsible ``<details>`` per spec listing its input errors and active
findings (severity, rule ID and title, ``file:line``, message, remediation,
references), a separate table of waived findings (owner, expiry, reason) and
the rules that did not apply. The comment stays under GitHub's 65,536-character
limit: past :data:`MAX_CHARS` it is cut at a whole item, with a note saying
how much was left out and where to find it.
"""

from __future__ import annotations

import re
from typing import Any

from llmops_iac.pipeline import FileResult, RunResult
from llmops_iac.report import findings as fx

MARKER = "<!-- llmops-iac-report -->"
"""First line of the comment, so a workflow can find and update its own comment."""
GITHUB_COMMENT_LIMIT = 65_536
MAX_CHARS = 60_000
"""Budget for the comment, measured in UTF-16 code units like GitHub; leaves room for a wrapper's header."""
ICON = {"error": "🔴", "warning": "🟠", "note": "🔵"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!])")


def length(text: str) -> int:
    """The length of ``text`` as GitHub counts it (UTF-16 code units; an emoji can be two)."""
    return len(text.encode("utf-16-le")) // 2


def esc(text: Any) -> str:
    """Text safe inside Markdown prose and table cells: special characters escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def code(text: Any) -> str:
    """An inline code span that survives backticks and pipes in ``text``; an HTML comment opener inside gets a
    zero-width space, so no spec value can plant a marker a workflow finds its comment by."""
    s = " ".join(str(text).split()).replace("|", "\\|").replace("<!--", "<!\u200b--")
    fence = "``" if "`" in s else "`"
    return f"{fence} {s} {fence}" if fence == "``" else f"`{s}`"


def _status(f: FileResult, fail_at: str) -> str:
    if not f.ok:
        return "❌ invalid"
    if f.policy is not None and f.policy.fails_at(fail_at):
        return "❌ failing"
    if f.policy is not None and f.policy.active():
        return "⚠️ findings"
    return "✅ passed"


def _headline(result: RunResult, c: fx.Counts) -> str:
    failed = fx.run_fails(result)
    icon = "❌" if failed else "✅"
    verdict = "failed" if failed else "passed"
    parts = [fx.specs_phrase(c)]
    if c.input_errors:
        parts.append(fx.plural(c.input_errors, "input error"))
    parts.append(f"{fx.plural(c.active_total, 'active finding')} ({fx.severity_phrase(c.active)})" if c.active_total
                 else "0 active findings")
    parts.append(f"{c.waived} waived")
    stack = f" · stack `{result.stack}`" if result.stack else ""
    return f"## {icon} llmops-iac {result.command} {verdict}: " + ", ".join(parts) + stack


def _finding_item(x: Any, root: Any) -> str:
    lines = [f"- {ICON.get(fx.level(x.severity), '')} **{x.severity}** · **{x.rule_id}** {esc(x.title)} · "
             f"{code(fx.location(fx.repo_path(x.file, root), x.line))}",
             f"  {esc(x.message)}"]
    if x.resource:
        lines[-1] += f" (resource {code(x.resource)})"
    lines.append(f"  - **Fix:** {esc(x.remediation)}")
    if x.references:
        lines.append(f"  - **References:** {esc(', '.join(x.references))}")
    return "\n".join(lines) + "\n"


def _diagnostic_item(d: Any, root: Any) -> str:
    lines = [f"- {ICON.get(fx.level(d.severity), '')} **{d.severity}** · {code('spec/' + d.code)} · "
             f"{code(fx.location(fx.repo_path(d.file, root), d.line))}",
             f"  {esc(d.message)}"]
    if d.hint:
        lines.append(f"  - **Fix:** {esc(d.hint)}")
    return "\n".join(lines) + "\n"


def _waived_rows(waived: list[Any], root: Any) -> list[str]:
    rows = []
    for x in waived:
        w = x.waived_by or {}
        rows.append(f"| **{x.rule_id}** {esc(x.title)} | {code(fx.location(fx.repo_path(x.file, root), x.line))} | {esc(w.get('owner', ''))} | "
                    f"{esc(w.get('expires', ''))} | {esc(w.get('reason', ''))} |\n")
    return rows


class _Budget:
    """Append chunks while they fit; once one does not, count what is left out."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.full = False
        self.omitted = 0

    def fits(self, text: str, reserve: int = 0) -> bool:
        return not self.full and self.size + length(text) + reserve <= self.limit

    def add(self, text: str, reserve: int = 0, *, counted: bool = True) -> bool:
        if self.fits(text, reserve):
            self.parts.append(text)
            self.size += length(text)
            return True
        self.full = True
        if counted:
            self.omitted += 1
        return False

    def force(self, text: str) -> None:
        self.parts.append(text)
        self.size += length(text)


def _spec_section(f: FileResult, fail_at: str, root: Any) -> tuple[str, list[str], str]:
    """(opening, items, closing) of one spec's ``<details>``; items are what truncation may drop."""
    c = fx.file_counts(f, fail_at)
    env = fx.environment(f)
    failing = fx.file_fails(f, fail_at)
    summary = [fx.plural(c.input_errors, "input error")] if c.input_errors else []
    summary.append(fx.severity_phrase(c.active) if c.active_total else "0 findings")
    summary.append(f"{c.waived} waived")
    opening = (f"<details{' open' if failing else ''}>\n<summary>{_status(f, fail_at).split()[0]} <b>{_html(fx.repo_path(f.path, root))}</b> "
               f"[{_html(env)}] — {_html(', '.join(summary))}</summary>\n\n")
    items: list[str] = []
    if f.diagnostics:
        items.append(f"#### Input ({fx.plural(len(f.diagnostics), 'diagnostic')})\n\n")
        items += [_diagnostic_item(d, root) for d in f.diagnostics]
        items.append("\n")
    if f.policy is not None:
        active = f.policy.active()
        waived = f.policy.waived()
        if active:
            items.append(f"#### Findings ({len(active)})\n\n")
            items += [_finding_item(x, root) for x in active]
            items.append("\n")
        elif not f.diagnostics:
            items.append("No active findings.\n\n")
        if waived:
            items.append(f"#### Waived ({len(waived)})\n\n| rule | location | owner | expires | reason |\n|---|---|---|---|---|\n")
            items += _waived_rows(waived, root)
            items.append("\n")
        na = fx.outcome_ids(f, "not-applicable")
        off = fx.outcome_ids(f, "off")
        passed = fx.outcome_ids(f, "pass")
        failed = fx.outcome_ids(f, "fail")
        tail = [f"{len(passed)} passed", f"{len(failed)} failed"]
        tail.append(f"{len(na)} not applicable" + (f" ({', '.join(na)})" if na else ""))
        if off:
            tail.append(f"{len(off)} off in profile {esc(f.policy.profile)} ({', '.join(off)})")
        items.append(f"Rules: {'; '.join(tail)}. Profile {code(f.policy.profile)}, engine {code(f.policy.engine)}.\n\n")
    elif f.ok:
        items.append("Not judged by policies in this run.\n\n")
    else:
        items.append("Policies were not evaluated: fix the input errors first.\n\n")
    return opening, items, "</details>\n\n"


def _html(text: Any) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(result: RunResult, max_chars: int = MAX_CHARS) -> str:
    """Return the Markdown PR comment of ``result``, at most ``max_chars`` UTF-16 code units long.

    A result with a comparison (`check --base REV`) is rendered by report/review_markdown.py instead (see
    :func:`llmops_iac.report.renderers`), which leads with what the change does."""
    fail_at = fx.fail_level(result)
    root = fx.repo_root()
    c = fx.run_counts(result)
    note_room = 800  # the truncation note, the skipped line and the footer
    out = _Budget(max_chars - note_room)
    out.force(f"{MARKER}\n{_headline(result, c)}\n\n")
    if result.files:
        out.force("| spec | environment | status | input errors | errors | warnings | notes | waived | not applicable |\n"
                  "|---|---|---|--:|--:|--:|--:|--:|--:|\n")
        for f in result.files:
            fc = fx.file_counts(f, fail_at)
            row = (f"| {code(fx.repo_path(f.path, root))} | {esc(fx.environment(f))} | {_status(f, fail_at)} | {fc.input_errors} | "
                   f"{fc.active['error']} | {fc.active['warning']} | {fc.active['note']} | {fc.waived} | "
                   f"{fc.outcomes.get('not-applicable', 0)} |\n")
            out.add(row, counted=False)
        out.add("\n", counted=False)
    omitted_specs = 0
    # failing specs first, so that truncation leaves out what matters least
    for f in sorted(result.files, key=lambda f: not fx.file_fails(f, fail_at)):
        opening, items, closing = _spec_section(f, fail_at, root)
        room = length(closing) + 1
        if not out.add(opening, reserve=room, counted=False):
            omitted_specs += 1
            out.omitted += sum(1 for i in items if i.startswith(("- ", "| **")))
            continue
        for item in items:
            out.add(item, reserve=room, counted=item.startswith(("- ", "| **")))
        out.force(closing if out.parts[-1].endswith("\n\n") else "\n" + closing)
    if out.full:
        what = [fx.plural(out.omitted, "finding or diagnostic", "findings and diagnostics")] if out.omitted else []
        if omitted_specs:
            what.append(fx.plural(omitted_specs, "spec section"))
        out.force(f"> [!WARNING]\n> Truncated to stay under GitHub's {GITHUB_COMMENT_LIMIT:,}-character comment limit: "
                  f"{' and '.join(what) or 'some lines'} not shown. The SARIF upload (code scanning) and the job log "
                  "have every finding.\n\n")
    if result.skipped:
        out.force(f"<sub>Skipped {fx.plural(len(result.skipped), 'YAML/JSON file')} that are not LLMApplication specs.</sub>\n")
    policy = f"fail level `{fail_at}`" + (f", engine `{result.engine}`" if result.engine else "")
    out.force(f"<sub>llmops-iac {esc(fx.tool_version())} · stages: {', '.join(result.stages)} · {policy}</sub>\n")
    return "".join(out.parts)
