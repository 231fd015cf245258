"""The Pulumi program: stack config → spec → Plan → resources.

``pulumi up`` runs ``__main__.py`` in the project directory, which calls
``main()``. The stack's config (``stacks/Pulumi.<stack>.yaml``, already read by
the engine) names the spec and the environment:

- ``llmops-iac:spec`` (required): the spec file, relative to the project directory;
- ``llmops-iac:environment`` (default: the stack name): whose ``spec.environments`` overrides apply;
- ``aws:region`` (required): where the default aws provider deploys; it wins over ``spec.region``,
  exactly as ``llmops-iac validate --stack`` does;
- ``aws-native:region`` (required only when the Plan holds aws-native resources, i.e. prompt
  versions or OpenSearch Serverless indexes): must equal ``aws:region``.

Before deploying, SageMaker endpoints' live instance counts are read with the stack's
``aws:*`` provider settings (llmops_iac.deploy.capacity, llmops_iac.deploy.provider_session);
if they cannot be read, the run stops rather than shrink a scaled-out endpoint.

Every input problem ends the run with a ``pulumi.RunError`` listing each
``file:line:col: error[code]: message`` and its fix, so ``pulumi up`` shows
the diagnostics without a Python traceback. Before anything registers, the
Plan is checked against the provider's own input types (``conformance.py``):
an input that does not fit is a compiler bug, reported as an internal error
naming the resource, the path and the keys allowed there.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pulumi

from llmops_iac.errors import Diagnostic, SpecError
from llmops_iac.spec.stacks import CONFIG_KEYS, ENV_NAME, PROJECT



def main(project_dir: str | os.PathLike[str] | None = None, *, describe: Any = None) -> dict[str, pulumi.Resource]:
    """Run the program for the current stack; return the created resources by logical name.

    ``project_dir`` (default: Pulumi's root directory, else the working
    directory) is where ``llmops-iac:spec`` is resolved from. ``describe``
    replaces SageMaker's DescribeEndpoint for capacity carry-over (tests).
    """
    from llmops_iac.deploy.adapter import PlanError, deploy_plan
    from llmops_iac.deploy.conformance import require_conformance

    settings = read_settings(project_dir)
    loaded = _load(settings)
    from llmops_iac.compile import compile_spec

    try:
        plan = compile_spec(loaded).to_data()
    except SpecError as e:
        raise pulumi.RunError(format_spec_error(e, settings)) from None
    _check_native_region(plan, settings)
    if any(r.get("meta", {}).get("capacityCarryOver") for r in plan["resources"]):
        plan = _carry_capacity(plan, settings, describe)
    try:
        require_conformance(plan)  # every input fits the provider's input types, before anything registers
        return deploy_plan(plan)
    except PlanError as e:
        raise pulumi.RunError(f"llmops-iac: internal error, please report it: {e}") from None


@dataclasses.dataclass(frozen=True)
class Settings:
    """What the stack's config says: the spec's path (absolute and as written), the environment and the region."""

    spec: str
    spec_display: str
    environment: str
    region: str
    native_region: str | None
    stack: str


def read_settings(project_dir: str | os.PathLike[str] | None = None) -> Settings:
    """Read and check the stack config; RunError naming the key and the command that fixes it."""
    stack = pulumi.get_stack()
    problems: list[str] = []
    for key in _configured_keys():
        if key.startswith(PROJECT + ":") and key not in CONFIG_KEYS:
            from llmops_iac.spec.jsonschema_lite import did_you_mean

            guess = did_you_mean(key, list(CONFIG_KEYS))
            problems.append(f"unknown config key {key!r}" + (f"; did you mean {guess!r}?" if guess else
                                                              f"; known keys: {', '.join(CONFIG_KEYS)}"))
    config = pulumi.Config(PROJECT)
    spec = config.get("spec")
    if not spec:
        problems.append(f"{PROJECT}:spec is not set: the stack must name its spec file, e.g. "
                        f"`pulumi config set {PROJECT}:spec examples/support-assistant.yaml`")
    environment = config.get("environment") or stack
    if not ENV_NAME.match(environment):
        source = f"{PROJECT}:environment" if config.get("environment") else f"the stack name {stack!r}"
        problems.append(f"{environment!r} (from {source}) is not an environment name: use lower-case letters, digits "
                        f"and '-', starting with a letter, at most 16 characters; set it with "
                        f"`pulumi config set {PROJECT}:environment <name>`")
    region = pulumi.Config("aws").get("region")
    if not region:
        problems.append("aws:region is not set: it decides where the application is deployed; "
                        "set it with `pulumi config set aws:region <region>`")
    if problems:
        if len(problems) == 1:
            raise pulumi.RunError(f"stack {stack!r}: {problems[0]}")
        raise pulumi.RunError(f"stack {stack!r}:\n" + "\n".join(f"  - {p}" for p in problems))
    base = Path(project_dir) if project_dir is not None else _project_dir()
    path = Path(spec) if Path(spec).is_absolute() else base / spec
    return Settings(spec=str(path), spec_display=spec, environment=environment, region=region,
                    native_region=pulumi.Config("aws-native").get("region"), stack=stack)


def _project_dir() -> Path:
    try:
        root = pulumi.get_root_directory()
    except Exception:  # older engines and mocks set no root directory
        root = None
    return Path(root) if root else Path.cwd()


def _configured_keys() -> list[str]:
    """Every config key the engine passed to this program."""
    from pulumi.runtime import config as runtime_config

    return sorted(set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env()))


def _load(settings: Settings) -> Any:
    """Load and validate the spec for the environment, with the stack's region; RunError listing every diagnostic."""
    from llmops_iac.spec.validate import load_spec

    if not Path(settings.spec).is_file():
        raise pulumi.RunError(f"{PROJECT}:spec names {settings.spec_display!r}, which is not a file "
                              f"(looked for {settings.spec})")
    try:
        loaded = load_spec(settings.spec, environment=settings.environment, region=settings.region)
    except SpecError as e:
        raise pulumi.RunError(format_spec_error(e, settings)) from None
    declared = (loaded.document.data.get("spec") or {}).get("environments") or {}
    if declared and settings.environment not in declared:
        # A pull request's `check` judges the environments a spec declares and the stacks it can find; an environment
        # deployed from a stack it cannot see (another project, another directory) was never judged: refuse it here.
        raise pulumi.RunError(
            f"stack {settings.stack!r} deploys environment {settings.environment!r}, which {settings.spec_display} does "
            f"not declare (it declares {', '.join(sorted(declared))}): an undeclared environment is never judged in a "
            f"pull request. Declare it (spec.environments.{settings.environment}.tier: production, staging or "
            f"development) or set {PROJECT}:environment to a declared one")
    for warning in loaded.warnings:
        pulumi.log.warn(_format_diagnostic(warning))
    return loaded


