"""The criteria catalogue: valid data (cerberus), complete, consistent with the checks and the issue's model."""

from __future__ import annotations

import copy
import re

import pytest
import yaml
from cerberus import Validator

from llmops_iac.errors import InternalError
from llmops_iac.maturity import catalogue
from llmops_iac.maturity.checks import CHECKS

RAW = yaml.safe_load(catalogue.CATALOGUE_FILE.read_text(encoding="utf-8"))
CAT = catalogue.load()

DIMENSIONS = {
    "INF": "Infrastructure & Deployment Strategy",
    "CICD": "CI/CD & Lifecycle Management",
    "PRM": "Prompt Engineering & User Interaction",
    "GOV": "Governance & Compliance",
    "COST": "Cost & Resource Optimization",
    "ORG": "Organizational Readiness",
}
LEVELS = ["Ad hoc experimentation", "Structured pilot", "Operational deployment", "Enterprise-grade ecosystem"]
SUB_DIMENSIONS = {"prompt-management", "rag-pipeline", "guardrails", "evaluation", "cost", "governance"}


def test_catalogue_passes_cerberus_and_cross_checks():
    validator = Validator(catalogue.SCHEMA)
    assert validator.validate(RAW), validator.errors
    assert catalogue.validate(RAW) == []


def test_the_six_dimensions_and_four_levels_of_the_model():
    assert {d.id: d.name for d in CAT.dimensions} == DIMENSIONS
    assert [lv.name for lv in CAT.levels] == LEVELS
    assert [lv.ms_llmops for lv in CAT.levels] == [1, 2, 3, 4]


def test_two_to_six_criteria_per_dimension_and_level_with_an_automatic_one():
    for dim in CAT.dimensions:
        for level in (1, 2, 3):
            at = [c for c in dim.criteria if c.level == level]
            assert 2 <= len(at) <= catalogue.MAX_PER_LEVEL == 6, (dim.id, level)
            assert any(c.automatic for c in at), (dim.id, level)


def test_ids_are_unique_stable_and_name_their_dimension_and_level():
    ids = [c["id"] for d in RAW["dimensions"] for c in d["criteria"]]
    assert len(ids) == len(set(ids))
    for c in CAT.criteria.values():
        m = catalogue.CRITERION_ID.match(c.id)
        assert m and m["dim"] == c.dimension and int(m["level"]) == c.level


def test_every_automatic_criterion_has_exactly_one_check_and_manual_ones_none():
    automatic = {c.id for c in CAT.criteria.values() if c.automatic}
    manual = {c.id for c in CAT.criteria.values() if not c.automatic}
    assert set(CHECKS) == automatic
    assert not manual & set(CHECKS)
    assert manual, "manual criteria are listed, never failed"


def test_every_criterion_carries_what_it_checks_evidence_remediation_and_references():
    for c in CAT.criteria.values():
        assert c.title and c.checks and c.remediation
        assert c.evidence, c.id
        refs = c.references
        assert refs["awsGenAiLens"] and refs["nist"], c.id
        assert set(refs) == {"awsGenAiLens", "owasp", "nist", "euAiAct", "msLlmops"}
        # Level N of this model corresponds to Microsoft's level N+1 (Initial, Defined, Managed, Optimized).
        assert refs["msLlmops"] == c.level + 1, c.id
        labels = c.reference_labels()
        assert labels[-1].startswith("Microsoft LLMOps Level ")


def test_evidence_sources_name_spec_paths_plan_types_or_repository_globs():
    for c in CAT.criteria.values():
        for ev in c.evidence:
            if ev.source == "spec":
                assert re.match(r"^(metadata|spec)(\.([A-Za-z]+|\*))*$", ev.path), (c.id, ev.path)
            elif ev.source == "plan":
                token = ev.path.split()[0]
                assert token == "*" or re.match(r"^(aws|aws-native):[a-zA-Z0-9/]+:[A-Za-z]+$", token), (c.id, ev.path)


