"""The policy commands: ``policy check``, ``policy test``, ``policy docs`` and ``policy bundle``.

Thin click commands over :mod:`llmops_iac.policy`; ``register(group)`` adds the ``policy`` group to the
main ``llmops-iac`` group (llmops_iac/cli.py calls it on its last lines), as llmops_iac.cli_cost does
for the cost commands, and for the same reason: either module may be imported first.
"""

from __future__ import annotations

import os
import sys

import click

_POLICY: click.Group | None = None
_PENDING: list[click.Group] = []


def register(group: click.Group) -> None:
    """Add the ``policy`` group to ``group``; calling it again changes nothing."""
    if _POLICY is None:  # llmops_iac.cli is being imported from the import below: finish once the group exists
        if group not in _PENDING:
            _PENDING.append(group)
        return
    existing = group.commands.get("policy")
    if existing is _POLICY:
        return
    if existing is not None:
        raise RuntimeError("llmops-iac: a command named 'policy' is already registered")
    group.add_command(_POLICY)


from llmops_iac.cli_common import (  # noqa: E402
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
    _stdout,
    exit_codes_help,
    no_dash,
    policy_options,
    quiet_option,
    report_options,
    stdin_specs,
)
from llmops_iac.errors import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK  # noqa: E402
from llmops_iac.report.policy_tests import FORMATS as TEST_FORMATS  # noqa: E402


@click.group(epilog=exit_codes_help({0: "clean", 1: "findings at or above --fail-level (check), a failed test (test), "
                                                  "out-of-date docs (docs --check); see each command's --help",
                                     2: INPUT_ERROR, 3: INTERNAL_ERROR}))
def policy() -> None:
    """Rego policies: judge specs, run the policy tests, generate the rule reference, build an OPA bundle.

    \b
    Example:
      llmops-iac policy check examples/ --stack prod --output sarif=results.sarif
    """


@policy.command("check", epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=True))
@report_options
@policy_options
@quiet_option
@_guard
def policy_check(paths: tuple[str, ...], fmt: str, outputs: tuple, stack: str | None, stacks_dir: str | None,
                 fail_level: str, policy_dirs: tuple[str, ...], engine: str | None, opa_url: str | None, profile: str | None,
                 quiet: bool) -> None:
    """Judge specs (files or directories) and their Plans with the policies; findings at their spec lines.

    A path of '-' reads a spec from standard input.

    \b
    Example:
      llmops-iac policy check examples/support-assistant.yaml --stack prod --fail-level warning
    """
    from llmops_iac.pipeline import run

    guard = _prepare(outputs, specs=paths or (".",), stacks_dir=stacks_dir, policy_dirs=policy_dirs, scan=True)
    targets = stdin_specs(paths or (".",), "policy check", guard)
    result = run("policy", targets, stack=stack, stacks_dir=stacks_dir,
                 policy=_options(policy_dirs, engine, opa_url, profile, fail_level))
    _notes(result.notes, quiet)
    _emit(result, fmt, outputs, guard, quiet)
    _exit_for(result)


@policy.command("test", epilog=exit_codes_help({0: "every test passed", 1: "a test failed (or was undefined)",
                                                2: INPUT_ERROR, 3: "no tests found, or an engine failure (never a pass)"}))
@click.option("--policy-dir", "policy_dirs", multiple=True, type=click.Path(file_okay=False, exists=True),
              help="Extra directory of Rego policies and their _test.rego files. Repeatable.")
@click.option("--verbose", "-v", is_flag=True, help="List passing tests too (text format).")
@click.option("--format", "fmt", type=click.Choice(TEST_FORMATS), default="text", show_default=True,
              help="Format printed on standard output: text, json (schemas/policy-test.schema.json) or junit (JUnit XML).")
@click.option("--output", "outputs", type=OutputSpec(TEST_FORMATS), multiple=True,
              help="Also write the results to PATH (atomically), in FORMAT if given as FORMAT=PATH "
                   "(text, json, junit). Repeatable. Never a policy file (exit 2).")
