"""AWS tests talk to nothing but 127.0.0.1: a moto server started here, or botocore's Stubber.

Every test runs without ambient credentials, profiles or the instance metadata service;
sessions get fake credentials explicitly and clients an explicit endpoint_url.
"""

from __future__ import annotations

import boto3
import pytest

from llmops_iac.compile import compile_spec
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES

FAKE = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def guard_network(monkeypatch) -> None:
    """Refuse any connection that is not to the loopback interface: a test that would reach AWS fails instead."""
    import socket

    real = socket.getaddrinfo

    def loopback_only(host, *args, **kwargs):
        if host not in LOOPBACK:
            raise OSError(f"a test tried to reach {host}: only 127.0.0.1 is allowed")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch):
    guard_network(monkeypatch)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")


@pytest.fixture
def reset_moto(moto_url):
    """Start each test with an empty moto backend."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"), timeout=10).read()
    yield moto_url


def session(region: str = "us-east-1"):
    return boto3.Session(region_name=region, **FAKE)


def client(service: str, url: str, region: str = "us-east-1"):
    return session(region).client(service, endpoint_url=url)


def stubbed(service: str, region: str = "us-east-1"):
    """A client whose calls botocore's Stubber answers (no endpoint is ever contacted)."""
    from botocore.stub import Stubber

    c = session(region).client(service, endpoint_url="http://127.0.0.1:9")
    return c, Stubber(c)


_PLANS: dict = {}


def plan(name: str, env: str | None = None) -> dict:
    key = (name, env)
    if key not in _PLANS:
        _PLANS[key] = compile_spec(load_spec(str(EXAMPLES / f"{name}.yaml"), environment=env)).to_data()
    return _PLANS[key]
