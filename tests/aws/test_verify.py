"""verify: deployed endpoints, guardrails, budgets and vector stores against the Plan.

SageMaker, Budgets, OpenSearch Serverless, S3 Vectors and STS come from a moto server on 127.0.0.1;
Bedrock guardrails (which moto lacks) from botocore's Stubber.
"""

from __future__ import annotations

import copy

import pytest

from llmops_iac.aws import verify as V
from llmops_iac.errors import InternalError, UsageError
from tests.aws import fakes
from tests.aws.conftest import client, plan, session, stubbed


@pytest.fixture
def bedrock():
    c, stub = stubbed("bedrock")
    with stub:
        yield c, stub


def stub_guardrails(stub, data, *, change=None):
    stub.add_response("list_guardrails", fakes.guardrail_summaries(data), {"maxResults": 100})
    for r in sorted((r for r in data["resources"] if r["type"] == "aws:bedrock/guardrail:Guardrail"), key=lambda r: r["name"]):
        detail = fakes.guardrail_detail(r["inputs"])
        if change:
            change(r["name"], detail)
        stub.add_response("get_guardrail", detail, {"guardrailIdentifier": detail["guardrailId"]})


def run(data, url, bedrock_client, **kw):
    return V.verify(data, session=session(), endpoint_url=url, clients={"bedrock": bedrock_client}, **kw)


def test_a_faithful_deployment_has_no_drift(reset_moto, bedrock):
    url = reset_moto
    data = fakes.moto_compatible(plan("self-hosted-llama", "prod"))
    fakes.deploy_endpoints(client("sagemaker", url), data)
    fakes.deploy_budgets(client("budgets", url), data)
    c, stub = bedrock
    stub_guardrails(stub, data)
    report = run(data, url, c)
    assert report.ok, report.render_text()
    kinds = [(ch.kind, ch.status) for ch in report.checks]
    assert ("endpoint", "pass") in kinds and ("guardrail", "pass") in kinds and ("budget", "pass") in kinds
    assert report.account == fakes.ACCOUNT
    text = report.render_text()
    assert text.startswith("verify it-helpdesk-llama (prod, us-east-1, account 123456789012)")
    assert "PASS  endpoint" in text and text.rstrip().endswith("0 failed, 0 skipped")
    assert report.to_dict()["summary"]["fail"] == 0


def test_vector_stores_are_verified(reset_moto, bedrock):
    url = reset_moto
    for name in ("support-assistant", "document-intelligence"):
        data = plan(name)
        fakes.deploy_vector_stores(client("opensearchserverless", url), client("s3vectors", url), data)
    c, _ = bedrock
    s3v = [ch for ch in V.verify_vector_stores(V.Clients(session(), "us-east-1", endpoint_url=url), plan("support-assistant"))]
    assert [(ch.kind, ch.status) for ch in s3v] == [("vector-store", "pass")]
    assert "1024 float32 dimensions, cosine distance" in s3v[0].reason
    aoss = V.verify_vector_stores(V.Clients(session(), "us-east-1", endpoint_url=url), plan("document-intelligence"))
    assert [(ch.kind, ch.status) for ch in aoss] == [("vector-store", "pass")]
    assert "standby replicas ENABLED" in aoss[0].reason


