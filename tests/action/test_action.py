"""action.yml run the way GitHub runs it: every `run:` step as `bash --noprofile --norc -eo pipefail FILE`.

The workspace is what actions/checkout leaves on a pull request: a shallow (depth 1) clone of the
pull request's head, with `origin` holding the base branch. The repository is one `llmops-iac init`
wrote (one spec, dev and prod, clean), and each pull request changes it:

- ``clean``: more traffic (a cost change, no finding): exit 0
- ``findings``: the owner removed (LLM-GOV-002, an error in prod): exit 1
- ``broken``: an unknown key in the spec: exit 2
- an OPA server that does not answer (``opa-url``): exit 3

`uses:` steps run recorded stand-ins: actions/setup-python puts this test environment's bin
directory on PATH (its `llmops-iac` console script was installed by `make install`, with the
OPA bindings, from this checkout) behind a `python` wrapper that records `python -m pip
install …` instead of running it; that is how the install step is "skipped": it runs, under
the runner's shell, and what it would install is asserted. actions/cache records its key;
upload-sarif checks the file is SARIF; the sticky comment keeps one comment per header, as
marocchino/sticky-pull-request-comment does (its hidden `<!-- Sticky Pull Request Comment{header} -->`).
"""

from __future__ import annotations

import datetime as dt

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.action.runner import BASH, CompositeRunner, JobRun, StepEnv
from tests.conftest import ROOT

