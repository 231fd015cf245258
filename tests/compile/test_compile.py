"""The compiler: golden Plans, the Plan schema, names, tags, least privilege, errors, purity."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys

import jsonschema
import pytest
import yaml

from llmops_iac.compile import compile_spec, naming
from llmops_iac.compile import tokens as T
from llmops_iac.compile.plan import refs_in
from llmops_iac.errors import SpecError
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES, ROOT, example_files

PLAN_SCHEMA = json.loads((ROOT / "schemas" / "plan.schema.json").read_text())


def cases():
    out = []
    for path in example_files():
        data = yaml.safe_load(path.read_text())
        envs = [None] + sorted((data.get("spec") or {}).get("environments") or {})
        out += [(path, env) for env in envs]
    return out


def plan_of(path, env=None):
    return compile_spec(load_spec(str(path), environment=env))


def case_id(case):
    return f"{case[0].stem}.{case[1] or 'default'}"


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_golden_plan(case, golden):
    path, env = case
    data = plan_of(path, env).to_data()
    golden(f"plans/{case_id(case)}.json", json.dumps(data, indent=2, sort_keys=False) + "\n")


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_plan_matches_schema_and_invariants(case):
    path, env = case
    plan = plan_of(path, env)
    data = plan.to_data()
    errors = list(jsonschema.Draft202012Validator(PLAN_SCHEMA).iter_errors(data))
    assert errors == []
    standard = {"app", "owner", "costCenter", "environment", "maturityTarget", "specHash", "managedBy"}
    for r in plan.resources.values():
        if r.type in T.TAGGABLE:
            assert standard <= set(r.inputs["tags"]), r.name
            assert r.inputs["tags"]["specHash"] == plan.spec_hash
        else:
            assert "tags" not in r.inputs, r.name
        assert r.source.startswith("/"), r.name


NAME_KINDS = {
    T.IAM_ROLE: ("name", "iam-role"), T.S3_BUCKET: ("bucket", "s3-bucket"), T.GUARDRAIL: ("name", "guardrail"),
    T.KNOWLEDGE_BASE: ("name", "knowledge-base"), T.DATA_SOURCE: ("name", "data-source"), T.PROMPT: ("name", "prompt"),
    T.AOSS_COLLECTION: ("name", "aoss-collection"), T.AOSS_SECURITY_POLICY: ("name", "aoss-policy"),
    T.AOSS_ACCESS_POLICY: ("name", "aoss-policy"), T.SM_MODEL: ("name", "sagemaker"), T.SM_ENDPOINT_CONFIG: ("name", "sagemaker"),
    T.SM_ENDPOINT: ("name", "sagemaker"), T.S3_VECTOR_BUCKET: ("vectorBucketName", "s3-vector-bucket"),
    T.S3_VECTOR_INDEX: ("indexName", "s3-vector-index"), T.INFERENCE_PROFILE: ("name", "inference-profile"),
    T.DASHBOARD: ("dashboardName", "dashboard"), T.BUDGET: ("name", "budget"), T.SNS_TOPIC: ("name", "sns-topic"),
    T.LOG_GROUP: ("name", "log-group"), T.METRIC_ALARM: ("name", "alarm"), T.SCHEDULE: ("name", "schedule"),
    T.KMS_ALIAS: ("name", "kms-alias"),
}


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_physical_names_within_service_limits(case):
    plan = plan_of(*case)
    seen = {}
    for r in plan.resources.values():
        if r.type not in NAME_KINDS:
            continue
        key, kind = NAME_KINDS[r.type]
        name = r.inputs[key]
        rule = naming.RULES[kind]
        assert len(name) <= rule.max_len and re.match(rule.pattern, name), (r.name, name)
        assert (r.type, name) not in seen, f"{r.name} and {seen.get((r.type, name))} share {name}"
        seen[(r.type, name)] = r.name


def test_long_names_are_cut_with_a_hash_and_stay_deterministic():
    long = "a" * 32
    a = naming.physical("aoss-collection", long, "production", "contracts-vectors")
    b = naming.physical("aoss-collection", long, "production", "contracts-vectors")
    c = naming.physical("aoss-collection", long, "production", "contracts-vectorz")
    assert a == b and a != c and len(a) == 32 and re.match(naming.RULES["aoss-collection"].pattern, a)
    assert naming.physical("sagemaker", "app", "prod", "llama_3") == "app-prod-llama-3"
    assert naming.physical("knowledge-base", "my--app", "prod", "kb") == "my-app-prod-kb"


def _statements(plan):
    for r in plan.resources.values():
        if r.type in (T.IAM_ROLE_POLICY,):
            yield r, r.inputs["policy"]["fn::toJSON"]["Statement"]


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_least_privilege(case):
    """No Allow on "*" resources or service-wide "svc:*" actions, except ECR's login (AWS requires it)."""
    plan = plan_of(*case)
    for r, statements in _statements(plan):
        for s in statements:
            assert s["Effect"] == "Allow"
            actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
            resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
            assert not any(a == "*" or a.endswith(":*") for a in actions), (r.name, s)
            if actions == ["ecr:GetAuthorizationToken"]:
                continue
            assert "*" not in resources, (r.name, s)
            for res in resources:
                if isinstance(res, str):
                    assert not re.search(r":\*|::\*", res), (r.name, res)


