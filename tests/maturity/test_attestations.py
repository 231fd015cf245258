"""Manual criteria are met only by a current attestation in the repository (.llmops/attestations.yaml).

Written from the attacker's side: every way an attestation file could make a manual criterion pass
without a person standing behind current evidence must leave it failing, with the reason at file:line;
a file of the wrong shape is an input error (exit 2), never a silent pass.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from llmops_iac.errors import EXIT_INPUT, SpecError
from llmops_iac.maturity import catalogue
from llmops_iac.maturity.assess import assess
from llmops_iac.maturity.checks import FAIL, PASS
from llmops_iac.spec.validate import load_spec
from tests.conftest import ROOT
from tests.maturity.helpers import TODAY, at_root

CAT = catalogue.load()
MANUAL = "MAT-ORG-204"  # a manual level-2 criterion
OTHER = "MAT-GOV-205"
SPEC = """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: attested-app
  owner: team@example.com
  dataClassification: internal
spec:
  environments:
    prod: {tier: production}
    dev: {tier: development}
"""


class Repo(type(ROOT)):  # a Path with a helper to write the attestation file
    def attest(self, text: str) -> None:
        (self / ".llmops").mkdir(exist_ok=True)
        (self / ".llmops" / "attestations.yaml").write_text(text)


@pytest.fixture
def repo(tmp_path):
    """A repository with a spec and a docs/ file to point evidence at; ``repo.attest(text)`` writes the attestations."""
    root = Repo(tmp_path / "repo")
    (root / ".git").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "docs" / "roles.md").write_text("Product owner: A. Person; AI risk owner: B. Person\n")
    (root / "llmapp.yaml").write_text(SPEC)
    return root


def entry(criterion: str = MANUAL, *, who: str = "'@acme/platform'", date: str = "2026-03-01",
          evidence: str = "docs/roles.md", expires: str = "2027-02-28", extra: str = "") -> str:
    return (f"  - criterion: {criterion}\n    who: {who}\n    date: {date}\n    evidence: {evidence}\n"
            f"    expires: {expires}\n{extra}")


def run(repo, environment: str | None = None):
    loaded = load_spec(str(repo / "llmapp.yaml"), environment=environment)
    return assess(loaded, repo=repo, today=TODAY)


def result(a, cid: str = MANUAL):
    return next(r for r in a.criteria if r.id == cid)


# -- what does not count ------------------------------------------------------------------------------------

def test_an_unattested_manual_criterion_fails_and_counts(repo):
    a = run(repo)
    r = result(a)
    assert r.outcome == FAIL and r.counted
    assert "not attested" in r.reason and ".llmops/attestations.yaml" in r.reason
    org = next(d for d in a.dimensions if d.id == "ORG")
    assert MANUAL in {x.id for x in org.criteria if x.outcome == FAIL}


def test_without_a_repository_manual_criteria_fail_and_say_why():
    with at_root():
        a = assess(load_spec("examples/document-intelligence.yaml"), today=TODAY)
    for r in a.manual():
        assert r.outcome == FAIL and "--repo" in r.reason, r.id


def test_a_valid_attestation_passes_with_its_location(repo):
    repo.attest("# who checked what\nattestations:\n" + entry())
    r = result(run(repo))
    assert r.outcome == PASS, r.reason
    assert "@acme/platform" in r.reason and ".llmops/attestations.yaml:3" in r.reason
    assert r.evidence[0].source.file == ".llmops/attestations.yaml" and r.evidence[0].source.line == 3
    assert r.to_dict()["attestation"]["location"] == ".llmops/attestations.yaml:3"
    assert r.attested


@pytest.mark.parametrize("kwargs, why", [
    ({"date": "2025-01-01", "expires": "2025-12-31"}, "expired on 2025-12-31"),
    ({"date": "2025-06-01", "expires": "2026-05-31"}, "expired on 2026-05-31"),  # the day before the assessment
    ({"date": "2026-06-02", "expires": "2027-01-01"}, "in the future"),
    ({"date": "2026-05-01", "expires": "2027-05-02"}, "longer than the catalogue's maximum of 365"),
    ({"date": "2026-05-01", "expires": "2026-05-01"}, "not after its date"),
    ({"evidence": "docs/missing.md"}, "does not exist in the repository"),
    ({"evidence": "../outside.md"}, "outside the repository"),
    ({"evidence": "docs"}, "directory"),
])
def test_an_attestation_that_cannot_count_leaves_the_criterion_failing_at_its_line(repo, kwargs, why):
    (repo.parent / "outside.md").write_text("not in the repository\n")
    repo.attest("attestations:\n" + entry(**kwargs))
    a = run(repo)
    r = result(a)
    assert r.outcome == FAIL, r.reason
    assert why in r.reason and ".llmops/attestations.yaml:2" in r.reason
    assert str(repo.parent) not in r.reason  # no local absolute path in a report
    assert any(why in p["message"] for p in a.to_dict()["attestations"]["problems"])


def test_the_edges_of_validity_count(repo):
    # exactly the maximum validity, dated today, expiring today: all still valid
    repo.attest("attestations:\n" + entry(date="2026-06-01", expires="2027-06-01"))
    assert result(run(repo)).outcome == PASS
    repo.attest("attestations:\n" + entry(date="2025-06-01", expires="2026-06-01"))
    assert result(run(repo)).outcome == PASS


def test_unknown_retired_and_automatic_criteria_are_reported_and_change_nothing(repo):
    repo.attest("attestations:\n" + entry("MAT-ORG-299") + entry("MAT-CICD-103") + entry("MAT-ORG-302"))
    a = run(repo)
    problems = {p["message"] for p in a.to_dict()["attestations"]["problems"]}
    assert any("MAT-ORG-299 is not a criterion" in p for p in problems)
    assert any("MAT-CICD-103 was retired" in p and "MAT-CICD-206" in p for p in problems)
    assert any("MAT-ORG-302 is checked automatically" in p for p in problems)
    assert result(a, "MAT-ORG-302").outcome == FAIL  # an attestation never stands in for evidence
    assert result(a).outcome == FAIL


def test_duplicate_entries_for_one_scope_count_for_nothing(repo):
    repo.attest("attestations:\n" + entry() + entry(date="2026-04-01", expires="2027-03-31"))
    r = result(run(repo))
    assert r.outcome == FAIL and "attested 2 times" in r.reason
    assert ":2" in r.reason and ":7" in r.reason


def test_scoped_attestations_apply_only_to_their_environment_and_spec(repo):
    repo.attest("attestations:\n" + entry(extra="    environments: [prod]\n") + entry(OTHER, extra="    specs: [other.yaml]\n"))
    assert result(run(repo, "prod")).outcome == PASS
    dev = run(repo, "dev")
    assert result(dev).outcome == FAIL and "scoped elsewhere" in result(dev).reason
    assert result(run(repo)).outcome == FAIL  # the base spec is no named environment
    assert result(run(repo, "prod"), OTHER).outcome == FAIL
    # scoped to prod and to every environment: two entries apply in prod
    repo.attest("attestations:\n" + entry(extra="    environments: [prod]\n") + entry())
    assert "attested 2 times" in result(run(repo, "prod")).reason
    assert result(run(repo, "dev")).outcome == PASS


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_an_attestation_file_linked_from_outside_the_repository_counts_for_nothing(repo, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "attestations.yaml"
    outside.write_text("attestations:\n" + entry())
    (repo / ".llmops").mkdir()
    os.symlink(outside, repo / ".llmops" / "attestations.yaml")
    r = result(run(repo))
    assert r.outcome == FAIL and "not attested" in r.reason and "symbolic link out of the repository" in r.reason
    assert str(outside.parent) not in r.reason


# -- what is an input error ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, line, words", [
    ("attestations:\n" + entry(who="''"), 3, "who"),
    ("attestations:\n  - criterion: MAT-ORG-204\n    date: 2026-03-01\n    evidence: docs/roles.md\n    expires: 2027-01-01\n",
     2, "who"),
    ("attestations:\n  - criterion: MAT-ORG-204\n    who: '@a/b'\n    date: 2026-03-01\n    expires: 2027-01-01\n", 2, "evidence"),
    ("attestations:\n" + entry(evidence="http://example.com/x"), 5, "evidence"),
    ("attestations:\n" + entry(evidence="https://example.com/x", extra="    approved: yes\n"), 7, "approved"),
    ("attestations:\n" + entry(date="2026-02-30"), 4, "valid date"),
    ("attestations:\n" + entry(criterion="ORG-204"), 2, "criterion"),
    ("attestations:\n  - criterion: [MAT-ORG-204\n", 2, "YAML"),
    ("- criterion: MAT-ORG-204\n", 1, "mapping"),
    ("attestation:\n" + entry(), 1, "attestation"),
])
def test_a_malformed_attestation_file_is_an_input_error_at_file_and_line(repo, text, line, words):
    repo.attest(text)
    with pytest.raises(SpecError) as err:
        run(repo)
    diags = err.value.diagnostics
    assert any(d.file.endswith(".llmops/attestations.yaml") for d in diags)
    assert any(d.line == line and words.lower() in (d.message + d.hint).lower() for d in diags), \
        [(d.line, d.message) for d in diags]


def test_the_cli_exits_2_on_a_malformed_attestation_file(repo, invoke):
    repo.attest("attestations:\n" + entry(who="nobody"))
    result = invoke("maturity", str(repo / "llmapp.yaml"), "--repo", str(repo))
    assert result.exit_code == EXIT_INPUT
    assert "attestations.yaml:3" in result.output and "who" in result.output


def test_the_cli_reports_attested_criteria(repo, invoke):
    repo.attest("attestations:\n" + entry())
    result = invoke("maturity", str(repo / "llmapp.yaml"), "--repo", str(repo), "--format", "json")
    data = json.loads(result.output)
    crit = next(c for c in data["criteria"] if c["id"] == MANUAL)
    assert crit["outcome"] == "pass" and crit["attestation"]["who"] == "@acme/platform"
    assert data["summary"]["attested"] == 1


def test_the_published_schema_matches_what_the_loader_enforces():
    schema = json.loads((ROOT / "schemas" / "attestations.schema.json").read_text())
    required = set(schema["$defs"]["attestation"]["required"])
    assert required == {"criterion", "who", "date", "evidence", "expires"}
    assert CAT.attestation_file == ".llmops/attestations.yaml" and CAT.max_attestation_days == 365


def test_the_mature_fixture_attests_every_manual_criterion_and_needs_to(tmp_path):
    # Without its attestation file the mature repository is no longer enterprise-grade.
    shutil.copytree(ROOT / "tests" / "fixtures" / "repos" / "mature", tmp_path / "mature")
    (tmp_path / "mature" / ".llmops" / "attestations.yaml").unlink()
    a = assess(load_spec(str(tmp_path / "mature" / "specs" / "llmapp.yaml")), repo=tmp_path / "mature", today=TODAY)
    assert a.level < 3
    # besides the manual criteria only what no attestation can give: measured results (MAT-CICD-204, assessed here
    # without --eval-results) and a live A/B split (MAT-PRM-301: the fixture is Bedrock-only)
    assert {r.id for r in a.criteria if r.outcome == FAIL} == {r.id for r in a.manual()} | {"MAT-CICD-204", "MAT-PRM-301"}
