"""The assessor: gated levels, weighted scores, not-applicable and manual (attested) criteria, roadmap, fail-closed checks."""

from __future__ import annotations

import datetime
import shutil

import pytest

from llmops_iac.errors import InternalError
from llmops_iac.maturity import assess as assess_mod
from llmops_iac.maturity import catalogue, checks
from llmops_iac.maturity.assess import CriterionResult, _dimension, _roadmap, assess
from llmops_iac.maturity.checks import FAIL, MANUAL, NOT_APPLICABLE, PASS, Result
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES
from tests.maturity.helpers import EXAMPLE_NAMES, TODAY, example, fixture_repo, outcomes, write_spec

CAT = catalogue.load()
INF = CAT.dimension("INF")


def results(dim, by_level: dict[int, str], overrides: dict[str, str] | None = None) -> dict[str, CriterionResult]:
    """Results for ``dim``: every criterion (automatic or manual: attested or not) gets its level's outcome."""
    out = {}
    for c in dim.criteria:
        outcome = (overrides or {}).get(c.id, by_level[c.level])
        out[c.id] = CriterionResult(c, outcome, "synthetic")
    return out


def test_a_level_is_reached_only_when_it_and_every_lower_level_pass():
    d = _dimension(CAT, INF, results(INF, {1: PASS, 2: FAIL, 3: PASS}), target=2)
    assert d.achieved == 1 and [lv.passed for lv in d.levels] == [True, False, True]
    assert {r.id for r in d.blocked_by} == {c.id for c in INF.criteria if c.level == 2}
    assert all(r.criterion.level == 1 for r in d.earned_by)
    assert _dimension(CAT, INF, results(INF, {1: FAIL, 2: PASS, 3: PASS}), target=2).achieved == 0
    assert _dimension(CAT, INF, results(INF, {1: PASS, 2: PASS, 3: PASS}), target=2).achieved == 3


def test_not_applicable_criteria_are_left_out_of_levels_and_scores():
    one_na = results(INF, {1: PASS, 2: PASS, 3: FAIL}, {"MAT-INF-201": NOT_APPLICABLE})
    d = _dimension(CAT, INF, one_na, target=3)
    assert d.achieved == 2
    counted = [c for c in INF.criteria if c.id != "MAT-INF-201"]
    passing = sum(c.weight for c in counted if c.level <= 2)
    assert d.score == pytest.approx(10 * passing / sum(c.weight for c in counted))


def test_not_applicable_never_lifts_a_level():
    # Declaring nothing must not make a level pass: a level whose criteria are all not applicable
    # shows no practice, so it is not reached (and neither is any level above it).
    all_na = results(INF, {1: NOT_APPLICABLE, 2: PASS, 3: PASS})
    d = _dimension(CAT, INF, all_na, target=3)
    assert d.achieved == 0 and not d.levels[0].passed
    top_na = results(INF, {1: PASS, 2: PASS, 3: NOT_APPLICABLE})
    assert _dimension(CAT, INF, top_na, target=3).achieved == 2
    one_pass = results(INF, {1: NOT_APPLICABLE, 2: PASS, 3: PASS}, {"MAT-INF-101": PASS})
    assert _dimension(CAT, INF, one_pass, target=3).achieved == 3  # one shown practice is enough, the rest n/a


def test_manual_criteria_count_like_automatic_ones():
    every_pass = _dimension(CAT, INF, results(INF, {1: PASS, 2: PASS, 3: PASS}), target=3)
    assert every_pass.score == 10 and every_pass.achieved == 3
    manual3 = [c.id for c in INF.criteria if not c.automatic and c.level == 3]
    assert manual3, "INF has a manual level-3 criterion"
    unattested = _dimension(CAT, INF, results(INF, {1: PASS, 2: PASS, 3: PASS}, dict.fromkeys(manual3, FAIL)), target=3)
    assert unattested.achieved == 2 and unattested.score < 10
    assert {r.id for r in unattested.blocked_by} == set(manual3)


def test_scores_weight_criteria_by_level():
    d = _dimension(CAT, INF, results(INF, {1: PASS, 2: FAIL, 3: FAIL}), target=3)
    weights = {lv: sum(c.weight for c in INF.criteria if c.level == lv) for lv in (1, 2, 3)}
    assert weights[3] > 0 and d.score == pytest.approx(10 * weights[1] / sum(weights.values()))


