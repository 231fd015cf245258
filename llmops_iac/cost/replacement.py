"""Which Plan changes Pulumi carries out by replacing the resource (delete and create), not updating it.

Three sources, as ``pulumi preview`` combines them:

1. properties the provider forces new. pulumi-aws is bridged from the Terraform AWS provider, whose
   resource schemas mark them ``ForceNew`` (SDKv2) or ``RequiresReplace`` (plugin framework); the
   Python SDK does not carry that fact (its package has no schema), so the tables below are curated
   per type token. pulumi-aws-native's generated classes do carry it: they set ``replace_on_changes``
   to the CloudFormation create-only properties (tests/deploy/test_replacement_table.py holds those
   entries to the installed SDK, and every property to the class's real input names);
2. the resource's own ``replaceOnChanges`` option in the Plan;
3. references: a property that forces replacement and refers to a resource that is replaced
   changes too (its value is unknown until the new resource exists, and Pulumi replaces on it).

How the pulumi-aws entries were verified (issue #13). Every entry was read from the resource's schema in
hashicorp/terraform-provider-aws through the search tools' file index, and cites what was read as
``terraform-provider-aws@<commit> <path>``; ``@stored`` marks a copy the index returned by content
without naming its commit (all such copies carry the 2014-2026 copyright header). The index holds
several versions of a file and not necessarily the one pulumi_aws 7.51.1 bridges (a terraform-provider-aws
v6 release from mid-2026 or later: its classes have inputs, e.g. Bedrock managed knowledge bases, that the
provider added in July 2026), so where versions differ the entry's comment says which one it follows.
Four tables, one fact each:

- ``FORCE_NEW``: any change under the path replaces: a leaf's SDKv2 ``ForceNew``, a framework
  ``RequiresReplace()`` (on a block it covers every field inside), and ``region``, which v6 injects into
  every regional resource with a ``forceNewIfRegionChanges`` interceptor (internal/provider/sdkv2/region.go,
  internal/provider/framework/region.go; its one exception, unset <-> exactly the provider's own region,
  is reported as a replace too: the strict reading, and the Plan never sets ``region``);
- ``REPLACE_WHEN_COUNT_CHANGES``: SDKv2 ``ForceNew`` on a block whose own fields are not ForceNew. The SDK
  (helper/schema diffList/diffSet) gives the block's element count the block's ForceNew and each field its
  own, so adding or removing the block replaces while a change inside it is an update;
- ``REPLACE_WHEN_CONFIGURED``: framework ``RequiresReplaceIfConfigured()``: changing a value the
  configuration sets replaces; dropping it from the configuration does not;
- ``UPDATABLE``: the inputs the source shows updated in place.

Every input of an installed pulumi-aws class is in exactly one of them (tags aside), which the tests
enforce: an input a later provider adds fails that test until someone reads the source. Inputs of the
installed classes that the source read does not have are in ``UNVERIFIED``: unknown means strict, so
they are in ``FORCE_NEW`` and their reason says they were not verified.

Paths are engine (camelCase) property names joined by ``.``; an entry covers its whole subtree, and a
change to a whole block covers the entries inside it. ``"*"`` means every input but tags.
Changes under the resource's ``ignoreChanges`` never count. Whether a replacement creates the new
resource first or deletes the old one first follows the name: a name-hashed resource whose name
changes can exist twice (create before delete); a resource whose fixed name stays the same cannot
(delete before replace: a gap), as the Terraform bridge decides for explicitly named resources.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from llmops_iac.compile import tokens as T
from llmops_iac.compile.plan import is_expression

ALL = "*"
REGION = "region"
UNKNOWN_TYPE = "unknown type: every change is taken to replace"
NOT_VERIFIED = "not in the provider source this table was read from: unknown, so taken to replace"


def _tf(commit: str, path: str) -> str:
    return f"terraform-provider-aws@{commit[:12]} internal/service/{path}"


def _set(*names: str) -> frozenset[str]:
    return frozenset(names)


FORCE_NEW: dict[str, tuple[frozenset[str], str]] = {
    # Global services (IAM, Budgets) have no region.
    T.IAM_ROLE: (_set("name", "namePrefix", "path"), _tf("3277329285f5730eeff9c56fbe69836c9448ab78", "iam/role.go")),
    T.IAM_ROLE_POLICY: (_set("name", "namePrefix", "role"),
                        _tf("02f97af85f89a04e8ed89f5e8b64a9a67f3cfe07", "iam/role_policy.go")),
    T.KMS_KEY: (_set("customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId", REGION),
                _tf("00a35305dc1b297a6fcdecdfbba33f1e63c3da39", "kms/key.go")),
    T.KMS_ALIAS: (_set("name", "namePrefix", REGION), _tf("01c08000ddb14181b5bd19201d8fca311dc570e4", "kms/alias.go")),
    T.LOG_GROUP: (_set("logGroupClass", "name", "namePrefix", REGION, "deletionProtectionEnabled"),
                  _tf("0073593e7d6993ba482409f4dc35438daaa79bb3", "logs/group.go")),
    # alarm_name (ForceNew) is the class's ``name``.
    T.METRIC_ALARM: (_set("name", REGION, "evaluationCriteria", "evaluationInterval", "evaluationWindow",
                          "warmUpConfiguration"),
                     _tf("055611a654738da73e7b1e2b5d2b7672c6d4d531", "cloudwatch/metric_alarm.go")),
    T.DASHBOARD: (_set("dashboardName", REGION), _tf("0620f2a6a126dfcbc4aecbc9a117b0fbea1656ff", "cloudwatch/dashboard.go")),
    # The aws-sdk-go-v2 (v5-era) copy; object_lock_configuration.object_lock_enabled is ForceNew on its own.
    T.S3_BUCKET: (_set("bucket", "bucketPrefix", "objectLockEnabled", "objectLockConfiguration.objectLockEnabled", REGION,
                       "bucketNamespace"), _tf("stored", "s3/bucket.go")),
    T.S3_VERSIONING: (_set("bucket", "expectedBucketOwner", REGION),
                      _tf("01c08000ddb14181b5bd19201d8fca311dc570e4", "s3/bucket_versioning.go")),
    T.S3_ENCRYPTION: (_set("bucket", "expectedBucketOwner", REGION),
                      _tf("01606926a0c0ab9174aec440f976a48b0baee722", "s3/bucket_server_side_encryption_configuration.go")),
    T.S3_PUBLIC_ACCESS_BLOCK: (_set("bucket", REGION),
                               _tf("01606926a0c0ab9174aec440f976a48b0baee722", "s3/bucket_public_access_block.go")),
    T.S3_BUCKET_POLICY: (_set("bucket", REGION), _tf("0073593e7d6993ba482409f4dc35438daaa79bb3", "s3/bucket_policy.go")),
    # encryption_configuration is RequiresReplaceIfConfigured: REPLACE_WHEN_CONFIGURED.
    T.S3_VECTOR_BUCKET: (_set("vectorBucketName", REGION),
                         _tf("108f85fd2bfcd9e85ed93fddb752c5cc10dba1ff", "s3vectors/vector_bucket.go")),
    T.S3_VECTOR_INDEX: (_set("indexName", "vectorBucketName", "dataType", "dimension", "distanceMetric",
                             "encryptionConfigurations", "metadataConfiguration", REGION),
                        _tf("93d90a25506c42bed53fc679c4a17b980de20cc8", "s3vectors/index.go")),
    T.INVOCATION_LOGGING: (_set(REGION), _tf("f8c737699d126d97d63311cf9ffb67a96b0b52a2",
                                             "bedrock/model_invocation_logging_configuration.go")),
    T.INFERENCE_PROFILE: (_set("name", "description", "modelSource", REGION),
                          _tf("dc6cd32dbd0846962d975d8e5c65a313adef1be7", "bedrock/inference_profile.go")),
    # No RequiresReplace: UpdateGuardrail changes name, policies and KMS key in place. cross_region_config
    # (not in this version) was read in the @stored 2026 copy: no RequiresReplace either.
    T.GUARDRAIL: (_set(REGION), _tf("c5172e4eb42317e1958d786bcdde4c8a9e4a8aca", "bedrock/guardrail.go")),
    # description is RequiresReplaceIfConfigured: REPLACE_WHEN_CONFIGURED (the Plan also puts it in replaceOnChanges).
    T.GUARDRAIL_VERSION: (_set("guardrailArn", REGION),
                          _tf("cabb6eea1ab21dba1d88dab354aedd52151a145a", "bedrock/guardrail_version.go")),
    # The @stored 2026 copy: both blocks RequiresReplace; role_arn, name and description update in place. An
    # older stored version (5543b6788d29) had RequiresReplace on role_arn and not on the blocks; upstream issue
    # #41024 (provider 5.84, Jan 2025) reported role_arn replacing and was fixed before the 2026 copy.
    T.KNOWLEDGE_BASE: (_set("knowledgeBaseConfiguration", "storageConfiguration", REGION),
                       _tf("stored", "bedrockagent/knowledge_base.go")),
    # knowledge_base_id has no RequiresReplace (also in the @stored 2026 copy): Pulumi updates a data source
    # moved to another knowledge base, which the Bedrock API then refuses.
    T.DATA_SOURCE: (_set("name", "vectorIngestionConfiguration", REGION),
                    _tf("5d6e8be1687cc801952bca0bbbac7db0e6534032", "bedrockagent/data_source.go")),
    T.PROMPT: (_set(REGION), _tf("53e740ca07f3dc82e6cacca2c312b0cc302654d1", "bedrockagent/prompt.go")),
    # encryption_config is an object attribute with RequiresReplace here, a block (encryptionConfigs) in the SDK.
    T.AOSS_COLLECTION: (_set("name", "type", "standbyReplicas", "collectionGroupName", "encryptionConfigs", REGION,
                             "vectorOptions"),
                        _tf("d36eabd4d0c196151db7a13feb933b46d18d9f49", "opensearchserverless/collection.go")),
    T.AOSS_SECURITY_POLICY: (_set("name", "type", REGION),
                             _tf("1ea76608046c7000110f5440070b4642ae4e676d", "opensearchserverless/security_policy.go")),
    T.AOSS_ACCESS_POLICY: (_set("name", "type", REGION),
                           _tf("c7c8a3566bb83c2319e09262cfaf4d2d8de2584e", "opensearchserverless/access_policy.go")),
    # Every field is ForceNew and Update only tags. A strict over-reading: vpc_config and inference_execution_config
    # are ForceNew blocks whose fields are not, so a change inside them (never set by the Plan) would update.
    T.SM_MODEL: (_set(ALL), _tf("0cafd6b50f8e41065a3537744e2985d5bdce7d59", "sagemaker/model.go")),
    # Every field, nested ones included, is ForceNew; Update is "Tags only" (also in the @stored 2026 copy).
    T.SM_ENDPOINT_CONFIG: (_set(ALL), _tf("050ac11163cab8cdae5936a7f40b0e528ff780df", "sagemaker/endpoint_configuration.go")),
    # deployment_config.auto_rollback_configuration is a ForceNew block: REPLACE_WHEN_COUNT_CHANGES.
    T.SM_ENDPOINT: (_set("name", REGION), _tf("033616433b62eecd21bf862855f43202b7500c2f", "sagemaker/endpoint.go")),
    T.SCALING_TARGET: (_set("resourceId", "scalableDimension", "serviceNamespace", REGION, "suspendedState"),
                       _tf("0105d2191ae7e43ba37ba011b916843eddf361ed", "appautoscaling/target.go")),
    T.SCALING_POLICY: (_set("name", "resourceId", "scalableDimension", "serviceNamespace", REGION,
                            "predictiveScalingPolicyConfiguration"),
                       _tf("048320e88399c508ae6481be5d8ef6fd6f71a9f6", "appautoscaling/policy.go")),
    # The @stored 2026 copy (filter_expression, billing_view_arn, tags); 01d5888a070712729 has the same ForceNew set.
    T.BUDGET: (_set("name", "namePrefix", "accountId", "metrics"), _tf("stored", "budgets/budget.go")),
    T.SNS_TOPIC: (_set("name", "namePrefix", "fifoTopic", REGION, "maximumMessageSize"),
                  _tf("00a35305dc1b297a6fcdecdfbba33f1e63c3da39", "sns/topic.go")),
    T.SNS_TOPIC_POLICY: (_set("arn", REGION), _tf("00a35305dc1b297a6fcdecdfbba33f1e63c3da39", "sns/topic_policy.go")),
    # topic_arn (ForceNew) is the class's ``topic``.
    T.SNS_SUBSCRIPTION: (_set("topic", "protocol", "endpoint", REGION),
                         _tf("04a2e6e5bc625ec85ea8c678219b483fc674877e", "sns/topic_subscription.go")),
    T.SCHEDULE: (_set("name", "namePrefix", "groupName", REGION),
                 _tf("02f524b9e9cc109457eeba63867c83e70af99455", "scheduler/schedule.go")),
    # pulumi-aws-native: the generated class's replace_on_changes (CloudFormation create-only properties)
    T.PROMPT_VERSION: (_set("description", "promptArn", "tags"), "pulumi_aws_native/bedrock/prompt_version.py"),
    T.AOSS_INDEX: (_set("collectionEndpoint", "indexName", "settings.analysis"),
                   "pulumi_aws_native/opensearchserverless/index.py"),
}
"""type token → (properties any change of which forces a new resource, where that was read)."""

UNVERIFIED: dict[str, frozenset[str]] = {
    T.LOG_GROUP: _set("deletionProtectionEnabled"),
    T.METRIC_ALARM: _set("evaluationCriteria", "evaluationInterval", "evaluationWindow", "warmUpConfiguration"),
    T.S3_BUCKET: _set("bucketNamespace"),
    T.AOSS_COLLECTION: _set("vectorOptions"),
    T.SCALING_TARGET: _set("suspendedState"),
    T.SCALING_POLICY: _set("predictiveScalingPolicyConfiguration"),
    T.BUDGET: _set("metrics"),
    T.SNS_TOPIC: _set("maximumMessageSize"),
}
"""Inputs of the installed classes absent from the source version read: in FORCE_NEW (strict), said so."""

REPLACE_WHEN_COUNT_CHANGES: dict[str, frozenset[str]] = {
    T.SM_ENDPOINT: _set("deploymentConfig.autoRollbackConfiguration"),
}
"""SDKv2 ForceNew blocks whose fields are not ForceNew: adding or removing the block replaces, a change inside updates."""

REPLACE_WHEN_CONFIGURED: dict[str, frozenset[str]] = {
    T.S3_VECTOR_BUCKET: _set("encryptionConfigurations"),
    T.GUARDRAIL_VERSION: _set("description"),
}
"""Framework RequiresReplaceIfConfigured: a change to a value the Plan sets replaces, dropping the value does not."""

UPDATABLE: dict[str, frozenset[str]] = {
    T.IAM_ROLE: _set("assumeRolePolicy", "description", "forceDetachPolicies", "inlinePolicies", "managedPolicyArns",
                     "maxSessionDuration", "permissionsBoundary"),
    T.IAM_ROLE_POLICY: _set("policy"),
    T.KMS_KEY: _set("bypassPolicyLockoutSafetyCheck", "deletionWindowInDays", "description", "enableKeyRotation",
                    "isEnabled", "policy", "rotationPeriodInDays"),
    T.KMS_ALIAS: _set("targetKeyId"),
    T.LOG_GROUP: _set("kmsKeyId", "retentionInDays", "skipDestroy"),
    T.METRIC_ALARM: _set("actionsEnabled", "alarmActions", "alarmDescription", "comparisonOperator", "datapointsToAlarm",
                         "dimensions", "evaluateLowSampleCountPercentiles", "evaluationPeriods", "extendedStatistic",
                         "insufficientDataActions", "metricName", "metricQueries", "namespace", "okActions", "period",
                         "statistic", "threshold", "thresholdMetricId", "treatMissingData", "unit"),
    T.DASHBOARD: _set("dashboardBody"),
    T.S3_BUCKET: _set("accelerationStatus", "acl", "corsRules", "forceDestroy", "grants", "lifecycleRules", "logging",
                      "objectLockConfiguration", "policy", "replicationConfiguration", "requestPayer",
                      "serverSideEncryptionConfiguration", "versioning", "website"),
    T.S3_VERSIONING: _set("mfa", "versioningConfiguration"),
    T.S3_ENCRYPTION: _set("rules"),
    T.S3_PUBLIC_ACCESS_BLOCK: _set("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets",
                                   "skipDestroy"),
    T.S3_BUCKET_POLICY: _set("policy"),
    T.S3_VECTOR_BUCKET: _set("forceDestroy"),
    T.S3_VECTOR_INDEX: _set(),
    T.INVOCATION_LOGGING: _set("loggingConfig"),
    T.INFERENCE_PROFILE: _set("timeouts"),
    T.GUARDRAIL: _set("blockedInputMessaging", "blockedOutputsMessaging", "contentPolicyConfig",
                      "contextualGroundingPolicyConfig", "crossRegionConfig", "description", "kmsKeyArn", "name",
                      "sensitiveInformationPolicyConfig", "timeouts", "topicPolicyConfig", "wordPolicyConfig"),
    T.GUARDRAIL_VERSION: _set("skipDestroy", "timeouts"),
    T.KNOWLEDGE_BASE: _set("description", "name", "roleArn", "timeouts"),
    T.DATA_SOURCE: _set("dataDeletionPolicy", "dataSourceConfiguration", "description", "knowledgeBaseId",
                        "serverSideEncryptionConfiguration", "timeouts"),
    T.PROMPT: _set("customerEncryptionKeyArn", "defaultVariant", "description", "name", "variants"),
    T.AOSS_COLLECTION: _set("description", "timeouts"),
    T.AOSS_SECURITY_POLICY: _set("description", "policy"),
    T.AOSS_ACCESS_POLICY: _set("description", "policy"),
    T.SM_MODEL: _set(),
    T.SM_ENDPOINT_CONFIG: _set(),
    T.SM_ENDPOINT: _set("deploymentConfig", "endpointConfigName"),
    T.SCALING_TARGET: _set("maxCapacity", "minCapacity", "roleArn"),
    T.SCALING_POLICY: _set("policyType", "stepScalingPolicyConfiguration", "targetTrackingScalingPolicyConfiguration"),
    T.BUDGET: _set("autoAdjustData", "billingViewArn", "budgetType", "costFilters", "costTypes", "filterExpression",
                   "limitAmount", "limitUnit", "notifications", "plannedLimits", "timePeriodEnd", "timePeriodStart",
                   "timeUnit"),
    T.SNS_TOPIC: _set("applicationFailureFeedbackRoleArn", "applicationSuccessFeedbackRoleArn",
                      "applicationSuccessFeedbackSampleRate", "archivePolicy", "contentBasedDeduplication", "deliveryPolicy",
                      "displayName", "fifoThroughputScope", "firehoseFailureFeedbackRoleArn",
                      "firehoseSuccessFeedbackRoleArn", "firehoseSuccessFeedbackSampleRate", "httpFailureFeedbackRoleArn",
                      "httpSuccessFeedbackRoleArn", "httpSuccessFeedbackSampleRate", "kmsMasterKeyId",
                      "lambdaFailureFeedbackRoleArn", "lambdaSuccessFeedbackRoleArn", "lambdaSuccessFeedbackSampleRate",
                      "policy", "signatureVersion", "sqsFailureFeedbackRoleArn", "sqsSuccessFeedbackRoleArn",
                      "sqsSuccessFeedbackSampleRate", "tracingConfig"),
    T.SNS_TOPIC_POLICY: _set("policy"),
    T.SNS_SUBSCRIPTION: _set("confirmationTimeoutInMinutes", "deliveryPolicy", "endpointAutoConfirms", "filterPolicy",
                             "filterPolicyScope", "rawMessageDelivery", "redrivePolicy", "replayPolicy",
                             "subscriptionRoleArn"),
    T.SCHEDULE: _set("actionAfterCompletion", "description", "endDate", "flexibleTimeWindow", "kmsKeyArn",
                     "scheduleExpression", "scheduleExpressionTimezone", "startDate", "state", "target"),
}
"""pulumi-aws type token → the inputs the provider source updates in place (tags aside)."""

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


def _at(value: Any, keys: tuple[str, ...]) -> Any:
    """The value under ``keys`` (None when absent; a list along the way maps over its elements)."""
    for i, key in enumerate(keys):
        if isinstance(value, list):
            return [_at(v, keys[i:]) for v in value]
        if not isinstance(value, dict) or is_expression(value):
            return None
        value = value.get(key)
    return value


def _count(value: Any) -> int | None:
    """How many elements a block holds: 0 absent, a list's length, 1 otherwise; None when not known yet."""
    if value is None:
        return 0
    if isinstance(value, list):
        return len(value)
    return None if is_expression(value) else 1


