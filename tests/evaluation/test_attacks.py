"""`check --eval-results` and `maturity --eval-results` from the attacker's side: results that must not pass.

Each test is an input a careless or dishonest pipeline could produce; before issue #15 `check` had no
--eval-results at all (a gate was a declaration, never judged), so each of these passed as "gated".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from llmops_iac.errors import EXIT_INPUT
from llmops_iac.shown_paths import shown_path
from tests.conftest import ROOT
from tests.evaluation.helpers import results, write

FIXTURE = ROOT / "tests" / "fixtures" / "rules" / "LLM-EVL-007"
NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(days=1)


@pytest.fixture
def repo(tmp_path):
    """A repository holding a spec whose correctness gate (min 0.9, required for prod) is on dataset golden."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()
    shutil.copy(FIXTURE / "pass.yaml", root / "llmapp.yaml")
    shutil.copytree(FIXTURE / "evaluation", root / "evaluation")
    (root / "eval").mkdir()
    return root


def _results(repo: Path, values=None, name="results.json", created=NOW, **edits) -> Path:
    doc = results(repo / "llmapp.yaml", "prod", "golden", "assistant", values or {"correctness": [1.0] * 20}, created=created)
    for key, value in edits.items():
        doc[key] = value
    return write(repo / "eval" / name, doc)


def _findings(invoke, repo: Path, *paths: Path) -> tuple[int, dict[str, list[str]]]:
    args = [a for p in paths for a in ("--eval-results", str(p))]
    result = invoke("check", str(repo / "llmapp.yaml"), "--format", "json", *args)
    if result.exit_code == EXIT_INPUT:
        return result.exit_code, {"output": [result.output]}
    data = json.loads(result.output)
    prod = next(f for f in data["files"] if f["environment"] == "prod")
    out: dict[str, list[str]] = {}
    for f in prod["policy"]["findings"]:
        out.setdefault(f["ruleId"], []).append(f["message"])
    out["outcomes"] = [f"{k}={v}" for k, v in sorted(prod["policy"].get("outcomes", {}).items()) if k in ("LLM-EVL-006", "LLM-EVL-007")]
    return result.exit_code, out


def test_current_results_judge_the_gate(invoke, repo):
    _, found = _findings(invoke, repo, _results(repo))
    assert "LLM-EVL-006" not in found and "LLM-EVL-007" not in found


def test_without_eval_results_check_judges_no_result(invoke, repo):
    _, found = _findings(invoke, repo)
    assert "LLM-EVL-006" not in found and "LLM-EVL-007" not in found


def test_results_for_another_spec_hash_do_not_count(invoke, repo):
    path = _results(repo)
    doc = json.loads(path.read_text())
    doc["spec"]["specHash"] = "0123456789ab"
    write(path, doc)
    _, found = _findings(invoke, repo, path)
    assert found["LLM-EVL-007"] == ["gate 0 (correctness on golden, target assistant) has no current measurement: no results "
                                    f"are for this spec (spec hash {_hash(repo)}); the results are for 0123456789ab"]


def test_a_spec_edited_after_the_run_makes_its_results_stale(invoke, repo):
    path = _results(repo)
    spec = repo / "llmapp.yaml"
    spec.write_text(spec.read_text().replace("min: 0.9", "min: 0.5"))  # lowering the bar is a new spec version
    _, found = _findings(invoke, repo, path)
    assert "no results are for this spec" in found["LLM-EVL-007"][0]


def test_a_dataset_edited_after_the_run_makes_its_results_stale(invoke, repo):
    path = _results(repo)
    with open(repo / "evaluation" / "golden.jsonl", "a") as fh:  # e.g. the failing cases removed, or one added
        fh.write(json.dumps({"id": "g-21", "question": "q", "expected_answer": "a"}) + "\n")
    _, found = _findings(invoke, repo, path)
    assert "dataset golden changed since it was evaluated" in found["LLM-EVL-007"][0]


def test_a_claimed_pass_is_recomputed_from_the_value(invoke, repo):
    path = _results(repo, {"correctness": [1.0] * 16 + [0.0] * 4})
    doc = json.loads(path.read_text())
    doc["gates"][0]["passed"] = True
    write(path, doc)
    _, found = _findings(invoke, repo, path)
    assert found["LLM-EVL-006"] == ["gate 0 (correctness on golden, target assistant) measured 0.8 on 20 cases, below its "
                                    f"min 0.9 ({shown_path(path)}, promptfoo 0.107.4)"]
    assert not shown_path(path).startswith("/")  # a results file is shown without the local root


def test_a_gate_measured_on_zero_cases_is_unmeasured(invoke, repo):
    path = _results(repo)
    doc = json.loads(path.read_text())
    doc["gates"][0]["cases"] = 0
    write(path, doc)
    _, found = _findings(invoke, repo, path)
    assert "measured on 0 cases" in found["LLM-EVL-007"][0] and "LLM-EVL-006" not in found


