"""Outputs never destroy inputs (issue 12, section 8): written from the attacker's side.

Every command that writes a file (--output, --out) is pointed at a file the same run reads: the spec
(by its path, through a symlink, through a hard link), its stack file, a prompt or dataset file the
spec names, a policy file of --policy-dir, the built-in policies and schema (through hard links, so
a failing test can't damage the checkout). Each must exit 2, naming the flag, before anything is
written: the input's bytes are unchanged and no report appears. The same path given twice is exit
2 too, and so is an unusable --output or --cache location (a directory, a path under a regular file,
a read-only directory, a missing parent), before any work is done. /dev/null, /dev/stdout and
``plan --out -`` keep working.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from llmops_iac.cli import cli
from llmops_iac.cli_cost import register
from llmops_iac.resources import data_path
from tests.conftest import ROOT

register(cli)

SPEC = "examples/support-assistant.yaml"
OTHER = "examples/support-assistant-copy.yaml"
STACK = "stacks/Pulumi.prod.yaml"
PROMPT = "examples/prompts/support-system.txt"
DATASET = "examples/evaluation/support-golden.jsonl"
POLICY = "rules/custom.rego"
CUSTOM_RULE = """\
package llmops.custom

import data.llmops.lib

# METADATA
# title: Apps are named with a team prefix
# description: Every application name starts with "team-".
# custom:
#   id: LLM-CUS-001
#   severity: note
#   remediation: Rename the application to team-<name>.
#   frameworks:
#     nist: [GOVERN 1.4]
#   applies_to: [aws:kms/key:Key]
unprefixed contains lib.spec_result("/metadata/name", "no team- prefix") if {
	not startswith(input.spec.metadata.name, "team-")
}
"""


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A copy of the repository's examples, stacks and Pulumi.yaml, plus a policy directory; the current directory."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks")
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(tmp_path / SPEC, tmp_path / OTHER)
    (tmp_path / "rules").mkdir()
    (tmp_path / POLICY).write_text(CUSTOM_RULE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPA_URL", raising=False)
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    return tmp_path


def _digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _run(*argv: str):
    result = CliRunner().invoke(cli, list(argv), prog_name="llmops-iac")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


# (id, argv with {out} for the output path, the flag, the inputs that command reads)
WRITERS = [
    ("validate", ["validate", SPEC, "--stack", "prod", "--output", "{out}"], "--output", "sp"),
    ("check", ["check", SPEC, "--stack", "prod", "--policy-dir", "rules", "--output", "json={out}"], "--output", "spx"),
    ("policy-check", ["policy", "check", SPEC, "--stack", "prod", "--policy-dir", "rules", "--output", "sarif={out}"], "--output", "spx"),
    ("plan", ["plan", SPEC, "--stack", "prod", "--out", "{out}"], "--out", "sp"),
    ("maturity", ["maturity", SPEC, "--stack", "prod", "--no-repo", "--output", "json={out}"], "--output", "sp"),
    ("cost", ["cost", SPEC, "--stack", "prod", "--output", "json={out}"], "--output", "sp"),
    ("diff", ["diff", SPEC, OTHER, "--stack", "prod", "--output", "markdown={out}"], "--output", "sp"),
    ("preflight", ["preflight", SPEC, "--stack", "prod", "--region", "us-east-1", "--output", "json={out}"], "--output", "sp"),
    ("verify", ["verify", SPEC, "--stack", "prod", "--region", "us-east-1", "--output", "json={out}"], "--output", "sp"),
]
# s: the spec and its stack file; p: the prompt and dataset files it names; x: a --policy-dir file
TARGETS = {"spec": ("s", SPEC), "stack-file": ("s", STACK), "prompt-file": ("p", PROMPT), "dataset-file": ("p", DATASET),
           "policy-dir-file": ("x", POLICY)}
CASES = [pytest.param(argv, flag, target, id=f"{name}-over-{tid}")
         for name, argv, flag, reads in WRITERS for tid, (kind, target) in TARGETS.items() if kind in reads]


def _refused(result, flag: str) -> None:
    assert result.exit_code == 2, f"exit {result.exit_code}\n{result.output}"
    assert flag in result.output and "reads" in result.output, result.output


@pytest.mark.parametrize("argv,flag,target", CASES)
def test_output_naming_an_input_is_refused_and_the_input_kept(project, argv, flag, target):
    before = _digest(target)
    result = _run(*[a.replace("{out}", target) for a in argv])
    assert _digest(target) == before, f"{target} was overwritten:\n{result.output}"
    _refused(result, flag)
    assert target in result.output


@pytest.mark.parametrize("name,argv,flag", [pytest.param(n, a, f, id=n) for n, a, f, _ in WRITERS])
def test_output_through_a_symlink_or_hard_link_to_the_spec_is_refused(project, name, argv, flag):
    before = _digest(SPEC)
    (project / "via-symlink.yaml").symlink_to(project / SPEC)
    os.link(project / SPEC, project / "via-hardlink.yaml")
    for alias in ("via-symlink.yaml", "via-hardlink.yaml"):
        result = _run(*[a.replace("{out}", alias) for a in argv])
        _refused(result, flag)
        assert _digest(SPEC) == before and _digest(alias) == before
    assert (project / "via-symlink.yaml").is_symlink()


@pytest.mark.parametrize("argv,flag", [
    pytest.param(["schema", "--output", "{out}"], "--output", id="schema"),
    pytest.param(["policy", "docs", "--policy-dir", "rules", "--output", "{out}"], "--output", id="policy-docs"),
    pytest.param(["policy", "bundle", "--policy-dir", "rules", "--output", "{out}"], "--output", id="policy-bundle"),
    pytest.param(["check", SPEC, "--output", "json={out}"], "--output", id="check"),
])
def test_output_over_the_tools_own_policies_or_schema_is_refused(project, argv, flag):
    """Hard links to the built-in files: today's code replaces the link (the checkout stays intact) and exits 0."""
    builtin = {"policy": data_path("policies") / "guardrails" / "guardrails.rego",
               "schema": data_path("schemas") / "llmapp.schema.json"}
    for what, original in builtin.items():
        alias = project / f"builtin-{what}"
        os.link(original, alias)
        before = _digest(original)
        result = _run(*[a.replace("{out}", str(alias)) for a in argv])
        _refused(result, flag)
        assert _digest(original) == before and alias.stat().st_ino == original.stat().st_ino


