"""Building blocks every concern uses: the application KMS key, private encrypted buckets, scoped roles."""

from __future__ import annotations

from typing import Any, Iterable

from llmops_iac.compile import tokens as T
from llmops_iac.compile.context import Ctx
from llmops_iac.compile.plan import context, join, ref, to_json

KEY = "kms-key"


def app_key(ctx: Ctx) -> str:
    """Add the application's customer-managed KMS key (yearly rotation) and its alias."""
    account = context("accountId")
    region = ctx.region
    statements = [
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": ctx.account_root()},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "CloudWatchLogsEncrypt", "Effect": "Allow", "Principal": {"Service": f"logs.{region}.amazonaws.com"},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
         "Resource": "*",
         "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": join(
             f"arn:{ctx.partition}:logs:{region}:", account, f":log-group:*{ctx.name}-{ctx.environment}*")}}},
        {"Sid": "AlertPublishersUseTopicKey", "Effect": "Allow",
         "Principal": {"Service": ["budgets.amazonaws.com", "cloudwatch.amazonaws.com"]},
         "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": account}}},
    ]
    ctx.plan.add(KEY, T.KMS_KEY, {
        "description": f"{ctx.name} ({ctx.environment}): logs, buckets, guardrails, knowledge bases, vectors, topics",
        "enableKeyRotation": True,
        "rotationPeriodInDays": 365,
        "deletionWindowInDays": 30,
        "policy": to_json({"Version": "2012-10-17", "Statement": statements}),
    }, "/metadata/name", meta={"kmsKeyPolicy": "key policy: account root administers (IAM decides), AWS services by SourceAccount"})
    ctx.plan.add(f"{KEY}-alias", T.KMS_ALIAS, {
        "name": ctx.physical("kms-alias", prefix="alias/"),
        "targetKeyId": ref(KEY, "keyId"),
    }, "/metadata/name")
    return KEY


def secure_bucket(ctx: Ctx, logical: str, purpose: str, source: str, *,
                  service_writers: Iterable[tuple[str, str]] = ()) -> str:
    """Add a private, versioned, KMS-encrypted, TLS-only bucket; return its logical name.

    ``service_writers`` are (service principal, key prefix) pairs allowed to
    put objects, e.g. ("bedrock.amazonaws.com", "invocations/").
    """
    name = ctx.physical("s3-bucket", purpose, ctx.region)
    ctx.plan.add(logical, T.S3_BUCKET, {"bucket": name, "forceDestroy": False}, source)
    ctx.plan.add(f"{logical}-versioning", T.S3_VERSIONING, {
        "bucket": ref(logical, "id"), "versioningConfiguration": {"status": "Enabled"}}, source)
    ctx.plan.add(f"{logical}-encryption", T.S3_ENCRYPTION, {
        "bucket": ref(logical, "id"),
        "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": ctx.key_arn()},
                   "bucketKeyEnabled": True}]}, source)
    ctx.plan.add(f"{logical}-public-access-block", T.S3_PUBLIC_ACCESS_BLOCK, {
        "bucket": ref(logical, "id"), "blockPublicAcls": True, "blockPublicPolicy": True,
        "ignorePublicAcls": True, "restrictPublicBuckets": True}, source)
    bucket_arn = ref(logical, "arn")
    statements: list[dict[str, Any]] = [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [bucket_arn, join(bucket_arn, "/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }]
    for service, prefix in service_writers:
        statements.append({
            "Sid": "AllowServiceWrites", "Effect": "Allow", "Principal": {"Service": service},
            "Action": "s3:PutObject", "Resource": join(bucket_arn, f"/{prefix}*"),
            "Condition": {"StringEquals": {"aws:SourceAccount": context("accountId")}},
        })
    ctx.plan.add(f"{logical}-policy", T.S3_BUCKET_POLICY, {
        "bucket": ref(logical, "id"),
        "policy": to_json({"Version": "2012-10-17", "Statement": statements}),
    }, source, depends_on=[f"{logical}-public-access-block"])
    return logical


def role(ctx: Ctx, logical: str, purpose: str, source: str, *, service: str | None = None,
         statements: list[dict[str, Any]], description: str, meta: dict[str, Any] | None = None) -> str:
    """Add a role trusted by ``service`` (or by the account when None) with one inline policy."""
    if service is not None:
        principal: dict[str, Any] = {"Service": service}
        trust_condition: dict[str, Any] | None = {"StringEquals": {"aws:SourceAccount": context("accountId")}}
    else:
        principal = {"AWS": ctx.account_root()}
        trust_condition = None
    trust = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if trust_condition:
        trust["Condition"] = trust_condition
    ctx.plan.add(logical, T.IAM_ROLE, {
        "name": ctx.physical("iam-role", purpose),
        "description": description,
        "assumeRolePolicy": to_json({"Version": "2012-10-17", "Statement": [trust]}),
        "maxSessionDuration": 3600,
    }, source, meta=meta)
    ctx.plan.add(f"{logical}-policy", T.IAM_ROLE_POLICY, {
        "role": ref(logical, "id"),
        "name": ctx.physical("iam-policy", purpose),
        "policy": to_json({"Version": "2012-10-17", "Statement": statements}),
    }, source)
    return logical


def kms_use(ctx: Ctx) -> dict[str, Any]:
    """The statement that lets a role use the application's key for data it reads and writes."""
    return {"Sid": "UseAppKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": ctx.key_arn()}
