"""Results documents for tests: the one `llmops-iac eval` would write for given measurements, then edited by an
attack (another spec hash, an old date, a claimed pass...). Also writes the rule fixtures' results files:
`python -m tests.evaluation.helpers` regenerates tests/fixtures/rules/LLM-EVL-00[67]/ and LLM-MAT-001's."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from llmops_iac.compile import compile_spec
from llmops_iac.evaluation.metrics import Samples
from llmops_iac.evaluation.results import build
from llmops_iac.spec.validate import load_spec

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "tests" / "fixtures" / "rules"
FIXTURE_CREATED = dt.datetime(2026, 5, 25, 10, 0, tzinfo=dt.timezone.utc)  # a week before FIXTURE_TODAY


def results(spec: str | Path, environment: str | None, dataset: str, target: str | None,
            values: dict[str, list[float | None]], *, created: dt.datetime = FIXTURE_CREATED,
            harness: str = "promptfoo") -> dict[str, Any]:
    """The results document of per-case ``values`` (None: an errored case) per gate metric."""
    loaded = load_spec(str(spec), environment=environment)
    samples = Samples(harness=harness, version="0.107.4", sources=["promptfoo.json"])
    for metric, per_case in values.items():
        for v in per_case:
            samples.add(metric, v)
    samples.cases = max((len(v) for v in values.values()), default=0)
    doc = build(loaded, compile_spec(loaded), dataset=dataset, target=target, samples=samples, now=created)
    doc["spec"]["file"] = Path(spec).name
    doc["harness"]["inputs"] = ["promptfoo.json"]
    return doc


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return path


def _fixtures() -> None:
    evl6, evl7, mat1 = RULES / "LLM-EVL-006", RULES / "LLM-EVL-007", RULES / "LLM-MAT-001"
    # LLM-EVL-006: a correctness gate, min 0.9, on 20 cases
    write(evl6 / "pass.eval-results.json", results(evl6 / "pass.yaml", "prod", "golden", "assistant",
                                                   {"correctness": [1.0] * 19 + [0.0]}))
    doc = results(evl6 / "fail.yaml", "prod", "golden", "assistant", {"correctness": [1.0] * 17 + [0.0] * 3})
    doc["gates"][0]["passed"] = True  # the harness claims a pass: never read
    write(evl6 / "fail.eval-results.json", doc)
    write(evl6 / "pass-at-threshold.eval-results.json",
          results(evl6 / "pass-at-threshold.yaml", "prod", "golden", "assistant", {"correctness": [1.0] * 18 + [0.0] * 2}))
    write(evl6 / "fail-above-max.eval-results.json",
          results(evl6 / "fail-above-max.yaml", "prod", "golden", "assistant",
                  {"correctness": [1.0] * 20, "latency-p95-ms": [900.0] * 18 + [3001.0] * 2}))
    write(evl6 / "pass-development-not-required.eval-results.json",
          results(evl6 / "pass-development-not-required.yaml", "dev", "golden", "assistant", {"correctness": [0.0] * 20}))
    # LLM-EVL-007: results must be for this spec and dataset, on cases, without errors
    write(evl7 / "pass.eval-results.json", results(evl7 / "pass.yaml", "prod", "golden", "assistant",
                                                   {"correctness": [1.0] * 20}))
    doc = results(evl7 / "fail.yaml", "prod", "golden", "assistant", {"correctness": [1.0] * 20})
    doc["spec"]["specHash"] = "0123456789ab"  # results of another version of the spec
    write(evl7 / "fail.eval-results.json", doc)
    doc = results(evl7 / "fail-dataset-edited.yaml", "prod", "golden", "assistant", {"correctness": [1.0] * 20})
    doc["datasets"]["golden"]["sha256"] = "0" * 64  # the dataset as it was before an edit
    write(evl7 / "fail-dataset-edited.eval-results.json", doc)
    doc = results(evl7 / "fail-zero-cases.yaml", "prod", "golden", "assistant", {"correctness": [1.0]})
    doc["gates"][0]["cases"] = 0
    write(evl7 / "fail-zero-cases.eval-results.json", doc)
    write(evl7 / "fail-errored-cases.eval-results.json",
          results(evl7 / "fail-errored-cases.yaml", "prod", "golden", "assistant", {"correctness": [1.0] * 19 + [None]}))
    write(evl7 / "fail-not-measured.eval-results.json",
          results(evl7 / "fail-not-measured.yaml", "prod", "golden", "assistant", {"correctness": [1.0] * 20}))
    # LLM-MAT-001's pass fixture: operational maturity needs gates judged on measured results (MAT-CICD-204)
    _hr_assistant(mat1 / "pass.yaml", mat1, "pass.eval-results")
    # the mature fixture repository (tests/maturity): the same application, its results committed under eval/
    mature = ROOT / "tests" / "fixtures" / "repos" / "mature"
    (mature / "eval").mkdir(exist_ok=True)
    _hr_assistant(mature / "specs" / "llmapp.yaml", mature / "eval", "prod")


def _hr_assistant(spec: Path, directory: Path, stem: str) -> None:
    """Passing results for every gate of the HR policy assistant (LLM-MAT-001's pass fixture, the mature repo)."""
    write(directory / (f"{stem}.json" if stem.endswith("eval-results") else f"{stem}-golden.json"),
          results(spec, "prod", "golden", "assistant", {
              "faithfulness": [0.95] * 30, "answer-relevance": [0.9] * 30, "context-recall": [0.85] * 30,
              "cost-per-request-usd": [0.004] * 30}))
    write(directory / (f"{stem}-prompt.json"), results(spec, "prod", "golden", "hr-system@2", {"faithfulness": [0.95] * 30}))
    write(directory / (f"{stem}-redteam.json"), results(spec, "prod", "redteam", "assistant", {
        "refusal-rate": [1.0] * 30, "pii-leakage": [0.0] * 30}))


if __name__ == "__main__":
    _fixtures()
