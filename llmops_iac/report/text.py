"""Plain-text report: compiler-style ``file:line:col: error[code]: message`` lines and a summary."""

from __future__ import annotations

from llmops_iac.errors import Diagnostic
from llmops_iac.pipeline import RunResult


def diagnostic_lines(d: Diagnostic) -> list[str]:
    """Return the lines that show one diagnostic: the problem, then how to fix it."""
    lines = [f"{d.location()}: {d.severity}[{d.code}]: {d.message}"]
    if d.hint:
        lines.append(f"    fix: {d.hint}")
    return lines


def render(result: RunResult) -> str:
    """Return the text report of ``result``."""
    out: list[str] = []
    for f in result.files:
        env = f" [{f.environment}]" if f.environment else ""
        if f.ok:
            out.append(f"ok    {f.path}{env}")
        else:
            out.append(f"FAIL  {f.path}{env}")
        for d in f.diagnostics:
            out.extend("  " + line for line in diagnostic_lines(d))
        if f.policy is not None:
            for finding in f.policy.findings:
                tag = "waived " if finding.waived else ""
                where = f"{finding.file}:{finding.line}:{finding.col}"
                out.append(f"  {where}: {tag}{finding.severity}[{finding.rule_id}]: {finding.message}")
                if finding.waived:
                    w = finding.waived_by
                    out.append(f"      waived until {w['expires']} by {w['owner']}: {w['reason']}")
                else:
                    out.append(f"      fix: {finding.remediation}")
    if result.skipped:
        out.append(f"skipped {len(result.skipped)} YAML/JSON file(s) that are not LLMApplication specs: "
                   + ", ".join(result.skipped[:5]) + (" …" if len(result.skipped) > 5 else ""))
    valid = sum(1 for f in result.files if f.ok)
    invalid = len(result.files) - valid
    summary = f"{len(result.files)} spec(s): {valid} valid, {invalid} invalid; {result.error_count} error(s), {result.warning_count} warning(s)"
    judged = [f.policy for f in result.files if f.policy is not None]
    if judged:
        active = sum(len(p.active()) for p in judged)
        waived = sum(len(p.waived()) for p in judged)
        summary += f"; {active} finding(s), {waived} waived"
    out.append(summary + f"  (stages: {', '.join(result.stages)})")
    return "\n".join(out) + "\n"
