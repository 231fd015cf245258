"""The `llmops-iac` command: parse options, call the library, render, choose the exit code."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from llmops_iac import __version__
from llmops_iac.cli_common import (  # noqa: F401 - OutputSpec and the options are used by the command groups too
    EXIT_CODES_HELP,
    INPUT_ERROR,
    INTERNAL_ERROR,
    OutputSpec,
    _emit,
    _exit_for,
    _guard,
    _notes,
    _options,
    _prepare,
    echo,
    exit_codes_help,
    no_dash,
    policy_options,
    quiet_option,
    report_options,
    stdin_specs,
)
from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK


TOP_EXIT_HELP = exit_codes_help({
    0: "clean",
    1: "the command's verdict failed: findings at or above --fail-level (check, policy check, cost), a maturity "
       "level below --fail-under, a failed check or drift (preflight, verify), a failed policy test, out-of-date "
       "rule docs (policy docs --check); each command's --help lists its own codes",
    2: INPUT_ERROR, 3: INTERNAL_ERROR})

ENVIRONMENT_HELP = """\b
Environment:
  NO_COLOR=1        no colour (any non-empty value; it wins over FORCE_COLOR)
  FORCE_COLOR=1     colour text output even when it is not a terminal
                    (FORCE_COLOR=0 turns colour off)
  OPA_URL           evaluate policies on this OPA server (as --opa-url)
  LLMOPS_IAC_DEBUG  show the traceback of an internal error

\b
A spec path of '-' reads the spec from standard input. Shell completion:
  eval "$(_LLMOPS_IAC_COMPLETE=bash_source llmops-iac)"   (zsh_source, fish_source)"""


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=TOP_EXIT_HELP + "\n\n" + ENVIRONMENT_HELP)
@click.version_option(__version__, prog_name="llmops-iac")
def cli() -> None:
    """llmops-iac: one YAML spec for an LLM application on AWS, checked before it is deployed.

    \b
    Example:
      llmops-iac check examples/
    """


@cli.command(epilog=exit_codes_help({0: "every spec is valid",
                                      2: "a spec is invalid (every error is listed), or a usage or input error "
                                         "(bad flag, missing file)",
                                      3: INTERNAL_ERROR}))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True))
@report_options
@quiet_option
@_guard
def validate(files: tuple[str, ...], fmt: str, outputs: tuple, stack: str | None, stacks_dir: str | None,
             quiet: bool) -> None:
    """Validate spec FILES: schema, references and what the compiler refuses (in every declared environment); report every error with file:line.

    A FILE of '-' is read from standard input (reported as <stdin>).

    \b
    Example:
      llmops-iac validate examples/support-assistant.yaml --stack prod
      git show main:llmapp.yaml | llmops-iac validate -
    """
    from llmops_iac.pipeline import run

    guard = _prepare(outputs, specs=files, stacks_dir=stacks_dir)
    files = tuple(stdin_specs(files, "validate", guard))
    result = run("validate", files, stack=stack, stacks_dir=stacks_dir)
    _emit(result, fmt, outputs, guard, quiet)
    sys.exit(EXIT_OK if result.ok else EXIT_INPUT)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=True))
@report_options
@policy_options
@quiet_option
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes to check files in (default: the number of CPUs; 1 = in this process; runs of fewer than 16 files always run in this process).")
@click.option("--timings", is_flag=True, help="Print seconds per stage (summed over files) on standard error.")
@click.option("--cache", "cache_dir", default=None, metavar="DIR", type=click.Path(file_okay=False),
              help="Reuse results of unchanged specs from DIR (keyed by content, tool version and policies).")
@click.option("--eval-results", "eval_results", multiple=True, metavar="PATH", type=click.Path(dir_okay=False),
              help="Judge the gates on these results files (llmops-iac eval; repeatable): a required gate that fails, "
                   "or has no current measurement, is an error (LLM-EVL-006/007). A bad results file is exit 2.")
@click.option("--base", "base", default=None, metavar="REV",
              help="Also check the same paths as they were at git revision REV; the Markdown report (the PR comment) then "
                   "leads with what the change does: specs touched, new and resolved findings, monthly cost base → head. "
                   "The exit code is still this tree's verdict.")
@_guard
def check(paths: tuple[str, ...], fmt: str, outputs: tuple, stack: str | None, stacks_dir: str | None,
          fail_level: str, policy_dirs: tuple[str, ...], engine: str | None, opa_url: str | None, profile: str | None,
          quiet: bool, jobs: int | None, timings: bool, cache_dir: str | None, eval_results: tuple[str, ...],
          base: str | None) -> None:
    """Run every stage over spec files and directories (default: the current directory).

    Directories are searched for .yaml/.yml/.json files declaring
    `kind: LLMApplication`; other YAML files there are listed as skipped
    (the JSON Schema `llmops-iac schema --output` writes is one of them).
    A path of '-' reads a spec from standard input.

    \b
    Example:
      llmops-iac check examples/ --stack prod --output json=report.json
      llmops-iac check specs/ --base origin/main --output markdown=comment.md
    """
    import time

    from llmops_iac.pipeline import expand, run

    started = time.perf_counter()
    targets = paths or (".",)
    jobs = jobs or os.cpu_count() or 1
    guard = _prepare(outputs, specs=targets, stacks_dir=stacks_dir, policy_dirs=policy_dirs, scan=True)
    if base is not None and "-" in targets:
        from llmops_iac.errors import UsageError

        raise UsageError("--base compares paths of a git repository with REV; a spec from standard input has none")
    revision = _base_revision(base, fmt, outputs)
    if cache_dir is not None:
        from llmops_iac.output_paths import usable_cache

        usable_cache(cache_dir)
    targets = tuple(stdin_specs(targets, "check", guard))
    _eval_results(eval_results, guard)
    bar = None
    if sys.stderr.isatty() and not quiet:
        count = len(expand(targets)[0])
        if count > 20:
            bar = click.progressbar(length=count, label="checking", file=sys.stderr)
    try:
        result = run("check", targets, stack=stack, stacks_dir=stacks_dir,
                     policy=_with_results(_options(policy_dirs, engine, opa_url, profile, fail_level), eval_results), jobs=jobs,
                     progress=bar.update if bar is not None else None, cache=cache_dir)
    finally:
        if bar is not None:
            bar.render_finish()
    if revision is not None:
        from llmops_iac.review.base_run import review

        result.comparison = review(revision, targets, result, stack=stack, stacks_dir=stacks_dir,
                                   options=result.policy_options, jobs=jobs)
    _notes(result.notes, quiet)
    _emit(result, fmt, outputs, guard, quiet)
    if timings:
        click.echo(_timing_table(result, time.perf_counter() - started, jobs), err=True, nl=False)
    _exit_for(result)


def _eval_results(paths: tuple[str, ...], guard: Any) -> None:
    """Refuse (exit 2, every problem at file:line) results files that can't judge a gate, before any work."""
    if not paths:
        return
    from llmops_iac.evaluation.inputs import every_problem
    from llmops_iac.evaluation.results_file import load_all
    from llmops_iac.errors import SpecError

    guard.refuse([(p, "an --eval-results file") for p in paths])
    try:
        load_all(paths)
    except SpecError as exc:
        raise every_problem(exc) from None


