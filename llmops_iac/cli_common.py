"""What every llmops-iac command shares: exit-code help, --output parsing, the reporting and policy options,
rendering and writing reports, and the guard that maps project errors to exit codes (never a traceback).

cli.py holds the commands; cli_policy.py and cli_cost.py hold their command groups; all three import this.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, LlmopsError, UsageError

EXIT_INTERRUPTED = 130
INPUT_ERROR = "usage or input error (bad spec, bad flag, missing file)"
INTERNAL_ERROR = "internal or engine failure (never a pass)"


def exit_codes_help(meanings: dict[int, str]) -> str:
    """A command's "Exit codes:" help block: ``meanings`` (code -> what it means), then 130 (Ctrl-C, every command).

    Each command lists only the codes it can return; tests/test_cli_exit_codes.py holds every command to its list.
    """
    import textwrap

    lines = ["\b", "Exit codes:"]
    for code, meaning in {**meanings, EXIT_INTERRUPTED: "interrupted (Ctrl-C)"}.items():
        first, *rest = textwrap.wrap(meaning, 66) or [""]
        lines.append(f"  {code:<3}  {first}")
        lines.extend(f"       {more}" for more in rest)
    return "\n".join(lines)


EXIT_CODES_HELP = exit_codes_help({0: "clean", 1: "findings at or above --fail-level", 2: INPUT_ERROR, 3: INTERNAL_ERROR})
"""The block of the commands that judge: check and policy check."""


STDOUT_TAKEN = ("{value!r}: standard output already carries the report in --format; print another format there "
                "with --format FORMAT, or name a file to write")


def no_dash(flag: str, path: str | None) -> None:
    """``--output -``: refused where standard output already carries what the command prints (exit 2)."""
    if path == "-" or (path or "").endswith("=-"):
        raise UsageError(f"{flag} " + STDOUT_TAKEN.format(value=path))


class OutputSpec(click.ParamType):
    """``--output [FORMAT=]PATH``: where to write a report, and in which format."""

    name = "[FORMAT=]PATH"

    def __init__(self, formats: tuple[str, ...] | None = None) -> None:
        self.formats = formats  # the formats the command writes (default: the report formats of check)

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[str | None, str]:
        from llmops_iac.report import FORMATS

        formats = self.formats or FORMATS
        if isinstance(value, tuple):
            return value
        fmt, sep, path = value.partition("=")
        if (path if sep else value) == "-":
            self.fail(STDOUT_TAKEN.format(value=value), param, ctx)
        if not sep:
            return (None, value)
        if fmt not in formats:
            self.fail(f"unknown format {fmt!r} in {value!r}; formats: {', '.join(formats)}", param, ctx)
        if not path:
            self.fail(f"{value!r} names no file after '='", param, ctx)
        return (fmt, path)


def report_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options every reporting command shares: --format, --output, --stack, --stacks-dir."""
    from llmops_iac.report import FORMATS

    decorators = [
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                     help="Format printed on standard output."),
        click.option("--output", "outputs", type=OutputSpec(), multiple=True,
                     help="Also write the report to PATH (atomically), in FORMAT if given as FORMAT=PATH. Repeatable. "
                          "Never a file the run reads (exit 2)."),
        click.option("--stack", default=None, metavar="STACK",
                     help="Judge the spec stacks/Pulumi.STACK.yaml deploys, as it deploys it (its environment and region); "
                          "without it, check judges every environment a deploy can reach."),
        click.option("--stacks-dir", default=None, metavar="DIR", type=click.Path(file_okay=False),
                     help="Directory of Pulumi.<stack>.yaml files (default: Pulumi.yaml's stackConfigDir)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _engine_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--engine``: opa; regopy is a usage error that says why (policy/engine.py), any other name too."""
    if value is None:
        return None
    from llmops_iac.policy.engine import ENGINES, REGOPY_REFUSED

    if value == "regopy":
        raise click.BadParameter(REGOPY_REFUSED.removeprefix("--engine regopy: "), ctx=ctx, param=param)
    if value not in ENGINES:
        raise click.BadParameter(f"{value!r} is not an engine; use opa (the default) or --opa-url URL for an OPA server",
                                 ctx=ctx, param=param)
    return value


def policy_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options of every command that runs the policy stage."""
    decorators = [
        click.option("--fail-level", type=click.Choice(("error", "warning", "note")), default="error", show_default=True,
                     help="Exit 1 when an unwaived finding is at this severity or above."),
        click.option("--policy-dir", "policy_dirs", multiple=True, type=click.Path(file_okay=False, exists=True),
                     help="Extra directory of Rego policies, merged with the built-ins. Repeatable."),
        click.option("--engine", metavar="opa", default=None, callback=_engine_name,
                     help="In-process Rego engine: opa, the real OPA engine (the default and the only one; "
                          "regopy is refused: it cannot report evaluation errors as OPA does)."),
        click.option("--opa-url", default=None, metavar="URL",
                     help="Evaluate on an OPA server instead (also $OPA_URL), e.g. http://127.0.0.1:8181."),
        click.option("--profile", default=None, metavar="NAME",
                     help="Extra policy profile: each rule gets the stricter of it and the profile of the environment's tier "
                          "(an option never loosens a verdict)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _options(policy_dirs, engine, opa_url, profile, fail_level):
    from llmops_iac.pipeline import PolicyOptions

    return PolicyOptions(policy_dirs=tuple(policy_dirs), engine=engine, opa_url=opa_url, profile=profile, fail_level=fail_level)


def _exit_for(result: Any) -> None:
    """Exit 2 for input errors, 1 for findings at or above the fail level, else 0."""
    if not result.ok:
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_FINDINGS if result.findings_fail else EXIT_OK)


def _prepare(outputs: Any, flag: str = "--output", **inputs: Any) -> Any:
    """Check the output paths before any work (llmops_iac.output_paths): usable, distinct, no input named.

    ``-`` among the specs is standard input: ``stdin_specs`` checks the file it is redirected from, if any."""
    from llmops_iac.output_paths import Outputs

    if "specs" in inputs:
        inputs["specs"] = [s for s in inputs["specs"] if s != "-"]
    return Outputs.prepare([(flag, path) for _, path in outputs], **inputs)


def stdin_specs(paths: Any, command: str, guard: Any = None) -> list[str]:
    """``paths`` with ``-`` replaced by a private copy of standard input (llmops_iac.spec.stdin), removed when the
    command ends; an output naming the file standard input is redirected from is refused (exit 2)."""
    from llmops_iac.spec.stdin import STDIN, StdinSpec

    paths = list(paths)
    if STDIN not in paths:
        return paths
    copy = StdinSpec()
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(copy.close)
    try:
        replaced = copy.replace(paths, command=command)
        if guard is not None:
            guard.refuse_identity(copy.identity, "the file standard input is read from (the spec '-')")
    except BaseException:
        copy.close()
        raise
    return replaced


def quiet_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--quiet/-q``: print only what failed (llmops_iac.report.quiet); --output files and exit codes unchanged."""
    return click.option("--quiet", "-q", is_flag=True,
                        help="Print only what failed, one line each (file:line:col: severity[code]: message): input "
                             "errors and findings at or above --fail-level; nothing when the command passes. Applies "
                             "to --format text (another format is printed whole); --output files are always complete; "
                             "exit codes are unchanged.")(func)


def _notes(notes: list[str], quiet: bool = False) -> None:
    """Say on standard error what was skipped and why (FIFOs, sockets, devices in scanned directories)."""
    from llmops_iac.report.escape import controls

    if quiet:
        return
    for note in notes:
        click.echo(f"llmops-iac: note: {controls(note)}", err=True)


def _emit(result: Any, fmt: str, outputs: tuple[tuple[str | None, str], ...], guard: Any, quiet: bool = False) -> None:
    from llmops_iac.output_paths import run_reads
    from llmops_iac.report import renderers, write_atomic

    if guard.any_exist():  # the prompts, datasets and evidence the run read: refused before anything is written
        guard.refuse(run_reads(result))

    render = renderers()
    done: dict[str, str] = {}  # each format is rendered once, however many places it goes

    def text(name: str) -> str:
        if name not in done:
            done[name] = render[name](result)
        return done[name]

    for out_fmt, path in outputs:
        write_atomic(path, text(out_fmt or fmt))
    if quiet and fmt == "text":
        from llmops_iac.report import quiet as quiet_report

        echo(quiet_report.render(result), "quiet")
    else:
        echo(text(fmt), "report" if fmt == "text" else None)


def echo(text: str, kind: str | None, err: bool = False) -> None:
    """Print ``text`` as it is; coloured as ``kind`` (llmops_iac.colour) when the stream takes colour. ``kind`` None:
    never coloured (json, sarif, junit, markdown, github: what a program or a file reads)."""
    from llmops_iac import colour

    try:
        if kind is not None and colour.enabled(sys.stderr if err else sys.stdout):
            click.echo(colour.paint(text, kind), nl=False, err=err, color=True)
        else:
            click.echo(text, nl=False, err=err, color=False)
        if not err:
            sys.stdout.flush()
    except BrokenPipeError:
        if err:
            raise
        _silence_stdout()


def _stdout(text: str) -> None:
    """Write ``text`` to standard output, uncoloured. A reader that has gone (``| head``) ends the output quietly: the
    rest is dropped, nothing goes to standard error, and the command goes on to its own exit code (its verdict is
    decided before its report is written; --output files are written before standard output)."""
    echo(text, None)


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so nothing more (not even the flush at exit) meets the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError):  # no file descriptor (a test runner's stream): nothing to silence
        pass


