"""The stack's AWS provider settings as a boto3 session: what the program reads before it deploys.

``pulumi up`` deploys with the default aws provider, configured by the stack's ``aws:*`` keys.
Anything the program itself asks AWS (today: the live capacity of SageMaker endpoints,
llmops_iac.deploy.capacity) must ask the same account and region with the same identity, or it
may read another account's endpoint of the same name. These keys are honoured, as pulumi-aws
reads them:

- ``aws:region`` (required by the program), ``aws:stsRegion``;
- ``aws:profile``, ``aws:accessKey`` / ``aws:secretKey`` / ``aws:token``,
  ``aws:sharedCredentialsFiles`` / ``aws:sharedConfigFiles`` (one file each);
- ``aws:assumeRoles`` (pulumi-aws 7: a list, assumed in order, each with the previous one's
  credentials) or ``aws:assumeRole`` (pulumi-aws 6: one object): ``roleArn``, ``sessionName``,
  ``externalId``, ``duration`` (``"1h"``, ``"15m"``…) or ``durationSeconds``, ``policy``,
  ``policyArns``, ``tags``, ``transitiveTagKeys``, ``sourceIdentity``;
- ``aws:endpoints`` (a list of ``{service: url}``): its ``sagemaker`` and ``sts`` entries.

Without these keys boto3's default chain applies (``AWS_PROFILE``, ``AWS_ACCESS_KEY_ID``…, an
instance or container role), as it does for the provider. A setting this module cannot honour
(``aws:assumeRoleWithWebIdentity``, several shared files, an unknown assume-role field, a malformed
value) raises CapacityError: reading with other credentials than the deploy's is not an option.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from llmops_iac.deploy.capacity import CapacityError, Describe, error_reason

PROVIDER_KEYS = ("region", "stsRegion", "profile", "accessKey", "secretKey", "token", "sharedCredentialsFiles",
                 "sharedConfigFiles", "assumeRoles", "assumeRole", "assumeRoleWithWebIdentity", "endpoints")
"""The aws:* config keys read here (values as the engine passes them: strings, JSON for lists and objects)."""

_ROLE_FIELDS = {"roleArn", "sessionName", "externalId", "duration", "durationSeconds", "policy", "policyArns", "tags",
                "transitiveTagKeys", "sourceIdentity"}
_DURATION = re.compile(r"(\d+)(h|m|s)")
SESSION_NAME = "llmops-iac"


@dataclass(frozen=True)
class ProviderSettings:
    region: str
    sts_region: str | None = None
    profile: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    token: str | None = None
    credentials_file: str | None = None
    config_file: str | None = None
    assume_roles: tuple[dict[str, Any], ...] = ()
    endpoints: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """How the account is reached, for messages (never a secret)."""
        parts = [f"in {self.region}"]
        if self.profile:
            parts.append(f"with profile {self.profile!r}")
        elif self.access_key:
            parts.append("with the stack's aws:accessKey")
        if self.assume_roles:
            parts.append("assuming " + " then ".join(r["roleArn"] for r in self.assume_roles))
        if self.endpoints.get("sagemaker"):
            parts.append(f"at {self.endpoints['sagemaker']}")
        return " ".join(parts)


def provider_settings(config: Mapping[str, Any]) -> ProviderSettings:
    """Parse the stack's aws:* values (keys without the ``aws:`` prefix); CapacityError for what cannot be honoured."""
    def text(key: str) -> str | None:
        value = config.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise CapacityError(f"aws:{key} must be a string, not {type(value).__name__}")
        return value

    if text("assumeRoleWithWebIdentity") or config.get("assumeRoleWithWebIdentity"):
        raise CapacityError("aws:assumeRoleWithWebIdentity is set, which llmops-iac's capacity carry-over cannot "
                            "honour; the deploy stops rather than read the endpoints with other credentials. Use "
                            "aws:assumeRoles (or aws:profile with web_identity_token_file in the AWS config file)")
    region = text("region")
    if not region:
        raise CapacityError("aws:region is not set")
    roles = _roles(config)
    return ProviderSettings(
        region=region, sts_region=text("stsRegion"), profile=text("profile"), access_key=text("accessKey"),
        secret_key=text("secretKey"), token=text("token"), credentials_file=_one_file(config, "sharedCredentialsFiles"),
        config_file=_one_file(config, "sharedConfigFiles"), assume_roles=roles, endpoints=_endpoints(config))


def _json(config: Mapping[str, Any], key: str) -> Any:
    value = config.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise CapacityError(f"aws:{key} is not valid JSON: {value[:80]!r}") from None
    return value


def _one_file(config: Mapping[str, Any], key: str) -> str | None:
    files = _json(config, key)
    if files in (None, []):
        return None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise CapacityError(f"aws:{key} must be a list of file paths")
    if len(files) > 1:
        raise CapacityError(f"aws:{key} names {len(files)} files; llmops-iac's capacity carry-over reads one: keep "
                            f"one file (boto3 reads a single shared file)")
    return files[0]