def test_the_roadmap_puts_each_dimensions_next_level_first():
    inf = _dimension(CAT, INF, results(INF, {1: PASS, 2: FAIL, 3: FAIL}), target=3)
    gov_dim = CAT.dimension("GOV")
    gov = _dimension(CAT, gov_dim, results(gov_dim, {1: FAIL, 2: FAIL, 3: PASS}), target=3)
    steps = _roadmap((inf, gov), target=3)
    phases = [(s.result.criterion.dimension, s.level) for s in steps]
    first_gap = [p for p in phases if (p[0], p[1]) in {("INF", 2), ("GOV", 1)}]
    assert phases[:len(first_gap)] == first_gap  # both next levels before anything further
    assert ("GOV", 3) not in phases  # passing criteria are not on the roadmap
    assert phases.index(("INF", 3)) > phases.index(("GOV", 2)) or ("INF", 3) in phases
    assert [s.order for s in steps] == list(range(1, len(steps) + 1))
    assert _roadmap((inf,), target=1) == ()  # at or above target: nothing to do


def test_overall_is_the_minimum_level_and_the_weighted_mean_score():
    a = example("support-assistant")
    assert a.level == min(d.achieved for d in a.dimensions)
    total = sum(d.dimension.weight for d in a.dimensions)
    assert a.score == pytest.approx(sum(d.dimension.weight * d.score for d in a.dimensions) / total)


EXPECTED = {
    # dimension levels without repository evidence: INF, CICD, PRM, GOV, COST, ORG
    # (manual criteria count and no repository means no attestation; no stack files prove separate environments
    # (MAT-INF-202); no results file measures the gates (MAT-CICD-204): no dimension above 1)
    "minimal": (1, 0, 0, 0, 0, 0),
    "support-assistant": (1, 1, 1, 1, 1, 1),
    "self-hosted-llama": (1, 1, 1, 1, 1, 1),
    "document-intelligence": (1, 1, 1, 1, 1, 1),
}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_examples_reach_the_levels_their_evidence_supports(name):
    a = example(name)
    assert tuple(d.achieved for d in a.dimensions) == EXPECTED[name]
    assert a.level == min(EXPECTED[name])
    for r in a.criteria:
        assert r.outcome in (PASS, FAIL, NOT_APPLICABLE)
        if r.outcome == PASS:
            assert r.evidence, f"{r.id} passed without evidence"
        if not r.criterion.automatic:  # no repository, so no attestation
            assert r.outcome == FAIL and "not attested" in r.reason and "--repo" in r.reason


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_without_a_repository_repository_criteria_fail_and_say_why(name):
    a = example(name)
    repo_only = {"MAT-CICD-201", "MAT-CICD-301", "MAT-CICD-302", "MAT-ORG-201", "MAT-ORG-302"}
    for r in a.criteria:
        if r.id in repo_only:
            assert r.outcome == FAIL and "--repo" in r.reason, r.id


def test_the_minimal_spec_is_ad_hoc_and_its_roadmap_starts_at_level_one():
    a = example("minimal")
    states = {s.sub.id: s.state for s in a.sub_dimensions}
    assert states == {"prompt-management": "Hard-coded", "rag-pipeline": "Manual", "guardrails": "Basic filters",
                      "evaluation": "Manual", "cost": "Unknown", "governance": "None"}
    assert not next(s for s in a.sub_dimensions if s.sub.id == "rag-pipeline").applicable
    assert a.target == 1 and not a.meets_target
    assert {s.level for s in a.roadmap} == {1}
    assert {s.result.id for s in a.roadmap} == {r.id for r in a.criteria if r.outcome == FAIL and r.criterion.level == 1}


def test_support_assistant_without_its_repository_is_held_back_by_missing_repository_evidence():
    a = example("support-assistant")
    o = outcomes(a)
    assert o["MAT-INF-301"] == FAIL  # triage is invoked in one region only
    assert o["MAT-INF-201"] == NOT_APPLICABLE and o["MAT-GOV-202"] == NOT_APPLICABLE  # no waivers
    # MAT-INF-202: no stack files without a repository; MAT-CICD-204: its gates are declared but not judged on
    # measured results (no --eval-results)
    assert [s.result.id for s in a.roadmap] == ["MAT-INF-202", "MAT-CICD-201", "MAT-CICD-204", "MAT-CICD-205",
                                                "MAT-CICD-206", "MAT-PRM-204", "MAT-GOV-205", "MAT-COST-204",
                                                "MAT-ORG-201", "MAT-ORG-203", "MAT-ORG-204"]
    assert {s.result.id for s in a.roadmap if not s.result.criterion.automatic} == {
        "MAT-CICD-206", "MAT-CICD-205", "MAT-GOV-205", "MAT-COST-204", "MAT-ORG-203", "MAT-ORG-204"}  # unattested
    inf = a.dimensions[0]
    assert [r.id for r in inf.blocked_by] == ["MAT-INF-202"]  # separation needs the stacks a repository holds


