"""`llmops-iac check --base REV`: the same paths judged at REV, compared with the working tree, end to end in git
repositories `llmops-iac init` wrote (one spec, dev and prod, clean). Each test makes a base commit and a change
the way a pull request would, then reads the comment as a reviewer would."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import console_script

GIT_ENV = {"GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "dev",
           "GIT_COMMITTER_EMAIL": "dev@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
RUNBOOK = {1: "        runbookUrl: https://runbooks.example.com/demo-app/high-latency        # TODO(init): your runbook\n",
           2: "        runbookUrl: https://runbooks.example.com/demo-app/throttling          # TODO(init): your runbook\n"}


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    app = tmp_path_factory.mktemp("template") / "app"
    result = subprocess.run([str(console_script()), "init", str(app), "--name", "demo-app", "--owner", "@acme/ml"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    if not (app / ".git").exists():
        git(app, "init", "-q")
    git(app, "checkout", "-q", "-B", "main")
    git(app, "add", "-A")
    git(app, "commit", "-qm", "init")
    return app


@pytest.fixture
def repo(template, tmp_path) -> Path:
    dest = tmp_path / "app"
    shutil.copytree(template, dest, symlinks=True)
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def commit(repo: Path, message: str = "base") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def check(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(console_script()), "check", *args], cwd=repo, capture_output=True, text=True,
                          timeout=180, env={**os.environ, **GIT_ENV})


def review(repo: Path, *paths: str, base: str = "main") -> tuple[int, str]:
    result = check(repo, *(paths or (".",)), "--base", base, "--format", "markdown")
    assert result.returncode in (0, 1, 2), result.stderr
    assert result.stdout.startswith("<!-- llmops-iac-report -->\n"), result.stderr
    return result.returncode, result.stdout


def section(comment: str, title: str) -> str:
    """The text of the ``### title (N)`` section (or the unchanged <details>), '' when there is none."""
    if title == "Unchanged":
        m = re.search(r"<summary>Unchanged findings.*?</details>", comment, re.S)
        return m.group(0) if m else ""
    m = re.search(rf"^### [^\n]*{re.escape(title)}[^\n]*\n(.*?)(?=^### |^<details>|^<sub>|\Z)", comment, re.S | re.M)
    return m.group(0) if m else ""


def spec_row(comment: str, path: str) -> str:
    m = re.search(rf"^\| `[^|]*{re.escape(path)}` \|.*$", comment, re.M)
    return m.group(0) if m else ""


# ------------------------------------------------------------------------------------------------ bad --base

def test_a_base_that_does_not_exist_is_exit_2_before_any_work(repo):
    result = check(repo, ".", "--base", "origin/no-such-branch", "--format", "markdown")
    assert result.returncode == 2 and result.stdout == ""
    assert "--base origin/no-such-branch: no such commit" in result.stderr and "git fetch" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_shallow_clone_is_told_how_to_get_the_base(repo, tmp_path):
    commit(repo, "second")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    result = check(clone, ".", "--base", "HEAD~1", "--format", "markdown")
    assert result.returncode == 2 and "This clone is shallow" in result.stderr and "fetch-depth: 0" in result.stderr


@pytest.mark.parametrize("base", ["--output=/tmp/x", "-x", ""])
def test_a_base_that_looks_like_an_option_is_refused(repo, base):
    result = check(repo, ".", f"--base={base}", "--format", "markdown")
    assert result.returncode == 2 and "not a revision" in result.stderr


def test_base_outside_a_git_repository_is_exit_2(repo, tmp_path):
    plain = tmp_path / "plain"
    shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git"))
    result = check(plain, ".", "--base", "main", "--format", "markdown")
    assert result.returncode == 2 and "not in a git work tree" in result.stderr


def test_base_without_a_markdown_report_is_a_usage_error(repo):
    result = check(repo, ".", "--base", "main")
    assert result.returncode == 2 and "--base only changes the Markdown report" in result.stderr
    assert check(repo, ".", "--base", "main", "--output", f"markdown={repo.parent / 'c.md'}").returncode == 0


def test_base_with_a_spec_from_standard_input_is_a_usage_error(repo):
    """A spec read from standard input has no path in the repository to look up at REV: nothing to compare it with."""
    result = subprocess.run([str(console_script()), "check", "-", "--base", "main", "--format", "markdown"], cwd=repo,
                            input=(repo / "llmapp.yaml").read_text(), capture_output=True, text=True, timeout=180,
                            env={**os.environ, **GIT_ENV})
    assert result.returncode == 2 and result.stdout == ""
    assert "a spec from standard input has none" in result.stderr and "Traceback" not in result.stderr


# ------------------------------------------------------------------------------------------------ what changed

