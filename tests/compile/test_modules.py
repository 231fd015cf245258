"""Unit tests per compile module: each spec section becomes exactly the resources and inputs it should."""

from __future__ import annotations

import pytest

from llmops_iac.compile import compile_spec
from llmops_iac.compile import tokens as T
from llmops_iac.compile.budgets import _amount
from llmops_iac.errors import SpecError
from llmops_iac.spec.validate import load_spec

HEAD = "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: unit\nspec:\n"
LLAMA = "meta-llama/Meta-Llama-3-8B-Instruct"


def plan(tmp_path, body: str, files: dict[str, str] | None = None, env: str | None = None):
    for rel, text in (files or {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    path = tmp_path / "app.yaml"
    path.write_text(HEAD + body)
    return compile_spec(load_spec(str(path), environment=env))


def test_guardrail_maps_every_filter(tmp_path):
    p = plan(tmp_path, """\
  guardrails:
    g:
      contentFilters: {hate: {input: LOW, output: MEDIUM}}
      pii: [{type: EMAIL, action: block}]
      piiRegexes: [{name: ticket, pattern: 'TCK-[0-9]+'}]
      deniedTopics: [{name: Legal advice, definition: Requests for legal advice., examples: [Can I sue?]}]
      wordFilters: {managedProfanity: false, words: [frobnicate]}
      contextualGrounding: {grounding: 0.8, relevance: 0.7}
""")
    g = p.get("guardrail-g").inputs
    filters = {f["type"]: (f["inputStrength"], f["outputStrength"]) for f in g["contentPolicyConfig"]["filtersConfigs"]}
    assert filters["HATE"] == ("LOW", "MEDIUM") and filters["INSULTS"] == ("HIGH", "HIGH")
    assert filters["PROMPT_ATTACK"] == ("HIGH", "NONE")
    assert g["sensitiveInformationPolicyConfig"] == {"piiEntitiesConfigs": [{"type": "EMAIL", "action": "BLOCK"}],
                                                     "regexesConfigs": [{"name": "ticket", "pattern": "TCK-[0-9]+", "action": "ANONYMIZE"}]}
    assert g["topicPolicyConfig"]["topicsConfigs"][0] == {"name": "Legal advice", "definition": "Requests for legal advice.",
                                                          "type": "DENY", "examples": ["Can I sue?"]}
    assert g["wordPolicyConfig"] == {"wordsConfigs": [{"text": "frobnicate"}]}
    assert g["contextualGroundingPolicyConfig"]["filtersConfigs"] == [{"type": "GROUNDING", "threshold": 0.8},
                                                                      {"type": "RELEVANCE", "threshold": 0.7}]
    assert g["kmsKeyArn"] == {"ref": "kms-key", "attr": "arn"}
    assert p.get("model-default-profile").meta["guardrails"] == ["g"]


def test_guardrail_scope(tmp_path):
    p = plan(tmp_path, """\
  models:
    a: {provider: bedrock, modelId: amazon.nova-lite-v1:0}
    b: {provider: bedrock, modelId: amazon.nova-micro-v1:0}
  guardrails:
    only-a: {appliesTo: {models: [a]}}
""")
    assert p.get("model-a-profile").meta["guardrails"] == ["only-a"]
    assert p.get("model-b-profile").meta["guardrails"] == []
    statements = {s["Sid"]: s for s in p.get("app-invoke-role-policy").inputs["policy"]["fn::toJSON"]["Statement"]}
    assert "Condition" in statements["InvokeA"] and "Condition" not in statements["InvokeB"]


@pytest.mark.parametrize("chunking,expected", [
    ("{strategy: fixed, maxTokens: 500, overlapPercent: 10}",
     {"chunkingStrategy": "FIXED_SIZE", "fixedSizeChunkingConfiguration": {"maxTokens": 500, "overlapPercentage": 10}}),
    ("{strategy: hierarchical, hierarchical: {parentMaxTokens: 1000, childMaxTokens: 200, overlapTokens: 50}}",
     {"chunkingStrategy": "HIERARCHICAL", "hierarchicalChunkingConfiguration": {
         "levelConfigurations": [{"maxTokens": 1000}, {"maxTokens": 200}], "overlapTokens": 50}}),
    ("{strategy: semantic, maxTokens: 400, semantic: {bufferSize: 1, breakpointPercentileThreshold: 90}}",
     {"chunkingStrategy": "SEMANTIC", "semanticChunkingConfiguration": {"maxToken": 400, "bufferSize": 1,
                                                                       "breakpointPercentileThreshold": 90}}),
    ("{strategy: none}", {"chunkingStrategy": "NONE"}),
])
def test_knowledge_base_chunking_and_storage(tmp_path, chunking, expected):
    p = plan(tmp_path, f"""\
  embeddings: {{e: {{provider: bedrock, modelId: amazon.titan-embed-text-v2:0, dimensions: 512}}}}
  vectorStores: {{v: {{embedding: e}}}}
  knowledgeBases:
    k: {{embedding: e, vectorStore: v, chunking: {chunking}, dataSource: {{inclusionPrefixes: [docs/]}}}}
""")
    source = p.get("kb-k-source").inputs
    assert source["vectorIngestionConfiguration"]["chunkingConfiguration"] == expected
    assert source["dataSourceConfiguration"]["s3Configuration"]["inclusionPrefixes"] == ["docs/"]
    kb = p.get("kb-k").inputs
    assert kb["storageConfiguration"] == {"type": "S3_VECTORS", "s3VectorsConfiguration": {"indexArn": {"ref": "vs-v-index", "attr": "indexArn"}}}
    assert kb["knowledgeBaseConfiguration"]["vectorKnowledgeBaseConfiguration"]["embeddingModelConfiguration"][
        "bedrockEmbeddingModelConfiguration"]["dimensions"] == 512
    assert p.get("vs-v-index").inputs["dimension"] == 512
    assert T.S3_BUCKET == p.get("kb-k-documents").type  # a private bucket is created when none is named


def test_opensearch_store_is_private_and_scoped(tmp_path):
    p = plan(tmp_path, """\
  embeddings: {e: {provider: bedrock, modelId: cohere.embed-english-v3}}
  vectorStores: {v: {type: opensearch-serverless, embedding: e, metric: euclidean, vpcEndpoints: [vpce-0123456789abcdef0]}}
  knowledgeBases: {k: {embedding: e, vectorStore: v}}
""")
    network = p.get("vs-v-network-policy").inputs["policy"]["fn::toJSON"][0]
    assert network["AllowFromPublic"] is False and network["SourceVPCEs"] == ["vpce-0123456789abcdef0"]
    access = p.get("vs-v-access-policy").inputs["policy"]["fn::toJSON"][0]
    assert access["Principal"] == [{"ref": "kb-k-role", "attr": "arn"}, {"context": "callerArn"}]
    index = p.get("vs-v-index").inputs["mappings"]["properties"]["embedding"]
    assert index["dimension"] == 1024 and index["method"]["spaceType"] == "l2"
    assert p.get("kb-k").inputs["storageConfiguration"]["type"] == "OPENSEARCH_SERVERLESS"


def test_prompt_text_and_version(tmp_path):
    p = plan(tmp_path, """\
  prompts:
    sys: {file: prompts/sys.txt, version: 4, variables: [product], model: default}
""", files={"prompts/sys.txt": "You support {{product}} customers."})
    variant = p.get("prompt-sys").inputs["variants"][0]
    assert variant["templateConfiguration"]["text"] == {"text": "You support {{product}} customers.", "inputVariables": [{"name": "product"}]}
    assert variant["modelId"] == "anthropic.claude-3-haiku-20240307-v1:0"
    assert p.get("prompt-sys-v4").inputs["promptArn"] == {"ref": "prompt-sys", "attr": "arn"}


def test_prompt_variables_must_match_the_file(tmp_path):
    with pytest.raises(SpecError) as info:
        plan(tmp_path, "  prompts:\n    sys: {file: prompts/sys.txt, version: 1, variables: [product]}\n",
             files={"prompts/sys.txt": "Hello {{customer}}"})
    [d] = info.value.diagnostics
    assert d.pointer == "/spec/prompts/sys/variables" and "customer" in d.message and d.hint == "set variables: [customer]"


def test_budget_notifications_and_filter(tmp_path):
    p = plan(tmp_path, """\
  budgets:
    monthlyUsd: 1234.5
    alertThresholdsPercent: [50, 90]
    notify: {emails: [a@example.com], snsTopicArns: ['arn:aws:sns:us-east-1:111122223333:ops']}
""", env="prod")
    b = p.get("budget").inputs
    assert b["limitAmount"] == "1234.50" and _amount(100.0) == "100"
    assert [(n["notificationType"], n["threshold"]) for n in b["notifications"]] == [("ACTUAL", 50.0), ("ACTUAL", 90.0), ("FORECASTED", 100.0)]
    assert b["notifications"][0]["subscriberSnsTopicArns"] == [{"ref": "budget-topic", "attr": "arn"}, "arn:aws:sns:us-east-1:111122223333:ops"]
    assert b["filterExpression"]["ands"][1]["tags"] == {"key": "environment", "values": ["prod"], "matchOptions": ["EQUALS"]}
    assert any(r.type == T.SNS_SUBSCRIPTION and r.inputs["endpoint"] == "a@example.com" for r in p.resources.values())


@pytest.mark.parametrize("framework,quant,expected", [
    ("tgi", "awq", {"HF_MODEL_ID": LLAMA, "HF_MODEL_QUANTIZE": "awq", "SM_NUM_GPUS": "1", "MAX_TOTAL_TOKENS": "4096"}),
    ("tgi", "none", {"DTYPE": "bfloat16"}),
    ("lmi", "fp8", {"OPTION_QUANTIZE": "fp8", "OPTION_TENSOR_PARALLEL_DEGREE": "1", "OPTION_MAX_MODEL_LEN": "4096"}),
    ("vllm", "gptq", {"SM_VLLM_MODEL": LLAMA, "SM_VLLM_QUANTIZATION": "gptq", "SM_VLLM_MAX_NUM_SEQS": "8"}),
])
def test_serving_container_environment_per_framework(tmp_path, framework, quant, expected):
    p = plan(tmp_path, f"  models:\n    m: {{provider: sagemaker, modelId: {LLAMA}, quantization: {quant}, container: {{framework: {framework}}}}}\n")
    model = p.get("endpoint-m-model-primary")
    env = model.inputs["primaryContainer"]["environment"]
    assert expected.items() <= env.items()
    assert model.meta["image"]["version"] and model.inputs["primaryContainer"]["image"].startswith("763104351884.dkr.ecr.us-east-1")


def test_endpoint_deployment_autoscaling_and_alarms(tmp_path):
    p = plan(tmp_path, f"""\
  models:
    m:
      provider: sagemaker
      modelId: {LLAMA}
      revision: abc123
      autoscaling: {{minCapacity: 2, maxCapacity: 6, targetInvocationsPerInstance: 40}}
      deployment: {{strategy: canary, canaryPercent: 20, bakeSeconds: 300, rollbackAlarms: [invocation-5xx, invocation-4xx]}}
      variants: [{{name: a, weight: 80}}, {{name: b, weight: 20, instanceType: ml.g6.2xlarge, quantization: fp8}}]
  monitoring: {{notify: {{emails: [oncall@example.com]}}}}
""")
    endpoint = p.get("endpoint-m").inputs
    routing = endpoint["deploymentConfig"]["blueGreenUpdatePolicy"]["trafficRoutingConfiguration"]
    assert routing == {"type": "CANARY", "waitIntervalInSeconds": 300, "canarySize": {"type": "CAPACITY_PERCENT", "value": 20}}
    rollback = [a["alarmName"]["ref"] for a in endpoint["deploymentConfig"]["autoRollbackConfiguration"]["alarms"]]
    assert rollback == ["endpoint-m-alarm-invocation-5xx", "endpoint-m-alarm-invocation-4xx"]
    variants = p.get("endpoint-m-config").inputs["productionVariants"]
    assert [(v["variantName"], v["instanceType"], v["initialInstanceCount"], v["initialVariantWeight"]) for v in variants] == [
        ("a", "ml.g5.2xlarge", 2, 80.0), ("b", "ml.g6.2xlarge", 2, 20.0)]
    for variant in ("a", "b"):
        target = p.get(f"endpoint-m-scaling-{variant}").inputs
        assert (target["minCapacity"], target["maxCapacity"]) == (2, 6)
        assert target["resourceId"] == f"endpoint/{endpoint['name']}/variant/{variant}"
    alarm = p.get("endpoint-m-alarm-invocation-5xx").inputs
    assert alarm["alarmActions"] == [{"ref": "alarm-topic", "attr": "arn"}]
    assert {q["id"] for q in alarm["metricQueries"]} == {"m0", "m1", "e"}


def test_single_instance_endpoint_has_no_autoscaling(tmp_path):
    p = plan(tmp_path, f"  models:\n    m: {{provider: sagemaker, modelId: {LLAMA}}}\n")
    assert not [r for r in p.resources.values() if r.type in (T.SCALING_TARGET, T.SCALING_POLICY)]


def test_invocation_logging_destinations(tmp_path):
    p = plan(tmp_path, "  monitoring: {invocationLogging: {destinations: [cloudwatch], includeContent: false}, logRetentionDays: 400}\n")
    config = p.get("invocation-logging").inputs["loggingConfig"]
    assert "s3Config" not in config and config["textDataDeliveryEnabled"] is False
    assert p.get("invocation-logs").inputs["retentionInDays"] == 400
    assert "invocation-logs-bucket" not in p.resources
    off = plan(tmp_path, "  monitoring: {invocationLogging: {enabled: false}}\n")
    assert "invocation-logging" not in off.resources