def _with_results(options: Any, paths: tuple[str, ...]) -> Any:
    import dataclasses

    return dataclasses.replace(options, eval_results=tuple(paths)) if paths else options


def _base_revision(base: str | None, fmt: str, outputs: tuple) -> Any:
    """``--base REV`` resolved before any work (exit 2 when it names no commit); it only shapes the Markdown report."""
    if base is None:
        return None
    from llmops_iac.errors import UsageError
    from llmops_iac.review.revision import resolve

    if fmt != "markdown" and not any(out_fmt == "markdown" for out_fmt, _ in outputs):
        raise UsageError("--base only changes the Markdown report: add --format markdown or --output markdown=PATH")
    return resolve(base)


def _timing_table(result: Any, wall: float, jobs: int) -> str:
    """Seconds per stage summed over files (CPU-side work across workers), then the run's wall time."""
    from llmops_iac.pipeline import STAGES

    totals: dict[str, float] = {}
    for f in result.files:
        for stage, seconds in f.timings.items():
            totals[stage] = totals.get(stage, 0.0) + seconds
    n = len(result.files) or 1
    lines = [f"{'stage':<10} {'total s':>9} {'mean ms':>9} {'max ms':>9}"]
    for stage in (*STAGES, "cache"):
        if stage in totals:
            worst = max(f.timings.get(stage, 0.0) for f in result.files)
            lines.append(f"{stage:<10} {totals[stage]:>9.3f} {totals[stage] / n * 1000:>9.1f} {worst * 1000:>9.1f}")
    lines.append(f"{'sum':<10} {sum(totals.values()):>9.3f}")
    lines.append(f"wall {wall:.3f} s for {len(result.files)} file(s), --jobs {jobs}")
    return "\n".join(lines) + "\n"


