"""Capacity carry-over against a moto SageMaker server on 127.0.0.1."""

from __future__ import annotations

from llmops_iac.compile import compile_spec
from llmops_iac.deploy.capacity import carry_over
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES


def _plan():
    return compile_spec(load_spec(str(EXAMPLES / "self-hosted-llama.yaml"), environment="prod")).to_data()


def _live_endpoint(client, name: str, counts: dict[str, int]) -> None:
    client.create_model(ModelName=f"{name}-m", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
                        PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/x:1"})
    client.create_endpoint_config(EndpointConfigName=f"{name}-c", ProductionVariants=[
        {"VariantName": v, "ModelName": f"{name}-m", "InitialInstanceCount": n, "InstanceType": "ml.g4dn.xlarge"}
        for v, n in counts.items()])
    client.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-c")


def _config(plan):
    return next(r for r in plan["resources"] if r["name"] == "endpoint-llama3-8b-config")


def test_new_endpoint_starts_at_the_minimum(sagemaker_describe):
    plan = _plan()
    carried, notes = carry_over(plan, sagemaker_describe)
    assert carried == plan and notes == []


def test_live_capacity_is_carried_within_bounds(sagemaker_client, sagemaker_describe):
    plan = _plan()
    endpoint = next(r for r in plan["resources"] if r["name"] == "endpoint-llama3-8b")["inputs"]["name"]
    variants = [v["variantName"] for v in _config(plan)["inputs"]["productionVariants"]]
    _live_endpoint(sagemaker_client, endpoint, {variants[0]: 5, variants[1]: 12})
    carried, notes = carry_over(plan, sagemaker_describe)
    counts = {v["variantName"]: v["initialInstanceCount"] for v in _config(carried)["inputs"]["productionVariants"]}
    bounds = _config(plan)["meta"]["autoscaling"]
    assert counts == {variants[0]: 5, variants[1]: bounds["max"]}
    assert len(notes) == 2 and "live 12" in notes[1]
    assert _config(plan)["inputs"]["productionVariants"][0]["initialInstanceCount"] == bounds["min"]  # input untouched


def test_unreadable_capacity_keeps_the_minimum_and_says_so():
    def denied(name):
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, "DescribeEndpoint")

    plan = _plan()
    carried, notes = carry_over(plan, denied)
    assert carried == plan and len(notes) == 1 and "AccessDeniedException" in notes[0]


def test_initial_count_never_replaces_an_existing_configuration():
    config = _config(_plan())
    assert config["options"]["ignoreChanges"] == ["productionVariants[*].initialInstanceCount"]
