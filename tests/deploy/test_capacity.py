"""Capacity carry-over: against a moto SageMaker/STS server on 127.0.0.1, and botocore's Stubber for the failures.

The attacker's case is the silent fallback: an endpoint autoscaling has scaled out to 12 instances,
and a deploy that cannot read it (denied, throttled, no credentials, another account) must stop,
not start the new configuration at the minimum. Only a definite "not found" means a new endpoint.
"""

from __future__ import annotations

import json

import pulumi
import pytest

from llmops_iac.compile import compile_spec
from llmops_iac.deploy import program
from llmops_iac.deploy.capacity import CapacityError, carry_over
from llmops_iac.deploy.provider_session import endpoint_reader, make_session, provider_settings
from llmops_iac.spec.validate import load_spec
from tests.aws.conftest import guard_network
from tests.conftest import EXAMPLES, ROOT
from tests.deploy.conftest import install_mocks, run_program

SPEC = EXAMPLES / "self-hosted-llama.yaml"
FAKE = {"accessKey": "testing", "secretKey": "testing"}


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch, tmp_path):
    """Nothing but 127.0.0.1: no ambient credentials, profiles, metadata service or config files."""
    guard_network(monkeypatch)
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))


def _plan():
    return compile_spec(load_spec(str(SPEC), environment="prod")).to_data()


def _endpoint_name(plan):
    return next(r for r in plan["resources"] if r["name"] == "endpoint-llama3-8b")["inputs"]["name"]


def _config(plan):
    return next(r for r in plan["resources"] if r["name"] == "endpoint-llama3-8b-config")


def _variants(plan):
    return [v["variantName"] for v in _config(plan)["inputs"]["productionVariants"]]


