"""The Pulumi program under mocks: stack config → spec → Plan → every resource, and clean errors for bad input."""

from __future__ import annotations

import ast
import json

import pulumi
import pytest

from llmops_iac.compile import compile_spec
from llmops_iac.deploy import program
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES, ROOT, example_files
from tests.deploy.conftest import (RecordingMocks, assert_plan_deployed, assert_serialised_unchanged, install_mocks,
                                   run_program)


def _environments(path) -> list[str]:
    import yaml

    declared = list(((yaml.safe_load(path.read_text()) or {}).get("spec") or {}).get("environments") or {})
    return declared or ["dev"]


CASES = [pytest.param(p, env, id=f"{p.stem}-{env}") for p in example_files() for env in _environments(p)]


def _config(spec: str, environment: str | None, region: str, native: bool = True) -> dict[str, str]:
    config = {"llmops-iac:spec": spec, "aws:region": region}
    if environment:
        config["llmops-iac:environment"] = environment
    if native:
        config["aws-native:region"] = region
    return config


def _expected_plan(path, environment: str) -> dict:
    return compile_spec(load_spec(str(path), environment=environment)).to_data()


@pytest.mark.parametrize("path,environment", CASES)
def test_every_example_deploys_every_plan_resource(path, environment, sagemaker_describe):
    plan = _expected_plan(path, environment)
    mocks = install_mocks(stack="ci", config=_config(str(path.relative_to(ROOT)), environment, plan["region"]),
                          plan=plan)

    exports = run_program(lambda: program.main(project_dir=ROOT, describe=sagemaker_describe))

    assert_serialised_unchanged(plan, mocks)  # each registration, as the engine received it
    assert_plan_deployed(plan, mocks, exports)
    assert exports, "the example exports its outputs"


# --- the serialisation check, attacked: inputs the SDK would change on the way to the engine -------------------------

def _one_model_plan(**primary_container) -> dict:
    from llmops_iac.compile import tokens as T

    return {"resources": [{"name": "m", "type": T.SM_MODEL, "inputs": {
        "executionRoleArn": "arn:aws:iam::123456789012:role/sm",
        "primaryContainer": {"image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/tgi:3", **primary_container}}}],
        "outputs": {}}


def _serialised(plan: dict) -> list[str]:
    from llmops_iac.deploy.adapter import deploy_plan

    mocks = install_mocks(plan=plan)
    run_program(lambda: deploy_plan(plan))
    return mocks.serialised["m"]


def test_the_serialisation_check_catches_a_nested_key_the_sdk_renames():
    # A Python name inside a typed nested object is translated by the SDK: the engine gets a key the Plan never had.
    found = _serialised(_one_model_plan(model_data_url="s3://acme-models/llama/"))
    assert found == ["m.inputs.primaryContainer: keys differ: missing ['model_data_url'], unexpected ['modelDataUrl']"]


def test_the_serialisation_check_catches_an_input_the_sdk_drops():
    plan = _one_model_plan()
    plan["resources"][0]["inputs"]["enableNetworkIsolation"] = None
    assert _serialised(plan) == ["m.inputs: keys differ: missing ['enableNetworkIsolation'], unexpected []"]


def test_the_serialisation_check_passes_what_the_sdk_sends_unchanged():
    assert _serialised(_one_model_plan(environment={"lower_case": "kept", "SM_NUM_GPUS": "1"})) == []


def test_environment_defaults_to_the_stack_name():
    path = EXAMPLES / "support-assistant.yaml"
    plan = _expected_plan(path, "prod")
    mocks = install_mocks(stack="prod", config=_config("examples/support-assistant.yaml", None, plan["region"]))
    exports = run_program(lambda: program.main(project_dir=ROOT))
    assert_plan_deployed(plan, mocks, exports)
    assert plan["environment"] == "prod"


def test_aws_region_overrides_the_spec_region():
    mocks = install_mocks(config=_config("examples/minimal.yaml", "sandbox", "eu-west-1"))
    run_program(lambda: program.main(project_dir=ROOT))
    text = json.dumps([a.inputs for a in mocks.created])
    assert "eu-west-1" in text and "us-east-1" not in text


# --- errors: each is a RunError (no traceback in `pulumi up`) and registers nothing ---------------------------------

def _fails(mocks: RecordingMocks, *fragments: str) -> str:
    with pytest.raises(pulumi.RunError) as info:
        run_program(lambda: program.main(project_dir=ROOT))
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    assert mocks.created == []
    return message


def test_spec_config_is_required():
    mocks = install_mocks(config={"aws:region": "us-east-1"})
    _fails(mocks, "llmops-iac:spec is not set", "pulumi config set llmops-iac:spec")


def test_unknown_project_config_key_is_an_error():
    mocks = install_mocks(config={**_config("examples/minimal.yaml", None, "us-east-1"), "llmops-iac:enviroment": "prod"})
    _fails(mocks, "unknown config key 'llmops-iac:enviroment'", "did you mean 'llmops-iac:environment'")


def test_aws_region_is_required():
    mocks = install_mocks(config={"llmops-iac:spec": "examples/minimal.yaml"})
    _fails(mocks, "aws:region is not set", "pulumi config set aws:region")