def _roles(config: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    many, one = _json(config, "assumeRoles"), _json(config, "assumeRole")
    if many not in (None, []) and one not in (None, {}):
        raise CapacityError("aws:assumeRoles and aws:assumeRole are both set: keep one")
    roles = many if many not in (None, []) else ([one] if one not in (None, {}) else [])
    if not isinstance(roles, list):
        raise CapacityError("aws:assumeRoles must be a list of objects with a roleArn")
    out = []
    for i, role in enumerate(roles):
        if not isinstance(role, dict) or not isinstance(role.get("roleArn"), str) or not role["roleArn"]:
            raise CapacityError(f"aws:assumeRoles[{i}] must be an object with a roleArn")
        unknown = sorted(set(role) - _ROLE_FIELDS)
        if unknown:
            raise CapacityError(f"aws:assumeRoles[{i}] has {', '.join(unknown)}, which llmops-iac's capacity "
                                f"carry-over does not know how to honour (known: {', '.join(sorted(_ROLE_FIELDS))})")
        out.append(role)
    return tuple(out)


def _endpoints(config: Mapping[str, Any]) -> dict[str, str]:
    value = _json(config, "endpoints")
    if value in (None, []):
        return {}
    items = value if isinstance(value, list) else [value]
    merged: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            raise CapacityError("aws:endpoints must be a list of objects mapping a service to its URL")
        merged.update({k: v for k, v in item.items() if isinstance(v, str) and v})
    return merged


def _duration_seconds(role: dict[str, Any]) -> int | None:
    if role.get("durationSeconds") not in (None, ""):
        try:
            return int(role["durationSeconds"])
        except (TypeError, ValueError):
            raise CapacityError(f"assume role {role['roleArn']}: durationSeconds {role['durationSeconds']!r} "
                                f"is not a number") from None
    text = role.get("duration")
    if text in (None, ""):
        return None
    parts = _DURATION.findall(str(text))
    if not parts or "".join(n + u for n, u in parts) != str(text):
        raise CapacityError(f"assume role {role['roleArn']}: duration {text!r} is not like 1h, 15m or 1h30m")
    return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts)


def _client_config():
    from botocore.config import Config

    return Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 5, "mode": "standard"})


def make_session(settings: ProviderSettings) -> Any:
    """A boto3 Session with the stack's credentials, after assuming its roles in order; CapacityError on failure."""
    import boto3
    import botocore.session
    from botocore.exceptions import BotoCoreError, ClientError

    core = botocore.session.Session()
    if settings.credentials_file:
        core.set_config_variable("credentials_file", settings.credentials_file)
    if settings.config_file:
        core.set_config_variable("config_file", settings.config_file)
    try:
        session = boto3.Session(aws_access_key_id=settings.access_key, aws_secret_access_key=settings.secret_key,
                                aws_session_token=settings.token, region_name=settings.region,
                                profile_name=settings.profile, botocore_session=core)
    except BotoCoreError as exc:  # ProfileNotFound and friends
        raise CapacityError(f"the stack's AWS settings do not make a session: {exc}") from None
    for role in settings.assume_roles:
        params: dict[str, Any] = {"RoleArn": role["roleArn"], "RoleSessionName": role.get("sessionName") or SESSION_NAME}
        if role.get("externalId"):
            params["ExternalId"] = role["externalId"]
        seconds = _duration_seconds(role)
        if seconds:
            params["DurationSeconds"] = seconds
        if role.get("policy"):
            params["Policy"] = role["policy"] if isinstance(role["policy"], str) else json.dumps(role["policy"])
        if role.get("policyArns"):
            params["PolicyArns"] = [{"arn": a} for a in role["policyArns"]]
        if role.get("tags"):
            params["Tags"] = [{"Key": k, "Value": str(v)} for k, v in role["tags"].items()]
        if role.get("transitiveTagKeys"):
            params["TransitiveTagKeys"] = list(role["transitiveTagKeys"])
        if role.get("sourceIdentity"):
            params["SourceIdentity"] = role["sourceIdentity"]
        try:
            sts = session.client("sts", region_name=settings.sts_region or settings.region,
                                 endpoint_url=settings.endpoints.get("sts"), config=_client_config())
            creds = sts.assume_role(**params)["Credentials"]
        except (BotoCoreError, ClientError) as exc:
            raise CapacityError(f"could not assume {role['roleArn']} (aws:assumeRoles) to read the endpoints' live "
                                f"capacity: {error_reason(exc)}") from None
        session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                aws_session_token=creds["SessionToken"], region_name=settings.region)
    return session


def endpoint_reader(settings: ProviderSettings) -> Describe:
    """DescribeEndpoint with the stack's provider settings (the session is made on the first call)."""
    cache: dict[str, Any] = {}

    def describe(name: str) -> dict[str, Any]:
        if "client" not in cache:
            cache["client"] = make_session(settings).client(
                "sagemaker", region_name=settings.region, endpoint_url=settings.endpoints.get("sagemaker"),
                config=_client_config())
        return cache["client"].describe_endpoint(EndpointName=name)

    return describe
