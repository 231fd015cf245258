"""The ``init`` command: scaffold a repository for one application (llmops_iac.scaffold does the work).

``register(group)`` adds it to the main ``llmops-iac`` group; llmops_iac/cli.py calls it on its last lines.
"""

from __future__ import annotations

import sys

import click

from llmops_iac.cli_common import INTERNAL_ERROR, _guard, exit_codes_help
from llmops_iac.errors import EXIT_OK


@click.command(epilog=exit_codes_help({0: "the repository was scaffolded",
                                       2: "nothing was written: a file is in the way (each is named), or a bad "
                                          "--name, --owner or DIRECTORY",
                                       3: INTERNAL_ERROR}))
@click.argument("directory", default=".", required=False, type=click.Path(file_okay=True, dir_okay=True))
@click.option("--name", default=None, metavar="NAME",
              help="Application name (metadata.name; prefixes every AWS resource name): lower-case letters, digits "
                   "and '-', starting with a letter, at most 32 characters. Default: the directory's name.")
@click.option("--owner", default=None, metavar="@ORG/TEAM",
              help="GitHub team that owns the application: metadata.owner and the CODEOWNERS reviewer of the spec, "
                   "prompts, datasets and stacks. Default: a placeholder @your-org/NAME-team to replace.")
@_guard
def init(directory: str, name: str | None, owner: str | None) -> None:
    """Scaffold a repository for one LLM application in DIRECTORY (default: the current directory).

    \b
    Writes a commented spec (llmapp.yaml) with its system prompt and evaluation datasets, the
    Pulumi project that deploys it (Pulumi.yaml, __main__.py, requirements.txt, stacks/ for
    dev and prod), a GitHub Actions workflow running the llmops-iac check on every pull
    request, CODEOWNERS and .gitignore; then `git init` unless DIRECTORY is already a
    repository. The result passes `llmops-iac check` as written; placeholders are marked
    TODO(init). An existing file is never replaced: if any is in the way, nothing is written
    and every one is named (exit 2).

    \b
    Example:
      llmops-iac init my-assistant --owner @acme/ml-platform
    """
    import shlex

    from llmops_iac.report.escape import controls
    from llmops_iac.scaffold import SPEC_FILE, scaffold

    done = scaffold(directory, name=name, owner=owner)
    where = controls(done.directory)
    click.echo(f"created {len(done.files)} files for application {done.name} in {where}"
               + (" (a new git repository)" if done.git_initialised else "") + ":")
    for path in done.files:
        click.echo(f"  {path}")
    for note in done.notes:
        click.echo(f"llmops-iac: warning: {controls(note)}", err=True)
    steps = ([(f"cd {controls(shlex.quote(done.directory))}", "")] if where not in (".", "./") else []) + [
        ("grep -rn 'TODO(init)' .", "placeholders to replace: owner, cost center, e-mails, runbooks"),
        ("llmops-iac check .", "what the CI workflow runs on every pull request"),
        (f"llmops-iac plan {SPEC_FILE} --stack dev --out -", "the AWS resources of the dev stack"),
        ("pulumi login", "or `pulumi login --local`, s3://..., any backend"),
        ("pulumi install", ".venv with llmops-iac[deploy] (requirements.txt)"),
        ("pulumi stack init dev", "uses stacks/Pulumi.dev.yaml"),
        ("pulumi up --stack dev", ""),
    ]
    width = max(len(cmd) for cmd, _ in steps)
    click.echo("\nnext:")
    for cmd, why in steps:
        click.echo(f"  {cmd:<{width}}   # {why}" if why else f"  {cmd}")
    sys.exit(EXIT_OK)


def register(group: click.Group) -> None:
    """Add ``init`` to ``group``; calling it again changes nothing."""
    existing = group.commands.get("init")
    if existing is init:
        return
    if existing is not None:
        raise RuntimeError("llmops-iac: a command named 'init' is already registered")
    group.add_command(init)
