"""The assessment held to the seed papers' own ratings (issue #15 section 4).

Seed 003 (../shared/seeds/003_*.txt, section 5.3.2) rates its document-intelligence LLMOps design "Maturity Level: 1
(targeting Level 2)"; examples/document-intelligence.yaml is that design. Without evaluation results or attestations
it must rate overall 1: level 1 met in every dimension, level 2 not met overall.

A repository of junk evidence (the issue's own list: a one-line prompt, golden sets of `{}`, a CI file that only
echoes the check, one model gated twice, gates at min 0.1 and a $100 cost ceiling, CODEOWNERS `* @team`), wrapped
around an otherwise well-declared spec, rates no dimension above 1.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from llmops_iac.maturity.assess import assess
from llmops_iac.maturity.checks import FAIL
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES
from tests.maturity.helpers import TODAY, at_root, outcomes

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def test_the_seed_003_case_study_rates_level_1_as_the_seed_does():
    with at_root():
        a = assess(load_spec("examples/document-intelligence.yaml"), today=TODAY)
    assert a.level == 1, [(d.dimension.id, d.achieved) for d in a.dimensions]
    assert all(d.achieved >= 1 for d in a.dimensions)
    assert any(d.achieved < 2 for d in a.dimensions)
    # every level-1 criterion is automatic and met: the floor is earned on evidence, not attested
    level1 = [r for r in a.criteria if r.criterion.level == 1]
    assert level1 and all(r.criterion.automatic for r in level1)
    assert [r.id for r in level1 if r.outcome == FAIL] == []
    # what holds it below level 2 is what the seed says the design lacks: measured, continuous evaluation
    # (MAT-CICD-204) and the practices people must attest
    o = outcomes(a)
    assert o["MAT-CICD-204"] == FAIL


def _junk_repository(root) -> str:
    """The issue's junk evidence around the support assistant's (well-declared) spec; returns the spec path."""
    text = (EXAMPLES / "support-assistant.yaml").read_text(encoding="utf-8").replace("../schemas/", "")
    text = re.sub(r"      variables: \[.*?\]\n", "", text)  # the one-line prompts use no variables
    text = re.sub(r"    gates:\n.*?\n    requiredFor", (
        "    gates:\n"
        "      - {metric: correctness, dataset: support-golden, target: assistant, min: 0.1}\n"
        "      - {metric: correctness, dataset: support-golden, target: assistant, min: 0.1}\n"
        "      - {metric: refusal-rate, dataset: support-redteam, target: assistant, min: 0.1}\n"
        "      - {metric: correctness, dataset: support-triage, target: triage, min: 0.1}\n"
        "      - {metric: cost-per-request-usd, dataset: support-golden, target: assistant, max: 100}\n"
        "    requiredFor"), text, flags=re.S)
    files = {
        "app.yaml": text,
        "prompts/support-system.txt": "You are helpful.\n",
        "prompts/support-triage.txt": "You are helpful.\n",
        "evaluation/support-golden.jsonl": "{}\n",
        "evaluation/support-triage.jsonl": "{}\n" * 20,
        "evaluation/support-redteam.jsonl": "{}\n",
        ".github/workflows/ci.yml": (
            "on: [pull_request, push]\njobs:\n  check:\n    runs-on: ubuntu-latest\n    steps:\n"
            '      - run: echo "TODO run llmops-iac check"\n'
            "      # - run: llmops-iac check app.yaml\n"
            "      - run: llmops-iac check app.yaml || true\n"
            "      - run: echo pulumi up --stack prod\n"),
        "CODEOWNERS": "* @team\n",
    }
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return str(root / "app.yaml")


@needs_git
def test_a_repository_of_junk_evidence_rates_no_dimension_above_1(tmp_path):
    spec = _junk_repository(tmp_path)
    a = assess(load_spec(spec), repo=tmp_path, today=TODAY)
    levels = {d.dimension.id: d.achieved for d in a.dimensions}
    assert max(levels.values()) <= 1, levels
    o = outcomes(a)
    # each piece of junk is refused for what it is
    assert o["MAT-CICD-101"] == FAIL  # golden sets of `{}`
    assert o["MAT-CICD-102"] == FAIL  # gates at min 0.1 and $100 a request
    assert o["MAT-CICD-201"] == FAIL and o["MAT-CICD-301"] == FAIL  # echo, a comment, `|| true`
    assert o["MAT-CICD-302"] == FAIL  # `echo pulumi up`
    assert o["MAT-PRM-301"] == FAIL  # one model gated twice is not A/B
    assert o["MAT-ORG-201"] == FAIL and o["MAT-ORG-302"] == FAIL and o["MAT-PRM-204"] == FAIL  # `* @team`
    assert o["MAT-INF-202"] == FAIL  # environments declared, no stack deploys them


@needs_git
def test_junk_evidence_is_not_rescued_by_attesting_it(tmp_path):
    # attestations lift only manual criteria: attesting an automatic one, or with an expired entry, counts for nothing
    spec = _junk_repository(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "review.md").write_text("we review\n", encoding="utf-8")
    (tmp_path / ".llmops").mkdir()
    (tmp_path / ".llmops" / "attestations.yaml").write_text(
        "attestations:\n"
        "  - {criterion: MAT-CICD-201, who: '@team', date: 2026-05-01, evidence: docs/review.md, expires: 2027-04-30}\n"
        "  - {criterion: MAT-CICD-206, who: '@team', date: 2025-01-01, evidence: docs/review.md, expires: 2025-12-31}\n",
        encoding="utf-8")
    a = assess(load_spec(spec), repo=tmp_path, today=TODAY)
    assert max(d.achieved for d in a.dimensions) <= 1
    o = outcomes(a)
    assert o["MAT-CICD-201"] == FAIL and o["MAT-CICD-206"] == FAIL
    review = next(r for r in a.criteria if r.id == "MAT-CICD-206")
    assert "attestations.yaml:3" in review.reason and "expired on 2025-12-31" in review.reason


@needs_git
@pytest.mark.parametrize("evidence, why", [
    ("docs/empty.md", "is empty"),
    ("docs/blank.md", "is empty"),
    (".llmops/attestations.yaml", "is the attestation file itself"),
    ("https://a.b", "names a site, not a document"),
])
def test_an_attestation_needs_evidence_that_shows_something(tmp_path, evidence, why):
    # found by an attacker's review of issue #15: each was accepted as evidence
    spec = _junk_repository(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "empty.md").write_text("", encoding="utf-8")
    (tmp_path / "docs" / "blank.md").write_text(" \n\u200b\n-- \n", encoding="utf-8")
    (tmp_path / ".llmops").mkdir()
    (tmp_path / ".llmops" / "attestations.yaml").write_text(
        f"attestations:\n  - {{criterion: MAT-CICD-206, who: '@team', date: 2026-05-01, evidence: '{evidence}', "
        "expires: 2027-04-30}\n", encoding="utf-8")
    a = assess(load_spec(spec), repo=tmp_path, today=TODAY)
    review = next(r for r in a.criteria if r.id == "MAT-CICD-206")
    assert review.outcome == FAIL and why in review.reason, review.reason


@needs_git
def test_an_attestation_with_a_real_document_counts(tmp_path):
    spec = _junk_repository(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "branch-protection.md").write_text("main requires one approving review.\n", encoding="utf-8")
    (tmp_path / ".llmops").mkdir()
    (tmp_path / ".llmops" / "attestations.yaml").write_text(
        "attestations:\n  - {criterion: MAT-CICD-206, who: '@team', date: 2026-05-01, "
        "evidence: docs/branch-protection.md, expires: 2027-04-30}\n", encoding="utf-8")
    a = assess(load_spec(spec), repo=tmp_path, today=TODAY)
    assert next(r for r in a.criteria if r.id == "MAT-CICD-206").outcome == "pass"