def format_spec_error(error: SpecError, settings: Settings) -> str:
    """Return the RunError text for a spec that does not validate: one line per diagnostic, each with its fix."""
    lines = [f"{settings.spec_display} is not a valid llmops-iac spec for environment {settings.environment!r} "
             f"(stack {settings.stack!r}, region {settings.region}):"]
    lines += ["  " + _format_diagnostic(d).replace("\n", "\n  ") for d in error.diagnostics]
    lines.append(f"run `llmops-iac validate {settings.spec_display} --stack {settings.stack}` to see the same report")
    return "\n".join(lines)


def _format_diagnostic(d: Diagnostic) -> str:
    text = f"{d.location()}: {d.severity}[{d.code}]: {d.message}"
    return text + (f"\n  fix: {d.hint}" if d.hint else "")


def _carry_capacity(plan: dict[str, Any], settings: Settings, describe: Any) -> dict[str, Any]:
    """The Plan with each endpoint's live capacity carried over, read with the stack's aws provider settings.

    A RunError stops the deploy when the capacity cannot be read (llmops_iac.deploy.capacity says why).
    """
    from llmops_iac.deploy.capacity import CapacityError, carry_over
    from llmops_iac.deploy.provider_session import PROVIDER_KEYS, endpoint_reader, provider_settings

    try:
        reading = ""
        if describe is None:
            aws = pulumi.Config("aws")
            provider = provider_settings({**{k: aws.get(k) for k in PROVIDER_KEYS}, "region": settings.region})
            describe, reading = endpoint_reader(provider), provider.describe()
        plan, notes = carry_over(plan, describe, reading=reading)
    except CapacityError as e:
        raise pulumi.RunError(f"stack {settings.stack!r}: {e}") from None
    for note in notes:
        pulumi.log.info(note)
    return plan


def _check_native_region(plan: dict[str, Any], settings: Settings) -> None:
    """aws-native's default provider has its own region setting; it must exist and agree with aws:region."""
    native = sorted({r["type"] for r in plan.get("resources", []) if str(r.get("type", "")).startswith("aws-native:")})
    if not native:
        return
    if settings.native_region != settings.region:
        found = f"is {settings.native_region!r}" if settings.native_region else "is not set"
        raise pulumi.RunError(
            f"stack {settings.stack!r}: aws-native:region {found}, but the Plan has {', '.join(native)} resources, "
            f"which the aws-native provider deploys; set it to aws:region with "
            f"`pulumi config set aws-native:region {settings.region}`")