def test_a_fix_and_a_new_finding_of_the_same_rule_are_one_resolved_and_one_new(repo):
    spec = repo / "llmapp.yaml"
    edit(spec, RUNBOOK[1], "")  # base: the latency alarm has no runbook (LLM-OBS-006 at /spec/monitoring/alarms/1)
    commit(repo)
    edit(spec, "        threshold: 10000\n", "        threshold: 10000\n" + RUNBOOK[1])  # fixed...
    edit(spec, RUNBOOK[2], "")  # ...and the throttles alarm loses its runbook (alarms/2)
    code, comment = review(repo)
    assert code == 1  # the head's verdict: LLM-OBS-006 is an error in prod
    new, resolved = section(comment, "New findings"), section(comment, "Resolved")
    assert new.count("**LLM-OBS-006**") == 2 and "alarm assistant-throttles has no runbook URL" in new
    assert resolved.count("**LLM-OBS-006**") == 2 and "(line " in resolved
    assert "LLM-OBS-006" not in section(comment, "Unchanged")
    assert comment.splitlines()[1] == "## ❌ llmops-iac check failed: 2 new findings, 2 resolved"


def test_a_renamed_spec_keeps_its_findings_unchanged(repo):
    spec = repo / "llmapp.yaml"
    edit(spec, RUNBOOK[1], "")
    commit(repo)
    (repo / "apps").mkdir()
    for name in ("llmapp.yaml", "prompts", "evaluation"):  # the spec and the files it names move together
        git(repo, "mv", name, f"apps/{name}")
    for stack in ("dev", "prod"):  # the stacks deploy the spec where it now is
        edit(repo / "stacks" / f"Pulumi.{stack}.yaml", "llmops-iac:spec: llmapp.yaml", "llmops-iac:spec: apps/llmapp.yaml")
    # CI checks it, and CODEOWNERS owns it and its prompts, where they now are (the maturity evidence follows them)
    edit(repo / ".github" / "workflows" / "llmops-iac.yml", "paths: llmapp.yaml", "paths: apps/llmapp.yaml")
    for old in ("/llmapp.yaml", "/prompts/", "/evaluation/"):
        edit(repo / ".github" / "CODEOWNERS", f"\n{old} ", f"\n/apps{old} ")
    code, comment = review(repo)
    row = spec_row(comment, "apps/llmapp.yaml")
    assert "`llmapp.yaml` → `apps/llmapp.yaml`" in row and "renamed" in row, comment
    assert section(comment, "New findings") == "" and section(comment, "Resolved") == ""
    assert section(comment, "Unchanged").count("LLM-OBS-006") == 2
    assert comment.splitlines()[1].endswith("0 new findings, 0 resolved")


def test_a_deleted_spec_resolves_its_findings(repo):
    shutil.copy(repo / "llmapp.yaml", repo / "other.llmapp.yaml")
    edit(repo / "other.llmapp.yaml", "name: demo-app", "name: other-app")
    edit(repo / "other.llmapp.yaml", RUNBOOK[1], "")
    commit(repo)
    before = check(repo, ".", "--format", "json")
    assert before.returncode == 1 and "LLM-OBS-006" in before.stdout
    git(repo, "rm", "-q", "other.llmapp.yaml")
    code, comment = review(repo)
    assert code == 0
    assert "deleted" in spec_row(comment, "other.llmapp.yaml")
    resolved = section(comment, "Resolved")
    assert resolved.count("LLM-OBS-006") == 2 and "the spec was deleted" in resolved
    assert "$" in spec_row(comment, "other.llmapp.yaml") and "→ —" in spec_row(comment, "other.llmapp.yaml")


def test_a_spec_that_stops_being_read_as_one_is_not_judged_not_resolved(repo):
    """Changing `kind` makes `check DIR` skip the file: its findings are not fixed, they are no longer judged."""
    shutil.copy(repo / "llmapp.yaml", repo / "other.yaml")
    edit(repo / "other.yaml", "name: demo-app", "name: other-app")
    edit(repo / "other.yaml", RUNBOOK[1], "")
    commit(repo)
    edit(repo / "other.yaml", "kind: LLMApplication", "kind: LLMApplicaton")
    edit(repo / "other.yaml", "apiVersion: llmops-iac/v1", "apiVersion: example/v1")
    code, comment = review(repo)
    assert "no longer checked" in spec_row(comment, "other.yaml")
    assert section(comment, "Resolved") == ""
    assert section(comment, "No longer judged").count("LLM-OBS-006") == 2


