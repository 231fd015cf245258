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
    if result.skipped:
        out.append(f"skipped {len(result.skipped)} YAML/JSON file(s) that are not LLMApplication specs: "
                   + ", ".join(result.skipped[:5]) + (" …" if len(result.skipped) > 5 else ""))
    valid = sum(1 for f in result.files if f.ok)
    invalid = len(result.files) - valid
    summary = f"{len(result.files)} spec(s): {valid} valid, {invalid} invalid; {result.error_count} error(s), {result.warning_count} warning(s)"
    out.append(summary + f"  (stages: {', '.join(result.stages)})")
    return "\n".join(out) + "\n"