def test_the_mature_repository_reaches_enterprise_grade_everywhere_but_live_ab():
    a = fixture_repo("mature")
    # A Bedrock-only application has no traffic split the spec can declare (MAT-PRM-301 credits SageMaker
    # production variants only): gating one model twice is no A/B test.
    assert [d.achieved for d in a.dimensions] == [3, 3, 2, 3, 3, 3]
    assert a.level == 2 and not a.meets_target and [s.result.id for s in a.roadmap] == ["MAT-PRM-301"]
    assert all(s.level == 3 for s in a.sub_dimensions if s.sub.id != "prompt-management")
    assert a.repository is not None and a.repository.spec_path == "specs/llmapp.yaml"


def test_the_partial_repository_is_held_back_by_what_its_repository_shows():
    a = fixture_repo("partial")
    o = outcomes(a)
    assert o["MAT-CICD-201"] == PASS  # GitLab CI runs the check...
    assert o["MAT-CICD-301"] == FAIL  # ...but not on merge requests
    assert o["MAT-ORG-201"] == FAIL  # @alice owns the spec only through the catch-all `*`...
    assert "catch-all" in next(r.reason for r in a.criteria if r.id == "MAT-ORG-201")
    assert o["MAT-PRM-204"] == FAIL and "explicitly unowned" in next(r.reason for r in a.criteria if r.id == "MAT-PRM-204")
    assert o["MAT-ORG-302"] == FAIL  # ...but no team does
    assert a.level == 0 and not a.meets_target


def test_an_expired_waiver_blocks_governance(tmp_path):
    text = (EXAMPLES / "support-assistant.yaml").read_text(encoding="utf-8").replace("  environments:\n", (
        "  waivers:\n    - rule: LLM-OBS-002\n      reason: Support QA grades a weekly sample of transcripts.\n"
        "      owner: support-platform@example.com\n      expires: 2027-03-31\n  environments:\n"), 1)
    for sub in ("prompts", "evaluation"):
        shutil.copytree(EXAMPLES / sub, tmp_path / sub)
    (tmp_path / "support-assistant.yaml").write_text(text, encoding="utf-8")
    spec = load_spec(str(tmp_path / "support-assistant.yaml"))
    current = next(r for r in assess(spec, today=datetime.date(2027, 3, 1)).criteria if r.id == "MAT-GOV-202")
    assert current.outcome == PASS
    later = assess(spec, today=datetime.date(2027, 4, 1))
    gov = next(r for r in later.criteria if r.id == "MAT-GOV-202")
    assert gov.outcome == FAIL and "expired on 2027-03-31" in gov.reason
    assert later.dimensions[3].achieved == 1


def test_an_environment_is_assessed_with_production_criteria_on_the_production_view():
    dev = example("self-hosted-llama", "dev")
    assert dev.environment == "dev" and dev.production == "prod"
    assert outcomes(dev)["MAT-INF-301"] == PASS  # prod keeps two instances, even though dev runs one


def test_a_check_that_breaks_fails_closed(monkeypatch):
    def broken(ev):
        raise KeyError("boom")

    monkeypatch.setitem(checks.CHECKS, "MAT-INF-101", broken)
    with pytest.raises(InternalError, match="maturity check MAT-INF-101 failed: KeyError"):
        assess(load_spec(str(EXAMPLES / "minimal.yaml")), today=TODAY)
    monkeypatch.setitem(checks.CHECKS, "MAT-INF-101", lambda ev: Result(MANUAL, "?"))
    with pytest.raises(InternalError, match="returned outcome 'manual'"):
        assess(load_spec(str(EXAMPLES / "minimal.yaml")), today=TODAY)
    monkeypatch.delitem(checks.CHECKS, "MAT-INF-101")
    with pytest.raises(InternalError, match="has no check"):
        assess(load_spec(str(EXAMPLES / "minimal.yaml")), today=TODAY)


def test_targets_come_from_the_spec_and_gaps_are_per_dimension(tmp_path):
    spec = write_spec(tmp_path, "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: zero\n"
                                "spec:\n  maturity:\n    target: 0\n")
    a = assess(load_spec(str(spec)), today=TODAY)
    assert a.target == 0 and a.meets_target and a.roadmap == ()
    assert all(d.target == 0 and d.meets_target for d in a.dimensions)


def test_assess_compiles_the_plan_when_not_given():
    loaded = load_spec(str(EXAMPLES / "minimal.yaml"))
    from llmops_iac.compile import compile_spec

    assert assess(loaded, today=TODAY).to_dict() == assess(loaded, compile_spec(loaded), today=TODAY).to_dict()
    assert assess_mod.ASSESSMENT_VERSION == 1
