"""preflight: region availability (botocore's endpoint data, probes against moto on 127.0.0.1), service quotas and
Bedrock model access (botocore's Stubber: moto has neither SageMaker quotas nor Bedrock foundation models)."""

from __future__ import annotations

import boto3
import pytest

from llmops_iac.aws import preflight as PF
from llmops_iac.errors import InternalError, UsageError
from tests.aws import fakes
from tests.aws.conftest import plan, session, stubbed

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET = "anthropic.claude-3-5-sonnet-20241022-v2:0"
TITAN = "amazon.titan-embed-text-v2:0"


@pytest.fixture
def quotas():
    c, stub = stubbed("service-quotas")
    with stub:
        yield c, stub
        stub.assert_no_pending_responses()


@pytest.fixture
def bedrock():
    c, stub = stubbed("bedrock")
    with stub:
        yield c, stub
        stub.assert_no_pending_responses()


def quota_page(*quotas, token=None):
    page = {"Quotas": list(quotas)}
    if token:
        page["NextToken"] = token
    return page


LIST = {"ServiceCode": "sagemaker", "MaxResults": 100}


def test_services_of_each_example():
    assert {"application-autoscaling", "sagemaker", "sagemaker-runtime"} <= set(PF.services_of(plan("self-hosted-llama")))
    support = PF.services_of(plan("support-assistant"))
    for s in ("bedrock", "bedrock-runtime", "bedrock-agent", "bedrock-agent-runtime", "s3vectors", "budgets", "iam", "kms"):
        assert s in support
    assert "opensearchserverless" in PF.services_of(plan("document-intelligence"))


@pytest.mark.parametrize("service,region,verdict", [
    ("sagemaker", "us-east-1", "yes"), ("sagemaker-runtime", "eu-central-1", "yes"), ("opensearchserverless", "eu-central-1", "yes"),
    ("bedrock-runtime", "eu-central-1", "yes"), ("bedrock", "xx-nowhere-1", "no"), ("sagemaker", "xx-nowhere-1", "no"),
    ("iam", "eu-central-1", "global"), ("budgets", "ap-southeast-2", "global"), ("s3vectors", "us-east-1", "unknown"),
])
def test_region_availability_from_botocore_endpoint_data(service, region, verdict):
    assert PF.region_availability(boto3.Session(), service, region)[0] == verdict


def test_endpoint_needs_count_blue_green_fleets():
    needs = PF.endpoint_needs(plan("self-hosted-llama", "prod"))
    assert needs["ml.g5.2xlarge"]["max"] == 8 and needs["ml.g5.2xlarge"]["deploy"] == 16
    assert needs["ml.g6.xlarge"]["endpoints"] == ["endpoint-llama3-8b/fp8-g6"]


def test_self_hosted_quotas_pass_warn_and_fail(reset_moto, quotas, bedrock):
    q, qstub = quotas
    qstub.add_response("list_service_quotas", quota_page(fakes.quota("ml.g5.2xlarge", 16, "L-CD7F3C2E"),
                                                         token="page-2"), LIST)
    qstub.add_response("list_service_quotas", quota_page(fakes.quota("ml.g6.xlarge", 8, "L-D470D954"),
                                                         fakes.quota("ml.p4d.24xlarge", 0, "L-P4D00000")),
                       dict(LIST, NextToken="page-2"))
    b, _ = bedrock
    report = PF.preflight(plan("self-hosted-llama", "prod"), session=session(), endpoint_url=reset_moto,
                          clients={"service-quotas": q, "bedrock": b})
    by_target = {c.target: c for c in report.checks}
    g5 = by_target["ml.g5.2xlarge for endpoint usage"]
    assert g5.status == "pass" and "L-CD7F3C2E = 16 (applied) ≥ 16 needed (8 at maximum capacity, 16 during a blue/green" in g5.reason
    g6 = by_target["ml.g6.xlarge for endpoint usage"]
    assert g6.status == "warn" and "--quota-code L-D470D954 --desired-value 16" in g6.fix
    assert all(c.status == "pass" for c in report.checks if c.kind == "region")
    assert report.ok  # a warning does not fail pre-flight


def test_a_quota_below_the_maximum_fails_and_defaults_are_consulted(reset_moto, quotas, bedrock):
    q, qstub = quotas
    qstub.add_response("list_service_quotas", quota_page(fakes.quota("ml.g5.2xlarge", 1, "L-CD7F3C2E")), LIST)
    qstub.add_response("list_aws_default_service_quotas", quota_page(fakes.quota("ml.g6.xlarge", 0, "L-D470D954")), LIST)
    b, _ = bedrock
    report = PF.preflight(plan("self-hosted-llama"), session=session(), endpoint_url=reset_moto,
                          clients={"service-quotas": q, "bedrock": b})
    checks = {c.target: c for c in report.checks if c.kind == "quota"}
    assert checks["ml.g5.2xlarge for endpoint usage"].status == "fail"
    assert "= 1 (applied) < 4 instances at maximum capacity" in checks["ml.g5.2xlarge for endpoint usage"].reason
    g6 = checks["ml.g6.xlarge for endpoint usage"]
    assert g6.status == "fail" and "(AWS default)" in g6.reason
    assert not report.ok
    text = report.render_text()
    assert "FAIL  quota" in text and "fix: aws service-quotas request-service-quota-increase" in text


def test_an_instance_type_without_a_quota_is_not_offered(reset_moto, quotas, bedrock):
    q, qstub = quotas
    qstub.add_response("list_service_quotas", quota_page(), LIST)
    qstub.add_response("list_aws_default_service_quotas", quota_page(), LIST)
    b, _ = bedrock
    report = PF.preflight(plan("self-hosted-llama", "dev"), session=session(), endpoint_url=reset_moto,
                          clients={"service-quotas": q, "bedrock": b})
    check = next(c for c in report.checks if c.kind == "quota")
    assert check.status == "fail" and "probably not offered" in check.reason


