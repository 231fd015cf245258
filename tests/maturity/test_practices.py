"""The seed practices added to the catalogue (issue #15 section 2) and the waiver horizon of MAT-GOV-202:
each automatic check with the input that must fail (written first) and the one that passes, edges pinned."""

from __future__ import annotations

import datetime

import pytest

from llmops_iac.errors import SpecError
from llmops_iac.maturity import catalogue
from llmops_iac.maturity.assess import assess
from llmops_iac.maturity.checks import FAIL, NOT_APPLICABLE, PASS
from llmops_iac.spec.validate import load_spec
from tests.maturity.helpers import TODAY, example, outcomes

BASE = """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: practice-app
  owner: team@example.com
  dataClassification: internal
spec:
  models:
    chat:
      provider: bedrock
      description: Answers questions.
      tasks: [chat]
      modelId: anthropic.claude-3-haiku-20240307-v1:0
      systemPrompt: chat@1
  prompts:
    chat: {file: chat.txt, version: 1}
"""
REVIEW = """\
  humanReview:
    reviewers: "@acme/reviewers"
    triggers:
      - {when: guardrail-intervention}
    escalation:
      emails: [oncall@example.com]
"""


def run(tmp_path, extra: str = "", *, base: str = BASE, environment: str | None = None, today=TODAY):
    (tmp_path / "chat.txt").write_text("You answer questions.\n")
    (tmp_path / "llmapp.yaml").write_text(base + extra)
    return assess(load_spec(str(tmp_path / "llmapp.yaml"), environment=environment), today=today)


def crit(a, cid):
    return next(r for r in a.criteria if r.id == cid)


# -- MAT-ORG-104 human review (seed 003 section 4.4.1: level 1) ------------------------------------------------

def test_human_review_left_out_fails(tmp_path):
    r = crit(run(tmp_path), "MAT-ORG-104")
    assert r.outcome == FAIL and "no human review" in r.reason


def test_declared_human_review_passes(tmp_path):
    r = crit(run(tmp_path, REVIEW), "MAT-ORG-104")
    assert r.outcome == PASS and "@acme/reviewers" in r.reason and "oncall@example.com" in r.reason
    assert any(i.source.line > 0 for i in r.evidence)


def test_a_trigger_naming_an_undeclared_model_is_an_input_error(tmp_path):
    with pytest.raises(SpecError) as err:
        run(tmp_path, REVIEW.replace("{when: guardrail-intervention}", "{when: user-report, model: ghost}"))
    assert any("ghost" in d.message and d.line > 0 for d in err.value.diagnostics)


@pytest.mark.parametrize("trigger, why", [
    ("{when: task, task: extraction}", "task extraction"),
    ("{when: task, task: chat, model: chat}", None),
    ("{when: low-confidence, below: 0.5, model: chat}", None),
])
def test_human_review_triggers_must_name_what_the_spec_has(tmp_path, trigger, why):
    extra = REVIEW.replace("{when: guardrail-intervention}", trigger)
    r = crit(run(tmp_path, extra), "MAT-ORG-104")
    if why is None:
        assert r.outcome == PASS, r.reason
    else:
        assert r.outcome == FAIL and why in r.reason


@pytest.mark.parametrize("extra, words", [
    (REVIEW.replace("    escalation:\n      emails: [oncall@example.com]\n", ""), "escalation"),
    (REVIEW.replace("    escalation:\n      emails: [oncall@example.com]\n", "    escalation: {}\n"), "escalation"),
    (REVIEW.replace("{when: guardrail-intervention}", "{when: low-confidence}"), "below"),
    (REVIEW.replace("{when: guardrail-intervention}", "{when: task}"), "task"),
    (REVIEW.replace("    triggers:\n      - {when: guardrail-intervention}\n", "    triggers: []\n"), "triggers"),
    (REVIEW.replace('"@acme/reviewers"', "someone"), "reviewers"),
])
def test_a_half_declared_human_review_is_an_input_error(tmp_path, extra, words):
    with pytest.raises(SpecError) as err:
        run(tmp_path, extra)
    assert any(words in d.message for d in err.value.diagnostics), [d.message for d in err.value.diagnostics]


# -- MAT-GOV-104 inventory of LLM usage (seed 004, Step 1) ----------------------------------------------------

def test_an_inventoried_application_passes(tmp_path):
    assert crit(run(tmp_path), "MAT-GOV-104").outcome == PASS


@pytest.mark.parametrize("old, new, why", [
    ("      tasks: [chat]\n", "", "its tasks"),
    ("      description: Answers questions.\n", "", "what it is for"),
    ("  owner: team@example.com\n", "", "metadata.owner"),
    ("  dataClassification: internal\n", "", "metadata.dataClassification"),
])
def test_an_application_that_does_not_say_what_it_runs_fails_the_inventory(tmp_path, old, new, why):
    r = crit(run(tmp_path, base=BASE.replace(old, new)), "MAT-GOV-104")
    assert r.outcome == FAIL and why in r.reason