def test_stack_name_that_is_not_an_environment_name():
    mocks = install_mocks(stack="Prod_EU", config=_config("examples/minimal.yaml", None, "us-east-1"))
    _fails(mocks, "'Prod_EU' (from the stack name 'Prod_EU') is not an environment name")


def test_missing_spec_file():
    mocks = install_mocks(config=_config("examples/nope.yaml", "dev", "us-east-1"))
    _fails(mocks, "llmops-iac:spec names 'examples/nope.yaml', which is not a file")


def test_invalid_spec_lists_every_diagnostic_at_its_line(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: bad\n"
                    "spec:\n  regoin: us-east-1\n  budgets:\n    monthlyUsd: -5\n")
    mocks = install_mocks(config=_config(str(spec), "dev", "us-east-1"))
    message = _fails(mocks, "is not a valid llmops-iac spec for environment 'dev'", "bad.yaml:6:3: error[unknown-key]",
                     "did you mean 'region'", "bad.yaml:8:17: error[", "llmops-iac validate")
    assert "Traceback" not in message


def test_region_override_is_checked_against_the_spec(tmp_path):
    # support-assistant routes through the "us" cross-region profile; deploying it to eu-west-1 must fail at that line.
    mocks = install_mocks(config=_config("examples/support-assistant.yaml", "prod", "eu-west-1"))
    _fails(mocks, "region eu-west-1", "support-assistant.yaml:30:", "error[region-mismatch]",
           "does not serve region eu-west-1")


def test_aws_native_region_must_match_when_the_plan_needs_it():
    mocks = install_mocks(config=_config("examples/support-assistant.yaml", "prod", "us-east-1", native=False))
    _fails(mocks, "aws-native:region is not set", "aws-native:bedrock:PromptVersion",
           "pulumi config set aws-native:region us-east-1")
    mocks = install_mocks(config={**_config("examples/support-assistant.yaml", "prod", "us-east-1"),
                                  "aws-native:region": "us-west-2"})
    _fails(mocks, "aws-native:region is 'us-west-2'")


def test_a_plan_without_aws_native_resources_needs_no_aws_native_region():
    mocks = install_mocks(config=_config("examples/minimal.yaml", "sandbox", "us-east-1", native=False))
    run_program(lambda: program.main(project_dir=ROOT))
    assert mocks.created


def test_a_plan_that_does_not_fit_the_provider_stops_the_deploy_before_anything_registers(monkeypatch):
    """A compiler bug of the s3DataSource kind is an internal error naming resource, path and allowed keys."""
    import llmops_iac.compile as compile_package

    real = compile_package.compile_spec

    class Broken:
        def __init__(self, plan):
            self.plan = plan

        def to_data(self):
            data = self.plan.to_data()
            for r in data["resources"]:
                if r["type"] == "aws:sagemaker/model:Model":
                    source = r["inputs"]["primaryContainer"]["modelDataSource"]
                    source["s3DataSource"] = source.pop("s3DataSources")[0]
            return data

    monkeypatch.setattr(compile_package, "compile_spec", lambda loaded: Broken(real(loaded)))
    monkeypatch.setattr(program, "_carry_capacity", lambda plan, settings, describe: plan)  # not under test here
    mocks = install_mocks(config=_config("examples/self-hosted-llama.yaml", "prod", "us-east-1"))
    message = _fails(mocks, "llmops-iac: internal error, please report it",
                     "(aws:sagemaker/model:Model): primaryContainer.modelDataSource.s3DataSource: unknown key "
                     "'s3DataSource'; ModelPrimaryContainerModelDataSourceArgs takes: s3DataSources")
    assert "Traceback" not in message


def test_main_module_only_runs_the_program():
    tree = ast.parse((ROOT / "__main__.py").read_text())
    body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    assert ast.unparse(ast.Module(body=body, type_ignores=[])) == "from llmops_iac.deploy.program import main\nmain()"


def test_spec_warnings_reach_the_pulumi_log(caplog, tmp_path):
    # An environment declared without a tier: the loader's tier-unknown warning is logged through the engine.
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    spec = (EXAMPLES / "minimal.yaml").read_text().replace("    sandbox:\n      tier: development\n", "    sandbox: {}\n")
    assert "sandbox: {}" in spec
    (tmp_path / "app.yaml").write_text(spec)
    install_mocks(stack="sandbox", config=_config("app.yaml", None, "us-east-1"))
    with caplog.at_level("WARNING"):
        run_program(lambda: program.main(project_dir=tmp_path))
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("warning[tier-unknown]" in w and "judged as production" in w for w in warnings), warnings


@pytest.mark.parametrize("stack,environment", [("prd", None), ("prod-eu", "prod-eu"), ("prod", "production")])
def test_an_environment_the_spec_does_not_declare_is_refused(stack, environment):
    """A stack in another project or directory that `check` cannot see deploys an environment the spec does not declare:
    no pull request judged it. Before, it deployed (judged as production only by the policy pack, at deploy time)."""
    mocks = install_mocks(stack=stack, config=_config("examples/support-assistant.yaml", environment, "us-east-1"))
    env = environment or stack
    _fails(mocks, f"deploys environment {env!r}, which examples/support-assistant.yaml does not declare",
           "it declares dev, prod", f"spec.environments.{env}.tier")