def test_sub_dimensions_of_the_issue_with_a_state_per_level():
    assert {s.id for s in CAT.sub_dimensions} == SUB_DIMENSIONS
    for sub in CAT.sub_dimensions:
        assert [s.level for s in sub.states] == [0, 1, 2, 3]
        assert sub.states[0].criteria == ()
        for state in sub.states[1:]:
            assert state.criteria and all(cid in CAT.criteria for cid in state.criteria)
    names = {s.id: [st.name for st in s.states] for s in CAT.sub_dimensions}
    # The states the issue names appear, in order.
    assert names["prompt-management"][0] == "Hard-coded" and "Registry" in names["prompt-management"]
    assert names["prompt-management"][3] == "CI/CD with A/B"
    assert names["rag-pipeline"][0] == "Manual" and "Automated refresh" in names["rag-pipeline"]
    assert names["rag-pipeline"][3] == "Continuous optimisation"
    assert names["guardrails"][:2] == ["None", "Basic filters"] and names["guardrails"][3] == "Adaptive and monitored"
    assert names["evaluation"][:2] == ["Manual", "Test suites"] and names["evaluation"][3] == "Automated and continuous"
    assert names["cost"][:2] == ["Unknown", "Monitored"] and names["cost"][3] == "Optimised"
    assert names["governance"][:2] == ["None", "Logging"] and names["governance"][3] == "Full audit and compliance"


def test_scoring_weights_are_data():
    assert CAT.level_weights == {1: 1.0, 2: 2.0, 3: 3.0}
    assert "weight" in CAT.scoring
    for c in CAT.criteria.values():
        assert c.weight == CAT.level_weights[c.level]


def _mutated(change) -> list[str]:
    data = copy.deepcopy(RAW)
    change(data)
    return catalogue.validate(data)


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["dimensions"][0]["criteria"][0].pop("remediation"), "remediation"),
    (lambda d: d["dimensions"][0]["criteria"][0].update(kind="sometimes"), "kind"),
    (lambda d: d["dimensions"][0]["criteria"][0]["references"].update(owasp=["LLM11"]), "owasp"),
    (lambda d: d["dimensions"][0]["criteria"][0]["references"].update(euAiAct=["Art. 12"]), "euAiAct"),
    (lambda d: d["dimensions"][0]["criteria"][0]["references"].update(awsGenAiLens=["GENOPS1"]), "awsGenAiLens"),
    (lambda d: d["dimensions"][0]["criteria"][0]["references"].update(msLlmops=5), "msLlmops"),
    (lambda d: d["dimensions"][0]["criteria"][0].update(id="MAT-INF-999"), "MAT-INF-999"),
    (lambda d: d["dimensions"][0]["criteria"][1].update(id=d["dimensions"][0]["criteria"][0]["id"]), "defined twice"),
    (lambda d: d["dimensions"][0]["criteria"][0].update(id="MAT-GOV-101"), "listed under dimension INF"),
    (lambda d: d["dimensions"][0]["criteria"][0].update(level=2), "its ID says 1"),
    (lambda d: d["dimensions"][0].update(criteria=[c for c in d["dimensions"][0]["criteria"] if c["level"] != 1][:1]
                                          + [c for c in d["dimensions"][0]["criteria"] if c["level"] == 1][:1]),
     "each level needs 2 to 6"),
    (lambda d: d["dimensions"][0]["criteria"][0].update(id="MAT-INF-1" + "99") or d["retired"].append(
        {"id": "MAT-INF-199", "reason": "gone"}), "is retired"),
    (lambda d: d["retired"].append({"id": "MAT-INF-198", "reason": "gone", "replacedBy": "MAT-INF-197"}),
     "unknown replacement"),
    (lambda d: d["attestations"].update(maxValidityDays=0), "maxValidityDays"),
    (lambda d: d["dimensions"][0]["criteria"][0].update(seeds=[{"seed": "3", "section": "4.4", "says": "x"}]), "seed"),
    (lambda d: d["subDimensions"][0]["states"][1].update(criteria=["MAT-INF-199"]), "unknown criterion MAT-INF-199"),
    (lambda d: d["subDimensions"][0]["states"][0].update(criteria=["MAT-INF-101"]), "floor"),
    (lambda d: d["dimensions"][0]["criteria"][0]["evidence"][0].update(source="wiki"), "source"),
    (lambda d: d["dimensions"].pop(), "dimensions"),
])
def test_broken_catalogues_are_rejected_with_the_reason(change, expected):
    problems = _mutated(change)
    assert problems and any(expected in p for p in problems), problems


def test_load_fails_closed_on_a_broken_file(tmp_path):
    bad = tmp_path / "catalogue.yaml"
    bad.write_text("version: 1\nlevels: []\n", encoding="utf-8")
    with pytest.raises(InternalError, match="maturity catalogue .* is invalid"):
        catalogue.load(str(bad))
    bad.write_text("version: [\n", encoding="utf-8")
    with pytest.raises(InternalError, match="cannot be read"):
        catalogue.load(str(bad))
