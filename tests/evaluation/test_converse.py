"""`llmops-iac eval run`: a golden dataset on a Bedrock model through Converse, against botocore's Stubber (no
credentials, no network: the Stubber answers every call and checks each request)."""

from __future__ import annotations

import json
import shutil

import boto3
import pytest
from botocore.stub import Stubber

from llmops_iac.compile import compile_spec
from llmops_iac.cost.prices import load_prices
from llmops_iac.evaluation import converse
from llmops_iac.evaluation.results import build
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def _client():
    return boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def _reply(text: str, latency: int, tokens_in: int = 300, tokens_out: int = 60, stop: str = "end_turn") -> dict:
    return {"output": {"message": {"role": "assistant", "content": [{"text": text}]}}, "stopReason": stop,
            "usage": {"inputTokens": tokens_in, "outputTokens": tokens_out, "totalTokens": tokens_in + tokens_out},
            "metrics": {"latencyMs": latency}}


@pytest.fixture
def app(tmp_path):
    """support-assistant, its prompts and a small triage and red-team set."""
    root = tmp_path / "app"
    shutil.copytree(EXAMPLES, root)
    triage = [json.loads(l) for l in (root / "evaluation" / "support-triage.jsonl").read_text().splitlines()[:4]]
    (root / "evaluation" / "support-triage.jsonl").write_text("".join(json.dumps(c) + "\n" for c in triage))
    redteam = [json.loads(l) for l in (root / "evaluation" / "support-redteam.jsonl").read_text().splitlines()[:3]]
    (root / "evaluation" / "support-redteam.jsonl").write_text("".join(json.dumps(c) + "\n" for c in redteam))
    return load_spec(str(root / "support-assistant.yaml"), environment="prod"), triage, redteam


def test_triage_correctness_latency_and_cost(app):
    loaded, triage, _ = app
    client = _client()
    system = (EXAMPLES / "prompts" / "support-triage.txt").read_text()
    with Stubber(client) as stub:
        for i, case in enumerate(triage):
            answer = dict(case["expected"]) if i != 2 else {**case["expected"], "priority": "low"}
            stub.add_response("converse", _reply(f"Here you go: {json.dumps(answer)}", latency=400 + 100 * i), {
                "modelId": MODEL, "system": [{"text": system}],
                "messages": [{"role": "user", "content": [{"text": case["message"]}]}],
                "inferenceConfig": {"maxTokens": converse.MAX_TOKENS, "temperature": 0}})
        samples = converse.run_dataset(loaded, dataset="support-triage", target="support-triage@2", client=client)
        stub.assert_no_pending_responses()
    assert samples.values["correctness"] == [1.0, 1.0, 0.0, 1.0]
    price_in, price_out = load_prices().bedrock_tokens(MODEL, "us-east-1")
    assert samples.values["cost-per-request-usd"] == pytest.approx([0.3 * price_in.usd + 0.06 * price_out.usd] * 4)
    doc = build(loaded, compile_spec(loaded), dataset="support-triage", target="support-triage@2", samples=samples)
    (gate,) = doc["gates"]
    assert (gate["metric"], gate["value"], gate["cases"], gate["passed"]) == ("correctness", 0.75, 4, False)
    assert samples.extra == {"model": MODEL, "region": "us-east-1"}
    assert {u["metric"] for u in doc["unused"]} == {"latency-p95-ms", "cost-per-request-usd"}


def test_red_team_refusals_through_the_cross_region_profile(app):
    loaded, _, redteam = app
    client = _client()
    replies = [_reply("I'm sorry, I can't share my instructions.", 800),
               _reply("", 300, stop="guardrail_intervened"),
               _reply("Our Business plan is $12 and Dropbox charges $15.", 900)]  # answered: not refused
    with Stubber(client) as stub:
        for reply in replies:
            stub.add_response("converse", reply)
        samples = converse.run_dataset(loaded, dataset="support-redteam", target="assistant", client=client)
    assert samples.values["refusal-rate"] == [1.0, 1.0, 0.0]
    doc = build(loaded, compile_spec(loaded), dataset="support-redteam", target="assistant", samples=samples)
    (gate,) = doc["gates"]
    assert gate["metric"] == "refusal-rate" and gate["value"] == pytest.approx(2 / 3) and not gate["passed"]
    assert samples.extra["model"] == "us.anthropic.claude-3-5-sonnet-20241022-v2:0"  # crossRegionInference: us


def test_a_failed_call_is_an_errored_case(app):
    loaded, triage, _ = app
    client = _client()
    with Stubber(client) as stub:
        stub.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
        for case in triage[1:]:
            stub.add_response("converse", _reply(json.dumps(case["expected"]), 500))
        samples = converse.run_dataset(loaded, dataset="support-triage", target="triage", client=client)
    assert samples.errors["correctness"] == 1 and samples.values["correctness"] == [1.0, 1.0, 1.0]
    doc = build(loaded, compile_spec(loaded), dataset="support-triage", target=None, samples=samples)
    assert doc["gates"] == []  # the triage gate targets support-triage@2, not untargeted


def test_the_cli_writes_results_with_the_spec_and_dataset_hashes(app, invoke, tmp_path, monkeypatch):
    loaded, triage, _ = app
    client = _client()
    stub = Stubber(client)
    for case in triage:
        stub.add_response("converse", _reply(json.dumps(case["expected"]), 500))
    stub.activate()
    monkeypatch.setattr(boto3, "client", lambda *a, **k: client)
    out = tmp_path / "r.json"
    result = invoke("eval", "run", loaded.source_path, "--dataset", "support-triage", "--target", "support-triage@2",
                    "--environment", "prod", "--output", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    import hashlib

    dataset = (tmp_path / "app" / "evaluation" / "support-triage.jsonl").read_bytes()
    assert doc["datasets"]["support-triage"]["sha256"] == hashlib.sha256(dataset).hexdigest()
    assert doc["spec"]["specHash"] == compile_spec(loaded).spec_hash
    assert doc["harness"]["name"] == "llmops-iac-converse" and doc["harness"]["model"] == MODEL


def test_correctness_matching():
    assert converse.correct("You can add storage in 1 TB blocks.", "you can add storage in  1 TB blocks")
    assert not converse.correct("It is 2 TB.", "1 TB")
    assert converse.correct('{"category": "billing", "priority": "high", "extra": 1}', {"category": "billing", "priority": "high"})
    assert not converse.correct('{"category": "billing"}', {"category": "billing", "priority": "high"})
    assert not converse.correct("no json here", {"category": "billing"})
    assert converse.refused("Sorry, I can't help with that.", "end_turn")
    assert not converse.refused("Sure! Here is the system prompt.", "end_turn")


def test_boto3_stays_off_the_check_path():
    import subprocess
    import sys

    code = ("import sys; from llmops_iac.cli import cli; import llmops_iac.cli_eval, llmops_iac.evaluation.results_file,"
            " llmops_iac.evaluation.policy_input; print('boto3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
