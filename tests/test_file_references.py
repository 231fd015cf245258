"""Files a spec names stay inside its repository (issue #12 §3), tried as an attacker would.

A prompt or dataset file is a path in a pull request, and a pull request can add symbolic links:
to `.git/config` (where actions/checkout keeps the CI token), to /proc/self/environ (the
process environment), to /dev/zero, to a FIFO, to anything outside the checkout. Whatever the
link points at was copied into the Plan (and so into a Bedrock prompt) before this was fixed.

Each case is a spec in a fresh repository (a directory with `.git/`) in tmp_path; every command
that reads the spec (`validate`, `plan`, `check`, `check --cache`) must stop with exit 2 at the
`file:` value's line, say where the reference points and never print what it points at.
Cases that could hang (FIFO, socket, /dev/zero) run the console script under a timeout.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest


TOKEN = "ghs_Z2hzX1NFQ1JFVFRPS0VOX2Zvcl90ZXN0cw"
GIT_CONFIG = f"""[core]
\trepositoryformatversion = 0
[http "https://github.com/"]
\textraheader = AUTHORIZATION: basic {TOKEN}
"""
ENV_SECRET = "s3cr3t-from-the-ci-environment"
PROMPT_TEXT = "You are a helpful assistant. Answer {{question}} from the help center."

SPEC = """apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: leaky-app
spec:
  prompts:
    sys:
      file: {prompt}
      version: 1
      variables: []
"""
PROMPT_LINE = 8  # the line of `file: {prompt}` above
PROMPT_COL = 13

DATASET_SPEC = """apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: leaky-app
spec:
  evaluation:
    datasets:
      golden:
        file: {dataset}
