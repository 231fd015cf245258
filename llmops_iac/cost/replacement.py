"""Which Plan changes Pulumi carries out by replacing the resource (delete and create), not updating it.

Three sources, as ``pulumi preview`` combines them:

1. properties the provider forces new. pulumi-aws is bridged from the Terraform AWS provider, whose
   resource schemas mark them ``ForceNew`` (SDKv2) or ``RequiresReplace`` (plugin framework); the
   Python SDK does not carry that fact (its package has no schema), so ``FORCE_NEW`` below is a
   curated table per type token, each entry citing the provider source file it was read from.
   pulumi-aws-native's generated classes do carry it: they set ``replace_on_changes`` to the
   CloudFormation create-only properties (tests/deploy/test_replacement_table.py holds the table to
   the installed SDK, and every property to the class's real input names);
2. the resource's own ``replaceOnChanges`` option in the Plan;
3. references: a property that forces replacement and refers to a resource that is replaced
   changes too (its value is unknown until the new resource exists, and Pulumi replaces on it).

Paths are engine (camelCase) property names joined by ``.``; an entry covers its whole subtree, and a
change to a whole block covers the entries inside it. ``"*"`` means every input but tags.
Changes under the resource's ``ignoreChanges`` never count. Whether a replacement creates the new
resource first or deletes the old one first follows the name: a name-hashed resource whose name
changes can exist twice (create before delete); a resource whose fixed name stays the same cannot
(delete before replace: a gap), as the Terraform bridge decides for explicitly named resources.
"""

from __future__ import annotations

from typing import Any, Iterable

from llmops_iac.compile import tokens as T
from llmops_iac.compile.plan import is_expression

_TF = "terraform-provider-aws internal/service/"
ALL = "*"

FORCE_NEW: dict[str, tuple[frozenset[str], str]] = {
    T.IAM_ROLE: (frozenset({"name", "namePrefix", "path"}), _TF + "iam/role.go"),
    T.IAM_ROLE_POLICY: (frozenset({"name", "namePrefix", "role"}), _TF + "iam/role_policy.go"),
    T.KMS_KEY: (frozenset({"customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"}),
                _TF + "kms/key.go"),
    T.KMS_ALIAS: (frozenset({"name", "namePrefix"}), _TF + "kms/alias.go"),
    T.LOG_GROUP: (frozenset({"name", "namePrefix", "logGroupClass"}), _TF + "logs/group.go"),
    T.METRIC_ALARM: (frozenset({"name"}), _TF + "cloudwatch/metric_alarm.go"),
    T.DASHBOARD: (frozenset({"dashboardName"}), _TF + "cloudwatch/dashboard.go"),
    T.S3_BUCKET: (frozenset({"bucket", "bucketPrefix", "objectLockEnabled"}), _TF + "s3/bucket.go"),
    T.S3_VERSIONING: (frozenset({"bucket", "expectedBucketOwner"}), _TF + "s3/bucket_versioning.go"),
    T.S3_ENCRYPTION: (frozenset({"bucket", "expectedBucketOwner"}),
                      _TF + "s3/bucket_server_side_encryption_configuration.go"),
    T.S3_PUBLIC_ACCESS_BLOCK: (frozenset({"bucket"}), _TF + "s3/bucket_public_access_block.go"),
    T.S3_BUCKET_POLICY: (frozenset({"bucket"}), _TF + "s3/bucket_policy.go"),
    T.S3_VECTOR_BUCKET: (frozenset({"vectorBucketName", "encryptionConfigurations"}), _TF + "s3vectors/vector_bucket.go"),
    T.S3_VECTOR_INDEX: (frozenset({"indexName", "vectorBucketName", "dataType", "dimension", "distanceMetric",
                                   "encryptionConfigurations", "metadataConfiguration"}), _TF + "s3vectors/index.go"),
    T.INVOCATION_LOGGING: (frozenset(), _TF + "bedrock/model_invocation_logging_configuration.go"),
    T.INFERENCE_PROFILE: (frozenset({"name", "description", "modelSource"}), _TF + "bedrock/inference_profile.go"),
    T.GUARDRAIL: (frozenset(), _TF + "bedrock/guardrail.go"),
    T.GUARDRAIL_VERSION: (frozenset({"guardrailArn", "description"}), _TF + "bedrock/guardrail_version.go"),
    T.KNOWLEDGE_BASE: (frozenset({"knowledgeBaseConfiguration", "storageConfiguration"}),
                       _TF + "bedrockagent/knowledge_base.go"),
    T.DATA_SOURCE: (frozenset({"name", "vectorIngestionConfiguration"}), _TF + "bedrockagent/data_source.go"),
    T.PROMPT: (frozenset(), _TF + "bedrockagent/prompt.go"),
    T.AOSS_COLLECTION: (frozenset({"name", "type", "standbyReplicas"}), _TF + "opensearchserverless/collection.go"),
    T.AOSS_SECURITY_POLICY: (frozenset({"name", "type"}), _TF + "opensearchserverless/security_policy.go"),
    T.AOSS_ACCESS_POLICY: (frozenset({"name", "type"}), _TF + "opensearchserverless/access_policy.go"),
    T.SM_MODEL: (frozenset({ALL}), _TF + "sagemaker/model.go"),
    T.SM_ENDPOINT_CONFIG: (frozenset({ALL}), _TF + "sagemaker/endpoint_configuration.go"),
    T.SM_ENDPOINT: (frozenset({"name"}), _TF + "sagemaker/endpoint.go"),
    T.SCALING_TARGET: (frozenset({"resourceId", "scalableDimension", "serviceNamespace"}),
                       _TF + "appautoscaling/target.go"),
    T.SCALING_POLICY: (frozenset({"name", "resourceId", "scalableDimension", "serviceNamespace"}),
                       _TF + "appautoscaling/policy.go"),
    T.BUDGET: (frozenset({"name", "namePrefix", "accountId"}), _TF + "budgets/budget.go"),
    T.SNS_TOPIC: (frozenset({"name", "namePrefix", "fifoTopic"}), _TF + "sns/topic.go"),
    T.SNS_TOPIC_POLICY: (frozenset({"arn"}), _TF + "sns/topic_policy.go"),
    T.SNS_SUBSCRIPTION: (frozenset({"topic", "protocol", "endpoint"}), _TF + "sns/topic_subscription.go"),
    T.SCHEDULE: (frozenset({"name", "namePrefix", "groupName"}), _TF + "scheduler/schedule.go"),
    # pulumi-aws-native: the generated class's replace_on_changes (CloudFormation create-only properties)
    T.PROMPT_VERSION: (frozenset({"description", "promptArn", "tags"}), "pulumi_aws_native/bedrock/prompt_version.py"),
    T.AOSS_INDEX: (frozenset({"collectionEndpoint", "indexName", "settings.analysis"}),
                   "pulumi_aws_native/opensearchserverless/index.py"),
}
"""type token → (properties whose change forces a new resource, where that was read)."""