@_guard
def policy_test(policy_dirs: tuple[str, ...], verbose: bool, fmt: str, outputs: tuple) -> None:
    """Run every test_* rule of the _test.rego files with the real OPA engine; undefined counts as failed.

    \b
    Example:
      llmops-iac policy test -v --output junit=policy-tests.xml
    """
    from llmops_iac.policy import catalog
    from llmops_iac.policy.testing import run_tests
    from llmops_iac.report import write_atomic
    from llmops_iac.report.policy_tests import renderers

    _prepare(outputs, policy_dirs=policy_dirs)
    cat = catalog.load(list(policy_dirs))
    _notes(cat.skipped)
    results = run_tests(cat)
    if not results:
        click.echo("llmops-iac: error: no policy tests found", err=True)
        sys.exit(EXIT_INTERNAL)
    code = EXIT_FINDINGS if any(r.outcome != "pass" for r in results) else EXIT_OK  # decided before anything is written
    render = renderers()
    for out_fmt, path in outputs:
        write_atomic(path, render[out_fmt or fmt](results, verbose))
    _stdout(render[fmt](results, verbose))
    sys.exit(code)


@policy.command("docs", epilog=exit_codes_help({0: "written (with --check: PATH is current)",
                                                1: "--check: PATH is out of date", 2: INPUT_ERROR, 3: INTERNAL_ERROR}))
@click.option("--output", default="docs/rules.md", show_default=True, metavar="PATH", help="Where to write the rule reference.")
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if PATH is not current.")
@click.option("--policy-dir", "policy_dirs", multiple=True, type=click.Path(file_okay=False, exists=True), help="Extra policy directory. Repeatable.")
@_guard
def policy_docs(output: str, check_only: bool, policy_dirs: tuple[str, ...]) -> None:
    """Generate the rule reference (docs/rules.md) from the rules' METADATA and the profiles.

    \b
    Example:
      llmops-iac policy docs --check
    """
    from llmops_iac.policy import catalog
    from llmops_iac.policy.docs import render
    from llmops_iac.report import write_atomic

    no_dash("--output", output)
    if not check_only:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        except OSError:
            pass  # _prepare says what is wrong with the path
        _prepare([(None, output)], policy_dirs=policy_dirs)
    cat = catalog.load(list(policy_dirs))
    text = render(cat)
    _notes(cat.skipped)
    if check_only:
        try:
            current = open(output, encoding="utf-8").read()
        except OSError:
            current = None
        if current != text:
            click.echo(f"{output} is out of date: run `llmops-iac policy docs`", err=True)
            sys.exit(EXIT_FINDINGS)
        click.echo(f"{output} is current")
        return
    write_atomic(output, text)
    click.echo(f"wrote {output}")


@policy.command("bundle", epilog=exit_codes_help({0: "the bundle was written", 2: INPUT_ERROR, 3: INTERNAL_ERROR}))
@click.option("--output", default="bundle.tar.gz", show_default=True, metavar="PATH", help="Where to write the OPA bundle.")
@click.option("--revision", default=None, help="Bundle revision (default: a hash of its contents).")
@click.option("--policy-dir", "policy_dirs", multiple=True, type=click.Path(file_okay=False, exists=True), help="Extra policy directory. Repeatable.")
@_guard
def policy_bundle(output: str, revision: str | None, policy_dirs: tuple[str, ...]) -> None:
    """Build an OPA bundle (.manifest, the Rego, data.json) for an OPA server to load.

    \b
    Example:
      llmops-iac policy bundle --output bundle.tar.gz && opa run --server --bundle bundle.tar.gz
    """
    from llmops_iac.policy import catalog
    from llmops_iac.policy.bundle import build_bundle

    no_dash("--output", output)
    _prepare([(None, output)], policy_dirs=policy_dirs)
    cat = catalog.load(list(policy_dirs))
    _notes(cat.skipped)
    info = build_bundle(cat, output, revision=revision)
    click.echo(f"wrote {output}" + (f" (revision {info})" if isinstance(info, str) else ""))


_POLICY = policy
for _group in _PENDING:
    register(_group)
_PENDING.clear()