def _conditional(entries: Iterable[str], path: tuple[str, ...], replaces: Callable[[tuple[str, ...]], bool]) -> str | None:
    for entry in sorted(entries):
        keys = _split(entry)
        if _covers(keys, path) and replaces(keys):
            return entry if len(path) <= len(keys) else ".".join(path)
    return None


def reasons(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Why Pulumi replaces ``after`` (a Plan resource) given ``before`` (its previous version); empty: no replace."""
    if before.get("type") != after.get("type"):
        return ["type changes"]
    old, new = before.get("inputs") or {}, after.get("inputs") or {}
    ignore = list((after.get("options") or {}).get("ignoreChanges") or [])
    paths = [p for p in changed_paths(old, new) if not _ignored(p, ignore)]
    token = after["type"]
    forced, source = FORCE_NEW.get(token, (frozenset({ALL}), UNKNOWN_TYPE))
    unverified = UNVERIFIED.get(token, frozenset())

    def count_changes(keys: tuple[str, ...]) -> bool:
        before_n, after_n = _count(_at(old, keys)), _count(_at(new, keys))
        return before_n is None or after_n is None or before_n != after_n  # not known yet: strict

    def set_and_changed(keys: tuple[str, ...]) -> bool:
        return _at(new, keys) is not None and _at(old, keys) != _at(new, keys)

    replace_on = [e for e in (after.get("options") or {}).get("replaceOnChanges") or []]
    out: list[str] = []
    for path in paths:
        hit = _matches(forced, path)
        if hit is not None:
            out.append(f"{hit} forces a new resource ({NOT_VERIFIED if path[:1] and path[0] in unverified else source})")
            continue
        hit = _conditional(REPLACE_WHEN_COUNT_CHANGES.get(token, ()), path, count_changes)
        if hit is not None:
            out.append(f"{hit} is added or removed, which forces a new resource ({source})")
            continue
        hit = _conditional(REPLACE_WHEN_CONFIGURED.get(token, ()), path, set_and_changed)
        if hit is not None:
            out.append(f"{hit} forces a new resource when set ({source})")
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
    """Add the resources whose force-new (or replaceOnChanges) input refers to a replaced one, until none is left.

    A reference is configured, so RequiresReplaceIfConfigured inputs count; inside a block that replaces only when
    it is added or removed, a new value does not change the block's size and does not."""
    out = {name: list(r) for name, r in replaced.items()}
    changed = True
    while changed:
        changed = False
        for name, res in head.items():
            if name in out:
                continue
            forced, _ = FORCE_NEW.get(res["type"], (frozenset({ALL}), ""))
            entries = (set(forced) | set(REPLACE_WHEN_CONFIGURED.get(res["type"], ()))
                       | set((res.get("options") or {}).get("replaceOnChanges") or []))
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
