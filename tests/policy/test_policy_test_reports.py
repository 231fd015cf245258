"""`llmops-iac policy test` as CI reads it: --format json, --output junit=PATH / json=PATH, and a closed pipe.

On main `policy test` printed text only (no --format, no --output), and `policy test | head -1` ended with
"internal error: BrokenPipeError" and exit 3. A reader that stops reading (``| head``) now ends the output
quietly: nothing more is written, nothing on standard error, and the exit code is the run's own (0 all tests
pass, 1 some fail) — the verdict is decided before the report is written. The same holds for `check`.
"""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK
from tests.conftest import ROOT, console_script
from tests.policy.test_testing import POLICY, TESTS
from tests.report.test_junit import assert_junit_shape

SCHEMA = json.loads((ROOT / "schemas" / "policy-test.schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def sample(tmp_path):
    """A --policy-dir with one passing, one undefined, one false and one conflicting test."""
    d = tmp_path / "sample"
    d.mkdir()
    (d / "sample.rego").write_text(POLICY, encoding="utf-8")
    (d / "sample_test.rego").write_text(TESTS, encoding="utf-8")
    return d


def _mine(tests: list[dict]) -> dict[str, dict]:
    return {t["name"]: t for t in tests if t["package"] == "llmops.sample_test"}


def test_json_on_standard_output(invoke, sample):
    result = invoke("policy", "test", "--policy-dir", str(sample), "--format", "json")
    assert result.exit_code == EXIT_FINDINGS, result.output
    report = json.loads(result.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    mine = _mine(report["tests"])
    assert {n: t["outcome"] for n, t in mine.items()} == {
        "test_big_is_found": "pass", "test_small_is_big": "undefined", "test_false": "fail", "test_conflict": "error"}
    assert mine["test_big_is_found"]["line"] == 7 and mine["test_big_is_found"]["file"].endswith("sample_test.rego")
    summary = report["summary"]
    assert summary["tests"] == len(report["tests"]) and summary["byOutcome"]["undefined"] >= 1
    assert summary["passed"] + summary["failed"] == summary["tests"]
    assert summary["failed"] == sum(1 for t in report["tests"] if t["outcome"] != "pass")
    assert report["ok"] is False


def test_junit_and_json_files_beside_the_text(invoke, sample, tmp_path):
    junit, js = tmp_path / "policy-tests.xml", tmp_path / "policy-tests.json"
    result = invoke("policy", "test", "--policy-dir", str(sample), "--output", f"junit={junit}", "--output", f"json={js}")
    assert result.exit_code == EXIT_FINDINGS, result.output
    assert "passed," in result.stdout and "failed" in result.stdout  # the text report still goes to the terminal
    root = assert_junit_shape(junit.read_text(encoding="utf-8"))
    suite = next(s for s in root if s.get("name") == "llmops.sample_test")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert cases["test_big_is_found"].find("*") is None  # a pass
    assert cases["test_false"].find("failure").get("type") == "fail"
    assert cases["test_small_is_big"].find("failure").get("type") == "undefined"
    assert "eval_conflict_error" in cases["test_conflict"].find("error").get("message")
    assert cases["test_big_is_found"].get("file").endswith("sample_test.rego") and cases["test_big_is_found"].get("line") == "7"
    assert int(root.get("failures")) + int(root.get("errors")) == json.loads(js.read_text())["summary"]["failed"]


def test_junit_on_standard_output_with_every_test_passing(invoke, tmp_path):
    d = tmp_path / "ok"
    d.mkdir()
    (d / "ok.rego").write_text(POLICY, encoding="utf-8")
    (d / "ok_test.rego").write_text(TESTS.split("test_small_is_big")[0], encoding="utf-8")
    result = invoke("policy", "test", "--policy-dir", str(d), "--format", "junit")
    root = assert_junit_shape(result.stdout)
    assert result.exit_code == (EXIT_OK if root.get("failures") == "0" and root.get("errors") == "0" else EXIT_FINDINGS)


@pytest.mark.parametrize("bad", ["sarif=out.sarif", "markdown=out.md", "nope=x"])
def test_a_format_policy_test_cannot_write_is_a_usage_error(invoke, sample, bad):
    result = invoke("policy", "test", "--policy-dir", str(sample), "--output", bad)
    assert result.exit_code == EXIT_INPUT and "format" in result.output


def test_an_output_may_not_be_a_policy_file(invoke, sample):
    result = invoke("policy", "test", "--policy-dir", str(sample), "--output", f"json={sample / 'sample_test.rego'}")
    assert result.exit_code == EXIT_INPUT and "sample_test.rego" in result.output, result.output
    assert (sample / "sample_test.rego").read_text().startswith("package llmops.sample_test")  # untouched


# -- a closed pipe ------------------------------------------------------------------------------------------------

def _closed_pipe(*args: str) -> subprocess.CompletedProcess:
    """Run the console script with standard output a pipe nobody reads (closed before it writes a byte)."""
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run([str(console_script()), *args], stdout=write, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT, timeout=300)
    finally:
        os.close(write)
    return proc


def _quiet(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr


def test_policy_test_into_a_closed_pipe_ends_quietly_with_its_verdict(sample):
    proc = _closed_pipe("policy", "test", "--policy-dir", str(sample), "-v")
    _quiet(proc)
    assert proc.returncode == EXIT_FINDINGS  # the sample has failing tests: the verdict, not a pipe error


def test_builtin_policy_test_into_a_closed_pipe_exits_0():
    proc = _closed_pipe("policy", "test", "-v", "--format", "json")
    _quiet(proc)
    assert proc.returncode == EXIT_OK


@pytest.mark.parametrize("fail_level, code", [("error", EXIT_OK), ("note", EXIT_FINDINGS)])
def test_check_into_a_closed_pipe_ends_quietly_with_its_verdict(fail_level, code):
    proc = _closed_pipe("check", "examples", "--format", "sarif", "--fail-level", fail_level)
    _quiet(proc)
    assert proc.returncode == code


def test_check_piped_into_head_as_a_shell_runs_it():
    """`set -o pipefail; llmops-iac check examples | head -1`: one line, no noise, check's own exit code."""
    script = f"set -o pipefail; '{console_script()}' check examples --format json --fail-level note | head -1"
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    _quiet(proc)
    assert proc.stdout == "{\n" and proc.returncode == EXIT_FINDINGS, (proc.stdout[:200], proc.returncode)


def test_output_files_are_whole_when_the_pipe_closes(tmp_path):
    out = tmp_path / "report.xml"
    proc = _closed_pipe("check", "examples", "--output", f"junit={out}")
    _quiet(proc)
    assert ET.fromstring(out.read_text(encoding="utf-8")).tag == "testsuites"
