"""Amazon Bedrock evaluation job output: the JSON Lines files a model (or RAG) evaluation job writes to S3.

Each line is one prompt of the dataset; its ``automatedEvaluationResult.scores`` lists one entry per metric
(``metricName``, ``result``, and for model-as-judge jobs ``evaluatorDetails`` naming the judge model):
https://docs.aws.amazon.com/bedrock/latest/userguide/model-evaluation-report-s3.html. Metric names are
Bedrock's (``Builtin.Correctness``...); metric_map.yaml maps them to gate metrics. A score whose ``result``
is missing or null is a case the job could not score: counted as an error of that metric, never dropped.
A human-worker job's output (``humanEvaluationResult``) has no automatic scores and is refused.
"""

from __future__ import annotations

from typing import Any

from llmops_iac.errors import SpecError
from llmops_iac.evaluation.inputs import decode, json_line, problem, read_bytes
from llmops_iac.evaluation.metrics import HARNESSES, Samples, finite_number, gate_metric, table

WHAT = "Bedrock evaluation output"
_HINT = ("ingest the *_output.jsonl files an automatic Bedrock evaluation job writes under "
         "s3://<output path>/<job name>/<job id>/ (see the model-evaluation-report-s3 page of the Bedrock guide)")


def parse(paths: list[str]) -> Samples:
    """The samples of one or more output files of one job (each line one case)."""
    samples = Samples(harness=HARNESSES["bedrock"], version="service")
    problems = []
    for path in paths:
        samples.sources.append(path)
        text = decode(read_bytes(path, WHAT), path, WHAT)
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                _record(samples, json_line(line, path, number, WHAT), path, number)
            except SpecError as exc:
                problems.extend(exc.diagnostics)
                if len(problems) >= 20:
                    raise SpecError(problems) from None
    if problems:
        raise SpecError(problems)
    if samples.cases == 0:
        raise SpecError([problem(paths[0] if paths else "-", 1, "no-cases", f"the {WHAT} holds no records", _HINT)])
    return samples


def _record(samples: Samples, record: Any, path: str, line: int) -> None:
    if not isinstance(record, dict):
        raise SpecError([problem(path, line, "not-an-object", f"line {line} is not a JSON object", _HINT)])
    if "humanEvaluationResult" in record and "automatedEvaluationResult" not in record:
        raise SpecError([problem(path, line, "human-evaluation", f"line {line} is a human-worker job's result: it has "
                                 "no automatic scores to judge a gate with", _HINT)])
    result = record.get("automatedEvaluationResult")
    scores = result.get("scores") if isinstance(result, dict) else None
    if not isinstance(scores, list):
        raise SpecError([problem(path, line, "no-scores", f"line {line} has no automatedEvaluationResult.scores list", _HINT,
                                 "/automatedEvaluationResult/scores")])
    samples.cases += 1
    seen: set[str] = set()
    mapped: dict[str, str] = {}  # gate metric -> the harness metric that gave it in this record
    for i, score in enumerate(scores):
        name = score.get("metricName") if isinstance(score, dict) else None
        if not isinstance(name, str) or not name:
            raise SpecError([problem(path, line, "bad-score", f"line {line}: score {i} has no metricName", _HINT,
                                     f"/automatedEvaluationResult/scores/{i}")])
        if name in seen:
            raise SpecError([problem(path, line, "duplicate-metric", f"line {line}: metric {name} is scored twice",
                                     "each record scores each metric once", f"/automatedEvaluationResult/scores/{i}")])
        seen.add(name)
        value = score.get("result")
        if value is not None and not finite_number(value):
            raise SpecError([problem(path, line, "bad-score", f"line {line}: {name} result {value!r} is not a finite number",
                                     "a Bedrock score is a number from 0 to 1 (null when the job could not score the case)",
                                     f"/automatedEvaluationResult/scores/{i}/result")])
        for detail in score.get("evaluatorDetails") or []:
            if isinstance(detail, dict) and isinstance(detail.get("modelIdentifier"), str):
                samples.evaluators.add(detail["modelIdentifier"])
        known, metric = gate_metric("bedrock", name)
        if metric is None:
            if known:
                samples.ignored[name] = table()["bedrock"]["metrics"][name].get("note", "")
            else:
                samples.unmapped[name] = samples.unmapped.get(name, 0) + 1
            continue
        if metric in mapped:
            raise SpecError([problem(path, line, "ambiguous-metric", f"line {line}: {mapped[metric]} and {name} both map to "
                                     f"the gate metric {metric}", "ingest the job's metrics for one gate metric from one "
                                     "Bedrock metric (see llmops_iac/evaluation/metric_map.yaml)",
                                     f"/automatedEvaluationResult/scores/{i}")])
        mapped[metric] = name
        samples.add(metric, float(value) if value is not None else None)
