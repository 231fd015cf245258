"""The Pulumi policy pack: the same Rego, judged over the resources of `pulumi preview` / `pulumi up`.

The pack recompiles the stack's spec (for the facts the Plan carries in
``meta`` and the spec the rules read), replaces each Plan resource's plain
inputs with the live properties the engine reports for the resource of the
same name — so a transformation or a later edit to the program is judged as
deployed — while inputs that are references or JSON documents stay as
compiled (rules read their structure) and values unknown during a preview
keep the compiled input; then it runs the policy stage. Error-level findings are reported by the mandatory policy
(``llmops-iac-mandatory``, which fails the update), warnings and notes by the
advisory one. Waived findings are not violations.

Which spec, environment and region (llmops_iac.deploy.pack_settings): by default the stack's own
``llmops-iac:spec``, ``llmops-iac:environment`` (else the stack name) and ``aws:region``, which Pulumi
passes to the pack; a relative spec path resolves from the Pulumi project, never from the pack's
working directory (Pulumi starts a pack in its own directory). The policy config (``pulumi preview
--policy-pack llmops_iac/deploy/policypack --policy-pack-config FILE``) may override ``spec``,
``environment``, ``region`` and ``projectDir``, per policy.

The pack judges the spec the stack deploys or nothing: the live resources carry the ``specHash`` and
``environment`` tags the program compiled; a recompiled Plan whose tags differ (another spec, another
environment, another checkout) is a mandatory violation, like a missing spec, a spec outside the
project, an engine failure or any other error.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, StackValidationArgs, StackValidationPolicy

MANDATORY = "llmops-iac-mandatory"
ADVISORY = "llmops-iac-advisory"
CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "spec": {"type": "string", "description": "The spec file, relative to the project (default: llmops-iac:spec)."},
    "environment": {"type": "string", "description": "The spec environment (default: llmops-iac:environment, "
                                                     "else the stack name)."},
    "region": {"type": "string", "description": "The AWS region (default: aws:region)."},
    "projectDir": {"type": "string", "description": "The Pulumi project's absolute path (default: found from the "
                                                    "directory pulumi runs in)."},
})


class SpecMismatch(Exception):
    """The recompiled Plan is not what the stack deploys (its specHash or environment tag differs)."""


def judge_resources(resources: Iterable[Any], spec: str, environment: str | None, region: str | None):
    """Return (PolicyResult, URN by logical name, the Plan judged) for ``spec`` with the live ``resources``."""
    from llmops_iac.compile import compile_spec
    from llmops_iac.pipeline import PolicyOptions, _policy_judge, stage_inputs
    from llmops_iac.spec.validate import load_spec

    loaded = load_spec(spec, environment=environment, region=region)
    plan = compile_spec(loaded)
    live = {r.name: r for r in resources}
    _same_spec(plan, live)
    for name, res in plan.resources.items():
        current = live.get(name)
        if current is None or current.resource_type != res.type:
            continue
        props = current.props or {}
        for key in list(props.keys()):
            if key not in res.inputs or key == "tags" or _has_expression(res.inputs[key]):
                continue  # expressions (refs, joins, JSON documents) stay as compiled: the rules read their structure
            try:
                value = _plain(props[key])
            except _Unknown:
                continue  # not known until the update: judge the compiled input
            if value is not None:
                res.inputs[key] = value
    options = PolicyOptions()
    judge = _policy_judge(options)
    extra = stage_inputs(loaded, plan, options)
    return judge(loaded, plan, **extra), {name: getattr(r, "urn", None) for name, r in live.items()}, plan


def _same_spec(plan: Any, live: dict[str, Any]) -> None:
    """Raise SpecMismatch when a live resource's specHash or environment tag is not the recompiled Plan's."""
    wanted = {"specHash": plan.spec_hash, "environment": plan.environment}
    for name, res in plan.resources.items():
        current = live.get(name)
        if current is None or current.resource_type != res.type or not isinstance(res.inputs.get("tags"), dict):
            continue
        try:
            tags = _plain((current.props or {}).get("tags"))
        except _Unknown:
            continue
        for key, value in wanted.items():
            got = tags.get(key) if isinstance(tags, dict) else None
            if got is not None and got != value:
                raise SpecMismatch(f"the stack deploys {key} {got!r} (tag of {name}), but the spec the pack read gives "
                                   f"{value!r}: the pack judged another spec or environment than the program deployed; "
                                   f"check llmops-iac:spec / llmops-iac:environment and the policy config")


def _has_expression(value: Any) -> bool:
    from llmops_iac.compile.plan import is_expression

    if is_expression(value):
        return True
    if isinstance(value, dict):
        return any(_has_expression(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_expression(v) for v in value)
    return False


class _Unknown(Exception):
    pass


_UNKNOWN_MARKERS = {
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", "3eeb2bf0-c639-47a8-9e75-3b44932eb421", "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
}


def _plain(value: Any) -> Any:
    """A deep plain copy of a (proxied) property value; raises _Unknown if any part is not known yet."""
    from collections.abc import Mapping, Sequence

    from pulumi_policy.proxy import UnknownValueError

    try:
        if isinstance(value, str):
            if value in _UNKNOWN_MARKERS:
                raise _Unknown()
            return value
        if isinstance(value, Mapping):
            return {k: _plain(value[k]) for k in list(value.keys())}
        if isinstance(value, Sequence):
            return [_plain(value[i]) for i in range(len(value))]
        return value
    except UnknownValueError:
        raise _Unknown() from None


def _validator(levels: set[str]) -> Callable[[StackValidationArgs, Callable[..., None]], None]:
    def validate(args: StackValidationArgs, report_violation: Callable[..., None]) -> None:
        from llmops_iac.deploy.pack_settings import PackConfigError, read_settings
        from llmops_iac.shown_paths import relative_to

        try:
            settings = read_settings(args.get_config())
            with relative_to(settings.project_dir):  # violations name the spec from the project (settings.show)
                result, urns, _ = judge_resources(args.resources, settings.spec, settings.environment, settings.region)
        except PackConfigError as exc:
            report_violation(f"llmops-iac could not judge the stack: {exc}", None)
            return
        except Exception as exc:  # noqa: BLE001 - fail closed: an unjudged stack is a violation
            report_violation(f"llmops-iac could not judge the stack: {type(exc).__name__}: {exc}", None)
            return
        for f in result.active():
            if f.severity in levels:
                message = (f"[{f.rule_id}] {f.title}: {f.message} ({settings.show(f.file)}:{f.line}). "
                           f"Fix: {f.remediation}")
                report_violation(message, urns.get(f.resource) if f.resource else None)

    return validate


validate_mandatory = _validator({"error"})
validate_advisory = _validator({"warning", "note"})

POLICIES = [
    StackValidationPolicy(name=MANDATORY, description="llmops-iac error-level rules: the update fails on a finding.",
                          validate=validate_mandatory, enforcement_level=EnforcementLevel.MANDATORY,
                          config_schema=CONFIG_SCHEMA),
    StackValidationPolicy(name=ADVISORY, description="llmops-iac warning- and note-level rules: reported, not blocking.",
                          validate=validate_advisory, enforcement_level=EnforcementLevel.ADVISORY,
                          config_schema=CONFIG_SCHEMA),
]
