"""GitHub Actions workflow commands: one annotation per finding and per spec diagnostic.

``::error file=…,line=…,col=…,title=<ID> <title>::message`` (``::warning`` /
``::notice`` by severity) for every active finding and diagnostic; waived
findings are ``::notice`` annotations saying until when and by whom. Printed
on standard output in a workflow step, they appear on the pull request's
changed lines. Escaping follows the runner: in the message ``%``, ``\\r`` and
``\\n``; in properties also ``:`` and ``,``; any other control character is
shown as its escape (``\\x1b``). The last line is a plain summary.

GitHub shows at most 10 error and 10 warning annotations per step (50 per
job); the SARIF upload carries every finding.
"""

from __future__ import annotations

from typing import Any

from llmops_iac.pipeline import RunResult
from llmops_iac.report import findings as fx
from llmops_iac.report.escape import controls

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: Any) -> str:
    """Escape a workflow command's message (after ``::``); other control characters (an ANSI ``\\x1b``) are
    written as their escapes, so the runner's log shows them instead of obeying them."""
    return controls(str(text), keep="\r\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: Any) -> str:
    """Escape a workflow command's property value (``file=``, ``title=``…)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, *, file: str | None = None, line: int = 0, col: int = 0, title: str | None = None) -> str:
    """One ``::kind props::message`` line, escaped."""
    props: list[str] = []
    if file:
        props.append(f"file={escape_property(file)}")
        if line > 0:
            props.append(f"line={line}")
            if col > 0:
                props.append(f"col={col}")
    if title:
        props.append(f"title={escape_property(title)}")
    return f"::{kind}{' ' + ','.join(props) if props else ''}::{escape_data(message)}"


def lines(result: RunResult) -> list[str]:
    """The workflow command lines of ``result``, spec by spec (diagnostics, then findings worst first)."""
    root = fx.repo_root()
    out: list[str] = []
    for f in result.files:
        for d in f.diagnostics:
            message = d.message + (f"\nFix: {d.hint}" if d.hint else "")
            out.append(command(COMMAND[fx.level(d.severity)], message, file=fx.repo_path(d.file, root), line=d.line,
                               col=d.col, title=f"llmops-iac {fx.spec_rule_id(d.code)}"))
        for x in fx.findings(f):
            where = dict(file=fx.repo_path(x.file, root), line=x.line, col=x.col)
            if x.waived:
                out.append(command("notice", f"{x.message}\n{x.severity} {fx.waiver_text(x)}", **where,
                                   title=f"{x.rule_id} {x.title} (waived)"))
            else:
                refs = f"\nReferences: {', '.join(x.references)}" if x.references else ""
                out.append(command(COMMAND[fx.level(x.severity)], f"{x.message}\nFix: {x.remediation}{refs}", **where,
                                   title=f"{x.rule_id} {x.title}"))
    c = fx.run_counts(result)
    verdict = "failed" if fx.run_fails(result) else "passed"
    summary = (f"llmops-iac {result.command} {verdict}: {fx.specs_phrase(c)}, "
               f"{fx.plural(c.input_errors, 'input error')}, {c.active_total} active finding(s) "
               f"({fx.severity_phrase(c.active)}), {c.waived} waived")
    out.append(summary)
    return out


def render(result: RunResult) -> str:
    """Return the workflow commands of ``result``, one per line."""
    return "\n".join(lines(result)) + "\n"
