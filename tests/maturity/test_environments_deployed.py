"""MAT-INF-202 "Environments are separated" needs proof that they are: stack files in the repository that deploy
this spec to a production environment and to one where changes are tried first (issue #15: a spec that only
*declares* environments, with nothing that deploys them, is a declaration, not a practice)."""

from __future__ import annotations

from llmops_iac.maturity.checks import CHECKS, FAIL, PASS
from tests.maturity.test_ci_attacks import PULUMI, SPEC_ENVS
from tests.maturity.test_evidence import collect, make_repo

CRITERION = "MAT-INF-202"


def judge(tmp_path, files: dict[str, str], *, repo: bool = True):
    spec = make_repo(tmp_path, files)
    spec.write_text(spec.read_text(encoding="utf-8") + SPEC_ENVS, encoding="utf-8")
    return CHECKS[CRITERION](collect(spec, repo=tmp_path if repo else None))


def _stack(spec: str, environment: str) -> str:
    return f"config:\n  aws:region: eu-west-1\n  llmops-iac:spec: {spec}\n  llmops-iac:environment: {environment}\n"


def test_declared_environments_without_any_stack_are_not_separated(tmp_path):
    result = judge(tmp_path, {"Pulumi.yaml": PULUMI["Pulumi.yaml"]})
    assert result.outcome == FAIL and "no stack in the repository deploys" in result.reason, result.reason


def test_stacks_that_deploy_another_spec_do_not_count(tmp_path):
    files = {"Pulumi.yaml": PULUMI["Pulumi.yaml"], "stacks/Pulumi.prod.yaml": _stack("other/llmapp.yaml", "prod"),
             "stacks/Pulumi.dev.yaml": _stack("other/llmapp.yaml", "dev")}
    result = judge(tmp_path, files)
    assert result.outcome == FAIL and "no stack in the repository deploys" in result.reason, result.reason


def test_a_production_stack_alone_is_not_separation(tmp_path):
    files = {"Pulumi.yaml": PULUMI["Pulumi.yaml"], "stacks/Pulumi.prod.yaml": PULUMI["stacks/Pulumi.prod.yaml"]}
    result = judge(tmp_path, files)
    assert result.outcome == FAIL and "development or staging" in result.reason, result.reason


def test_a_development_stack_alone_is_not_separation(tmp_path):
    files = {"Pulumi.yaml": PULUMI["Pulumi.yaml"], "stacks/Pulumi.dev.yaml": PULUMI["stacks/Pulumi.dev.yaml"]}
    result = judge(tmp_path, files)
    assert result.outcome == FAIL and "production" in result.reason, result.reason


def test_a_stack_of_an_undeclared_environment_is_production_not_a_place_to_try_changes(tmp_path):
    # "qa" is not declared in the spec: its tier is unknown, so it is judged (and counted) as production
    files = {"Pulumi.yaml": PULUMI["Pulumi.yaml"], "stacks/Pulumi.prod.yaml": PULUMI["stacks/Pulumi.prod.yaml"],
             "stacks/Pulumi.qa.yaml": _stack("app/llmapp.yaml", "qa")}
    result = judge(tmp_path, files)
    assert result.outcome == FAIL and "development or staging" in result.reason, result.reason


def test_without_repository_evidence_separation_is_not_shown(tmp_path):
    result = judge(tmp_path, dict(PULUMI), repo=False)
    assert result.outcome == FAIL and "--repo" in result.reason, result.reason


def test_a_production_and_a_development_stack_of_this_spec_separate_its_environments(tmp_path):
    result = judge(tmp_path, dict(PULUMI))
    assert result.outcome == PASS, result.reason
    assert {i.source.file for i in result.evidence if i.source.kind == "repo"} >= {
        "stacks/Pulumi.prod.yaml", "stacks/Pulumi.dev.yaml"}


# Found by an attacker's review of issue #15: stack files that no Pulumi project would read were credited.

def test_stack_files_without_a_pulumi_project_deploy_nothing(tmp_path):
    files = {k: v for k, v in PULUMI.items() if k != "Pulumi.yaml"}
    result = judge(tmp_path, files)
    assert result.outcome == FAIL and "no stack in the repository deploys" in result.reason, result.reason


def test_stack_files_outside_the_projects_stack_directory_deploy_nothing(tmp_path):
    # an unrelated project whose stacks live next to it: stacks/ is never read
    files = {**PULUMI, "Pulumi.yaml": "name: website\nruntime: nodejs\n"}
    result = judge(tmp_path, files)
    assert result.outcome == FAIL and "no stack in the repository deploys" in result.reason, result.reason


def test_a_stack_file_linked_from_outside_the_repository_deploys_nothing(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Pulumi.prod.yaml").write_text(PULUMI["stacks/Pulumi.prod.yaml"], encoding="utf-8")
    repo = tmp_path / "repo"
    files = {k: v for k, v in PULUMI.items() if k != "stacks/Pulumi.prod.yaml"}
    spec = make_repo(repo, files)
    spec.write_text(spec.read_text(encoding="utf-8") + SPEC_ENVS, encoding="utf-8")
    (repo / "stacks" / "Pulumi.prod.yaml").symlink_to(outside / "Pulumi.prod.yaml")
    result = CHECKS[CRITERION](collect(spec, repo=repo))
    assert result.outcome == FAIL and "production" in result.reason, result.reason