def test_bedrock_model_access_and_region_probes(reset_moto, bedrock):
    b, stub = bedrock
    stub.add_response("list_foundation_models", fakes.foundation_models(HAIKU, SONNET, TITAN, profile_only=(SONNET,)), {})
    for mid in (TITAN, SONNET, HAIKU):  # checked in model-ID order
        stub.add_response("get_foundation_model_availability", fakes.availability(mid), {"modelId": mid})
    report = PF.preflight(plan("support-assistant"), session=session(), endpoint_url=reset_moto, clients={"bedrock": b})
    assert report.ok, report.render_text()
    access = {c.target: c for c in report.checks if c.kind == "model-access"}
    assert set(access) == {HAIKU, SONNET, TITAN} and all(c.status == "pass" for c in access.values())
    regions = {c.target: c for c in report.checks if c.kind == "region"}
    assert "answered a read-only list_vector_buckets" in regions["s3vectors"].reason  # probed on the moto server
    assert regions["bedrock-agent-runtime"].reason.startswith("follows bedrock-agent")
    assert regions["iam"].reason.startswith("global service")


def test_model_access_failures_and_warnings(reset_moto, bedrock):
    b, stub = bedrock
    stub.add_response("list_foundation_models", fakes.foundation_models(SONNET, TITAN, legacy=(TITAN,)), {})
    stub.add_response("get_foundation_model_availability", fakes.availability(TITAN), {"modelId": TITAN})
    stub.add_client_error("get_foundation_model_availability", service_error_code="AccessDeniedException",
                          service_message="no", expected_params={"modelId": SONNET})
    report = PF.preflight(plan("support-assistant"), session=session(), endpoint_url=reset_moto, clients={"bedrock": b})
    access = {c.target: c for c in report.checks if c.kind == "model-access"}
    assert access[HAIKU].status == "fail" and "not offered in us-east-1" in access[HAIKU].reason
    assert access[TITAN].status == "warn" and "LEGACY" in access[TITAN].reason
    assert access[SONNET].status == "warn" and "unconfirmed" in access[SONNET].reason
    assert not report.ok


def test_unauthorized_and_profile_only_models_fail(reset_moto, bedrock):
    b, stub = bedrock
    stub.add_response("list_foundation_models", fakes.foundation_models(HAIKU, SONNET, TITAN, profile_only=(HAIKU,)), {})
    stub.add_response("get_foundation_model_availability", fakes.availability(TITAN, authorized=False), {"modelId": TITAN})
    stub.add_response("get_foundation_model_availability", fakes.availability(SONNET), {"modelId": SONNET})
    report = PF.preflight(plan("support-assistant"), session=session(), endpoint_url=reset_moto, clients={"bedrock": b})
    access = {c.target: c for c in report.checks if c.kind == "model-access"}
    assert access[TITAN].status == "fail" and "not authorized" in access[TITAN].reason
    assert access[HAIKU].status == "fail" and "only through an inference profile" in access[HAIKU].reason


def test_a_service_that_does_not_answer_in_the_region_fails(reset_moto, bedrock):
    b, stub = bedrock
    stub.add_response("list_foundation_models", fakes.foundation_models(HAIKU, SONNET, TITAN), {})
    for mid in (TITAN, SONNET, HAIKU):
        stub.add_response("get_foundation_model_availability", fakes.availability(mid), {"modelId": mid})
    report = PF.preflight(plan("support-assistant"), session=session(), endpoint_url=reset_moto,
                          endpoint_urls={"s3vectors": "http://127.0.0.1:9"}, clients={"bedrock": b})
    s3v = next(c for c in report.checks if c.target == "s3vectors")
    assert s3v.status == "fail" and "no s3vectors endpoint answers in us-east-1" in s3v.reason


def test_missing_credentials_and_region_are_usage_errors():
    with pytest.raises(UsageError, match="preflight needs AWS credentials") as info:
        PF.preflight(plan("minimal"), session=boto3.Session(region_name="us-east-1"))
    assert info.value.exit_code == 2
    with pytest.raises(UsageError, match="needs an AWS region"):
        PF.preflight(dict(plan("minimal"), region=None), session=boto3.Session(aws_access_key_id="t", aws_secret_access_key="t"))


def test_aws_errors_map_to_exit_codes(reset_moto, quotas, bedrock):
    q, qstub = quotas
    qstub.add_client_error("list_service_quotas", service_error_code="ExpiredTokenException", service_message="expired",
                           expected_params=LIST)
    b, _ = bedrock
    with pytest.raises(UsageError, match="rejected the credentials"):
        PF.preflight(plan("self-hosted-llama"), session=session(), endpoint_url=reset_moto,
                     clients={"service-quotas": q, "bedrock": b})
    qstub.add_client_error("list_service_quotas", service_error_code="ServiceException", service_message="boom",
                           http_status_code=500, expected_params=LIST)
    with pytest.raises(InternalError, match="service-quotas:list_service_quotas failed") as info:
        PF.preflight(plan("self-hosted-llama"), session=session(), endpoint_url=reset_moto,
                     clients={"service-quotas": q, "bedrock": b})
    assert info.value.exit_code == 3


def test_report_formats():
    report = PF.CheckReport("preflight", "app", "prod", "us-east-1")
    report.add(PF.Check("quota", "ml.g5.2xlarge for endpoint usage", "fail", "too low | really", fix="ask"))
    data = report.to_dict()
    assert data["ok"] is False and data["summary"] == {"pass": 0, "warn": 0, "fail": 1, "skip": 0}
    assert "too low \\| really" in report.render_markdown()