def _stdout_gone() -> bool:
    """Whether standard output is a pipe whose reader has gone (poll reports an error on its write end)."""
    try:
        import select

        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & select.POLLERR for _, event in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def _guard(func: Callable[..., Any]) -> Callable[..., Any]:
    """Map project errors to their exit codes; an unexpected exception is exit 3, never a pass."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LlmopsError as exc:
            from llmops_iac.report.escape import controls

            click.echo(f"llmops-iac: error: {controls(str(exc), keep=chr(10))}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:  # click would turn it into "Aborted!" and exit 1
            click.echo("\nllmops-iac: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError as exc:
            if not _stdout_gone():  # another pipe or a socket: a failure like any other
                _internal_error(exc)
            # A command that writes as it goes met a reader that left (`| head`): end quietly. Its verdict is not
            # known here, so not a pass: 1, as Python's own guidance and click do. (`check`, `validate`, `policy`
            # and `policy test` decide first and keep their own exit code: _stdout.)
            _silence_stdout()
            sys.exit(EXIT_FINDINGS)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the whole point: fail closed with a message
            _internal_error(exc)

    return wrapper


def _internal_error(exc: BaseException) -> None:
    """Exit 3 saying what failed (re-raise it under LLMOPS_IAC_DEBUG for the traceback)."""
    if os.environ.get("LLMOPS_IAC_DEBUG"):
        raise exc
    click.echo(f"llmops-iac: internal error: {type(exc).__name__}: {exc}\n"
               "  this is a bug; rerun with LLMOPS_IAC_DEBUG=1 for the traceback and report it", err=True)
    sys.exit(EXIT_INTERNAL)


def stack_applies(file: str, stack: str | None, stacks_dir: str | None) -> None:
    """Exit 2 when ``--stack`` deploys another spec than ``file`` (as `check` and `plan` refuse it): its region and
    environment would be forced onto a spec it never deploys."""
    if stack:
        from llmops_iac.pipeline import assign_stack

        assign_stack([file], stack, stacks_dir, single=True)


def spec_of_stack(file: str | None, stack: str | None, stacks_dir: str | None) -> str:
    """FILE, or the spec the stack file names in ``llmops-iac:spec`` (relative to the project directory)."""
    if file:
        return file
    if not stack:
        raise UsageError("name a spec FILE, or a --stack whose stack file names one in llmops-iac:spec")
    from llmops_iac.spec.stacks import PROJECT, find_project_dir, load_stack
    from llmops_iac.spec.stacks import stacks_dir as find_stacks_dir

    directory = find_stacks_dir(None, stacks_dir)
    st = load_stack(stack, directory)
    if not st.spec:
        raise UsageError(f"stack {stack!r} ({st.file}) names no spec: set {PROJECT}:spec in it "
                         f"(`pulumi config set {PROJECT}:spec path/to/spec.yaml --stack {stack}`) or pass FILE")
    project = find_project_dir(directory.resolve()) or Path.cwd()
    path = Path(st.spec) if Path(st.spec).is_absolute() else project / st.spec
    if not path.is_file():
        raise UsageError(f"stack {stack!r} ({st.file}) names {st.spec!r} in {PROJECT}:spec, which is not a file "
                         f"(looked for {path})")
    rel = os.path.relpath(path)  # a path to open (load_spec shows it in reports by llmops_iac.shown_paths)
    return str(path) if rel.startswith("..") else rel
