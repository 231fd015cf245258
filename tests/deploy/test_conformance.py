"""Provider conformance: every Plan input, nested keys and value kinds included, against pulumi_aws / pulumi_aws_native.

The checker (llmops_iac/deploy/conformance.py) is attacked first: a wrong nested key, a list where an object is
required, an object where a list is required, a string where a number is required, and the other ways a value can
miss its input type, must each be caught with the resource, the path and what is allowed. Then every example ×
environment and a sample of the benchmark corpus that covers every branch of bench/generate.py must conform.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from llmops_iac.compile import compile_spec
from llmops_iac.compile import tokens as T
from llmops_iac.compile.plan import context, join, ref, to_json
from llmops_iac.deploy import conformance
from llmops_iac.deploy.adapter import PlanError
from llmops_iac.deploy.conformance import CONDITIONALLY_REQUIRED, Mismatch, check_plan_conformance, require_conformance
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES, ROOT, example_files

S3_WEIGHTS = {"s3Uri": "s3://acme-models/llama/0123/", "s3DataType": "S3Prefix", "compressionType": "None"}


def _model(**container: Any) -> dict[str, Any]:
    """A Plan with an execution role and one SageMaker model whose primaryContainer is ``container``."""
    return {"resources": [
        {"name": "role", "type": T.IAM_ROLE, "inputs": {"assumeRolePolicy": to_json({"Version": "2012-10-17"})}},
        {"name": "llama-model", "type": T.SM_MODEL, "inputs": {
            "executionRoleArn": ref("role", "arn"),
            "primaryContainer": {"image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/tgi:3", **container}}},
    ]}


def _only(plan: dict[str, Any]) -> Mismatch:
    found = check_plan_conformance(plan)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


# --- the checker, attacked -------------------------------------------------------------------------------------------

def test_a_conforming_model_passes():
    assert check_plan_conformance(_model(modelDataSource={"s3DataSources": [S3_WEIGHTS]})) == []


def test_wrong_nested_key_is_caught_with_resource_path_and_allowed_keys():
    found = check_plan_conformance(_model(modelDataSource={"s3DataSource": S3_WEIGHTS}))
    text = "\n".join(map(str, found))
    assert "resource 'llama-model' (aws:sagemaker/model:Model): primaryContainer.modelDataSource.s3DataSource: " \
           "unknown key 's3DataSource'; ModelPrimaryContainerModelDataSourceArgs takes: s3DataSources" in text
    assert "primaryContainer.modelDataSource.s3DataSources: missing" in text  # and the property it should have been
    assert {m.resource for m in found} == {"llama-model"} and {m.token for m in found} == {T.SM_MODEL}


def test_unknown_key_lists_every_allowed_key_of_the_nested_type():
    m = _only(_model(imageConfig={"repositoryAccessMode": "Platform", "repositoryAuth": {}}))
    assert m.path == "primaryContainer.imageConfig.repositoryAuth"
    assert "ModelPrimaryContainerImageConfigArgs takes: repositoryAccessMode, repositoryAuthConfig" in m.problem


def test_unknown_top_level_key_is_caught():
    plan = _model()
    plan["resources"][1]["inputs"]["executionRole"] = "arn:aws:iam::123456789012:role/x"
    m = _only(plan)
    assert m.path == "executionRole" and "ModelArgs takes: " in m.problem and "executionRoleArn" in m.problem


def test_list_given_where_an_object_is_required():
    plan = _model()
    plan["resources"][1]["inputs"]["primaryContainer"] = [plan["resources"][1]["inputs"]["primaryContainer"]]
    m = _only(plan)
    assert m.path == "primaryContainer"
    assert m.problem == "a list, where the provider wants an object (ModelPrimaryContainerArgs)"


def test_object_given_where_a_list_is_required():
    m = _only(_model(modelDataSource={"s3DataSources": S3_WEIGHTS}))
    assert m.path == "primaryContainer.modelDataSource.s3DataSources"
    assert m.problem.startswith("an object, where the provider wants a list (each item an object "
                                "(ModelPrimaryContainerModelDataSourceS3DataSourceArgs))")


def test_string_given_where_a_number_is_required():
    plan = {"resources": [{"name": "alarm", "type": T.METRIC_ALARM, "inputs": {
        "comparisonOperator": "GreaterThanThreshold", "evaluationPeriods": "3", "threshold": 1}}]}
    m = _only(plan)
    assert (m.resource, m.token, m.path) == ("alarm", T.METRIC_ALARM, "evaluationPeriods")
    assert m.problem == "a string ('3'), where the provider wants an integer"


@pytest.mark.parametrize("value,wanted", [
    (True, "an integer"),     # a bool is not an int, although Python says it is
    (3.5, "an integer"),      # nor is a float
    (None, "null"),           # the SDK would drop it
    ([3], "an integer"),
])
def test_other_values_where_an_integer_is_required(value, wanted):
    plan = {"resources": [{"name": "alarm", "type": T.METRIC_ALARM, "inputs": {
        "comparisonOperator": "GreaterThanThreshold", "evaluationPeriods": value}}]}
    m = _only(plan)
    assert m.path == "evaluationPeriods" and wanted in m.problem


def test_a_number_where_a_bool_is_required_and_an_int_where_a_float_is_fine():
    plan = {"resources": [{"name": "alarm", "type": T.METRIC_ALARM, "inputs": {
        "comparisonOperator": "GreaterThanThreshold", "evaluationPeriods": 3, "threshold": 80,
        "actionsEnabled": 1}}]}
    m = _only(plan)
    assert m.path == "actionsEnabled" and m.problem == "an integer (1), where the provider wants true or false"


def test_a_string_enum_must_be_one_of_its_values():
    plan = {"resources": [{"name": "index", "type": T.AOSS_INDEX, "inputs": {
        "collectionEndpoint": "https://x.us-east-1.aoss.amazonaws.com", "indexName": "docs",
        "mappings": {"properties": {"text": {"type": "txt"}}}}}]}
    m = _only(plan)
    assert m.path == "mappings.properties.text.type"
    assert m.problem == "'txt' is not one of 'text', 'knn_vector', 'keyword', 'integer' (IndexPropertyMappingType)"


def test_a_mapping_value_of_the_wrong_kind_is_caught_at_its_key():
    m = _only(_model(environment={"SM_NUM_GPUS": 1}))
    assert m.path == "primaryContainer.environment.SM_NUM_GPUS" and "where the provider wants a string" in m.problem


def test_a_missing_required_property_is_caught():
    m = _only(_model(modelDataSource={"s3DataSources": [{"s3Uri": "s3://a/b/", "s3DataType": "S3Prefix"}]}))
    assert m.path == "primaryContainer.modelDataSource.s3DataSources[0].compressionType"
    assert m.problem.startswith("missing: ModelPrimaryContainerModelDataSourceS3DataSourceArgs requires 'compressionType'")


def test_an_expression_counts_as_the_kind_it_produces():
    ok = _model(environment={"ROLE": ref("role", "arn"), "WHO": context("accountId"),
                             "URL": join("https://", ref("role", "name"), "/x")})
    assert check_plan_conformance(ok) == []
    # A string-producing expression where an object is wanted, and a list-typed output where a string is wanted.
    bad = _model(modelDataSource=join("s3://", ref("role", "name")), containerHostname=ref("role", "managedPolicyArns"))
    found = {m.path: m.problem for m in check_plan_conformance(bad)}
    assert found == {
        "primaryContainer.modelDataSource": "fn::join produces a string, where the provider wants an object "
                                            "(ModelPrimaryContainerModelDataSourceArgs)",
        "primaryContainer.containerHostname": "ref produces a list (each item any JSON value), where the provider "
                                              "wants a string",
    }


def test_a_reference_to_an_unknown_output_or_resource_is_caught():
    found = {m.path: m.problem for m in check_plan_conformance(
        _model(image=ref("role", "arnn"), containerHostname=ref("nobody", "arn")))}
    assert found["primaryContainer.image"] == "'role' (aws:iam/role:Role) has no output 'arnn'"
    assert "not a Plan resource" in found["primaryContainer.containerHostname"]


def test_a_union_reports_the_alternative_of_the_values_own_kind():
    # assumeRolePolicy is a JSON string or a PolicyDocumentArgs object (whose engine names are Statement and Version):
    # a plain dict is judged as that object.
    plan = {"resources": [{"name": "role", "type": T.IAM_ROLE, "inputs": {
        "assumeRolePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*"}]}}}]}
    assert check_plan_conformance(plan) == []
    plan["resources"][0]["inputs"]["assumeRolePolicy"] = {"version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}
    found = {m.path: m.problem for m in check_plan_conformance(plan)}
    assert found == {
        "assumeRolePolicy.version": "unknown key 'version'; PolicyDocumentArgs takes: Id, Statement, Version",
        "assumeRolePolicy.Version": "missing: PolicyDocumentArgs requires 'Version' (one of '2012-10-17', '2008-10-17')",
        "assumeRolePolicy.Statement[0].Effect": "'Maybe' is not one of 'Allow', 'Deny' (PolicyStatementEffect)",
    }
    plan["resources"][0]["inputs"]["assumeRolePolicy"] = 7
    m = _only(plan)
    assert m.problem == "an integer (7), where the provider wants a string or an object (PolicyDocumentArgs)"


def test_an_unknown_type_token_is_a_mismatch():
    m = _only({"resources": [{"name": "x", "type": "aws:sagemaker/modell:Model", "inputs": {}}]})
    assert m.problem == "unknown type token 'aws:sagemaker/modell:Model'"


@pytest.mark.parametrize("annotation", [pulumi.Asset, list, "ForwardRefNobodyResolved", dict[int, str], set[str]])
def test_an_unknown_annotation_fails_strict(annotation):
    shape = conformance.shape_of(annotation)
    found = conformance.check_value(annotation, "anything", "somewhere")
    assert isinstance(shape, conformance._Unsupported)
    assert found and "annotation the conformance check does not know" in found[0][1]


def test_an_unknown_annotation_nested_in_a_known_one_fails_strict():
    found = conformance.check_value(dict[str, pulumi.Archive], {"a": "b"}, "x")
    assert found and found[0][0] == "x.a"


def test_any_accepts_json_and_only_json():
    assert conformance.check_value(Any, {"a": [1, 2.5, None, True, {"b": "c"}]}, "x") == []
    assert conformance.check_value(Any, {"a": {1, 2}}, "x") == [("x.a", "a set is not a JSON value")]
    assert conformance.check_value(dict[str, Any], [1], "x") == [
        ("x", "a list, where the provider wants a mapping (each value any JSON value)")]


def test_a_malformed_expression_is_caught():
    m = _only(_model(image={"ref": "role", "attr": "arn", "extra": 1}))
    assert m.path == "primaryContainer.image" and "not an expression the adapter knows" in m.problem


def test_require_conformance_raises_a_plan_error_listing_every_mismatch():
    plan = _model(modelDataSource={"s3DataSource": S3_WEIGHTS}, environment={"X": 1})
    with pytest.raises(PlanError) as info:
        require_conformance(plan)
    assert len(info.value.problems) == 3
    assert all(p.startswith("resource 'llama-model' (aws:sagemaker/model:Model): primaryContainer.")
               for p in info.value.problems)
    require_conformance(_model())  # and a conforming Plan passes


@pytest.mark.parametrize("option", ["replaceOnChanges", "ignoreChanges"])
def test_option_property_paths_must_name_an_input(option):
    """Pulumi silently ignores a replaceOnChanges/ignoreChanges path that names no property."""
    plan = {"resources": [{"name": "cfg", "type": T.SM_ENDPOINT_CONFIG, "inputs": {
        "productionVariants": [{"modelName": "m", "instanceType": "ml.g5.2xlarge", "initialInstanceCount": 1}]},
        "options": {option: ["productionVariants[*].initialInstanceCount", "productionVariants[0].instanceType",
                             "tags[\"app\"]", "*"]}}]}
    assert check_plan_conformance(plan) == []
    plan["resources"][0]["options"][option] = [
        "productionVariants[*].initialInstanceCnt",  # a typo
        "productionVariants.initialInstanceCount",   # a list stepped into without an index
        "name[0]",                                   # a string indexed
    ]
    found = {m.path: m.problem for m in check_plan_conformance(plan)}
    assert found[f"options.{option}[0]"].startswith(
        "'productionVariants[*].initialInstanceCnt': productionVariants[*] has no property 'initialInstanceCnt'; "
        "EndpointConfigurationProductionVariantArgs takes: ")
    assert "productionVariants is a list" in found[f"options.{option}[1]"]
    assert found[f"options.{option}[2]"] == "'name[0]': name is a string, not a list, so [0] names nothing"


# --- the one documented exception to the SDK's required list ---------------------------------------------------------

def _vector_bucket(encryption: dict[str, Any]) -> dict[str, Any]:
    return {"resources": [{"name": "vb", "type": T.S3_VECTOR_BUCKET, "inputs": {
        "vectorBucketName": "demo", "encryptionConfigurations": [encryption]}}]}


def test_each_conditionally_required_property_is_still_marked_required_by_the_sdk():
    """When the SDK stops marking one required, the entry is stale: remove it (the plain required check takes over)."""
    for (qualified, key), (other, _) in CONDITIONALLY_REQUIRED.items():
        module, name = qualified.rsplit(".", 1)
        cls = getattr(sys.modules.get(module) or __import__(module, fromlist=[name]), name)
        assert key in conformance.required(cls), f"{qualified}.{key} is no longer required by the SDK"
        assert other in conformance.properties(cls)


def test_vector_bucket_kms_key_is_required_with_kms_and_refused_without():
    assert check_plan_conformance(_vector_bucket({"sseType": "aws:kms", "kmsKeyArn": "arn:aws:kms:::key/x"})) == []
    assert check_plan_conformance(_vector_bucket({"sseType": "AES256"})) == []
    m = _only(_vector_bucket({"sseType": "aws:kms"}))
    assert m.path == "encryptionConfigurations[0].kmsKeyArn" and "requires 'kmsKeyArn' when sseType is 'aws:kms'" \
        in m.problem
    m = _only(_vector_bucket({"sseType": "AES256", "kmsKeyArn": "arn:aws:kms:::key/x"}))
    assert m.problem == "'kmsKeyArn' is allowed only when sseType is 'aws:kms', not 'AES256'"
    found = {m.path: m.problem for m in check_plan_conformance(_vector_bucket({"kmsKeyArn": "arn:aws:kms:::key/x"}))}
    assert found == {
        "encryptionConfigurations[0].kmsKeyArn": "'kmsKeyArn' is allowed only when sseType is 'aws:kms', not None",
        "encryptionConfigurations[0].sseType": "missing: VectorsVectorBucketEncryptionConfigurationArgs requires "
                                               "'sseType' (a string)",
    }


# --- every example × environment -------------------------------------------------------------------------------------

def _environments(path: Path) -> list[str | None]:
    declared = ((yaml.safe_load(path.read_text()) or {}).get("spec") or {}).get("environments") or {}
    return [None, *sorted(declared)]


EXAMPLE_CASES = [pytest.param(p, env, id=f"{p.stem}.{env or 'default'}")
                 for p in example_files() for env in _environments(p)]


def _mismatches(path: Path, environment: str | None) -> list[str]:
    plan = compile_spec(load_spec(str(path), environment=environment)).to_data()
    return [str(m) for m in check_plan_conformance(plan)]


@pytest.mark.parametrize("path,environment", EXAMPLE_CASES)
def test_every_example_conforms_in_every_environment(path, environment):
    found = _mismatches(path, environment)
    assert found == [], "the Plan does not fit the provider's input types:\n" + "\n".join(found)


def test_the_examples_exercise_every_resource_type_the_compiler_emits():
    """Conformance over the examples means something only if they hold every type the adapter registers."""
    from llmops_iac.deploy.adapter import TYPES

    seen = {r["type"] for p, env in ((c.values[0], c.values[1]) for c in EXAMPLE_CASES)
            for r in compile_spec(load_spec(str(p), environment=env)).to_data()["resources"]}
    assert seen == set(TYPES)


# --- spec features neither the examples nor the corpus reach ----------------------------------------------------------

def _llama(doc: dict) -> dict:
    return doc["spec"]["models"]["llama3-8b"]


def _contracts(doc: dict) -> dict:
    return doc["spec"]["knowledgeBases"]["contracts"]


def _secret(doc: dict) -> None:
    doc["spec"]["secrets"] = {"vendor-api": {
        "arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:vendor-api-AbCdEf"}}
    _llama(doc)["container"]["environment"]["VENDOR_API"] = {"secret": "vendor-api"}


FEATURES = {
    # Compiler branches found unexercised by tracing compile/ over the examples, the corpus and the rule fixtures:
    # feature -> (how the example's spec turns it on, a fragment its Plan then holds).
    "self-hosted-llama": {
        "model-vpc": (lambda d: _llama(d).update(vpc={"subnetIds": ["subnet-0a1b2c3d", "subnet-0a1b2c3e"],
                                                      "securityGroupIds": ["sg-0a1b2c3d"]}), '"vpcConfig": {'),
        "container-lmi": (lambda d: _llama(d).update(container={"framework": "lmi"}), '"OPTION_ROLLING_BATCH": "auto"'),
        "container-vllm": (lambda d: _llama(d).update(container={"framework": "vllm"}), '"SM_VLLM_MODEL": '),
        "container-secret": (_secret, '"VENDOR_API_SECRET_ARN": "arn:aws:secretsmanager:'),
        "sagemaker-embedding": (lambda d: d["spec"].update(embeddings={"bge": {
            "provider": "sagemaker", "modelId": "BAAI/bge-large-en-v1.5", "dimensions": 1024,
            "revision": "d4aa6901d3a41ba39fb536a557fa166f842b0e09"}}), '"name": "embedding-bge-model"'),
    },
    "document-intelligence": {
        "chunking-hierarchical-sized": (lambda d: _contracts(d).update(chunking={
            "strategy": "hierarchical", "hierarchical": {"parentMaxTokens": 1200, "childMaxTokens": 200,
                                                         "overlapTokens": 40}}), '"overlapTokens": 40'),
        "chunking-semantic": (lambda d: _contracts(d).update(chunking={"strategy": "semantic"}),
                              '"chunkingStrategy": "SEMANTIC"'),
        "chunking-semantic-sized": (lambda d: _contracts(d).update(chunking={
            "strategy": "semantic", "maxTokens": 500, "semantic": {"bufferSize": 1, "breakpointPercentileThreshold": 90}}),
            '"breakpointPercentileThreshold": 90'),
        "chunking-none": (lambda d: _contracts(d).update(chunking={"strategy": "none"}), '"chunkingStrategy": "NONE"'),
        "chunking-fixed": (lambda d: _contracts(d).update(chunking={"strategy": "fixed", "maxTokens": 400,
                                                                    "overlapPercent": 10}), '"overlapPercentage": 10'),
    },
}
FEATURE_CASES = [pytest.param(example, feature, id=f"{example}.{feature}")
                 for example, features in FEATURES.items() for feature in features]


@pytest.fixture(scope="module")
def examples_copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("conformance") / "examples"
    shutil.copytree(EXAMPLES, target)
    return target


@pytest.mark.parametrize("example,feature", FEATURE_CASES)
def test_spec_features_beyond_the_examples_conform(example, feature, examples_copy):
    turn_on, fragment = FEATURES[example][feature]
    doc = yaml.safe_load((EXAMPLES / f"{example}.yaml").read_text())
    turn_on(doc)
    path = examples_copy / f"{example}.{feature}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    plan = compile_spec(load_spec(str(path), environment="prod")).to_data()
    assert fragment in json.dumps(plan), f"{feature} did not reach the Plan"
    found = [str(m) for m in check_plan_conformance(plan)]
    assert found == [], "the Plan does not fit the provider's input types:\n" + "\n".join(found)


# --- the benchmark corpus --------------------------------------------------------------------------------------------

CORPUS_COUNT, CORPUS_SEED = 40, 7
"""The first 40 specs of seed 7 reach every branch of bench/generate.py (checked below; all are reached by spec 27).
The full 1,000-spec corpus (3,211 Plans, ~45-70 s) was checked once by hand: before the s3DataSources fix, 1,355
self-hosted models sent modelDataSource.s3DataSource; after it, no mismatch (nor in the 149 rule-fixture Plans)."""


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _branches(path: Path, generator, base_envs: dict[str, set[str]]) -> set[str]:
    """The branches of bench/generate.py's vary() that produced this spec."""
    text = path.read_text()
    base = re.search(r"from examples/([\w-]+)\.yaml", text).group(1)
    doc = yaml.safe_load(text)
    spec = doc.get("spec") or {}
    out = {f"base:{base}"}
    if base == "minimal":
        out.add(f"minimal-owner:{'owner' in doc['metadata']}")
    for model in (spec.get("models") or {}).values():
        if model.get("provider") == "sagemaker":
            out |= {f"open-model:{model['modelId']}", f"variants:{bool(model.get('variants'))}"}
        else:
            out.add(f"bedrock-profiled:{model.get('crossRegionInference', 'none') != 'none'}")
    for store in (spec.get("vectorStores") or {}).values():
        out |= {f"store:{store['type']}", f"encryption:{store.get('encryption')}"}
        if store["type"] == "opensearch-serverless":
            out.add(f"standby:{store.get('standbyReplicas')}")
            if base == "support-assistant":
                out.add("store:s3-vectors-became-opensearch")
    envs = set(spec.get("environments") or {})
    if "staging" in envs - base_envs[base]:
        out.add("env:staging-added")
    if "dev" in base_envs[base] - envs:
        out.add("env:dev-dropped")
    return out