def test_drift_is_reported_with_its_differences(reset_moto, bedrock):
    url = reset_moto
    data = fakes.moto_compatible(plan("self-hosted-llama", "prod"))
    sm = client("sagemaker", url)
    fakes.deploy_endpoints(sm, data)
    endpoint = next(r for r in data["resources"] if r["name"] == "endpoint-llama3-8b")["inputs"]["name"]
    sm.update_endpoint_weights_and_capacities(EndpointName=endpoint, DesiredWeightsAndCapacities=[
        {"VariantName": "bf16-g5", "DesiredWeight": 50.0, "DesiredInstanceCount": 9},
        {"VariantName": "fp8-g6", "DesiredWeight": 50.0, "DesiredInstanceCount": 2}])
    drifted_budget = copy.deepcopy(data)
    b = next(r for r in drifted_budget["resources"] if r["type"] == "aws:budgets/budget:Budget")
    b["inputs"]["limitAmount"] = "9999"
    b["inputs"]["notifications"] = b["inputs"]["notifications"][:-1]
    fakes.deploy_budgets(client("budgets", url), drifted_budget)

    def weaken(name, detail):
        detail["contentPolicy"]["filters"][0]["inputStrength"] = "LOW"
        detail["topicPolicy"]["topics"] = detail["topicPolicy"]["topics"][:1]

    c, stub = bedrock
    stub_guardrails(stub, data, change=weaken)
    report = run(data, url, c)
    assert not report.ok
    by_kind = {ch.kind: ch for ch in report.checks}
    endpoint_check = by_kind["endpoint"]
    assert endpoint_check.status == "fail"
    joined = "\n".join(endpoint_check.differences)
    assert "variant bf16-g5 receives 50 % of traffic, the Plan gives it 90 %" in joined
    assert "variant bf16-g5 runs 9 instances, outside the Plan's bounds 2–8" in joined
    assert by_kind["budget"].status == "fail"
    assert any("limit is 9999" in d for d in by_kind["budget"].differences)
    assert any("missing: FORECASTED GREATER_THAN 100 %" in d for d in by_kind["budget"].differences)
    guard = by_kind["guardrail"]
    assert guard.status == "fail" and any(d.startswith("content filters:") for d in guard.differences)
    assert any(d.startswith("denied topics:") for d in guard.differences)
    assert "FAIL  endpoint" in report.render_text() and "fix: run `pulumi up`" in report.render_text()
    assert "❌" in report.render_markdown()


def test_an_endpoint_on_another_configuration_is_drift(reset_moto, bedrock):
    url = reset_moto
    data = fakes.moto_compatible(plan("self-hosted-llama", "dev"))
    changed = copy.deepcopy(data)
    cfg = next(r for r in changed["resources"] if r["name"] == "endpoint-llama3-8b-config")
    cfg["inputs"]["name"] = cfg["inputs"]["name"][:-8] + "00000000"
    cfg["inputs"]["productionVariants"][0]["instanceType"] = "ml.g4dn.4xlarge"
    fakes.deploy_endpoints(client("sagemaker", url), changed)
    c, stub = bedrock
    stub_guardrails(stub, data)
    check = next(ch for ch in run(data, url, c, account=fakes.ACCOUNT).checks if ch.kind == "endpoint")
    assert check.status == "fail"
    assert any("the Plan's is" in d and "changed outside Pulumi" in d for d in check.differences)
    assert any("runs on ml.g4dn.4xlarge" in d for d in check.differences)


def test_nothing_deployed_fails_every_check(reset_moto, bedrock):
    url = reset_moto
    data = plan("document-intelligence", "dev")
    c, stub = bedrock
    stub.add_response("list_guardrails", {"guardrails": []}, {"maxResults": 100})
    report = run(data, url, c)
    failed = {(ch.kind, ch.status) for ch in report.checks}
    assert failed == {("guardrail", "fail"), ("budget", "fail"), ("vector-store", "fail")}
    assert all("not deployed" in ch.reason for ch in report.checks)


def test_static_values_resolve_references_to_inputs():
    data = plan("support-assistant")
    res = fakes.resources(data)
    index = res["vs-help-center-vectors-index"]
    assert V.static(index["inputs"]["vectorBucketName"], res) == res["vs-help-center-vectors-bucket"]["inputs"]["vectorBucketName"]
    assert V.static({"ref": "kms-key", "attr": "arn"}, res) is None
    assert V.static({"context": "accountId"}, res) is None


def test_missing_credentials_or_region_are_usage_errors():
    import boto3

    with pytest.raises(UsageError, match="needs AWS credentials") as info:
        V.verify(plan("minimal"), session=boto3.Session(region_name="us-east-1"))
    assert info.value.exit_code == 2
    no_region = dict(plan("minimal"), region="")
    with pytest.raises(UsageError, match="needs an AWS region"):
        V.verify(no_region, session=boto3.Session(aws_access_key_id="t", aws_secret_access_key="t"))


def test_an_unreachable_service_is_an_internal_error(bedrock):
    c, _ = bedrock
    data = plan("self-hosted-llama", "dev")
    with pytest.raises(InternalError, match="sts:GetCallerIdentity failed"):
        V.verify(data, session=session(), endpoint_url="http://127.0.0.1:9", clients={"bedrock": c})
