"""`llmops-iac eval ingest` on sample outputs of two real harnesses (tests/fixtures/eval/, see its README)."""

from __future__ import annotations

import json
import math

import pytest

from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK
from llmops_iac.evaluation import bedrock, metrics, promptfoo
from tests.conftest import EXAMPLES, ROOT

SPEC = str(EXAMPLES / "support-assistant.yaml")
BEDROCK = str(ROOT / "tests" / "fixtures" / "eval" / "bedrock" / "support-golden_output.jsonl")
PROMPTFOO = str(ROOT / "tests" / "fixtures" / "eval" / "promptfoo" / "support-triage.json")


def _ingest(invoke, tmp_path, *args, name="r.json"):
    out = tmp_path / name
    result = invoke("eval", "ingest", SPEC, "--environment", "prod", "--output", str(out), *args)
    return result, (json.loads(out.read_text()) if out.exists() else None)


def test_bedrock_job_output_measures_its_gates(invoke, tmp_path):
    result, doc = _ingest(invoke, tmp_path, "--harness", "bedrock", "--input", BEDROCK, "--dataset", "support-golden",
                          "--target", "assistant")
    assert result.exit_code == EXIT_OK, result.output
    gates = {g["metric"]: g for g in doc["gates"]}
    assert gates["answer-relevance"]["value"] == pytest.approx(13.3 / 15) and gates["answer-relevance"]["cases"] == 15
    assert gates["toxicity"]["value"] == pytest.approx(0.05 / 15) and gates["toxicity"]["aggregation"] == "mean"
    # a metric no gate metric maps to is reported, never guessed; a known one without a gate metric is listed
    assert doc["unmapped"] == [{"metric": "BrandVoice", "cases": 15}]
    assert [i["metric"] for i in doc["ignored"]] == ["Builtin.Helpfulness"]
    assert {u["metric"] for u in doc["unmeasured"]} == {"context-recall", "latency-p95-ms", "cost-per-request-usd"}
    assert doc["harness"]["evaluators"] == ["arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"]
    assert "unmapped metrics" in result.output and "BrandVoice" in result.output


def test_promptfoo_output_measures_correctness_and_reports_unused(invoke, tmp_path):
    result, doc = _ingest(invoke, tmp_path, "--harness", "promptfoo", "--input", PROMPTFOO, "--dataset", "support-triage",
                          "--target", "support-triage@2")
    assert result.exit_code == EXIT_OK, result.output
    # the harness output is named without the local root (the results file is committed)
    assert doc["harness"] == {"name": "promptfoo", "version": "0.107.4", "inputs": ["tests/fixtures/eval/promptfoo/support-triage.json"]}
    (gate,) = doc["gates"]
    assert (gate["metric"], gate["value"], gate["cases"], gate["errors"]) == ("correctness", pytest.approx(11 / 12), 12, 0)
    assert {u["metric"] for u in doc["unused"]} == {"latency-p95-ms", "cost-per-request-usd"}


def test_reports_in_json_and_markdown(invoke, tmp_path):
    result, doc = _ingest(invoke, tmp_path, "--harness", "promptfoo", "--input", PROMPTFOO, "--dataset", "support-triage",
                          "--target", "support-triage@2", "--format", "json")
    assert json.loads(result.output) == doc
    result, _ = _ingest(invoke, tmp_path, "--harness", "promptfoo", "--input", PROMPTFOO, "--dataset", "support-triage",
                        "--target", "support-triage@2", "--format", "markdown", name="m.json")
    assert "| ✅ | correctness | 0.916667 | min 0.9 | 12 | mean |" in result.output


def test_a_failing_gate_exits_1_even_when_the_harness_says_pass(invoke, tmp_path):
    data = json.loads(open(PROMPTFOO).read())
    for row in data["results"]["results"][:3]:  # three more wrong answers, still marked success by the "harness"
        row["namedScores"]["correctness"] = 0.0
    path = tmp_path / "pf.json"
    path.write_text(json.dumps(data))
    result, doc = _ingest(invoke, tmp_path, "--harness", "promptfoo", "--input", str(path), "--dataset", "support-triage",
                          "--target", "support-triage@2")
    assert result.exit_code == EXIT_FINDINGS, result.output
    assert doc["gates"][0]["value"] == pytest.approx(8 / 12) and doc["gates"][0]["passed"] is False
    assert "FAIL  correctness" in result.output


def test_an_unmapped_promptfoo_metric_is_reported_not_guessed(invoke, tmp_path):
    data = json.loads(open(PROMPTFOO).read())
    for row in data["results"]["results"]:
        row["namedScores"] = {"accuracy": row["namedScores"]["correctness"]}  # a name the table does not list
    path = tmp_path / "pf.json"
    path.write_text(json.dumps(data))
    result, doc = _ingest(invoke, tmp_path, "--harness", "promptfoo", "--input", str(path), "--dataset", "support-triage",
                          "--target", "support-triage@2")
    assert doc["gates"] == [] and doc["unmapped"] == [{"metric": "accuracy", "cases": 12}]
    assert [u["metric"] for u in doc["unmeasured"]] == ["correctness"]
    assert "not measured" in result.output and "accuracy (12 cases)" in result.output