NAME_KEYS = {T.S3_BUCKET: "bucket", T.DASHBOARD: "dashboardName", T.S3_VECTOR_BUCKET: "vectorBucketName",
             T.S3_VECTOR_INDEX: "indexName", T.AOSS_INDEX: "indexName"}
"""The input holding the physical name, where it is not ``name``."""

_UNTAGGED = ("tags", "tagsAll")


def changed_paths(before: Any, after: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The property paths (list positions left out) where ``before`` and ``after`` differ."""
    if before == after:
        return []
    if isinstance(before, dict) and isinstance(after, dict) and not is_expression(before) and not is_expression(after):
        return [p for k in sorted(set(before) | set(after), key=str)
                for p in changed_paths(before.get(k), after.get(k), prefix + (str(k),))]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [p for b, a in zip(before, after) for p in changed_paths(b, a, prefix)]
    return [prefix]


def _split(path: str) -> tuple[str, ...]:
    return tuple(part.replace("[*]", "") for part in path.split(".") if part.replace("[*]", ""))


def _covers(entry: tuple[str, ...], path: tuple[str, ...]) -> bool:
    n = min(len(entry), len(path))
    return entry[:n] == path[:n]


def _ignored(path: tuple[str, ...], ignore: Iterable[str]) -> bool:
    return any(path[:len(p)] == p for p in (_split(i) for i in ignore))


def _matches(entries: Iterable[str], path: tuple[str, ...]) -> str | None:
    for entry in sorted(entries):
        if entry == ALL:
            if path and path[0] not in _UNTAGGED:
                return ".".join(path)
        elif _covers(_split(entry), path):
            return ".".join(path) if len(path) >= len(_split(entry)) else entry
    return None


def reasons(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Why Pulumi replaces ``after`` (a Plan resource) given ``before`` (its previous version); empty: no replace."""
    if before.get("type") != after.get("type"):
        return ["type changes"]
    ignore = list((after.get("options") or {}).get("ignoreChanges") or [])
    paths = [p for p in changed_paths(before.get("inputs") or {}, after.get("inputs") or {}) if not _ignored(p, ignore)]
    forced, source = FORCE_NEW.get(after["type"], (frozenset({ALL}), "unknown type: every change is taken to replace"))
    replace_on = [e for e in (after.get("options") or {}).get("replaceOnChanges") or []]
    out: list[str] = []
    for path in paths:
        hit = _matches(forced, path)
        if hit is not None:
            out.append(f"{hit} forces a new resource ({source})")
            continue
        hit = _matches(replace_on, path)
        if hit is not None:
            out.append(f"{hit} is in replaceOnChanges")
    return list(dict.fromkeys(out))


def order(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """``create-before-delete`` or ``delete-before-replace`` for a replaced resource (None when its name is not ours)."""
    if (after.get("options") or {}).get("deleteBeforeReplace"):
        return "delete-before-replace"
    key = NAME_KEYS.get(after["type"], "name")
    old, new = (before.get("inputs") or {}).get(key), (after.get("inputs") or {}).get(key)
    if new is None:
        return None
    return "create-before-delete" if old != new else "delete-before-replace"


def cascade(head: dict[str, dict[str, Any]], replaced: dict[str, list[str]]) -> dict[str, list[str]]:
    """Add the resources whose force-new (or replaceOnChanges) input refers to a replaced one, until none is left."""
    out = {name: list(r) for name, r in replaced.items()}
    changed = True
    while changed:
        changed = False
        for name, res in head.items():
            if name in out:
                continue
            forced, _ = FORCE_NEW.get(res["type"], (frozenset({ALL}), ""))
            entries = set(forced) | set((res.get("options") or {}).get("replaceOnChanges") or [])
            for path, target in _refs(res.get("inputs") or {}):
                if target in out and _matches(entries, path) is not None:
                    out[name] = [f"{'.'.join(path)} refers to {target}, which is replaced"]
                    changed = True
                    break
    return out


def _refs(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(value, dict):
        if set(value) == {"ref", "attr"}:
            return [(prefix, value["ref"])]
        if is_expression(value):
            return [(prefix, t) for _, t in _refs(list(value.values()), ())]
        return [r for k, v in value.items() for r in _refs(v, prefix + (str(k),))]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v, prefix)]
    return []
