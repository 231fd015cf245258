"""boto3 sessions and clients for preflight, verify and live prices: credentials checked up front, errors mapped.

Nothing here runs at import time and boto3 is imported lazily, so offline commands never pay for it.
Every client gets short timeouts and standard retries; ``endpoint_url`` (one for all
services, or per service) points clients at a test server such as moto on 127.0.0.1.

Error mapping (DESIGN.md exit codes):

- no credentials, no region, expired or invalid credentials, access denied on a call the
  command needs → :class:`~llmops_iac.errors.UsageError` (exit 2) saying what to do;
- anything else the AWS SDK raises (endpoint unreachable, throttled after retries, a
  malformed answer) → :class:`~llmops_iac.errors.InternalError` (exit 3): never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, TypeVar

from llmops_iac.errors import InternalError, UsageError

T = TypeVar("T")

CREDENTIALS_HINT = ("set AWS_PROFILE (and run `aws sso login` for an SSO profile) or AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, or run where an instance or container role is available")
AUTH_ERRORS = {"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException",
               "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure", "MissingAuthenticationToken",
               "IncompleteSignature"}
DENIED_ERRORS = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "NotAuthorized"}


def make_session(*, profile: str | None = None, region: str | None = None, **kwargs: Any):
    """Return a boto3 Session (``profile`` or the default credential chain)."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(profile_name=profile, region_name=region, **kwargs)
    except ProfileNotFound:
        raise UsageError(f"AWS profile {profile!r} is not configured: check ~/.aws/config or AWS_PROFILE") from None


def require_credentials(session: Any, what: str) -> None:
    """Raise UsageError unless ``session`` can find credentials (without calling AWS)."""
    from botocore.exceptions import BotoCoreError

    try:
        creds = session.get_credentials()
    except BotoCoreError as exc:
        raise UsageError(f"{what} needs AWS credentials, and loading them failed: {exc}; {CREDENTIALS_HINT}") from None
    if creds is None:
        raise UsageError(f"{what} needs AWS credentials and none were found: {CREDENTIALS_HINT}")


def resolve_region(*candidates: str | None, what: str) -> str:
    """The first region given (e.g. the command's --region, the Plan's, the session's); UsageError when none."""
    for region in candidates:
        if region:
            return region
    raise UsageError(f"{what} needs an AWS region: set spec.region, pass --region, or set AWS_REGION")


@dataclass
class Clients:
    """Makes (and caches) the boto3 clients of one run.

    ``endpoint_url`` applies to every service, ``endpoint_urls`` per service (they win);
    ``overrides`` hands in ready-made clients (e.g. wrapped by botocore's Stubber).
    """

    session: Any
    region: str
    endpoint_url: str | None = None
    endpoint_urls: Mapping[str, str] = field(default_factory=dict)
    overrides: Mapping[str, Any] = field(default_factory=dict)
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict)

    def get(self, service: str, region: str | None = None) -> Any:
        region = region or self.region
        if service in self.overrides:
            return self.overrides[service]
        key = (service, region)
        if key not in self._cache:
            from botocore.config import Config

            url = self.endpoint_urls.get(service, self.endpoint_url)
            self._cache[key] = self.session.client(
                service, region_name=region, endpoint_url=url,
                config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 5, "mode": "standard"}))
        return self._cache[key]


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Code", ""))


def mapped(what: str, exc: BaseException) -> Exception:
    """The llmops-iac error an AWS SDK exception becomes (raise it ``from None``)."""
    from botocore.exceptions import ClientError, NoCredentialsError, PartialCredentialsError

    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return UsageError(f"{what}: no AWS credentials: {CREDENTIALS_HINT}")
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in AUTH_ERRORS:
            return UsageError(f"{what}: AWS rejected the credentials ({code}): refresh them; {CREDENTIALS_HINT}")
        if code in DENIED_ERRORS:
            return UsageError(f"{what}: access denied ({code}): {exc}")
    return InternalError(f"{what} failed: {exc}")


def call(what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one AWS call; map credential and permission problems to UsageError, everything else to InternalError.

    Callers that expect a specific error (not found, not available) catch ClientError themselves first.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(*args, **kwargs)
    except (BotoCoreError, ClientError) as exc:
        raise mapped(what, exc) from None