def _every_branch(generator) -> set[str]:
    return ({f"base:{name}" for name, _ in generator.BASES} | {"minimal-owner:True", "minimal-owner:False"}
            | {f"open-model:{m}" for m, _, _ in generator.OPEN_MODELS} | {"variants:True", "variants:False"}
            | {"bedrock-profiled:True", "bedrock-profiled:False"}
            | {"store:s3-vectors", "store:opensearch-serverless", "store:s3-vectors-became-opensearch"}
            | {"encryption:customer-managed", "encryption:aws-owned", "standby:True", "standby:False"}
            | {"env:staging-added", "env:dev-dropped"})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    generator = _generator()
    paths = generator.generate(tmp_path_factory.mktemp("conformance") / "corpus", count=CORPUS_COUNT, seed=CORPUS_SEED)
    return generator, paths


def test_the_corpus_sample_reaches_every_generator_branch(corpus):
    generator, paths = corpus
    base_envs = {name: set((generator._load(name).get("spec") or {}).get("environments") or {})
                 for name, _ in generator.BASES}
    reached = set().union(*(_branches(p, generator, base_envs) for p in paths))
    assert _every_branch(generator) - reached == set(), "raise CORPUS_COUNT until the sample reaches every branch"


def test_the_benchmark_corpus_conforms(corpus):
    _, paths = corpus
    found = [f"{p.parent.name}.{env or 'default'}: {m}" for p in paths for env in _environments(p)
             for m in _mismatches(p, env)]
    assert found == [], f"{len(found)} mismatches:\n" + "\n".join(found[:40])


