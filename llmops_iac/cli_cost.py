"""The cost and capacity commands (issue 6): ``cost``, ``diff``, ``preflight`` and ``verify``.

Thin click commands over :mod:`llmops_iac.cost` and :mod:`llmops_iac.aws`; ``register(group)``
adds them to the main ``llmops-iac`` group (llmops_iac/cli.py calls it on its last line).

``cost`` and ``diff`` never talk to AWS (``cost --live-prices`` asks the Price List API);
``preflight`` and ``verify`` do, read-only, after checking that credentials and a region exist.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

import click

_COMMANDS: tuple[click.Command, ...] | None = None
_PENDING: list[click.Group] = []


def register(group: click.Group) -> None:
    """Add ``cost``, ``diff``, ``preflight`` and ``verify`` to ``group``; calling it again changes nothing.

    A name already taken by another command is an error rather than a silent replacement.
    """
    if _COMMANDS is None:  # llmops_iac.cli is being imported from the import below: finish once the commands exist
        if group not in _PENDING:
            _PENDING.append(group)
        return
    for command in _COMMANDS:
        existing = group.commands.get(command.name or "")
        if existing is command:
            continue
        if existing is not None:
            raise RuntimeError(f"llmops-iac: a command named {command.name!r} is already registered")
        group.add_command(command)


# Imported after register() is defined: when this module is imported before llmops_iac.cli, cli.py's own
# `from llmops_iac.cli_cost import register; register(cli)` runs during this import and is completed below.
from llmops_iac.cli_common import (INTERNAL_ERROR, OutputSpec, _guard, echo, exit_codes_help,  # noqa: E402
                                   quiet_option, spec_of_stack, stack_applies, stdin_specs)
from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, Diagnostic, SpecError, UsageError  # noqa: E402
from llmops_iac.output_paths import loaded_reads  # noqa: E402

REPORT_FORMATS = ("text", "json", "markdown")
SEVERITY_RANK = {"note": 0, "warning": 1, "error": 2}

# Each command's own exit codes (llmops_iac.cli_common.exit_codes_help), each saying what its 1 means.
COST_EXIT_HELP = exit_codes_help({
    0: "clean (findings below --fail-level are still listed)",
    1: "a finding at or above --fail-level: a GPU misfit is an error; over budget at expected traffic, an underused "
       "GPU, an unknown model size and an unpriced item are warnings",
    2: "usage or input error (bad spec, flag or stack; --live-prices without AWS credentials)",
    3: "internal or engine failure: a broken price table, a Price List API failure (never a pass)"})

DIFF_EXIT_HELP = exit_codes_help({
    0: "the diff was printed (informational: a cost increase is not a failure)",
    2: "usage or input error (bad revision, missing file, bad spec)", 3: INTERNAL_ERROR})


def aws_exit_help(what: str) -> str:
    return exit_codes_help({
        0: "every check passed (warnings and skips do not fail)", 1: what,
        2: "usage or input error: bad spec or stack, no AWS credentials or region, credentials rejected, access denied",
        3: "AWS or internal failure: endpoint unreachable, throttled, a malformed answer (never a pass)"})


class ReportOutput(OutputSpec):
    """``--output [FORMAT=]PATH`` for the commands that render text, json or markdown."""

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[str | None, str]:
        if isinstance(value, tuple):
            return value
        fmt, sep, path = value.partition("=")
        if (path if sep else value) == "-":
            return super().convert(value, param, ctx)  # refused there: standard output carries --format
        if sep and fmt not in REPORT_FORMATS:
            self.fail(f"unknown format {fmt!r} in {value!r}; formats: {', '.join(REPORT_FORMATS)}", param, ctx)
        return super().convert(value, param, ctx) if sep else (None, value)


def format_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--format and --output, as report_options has them, for the text/json/markdown reports."""
    decorators = [
        click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True,
                     help="Format printed on standard output (markdown: for a pull-request comment)."),
        click.option("--output", "outputs", type=ReportOutput(), multiple=True,
                     help="Also write the report to PATH (atomically), in FORMAT if given as FORMAT=PATH. Repeatable."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def stack_options(func: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.option("--stack", default=None, metavar="STACK",
                     help="Stack whose environment overrides apply: reads stacks/Pulumi.STACK.yaml."),
        click.option("--stacks-dir", default=None, metavar="DIR", type=click.Path(file_okay=False),
                     help="Directory of Pulumi.<stack>.yaml files (default: Pulumi.yaml's stackConfigDir)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _check_region(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.match(r"^[a-z]{2}(?:-gov)?-[a-z]+-[0-9]$", value):
        raise click.BadParameter(f"{value!r} is not an AWS region; write one such as us-east-1", ctx, param)
    return value


def _check_endpoint_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise click.BadParameter(f"{value!r} is not an http(s) URL; write e.g. http://127.0.0.1:5000", ctx, param)
    return value


def aws_options(func: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.option("--region", default=None, metavar="REGION", callback=_check_region,
                     help="AWS region to check (default: the stack's aws:region, else spec.region, else the profile's)."),
        click.option("--profile", default=None, metavar="NAME",
                     help="AWS profile to use (default: the standard credential chain: AWS_PROFILE, environment, SSO, role)."),
        click.option("--endpoint-url", default=None, metavar="URL", callback=_check_endpoint_url,
                     help="Send every AWS call to URL instead of AWS, e.g. a local moto server or LocalStack (for testing)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _diagnosed(func: Callable[..., Any]) -> Callable[..., Any]:
    """Under _guard: an input error shows every diagnostic (file:line:col and fix) on standard error, then exit 2."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SpecError as exc:
            from llmops_iac.report.text import diagnostic_lines

            if not exc.diagnostics:
                raise
            lines = [line for d in exc.diagnostics for line in diagnostic_lines(d)]
            n = len(exc.diagnostics)
            click.echo("\n".join(lines) + f"\nllmops-iac: error: {n} input problem{'s' if n != 1 else ''}", err=True)
            sys.exit(EXIT_INPUT)

    return wrapper


def _prepare(outputs: Iterable[tuple[str | None, str]], files: Iterable[str | None], stacks_dir: str | None) -> Any:
    """Check every --output before any work: usable, distinct, naming no input (llmops_iac.output_paths)."""
    from llmops_iac.output_paths import Outputs

    return Outputs.prepare([("--output", path) for _, path in outputs], specs=[f for f in files if f], stacks_dir=stacks_dir)


def _emit(renderers: dict[str, Callable[[], str]], fmt: str, outputs: Iterable[tuple[str | None, str]], guard: Any,
          reads: Iterable[tuple[str, str]] = (), kind: str | None = None, quiet: Callable[[], str] | None = None) -> None:
    """Write every --output atomically (none naming a file the run read), then print --format on standard output:
    the text coloured as ``kind`` on a terminal (llmops_iac.colour); with --quiet, ``quiet()`` instead of the text."""
    from llmops_iac.report import write_atomic

    guard.refuse(reads)

    cache: dict[str, str] = {}

    def rendered(name: str) -> str:
        if name not in cache:
            cache[name] = renderers[name]()
        return cache[name]

    for out_fmt, path in outputs:
        write_atomic(path, rendered(out_fmt or fmt))
    if quiet is not None and fmt == "text":
        echo(quiet(), "checks" if kind == "checks" else "quiet")
    else:
        echo(rendered(fmt), kind if fmt == "text" else None)


def _json(data: Any) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------------------------- cost

def cost_findings(run: Any) -> list[Diagnostic]:
    """What ``cost`` judges, each at its spec line: GPU fit (misfit error; underused, unknown warnings),
    over budget at expected traffic (warning), and the estimate's own warnings and notes."""
    from llmops_iac.cost.render import usd

    est, loaded = run.estimate, run.loaded
    found: list[Diagnostic] = list(run.diagnostics())

    def at(pointer: str) -> tuple[str, int, int]:
        if pointer and loaded is not None:
            return loaded.source.locate(pointer)
        return (getattr(loaded, "path", "") or est.spec_file, 0, 0)

    if est.over_budget:
        b, total = est.budget, est.total
        file, line, col = at(f"{b['source'] or '/spec/budgets'}/monthlyUsd")
        pct = 100 * total["expected"] / b["monthlyUsd"] if b["monthlyUsd"] else float("inf")
        found.append(Diagnostic(
            file=file, line=line, col=col, code="over-budget", severity="warning", pointer=f"{b['source']}/monthlyUsd",
            message=(f"expected monthly cost {usd(total['expected'])} is {pct:.0f} % of the budget {usd(b['monthlyUsd'])} "
                     f"(range {usd(total['minimum'])} – {usd(total['maximum'])})"),
            hint="lower budgets.expectedTraffic or the models' cost (cheaper models, smaller instances, autoscaling "
                 "minimums), or raise budgets.monthlyUsd if the spend is intended"))
    for w in est.warnings:
        file, line, col = at(w.get("source", ""))
        message = f"{w['resource']}: {w['message']}" if w.get("resource") else w["message"]
        found.append(Diagnostic(file=file, line=line, col=col, code=w["code"], severity=w["severity"],
                                message=message, pointer=w.get("source", "")))
    return sorted(found, key=lambda d: (-SEVERITY_RANK.get(d.severity, 0), d.file, d.line, d.col, d.code))


def failing(findings: Iterable[Diagnostic], fail_level: str) -> list[Diagnostic]:
    """The findings at or above ``fail_level``."""
    floor = SEVERITY_RANK[fail_level]
    return [d for d in findings if SEVERITY_RANK.get(d.severity, 0) >= floor]


def _counts(findings: list[Diagnostic]) -> str:
    parts = []
    for sev in ("error", "warning", "note"):
        n = sum(1 for d in findings if d.severity == sev)
        if n:
            parts.append(f"{n} {sev}{'s' if n != 1 else ''}")
    return ", ".join(parts) or "none"


def _without_findings(est: Any) -> Any:
    """The estimate as the library renders it, minus the GPU problems and warnings (shown located instead)."""
    import dataclasses

    return dataclasses.replace(est, gpu=[f for f in est.gpu if f.severity not in SEVERITY_RANK], warnings=[])


def render_cost_text(run: Any, findings: list[Diagnostic], fail_level: str, by: str = "resource") -> str:
    from llmops_iac.cost.render import render_text
    from llmops_iac.report.text import diagnostic_lines

    out = render_text(_without_findings(run.estimate), detail=by == "resource").rstrip("\n").split("\n")
    for d in findings:
        out.extend(diagnostic_lines(d))
    failed = failing(findings, fail_level)
    out.append(f"findings: {_counts(findings)}" + (f"; {len(failed)} at or above --fail-level {fail_level}" if failed else ""))
    return "\n".join(out) + "\n"


def render_cost_markdown(run: Any, findings: list[Diagnostic]) -> str:
    from llmops_iac.cost.render import render_markdown

    text = render_markdown(_without_findings(run.estimate))
    if not findings:
        return text
    lines = ["#### Findings", ""]
    for d in findings:
        where = f"{d.file}:{d.line}" if d.line else d.file
        fix = f" — fix: {d.hint}" if d.hint else ""
        lines.append(f"- **{d.severity}** `{d.code}` at `{where}`: {d.message}{fix}".replace("\n", " "))
    block = "\n".join(lines) + "\n\n"
    marker = "<details>"
    i = text.find(marker)
    return text[:i] + block + text[i:] if i >= 0 else text.rstrip("\n") + "\n\n" + block


@click.command("cost", epilog=COST_EXIT_HELP)
@click.argument("file", type=click.Path(dir_okay=False))
@stack_options
@click.option("--live-prices", is_flag=True,
              help="Ask the AWS Price List API for the instance types and Bedrock models used (needs AWS credentials; "
                   "anything it does not price keeps the table's price).")
@click.option("--split", type=click.Choice(("each", "even")), default=None,
              help="How declared traffic reaches several models: each = every request is served by every model "
                   "(pipeline; the default, an upper bound), even = requests are divided among them (routing).")
@click.option("--by", type=click.Choice(("resource", "service")), default="resource", show_default=True,
              help="Rows of the text table: one per resource, or per AWS service.")
@format_options
@click.option("--fail-level", type=click.Choice(("error", "warning", "note")), default="error", show_default=True,
              help="Exit 1 when a finding is at this severity or above (a GPU misfit is an error; over budget at "
                   "expected traffic is a warning).")
@quiet_option
@_guard
@_diagnosed
def cost_command(file: str, stack: str | None, stacks_dir: str | None, live_prices: bool, split: str | None, by: str,
                 fmt: str, outputs: tuple, fail_level: str, quiet: bool) -> None:
    """Estimate the monthly cost of a spec as a range and judge it against the budget and the GPUs.

    Per resource and in total: minimum (provisioned capacity, no traffic),
    expected (budgets.expectedTraffic with autoscaling following a daily
    curve) and maximum (autoscaling maximum, peak traffic all month), against
    budgets.monthlyUsd. Prices come from the dated table shipped with
    llmops-iac (or the AWS Price List API with --live-prices). Every
    SageMaker model is checked against the GPU memory of its instance type:
    a misfit is an error at the spec line with instance types and
    quantizations that fit; a model using < 25 % of the memory is a warning.
    FILE '-' reads the spec from standard input.

    \b
    Example:
      llmops-iac cost examples/support-assistant.yaml --stack prod --output markdown=cost.md
    """
    from llmops_iac.cost import run as cost_run
    from llmops_iac.report import quiet as quiet_report

    guard = _prepare(outputs, [file], stacks_dir)
    (file,) = stdin_specs([file], "cost", guard)
    stack_applies(file, stack, stacks_dir)
    run = cost_run.cost(file, stack=stack, stacks_directory=stacks_dir, live=live_prices, split=split)
    findings = cost_findings(run)
    _emit({"text": lambda: render_cost_text(run, findings, fail_level, by),
           "json": lambda: _json(run.estimate.to_dict()),
           "markdown": lambda: render_cost_markdown(run, findings)}, fmt, outputs, guard, loaded_reads(run.loaded),
          kind="cost", quiet=(lambda: quiet_report.diagnostics(failing(findings, fail_level))) if quiet else None)
    sys.exit(EXIT_FINDINGS if failing(findings, fail_level) else EXIT_OK)


# ------------------------------------------------------------------------------------------------- diff

@click.command("diff", epilog=DIFF_EXIT_HELP)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--base", "base", default=None, metavar="REV",
              help="Compare FILE as it was at git revision REV (a branch, tag or commit) with the working tree.")
@click.option("--stack", default=None, metavar="STACK",
              help="Stack whose environment overrides apply to both sides (with --base, the base side reads the stack "
                   "files as they were at REV).")
@click.option("--split", type=click.Choice(("each", "even")), default=None,
              help="How declared traffic reaches several models, as for `llmops-iac cost`.")
@click.option("--ignore-key", "ignore_keys", multiple=True, metavar="KEY",
              help="Leave this top-level resource input out of the comparison, e.g. tags. Repeatable. "
                   "(The specHash tag, which every spec edit changes, is always left out.)")
@format_options
@_guard
@_diagnosed
def diff_command(files: tuple[str, ...], base: str | None, stack: str | None, split: str | None,
                 ignore_keys: tuple[str, ...], fmt: str, outputs: tuple) -> None:
    """Show what a change does to the infrastructure and the bill: resources added, changed, replaced, removed, cost delta.

    Either one spec at a git revision against the working tree (--base REV FILE),
    or two spec files (A B). Resources are matched by logical name; a resource is
    "replaced" where Pulumi would delete and create it (a property the provider
    forces new, replaceOnChanges, or a reference to a replaced resource), with the
    reasons. The monthly cost delta is given at minimum, expected and maximum. Use
    --format markdown for a pull-request comment.

    \b
    Example:
      llmops-iac diff --base origin/main examples/support-assistant.yaml --stack prod --format markdown
      llmops-iac diff examples/self-hosted-llama.yaml other/self-hosted-llama.yaml
    """
    from llmops_iac.cost import diff as plan_diff
    from llmops_iac.cost import run as cost_run

    guard = _prepare(outputs, files, None)
    base_loaded = None
    if base is not None:
        if len(files) != 1:
            raise click.UsageError("--base REV compares one FILE with its version at REV: name exactly one spec file")
        path = files[0]
        if not Path(path).is_file():
            raise UsageError(f"{path}: file not found (with --base, FILE is the working-tree copy)")
        stack_applies(path, stack, None)
        _, base_plan, base_est = plan_diff.load_at_revision(base, path, stack=stack,
                                                            estimate_kwargs={"split": split} if split else None)
        head = cost_run.cost(path, stack=stack, split=split)
        labels = (base, "working tree")
    else:
        if len(files) != 2:
            raise click.UsageError("name two spec files to compare (A B), or one with --base REV")
        base_run = cost_run.cost(files[0], stack=stack, split=split)
        base_plan, base_est, base_loaded = base_run.plan, base_run.estimate, base_run.loaded
        head = cost_run.cost(files[1], stack=stack, split=split)
        labels = (files[0], files[1])
    d = plan_diff.diff(plan_diff.strip_spec_hash(base_plan), plan_diff.strip_spec_hash(head.plan), base_est, head.estimate,
                       base_label=labels[0], head_label=labels[1], ignore_keys=tuple(ignore_keys))
    _emit({"text": lambda: plan_diff.render_text(d), "json": lambda: _json(d.to_dict()),
           "markdown": lambda: plan_diff.render_markdown(d)}, fmt, outputs, guard, loaded_reads(base_loaded, head.loaded),
          kind="diff")
    sys.exit(EXIT_OK)


# ------------------------------------------------------------------------------------------------- preflight, verify

def _plan_for(file: str | None, stack: str | None, stacks_dir: str | None, outputs: tuple,
              command: str) -> tuple[Any, Any]:
    """(the Plan, the output guard): every --output is checked against what the spec reads before AWS is asked."""
    from llmops_iac.compile import compile_spec
    from llmops_iac.spec.validate import load_spec

    guard = _prepare(outputs, [file], stacks_dir)
    if file:
        (file,) = stdin_specs([file], command, guard)
        stack_applies(file, stack, stacks_dir)
    path = spec_of_stack(file, stack, stacks_dir)
    loaded = load_spec(path, stack=stack, stacks_directory=stacks_dir)
    guard.refuse(loaded_reads(loaded))
    return compile_spec(loaded), guard


def _emit_checks(report: Any, fmt: str, outputs: tuple, guard: Any, quiet: bool) -> None:
    from llmops_iac.report import quiet as quiet_report

    _emit({"text": report.render_text, "json": lambda: _json(report.to_dict()), "markdown": report.render_markdown},
          fmt, outputs, guard, kind="checks", quiet=(lambda: quiet_report.checks(report)) if quiet else None)
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


@click.command("preflight", epilog=aws_exit_help("a check failed: the deploy would fail or run out of quota"))
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@stack_options
@aws_options
@format_options
@quiet_option
@_guard
@_diagnosed
def preflight_command(file: str | None, stack: str | None, stacks_dir: str | None, region: str | None,
                      profile: str | None, endpoint_url: str | None, fmt: str, outputs: tuple, quiet: bool) -> None:
    """Before `pulumi up`: will this Plan deploy in this account and region? One pass/fail line per check.

    Checks, read-only: every service the Plan uses is available in the
    region; the SageMaker endpoint-usage quota of each instance type covers
    the autoscaling maximum (and a blue/green deployment); each Bedrock
    model is offered in the region and this account may invoke it. FILE
    defaults to the spec the stack file names (llmops-iac:spec).

    \b
    Example:
      llmops-iac preflight --stack prod --profile deploy
    """
    from llmops_iac.aws import preflight as aws_preflight

    plan, guard = _plan_for(file, stack, stacks_dir, outputs, "preflight")
    report = aws_preflight.preflight(plan, region=region, profile=profile, endpoint_url=endpoint_url)
    _emit_checks(report, fmt, outputs, guard, quiet)


@click.command("verify", epilog=aws_exit_help("drift: something deployed differs from the Plan, or is missing"))
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@stack_options
@aws_options
@format_options
@quiet_option
@_guard
@_diagnosed
def verify_command(file: str | None, stack: str | None, stacks_dir: str | None, region: str | None,
                   profile: str | None, endpoint_url: str | None, fmt: str, outputs: tuple, quiet: bool) -> None:
    """After `pulumi up`: does what runs in AWS match the Plan? One pass/fail line per resource, with its drift.

    Compares, read-only: SageMaker endpoints (status, endpoint configuration,
    instance types, traffic weights, instance counts within the autoscaling
    bounds), Bedrock guardrails (every policy), budgets (limit and
    notifications) and vector stores (OpenSearch Serverless collections, S3
    Vectors indexes). FILE defaults to the spec the stack file names
    (llmops-iac:spec).

    \b
    Example:
      llmops-iac verify --stack prod --format markdown --output json=verify.json
    """
    from llmops_iac.aws import verify as aws_verify

    plan, guard = _plan_for(file, stack, stacks_dir, outputs, "verify")
    report = aws_verify.verify(plan, region=region, profile=profile, endpoint_url=endpoint_url)
    _emit_checks(report, fmt, outputs, guard, quiet)


_COMMANDS = (cost_command, diff_command, preflight_command, verify_command)
for _group in _PENDING:
    register(_group)
_PENDING.clear()