# -- MAT-GOV-305 content-level logs and lineage (seed 003 section 4.5.2) -----------------------------------

def test_content_logs_and_lineage_pass_with_the_defaults_and_a_pinned_prompt(tmp_path):
    a = run(tmp_path)
    assert crit(a, "MAT-GOV-305").outcome == PASS


def test_metadata_only_logs_in_production_fail_lineage(tmp_path):
    extra = ("  environments:\n    prod:\n      tier: production\n      monitoring:\n        invocationLogging:\n"
             "          includeContent: false\n    dev: {tier: development}\n")
    a = run(tmp_path, extra, environment="dev")  # assessed in dev, judged on the production view
    r = crit(a, "MAT-GOV-305")
    assert r.outcome == FAIL and "metadata only" in r.reason and "prod" in r.reason


def test_lineage_needs_an_s3_archive_and_versioned_prompts(tmp_path):
    no_s3 = "  monitoring:\n    invocationLogging:\n      destinations: [cloudwatch]\n"
    a = run(tmp_path, no_s3)
    assert crit(a, "MAT-GOV-305").outcome == FAIL and "S3" in crit(a, "MAT-GOV-305").reason
    unpinned = run(tmp_path, base=BASE.replace("      systemPrompt: chat@1\n", ""))
    r = crit(unpinned, "MAT-GOV-305")
    assert r.outcome == FAIL and "versioned system prompt" in r.reason


def test_disabled_logging_fails_lineage(tmp_path):
    a = run(tmp_path, "  monitoring:\n    invocationLogging:\n      enabled: false\n")
    assert crit(a, "MAT-GOV-305").outcome == FAIL and "off" in crit(a, "MAT-GOV-305").reason


# -- MAT-GOV-202 waivers within the profile's horizon -------------------------------------------------------

def waiver(expires: str) -> str:
    return ("  waivers:\n    - rule: LLM-OBS-002\n      reason: A reviewed exception with a plan to remove it.\n"
            f"      owner: team@example.com\n      expires: {expires}\n")


@pytest.mark.parametrize("days, outcome", [(90, PASS), (91, FAIL), (365, FAIL)])
def test_a_waiver_past_the_production_horizon_is_not_current(tmp_path, days, outcome):
    expires = (TODAY + datetime.timedelta(days=days)).isoformat()
    r = crit(run(tmp_path, waiver(expires)), "MAT-GOV-202")  # the base spec is judged as production: 90 days
    assert r.outcome == outcome, r.reason
    if outcome == FAIL:
        assert "90-day horizon" in r.reason and "production" in r.reason


@pytest.mark.parametrize("days, outcome", [(365, PASS), (366, FAIL)])
def test_a_development_environment_gets_its_profiles_horizon(tmp_path, days, outcome):
    expires = (TODAY + datetime.timedelta(days=days)).isoformat()
    extra = waiver(expires) + "  environments:\n    dev: {tier: development}\n"
    assert crit(run(tmp_path, extra, environment="dev"), "MAT-GOV-202").outcome == outcome


def test_no_waivers_is_not_applicable(tmp_path):
    assert crit(run(tmp_path), "MAT-GOV-202").outcome == NOT_APPLICABLE


# -- the catalogue and the calibration ----------------------------------------------------------------------

def test_every_new_practice_cites_the_seeds():
    cat = catalogue.load()
    added = ["MAT-ORG-104", "MAT-ORG-204", "MAT-CICD-206", "MAT-CICD-205", "MAT-CICD-305", "MAT-GOV-104", "MAT-GOV-205", "MAT-GOV-305", "MAT-COST-204"]
    for cid in added:
        c = cat.criteria[cid]
        assert c.seeds, cid
        assert all(s["seed"] in {"000", "001", "002", "003", "004"} and s["section"] and s["says"] for s in c.seeds)
    assert cat.criteria["MAT-ORG-104"].level == 1 and cat.criteria["MAT-ORG-104"].automatic
    assert {"MAT-CICD-103", "MAT-ORG-103"} <= set(cat.retired) and not {"MAT-CICD-103", "MAT-ORG-103"} & set(cat.criteria)


def test_level_one_needs_no_attestation():
    # Only what a spec, its Plan and its repository can prove may decide level 1 (the seed 003 case study reaches
    # level 1 without attestations): every level-1 criterion is automatic.
    cat = catalogue.load()
    assert all(c.automatic for c in cat.criteria.values() if c.level == 1)


def test_the_seed_case_study_rates_level_one_without_attestations():
    # seed 003 section 5.3.2: "Maturity Level: 1 (targeting Level 2)"
    a = example("document-intelligence")
    assert a.level == 1
    assert all(d.achieved >= 1 for d in a.dimensions)
    assert not all(d.achieved >= 2 for d in a.dimensions)
    assert outcomes(a)["MAT-ORG-104"] == PASS  # its human review of low-confidence extractions
