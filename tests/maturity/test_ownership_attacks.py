"""Ownership is an owner rule that covers the spec and prompts and names someone, not only a catch-all (issue #15
section 1): MAT-ORG-201 (the spec) and MAT-PRM-204 (prompt files) need a rule for the file or its directory naming a
GitHub user or team; MAT-ORG-302 needs a team (@org/team) there for the spec and every prompt. A catch-all rule
(`*`, `**`, `/**`...), e-mail owners and a later rule without owners (CODEOWNERS: the last match wins) do not count."""

from __future__ import annotations

import pytest

from llmops_iac.maturity.checks import CHECKS, FAIL, PASS
from llmops_iac.maturity.codeowners import parse
from tests.maturity.test_evidence import collect, make_repo

CRITERIA = ("MAT-ORG-201", "MAT-PRM-204", "MAT-ORG-302")


def outcomes(tmp_path, codeowners: str) -> dict[str, str]:
    ev = collect(make_repo(tmp_path, {".github/CODEOWNERS": codeowners}), repo=tmp_path)
    return {c: CHECKS[c](ev).outcome for c in CRITERIA}


CASES = {  # CODEOWNERS -> (MAT-ORG-201, MAT-PRM-204, MAT-ORG-302)
    "catch-all-team": ("* @acme/ml\n", (FAIL, FAIL, FAIL)),
    "double-star-catch-all": ("** @acme/ml\n", (FAIL, FAIL, FAIL)),
    "rooted-catch-all": ("/** @acme/ml\n", (FAIL, FAIL, FAIL)),
    "star-slash-star-catch-all": ("**/* @acme/ml\n", (FAIL, FAIL, FAIL)),
    "email-owner": ("/app/ ml@example.com\n", (FAIL, FAIL, FAIL)),
    "catch-all-team-and-email": ("* @acme/ml\n/app/ ml@example.com\n", (FAIL, FAIL, FAIL)),
    "user-owner": ("* @acme/ml\n/app/ @alice\n", (PASS, PASS, FAIL)),
    "team-then-ownerless-prompts": ("/app/ @acme/ml\n/app/prompts/\n", (PASS, FAIL, FAIL)),
    "team-then-ownerless-spec": ("/app/ @acme/ml\n/app/llmapp.yaml\n", (FAIL, PASS, FAIL)),
    "team-and-user": ("/app/ @acme/ml @alice\n", (PASS, PASS, PASS)),
    "team-by-directory": ("* @acme/all\n/app/ @acme/ml\n", (PASS, PASS, PASS)),
    "gitlab-sections": ("[Everything]\n* @acme/all\n[App]\n/app/ @acme/ml\n", (PASS, PASS, PASS)),
    "gitlab-catch-all-sections-only": ("[Everything]\n* @acme/all\n[Docs]\n/docs/ @acme/docs\n", (FAIL, FAIL, FAIL)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ownership_counts_only_a_rule_for_the_file_naming_someone(tmp_path, name):
    text, expected = CASES[name]
    assert tuple(outcomes(tmp_path, text).values()) == expected


def test_a_catch_all_is_said_so_with_its_line(tmp_path):
    ev = collect(make_repo(tmp_path, {".github/CODEOWNERS": "# all\n*   @acme/ml\n"}), repo=tmp_path)
    result = CHECKS["MAT-ORG-201"](ev)
    assert "catch-all" in result.reason and ".github/CODEOWNERS:2" in result.reason
    assert result.evidence[0].source.line == 2


def test_catch_all_patterns_are_told_from_specific_ones():
    rules = parse("* @a\n** @a\n/** @a\n**/* @a\n/* @a\n*.yaml @a\n/app/ @a\napp/ @a\n**/prompts/ @a\n/app/*.txt @a\n").rules
    assert [r.catch_all for r in rules] == [True, True, True, True, True, False, False, False, False, False]


# Found by an attacker's review of issue #15: a GitHub CODEOWNERS read with GitLab's sections.

def test_a_section_header_in_githubs_codeowners_does_not_keep_an_earlier_owner(tmp_path):
    from llmops_iac.maturity import codeowners

    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text("/specs/ @acme/x\n[Misc]\n/specs/\n", encoding="utf-8")
    owners = codeowners.load(tmp_path)
    assert not owners.owners_of("specs/llmapp.yaml").owned  # GitHub: the last rule, without owners, wins


def test_a_root_codeowners_is_owned_only_as_both_hosts_read_it(tmp_path):
    from llmops_iac.maturity import codeowners

    (tmp_path / "CODEOWNERS").write_text("/specs/ @acme/x\n[Misc]\n/specs/\n", encoding="utf-8")
    assert not codeowners.load(tmp_path).owners_of("specs/llmapp.yaml").owned
    (tmp_path / "CODEOWNERS").write_text("/specs/ @acme/x\n", encoding="utf-8")
    assert codeowners.load(tmp_path).owners_of("specs/llmapp.yaml").owners == ("@acme/x",)


def test_gitlab_sections_still_add_up_in_gitlabs_own_location(tmp_path):
    from llmops_iac.maturity import codeowners

    (tmp_path / ".gitlab").mkdir()
    (tmp_path / ".gitlab" / "CODEOWNERS").write_text("[A]\n/specs/ @acme/x\n[B]\n/specs/ @acme/y\n", encoding="utf-8")
    assert codeowners.load(tmp_path).owners_of("specs/llmapp.yaml").owners == ("@acme/x", "@acme/y")