def test_a_spec_the_change_breaks_shows_the_input_error_and_judges_nothing_resolved(repo):
    spec = repo / "llmapp.yaml"
    edit(spec, RUNBOOK[1], "")
    commit(repo)
    edit(spec, "  dataClassification: internal", "  dataClassification: internal\n  colour: blue")
    code, comment = review(repo)
    assert code == 2
    assert "spec/unknown-key" in section(comment, "New findings")
    assert section(comment, "Resolved") == ""
    assert section(comment, "No longer judged").count("LLM-OBS-006") == 2
    assert "❌ 1 input error" in spec_row(comment, "llmapp.yaml")


def test_a_base_spec_that_was_invalid_makes_its_findings_new_and_its_errors_resolved(repo):
    spec = repo / "llmapp.yaml"
    edit(spec, "  dataClassification: internal", "  dataClassification: internal\n  colour: blue")
    commit(repo)
    edit(spec, "  dataClassification: internal\n  colour: blue", "  dataClassification: internal")
    edit(spec, RUNBOOK[1], "")
    code, comment = review(repo)
    assert code == 1
    assert "base was invalid" in spec_row(comment, "llmapp.yaml")
    assert "spec/unknown-key" in section(comment, "Resolved")
    assert section(comment, "New findings").count("LLM-OBS-006") == 2


def test_the_base_is_read_whole_even_where_export_ignore_would_hide_it(repo):
    """`git archive` would leave out files marked export-ignore: the base must not lose a spec that way (every
    finding would look new, or a spec with findings would look deleted)."""
    edit(repo / "llmapp.yaml", RUNBOOK[1], "")
    (repo / ".gitattributes").write_text("*.yaml export-ignore\n*.yaml export-subst\n")
    commit(repo)
    code, comment = review(repo)
    assert "This change touches no spec" in comment and section(comment, "Unchanged").count("LLM-OBS-006") == 2


def test_a_cost_change_per_environment_with_min_expected_max(repo):
    commit(repo)
    edit(repo / "llmapp.yaml", "requestsPerDay: 1000", "requestsPerDay: 3000")
    code, comment = review(repo)
    table = section(comment, "Monthly cost")
    row = next(line for line in table.splitlines() if line.startswith("| `llmapp.yaml` | prod"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2] == "$5.11 (no change)"  # minimum: provisioned capacity, no traffic
    assert re.fullmatch(r"\*\*\$125\.30 → \$[\d,.]+ \(\+\$[\d,.]+, \+\d+ %\)\*\*", cells[3]), cells
    assert re.fullmatch(r"\$[\d,.]+ → \$[\d,.]+ \(\+\$[\d,.]+, \+\d+ %\)", cells[4]), cells
    assert "over budget" in cells[1]  # 3x the traffic exceeds the 200 USD budget
    assert "| `llmapp.yaml` | dev" not in table  # dev declares its own traffic: no change there


def test_the_verdict_is_the_heads_whatever_the_base(repo):
    """A change that fixes some findings but keeps one failing still fails; a comparison never passes a failure."""
    spec = repo / "llmapp.yaml"
    edit(spec, RUNBOOK[1], "")
    edit(spec, RUNBOOK[2], "")
    commit(repo)
    edit(spec, "        threshold: 10\n", "        threshold: 10\n" + RUNBOOK[2])
    code, comment = review(repo)
    assert code == 1 and comment.splitlines()[1].startswith("## ❌ llmops-iac check failed: 0 new findings, 2 resolved")
    summary = re.search(r"<summary>Unchanged findings \((\d+); (\d+) at or above the fail level\)</summary>", comment)
    assert summary and int(summary.group(2)) >= 1 and "LLM-OBS-006" in section(comment, "Unchanged")


def test_a_policy_the_change_adds_in_the_repository_makes_new_findings(repo):
    """--policy-dir inside the repository is read as it was at the base: a rule the change adds (or edits) is part
    of the change. Judging the base with the head's policies would call its findings 'unchanged'."""
    from tests.policy.test_policy_cli import CUSTOM_RULE  # LLM-CUS-001: the app's name has no team- prefix

    (repo / "policy").mkdir()
    (repo / "policy" / "README.md").write_text("the team's rules\n")
    commit(repo)
    (repo / "policy" / "team.rego").write_text(CUSTOM_RULE)
    code, comment = review_with(repo, "--policy-dir", "policy")
    assert section(comment, "New findings").count("**LLM-CUS-001**") == 2
    assert "This change touches no spec" not in comment  # the spec did not change; its findings did
    assert "unchanged" in spec_row(comment, "llmapp.yaml")
    # and a rule the change removes resolves its findings
    commit(repo, "policy")
    (repo / "policy" / "team.rego").unlink()
    code, comment = review_with(repo, "--policy-dir", "policy", base="HEAD")
    assert section(comment, "Resolved").count("**LLM-CUS-001**") == 2


def review_with(repo: Path, *args: str, base: str = "main") -> tuple[int, str]:
    result = check(repo, ".", *args, "--base", base, "--format", "markdown")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, result.stdout