@pytest.mark.parametrize("argv", [
    pytest.param(["policy", "docs", "--policy-dir", "rules", "--output", POLICY], id="policy-docs"),
    pytest.param(["policy", "bundle", "--policy-dir", "rules", "--output", POLICY], id="policy-bundle"),
])
def test_policy_docs_and_bundle_never_overwrite_a_policy_they_read(project, argv):
    before = _digest(POLICY)
    result = _run(*argv)
    assert _digest(POLICY) == before
    _refused(result, "--output")


@pytest.mark.parametrize("argv", [
    pytest.param(["check", SPEC, "--output", "json=r.json", "--output", "sarif=r.json"], id="check"),
    pytest.param(["validate", SPEC, "--output", "json=r.json", "--output", "./r.json"], id="validate"),
    pytest.param(["policy", "check", SPEC, "--output", "json=r.json", "--output", "sarif=alias.json"], id="policy-check-symlink"),
    pytest.param(["maturity", SPEC, "--no-repo", "--output", "json=r.json", "--output", "html=r.json"], id="maturity"),
    pytest.param(["cost", SPEC, "--output", "json=r.json", "--output", "markdown=r.json"], id="cost"),
])
def test_the_same_output_path_given_twice_is_refused(project, argv):
    (project / "alias.json").symlink_to(project / "r.json")  # dangling until r.json is written
    result = _run(*argv)
    assert result.exit_code == 2, result.output
    assert "--output" in result.output and "twice" in result.output, result.output
    assert not (project / "r.json").exists()


