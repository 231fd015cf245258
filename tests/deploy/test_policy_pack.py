"""The Pulumi policy pack, called in-process over the mocked resources of every example."""

from __future__ import annotations

import pytest
from pulumi_policy import PolicyResource, PolicyResourceOptions, StackValidationArgs

from llmops_iac.compile import compile_spec
from llmops_iac.deploy import policy_pack, program
from llmops_iac.pipeline import PolicyOptions, _policy_judge, stage_inputs
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES, ROOT, example_files
from tests.deploy.conftest import install_mocks, run_program


def _envs(path):
    import yaml

    return list(((yaml.safe_load(path.read_text()) or {}).get("spec") or {}).get("environments") or {}) or [None]


CASES = [pytest.param(p, env, id=f"{p.stem}-{env}") for p in example_files() for env in _envs(p)]


def _resources(path, env, describe):
    plan = compile_spec(load_spec(str(path), environment=env)).to_data()
    config = {"llmops-iac:spec": str(path), "aws:region": plan["region"], "aws-native:region": plan["region"]}
    if env:
        config["llmops-iac:environment"] = env
    mocks = install_mocks(stack=env or "dev", config=config)
    run_program(lambda: program.main(project_dir=ROOT, describe=describe))
    opts = PolicyResourceOptions(protect=False, ignore_changes=[], delete_before_replace=None, aliases=[],
                                 custom_timeouts=None, additional_secret_outputs=[])
    return [PolicyResource(resource_type=a.typ, props=dict(a.inputs), urn=f"urn:pulumi:ci::llmops-iac::{a.typ}::{a.name}",
                           name=a.name, opts=opts, provider=None, parent=None, dependencies=[], property_dependencies={})
            for a in mocks.created]


def _violations(validate, resources, config):
    seen: list[tuple[str, str | None]] = []
    validate(StackValidationArgs(resources, config=config), lambda message, urn=None: seen.append((message, urn)))
    return seen


@pytest.mark.parametrize("path,env", CASES)
def test_pack_agrees_with_the_policy_stage(path, env, sagemaker_describe):
    resources = _resources(path, env, sagemaker_describe)
    config = {"spec": str(path), **({"environment": env} if env else {})}
    loaded = load_spec(str(path), environment=env)
    plan = compile_spec(loaded)
    expected = _policy_judge(PolicyOptions())(loaded, plan, **stage_inputs(loaded, plan))
    mandatory = _violations(policy_pack.validate_mandatory, resources, config)
    advisory = _violations(policy_pack.validate_advisory, resources, config)
    assert len(mandatory) == sum(1 for f in expected.active() if f.severity == "error")
    assert len(advisory) == sum(1 for f in expected.active() if f.severity != "error")
    assert mandatory == []  # the examples are the showcase: no error-level finding


def test_unguarded_model_is_a_mandatory_violation_on_its_resource(tmp_path, sagemaker_describe):
    spec = tmp_path / "app.yaml"
    spec.write_text("apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: unguarded\nspec:\n"
                    "  guardrails:\n    g:\n      appliesTo: {models: []}\n")
    resources = _resources(spec, None, sagemaker_describe)
    found = _violations(policy_pack.validate_mandatory, resources, {"spec": str(spec)})
    grd = [(m, u) for m, u in found if "[LLM-GRD-001]" in m]
    assert len(grd) == 1 and grd[0][1].endswith("::model-default-profile") and "app.yaml:" in grd[0][0]


def test_live_properties_are_judged_and_failures_fail_closed(tmp_path, sagemaker_describe):
    resources = _resources(EXAMPLES / "minimal.yaml", None, sagemaker_describe)
    for r in resources:
        if r.name == "invocation-logs":
            r.props["retentionInDays"] = 1  # changed after compile, e.g. by a transformation
    _, urns, plan = policy_pack.judge_resources(resources, str(EXAMPLES / "minimal.yaml"), None, None)
    assert plan.resources["invocation-logs"].inputs["retentionInDays"] == 1
    assert plan.resources["kms-key-alias"].inputs["targetKeyId"] == {"ref": "kms-key", "attr": "keyId"}  # expressions kept
    assert urns["kms-key"].endswith("::kms-key")
    broken = _violations(policy_pack.validate_mandatory, resources, {"spec": str(tmp_path / "missing.yaml")})
    assert len(broken) == 1 and "could not judge the stack" in broken[0][0]
    unset = _violations(policy_pack.validate_mandatory, resources, {})
    assert len(unset) == 1 and "no spec configured" in unset[0][0]


def test_a_container_serving_another_model_than_compiled_is_a_mandatory_violation(sagemaker_describe):
    """A transformation (or an edit to the program) that swaps the served model after compile: the Plan's meta
    still names the spec's pinned model, the live container another one."""
    path = EXAMPLES / "self-hosted-llama.yaml"
    resources = _resources(path, "prod", sagemaker_describe)
    [model] = [r for r in resources if r.name == "endpoint-llama3-8b-model-bf16-g5"]
    model.props["primaryContainer"] = dict(model.props["primaryContainer"], environment=dict(
        model.props["primaryContainer"]["environment"], HF_MODEL_ID="evil-org/backdoored-llama", HF_ENDPOINT="https://hub.evil.example"))
    found = [(m, u) for m, u in _violations(policy_pack.validate_mandatory, resources, {"spec": str(path), "environment": "prod"})
             if "[LLM-DEP-008]" in m]
    assert len(found) == 2 and all(u.endswith("::endpoint-llama3-8b-model-bf16-g5") for _, u in found), found
    assert any("HF_MODEL_ID" in m for m, _ in found) and any("HF_ENDPOINT" in m for m, _ in found)
    assert not any("evil" in m for m, _ in found)  # live values are not echoed (they could be secrets)


# -- the pack fails closed on the engine as `check` does (same engine creation, same answer check) -----------

def test_without_the_opa_bindings_the_pack_reports_a_mandatory_violation(monkeypatch, sagemaker_describe):
    import sys

    from llmops_iac.policy.reference import INSTALL

    resources = _resources(EXAMPLES / "minimal.yaml", None, sagemaker_describe)
    for name in [m for m in sys.modules if m == "opa_bindings" or m.startswith("opa_bindings.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "opa_bindings", None)  # import opa_bindings -> ImportError
    monkeypatch.delenv("OPA_URL", raising=False)
    found = _violations(policy_pack.validate_mandatory, resources, {"spec": str(EXAMPLES / "minimal.yaml")})
    assert len(found) == 1 and "could not judge the stack" in found[0][0] and INSTALL in found[0][0]


@pytest.mark.parametrize("answer", [{"result": {}}, {"result": {"allow": True}}], ids=["empty", "allow-true"])
def test_an_incomplete_server_answer_is_a_mandatory_violation(monkeypatch, sagemaker_describe, answer):
    from tests.policy.opa_server import running

    resources = _resources(EXAMPLES / "minimal.yaml", None, sagemaker_describe)
    with running() as server:
        server.fault("rewrite", methods={"POST"}, rewrite=lambda doc: answer)
        monkeypatch.setenv("OPA_URL", server.url)
        found = _violations(policy_pack.validate_mandatory, resources, {"spec": str(EXAMPLES / "minimal.yaml")})
    assert len(found) == 1 and "could not judge the stack" in found[0][0], found
    assert "is incomplete or malformed" in found[0][0] and "missing" in found[0][0]