def _live_endpoint(client, name: str, counts: dict[str, int]) -> None:
    client.create_model(ModelName=f"{name}-m", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
                        PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/x:1"})
    client.create_endpoint_config(EndpointConfigName=f"{name}-c", ProductionVariants=[
        {"VariantName": v, "ModelName": f"{name}-m", "InitialInstanceCount": n, "InstanceType": "ml.g4dn.xlarge"}
        for v, n in counts.items()])
    client.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-c")


def _counts(plan):
    return {v["variantName"]: v["initialInstanceCount"] for v in _config(plan)["inputs"]["productionVariants"]}


# --- the carry-over itself --------------------------------------------------------------------------------------------

def test_new_endpoint_starts_at_the_minimum(sagemaker_describe):
    plan = _plan()
    carried, notes = carry_over(plan, sagemaker_describe)
    assert carried == plan
    assert len(notes) == 1 and "does not exist yet" in notes[0]


def test_live_capacity_is_carried_within_bounds(sagemaker_client, sagemaker_describe):
    plan = _plan()
    variants = _variants(plan)
    _live_endpoint(sagemaker_client, _endpoint_name(plan), {variants[0]: 5, variants[1]: 12})
    carried, notes = carry_over(plan, sagemaker_describe)
    bounds = _config(plan)["meta"]["autoscaling"]
    assert _counts(carried) == {variants[0]: 5, variants[1]: bounds["max"]}
    assert len(notes) == 2 and "live 12" in notes[1]
    assert _counts(plan)[variants[0]] == bounds["min"]  # the input is untouched


def test_initial_count_never_replaces_an_existing_configuration():
    config = _config(_plan())
    assert config["options"]["ignoreChanges"] == ["productionVariants[*].initialInstanceCount"]


# --- every failure but "not found" stops the deploy -----------------------------------------------------------------

def _stubbed(code: str, message: str, status: int = 400):
    import boto3
    from botocore.stub import Stubber

    client = boto3.Session(region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t").client(
        "sagemaker", endpoint_url="http://127.0.0.1:9")
    stub = Stubber(client)
    stub.add_client_error("describe_endpoint", service_error_code=code, service_message=message,
                          http_status_code=status)
    stub.activate()
    return lambda name: client.describe_endpoint(EndpointName=name)


@pytest.mark.parametrize("code,message,status", [
    ("AccessDeniedException", "User is not authorized to perform sagemaker:DescribeEndpoint", 400),
    ("ThrottlingException", "Rate exceeded", 400),
    ("InternalFailure", "something broke", 500),
    ("ValidationException", "1 validation error detected: Value at 'endpointName' failed", 400),
    ("UnrecognizedClientException", "The security token included in the request is invalid", 400),
], ids=["denied", "throttled", "unknown", "other-validation-error", "bad-token"])
def test_an_unreadable_endpoint_stops_the_deploy(code, message, status):
    plan = _plan()
    with pytest.raises(CapacityError) as info:
        carry_over(plan, _stubbed(code, message, status), reading="in us-east-1 with profile 'deploy'")
    text = str(info.value)
    assert code in text and _endpoint_name(plan) in text and "with profile 'deploy'" in text
    assert "The deploy stops" in text and "sagemaker:DescribeEndpoint" in text


def test_only_a_definite_not_found_is_a_new_endpoint():
    plan = _plan()
    carried, _ = carry_over(plan, _stubbed("ValidationException", f"Could not find endpoint \"{_endpoint_name(plan)}\"."))
    assert carried == plan


def test_no_credentials_stop_the_deploy():
    settings = provider_settings({"region": "us-east-1", "endpoints": json.dumps([{"sagemaker": "http://127.0.0.1:9"}])})
    with pytest.raises(CapacityError, match="NoCredentialsError"):
        carry_over(_plan(), endpoint_reader(settings))


def test_a_variant_without_a_count_stops_the_deploy():
    plan = _plan()
    variants = _variants(plan)

    def describe(name):
        return {"EndpointName": name, "ProductionVariants": [{"VariantName": variants[0]}]}

    with pytest.raises(CapacityError, match=f"variant {variants[0]} has no instance count"):
        carry_over(plan, describe)


def test_a_variant_the_endpoint_does_not_serve_yet_starts_at_the_minimum():
    plan = _plan()
    variants = _variants(plan)

    def describe(name):
        return {"EndpointName": name, "ProductionVariants": [{"VariantName": variants[0], "DesiredInstanceCount": 3}]}

    carried, _ = carry_over(plan, describe)
    assert _counts(carried) == {variants[0]: 3, variants[1]: _counts(plan)[variants[1]]}


# --- the stack's provider settings ----------------------------------------------------------------------------------

def _moto_config(moto_url, **extra):
    return {"region": "us-east-1", **FAKE, "endpoints": json.dumps([{"sagemaker": moto_url, "sts": moto_url}]), **extra}


def test_assumed_roles_are_assumed_in_order_at_the_stack_endpoints(moto_url):
    roles = [{"roleArn": "arn:aws:iam::123456789012:role/hop", "sessionName": "first"},
             {"roleArn": "arn:aws:iam::210987654321:role/deployer", "duration": "15m", "externalId": "x-1"}]
    settings = provider_settings(_moto_config(moto_url, assumeRoles=json.dumps(roles)))
    identity = make_session(settings).client("sts", endpoint_url=moto_url).get_caller_identity()
    assert identity["Arn"].startswith("arn:aws:sts::210987654321:assumed-role/deployer/llmops-iac")
    assert "assuming arn:aws:iam::123456789012:role/hop then arn:aws:iam::210987654321:role/deployer" in settings.describe()


def test_the_pulumi_aws_6_assume_role_object_is_honoured(moto_url):
    role = {"roleArn": "arn:aws:iam::123456789012:role/legacy", "sessionName": "legacy-session", "durationSeconds": 900}
    settings = provider_settings(_moto_config(moto_url, assumeRole=json.dumps(role)))
    identity = make_session(settings).client("sts", endpoint_url=moto_url).get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::123456789012:assumed-role/legacy/legacy-session"


@pytest.mark.parametrize("config,needle", [
    ({"assumeRoleWithWebIdentity": json.dumps({"roleArn": "arn:aws:iam::1:role/w"})}, "assumeRoleWithWebIdentity"),
    ({"assumeRoles": json.dumps([{"roleArn": "arn:aws:iam::1:role/r", "mfa": "x"}])}, "mfa"),
    ({"assumeRoles": json.dumps([{"sessionName": "no-arn"}])}, "must be an object with a roleArn"),
    ({"assumeRoles": "[not json"}, "not valid JSON"),
    ({"sharedCredentialsFiles": json.dumps(["/a", "/b"])}, "names 2 files"),
    ({"assumeRoles": json.dumps([{"roleArn": "arn:aws:iam::1:role/r", "duration": "ten minutes"}])}, "not like 1h"),
], ids=["web-identity", "unknown-field", "no-arn", "bad-json", "two-files", "bad-duration"])
def test_settings_that_cannot_be_honoured_stop_the_deploy(config, needle):
    with pytest.raises(CapacityError, match=needle):
        make_session(provider_settings({"region": "us-east-1", **config}))


# --- the program: reads the stack's config, stops with a RunError --------------------------------------------------

def _program_config(**aws):
    config = {"llmops-iac:spec": str(SPEC), "llmops-iac:environment": "prod", "aws-native:region": "us-east-1"}
    config.update({f"aws:{k}": v for k, v in {"region": "us-east-1", **aws}.items()})
    return config


def test_the_program_reads_the_live_endpoint_with_the_stack_settings(moto_url, sagemaker_client):
    plan = _plan()
    variants = _variants(plan)
    _live_endpoint(sagemaker_client, _endpoint_name(plan), {variants[0]: 4, variants[1]: 2})
    roles = json.dumps([{"roleArn": "arn:aws:iam::123456789012:role/deployer"}])
    mocks = install_mocks(stack="prod", config=_program_config(
        **FAKE, assumeRoles=roles, endpoints=json.dumps([{"sagemaker": moto_url, "sts": moto_url}])))
    run_program(lambda: program.main(project_dir=ROOT))
    config = next(a for a in mocks.created if a.name == "endpoint-llama3-8b-config")
    counts = {v["variantName"]: v["initialInstanceCount"] for v in config.inputs["productionVariants"]}
    assert counts == {variants[0]: 4, variants[1]: 2}


@pytest.mark.parametrize("aws,needle", [
    ({}, "NoCredentialsError"),
    ({"profile": "no-such-profile"}, "no-such-profile"),
], ids=["no-credentials", "unknown-profile"])
def test_the_program_stops_when_it_cannot_read_the_capacity(aws, needle, tmp_path):
    mocks = install_mocks(stack="prod", config=_program_config(
        endpoints=json.dumps([{"sagemaker": "http://127.0.0.1:9"}]), **aws))
    with pytest.raises(pulumi.RunError) as info:
        run_program(lambda: program.main(project_dir=ROOT))
    assert needle in str(info.value) and "stack 'prod'" in str(info.value)
    assert mocks.created == []  # nothing was registered: the deploy stopped before any resource
