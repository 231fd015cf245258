"""The ``--quiet`` text: only what failed, one line each, nothing when the command passes.

As compilers and linters print it (ruff --quiet: "print diagnostics, but nothing else"; clig.dev: -q suppresses
non-essential output), so a script or a pre-commit log shows why it failed and a passing run stays silent:

    specs/app.yaml:4:9: error[pattern]: metadata.name: 'Bad_Name' does not match …
    specs/app.yaml:15:7: error[LLM-GRD-001]: model classify can be invoked without a guardrail [prod]

A line is an input error (a diagnostic of severity error) or an unwaived finding at or above the fail level;
warnings and notes below it, waived findings, status lines, tables, fixes and the summary are left out. The
environment a finding was judged in follows it in brackets. Every failing run prints at least one line: a run
fails only through an input error or such a finding. Control characters in echoed values are escaped as in the
text report.
"""

from __future__ import annotations

from typing import Any, Iterable

from llmops_iac.report.escape import controls

SEVERITY_RANK = {"note": 0, "warning": 1, "error": 2}


def line(location: str, severity: str, code: str, message: str, where: str = "") -> str:
    """One problem: ``location: severity[code]: message [where]`` on one line."""
    return controls(f"{location}: {severity}[{code}]: {message}" + (f" [{where}]" if where else ""))


def render(result: Any) -> str:
    """The failing lines of a pipeline run (validate, check, policy check, plan, maturity)."""
    from llmops_iac.report import findings as fx

    fail_at = fx.fail_level(result)
    floor = SEVERITY_RANK[fail_at]
    out: list[str] = []
    for f in result.files:
        where = f.label[len(f.path):].strip().removeprefix("[").removesuffix("]")
        for d in f.errors:
            out.append(line(d.location(), d.severity, d.code, d.message))
        if f.policy is not None:
            for x in f.policy.active():
                if SEVERITY_RANK.get(x.severity, 2) >= floor:
                    out.append(line(fx.location(x.file, x.line, x.col), x.severity, x.rule_id, x.message, where))
    return "".join(s + "\n" for s in _unique(out))


def diagnostics(found: Iterable[Any]) -> str:
    """``found`` diagnostics (cost's failing findings), one line each."""
    return "".join(line(d.location(), d.severity, d.code, d.message) + "\n" for d in found)


def checks(report: Any) -> str:
    """The failed checks of a preflight or verify report, one line each (drift details joined on it)."""
    out = []
    for c in report.checks:
        if c.status == "fail":
            detail = f" ({'; '.join(c.differences)})" if c.differences else ""
            out.append(controls(f"FAIL  {c.kind}  {c.target}: {c.reason}{detail}"))
    return "".join(s + "\n" for s in out)


def _unique(lines: list[str]) -> list[str]:
    seen: set[str] = set()
    return [s for s in lines if not (s in seen or seen.add(s))]  # type: ignore[func-returns-value]
