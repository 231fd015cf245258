"""Plain-text report: a status line per spec, compiler-style diagnostic lines, a findings table, a summary.

    FAIL  specs/app.yaml [prod]
      specs/app.yaml:4:9: error[pattern]: metadata.name: …
        fix: …
      SEVERITY  RULE         LOCATION            MESSAGE
      error     LLM-GRD-001  specs/app.yaml:15:7 model classify can be invoked without a guardrail
                fix: Add the model to a guardrail's appliesTo.models …
      waived    LLM-GRD-001  specs/app.yaml:12:7 model summarize can be invoked without a guardrail
                waived error until 2099-12-31 by platform@example.com: …
      rules: 3 passed, 1 failed, 1 not applicable, 0 off (profile default)

A spec's status is FAIL for an input error or an active finding at or above
the fail level, ``ok`` otherwise (findings below the fail level are listed all the same).
"""

from __future__ import annotations

from llmops_iac.errors import Diagnostic
from llmops_iac.pipeline import FileResult, RunResult
from llmops_iac.report import findings as fx
from llmops_iac.report.escape import controls

HEADERS = ("SEVERITY", "RULE", "LOCATION", "MESSAGE")


def diagnostic_lines(d: Diagnostic) -> list[str]:
    """Return the lines that show one diagnostic: the problem, then how to fix it (control characters escaped)."""
    lines = [controls(f"{d.location()}: {d.severity}[{d.code}]: {d.message}")]
    if d.hint:
        lines.append(controls(f"    fix: {d.hint}"))
    return lines


def findings_table(f: FileResult) -> list[str]:
    """The findings of one spec as an aligned table, worst first, waived ones last; each row followed by its fix."""
    if f.policy is None or not f.policy.findings:
        return []
    ordered = f.policy.active() + f.policy.waived()
    rows = [("waived" if x.waived else x.severity, x.rule_id, fx.location(x.file, x.line, x.col), x) for x in ordered]
    widths = [max(len(HEADERS[i]), *(len(r[i]) for r in rows)) for i in range(3)]
    out = ["  ".join(h.ljust(w) for h, w in zip(HEADERS[:3], widths)) + "  " + HEADERS[3]]
    indent = " " * (widths[0] + 2)
    for sev, rid, where, x in rows:
        message = [controls(x.message)]  # one line: a newline in an echoed value can't start a report line
        lead = "  ".join(v.ljust(w) for v, w in zip((sev, rid, where), widths)) + "  "
        out.append(lead + message[0])
        out.extend(" " * len(lead) + more for more in message[1:])
        if x.waived:
            out.append(f"{indent}{x.severity} {fx.waiver_text(x)}")
        else:
            out.append(f"{indent}fix: {x.remediation}")
    return out


def outcome_line(f: FileResult) -> str | None:
    if f.policy is None:
        return None
    counts = fx.file_counts(f)
    o = counts.outcomes
    return (f"rules: {o.get('pass', 0)} passed, {o.get('fail', 0)} failed, {o.get('not-applicable', 0)} not applicable, "
            f"{o.get('off', 0)} off (profile {f.policy.profile})")


def render(result: RunResult) -> str:
    """Return the text report of ``result``."""
    out: list[str] = []
    fail_at = fx.fail_level(result)
    for f in result.files:
        status = "FAIL" if fx.file_fails(f, fail_at) else "ok"
        out.append(f"{status:<5} {f.label}")
        for d in f.diagnostics:
            out.extend("  " + line for line in diagnostic_lines(d))
        out.extend("  " + line for line in findings_table(f))
        if f.policy is not None and f.policy.findings:
            out.append("  " + outcome_line(f))
    if result.skipped:
        out.append(f"skipped {len(result.skipped)} YAML/JSON file(s) that are not LLMApplication specs: "
                   + ", ".join(result.skipped[:5]) + (" …" if len(result.skipped) > 5 else ""))
    valid = sum(1 for f in result.files if f.ok)
    invalid = len(result.files) - valid
    counts = fx.run_counts(result)
    judged_in = f" in {counts.results} environment(s)" if counts.results != counts.specs else ""
    summary = (f"{counts.specs} spec(s){judged_in}: {valid} valid, {invalid} invalid; {result.error_count} error(s), "
               f"{result.warning_count} warning(s)")
    judged = [f.policy for f in result.files if f.policy is not None]
    if judged:
        counts = fx.run_counts(result)
        summary += f"; {counts.active_total} finding(s), {counts.waived} waived"
        if counts.active_total:
            summary += f" ({fx.severity_phrase(counts.active)}; fail level {fail_at})"
    out.append(summary + f"  (stages: {', '.join(result.stages)})")
    return "\n".join(controls(line) for line in out) + "\n"  # file names, waiver reasons, rule text: values echoed
