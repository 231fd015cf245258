"""--live-prices: the AWS Price List API through botocore's Stubber (moto has no Pricing), realistic responses."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from llmops_iac.compile import compile_spec
from llmops_iac.cost import live
from llmops_iac.cost.estimate import estimate
from llmops_iac.cost.prices import load_prices
from llmops_iac.errors import InternalError, UsageError
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES, ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "pricing"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch):
    """No metadata service, no profile, no ambient credentials, no address but 127.0.0.1."""
    from tests.aws.conftest import guard_network

    guard_network(monkeypatch)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_ROLE_ARN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")


@pytest.fixture
def pricing():
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def plan_of(name, env=None):
    return compile_spec(load_spec(str(EXAMPLES / f"{name}.yaml"), environment=env))


def sagemaker_params(instance_type, region="us-east-1", prefix="USE1"):
    return {"ServiceCode": "AmazonSageMaker", "FormatVersion": "aws_v1", "MaxResults": 100,
            "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
                        {"Type": "TERM_MATCH", "Field": "usagetype", "Value": f"{prefix}-Host:{instance_type}"}]}


def bedrock_params(token=None):
    params = {"ServiceCode": "AmazonBedrock", "FormatVersion": "aws_v1", "MaxResults": 100,
              "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"},
                          {"Type": "TERM_MATCH", "Field": "feature", "Value": "On-demand Inference"}]}
    if token:
        params["NextToken"] = token
    return params


def test_price_list_strings_are_parsed_to_on_demand_usd():
    product = json.loads(fixture("sagemaker-ml.g5.2xlarge-us-east-1.json")["PriceList"][0])
    assert live.on_demand(product) == [("Hrs", 1.515, "$1.515 per Hosting ml.g5.2xlarge in US East (N. Virginia)")]


def test_sagemaker_hosting_prices_for_the_plans_instance_types(pricing):
    client, stub = pricing
    stub.add_response("get_products", fixture("sagemaker-ml.g5.2xlarge-us-east-1.json"), sagemaker_params("ml.g5.2xlarge"))
    stub.add_response("get_products", fixture("sagemaker-empty.json"), sagemaker_params("ml.g6.xlarge"))
    table = live.live_prices(plan_of("self-hosted-llama"), client=client, today="2026-11-25")
    g5 = table.instance_hour("ml.g5.2xlarge", "us-east-1")
    g6 = table.instance_hour("ml.g6.xlarge", "us-east-1")
    assert (g5.usd, g5.basis, g5.retrieved, g5.source) == (1.515, "live", "2026-11-25", "aws-price-list-api")
    assert g6.basis != "live" and g6.usd == 1.127  # the API had none: the table's price stays, and the notes say so
    assert table.origin == "live"
    assert any("ml.g6.xlarge" in note and "the table's price is used" in note for note in table.live_notes)
    est = estimate(plan_of("self-hosted-llama"), prices=table).to_dict()
    assert est["prices"]["origin"] == "live" and est["prices"]["liveNotes"] == list(table.live_notes)
    line = next(line for r in est["resources"] if r["name"] == "endpoint-llama3-8b" for line in r["lines"]
                if line["priceKey"] == "sagemaker/ml.g5.2xlarge")
    assert line["priceBasis"] == "live"


def test_bedrock_token_prices_across_pages(pricing):
    client, stub = pricing
    stub.add_response("get_products", fixture("bedrock-on-demand-us-east-1-page1.json"), bedrock_params())
    stub.add_response("get_products", fixture("bedrock-on-demand-us-east-1-page2.json"), bedrock_params("eyJwYWdlIjoyfQ=="))
    table = live.live_prices(plan_of("support-assistant"), client=client, today="2026-11-25")
    haiku_in, haiku_out = table.bedrock_tokens("anthropic.claude-3-haiku-20240307-v1:0", "us-east-1")
    sonnet_in, sonnet_out = table.bedrock_tokens("anthropic.claude-3-5-sonnet-20241022-v2:0", "us-east-1")
    assert (haiku_in.usd, haiku_out.usd, haiku_in.basis) == (0.00025, 0.00125, "live")
    assert (sonnet_in.usd, sonnet_out.usd) == (0.003, 0.015)  # the cache-read product is not the input price
    titan = table.embedding_tokens("amazon.titan-embed-text-v2:0", "us-east-1")
    assert (titan.usd, titan.basis) == (0.00002, "live")


def test_per_million_prices_are_converted_and_special_tiers_skipped():
    pages = [json.loads(p) for name in ("bedrock-on-demand-us-east-1-page1.json", "bedrock-on-demand-us-east-1-page2.json")
             for p in fixture(name)["PriceList"]]

    class Client:
        def get_products(self, **kwargs):
            return {"FormatVersion": "aws_v1", "PriceList": [json.dumps(p) for p in pages]}

    tokens = live.bedrock_tokens(Client(), "us-east-1")
    assert tokens[("novamicro", "input")] == pytest.approx(0.000035)
    assert tokens[("novamicro", "output")] == pytest.approx(0.00014)
    assert ("claude35haiku", "input") not in tokens  # only a latency-optimized price was offered


def test_a_region_without_a_known_usage_prefix_keeps_table_prices(pricing):
    client, _ = pricing
    table = live.fetch(load_prices(), "xx-nowhere-1", instance_types=["ml.g5.2xlarge"], client=client, today="2026-11-25")
    assert table.origin == "table" and "ml.g5.2xlarge" in table.live_notes[0]


def test_missing_credentials_are_a_usage_error():
    session = boto3.Session(region_name="us-east-1")
    assert session.get_credentials() is None
    with pytest.raises(UsageError, match="needs AWS credentials"):
        live.pricing_client(session)
    with pytest.raises(UsageError, match="needs AWS credentials"):
        live.live_prices(plan_of("minimal"), session=session)


def test_an_unknown_profile_is_a_usage_error():
    with pytest.raises(UsageError, match="profile 'nope' is not configured"):
        live.make_session(profile="nope")


@pytest.mark.parametrize("code,error,match", [
    ("AccessDeniedException", UsageError, "access denied"),
    ("UnrecognizedClientException", UsageError, "rejected the credentials"),
    ("ThrottlingException", InternalError, "failed"),
])
def test_api_errors_map_to_exit_codes(pricing, code, error, match):
    client, stub = pricing
    stub.add_client_error("get_products", service_error_code=code, service_message="no", expected_params=bedrock_params())
    with pytest.raises(error, match=match) as info:
        live.live_prices(plan_of("minimal"), client=client)
    assert info.value.exit_code == (2 if error is UsageError else 3)


def test_a_malformed_price_list_fails_closed(pricing):
    client, stub = pricing
    stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": ["{not json"]}, bedrock_params())
    with pytest.raises(InternalError, match="malformed product"):
        live.live_prices(plan_of("minimal"), client=client)
