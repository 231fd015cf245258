"""What every compile module shares: the spec, the Plan being built, names, ARNs."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from llmops_iac.compile import naming
from llmops_iac.compile.plan import Plan, context, join, ref
from llmops_iac.spec.files import SpecFiles
from llmops_iac.spec.model import AppSpec

# Regions each cross-region inference geography routes to (Bedrock user guide,
# "Supported Regions and models for inference profiles"); the invoke policy
# grants the foundation model in each, and nowhere else.
PROFILE_DESTINATIONS = {
    "us": ("us-east-1", "us-east-2", "us-west-2"),
    "eu": ("eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3"),
    "apac": ("ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1",
             "ap-southeast-2"),
}


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def spec_hash(data: dict[str, Any]) -> str:
    """Return a 12-character hash of the resolved spec (formatting and comments don't change it)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


@dataclass
class Ctx:
    """Compile-time context; modules add resources to ``plan`` and facts for later modules here."""

    app: AppSpec
    data: dict[str, Any]
    plan: Plan
    environment: str
    files: SpecFiles  # the only way to the files the spec names (prompt templates)
    # facts modules publish for each other
    guardrails_of: dict[str, list[str]] = field(default_factory=dict)  # "model:x" / "kb:y" -> guardrail logical names
    alarm_topic: str | None = None
    endpoint_alarms: dict[str, list[str]] = field(default_factory=dict)  # model -> alarm logical names
    kb_roles: dict[str, str] = field(default_factory=dict)  # kb name -> role logical name
    invoke_statements: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.app.metadata.name

    @property
    def region(self) -> str:
        return self.app.spec.region

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    def physical(self, kind: str, *parts: str, prefix: str = "") -> str:
        """Return the physical name of an AWS resource of this app and environment."""
        return naming.physical(kind, self.name, self.environment, *parts, prefix=prefix)

    def arn(self, service: str, resource: str, *, region: str | None = None, account: bool = True) -> Any:
        """Return an ARN in this partition; the account is filled in at deploy time."""
        reg = self.region if region is None else region
        if account:
            return join(f"arn:{self.partition}:{service}:{reg}:", context("accountId"), f":{resource}")
        return f"arn:{self.partition}:{service}:{reg}::{resource}"

    def account_root(self) -> Any:
        return join(f"arn:{self.partition}:iam::", context("accountId"), ":root")

    def foundation_model_arn(self, model_id: str, region: str | None = None) -> str:
        return self.arn("bedrock", f"foundation-model/{model_id}", region=region, account=False)

    def key_arn(self) -> dict[str, str]:
        """The application's KMS key (security.app_key adds it first)."""
        return ref("kms-key", "arn")
