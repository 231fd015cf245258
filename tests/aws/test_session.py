"""Sessions, clients and the mapping of AWS SDK errors to exit codes."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from llmops_iac.aws import session as S
from llmops_iac.errors import InternalError, UsageError
from tests.aws.conftest import session


def test_clients_are_cached_and_pointed_at_the_given_endpoints():
    c = S.Clients(session(), "eu-central-1", endpoint_url="http://127.0.0.1:1",
                  endpoint_urls={"s3vectors": "http://127.0.0.1:2"}, overrides={"bedrock": "stub"})
    sm = c.get("sagemaker")
    assert sm is c.get("sagemaker") and sm.meta.region_name == "eu-central-1"
    assert sm.meta.endpoint_url == "http://127.0.0.1:1"
    assert c.get("s3vectors").meta.endpoint_url == "http://127.0.0.1:2"
    assert c.get("budgets", "us-east-1").meta.region_name == "us-east-1"
    assert c.get("bedrock") == "stub"


def test_credentials_are_required_before_any_call():
    with pytest.raises(UsageError, match="verify needs AWS credentials and none were found: set AWS_PROFILE"):
        S.require_credentials(boto3.Session(region_name="us-east-1"), "verify")
    S.require_credentials(session(), "verify")


def test_region_resolution():
    assert S.resolve_region(None, "eu-west-1", "us-east-1", what="x") == "eu-west-1"
    with pytest.raises(UsageError, match="x needs an AWS region"):
        S.resolve_region(None, "", None, what="x")


def _raise(exc):
    def fn():
        raise exc
    return fn


@pytest.mark.parametrize("exc,error,match", [
    (NoCredentialsError(), UsageError, "no AWS credentials"),
    (ClientError({"Error": {"Code": "InvalidClientTokenId", "Message": "bad"}}, "Op"), UsageError, "rejected the credentials"),
    (ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "Op"), UsageError, "access denied"),
    (ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "Op"), InternalError, "x failed"),
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), InternalError, "x failed"),
])
def test_sdk_errors_map_to_exit_codes(exc, error, match):
    with pytest.raises(error, match=match):
        S.call("x", _raise(exc))


def test_an_unknown_profile_is_a_usage_error():
    with pytest.raises(UsageError, match="profile 'ghost' is not configured"):
        S.make_session(profile="ghost")