# --- each fix, pinned ------------------------------------------------------------------------------------------------

def test_self_hosted_models_read_their_weights_from_an_s3_data_sources_list():
    """Was primaryContainer.modelDataSource.s3DataSource (an object): the provider has only s3DataSources (a list)."""
    plan = compile_spec(load_spec(str(EXAMPLES / "self-hosted-llama.yaml"), environment="prod")).to_data()
    models = [r for r in plan["resources"] if r["type"] == T.SM_MODEL and r["meta"].get("modelDataUrl")]
    assert models
    for model in models:
        assert model["inputs"]["primaryContainer"]["modelDataSource"] == {"s3DataSources": [{
            "s3Uri": model["meta"]["modelDataUrl"], "s3DataType": "S3Prefix", "compressionType": "None"}]}


def test_aws_owned_s3_vector_buckets_send_no_kms_key(examples_copy):
    """The provider allows kmsKeyArn only with aws:kms; the compiler sends none for an S3-managed key."""
    spec_file = examples_copy / "support-assistant.aws-owned.yaml"
    shutil.copy(EXAMPLES / "support-assistant.yaml", spec_file)
    doc = yaml.safe_load(spec_file.read_text())
    for store in doc["spec"]["vectorStores"].values():
        store["encryption"] = "aws-owned"
    spec_file.write_text(yaml.safe_dump(doc, sort_keys=False))
    plan = compile_spec(load_spec(str(spec_file), environment="prod")).to_data()
    buckets = [r for r in plan["resources"] if r["type"] == T.S3_VECTOR_BUCKET]
    assert buckets and all(b["inputs"]["encryptionConfigurations"] == [{"sseType": "AES256"}] for b in buckets)
    assert check_plan_conformance(plan) == []


def test_the_checker_signature_reads_required_from_keyword_only_arguments():
    """``required`` reads ``__init__``'s keyword-only arguments without defaults: pin that SDK convention."""
    from pulumi_aws.sagemaker import ModelArgs

    params = inspect.signature(ModelArgs.__init__).parameters
    assert all(p.kind is p.KEYWORD_ONLY for n, p in params.items() if n != "__self__")
    assert conformance.required(ModelArgs) == ("executionRoleArn",)