def test_cases_the_harness_could_not_score_are_errors_not_dropped(invoke, tmp_path):
    lines = open(BEDROCK).read().splitlines()
    record = json.loads(lines[0])
    record["automatedEvaluationResult"]["scores"][0]["result"] = None  # Builtin.Relevance not scored
    lines[0] = json.dumps(record)
    path = tmp_path / "out.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result, doc = _ingest(invoke, tmp_path, "--harness", "bedrock", "--input", str(path), "--dataset", "support-golden",
                          "--target", "assistant")
    gate = next(g for g in doc["gates"] if g["metric"] == "answer-relevance")
    assert (gate["cases"], gate["errors"], gate["passed"]) == (14, 1, False)
    assert result.exit_code == EXIT_FINDINGS


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", '"0.9"', "true"])
def test_non_numbers_in_a_bedrock_output_are_input_errors_at_their_line(invoke, tmp_path, value):
    lines = open(BEDROCK).read().splitlines()
    lines[2] = lines[2].replace('"result": 0.85', f'"result": {value}', 1)
    path = tmp_path / "out.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result, doc = _ingest(invoke, tmp_path, "--harness", "bedrock", "--input", str(path), "--dataset", "support-golden",
                          "--target", "assistant")
    assert result.exit_code == EXIT_INPUT and doc is None
    assert f"{path}:3" in result.output


@pytest.mark.parametrize("value", ["NaN", "1e999", '"high"'])
def test_non_numbers_in_a_promptfoo_output_are_input_errors_at_their_line(invoke, tmp_path, value):
    import re

    # the first result's own namedScores (the scores ingest reads), not its gradingResult's copy
    text = re.sub(r'("namedScores": \{\s*"correctness": )1\.0(\s*\},\s*"cost")', rf"\g<1>{value}\g<2>",
                  open(PROMPTFOO).read(), count=1)
    path = tmp_path / "pf.json"
    path.write_text(text)
    result, doc = _ingest(invoke, tmp_path, "--harness", "promptfoo", "--input", str(path), "--dataset", "support-triage",
                          "--target", "support-triage@2")
    assert result.exit_code == EXIT_INPUT and doc is None
    line = text.splitlines().index(next(l for l in text.splitlines() if f'"correctness": {value}' in l)) + 1
    assert f"{path}:{line}" in result.output


def test_two_bedrock_metrics_for_one_gate_metric_are_refused(tmp_path):
    record = {"automatedEvaluationResult": {"scores": [{"metricName": "Builtin.Harmfulness", "result": 0.0},
                                                       {"metricName": "Builtin.Toxicity", "result": 0.9}]}}
    path = tmp_path / "out.jsonl"
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(Exception, match="both map to the gate metric toxicity"):
        bedrock.parse([str(path)])


def test_a_human_evaluation_output_is_refused(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text(json.dumps({"humanEvaluationResult": {}, "inputRecord": {}}) + "\n")
    with pytest.raises(Exception, match="human-worker job"):
        bedrock.parse([str(path)])


def test_several_promptfoo_providers_need_one_chosen(tmp_path):
    data = json.loads(open(PROMPTFOO).read())
    data["results"]["results"][0]["provider"] = {"id": "bedrock:anthropic.claude-3-5-haiku-20241022-v1:0", "label": "haiku"}
    path = tmp_path / "pf.json"
    path.write_text(json.dumps(data))
    with pytest.raises(Exception, match="2 providers"):
        promptfoo.parse(str(path))
    assert promptfoo.parse(str(path), provider="triage").cases == 11


def test_errored_promptfoo_cases_count_as_errors(tmp_path):
    data = json.loads(open(PROMPTFOO).read())
    row = data["results"]["results"][0]
    row.update({"failureReason": 2, "error": "ThrottlingException", "namedScores": {}, "success": False})
    path = tmp_path / "pf.json"
    path.write_text(json.dumps(data))
    samples = promptfoo.parse(str(path))
    assert samples.errors["correctness"] == 1 and len(samples.values["correctness"]) == 11
    assert samples.errors["latency-p95-ms"] == 1


def test_the_ingest_needs_the_environment_when_the_spec_declares_some(invoke, tmp_path):
    result = invoke("eval", "ingest", SPEC, "--harness", "promptfoo", "--input", PROMPTFOO, "--dataset", "support-triage",
                    "--output", str(tmp_path / "r.json"))
    assert result.exit_code == EXIT_INPUT and "--environment" in result.output
    result = invoke("eval", "ingest", SPEC, "--environment", "prod", "--harness", "promptfoo", "--input", PROMPTFOO,
                    "--dataset", "nope", "--output", str(tmp_path / "r.json"))
    assert result.exit_code == EXIT_INPUT and "no such evaluation dataset" in result.output


def test_aggregations_at_their_edges():
    assert metrics.aggregate("latency-p95-ms", [float(v) for v in range(1, 21)]) == 19.0  # nearest rank: the 19th of 20
    assert metrics.aggregate("latency-p95-ms", [float(v) for v in range(1, 101)]) == 95.0
    assert metrics.aggregate("latency-p95-ms", [7.0]) == 7.0
    assert metrics.aggregate("pii-leakage", [0.0, 0.0, 0.01, 0.0]) == 0.25  # any leak is a leaking case
    assert metrics.aggregate("pii-leakage", [0.0] * 4) == 0.0
    assert metrics.aggregate("correctness", [1.0, 0.0, 1.0]) == pytest.approx(2 / 3)
    assert metrics.aggregate("correctness", []) is None
    assert metrics.fails(0.9, 0.9, None) is False and metrics.fails(math.nextafter(0.9, 0), 0.9, None) is True
    assert metrics.fails(0.01, None, 0.01) is False and metrics.fails(math.nextafter(0.01, 1), None, 0.01) is True


def test_the_mapping_table_names_only_gate_metrics():
    from llmops_iac.spec.validate import schema

    enum = set(schema()["$defs"]["gate"]["properties"]["metric"]["enum"])
    table = metrics.table()
    assert set(table["aggregation"]) == enum
    for harness in ("bedrock", "promptfoo"):
        for entry in {**table[harness]["metrics"], **table[harness].get("fields", {})}.values():
            assert entry["gate"] is None or entry["gate"] in enum
