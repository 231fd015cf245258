"""deploy_plan under mocks: each Plan resource becomes its real class, with exactly the Plan's inputs."""

from __future__ import annotations

import json

import pulumi
import pytest

from llmops_iac.compile import tokens as T
from llmops_iac.compile.plan import Plan, context, join, ref, to_json
from llmops_iac.deploy.adapter import PlanError, check_plan, deploy_plan, resource_options
from tests.deploy.conftest import ACCOUNT, assert_plan_deployed, assert_serialised_unchanged, install_mocks, run_program

TAGS = {"app": "demo", "environment": "test", "managedBy": "llmops-iac"}


def new_plan() -> Plan:
    return Plan(app="demo", environment="test", region="us-east-1", spec_file="demo.yaml", spec_hash="abc123",
                tags=dict(TAGS))


def sample_plan() -> dict:
    """A Plan exercising every expression form, dependsOn, options, both providers and irregular classes."""
    plan = new_plan()
    account_root = join("arn:aws:iam::", context("accountId"), ":root")
    plan.add("kms-key", T.KMS_KEY, {
        "description": "demo key",
        "enableKeyRotation": True,
        "rotationPeriodInDays": 365,
        "policy": to_json({"Version": "2012-10-17", "Statement": [
            {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": account_root}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "Caller", "Effect": "Allow", "Principal": {"AWS": context("callerArn")}, "Action": "kms:Describe*",
             "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": context("accountId")}}}]}),
    }, "/metadata/name", meta={"kmsKeyPolicy": "a fact for policies, not an option"})
    plan.add("kms-key-alias", T.KMS_ALIAS, {"name": "alias/demo-test", "targetKeyId": ref("kms-key", "keyId")},
             "/metadata/name")
    plan.add("logs", T.S3_BUCKET, {"bucket": "demo-test-logs", "forceDestroy": False}, "/spec/monitoring")
    plan.add("logs-versioning", T.S3_VERSIONING, {  # its Args class is BucketVersioningInitArgs
        "bucket": ref("logs", "id"), "versioningConfiguration": {"status": "Enabled"}}, "/spec/monitoring")
    plan.add("logs-encryption", T.S3_ENCRYPTION, {
        "bucket": ref("logs", "id"),
        "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms",
                                                          "kmsMasterKeyId": ref("kms-key", "arn")},
                   "bucketKeyEnabled": True}]}, "/spec/monitoring")
    plan.add("logs-public-access-block", T.S3_PUBLIC_ACCESS_BLOCK, {
        "bucket": ref("logs", "id"), "blockPublicAcls": True, "blockPublicPolicy": True,
        "ignorePublicAcls": True, "restrictPublicBuckets": True}, "/spec/monitoring")
    plan.add("logs-policy", T.S3_BUCKET_POLICY, {
        "bucket": ref("logs", "id"),
        "policy": to_json({"Version": "2012-10-17", "Statement": [{
            "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [ref("logs", "arn"), join(ref("logs", "arn"), "/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}),
    }, "/spec/monitoring", depends_on=["logs-public-access-block"])
    plan.add("guardrail", T.GUARDRAIL, {
        "name": "demo-test",
        "blockedInputMessaging": "no", "blockedOutputsMessaging": "no",
        "kmsKeyArn": ref("kms-key", "arn"),
        "contentPolicyConfig": {"filtersConfigs": [{"type": "PROMPT_ATTACK", "inputStrength": "HIGH",
                                                    "outputStrength": "NONE"}]},
        "sensitiveInformationPolicyConfig": {"piiEntitiesConfigs": [{"type": "EMAIL", "action": "ANONYMIZE"}]},
    }, "/spec/guardrails/default")
    plan.add("guardrail-version", T.GUARDRAIL_VERSION, {
        "guardrailArn": ref("guardrail", "guardrailArn"), "description": "spec abc123"},
        "/spec/guardrails/default", options={"replaceOnChanges": ["description"], "deleteBeforeReplace": False})
    plan.add("prompt-support", T.PROMPT, {
        "name": "demo-test-support",
        "customerEncryptionKeyArn": ref("kms-key", "arn"),
        "defaultVariant": "default",
        "variants": [{"name": "default", "templateType": "TEXT", "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
                      "templateConfiguration": {"text": {"text": "Hi {{name}}", "inputVariables": [{"name": "name"}]}},
                      "inferenceConfiguration": {"text": {"maxTokens": 512, "temperature": 0.2, "topP": 0.9}}}],
    }, "/spec/prompts/support", meta={"file": "prompts/support.txt", "version": 3})
    plan.add("prompt-support-version", T.PROMPT_VERSION, {
        "promptArn": ref("prompt-support", "arn"), "description": "support@3"},
        "/spec/prompts/support", options={"retainOnDelete": True, "replaceOnChanges": ["description"]})
    plan.add("vs-docs-index", T.AOSS_INDEX, {
        "collectionEndpoint": "https://abc.us-east-1.aoss.amazonaws.com",
        "indexName": "docs",
        "settings": {"index": {"knn": True, "knnAlgoParamEfSearch": 512}},
        "mappings": {"properties": {
            "bedrock-knowledge-base-default-vector": {"type": "knn_vector", "dimension": 1024,
                                                      "method": {"name": "hnsw", "engine": "faiss", "spaceType": "l2",
                                                                 "parameters": {"efConstruction": 512, "m": 16}}},
            "AMAZON_BEDROCK_TEXT_CHUNK": {"type": "text"},
            "AMAZON_BEDROCK_METADATA": {"type": "text", "index": False}}},
    }, "/spec/vectorStores/docs")
    plan.add("llama-model", T.SM_MODEL, {
        "name": "demo-test-llama",
        "executionRoleArn": join("arn:aws:iam::", context("accountId"), ":role/sm"),
        "primaryContainer": {"image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/tgi:3",
                             "environment": {"HF_MODEL_ID": "meta-llama/Meta-Llama-3-8B-Instruct", "SM_NUM_GPUS": "1",
                                             "MAX_INPUT_TOKENS": "4096", "lowercase_key": "kept"}},
    }, "/spec/models/llama", meta={"provider": "sagemaker"})
    plan.add("budget", T.BUDGET, {
        "name": "demo-test", "budgetType": "COST", "timeUnit": "MONTHLY", "limitAmount": "100", "limitUnit": "USD",
        "costFilters": [{"name": "TagKeyValue", "values": ["user:app$demo"]}],
        "notifications": [{"comparisonOperator": "GREATER_THAN", "threshold": 80, "thresholdType": "PERCENTAGE",
                           "notificationType": "ACTUAL", "subscriberEmailAddresses": ["team@example.com"]}],
    }, "/spec/budgets")
    plan.outputs = {
        "kmsKeyArn": ref("kms-key", "arn"),
        "guardrail": {"id": ref("guardrail", "guardrailId"), "version": ref("guardrail-version", "version")},
        "promptVersionArn": ref("prompt-support-version", "arn"),
        "consoleUrl": join("https://console.aws.amazon.com/bedrock/home?region=us-east-1#/guardrails/",
                           ref("guardrail", "guardrailId")),
        "region": "us-east-1",
    }
    return plan.to_data()


def test_every_resource_constructs_its_real_class_with_exactly_its_inputs():
    plan = sample_plan()
    mocks = install_mocks(plan=plan)
    created: dict = {}
    exports = run_program(lambda: created.update(deploy_plan(plan)))

    assert set(created) == {r["name"] for r in plan["resources"]}
    assert_serialised_unchanged(plan, mocks)
    assert_plan_deployed(plan, mocks, exports)
    identity_calls = [c for c in mocks.calls if c.token == "aws:index/getCallerIdentity:getCallerIdentity"]
    assert len(identity_calls) == 1, "one shared getCallerIdentity for every context expression"


def test_refs_resolve_to_the_referenced_resources_outputs(pulumi_mocks):
    plan = sample_plan()
    exports = run_program(lambda: deploy_plan(plan))
    got = pulumi_mocks.by_name()

    assert got["kms-key-alias"].inputs["targetKeyId"] == "kms-key.keyId"
    assert got["logs-versioning"].inputs["bucket"] == "logs-id"
    assert got["guardrail-version"].inputs["guardrailArn"] == pulumi_mocks.states["guardrail"]["guardrailArn"]
    assert got["prompt-support-version"].inputs["promptArn"] == pulumi_mocks.states["prompt-support"]["arn"]
    assert got["llama-model"].inputs["executionRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/sm"
    assert exports["guardrail"] == {"id": "guardrail.guardrailId", "version": "1"}


def test_to_json_is_compact_keeps_plan_key_order_and_resolves_nested_expressions(pulumi_mocks):
    plan = sample_plan()
    run_program(lambda: deploy_plan(plan))
    policy = pulumi_mocks.by_name()["logs-policy"].inputs["policy"]
    arn = pulumi_mocks.states["logs"]["arn"]

    assert policy == ('{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny",'
                      '"Principal":"*","Action":"s3:*","Resource":["' + arn + '","' + arn + '/*"],'
                      '"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}')
    key_policy = json.loads(pulumi_mocks.by_name()["kms-key"].inputs["policy"])
    assert key_policy["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert list(key_policy["Statement"][1]) == ["Sid", "Effect", "Principal", "Action", "Resource", "Condition"]


def test_map_keys_and_nested_camel_case_keys_reach_the_engine_unchanged(pulumi_mocks):
    plan = sample_plan()
    run_program(lambda: deploy_plan(plan))
    got = pulumi_mocks.by_name()

    assert got["llama-model"].inputs["primaryContainer"]["environment"]["lowercase_key"] == "kept"
    assert set(got["vs-docs-index"].inputs["mappings"]["properties"]) == {
        "bedrock-knowledge-base-default-vector", "AMAZON_BEDROCK_TEXT_CHUNK", "AMAZON_BEDROCK_METADATA"}
    assert got["guardrail"].inputs["tags"] == TAGS


def test_depends_on_orders_registration(pulumi_mocks):
    plan = sample_plan()
    run_program(lambda: deploy_plan(plan))
    order = [a.name for a in pulumi_mocks.created]
    assert order.index("logs-public-access-block") < order.index("logs-policy")


def test_a_plan_without_context_expressions_makes_no_invoke(pulumi_mocks):
    plan = new_plan()
    plan.add("topic", T.SNS_TOPIC, {"name": "t"}, "/spec")
    data = plan.to_data()
    run_program(lambda: deploy_plan(data))
    assert pulumi_mocks.calls == []
    assert_plan_deployed(data, pulumi_mocks, {})


# --- options ---------------------------------------------------------------------------------------------------------

def test_options_become_resource_options_and_meta_is_ignored():
    res = {"name": "v", "type": T.PROMPT_VERSION, "inputs": {}, "dependsOn": [],
           "options": {"retainOnDelete": True, "replaceOnChanges": ["description"], "deleteBeforeReplace": True,
                       "ignoreChanges": ["tags"], "protect": False},
           "meta": {"provider": "bedrock", "version": 3, "protect": True}}
    opts = resource_options(res, {})
    assert opts.retain_on_delete is True
    assert opts.replace_on_changes == ["description"]
    assert opts.delete_before_replace is True
    assert opts.ignore_changes == ["tags"]
    assert opts.protect is False
    assert opts.provider is None and opts.version is None


def test_base_options_merge_under_each_resources_own(pulumi_mocks):
    plan = new_plan()
    plan.add("topic", T.SNS_TOPIC, {"name": "t"}, "/spec", options={"protect": True})
    res = plan.to_data()["resources"][0]
    opts = resource_options(res, {}, pulumi.ResourceOptions(protect=False, ignore_changes=["name"]))
    assert opts.protect is True and opts.ignore_changes == ["name"]


def test_bad_options_are_an_error():
    plan = new_plan()
    plan.add("topic", T.SNS_TOPIC, {"name": "t"}, "/spec", options={"replaceOnChanges": "description"})
    with pytest.raises(PlanError, match=r"resource 'topic' \(aws:sns/topic:Topic\): options.replaceOnChanges must be"):
        check_plan(plan.to_data())
    plan = new_plan()
    plan.add("topic", T.SNS_TOPIC, {"name": "t"}, "/spec", options={"retainOnDelet": True})
    with pytest.raises(PlanError, match="unknown option 'retainOnDelet'"):
        check_plan(plan.to_data())


# --- errors: the whole Plan is checked before anything registers ----------------------------------------------------

def _deploy_expecting(pulumi_mocks, plan: dict, pattern: str) -> PlanError:
    with pytest.raises(PlanError, match=pattern) as info:
        run_program(lambda: deploy_plan(plan))
    assert pulumi_mocks.created == [], "nothing may register from a Plan that fails the check"
    return info.value


def test_unknown_type_token(pulumi_mocks):
    plan = new_plan().to_data()
    plan["resources"] = [{"name": "x", "type": "aws:sagemaker/endpoint:Endpoit", "source": "/", "inputs": {}}]
    err = _deploy_expecting(pulumi_mocks, plan, r"resource 'x': unknown type token 'aws:sagemaker/endpoint:Endpoit'")
    assert "did you mean 'aws:sagemaker/endpoint:Endpoint'" in str(err)


def test_unknown_input_key_names_resource_and_key(pulumi_mocks):
    plan = new_plan()
    plan.add("kms-key", T.KMS_KEY, {"enableKeyRotations": True}, "/")
    err = _deploy_expecting(pulumi_mocks, plan.to_data(),
                            r"resource 'kms-key' \(aws:kms/key:Key\): unknown input 'enableKeyRotations'")
    assert "did you mean 'enableKeyRotation'" in str(err)


def test_snake_case_input_key_is_not_accepted(pulumi_mocks):
    plan = new_plan()
    plan.add("kms-key", T.KMS_KEY, {"enable_key_rotation": True}, "/")
    _deploy_expecting(pulumi_mocks, plan.to_data(), r"unknown input 'enable_key_rotation'; did you mean 'enableKeyRotation'")


def test_ref_to_unknown_resource(pulumi_mocks):
    plan = new_plan()
    plan.add("kms-key-alias", T.KMS_ALIAS, {"name": "alias/x", "targetKeyId": ref("kms-kye", "keyId")}, "/")
    _deploy_expecting(pulumi_mocks, plan.to_data(),
                      r"resource 'kms-key-alias' \(aws:kms/alias:Alias\): inputs.targetKeyId: "
                      r"reference to unknown resource 'kms-kye'$")


def test_ref_to_unknown_attribute(pulumi_mocks):
    plan = new_plan()
    plan.add("kms-key", T.KMS_KEY, {}, "/")
    plan.add("kms-key-alias", T.KMS_ALIAS, {"name": "alias/x", "targetKeyId": ref("kms-key", "key_id")}, "/")
    _deploy_expecting(pulumi_mocks, plan.to_data(),
                      r"resource 'kms-key' \(aws:kms/key:Key\) has no output attribute 'key_id'; did you mean 'keyId'")


def test_ref_in_outputs_is_checked(pulumi_mocks):
    plan = new_plan()
    plan.outputs = {"arn": ref("nothing", "arn")}
    _deploy_expecting(pulumi_mocks, plan.to_data(), r"output 'arn': reference to unknown resource 'nothing'")


def test_depends_on_unknown_resource(pulumi_mocks):
    plan = new_plan()
    plan.add("topic", T.SNS_TOPIC, {"name": "t"}, "/", depends_on=["missing"])
    _deploy_expecting(pulumi_mocks, plan.to_data(), r"resource 'topic' .*dependsOn unknown resource 'missing'")


def test_cycle_through_refs_and_depends_on(pulumi_mocks):
    plan = new_plan()
    plan.add("a", T.SNS_TOPIC, {"name": join("x-", ref("b", "name"))}, "/")
    plan.add("b", T.SNS_TOPIC, {"name": "b"}, "/", depends_on=["c"])
    plan.add("c", T.SNS_TOPIC_POLICY, {"arn": ref("a", "arn"), "policy": "{}"}, "/")
    _deploy_expecting(pulumi_mocks, plan.to_data(), r"dependency cycle: a -> b -> c -> a")


def test_malformed_expressions(pulumi_mocks):
    plan = new_plan()
    plan.add("t", T.SNS_TOPIC, {
        "name": {"fn::join": ["-"]},
        "displayName": {"fn::concat": ["a", "b"]},
        "policy": {"fn::toJSON": {"a": {"context": "region"}}},
        "deliveryPolicy": {"ref": "t", "attr": "arn", "extra": 1},
    }, "/")
    err = _deploy_expecting(pulumi_mocks, plan.to_data(), "cannot be deployed")
    text = str(err)
    assert "inputs.name: fn::join takes [SEPARATOR, [PART, ...]]" in text
    assert "inputs.displayName: not an expression the adapter knows (fn::concat)" in text
    assert "inputs.policy.fn::toJSON.a: unknown context 'region'" in text
    assert "inputs.deliveryPolicy: not an expression the adapter knows (attr, extra, ref)" in text
    assert len(err.problems) == 4


def test_every_problem_is_reported_at_once():
    plan = new_plan()
    plan.add("a", T.KMS_KEY, {"bogus": 1}, "/")
    plan.add("b", T.KMS_ALIAS, {"targetKeyId": ref("zzz", "keyId")}, "/")
    with pytest.raises(PlanError) as info:
        check_plan(plan.to_data())
    assert len(info.value.problems) == 2


def test_static_expressions_resolve_without_outputs(pulumi_mocks):
    plan = new_plan()
    plan.add("t", T.SNS_TOPIC, {"name": {"fn::join": ["-", ["a", "b"]]},
                                "policy": to_json({"Version": "2012-10-17", "Statement": []})}, "/")
    data = plan.to_data()
    created: dict = {}
    run_program(lambda: created.update(deploy_plan(data)))
    inputs = pulumi_mocks.by_name()["t"].inputs
    assert inputs == {"name": "a-b", "policy": '{"Version":"2012-10-17","Statement":[]}', "tags": TAGS}