def test_guarded_models_require_their_guardrail_on_invoke():
    plan = plan_of(EXAMPLES / "support-assistant.yaml", "prod")
    policy = plan.get("app-invoke-role-policy").inputs["policy"]["fn::toJSON"]
    invoke = {s["Sid"]: s for s in policy["Statement"] if s["Sid"].startswith("Invoke")}
    assert set(invoke) == {"InvokeAssistant", "InvokeTriage"}
    for s in invoke.values():
        ids = s["Condition"]["StringEquals"]["bedrock:GuardrailIdentifier"]
        assert ids and all(r["ref"].startswith("guardrail-") for i in ids for r in refs_in(i))
    # cross-region profile: the application profile, the system profile, and the model in each US region only
    resources = invoke["InvokeAssistant"]["Resource"]
    regions = sorted(r.split(":")[3] for r in resources if isinstance(r, str) and "foundation-model" in r)
    assert regions == ["us-east-1", "us-east-2", "us-west-2"]


def test_recompiling_is_stable_and_order_independent(tmp_path):
    """Reordering a spec's maps changes nothing but source lines: no resource is replaced or updated."""
    path = EXAMPLES / "document-intelligence.yaml"
    first = plan_of(path, "prod").to_data()
    data = yaml.safe_load(path.read_text())
    for section in ("models", "prompts", "guardrails"):
        data["spec"][section] = dict(reversed(list(data["spec"][section].items())))
    moved = tmp_path / "document-intelligence.yaml"
    moved.write_text(yaml.safe_dump(data, sort_keys=False))
    for sub in ("prompts", "evaluation"):  # copies: a link out of the spec's directory is refused
        shutil.copytree(EXAMPLES / sub, tmp_path / sub)
    second = plan_of(moved, "prod").to_data()
    assert first["specHash"] == second["specHash"]  # the hash is of canonical data, not of the text

    def strip(plan):
        out = {}
        for r in plan["resources"]:
            inputs = copy.deepcopy(r["inputs"])
            inputs.get("tags", {}).pop("specHash", None)
            out[r["name"]] = (r["type"], inputs, r.get("dependsOn"))
        return out

    assert strip(first) == strip(second)
    assert plan_of(path, "prod").to_data() == first  # and compiling twice is byte-identical


def test_model_change_renames_immutable_resources_but_not_the_endpoint(tmp_path):
    path = EXAMPLES / "self-hosted-llama.yaml"
    before = plan_of(path, "prod")
    data = yaml.safe_load(path.read_text())
    data["spec"]["models"]["llama3-8b"]["maxContextTokens"] = 4096
    changed = tmp_path / "llama.yaml"
    changed.write_text(yaml.safe_dump(data, sort_keys=False))
    for sub in ("prompts", "evaluation"):  # copies: a link out of the spec's directory is refused
        shutil.copytree(EXAMPLES / sub, tmp_path / sub)
    after = plan_of(changed, "prod")
    assert set(before.resources) == set(after.resources)
    for name in ("endpoint-llama3-8b-config",):
        assert before.get(name).inputs["name"] != after.get(name).inputs["name"]
    assert before.get("endpoint-llama3-8b").inputs["name"] == after.get("endpoint-llama3-8b").inputs["name"]


MINIMAL = "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: t\nspec:\n"


@pytest.mark.parametrize("body,pointer,needle", [
    ("  embeddings: {e: {provider: bedrock, modelId: amazon.titan-embed-text-v2:0}}\n"
     "  vectorStores: {v: {type: s3-vectors, embedding: e, publicAccess: true}}\n", "/spec/vectorStores/v/publicAccess", "opensearch-serverless"),
    ("  models: {m: {provider: sagemaker, modelId: meta-llama/Meta-Llama-3-8B-Instruct, instanceType: ml.inf2.xlarge}}\n",
     "/spec/models/m/instanceType", "Inferentia"),
    ("  models: {m: {provider: sagemaker, modelId: meta-llama/Meta-Llama-3-8B-Instruct, tensorParallelDegree: 4}}\n",
     "/spec/models/m/tensorParallelDegree", "has 1"),
    ("  models: {m: {provider: sagemaker, modelId: meta-llama/Meta-Llama-3-8B-Instruct, container: {version: '9.9.9'}}}\n",
     "/spec/models/m/instanceType", "9.9.9"),
    ("  models: {m: {provider: sagemaker, modelId: meta-llama/Meta-Llama-3-8B-Instruct}}\n"
     "  monitoring: {alarms: [{name: x, metric: throttles, threshold: 1}]}\n", "/spec/monitoring/alarms/0/metric", "not measured"),
    ("  models: {m: {provider: sagemaker, modelId: meta-llama/Meta-Llama-3-8B-Instruct, instanceType: ml.zz9.xlarge}}\n",
     "/spec/models/m/instanceType", "accelerators"),
])
def test_unsupported_combinations_fail_at_the_spec_line(tmp_path, body, pointer, needle):
    path = tmp_path / "app.yaml"
    path.write_text(MINIMAL + body)
    with pytest.raises(SpecError) as info:
        plan_of(path)
    [d] = [d for d in info.value.diagnostics if d.pointer == pointer]
    assert needle in d.message and d.line > 5 and d.hint


