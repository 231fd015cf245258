"""The Pulumi policy pack, called in-process over the mocked resources of every example.

Each test sets the process up as Pulumi starts a pack: the stack's config in ``PULUMI_CONFIG``,
``PULUMI_PROJECT`` / ``PULUMI_STACK``, ``PWD`` where ``pulumi`` was started, and the working directory
the pack's own (llmops_iac/deploy/policypack) unless a test says otherwise.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
from pulumi_policy import PolicyResource, PolicyResourceOptions, StackValidationArgs

from llmops_iac.compile import compile_spec
from llmops_iac.deploy import policy_pack, program
from llmops_iac.pipeline import PolicyOptions, _policy_judge, stage_inputs
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES, ROOT, example_files
from tests.deploy.conftest import install_mocks, run_program

PACK_DIR = ROOT / "llmops_iac" / "deploy" / "policypack"


def _envs(path):
    import yaml

    return list(((yaml.safe_load(path.read_text()) or {}).get("spec") or {}).get("environments") or {}) or [None]


CASES = [pytest.param(p, env, id=f"{p.stem}-{env}") for p in example_files() for env in _envs(p)]


def _stack_config(spec: str, env: str | None, region: str) -> dict[str, str]:
    config = {"llmops-iac:spec": spec, "aws:region": region, "aws-native:region": region}
    if env:
        config["llmops-iac:environment"] = env
    return config


def _resources(path, env, describe, project=ROOT):
    """Run the program for ``path`` (relative to ``project`` in the stack config) and return its resources,
    with the process set up as Pulumi sets up the pack for the same stack."""
    plan = compile_spec(load_spec(str(path), environment=env)).to_data()
    config = _stack_config(os.path.relpath(path, project), env, plan["region"])
    mocks = install_mocks(stack=env or "dev", config=config)
    run_program(lambda: program.main(project_dir=project, describe=describe))
    _as_pulumi_starts_the_pack(config, env or "dev", project)
    opts = PolicyResourceOptions(protect=False, ignore_changes=[], delete_before_replace=None, aliases=[],
                                 custom_timeouts=None, additional_secret_outputs=[])
    return [PolicyResource(resource_type=a.typ, props=dict(a.inputs), urn=f"urn:pulumi:ci::llmops-iac::{a.typ}::{a.name}",
                           name=a.name, opts=opts, provider=None, parent=None, dependencies=[], property_dependencies={})
            for a in mocks.created]


PACK_ENV = ("PULUMI_CONFIG", "PULUMI_PROJECT", "PULUMI_STACK", "PWD", "LLMOPS_IAC_SPEC", "LLMOPS_IAC_ENVIRONMENT",
            "LLMOPS_IAC_PROJECT_DIR", "AWS_REGION")


@pytest.fixture(autouse=True)
def _pack_process(monkeypatch):
    """Each test starts in the pack's directory with none of the pack's variables; all are restored afterwards."""
    saved = {var: os.environ.pop(var, None) for var in PACK_ENV}
    monkeypatch.chdir(PACK_DIR)
    yield
    for var, value in saved.items():
        os.environ.pop(var, None)
        if value is not None:
            os.environ[var] = value


def _as_pulumi_starts_the_pack(config, stack, pwd):
    os.environ.update(PULUMI_CONFIG=json.dumps(config), PULUMI_PROJECT="llmops-iac", PULUMI_STACK=stack, PWD=str(pwd))


def _violations(validate, resources, config=None):
    seen: list[tuple[str, str | None]] = []
    validate(StackValidationArgs(resources, config=config or {}), lambda message, urn=None: seen.append((message, urn)))
    return seen


def _project(tmp_path, name="llmops-iac"):
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    return project


@pytest.mark.parametrize("path,env", CASES)
def test_pack_agrees_with_the_policy_stage(path, env, sagemaker_describe):
    resources = _resources(path, env, sagemaker_describe)
    loaded = load_spec(str(path), environment=env or "dev")  # the program's default environment: the stack name
    plan = compile_spec(loaded)
    expected = _policy_judge(PolicyOptions())(loaded, plan, **stage_inputs(loaded, plan))
    mandatory = _violations(policy_pack.validate_mandatory, resources)
    advisory = _violations(policy_pack.validate_advisory, resources)
    assert len(mandatory) == sum(1 for f in expected.active() if f.severity == "error")
    assert len(advisory) == sum(1 for f in expected.active() if f.severity != "error")
    assert mandatory == []  # the examples are the showcase: no error-level finding


def test_unguarded_model_is_a_mandatory_violation_on_its_resource(tmp_path, sagemaker_describe):
    project = _project(tmp_path)
    spec = project / "app.yaml"
    spec.write_text("apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: unguarded\nspec:\n"
                    "  guardrails:\n    g:\n      appliesTo: {models: []}\n")
    resources = _resources(spec, None, sagemaker_describe, project=project)
    found = _violations(policy_pack.validate_mandatory, resources)
    grd = [(m, u) for m, u in found if "[LLM-GRD-001]" in m]
    assert len(grd) == 1 and grd[0][1].endswith("::model-default-profile") and "(app.yaml:" in grd[0][0]


def test_live_properties_are_judged_and_failures_fail_closed(tmp_path, sagemaker_describe):
    resources = _resources(EXAMPLES / "minimal.yaml", "sandbox", sagemaker_describe)
    for r in resources:
        if r.name == "invocation-logs":
            r.props["retentionInDays"] = 1  # changed after compile, e.g. by a transformation
    _, urns, plan = policy_pack.judge_resources(resources, str(EXAMPLES / "minimal.yaml"), "sandbox", None)
    assert plan.resources["invocation-logs"].inputs["retentionInDays"] == 1
    assert plan.resources["kms-key-alias"].inputs["targetKeyId"] == {"ref": "kms-key", "attr": "keyId"}  # expressions kept
    assert urns["kms-key"].endswith("::kms-key")
    broken = _violations(policy_pack.validate_mandatory, resources, {"spec": "examples/missing.yaml"})
    assert len(broken) == 1 and "could not judge the stack" in broken[0][0] and "is not a file" in broken[0][0]


def test_a_container_serving_another_model_than_compiled_is_a_mandatory_violation(sagemaker_describe):
    """A transformation (or an edit to the program) that swaps the served model after compile: the Plan's meta
    still names the spec's pinned model, the live container another one."""
    path = EXAMPLES / "self-hosted-llama.yaml"
    resources = _resources(path, "prod", sagemaker_describe)
    [model] = [r for r in resources if r.name == "endpoint-llama3-8b-model-bf16-g5"]
    model.props["primaryContainer"] = dict(model.props["primaryContainer"], environment=dict(
        model.props["primaryContainer"]["environment"], HF_MODEL_ID="evil-org/backdoored-llama", HF_ENDPOINT="https://hub.evil.example"))
    found = [(m, u) for m, u in _violations(policy_pack.validate_mandatory, resources) if "[LLM-DEP-008]" in m]
    assert len(found) == 2 and all(u.endswith("::endpoint-llama3-8b-model-bf16-g5") for _, u in found), found
    assert any("HF_MODEL_ID" in m for m, _ in found) and any("HF_ENDPOINT" in m for m, _ in found)
    assert not any("evil" in m for m, _ in found)  # live values are not echoed (they could be secrets)


