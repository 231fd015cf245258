"""KMS-encrypted SNS topics that budgets and alarms publish to, with their subscribers."""

from __future__ import annotations

from llmops_iac.compile import tokens as T
from llmops_iac.compile.context import Ctx
from llmops_iac.compile.naming import short_hash
from llmops_iac.compile.plan import context, ref, to_json


def topic(ctx: Ctx, logical: str, purpose: str, source: str, *, publishers: list[str], emails: list[str]) -> str:
    """Add a topic only ``publishers`` (service principals of this account) may publish to; return its name."""
    ctx.plan.add(logical, T.SNS_TOPIC, {
        "name": ctx.physical("sns-topic", purpose),
        "displayName": f"{ctx.name} {purpose}",
        "kmsMasterKeyId": ctx.key_arn(),
    }, source)
    ctx.plan.add(f"{logical}-policy", T.SNS_TOPIC_POLICY, {
        "arn": ref(logical, "arn"),
        "policy": to_json({"Version": "2012-10-17", "Statement": [
            {"Sid": "ServicesPublish", "Effect": "Allow", "Principal": {"Service": publishers}, "Action": "sns:Publish",
             "Resource": ref(logical, "arn"), "Condition": {"StringEquals": {"aws:SourceAccount": context("accountId")}}},
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish",
             "Resource": ref(logical, "arn"), "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ]}),
    }, source)
    for email in emails:
        ctx.plan.add(f"{logical}-email-{short_hash(email.lower())}", T.SNS_SUBSCRIPTION, {
            "topic": ref(logical, "arn"), "protocol": "email", "endpoint": email,
        }, source)
    return logical
