"""MAT-CICD-204: evaluation practice counts only from current results within the catalogue's window."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from llmops_iac.evaluation.results_file import load_all
from llmops_iac.maturity import catalogue
from llmops_iac.maturity.assess import assess
from llmops_iac.spec.validate import load_spec
from tests.conftest import ROOT
from tests.evaluation.helpers import FIXTURE_CREATED
from tests.maturity.helpers import REPOS, at_root

MATURE = REPOS / "mature"
COMMITTED = tuple(sorted((MATURE / "eval").glob("*.json")))


def _outcome(today: dt.date, files=COMMITTED, spec=MATURE / "specs" / "llmapp.yaml"):
    with at_root():
        a = assess(load_spec(str(spec.relative_to(ROOT) if spec.is_relative_to(ROOT) else spec)), today=today,
                   eval_results=load_all([str(p) for p in files]))
    r = next(r for r in a.criteria if r.criterion.id == "MAT-CICD-204")
    return r.outcome, r.reason


def test_the_window_is_set_by_the_catalogue():
    assert catalogue.load().criteria["MAT-CICD-204"].max_age_days == 30
    crit = catalogue.load().criteria["MAT-CICD-204"]
    assert crit.level == 2 and crit.dimension == "CICD" and crit.automatic


@pytest.mark.parametrize("days,outcome", [(0, "pass"), (30, "pass"), (31, "fail"), (400, "fail")])
def test_results_count_for_the_window_and_no_longer(days, outcome):
    got, reason = _outcome(FIXTURE_CREATED.date() + dt.timedelta(days=days))
    assert got == outcome, reason
    if outcome == "fail":
        assert f"is {days} days old; results count for 30 days" in reason


def _edited_outcome(edit) -> tuple[str, str]:
    """MAT-CICD-204 on copies of the committed results (inside the repository, as they must be), each gate edited."""
    files = []
    for path in COMMITTED:
        doc = json.loads(path.read_text())
        for g in doc["gates"]:
            edit(g)
        copy = MATURE / "eval" / f".test-{path.name}"
        copy.write_text(json.dumps(doc))
        files.append(copy)
    try:
        return _outcome(FIXTURE_CREATED.date(), files)
    finally:
        for f in files:
            f.unlink()


def test_a_failing_measured_gate_is_not_evidence_of_practice(tmp_path):
    def refused(g):
        if g["metric"] == "refusal-rate":
            g["value"], g["passed"] = 0.5, True

    got, reason = _edited_outcome(refused)
    assert got == "fail" and "refusal-rate" in reason and "fails: measured 0.5" in reason


def test_results_outside_the_spec_repository_do_not_count(tmp_path):
    outside = [shutil.copy(p, tmp_path / p.name) for p in COMMITTED]
    got, reason = _outcome(FIXTURE_CREATED.date(), outside)
    assert got == "fail" and "outside the spec's repository" in reason


def test_results_of_another_environment_do_not_count():
    # the results are for the prod view; the dev view is another spec hash
    from tests.evaluation.helpers import results

    doc = results(MATURE / "specs" / "llmapp.yaml", "dev", "golden", "assistant", {"faithfulness": [1.0] * 5})
    path = MATURE / "eval" / ".test-dev.json"
    path.write_text(json.dumps(doc))
    try:
        got, reason = _outcome(FIXTURE_CREATED.date(), (path,))
    finally:
        path.unlink()
    assert got == "fail" and "not this spec's" in reason


@pytest.mark.parametrize("cases", [1, 29])
def test_a_gate_measured_on_part_of_its_dataset_is_not_evidence(cases):
    # found by an attacker's review: `cases: 1` of a 30-case golden set counted; every case must have run
    got, reason = _edited_outcome(lambda g: g.update(cases=cases))
    assert got == "fail" and f"measured on {cases} of the dataset's 30 well-formed cases" in reason, reason


def test_the_committed_results_cover_every_case():
    got, reason = _outcome(FIXTURE_CREATED.date())
    assert got == "pass", reason
