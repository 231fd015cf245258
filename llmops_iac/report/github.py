"""GitHub Actions workflow commands: one annotation per finding and per spec diagnostic.

``::error file=…,line=…,col=…,title=<ID> [<environment>] <title>::message``
(``::warning`` / ``::notice`` by severity) for every active finding and
diagnostic; waived findings are ``::notice`` annotations saying until when and
by whom. A spec is judged once per environment, so the title names the
environment (and the stack, when it is not the environment's name) and the
message's last line its tier and profile: the same finding in dev and prod are
two annotations that say which is which. Printed
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


def _environment(f: Any) -> str:
    """``prod``, or ``prod, stack prod-eu`` when a stack of another name deploys it."""
    env = fx.environment(f)
    return env + (f", stack {f.stack}" if f.stack and f.stack != env else "")


def _environment_line(f: Any) -> str:
    """``Environment: prod (tier production, profile production)``."""
    tier = f.tier or (f.policy.tier if f.policy is not None else None)
    facts = ([f"tier {tier}"] if tier else []) + ([f"profile {f.policy.profile}"] if f.policy is not None else [])
    return f"Environment: {_environment(f)}" + (f" ({', '.join(facts)})" if facts else "")


def lines(result: RunResult) -> list[str]:
    """The workflow command lines of ``result``, spec by spec (diagnostics, then findings worst first)."""
    root = fx.repo_root()
    out: list[str] = []
    for f in result.files:
        env, env_line = _environment(f), _environment_line(f)
        for d in f.diagnostics:
            message = d.message + (f"\nFix: {d.hint}" if d.hint else "") + f"\n{env_line}"
            out.append(command(COMMAND[fx.level(d.severity)], message, file=fx.repo_path(d.file, root), line=d.line,
                               col=d.col, title=f"llmops-iac {fx.spec_rule_id(d.code)} [{env}]"))
        for x in fx.findings(f):
            where = dict(file=fx.repo_path(x.file, root), line=x.line, col=x.col)
            if x.waived:
                out.append(command("notice", f"{x.message}\n{x.severity} {fx.waiver_text(x)}\n{env_line}", **where,
                                   title=f"{x.rule_id} [{env}] {x.title} (waived)"))
            else:
                refs = f"\nReferences: {', '.join(x.references)}" if x.references else ""
                out.append(command(COMMAND[fx.level(x.severity)], f"{x.message}\nFix: {x.remediation}{refs}\n{env_line}",
                                   **where, title=f"{x.rule_id} [{env}] {x.title}"))
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