@cli.command(epilog=exit_codes_help({0: "the Plan was printed (and written with --out)",
                                      2: "the spec is invalid (every error is listed), or a usage or input error",
                                      3: INTERNAL_ERROR}))
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--stack", default=None, metavar="STACK", help="Stack whose environment overrides apply: reads stacks/Pulumi.STACK.yaml.")
@click.option("--stacks-dir", default=None, metavar="DIR", type=click.Path(file_okay=False),
              help="Directory of Pulumi.<stack>.yaml files (default: Pulumi.yaml's stackConfigDir).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="text: the resource table; json: the Plan itself on standard output.")
@click.option("--out", "out", default=None, metavar="PATH",
              help="Write the Plan JSON to PATH (default: no file is written; '-' writes none either).")
@quiet_option
@_guard
def plan(file: str, stack: str | None, stacks_dir: str | None, fmt: str, out: str | None, quiet: bool) -> None:
    """Compile a spec into its Plan of AWS resources: print a table, or the Plan as JSON.

    The Plan is what `pulumi up` deploys (see the README), and what policies,
    cost and maturity read. Nothing here talks to AWS. A file is written only
    where --out says (`--format json` prints the Plan on standard output).
    FILE '-' reads the spec from standard input.

    \b
    Example:
      llmops-iac plan examples/support-assistant.yaml --stack prod
      llmops-iac plan examples/support-assistant.yaml --stack prod --out prod.plan.json
    """
    from llmops_iac.output_paths import run_reads
    from llmops_iac.pipeline import run
    from llmops_iac.report import write_atomic

    path = out if out and out != "-" else None  # only where asked: a run leaves no file nobody named
    guard = _prepare([(None, path)] if path else [], "--out", specs=[file], stacks_dir=stacks_dir)
    (file,) = stdin_specs([file], "plan", guard)
    result = run("plan", (file,), stack=stack, stacks_dir=stacks_dir)
    f = result.files[0]
    if not f.ok:
        _failed(result, quiet, err=fmt == "json")
    data = json.dumps(f.plan.to_data(), indent=2) + "\n"
    if path:
        guard.refuse(run_reads(result))
        write_atomic(path, data)
    if fmt == "json":
        click.echo(data, nl=False)
    elif not quiet:
        from llmops_iac.report.plan_table import render

        click.echo(render(f.plan, f.loaded.source), nl=False)
        if path:
            click.echo(f"wrote {path}")
    sys.exit(EXIT_OK)


def _failed(result: Any, quiet: bool, err: bool) -> None:
    """A spec that plan or maturity can't use: its errors (the text report, or with --quiet the error lines), exit 2."""
    from llmops_iac.report import quiet as quiet_report
    from llmops_iac.report import text as text_report

    if quiet:
        echo(quiet_report.render(result), "quiet", err=err)
    else:
        echo(text_report.render(result), "report", err=err)
    sys.exit(EXIT_INPUT)


@cli.command(epilog=exit_codes_help({0: "assessed (and at or above --fail-under, if given)",
                                      1: "the overall level is below --fail-under",
                                      2: "the spec is invalid (every error is listed), or a usage or input error",
                                      3: INTERNAL_ERROR}))
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--repo", default=None, metavar="PATH", type=click.Path(file_okay=False),
              help="Repository to read evidence from (CI workflows, CODEOWNERS); default: the spec's git repository.")
@click.option("--no-repo", is_flag=True, help="Assess the spec and Plan alone (repository criteria fail and say why).")
@click.option("--eval-results", "eval_results", multiple=True, metavar="PATH", type=click.Path(dir_okay=False),
              help="Results files (llmops-iac eval; repeatable) that show gates judged on measured values (MAT-CICD-204).")
@click.option("--stack", default=None, metavar="STACK", help="Stack whose environment overrides apply.")
@click.option("--stacks-dir", default=None, metavar="DIR", type=click.Path(file_okay=False), help="Directory of stack files.")
@click.option("--fail-under", default=None, metavar="LEVEL",
              help="Exit 1 when the overall level is below LEVEL (0-3, or 'target' for the spec's maturity.target).")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "markdown", "html")), default="text", show_default=True,
              help="Format printed on standard output.")
