"""`llmops-iac init`: what it refuses (nothing in the way is replaced, followed or half-written), then what it writes.

The attacker's side first: an existing file, a directory that is a file or a symbolic link, a link
planted inside the target, a name or owner that would inject text, an unwritable place, a failure
part-way. Each is exit 2 with the reason and leaves the file system as it was. Then the happy
path: the new repository passes `check` in every environment at once and `maturity` meets its
target, every file the spec names is there, CODEOWNERS gives the spec and prompts a team, the
workflow uses this repository's Action with inputs it declares, and .gitignore ignores what a run
leaves behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from llmops_iac import __version__
from llmops_iac.scaffold import FILES, REPOSITORY, SPEC_FILE, scaffold
from tests.conftest import ROOT, run_script

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def snapshot(root: Path) -> dict[str, object]:
    """Every path below ``root`` with what it is (file bytes, link target or 'dir'): to show nothing changed."""
    out: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = p.read_bytes()
    return out


# --- what init refuses ---------------------------------------------------------------------------------------------

def test_an_existing_spec_is_never_replaced_and_nothing_is_written(invoke, tmp_path):
    target = tmp_path / "app"
    target.mkdir()
    (target / SPEC_FILE).write_text("mine: true\n", encoding="utf-8")
    before = snapshot(tmp_path)
    result = invoke("init", str(target))
    assert result.exit_code == 2
    assert f"{target / SPEC_FILE} exists" in result.output
    assert snapshot(tmp_path) == before


def test_every_path_in_the_way_is_named_at_once(invoke, tmp_path):
    target = tmp_path / "app"
    (target / "stacks").mkdir(parents=True)
    (target / "stacks" / "Pulumi.dev.yaml").write_text("config: {}\n", encoding="utf-8")
    (target / ".gitignore").write_text("*.log\n", encoding="utf-8")
    (target / "prompts").write_text("a file where init needs a directory\n", encoding="utf-8")
    before = snapshot(tmp_path)
    result = invoke("init", str(target))
    assert result.exit_code == 2
    for needle in (f"{target / 'stacks' / 'Pulumi.dev.yaml'} exists", f"{target / '.gitignore'} exists",
                   f"{target / 'prompts'} exists and is not a directory"):
        assert needle in result.output
    assert "3 path(s) are in the way" in result.output
    assert snapshot(tmp_path) == before


def test_a_file_as_directory_is_refused(invoke, tmp_path):
    target = tmp_path / "app"
    target.write_text("not a directory\n", encoding="utf-8")
    result = invoke("init", str(target))
    assert result.exit_code == 2
    assert "is not a directory" in result.output
    assert target.read_text(encoding="utf-8") == "not a directory\n"


def test_a_path_below_a_file_is_refused(invoke, tmp_path):
    (tmp_path / "file").write_text("x\n", encoding="utf-8")
    before = snapshot(tmp_path)
    result = invoke("init", str(tmp_path / "file" / "app"), "--name", "app")
    assert result.exit_code == 2
    assert f"{tmp_path / 'file'} exists and is not a directory" in result.output
    assert snapshot(tmp_path) == before


def test_a_directory_that_is_a_symlink_out_is_refused(invoke, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    link = tmp_path / "app"
    link.symlink_to(outside)
    result = invoke("init", str(link))
    assert result.exit_code == 2
    assert "is a symbolic link" in result.output
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("planted", [".github", "stacks", "prompts"])
def test_a_symlink_planted_inside_is_never_followed(invoke, tmp_path, planted):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "app"
    target.mkdir()
    (target / planted).symlink_to(outside)
    before = snapshot(tmp_path)
    result = invoke("init", str(target))
    assert result.exit_code == 2
    assert f"{target / planted} is a symbolic link" in result.output
    assert snapshot(tmp_path) == before


def test_a_dangling_symlink_at_a_target_file_is_not_written_through(invoke, tmp_path):
    target = tmp_path / "app"
    target.mkdir()
    victim = tmp_path / "victim"
    (target / ".gitignore").symlink_to(victim)
    result = invoke("init", str(target))
    assert result.exit_code == 2
    assert f"{target / '.gitignore'} is a symbolic link" in result.output
    assert not victim.exists()
    assert sorted(p.name for p in target.iterdir()) == [".gitignore"]


def test_a_link_planted_after_the_check_is_not_followed_and_the_run_is_undone(tmp_path, monkeypatch):
    """The check and the write are apart in time: the write itself refuses links and existing files."""
    import llmops_iac.scaffold as sc

    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "app"
    target.mkdir()
    (target / "stacks").symlink_to(outside)
    monkeypatch.setattr(sc, "problems_at", lambda directory, paths: [])  # as if the link came after the check
    from llmops_iac.errors import UsageError

    with pytest.raises(UsageError, match="nothing was left behind"):
        scaffold(str(target))
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in target.iterdir()) == ["stacks"]


def test_a_file_created_after_the_check_is_not_replaced(tmp_path, monkeypatch):
    import llmops_iac.scaffold as sc
    from llmops_iac.errors import UsageError

    target = tmp_path / "app"
    target.mkdir()
    (target / "requirements.txt").write_text("theirs\n", encoding="utf-8")
    monkeypatch.setattr(sc, "problems_at", lambda directory, paths: [])
    with pytest.raises(UsageError):
        scaffold(str(target))
    assert (target / "requirements.txt").read_text(encoding="utf-8") == "theirs\n"
    assert sorted(p.name for p in target.iterdir()) == ["requirements.txt"]


def test_a_failure_part_way_removes_everything_the_run_created(tmp_path, monkeypatch):
    import llmops_iac.scaffold as sc
    from llmops_iac.errors import InternalError

    real = sc._create
    calls = []

    def failing(top, directory, rel, data, made_dirs, made_files):
        calls.append(rel)
        if len(calls) == 8:
            raise OSError(28, "No space left on device", os.path.join(directory, rel))
        return real(top, directory, rel, data, made_dirs, made_files)

    monkeypatch.setattr(sc, "_create", failing)
    target = tmp_path / "new" / "app"
    with pytest.raises(InternalError, match="No space left on device"):
        scaffold(str(target))
    assert len(calls) == 8
    assert list(tmp_path.iterdir()) == []  # even the directories it made, parents included


@pytest.mark.skipif(not os.path.isdir("/sys/kernel"), reason="needs Linux sysfs, where nobody may create a directory")
def test_an_unwritable_place_is_exit_2(invoke):
    target = "/sys/llmops-iac-init-test/app"
    if os.path.exists(target):
        pytest.skip("the test path exists")
    result = invoke("init", target)
    assert result.exit_code == 2
    assert "cannot write" in result.output
    assert not os.path.exists("/sys/llmops-iac-init-test")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_directory_is_exit_2(invoke, tmp_path):
    target = tmp_path / "app"
    target.mkdir()
    target.chmod(0o555)
    try:
        result = invoke("init", str(target))
    finally:
        target.chmod(0o755)
    assert result.exit_code == 2
    assert "cannot write" in result.output
    assert list(target.iterdir()) == []


@pytest.mark.parametrize("name", [
    "My-App", "1app", "app-", "-app", "a" * 33, "app\nkind: Evil", "app name", "", "äpp", "app_1", "app:",
])
def test_a_name_outside_the_schema_pattern_is_exit_2(invoke, tmp_path, name):
    result = invoke("init", str(tmp_path / "app"), "--name", name)
    assert result.exit_code == 2
    assert "--name" in result.output and "at most 32 characters" in result.output
    assert list(tmp_path.iterdir()) == []


def test_names_at_the_edges_of_the_pattern_pass(tmp_path):
    for name in ("a", "a" * 32, "a-1", "x9"):
        done = scaffold(str(tmp_path / name), name=name)
        assert done.name == name
        assert yaml.safe_load((tmp_path / name / SPEC_FILE).read_text(encoding="utf-8"))["metadata"]["name"] == name


def test_a_directory_name_that_is_no_application_name_asks_for_name(invoke, tmp_path):
    result = invoke("init", str(tmp_path / "My App"))
    assert result.exit_code == 2
    assert "--name" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("owner", [
    "@someone", "team", "acme/ml", "@acme/ml\n* @attacker", "@acme/ml @attacker/x", "@-acme/ml", "@acme/", "a@b.com",
])
def test_an_owner_that_is_not_one_github_team_is_exit_2(invoke, tmp_path, owner):
    result = invoke("init", str(tmp_path / "app"), "--owner", owner)
    assert result.exit_code == 2
    assert "--owner" in result.output and "@org/team" in result.output
    assert list(tmp_path.iterdir()) == []


@needs_git
def test_a_directory_inside_another_repository_is_refused(invoke, tmp_path):
    subprocess.run([GIT, "init", "-q", str(tmp_path)], check=True)
    before = snapshot(tmp_path)
    result = invoke("init", str(tmp_path / "services" / "app"))
    assert result.exit_code == 2
    assert f"inside the git repository {tmp_path}" in result.output
    assert snapshot(tmp_path) == before


# --- what init writes ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """One scaffolded repository (init as the installed console script), shared by the read-only tests below."""
    target = tmp_path_factory.mktemp("init") / "chat-helper"
    result = run_script("init", str(target), "--owner", "@acme/ml-platform", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "created 12 files for application chat-helper" in result.stdout
    assert "pulumi stack init dev" in result.stdout
    return target


@needs_git
def test_the_new_repository_passes_check_in_every_environment(project):
    result = run_script("check", str(project), "--format", "json", timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    judged = {(r["environment"], r["stack"], r["tier"]) for r in report["files"]}
    assert judged == {("dev", "dev", "development"), ("prod", "prod", "production")}, judged
    assert all(r["ok"] and not r["diagnostics"] for r in report["files"])
    errors = [f for r in report["files"] for f in r["policy"]["findings"]
              if f["severity"] == "error" and not f.get("waived")]
    assert errors == []
    assert report["summary"]["findings"]["fail"] is False


@needs_git
def test_the_new_repository_is_operational_on_evidence_and_lists_what_people_must_attest(project):
    # Everything llmops-iac can verify reaches the target (2); the manual practices (reviews, training,
    # named roles, bias audits, evaluation methods) are met only when the team attests them, which a
    # generated repository cannot honestly do for them.
    result = run_script("maturity", str(project / SPEC_FILE), "--fail-under", "1", "--format", "json", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assessment = json.loads(result.stdout)
    # ... and so are measured evaluation results (MAT-CICD-204): a new repository has not run its gates yet
    evidenced = {d["id"]: d["evidenced"] for d in assessment["dimensions"]}
    assert evidenced == {**{d: 2 for d in evidenced}, "CICD": 1}, evidenced
    assert assessment["overall"]["level"] == 1 and not assessment["overall"]["meetsTarget"] and assessment["target"] == 2
    level2 = [c for c in assessment["criteria"] if c["level"] <= 2 and c["outcome"] == "fail"]
    results = [c for c in level2 if c["id"] == "MAT-CICD-204"]
    assert len(results) == 1 and "no evaluation results given" in results[0]["reason"]
    assert all(c["kind"] == "manual" and "not attested" in c["reason"] for c in level2 if c not in results)
    assert assessment["repository"]["codeowners"] == ".github/CODEOWNERS"
    assert assessment["repository"]["ciFiles"] == [".github/workflows/llmops-iac.yml"]


def test_every_file_is_written_and_no_placeholder_token_is_left(project):
    for rel, _template in FILES:
        text = (project / rel).read_text(encoding="utf-8")
        assert "@@" not in text, rel
    assert (project / SPEC_FILE).read_text(encoding="utf-8").splitlines()[0] == (
        f"# yaml-language-server: $schema=https://raw.githubusercontent.com/{REPOSITORY}/v{__version__}"
        "/schemas/llmapp.schema.json")


def test_every_file_the_spec_names_is_in_the_repository(project):
    spec = yaml.safe_load((project / SPEC_FILE).read_text(encoding="utf-8"))["spec"]
    named = [p["file"] for p in spec["prompts"].values()] + [d["file"] for d in spec["evaluation"]["datasets"].values()]
    assert named
    for rel in named:
        assert (project / rel).is_file(), rel
        if rel.endswith(".jsonl"):
            assert all(json.loads(line) for line in (project / rel).read_text(encoding="utf-8").splitlines())


def test_environments_and_stacks_pair_dev_and_prod_with_their_tiers(project):
    spec = yaml.safe_load((project / SPEC_FILE).read_text(encoding="utf-8"))["spec"]
    assert {n: e["tier"] for n, e in spec["environments"].items()} == {"dev": "development", "prod": "production"}
    for env in ("dev", "prod"):
        config = yaml.safe_load((project / "stacks" / f"Pulumi.{env}.yaml").read_text(encoding="utf-8"))["config"]
        assert config["llmops-iac:spec"] == SPEC_FILE
        assert config["llmops-iac:environment"] == env
        assert config["aws:region"] == config["aws-native:region"]


def test_codeowners_gives_the_spec_and_prompts_a_team_not_only_a_catch_all(project):
    from llmops_iac.maturity.codeowners import parse

    owners = parse((project / ".github" / "CODEOWNERS").read_text(encoding="utf-8"), ".github/CODEOWNERS")
    assert not owners.problems
    for rel in (SPEC_FILE, "prompts/assistant-system.txt", "evaluation/golden.jsonl", "stacks/Pulumi.prod.yaml"):
        who = owners.owners_of(rel)
        assert who.teams == ("@acme/ml-platform",), rel
        assert who.rules[-1].pattern != "*", f"{rel} is owned only through the catch-all rule"


def test_the_workflow_runs_this_repositorys_action_with_inputs_it_declares(project):
    workflow = yaml.safe_load((project / ".github" / "workflows" / "llmops-iac.yml").read_text(encoding="utf-8"))
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert "pull_request" in workflow[True]  # PyYAML reads the key `on` as True
    steps = workflow["jobs"]["check"]["steps"]
    ours = [s for s in steps if s.get("uses", "").startswith(REPOSITORY + "@")]
    assert len(ours) == 1 and ours[0]["uses"] == f"{REPOSITORY}@v{__version__}"
    assert set(ours[0]["with"]) <= set(action["inputs"])
    assert (project / ours[0]["with"]["paths"]).is_file()
    assert workflow["permissions"]["security-events"] == "write"


def test_the_repository_names_this_project_where_reports_do():
    from llmops_iac.report.findings import DEFAULT_INFORMATION_URI

    assert DEFAULT_INFORMATION_URI == f"https://github.com/{REPOSITORY}"


@needs_git
@pytest.mark.parametrize("path,ignored", [
    (".venv/bin/python", True), ("__pycache__/x.cpython-311.pyc", True), ("prompts/__pycache__/a.pyc", True),
    ("chat-helper.dev.plan.json", True), ("results.sarif", True), (".llmops-iac-cache/x", True),
    (SPEC_FILE, False), ("prompts/assistant-system.txt", False), ("stacks/Pulumi.prod.yaml", False),
    ("requirements.txt", False), ("__main__.py", False), ("evaluation/golden.jsonl", False),
])
def test_gitignore_ignores_what_runs_leave_and_nothing_the_project_needs(project, path, ignored):
    done = subprocess.run([GIT, "-C", str(project), "check-ignore", "-q", "--no-index", path])
    assert done.returncode == (0 if ignored else 1), path


def test_requirements_pin_the_deploy_extra_at_this_version(project):
    lines = [ln.strip() for ln in (project / "requirements.txt").read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    assert lines == [f"llmops-iac[deploy]=={__version__}"]


def test_the_placeholders_are_marked(project):
    text = (project / SPEC_FILE).read_text(encoding="utf-8")
    for line in text.splitlines():
        if re.search(r"example\.com|TODO-cost-center|@your-org", line):
            assert "TODO(init)" in line, line


@needs_git
def test_init_in_an_existing_repository_root_keeps_its_git_and_other_files(invoke, tmp_path):
    subprocess.run([GIT, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "README.md").write_text("# mine\n", encoding="utf-8")
    head = (tmp_path / ".git" / "HEAD").read_bytes()
    result = invoke("init", str(tmp_path), "--name", "mine")
    assert result.exit_code == 0, result.output
    assert "a new git repository" not in result.output
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "# mine\n"
    assert (tmp_path / ".git" / "HEAD").read_bytes() == head
    assert (tmp_path / SPEC_FILE).is_file()


def test_without_git_the_files_are_written_and_the_user_is_told(invoke, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    result = invoke("init", str(tmp_path / "app"))
    assert result.exit_code == 0
    assert "git is not installed" in result.output
    assert (tmp_path / "app" / SPEC_FILE).is_file()


def test_the_current_directory_is_the_default(invoke, tmp_path, monkeypatch):
    target = tmp_path / "from-cwd"
    target.mkdir()
    monkeypatch.chdir(target)
    result = invoke("init")
    assert result.exit_code == 0, result.output
    assert "application from-cwd" in result.output
    assert (target / SPEC_FILE).is_file()


def test_a_directory_name_with_control_characters_is_shown_escaped(invoke, tmp_path):
    target = tmp_path / "app\x1b[31m red"
    result = invoke("init", str(target), "--name", "app")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "app\\x1b[31m red" in result.output
    assert "cd '" in result.output  # quoted for the shell
    assert (target / SPEC_FILE).is_file()


def test_an_empty_directory_argument_is_exit_2(invoke, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("init", "")
    assert result.exit_code == 2
    assert "the directory is empty" in result.output
    assert list(tmp_path.iterdir()) == []


def test_without_owner_the_placeholder_team_is_marked_and_with_one_it_is_not(tmp_path):
    scaffold(str(tmp_path / "a"))
    scaffold(str(tmp_path / "b"), owner="@acme/ml")
    placeholder = (tmp_path / "a" / ".github" / "CODEOWNERS").read_text(encoding="utf-8")
    assert "# TODO(init): replace @your-org/a-team" in placeholder
    given = (tmp_path / "b" / ".github" / "CODEOWNERS").read_text(encoding="utf-8")
    assert "TODO" not in given and "@your-org" not in given
    owner_line = next(ln for ln in (tmp_path / "b" / SPEC_FILE).read_text(encoding="utf-8").splitlines()
                      if ln.strip().startswith("owner:"))
    assert '"@acme/ml"' in owner_line and "TODO" not in owner_line