ACTION_FILE = ROOT / "action.yml"
VENV_BIN = Path(sys.executable).parent
GIT_ENV = {"GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "dev",
           "GIT_COMMITTER_EMAIL": "dev@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


PULL_REQUESTS = {
    "clean": [("requestsPerDay: 1000", "requestsPerDay: 1200")],
    "findings": [('  owner: "@acme/ml"', "  # owner removed")],
    "broken": [("  dataClassification: internal", "  dataClassification: internal\n  colour: blue")],
}


def _attest(app: Path) -> None:
    """Attest the manual level-2 criteria of the new repository, as its team would (a test fixture's record)."""
    (app / "docs").mkdir()
    (app / "docs" / "operations.md").write_text("Reviews, evaluation plan, bias audit, training and roles.\n")
    entries = "".join(f"  - {{criterion: {c}, who: '@acme/ml', date: {dt.date.today().isoformat()}, "
                      f"evidence: docs/operations.md, expires: {(dt.date.today() + dt.timedelta(days=300)).isoformat()}}}\n"
                      for c in ("MAT-CICD-206", "MAT-CICD-205", "MAT-GOV-205", "MAT-ORG-203", "MAT-ORG-204", "MAT-COST-204"))
    (app / ".llmops").mkdir()
    (app / ".llmops" / "attestations.yaml").write_text("attestations:\n" + entries)


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> tuple[Path, str, dict[str, str]]:
    """A bare `origin` with main (what `llmops-iac init` writes) and one branch per pull request."""
    work = tmp_path_factory.mktemp("origin-work")
    app = work / "app"
    result = subprocess.run([str(VENV_BIN / "llmops-iac"), "init", str(app), "--name", "demo-app", "--owner", "@acme/ml"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    if not (app / ".git").exists():
        git(app, "init", "-q")
    _attest(app)  # the team's record of its manual practices: without it the target gap warns (LLM-MAT-002)
    git(app, "checkout", "-q", "-B", "main")
    git(app, "add", "-A")
    git(app, "commit", "-qm", "llmops-iac init")
    base = git(app, "rev-parse", "HEAD")
    heads = {}
    spec = app / "llmapp.yaml"
    text = spec.read_text()
    for name, edits in PULL_REQUESTS.items():
        git(app, "checkout", "-q", "-b", name, base)
        changed = text
        for old, new in edits:
            assert old in changed, (name, old)
            changed = changed.replace(old, new, 1)
        spec.write_text(changed)
        git(app, "commit", "-qam", name)
        heads[name] = git(app, "rev-parse", "HEAD")
        git(app, "checkout", "-q", "main")
    bare = work / "origin.git"
    git(work, "clone", "-q", "--bare", str(app), str(bare))
    git(bare, "config", "uploadpack.allowAnySHA1InWant", "true")  # GitHub serves any reachable commit by sha
    return bare, base, heads


def checkout(origin, branch: str, dest: Path) -> Path:
    """actions/checkout@v4 on a pull request: depth 1, the head only (here the branch; GitHub's merge commit
    of an up-to-date branch has the same tree)."""
    bare, _, _ = origin
    git(dest.parent, "clone", "-q", "--depth", "1", "--branch", branch, f"file://{bare}", str(dest))
    return dest


def pull_request_event(origin, branch: str, number: int = 7) -> dict:
    _, base, heads = origin
    return {"action": "synchronize", "number": number,
            "pull_request": {"number": number, "base": {"ref": "main", "sha": base},
                             "head": {"ref": branch, "sha": heads[branch]}},
            "repository": {"full_name": "acme/demo-app"}}


class StandIns:
    """Recorded stand-ins for the action's `uses:` steps."""

    def __init__(self, tmp: Path, comments: dict[str, str] | None = None):
        self.pip_calls = tmp / "pip-calls.txt"
        self.shim = tmp / "shim"
        self.shim.mkdir(exist_ok=True)
        python = self.shim / "python"
        python.write_text("#!/bin/bash\n"
                          'if [ "$1" = -m ] && [ "$2" = pip ] && [ "$3" = install ]; then\n'
                          f'  printf "%s\\n" "$*" >> {str(self.pip_calls)!r}; exit 0\n'
                          "fi\n"
                          f'exec {str(sys.executable)!r} "$@"\n')
        python.chmod(0o755)
        self.comments = {} if comments is None else comments  # header -> body: one comment per header
        self.uploaded: list[dict] = []

    def setup_python(self, with_: dict, io: StepEnv):
        io.add_path(VENV_BIN)
        io.add_path(self.shim)  # added last, so first on PATH: `python -m pip install` is recorded
        return "success", {"python-version": "%d.%d.%d" % sys.version_info[:3], "python-path": sys.executable}

    def cache(self, with_: dict, io: StepEnv):
        return "success", {"cache-hit": "false"}

    def upload_sarif(self, with_: dict, io: StepEnv):
        path = Path(with_["sarif_file"])
        if not path.is_file():
            return "failure", {}
        sarif = json.loads(path.read_text())
        if sarif.get("version") != "2.1.0":
            return "failure", {}
        self.uploaded.append({"category": with_.get("category"), "sarif": sarif})
        return "success", {"sarif-id": f"sarif-{len(self.uploaded)}"}

    def sticky_comment(self, with_: dict, io: StepEnv):
        body = Path(with_["path"]).read_text(encoding="utf-8")
        header = with_.get("header", "")
        created = header not in self.comments
        self.comments[header] = body + f"\n<!-- Sticky Pull Request Comment{header} -->"
        return "success", {"created_comment_id": "1" if created else "", "previous_comment_id": "" if created else "1"}

    def mapping(self):
        return {"actions/setup-python": self.setup_python, "actions/cache": self.cache,
                "github/codeql-action/upload-sarif": self.upload_sarif,
                "marocchino/sticky-pull-request-comment": self.sticky_comment}


def run_action(tmp_path: Path, origin, branch: str, inputs: dict[str, str] | None = None,
               comments: dict[str, str] | None = None, event_name: str = "pull_request") -> tuple[JobRun, StandIns]:
    run_dir = tmp_path / f"run-{branch}-{len(list(tmp_path.glob('run-*')))}"
    run_dir.mkdir()
    workspace = checkout(origin, branch, run_dir / "ws")
    stand_ins = StandIns(run_dir, comments)
    event = pull_request_event(origin, branch) if event_name == "pull_request" else {"ref": "refs/heads/main"}
    runner = CompositeRunner(ACTION_FILE, workspace, run_dir / "runner-temp", event_name=event_name, event=event,
                             stand_ins=stand_ins.mapping(), base_env={"GIT_CONFIG_GLOBAL": os.devnull})
    job = runner.run({"paths": "llmapp.yaml", **(inputs or {})})
    return job, stand_ins


def comment_of(stand_ins: StandIns) -> str:
    assert len(stand_ins.comments) == 1, stand_ins.comments.keys()
    return next(iter(stand_ins.comments.values()))


# ------------------------------------------------------------------------------------------------ the four cases

def test_findings_still_upload_sarif_comment_and_fail_the_job_with_exit_1(tmp_path, origin):
    """The issue's bug: under `-eo pipefail` the check step ended on llmops-iac's exit 1 before it wrote
    exit-code or sarif-file, so code scanning and the PR comment were skipped and the job said 'exit 3'."""
    job, s = run_action(tmp_path, origin, "findings")
    check = job.step("check")
    assert check.argv[:5] == BASH, job.log
    assert check.outcome == "success", job.log
    assert check.outputs.get("exit-code") == "1", job.log
    assert job.outputs["exit-code"] == "1"
    # code scanning got the finding, at the spec line, with the real OPA engine's verdict
    assert job.step("upload").outcome == "success", job.log
    [upload] = s.uploaded
    run = upload["sarif"]["runs"][0]
    assert {r["ruleId"] for r in run["results"]} >= {"LLM-GOV-002"}
    assert upload["category"] == "llmops-iac"
    # the comment leads with what the pull request changed
    comment = comment_of(s)
    assert re.match(r"<!-- llmops-iac-report -->\n## ❌ llmops-iac check failed: \d+ new findings, 0 resolved\n", comment)
    assert f"Compared with `{origin[1][:7]}`" in comment
    new = comment[comment.index("### 🆕 New findings"):]
    assert new.index("🔴 **error** · **LLM-GOV-002**") < new.index("🟠 **warning**")  # what fails the check first
    assert "engine `opa`" in comment
    # annotations on standard output, the job summary is the comment, and the job fails with exit 1
    assert "::error file=llmapp.yaml," in check.stdout and "LLM-GOV-002" in check.stdout
    assert job.summary == Path(check.outputs["markdown-file"]).read_text()
    result = job.step("Result")
    assert result.returncode == 1 and "::error title=llmops-iac::findings at or above the fail level" in result.stdout
    assert job.failed


def test_no_findings_pass_and_the_comment_shows_the_cost_delta(tmp_path, origin):
    job, s = run_action(tmp_path, origin, "clean")
    assert job.step("check").outputs.get("exit-code") == "0", job.log
    assert not job.failed and job.step("Result").returncode == 0
    assert job.step("upload").outcome == "success" and len(s.uploaded) == 1
    # the only findings: CI/CD below level 2 because its gates were not judged on measured results (MAT-CICD-204;
    # the workflow passes no --eval-results), warnings that do not fail the run
    results = s.uploaded[0]["sarif"]["runs"][0]["results"]
    assert results and {r["ruleId"] for r in results} <= {"LLM-MAT-001", "LLM-MAT-002"}, results
    assert all(r["level"] == "warning" and "CI/CD" in r["message"]["text"] and "MAT-CICD-204" in r["message"]["text"]
               for r in results), results
    comment = comment_of(s)
    assert comment.splitlines()[1] == "## ✅ llmops-iac check passed: 0 new findings, 0 resolved"
    assert re.search(r"expected monthly cost \*\*\+\$\d+\.\d\d\*\* \(\$[\d.,]+ → \$[\d.,]+\) 📈", comment), comment
    assert "### 💰 Monthly cost" in comment and "| `llmapp.yaml` | prod |" in comment
    assert job.summary == comment.split("\n<!-- Sticky")[0]


def test_an_input_error_is_exit_2_with_the_reports_uploaded(tmp_path, origin):
    job, s = run_action(tmp_path, origin, "broken")
    check = job.step("check")
    assert check.outcome == "success" and check.outputs.get("exit-code") == "2", job.log
    assert "::error file=llmapp.yaml,line=" in check.stdout and "unknown-key" in check.stdout
    [upload] = s.uploaded
    assert any(r["ruleId"].endswith("unknown-key") for r in upload["sarif"]["runs"][0]["results"])
    comment = comment_of(s)
    assert "## ❌ llmops-iac check failed" in comment and "unknown-key" in comment
    assert "❌ 1 input error" in comment
    result = job.step("Result")
    assert result.returncode == 2 and "input error" in result.stdout
    assert job.outputs["exit-code"] == "2"


def test_an_internal_error_is_exit_3_and_the_comment_says_so(tmp_path, origin):
    """An OPA server that does not answer: no verdict, no report; the comment is still updated so that an
    earlier push's verdict is not left standing, and the job fails with 3."""
    job, s = run_action(tmp_path, origin, "clean", {"opa-url": "http://127.0.0.1:9"})
    check = job.step("check")
    assert check.outcome == "success" and check.outputs.get("exit-code") == "3", job.log
    assert "sarif-file" not in check.outputs and job.step("upload").kind == "skipped"
    comment = comment_of(s)
    assert "## ❌ llmops-iac check could not give a verdict (exit 3)" in comment
    result = job.step("Result")
    assert result.returncode == 3 and "could not give a verdict (exit 3)" in result.stdout
    assert job.outputs["exit-code"] == "3" and job.failed


# ------------------------------------------------------------------------------------------------ comment, install, cache

def test_one_comment_is_updated_on_every_push(tmp_path, origin):
    comments: dict[str, str] = {}
    first, _ = run_action(tmp_path, origin, "findings", comments=comments)
    second, _ = run_action(tmp_path, origin, "clean", comments=comments)
    assert first.failed and not second.failed
    assert list(comments) == ["llmops-iac"]  # the same header both times: updated, never a second comment
    assert "check passed" in comments["llmops-iac"] and "LLM-GOV-002" not in comments["llmops-iac"]
    # a stack or another category gets its own comment (a matrix over stacks must not overwrite each other)
    third, _ = run_action(tmp_path, origin, "clean", {"sarif-category": "specs-a"}, comments=comments)
    assert sorted(comments) == ["llmops-iac", "specs-a"]


def test_the_comparison_fetches_the_base_commit_a_shallow_checkout_lacks(tmp_path, origin):
    _, base, _ = origin
    job, s = run_action(tmp_path, origin, "clean")
    check = job.step("check")
    assert f"Compared with `{base[:7]}`" in comment_of(s)
    workspace = Path(check.cwd)
    assert git(workspace, "rev-parse", "--is-shallow-repository") == "true"
    assert git(workspace, "cat-file", "-t", base) == "commit"  # fetched by the step


def test_without_a_base_commit_the_comment_says_so_and_the_verdict_stands(tmp_path, origin):
    event_base = "f" * 40  # a base the remote does not have
    run_dir = tmp_path / "nobase"
    run_dir.mkdir()
    workspace = checkout(origin, "findings", run_dir / "ws")
    s = StandIns(run_dir)
    event = pull_request_event(origin, "findings")
    event["pull_request"]["base"]["sha"] = event_base
    job = CompositeRunner(ACTION_FILE, workspace, run_dir / "t", event=event, stand_ins=s.mapping(),
                          base_env={"GIT_CONFIG_GLOBAL": os.devnull}).run({"paths": "llmapp.yaml"})
    check = job.step("check")
    assert check.outputs["exit-code"] == "1", job.log
    assert "::warning title=llmops-iac::could not fetch the pull request's base commit" in check.stdout
    assert "Compared with" not in comment_of(s) and "LLM-GOV-002" in comment_of(s)


def test_base_false_turns_the_comparison_off_and_a_push_has_none(tmp_path, origin):
    job, s = run_action(tmp_path, origin, "findings", {"base": "false"})
    assert job.step("check").outputs["exit-code"] == "1"
    assert "Compared with" not in comment_of(s)
    push, s2 = run_action(tmp_path, origin, "findings", event_name="push")
    assert push.step("check").outputs["exit-code"] == "1"
    assert push.step("comment").kind == "skipped" and not s2.comments  # no pull request, no comment
    assert len(s2.uploaded) == 1 and "Compared with" not in push.summary


def test_the_install_step_installs_the_check_path_and_the_engine_only(tmp_path, origin):
    job, s = run_action(tmp_path, origin, "clean")
    install = job.step("Install llmops-iac")
    assert install.argv[:5] == BASH and install.outcome == "success", job.log
    calls = s.pip_calls.read_text().splitlines()
    assert calls == [
        f"-m pip install --disable-pip-version-check --quiet {ACTION_FILE.parent}",  # no [deploy] extra: no Pulumi
        "-m pip install --disable-pip-version-check --quiet --no-deps --ignore-requires-python "
        "opa-golib-python-bindings==0.4.4",
    ]
    # the engine pinned here is the one llmops-iac tells users to install, and the one this test ran
    from llmops_iac.policy.reference import INSTALL

    assert INSTALL.replace("pip install ", "") in calls[1]


def test_pip_downloads_are_cached_by_llmops_iac_version(tmp_path, origin):
    job, _ = run_action(tmp_path, origin, "clean")
    key_step = job.step("pip-cache")
    assert key_step.outcome == "success", job.log
    from llmops_iac import __version__ as version  # hatch reads the version from llmops_iac/__init__.py
    py = "%d.%d.%d" % sys.version_info[:3]
    key = key_step.outputs["key"]
    assert re.fullmatch(rf"llmops-iac-pip-Linux-py{re.escape(py)}-{re.escape(version)}-[0-9a-f]{{16}}", key), key
    assert key_step.outputs["restore-key"] == f"llmops-iac-pip-Linux-py{py}-"
    cache = job.step("Cache pip downloads")
    assert cache.kind == "uses" and cache.with_["key"] == key and cache.with_["path"] == key_step.outputs["dir"]
    assert Path(cache.with_["path"]).is_absolute()
    steps = [st.name for st in job.steps]
    assert steps.index("Cache pip downloads") < steps.index("Install llmops-iac")