@click.option("--output", "outputs", multiple=True, metavar="FORMAT=PATH",
              help="Also write the report as FORMAT (text, json, markdown, html) to PATH, atomically. Repeatable.")
@quiet_option
@_guard
def maturity(file: str, repo: str | None, no_repo: bool, eval_results: tuple[str, ...], stack: str | None,
             stacks_dir: str | None, fail_under: str | None, fmt: str, outputs: tuple[str, ...], quiet: bool) -> None:
    """Assess LLMOps maturity (six dimensions, levels 0-3) from the spec, its Plan and the repository.

    Every level is traced to the criteria and evidence that earned or blocked it;
    the roadmap lists the failing criteria of the next level first. FILE '-'
    reads the spec from standard input (no repository evidence unless --repo).

    \b
    Example:
      llmops-iac maturity examples/support-assistant.yaml --stack prod --fail-under target --output html=maturity.html
    """
    from llmops_iac.errors import UsageError
    from llmops_iac.maturity import FORMATS, render
    from llmops_iac.output_paths import run_reads
    from llmops_iac.pipeline import PolicyOptions, run
    from llmops_iac.report import write_atomic
    from llmops_iac.shown_paths import relative_to

    targets = []
    for spec in outputs:
        out_fmt, sep, path = spec.partition("=")
        if not sep or out_fmt not in FORMATS or not path:
            raise UsageError(f"--output {spec!r}: write FORMAT=PATH with FORMAT one of {', '.join(FORMATS)}")
        if path == "-":
            no_dash("--output", spec)
        targets.append((out_fmt, path))
    if fail_under is not None and fail_under != "target" and fail_under not in ("0", "1", "2", "3"):
        raise UsageError(f"--fail-under {fail_under!r}: use 0, 1, 2, 3 or target")
    if repo and no_repo:
        raise UsageError("--repo and --no-repo exclude each other")
    guard = _prepare(targets, specs=[file], stacks_dir=stacks_dir)
    (file,) = stdin_specs([file], "maturity", guard)
    _eval_results(eval_results, guard)
    options = PolicyOptions(repo="" if no_repo else repo, eval_results=tuple(eval_results))
    with relative_to(options.repo):  # paths inside --repo are shown relative to it (llmops_iac.shown_paths)
        result = run("maturity", (file,), stack=stack, stacks_dir=stacks_dir, policy=options)
    f = result.files[0]
    if not f.ok or f.maturity is None:
        _failed(result, quiet, err=True)
    guard.refuse(run_reads(result, repo=options.repo))
    for out_fmt, path in targets:
        write_atomic(path, render(f.maturity, out_fmt))
    if not (quiet and fmt == "text"):
        echo(render(f.maturity, fmt), "maturity" if fmt == "text" else None)
    if fail_under is not None:
        floor = f.maturity.target if fail_under == "target" else int(fail_under)
        if f.maturity.level < floor:
            click.echo(f"llmops-iac: maturity level {f.maturity.level} is below {floor}", err=True)
            sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


@cli.command(epilog=exit_codes_help({0: "the schema was printed or written",
                                      2: "usage error: --output can't be written there", 3: INTERNAL_ERROR}))
@click.option("--output", "output", default=None, metavar="PATH",
              help="Write the schema to PATH instead of standard output ('-': standard output).")
@_guard
def schema(output: str | None) -> None:
    """Print the spec's JSON Schema (2020-12), for editors and other tools.

    `check DIR` never takes the schema for a spec, whatever its name; name it
    *.schema.json so that the pre-commit hooks' default pattern leaves it out.

    \b
    Example:
      llmops-iac schema --output llmapp.schema.json
    """
    from llmops_iac.report import write_atomic
    from llmops_iac.spec.validate import schema as spec_schema

    output = None if output == "-" else output
    if output:
        _prepare([(None, output)])
    text = json.dumps(spec_schema(), indent=2) + "\n"
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="llmops-iac")
    except KeyboardInterrupt:
        click.echo("llmops-iac: interrupted", err=True)
        sys.exit(130)


from llmops_iac.cli_cost import register as _register_cost  # noqa: E402 - the cost commands of issue 6

_register_cost(cli)
from llmops_iac.cli_policy import register as _register_policy  # noqa: E402 - the policy commands

_register_policy(cli)
from llmops_iac.cli_init import register as _register_init  # noqa: E402 - `init`, a new application's repository

_register_init(cli)
from llmops_iac.cli_eval import register as _register_eval  # noqa: E402 - `eval`, evaluation results (issue 15)

_register_eval(cli)