def test_an_unmapped_metric_leaves_the_required_gate_unmeasured(invoke, repo, tmp_path):
    # what `eval ingest` writes for a promptfoo file whose metric name the table does not map: no gate entry
    path = _results(repo)
    doc = json.loads(path.read_text())
    doc["gates"], doc["unmapped"] = [], [{"metric": "accuracy", "cases": 20}]
    write(path, doc)
    _, found = _findings(invoke, repo, path)
    assert found["LLM-EVL-007"][0].endswith("no results file measures it")


def _exit_2(invoke, repo, *paths) -> str:
    code, found = _findings(invoke, repo, *paths)
    assert code == EXIT_INPUT, found
    return found["output"][0]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", '"0.95"', "null", "1e999"])
def test_non_numbers_as_values_are_input_errors_at_their_line(invoke, repo, literal):
    path = _results(repo)
    text = path.read_text()
    text = text.replace('"value": 1.0', f'"value": {literal}', 1)
    path.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if '"value"' in l)
    assert f"{path}:{line}" in _exit_2(invoke, repo, path)


def test_duplicate_gates_in_one_file_are_refused(invoke, repo):
    path = _results(repo)
    doc = json.loads(path.read_text())
    doc["gates"].append(dict(doc["gates"][0], value=0.1))
    write(path, doc)
    out = _exit_2(invoke, repo, path)
    assert "duplicate" in out and "gate 1 measures correctness on golden again" in out


def test_the_same_measurement_in_two_files_is_refused(invoke, repo):
    one = _results(repo)
    two = _results(repo, {"correctness": [0.0] * 20}, name="other.json")
    assert "measured by" in _exit_2(invoke, repo, one, two)


def test_a_duplicate_key_is_refused(invoke, repo):
    path = _results(repo)
    path.write_text(path.read_text().replace('"cases": 20,', '"cases": 20, "cases": 0,', 1))
    assert "duplicate" in _exit_2(invoke, repo, path).lower()


def test_a_results_file_linked_outside_the_repository_is_refused(invoke, repo, tmp_path):
    outside = _results(repo)
    target = tmp_path / "elsewhere.json"
    shutil.move(outside, target)
    link = repo / "eval" / "results.json"
    os.symlink(target, link)
    assert "outside the repository" in _exit_2(invoke, repo, link)


def test_a_results_file_from_the_future_is_refused(invoke, repo):
    path = _results(repo, created=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2))
    assert "in the future" in _exit_2(invoke, repo, path)


def test_a_results_file_that_breaks_its_schema_is_refused(invoke, repo):
    path = _results(repo)
    doc = json.loads(path.read_text())
    del doc["gates"][0]["errors"]
    doc["harness"]["name"] = "my-own-scorer"
    write(path, doc)
    out = _exit_2(invoke, repo, path)
    assert "errors" in out and "harness" in out


def test_an_unknown_gate_metric_is_refused(invoke, repo):
    path = _results(repo)
    doc = json.loads(path.read_text())
    doc["gates"][0]["metric"] = "vibes"
    write(path, doc)
    assert "'vibes' is not a gate metric" in _exit_2(invoke, repo, path)


def test_a_report_may_not_overwrite_the_results_file(invoke, repo):
    path = _results(repo)
    result = invoke("check", str(repo / "llmapp.yaml"), "--eval-results", str(path), "--output", f"json={path}")
    assert result.exit_code == EXIT_INPUT and "reads" in result.output


def test_an_old_result_still_judges_check_but_not_maturity(invoke, repo):
    # check: the hashes tie the numbers to this spec and dataset, so an old measurement still judges the gate;
    # maturity: evaluation practice counts only results within the catalogue's window (MAT-CICD-204, 30 days)
    path = _results(repo, created=NOW - dt.timedelta(days=400))
    _, found = _findings(invoke, repo, path)
    assert "LLM-EVL-007" not in found
    result = invoke("maturity", str(repo / "llmapp.yaml"), "--eval-results", str(path), "--format", "json")
    criterion = next(c for c in json.loads(result.output)["criteria"] if c["id"] == "MAT-CICD-204")
    assert criterion["outcome"] == "fail" and "401 days old; results count for 30 days" in criterion["reason"]


def test_maturity_counts_current_results(invoke, repo):
    path = _results(repo)
    result = invoke("maturity", str(repo / "llmapp.yaml"), "--eval-results", str(path), "--format", "json")
    criterion = next(c for c in json.loads(result.output)["criteria"] if c["id"] == "MAT-CICD-204")
    assert criterion["outcome"] == "pass", criterion
    alone = invoke("maturity", str(repo / "llmapp.yaml"), "--format", "json")
    criterion = next(c for c in json.loads(alone.output)["criteria"] if c["id"] == "MAT-CICD-204")
    assert criterion["outcome"] == "fail" and "no evaluation results given" in criterion["reason"]


def _hash(repo: Path) -> str:
    from llmops_iac.compile import compile_spec
    from llmops_iac.spec.validate import load_spec

    return compile_spec(load_spec(str(repo / "llmapp.yaml"), environment="prod")).spec_hash