def test_compile_path_never_imports_pulumi_or_sagemaker():
    code = ("import sys; from llmops_iac.cli import main; sys.argv=['llmops-iac','plan','examples/self-hosted-llama.yaml','--out','-'];\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_aws', 'pulumi_aws_native', 'sagemaker', 'boto3'))\n"
            "print('IMPORTED', bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "IMPORTED []" in out.stdout, out.stdout + out.stderr


def test_minimal_spec_is_a_secure_application():
    plan = plan_of(EXAMPLES / "minimal.yaml")
    types = {r.type for r in plan.resources.values()}
    assert {T.KMS_KEY, T.GUARDRAIL, T.GUARDRAIL_VERSION, T.INFERENCE_PROFILE, T.INVOCATION_LOGGING, T.BUDGET, T.LOG_GROUP} <= types
    key = plan.get("kms-key").inputs
    assert key["enableKeyRotation"] is True
    assert plan.get("invocation-logs").inputs["retentionInDays"] >= 180
    assert plan.get("model-default-profile").meta["guardrails"] == ["default"]


def test_plan_cli_writes_json_and_prints_the_table(invoke, tmp_path):
    out = tmp_path / "plan.json"
    result = invoke("plan", str(EXAMPLES / "support-assistant.yaml"), "--stack", "prod", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "bedrock/Guardrail" in result.output and "support-assistant.yaml:" in result.output
    data = json.loads(out.read_text())
    assert data["environment"] == "prod" and len(data["resources"]) == result.output.count("\n") - 4
    as_json = invoke("plan", str(EXAMPLES / "minimal.yaml"), "--format", "json", "--out", "-")
    assert json.loads(as_json.output)["app"] == "hello-llm"
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL + "  models: {m: {provider: sagemaker, modelId: a/b, instanceType: ml.inf2.xlarge}}\n")
    failed = invoke("plan", str(bad), "--out", str(tmp_path / "never.json"))
    assert failed.exit_code == 2 and "Inferentia" in failed.output and not (tmp_path / "never.json").exists()


def test_check_runs_compile(invoke):
    result = invoke("check", str(EXAMPLES))
    assert result.exit_code == 0 and "stages: load, validate, compile" in result.output


def test_copy_is_independent():
    plan = plan_of(EXAMPLES / "minimal.yaml")
    data = plan.to_data()
    copy.deepcopy(data)["resources"][0]["inputs"]["x"] = 1
    assert "x" not in plan.to_data()["resources"][0]["inputs"]


def test_the_policy_view_of_a_plan_leaves_out_only_what_no_rule_reads():
    """plan.policy_data() (the policy input): standard tags, dashboard bodies and stack outputs are left out,
    everything else is the Plan's own data; a resource with tags of its own keeps them."""
    plan = plan_of(EXAMPLES / "document-intelligence.yaml", "prod")
    full, policy = plan.to_data(), plan.policy_data()
    assert "outputs" not in policy and policy["tags"] == full["tags"]
    assert [r["name"] for r in policy["resources"]] == [r["name"] for r in full["resources"]]
    for whole, seen in zip(full["resources"], policy["resources"]):
        dropped = set(whole["inputs"]) - set(seen["inputs"])
        assert dropped <= {"tags", "dashboardBody"}
        if "tags" in dropped:
            assert whole["inputs"]["tags"] == dict(sorted(plan.tags.items()))
        assert {k: v for k, v in whole.items() if k != "inputs"} == {k: v for k, v in seen.items() if k != "inputs"}
        assert {k: whole["inputs"][k] for k in seen["inputs"]} == seen["inputs"]
    own = next(r for r in plan.resources.values() if "tags" in r.inputs)
    own.inputs["tags"] = {**own.inputs["tags"], "team": "search"}
    kept = next(r for r in plan.policy_data()["resources"] if r["name"] == own.name)
    assert kept["inputs"]["tags"]["team"] == "search"