# -- the pack fails closed on the engine as `check` does (same engine creation, same answer check) -----------

def test_without_the_opa_bindings_the_pack_reports_a_mandatory_violation(monkeypatch, sagemaker_describe):
    import sys

    from llmops_iac.policy.reference import INSTALL

    resources = _resources(EXAMPLES / "minimal.yaml", "sandbox", sagemaker_describe)
    for name in [m for m in sys.modules if m == "opa_bindings" or m.startswith("opa_bindings.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "opa_bindings", None)  # import opa_bindings -> ImportError
    monkeypatch.delenv("OPA_URL", raising=False)
    found = _violations(policy_pack.validate_mandatory, resources)
    assert len(found) == 1 and "could not judge the stack" in found[0][0] and INSTALL in found[0][0]


@pytest.mark.parametrize("answer", [{"result": {}}, {"result": {"allow": True}}], ids=["empty", "allow-true"])
def test_an_incomplete_server_answer_is_a_mandatory_violation(monkeypatch, sagemaker_describe, answer):
    from tests.policy.opa_server import running

    resources = _resources(EXAMPLES / "minimal.yaml", "sandbox", sagemaker_describe)
    with running() as server:
        server.fault("rewrite", methods={"POST"}, rewrite=lambda doc: answer)
        monkeypatch.setenv("OPA_URL", server.url)
        found = _violations(policy_pack.validate_mandatory, resources)
    assert len(found) == 1 and "could not judge the stack" in found[0][0], found
    assert "is incomplete or malformed" in found[0][0] and "missing" in found[0][0]


# -- where the spec is: the project, never the pack's working directory --------------------------------------------

def _judged_cleanly(found):
    return not any("could not judge" in m for m, _ in found)


@pytest.mark.parametrize("cwd", ["pack", "elsewhere"])
@pytest.mark.parametrize("pwd", ["root", "subdirectory"])
def test_a_relative_spec_resolves_from_the_project(sagemaker_describe, tmp_path, monkeypatch, cwd, pwd):
    """`llmops-iac:spec: examples/minimal.yaml` names a file of the project; Pulumi runs the pack in the pack's own
    directory (the process's cwd is llmops_iac/deploy/policypack), and `pulumi` may run from a subdirectory."""
    resources = _resources(EXAMPLES / "minimal.yaml", "sandbox", sagemaker_describe)
    assert json.loads(os.environ["PULUMI_CONFIG"])["llmops-iac:spec"] == "examples/minimal.yaml"
    os.environ["PWD"] = str(ROOT if pwd == "root" else EXAMPLES / "prompts")
    if cwd == "elsewhere":
        monkeypatch.chdir(tmp_path)
    for validate in (policy_pack.validate_mandatory, policy_pack.validate_advisory):
        found = _violations(validate, resources)
        assert _judged_cleanly(found), found
    assert _violations(policy_pack.validate_mandatory, resources) == []


def test_the_pack_inside_its_project_finds_it_when_pulumi_runs_elsewhere(sagemaker_describe, tmp_path):
    resources = _resources(EXAMPLES / "minimal.yaml", "sandbox", sagemaker_describe)
    os.environ["PWD"] = str(tmp_path)  # e.g. `pulumi -C …` from another directory; the cwd is still the pack's
    assert _violations(policy_pack.validate_mandatory, resources) == []


def _one_mandatory(resources, config=None):
    found = _violations(policy_pack.validate_mandatory, resources, config)
    assert len(found) == 1 and found[0][1] is None and found[0][0].startswith("llmops-iac could not judge the stack"), found
    return found[0][0]


def test_no_project_in_sight_is_a_mandatory_violation(sagemaker_describe, tmp_path, monkeypatch):
    resources = _resources(EXAMPLES / "minimal.yaml", "sandbox", sagemaker_describe)
    copy = tmp_path / "pack"
    shutil.copytree(PACK_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    monkeypatch.chdir(copy)  # a published pack: installed far from any project
    os.environ["PWD"] = str(tmp_path)
    message = _one_mandatory(resources)
    assert "cannot find the Pulumi project 'llmops-iac'" in message and "projectDir" in message
    assert _violations(policy_pack.validate_mandatory, resources, {"projectDir": str(ROOT)}) == []


def test_a_project_of_another_name_is_not_taken_for_the_stack(sagemaker_describe, tmp_path, monkeypatch):
    resources = _resources(EXAMPLES / "minimal.yaml", "sandbox", sagemaker_describe)
    other = _project(tmp_path, name="someone-else")
    (other / "examples").mkdir()
    shutil.copy(EXAMPLES / "minimal.yaml", other / "examples" / "minimal.yaml")
    monkeypatch.chdir(tmp_path)
    os.environ["PWD"] = str(other)
    message = _one_mandatory(resources)
    assert "of other projects" in message and str(other) in message


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_a_spec_outside_the_project_is_a_mandatory_violation(sagemaker_describe, tmp_path, how):
    """The stack config (or the policy config) points the pack at a spec the project does not hold."""
    resources = _resources(EXAMPLES / "minimal.yaml", "sandbox", sagemaker_describe)
    outside = tmp_path / "outside.yaml"
    shutil.copy(EXAMPLES / "minimal.yaml", outside)
    if how == "dotdot":
        spec = os.path.relpath(outside, ROOT)
    elif how == "absolute":
        spec = str(outside)
    else:
        link = EXAMPLES / "prompts" / f"link-{os.getpid()}.yaml"
        link.symlink_to(outside)
        spec = os.path.relpath(link, ROOT)
    try:
        message = _one_mandatory(resources, {"spec": spec})
    finally:
        if how == "symlink":
            link.unlink()
    assert "outside the Pulumi project" in message and spec in message


@pytest.mark.parametrize("config,stack_spec,needle", [
    ({}, None, "no spec to judge"),
    ({}, "examples/no-such-spec.yaml", "is not a file"),
    ({"projectDir": "."}, "examples/minimal.yaml", "must be an absolute path"),
    ({"projectDir": "/"}, "examples/minimal.yaml", "holds no Pulumi.yaml"),
], ids=["no-spec", "missing-file", "relative-project-dir", "not-a-project"])
def test_an_unclear_spec_is_a_mandatory_violation(sagemaker_describe, config, stack_spec, needle):
    resources = _resources(EXAMPLES / "minimal.yaml", "sandbox", sagemaker_describe)
    stack = json.loads(os.environ["PULUMI_CONFIG"])
    stack.pop("llmops-iac:spec")
    if stack_spec:
        stack["llmops-iac:spec"] = stack_spec
    os.environ["PULUMI_CONFIG"] = json.dumps(stack)
    assert needle in _one_mandatory(resources, config)
    advisory = _violations(policy_pack.validate_advisory, resources, config)
    assert len(advisory) == 1 and needle in advisory[0][0]


@pytest.mark.parametrize("config,needle", [
    ({"spec": "examples/support-assistant.yaml"}, "specHash"),
    ({"environment": "prod"}, "environment"),
], ids=["another-spec", "another-environment"])
def test_judging_another_spec_than_the_stack_deploys_is_a_mandatory_violation(sagemaker_describe, config, needle):
    """A policy config (or a stale checkout) that makes the pack read another spec would judge the wrong thing:
    the live resources' specHash and environment tags say what the program deployed."""
    resources = _resources(EXAMPLES / "minimal.yaml", "sandbox", sagemaker_describe)
    message = _one_mandatory(resources, config)
    assert "SpecMismatch" in message and needle in message