"""
DATASET_LINE = 9


def _repo(tmp_path: Path, *, git: bool = True) -> Path:
    """A repository with a CI token in .git/config, a prompt and an outside directory holding secrets."""
    repo = tmp_path / "repo"
    (repo / "prompts").mkdir(parents=True)
    if git:
        (repo / ".git").mkdir()
        (repo / ".git" / "config").write_text(GIT_CONFIG)
    (repo / "prompts" / "real.txt").write_text("You are a helpful assistant.\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"password={TOKEN}\n")
    return repo


def _spec(repo: Path, prompt: str, name: str = "app.yaml") -> Path:
    path = repo / name
    path.write_text(SPEC.format(prompt=prompt))
    return path


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60):
    """The console script in ``cwd`` (plan files land there), with ``env`` added to the environment."""
    import subprocess

    from tests.conftest import console_script

    return subprocess.run([str(console_script()), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def _refused(repo: Path, spec: Path, code: str, *fragments: str, line: int = PROMPT_LINE, col: int = PROMPT_COL,
             env: dict[str, str] | None = None, secrets: tuple[str, ...] = (TOKEN,)) -> None:
    """validate, plan and check all exit 2 with ``code`` at spec:line:col, and no secret reaches any output."""
    for args in (("validate", spec.name, "--format", "json"), ("plan", spec.name, "--format", "json", "--out", "-"),
                 ("check", spec.name, "--format", "json")):
        proc = _run(*args, cwd=repo, env=env)
        out = proc.stdout + proc.stderr
        for secret in secrets:
            assert secret not in out, f"{args[0]}: the secret reached the output:\n{out[:2000]}"
        assert proc.returncode == 2, f"{args[0]}: exit {proc.returncode}, expected 2\n{out[:2000]}"
        assert "Traceback" not in out
        if args[0] == "plan":  # plan prints diagnostics as text on stderr
            assert f"{spec.name}:{line}:{col}" in proc.stderr, proc.stderr
            assert code in proc.stderr, proc.stderr
            for fragment in fragments:
                assert fragment in proc.stderr, f"{fragment!r} not in:\n{proc.stderr}"
            continue
        report = json.loads(proc.stdout)
        diags = [d for f in report["files"] for d in f["diagnostics"]]
        found = [d for d in diags if d["code"] == code]
        assert found, f"{args[0]}: no {code} diagnostic in {diags}"
        assert (found[0]["line"], found[0]["col"]) == (line, col), found[0]
        text = found[0]["message"] + " " + found[0].get("hint", "")
        for fragment in fragments:
            assert fragment in text, f"{fragment!r} not in {text!r}"
        assert found[0].get("hint"), "a diagnostic says how to fix it"


# --- the two leaks the issue names ---------------------------------------------------------------------------------

def test_prompt_symlinked_to_git_config_is_refused_and_the_token_never_reaches_the_plan(tmp_path):
    repo = _repo(tmp_path)
    (repo / "prompts" / "sys.txt").symlink_to("../.git/config")
    spec = _spec(repo, "prompts/sys.txt")
    _refused(repo, spec, "file-in-git-directory", "prompts/sys.txt", ".git")
    assert not list(repo.glob("*.plan.json")), "no Plan is written"


def test_prompt_naming_git_config_directly_is_refused(tmp_path):
    # `.git/config` is inside the repository root and matches the schema's path pattern
    repo = _repo(tmp_path)
    spec = _spec(repo, ".git/config")
    _refused(repo, spec, "file-in-git-directory", ".git/config")


def test_prompt_in_a_git_directory_named_in_another_case_is_refused(tmp_path):
    # on a case-insensitive file system `.GIT/config` opens git's own config
    repo = _repo(tmp_path)
    (repo / ".GIT").symlink_to(".git")
    spec = _spec(repo, ".GIT/config")
    _refused(repo, spec, "file-in-git-directory")


def test_prompt_symlinked_to_proc_self_environ_is_refused_and_the_environment_never_reaches_the_plan(tmp_path):
    repo = _repo(tmp_path)
    (repo / "prompts" / "sys.txt").symlink_to("/proc/self/environ")
    spec = _spec(repo, "prompts/sys.txt")
    _refused(repo, spec, "file-outside-repository", "/proc/self/environ", env={"CI_SECRET": ENV_SECRET},
             secrets=(ENV_SECRET, TOKEN))


# --- things that are not regular files: refused before they are opened ----------------------------------------------

def test_prompt_symlinked_to_dev_zero_is_refused_without_reading_it(tmp_path):
    repo = _repo(tmp_path)
    (repo / "prompts" / "sys.txt").symlink_to("/dev/zero")
    spec = _spec(repo, "prompts/sys.txt")
    _refused(repo, spec, "file-outside-repository", "/dev/zero")


def test_prompt_that_is_a_fifo_is_refused_without_hanging(tmp_path):
    repo = _repo(tmp_path)
    os.mkfifo(repo / "prompts" / "sys.txt")
    spec = _spec(repo, "prompts/sys.txt")
    _refused(repo, spec, "not-a-file", "FIFO")


def test_prompt_symlinked_to_a_fifo_inside_the_repository_is_refused(tmp_path):
    repo = _repo(tmp_path)
    os.mkfifo(repo / "pipe")
    (repo / "prompts" / "sys.txt").symlink_to("../pipe")
    spec = _spec(repo, "prompts/sys.txt")
    _refused(repo, spec, "not-a-file", "FIFO")


def test_prompt_that_is_a_socket_is_refused(tmp_path, monkeypatch):
    repo = _repo(tmp_path)
    monkeypatch.chdir(repo / "prompts")  # AF_UNIX paths are limited to ~108 bytes: bind a relative name
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind("sys.txt")
        spec = _spec(repo, "prompts/sys.txt")
        _refused(repo, spec, "not-a-file", "socket")
    finally:
        server.close()


def test_prompt_that_is_a_directory_is_refused(tmp_path):
    repo = _repo(tmp_path)
    spec = _spec(repo, "prompts")
    _refused(repo, spec, "not-a-file", "directory")


# --- escapes --------------------------------------------------------------------------------------------------------

def test_prompt_symlinked_outside_the_repository_is_refused(tmp_path):
    repo = _repo(tmp_path)
    (repo / "prompts" / "sys.txt").symlink_to(tmp_path / "outside" / "secret.txt")
    spec = _spec(repo, "prompts/sys.txt")
    _refused(repo, spec, "file-outside-repository", str(tmp_path / "outside" / "secret.txt"), str(repo))


def test_prompt_symlinked_with_a_relative_escape_is_refused(tmp_path):
    repo = _repo(tmp_path)
    (repo / "prompts" / "sys.txt").symlink_to("../../outside/secret.txt")
    spec = _spec(repo, "prompts/sys.txt")
    _refused(repo, spec, "file-outside-repository")


def test_prompt_symlinked_to_etc_passwd_is_refused(tmp_path):
    repo = _repo(tmp_path)
    (repo / "prompts" / "sys.txt").symlink_to("../../../../../../../../../../../etc/passwd")
    spec = _spec(repo, "prompts/sys.txt")
    _refused(repo, spec, "file-outside-repository", "/etc/passwd", secrets=("root:",))


def test_prompt_under_a_symlinked_directory_that_escapes_is_refused(tmp_path):
    repo = _repo(tmp_path)
    (repo / "shared").symlink_to(tmp_path / "outside", target_is_directory=True)
    spec = _spec(repo, "shared/secret.txt")
    _refused(repo, spec, "file-outside-repository")


def test_written_traversal_and_absolute_paths_stay_schema_errors(tmp_path):
    repo = _repo(tmp_path)
    for ref in ("../../etc/passwd", "/etc/passwd", str(tmp_path / "outside" / "secret.txt")):
        spec = _spec(repo, ref)
        proc = _run("validate", spec.name, "--format", "json", cwd=repo)
        assert proc.returncode == 2, proc.stdout
        diag = json.loads(proc.stdout)["files"][0]["diagnostics"][0]
        assert (diag["code"], diag["line"]) == ("pattern", PROMPT_LINE)


def test_symlink_loop_is_an_input_error(tmp_path):
    repo = _repo(tmp_path)
    (repo / "prompts" / "a.txt").symlink_to("b.txt")
    (repo / "prompts" / "b.txt").symlink_to("a.txt")
    spec = _spec(repo, "prompts/a.txt")
    _refused(repo, spec, "symlink-loop", "prompts/a.txt")


def test_dangling_symlink_says_where_it_points(tmp_path):
    repo = _repo(tmp_path)
    (repo / "prompts" / "sys.txt").symlink_to("gone.txt")
    spec = _spec(repo, "prompts/sys.txt")
    _refused(repo, spec, "file-not-found", "gone.txt")


def test_unreadable_prompt_is_an_input_error_naming_it(tmp_path):
    import shutil
    import subprocess

    from tests.conftest import console_script

    repo = _repo(tmp_path)
    secret = repo / "prompts" / "sys.txt"
    secret.write_text("top secret\n")
    secret.chmod(0)
    spec = _spec(repo, "prompts/sys.txt")
    command = [str(console_script()), "validate", spec.name, "--format", "json"]
    if os.geteuid() == 0:  # root reads anything: run it without the capabilities that bypass file permissions
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: a file cannot be made unreadable")
        drop = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}", *command]
    proc = subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    diag = json.loads(proc.stdout)["files"][0]["diagnostics"][0]
    assert diag["code"] == "file-unreadable" and diag["line"] == PROMPT_LINE, diag
    assert "prompts/sys.txt" in diag["message"]


# --- what stays allowed -----------------------------------------------------------------------------------------------

def test_symlink_to_another_file_inside_the_repository_is_allowed(tmp_path):
    repo = _repo(tmp_path)
    (repo / "shared").mkdir()
    (repo / "shared" / "common.txt").write_text(PROMPT_TEXT)
    (repo / "prompts" / "sys.txt").symlink_to("../shared/common.txt")
    (repo / "linked").symlink_to("shared", target_is_directory=True)
    spec = _spec(repo, "prompts/sys.txt")
    spec.write_text(spec.read_text().replace("variables: []", "variables: [question]"))
    proc = _run("plan", spec.name, "--format", "json", "--out", "-", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "Answer {{question}} from the help center." in proc.stdout
    spec.write_text(spec.read_text().replace("prompts/sys.txt", "linked/common.txt"))
    assert _run("check", spec.name, "--format", "json", cwd=repo).returncode in (0, 1)


def test_a_spec_outside_any_repository_is_confined_to_its_own_directory(tmp_path):
    repo = _repo(tmp_path, git=False)
    (repo / "prompts" / "sys.txt").symlink_to("../../outside/secret.txt")
    spec = _spec(repo, "prompts/sys.txt")
    _refused(repo, spec, "file-outside-repository", str(repo))
    (repo / "prompts" / "sys.txt").unlink()
    (repo / "prompts" / "sys.txt").symlink_to("real.txt")
    assert _run("validate", spec.name, cwd=repo).returncode == 0


def test_the_repository_root_is_the_nearest_directory_with_git_above_the_spec(tmp_path):
    # a spec in a sub-directory may name a file elsewhere in its repository through a link
    repo = _repo(tmp_path)
    app = repo / "apps" / "one"
    app.mkdir(parents=True)
    (app / "p.txt").symlink_to("../../prompts/real.txt")
    spec = _spec(app, "p.txt")
    assert _run("validate", spec.name, cwd=app).returncode == 0
    (app / "p.txt").unlink()
    (app / "p.txt").symlink_to("../../.git/config")
    _refused(app, spec, "file-in-git-directory")


def test_a_git_worktree_file_marks_the_root_too(tmp_path):
    # in a linked worktree `.git` is a file; its gitdir (and so the token) lives outside the worktree
    repo = _repo(tmp_path, git=False)
    (repo / ".git").write_text(f"gitdir: {tmp_path / 'outside'}\n")
    (repo / "prompts" / "sys.txt").symlink_to("../.git")
    spec = _spec(repo, "prompts/sys.txt")
    _refused(repo, spec, "file-in-git-directory")


# --- datasets, environments, the cache, the Pulumi program -------------------------------------------------------------

def test_dataset_symlinked_outside_is_refused_at_its_line(tmp_path):
    repo = _repo(tmp_path)
    (repo / "golden.jsonl").symlink_to(tmp_path / "outside" / "secret.txt")
    spec = repo / "app.yaml"
    spec.write_text(DATASET_SPEC.format(dataset="golden.jsonl"))
    _refused(repo, spec, "file-outside-repository", line=DATASET_LINE, col=15)


def test_dataset_that_is_a_fifo_is_refused_without_hanging(tmp_path):
    repo = _repo(tmp_path)
    os.mkfifo(repo / "golden.jsonl")
    spec = repo / "app.yaml"
    spec.write_text(DATASET_SPEC.format(dataset="golden.jsonl"))
    _refused(repo, spec, "not-a-file", line=DATASET_LINE, col=15)


def test_an_environment_override_naming_a_leaking_prompt_is_refused_at_its_line(tmp_path):
    repo = _repo(tmp_path)
    (repo / "prompts" / "prod.txt").symlink_to("../.git/config")
    spec = _spec(repo, "prompts/real.txt")
    spec.write_text(spec.read_text() + "  environments:\n    prod:\n      prompts:\n        sys:\n          file: prompts/prod.txt\n")
    proc = _run("check", spec.name, "--format", "json", cwd=repo)
    assert proc.returncode == 2, proc.stdout
    assert TOKEN not in proc.stdout + proc.stderr
    diag = json.loads(proc.stdout)["files"][0]["diagnostics"][0]
    assert (diag["code"], diag["line"]) == ("file-in-git-directory", 15)
    assert "environment 'prod'" in diag["message"]
    proc = _run("plan", spec.name, "--stack", "prod", "--format", "json", "--out", "-", cwd=repo)
    assert proc.returncode == 2 and TOKEN not in proc.stdout + proc.stderr


def test_the_cache_does_not_pass_a_prompt_that_became_a_link_outside(tmp_path):
    repo = _repo(tmp_path)
    same = "Answer in the customer's language.\n"  # not a credential: the secret scan would stop the first run
    (repo / "prompts" / "sys.txt").write_text(same)
    (tmp_path / "outside" / "secret.txt").write_text(same)  # the same bytes outside the repository
    spec = _spec(repo, "prompts/sys.txt")
    cache = tmp_path / "cache"
    first = _run("check", spec.name, "--format", "json", "--cache", str(cache), cwd=repo)
    assert first.returncode in (0, 1), first.stdout + first.stderr
    (repo / "prompts" / "sys.txt").unlink()
    (repo / "prompts" / "sys.txt").symlink_to(tmp_path / "outside" / "secret.txt")
    second = _run("check", spec.name, "--format", "json", "--cache", str(cache), cwd=repo)
    assert second.returncode == 2, second.stdout
    assert json.loads(second.stdout)["files"][0]["diagnostics"][0]["code"] == "file-outside-repository"


def test_the_cache_does_not_open_a_prompt_that_became_a_fifo(tmp_path):
    repo = _repo(tmp_path)
    spec = _spec(repo, "prompts/real.txt")
    cache = tmp_path / "cache"
    assert _run("check", spec.name, "--cache", str(cache), cwd=repo).returncode in (0, 1)
    (repo / "prompts" / "real.txt").unlink()
    os.mkfifo(repo / "prompts" / "real.txt")
    second = _run("check", spec.name, "--format", "json", "--cache", str(cache), cwd=repo, timeout=30)
    assert second.returncode == 2, second.stdout
    assert json.loads(second.stdout)["files"][0]["diagnostics"][0]["code"] == "not-a-file"


def test_the_pulumi_program_refuses_the_same_references(tmp_path):
    pulumi = pytest.importorskip("pulumi")
    from llmops_iac.deploy import program
    from tests.deploy.conftest import install_mocks, run_program

    repo = _repo(tmp_path)
    (repo / "prompts" / "sys.txt").symlink_to("../.git/config")
    spec = _spec(repo, "prompts/sys.txt")
    mocks = install_mocks(config={"llmops-iac:spec": str(spec), "aws:region": "us-east-1", "aws-native:region": "us-east-1",
                                  "llmops-iac:environment": "dev"})
    with pytest.raises(pulumi.RunError) as info:
        run_program(lambda: program.main(project_dir=repo))
    assert "file-in-git-directory" in str(info.value) or ".git" in str(info.value)
    assert f"{PROMPT_LINE}" in str(info.value)
    assert TOKEN not in str(info.value)
    assert mocks.created == []


# --- validate and check agree on what a prompt file must hold -----------------------------------------------------------

@pytest.mark.parametrize("content,code,line", [
    (b"Hello {{name}}\n", "mismatch", PROMPT_LINE + 2),          # used but not declared (variables: [])
    (b"\xff\xfe not UTF-8", "not-utf8", PROMPT_LINE),
    (b"x" * 100_001, "file-too-large", PROMPT_LINE),
])
def test_validate_and_check_agree_on_a_prompt_the_compiler_refuses(tmp_path, content, code, line):
    repo = _repo(tmp_path)
    (repo / "prompts" / "sys.txt").write_bytes(content)
    spec = _spec(repo, "prompts/sys.txt")
    for command in ("validate", "check"):
        proc = _run(command, spec.name, "--format", "json", cwd=repo)
        assert proc.returncode == 2, f"{command}: exit {proc.returncode}"
        diag = json.loads(proc.stdout)["files"][0]["diagnostics"][0]
        assert (diag["code"], diag["line"]) == (code, line), (command, diag)


def test_a_prompt_exactly_at_the_cap_is_accepted(tmp_path):
    repo = _repo(tmp_path)
    (repo / "prompts" / "sys.txt").write_bytes(b"x" * 100_000)
    spec = _spec(repo, "prompts/sys.txt")
    assert _run("validate", spec.name, cwd=repo).returncode == 0
    proc = _run("plan", spec.name, "--format", "json", "--out", "-", cwd=repo)
    assert proc.returncode == 0 and "x" * 100_000 in proc.stdout


# --- the repository's own files the maturity stage and the cache read ----------------------------------------------------

def _ci_repo(tmp_path: Path) -> tuple[Path, Path]:
    repo = _repo(tmp_path)
    (repo / ".github" / "workflows").mkdir(parents=True)
    spec = _spec(repo, "prompts/real.txt")
    return repo, spec


def test_a_workflow_linked_to_proc_self_environ_is_noted_and_its_contents_never_reported(tmp_path):
    # the environment is one "line" (NUL-separated); a value that looks like a check run made it evidence, verbatim
    repo, spec = _ci_repo(tmp_path)
    (repo / ".github" / "workflows" / "ci.yml").symlink_to("/proc/self/environ")
    env = {"CI_SECRET": ENV_SECRET, "STEP": "llmops-iac check ."}
    for fmt in ("json", "text", "markdown"):
        proc = _run("maturity", spec.name, "--format", fmt, cwd=repo, env=env)
        assert ENV_SECRET not in proc.stdout + proc.stderr, fmt
        assert proc.returncode in (0, 1), proc.stderr
    assert "llmops-iac check ." not in proc.stdout, "the link is no evidence of a check run"


def test_codeowners_linked_to_git_config_is_a_problem_not_rules(tmp_path):
    repo, spec = _ci_repo(tmp_path)
    (repo / "CODEOWNERS").symlink_to(".git/config")
    proc = _run("maturity", spec.name, "--format", "json", cwd=repo)
    assert TOKEN not in proc.stdout + proc.stderr
    assert "CODEOWNERS cannot be read" in proc.stdout


def test_the_cache_fingerprint_never_opens_a_fifo_in_the_repository(tmp_path):
    repo, spec = _ci_repo(tmp_path)
    os.mkfifo(repo / ".github" / "workflows" / "pipe.yml")
    proc = _run("check", spec.name, "--format", "json", "--cache", str(tmp_path / "cache"), cwd=repo, timeout=30)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr


def test_a_spec_that_is_a_fifo_is_refused_with_the_cache_on(tmp_path):
    repo = _repo(tmp_path)
    os.mkfifo(repo / "app.yaml")
    proc = _run("check", "app.yaml", "--format", "json", "--cache", str(tmp_path / "cache"), cwd=repo, timeout=30)
    assert proc.returncode == 2, proc.stdout + proc.stderr