@pytest.mark.parametrize("out,words", [
    pytest.param("examples", "directory", id="a-directory"),
    pytest.param("examples/support-assistant.yaml/report.json", "not a directory", id="under-a-regular-file"),
    pytest.param("missing/dir/report.json", "does not exist", id="missing-parent"),
    pytest.param("missing/../report.json", "does not exist", id="missing-directory-before-dot-dot"),
    pytest.param("READONLY/report.json", "writ", id="read-only-directory"),
])
def test_unusable_output_location_is_exit_2_before_any_work(project, out, words):
    out = out.replace("READONLY", _read_only_dir(project))
    result = _run("check", SPEC, "--cache", "cache", "--output", f"json={out}")
    assert result.exit_code == 2, result.output
    assert "--output" in result.output and words in result.output, result.output
    assert not (project / "cache").exists(), "the run did its work before refusing the output"


@pytest.mark.parametrize("cache,words", [
    pytest.param("examples/support-assistant.yaml/cache", "not a directory", id="under-a-regular-file"),
    pytest.param("READONLY/cache", "writ", id="read-only-directory"),
])
def test_unusable_cache_directory_is_exit_2(project, cache, words):
    cache = cache.replace("READONLY", _read_only_dir(project))
    result = _run("check", SPEC, "--cache", cache)
    assert result.exit_code == 2, result.output
    assert "--cache" in result.output and words in result.output, result.output


def _read_only_dir(project: Path) -> str:
    """A directory this process cannot create files in: mode 0555, or /sys for root (which ignores modes)."""
    if os.geteuid() != 0:
        ro = project / "read-only"
        ro.mkdir()
        ro.chmod(0o555)
        return str(ro)
    if os.access("/sys", os.W_OK) and not _cannot_create_in("/sys"):
        pytest.skip("no read-only directory available to root here")
    return "/sys"


def _cannot_create_in(directory: str) -> bool:
    try:
        fd = os.open(os.path.join(directory, ".llmops-iac-probe"), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError:
        return True
    os.close(fd)
    os.unlink(os.path.join(directory, ".llmops-iac-probe"))
    return False


def test_an_output_that_names_no_input_is_written(project):
    before = _digest(SPEC)
    result = _run("check", SPEC, "--stack", "prod", "--output", "json=report.json", "--output", "sarif=./report.sarif")
    assert result.exit_code in (0, 1), result.output
    assert (project / "report.json").is_file() and (project / "report.sarif").is_file()
    assert _digest(SPEC) == before
    again = _run("check", SPEC, "--stack", "prod", "--output", "json=report.json")  # overwriting its own report is fine
    assert again.exit_code in (0, 1), again.output


def test_devices_and_dash_keep_working(project):
    result = _run("check", SPEC, "--output", "json=/dev/null", "--output", "sarif=/dev/null")
    assert result.exit_code in (0, 1), result.output
    plan = _run("plan", SPEC, "--out", "-")
    assert plan.exit_code == 0, plan.output
    assert not list(project.glob("*.plan.json"))


def test_dev_stdout_redirected_to_the_spec_is_refused(project):
    """`llmops-iac check S --output json=/proc/self/fd/1 >> S`: the output resolves to the spec itself.

    (/proc/self/fd/1 rather than /dev/stdout: code that replaces the output path instead of writing
    through it would fail to create a temporary file in /proc/self/fd, where in /dev, as root, it
    would replace the system's /dev/stdout link.)"""
    import subprocess
    import sys

    before = _digest(SPEC)
    script = Path(sys.executable).parent / "llmops-iac"
    if not script.exists():
        pytest.skip("console script not installed")
    with open(SPEC, "ab") as spec_out:
        proc = subprocess.run([str(script), "check", SPEC, "--output", "json=/proc/self/fd/1"], stdout=spec_out,
                              stderr=subprocess.PIPE, text=True, timeout=120, cwd=project)
    assert proc.returncode == 2, proc.stderr
    assert "--output" in proc.stderr and "reads" in proc.stderr, proc.stderr
    assert _digest(SPEC) == before


def test_a_spec_found_by_a_directory_scan_is_refused_but_an_old_report_there_is_not(project):
    before = _digest(SPEC)
    result = _run("check", "examples", "--output", f"json={SPEC}")
    assert _digest(SPEC) == before
    _refused(result, "--output")
    first = _run("check", "examples", "--output", "json=examples/report.json")
    assert first.exit_code in (0, 1), first.output
    again = _run("check", "examples", "--output", "json=examples/report.json")  # the last run's report is no spec
    assert again.exit_code in (0, 1), again.output
