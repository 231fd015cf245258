"""`-` as a spec path: the spec read from standard input (issue 14, command-line conventions).

Every case is written from the attacker's side first: a terminal on standard input (must not hang), nothing,
binary bytes, an endless stream, `-` twice, `--output -`, an output naming the file standard input comes from,
a spec on standard input naming files (prompts, datasets: refused, never resolved against some directory), and
the temporary copy's path leaking into a report or staying behind.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llmops_iac.errors import EXIT_INPUT, EXIT_OK
from tests.conftest import EXAMPLES, ROOT, console_script

MINIMAL = (EXAMPLES / "minimal.yaml").read_bytes()
WITH_FILES = (EXAMPLES / "support-assistant.yaml").read_bytes()
BROKEN = b"apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: Bad_Name\n"
LEAK = "llmops-iac-stdin"  # the temporary copy's directory prefix: never shown


def script(*args: str, stdin: bytes | None = b"", cwd: Path = ROOT, env: dict | None = None,
           timeout: float = 60) -> subprocess.CompletedProcess:
    """The installed console script with ``stdin`` as its standard input (None: closed)."""
    full_env = {**os.environ, **(env or {})}
    if stdin is None:
        return subprocess.run([str(console_script()), *args], cwd=cwd, env=full_env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout, preexec_fn=lambda: os.close(0))
    return subprocess.run([str(console_script()), *args], cwd=cwd, env=full_env, input=stdin, capture_output=True,
                          timeout=timeout)


def out(p: subprocess.CompletedProcess) -> str:
    return p.stdout.decode() + p.stderr.decode()


@pytest.fixture
def private_tmp(tmp_path):
    """TMPDIR for the child: what the run leaves behind there is visible."""
    d = tmp_path / "tmpdir"
    d.mkdir()
    return d


# -- what works ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["validate"], ["check"], ["policy", "check"], ["plan"], ["cost"], ["maturity"]])
def test_each_command_reads_a_spec_from_standard_input(command, private_tmp):
    p = script(*command, "-", stdin=MINIMAL, env={"TMPDIR": str(private_tmp)})
    assert p.returncode == EXIT_OK, out(p)
    if command[-1] in ("validate", "check"):
        assert "<stdin>" in p.stdout.decode()
    assert LEAK not in out(p)
    assert list(private_tmp.iterdir()) == []  # the temporary copy is gone


def test_the_report_names_stdin_with_line_numbers(invoke):
    from click.testing import CliRunner

    from llmops_iac.cli import cli

    result = CliRunner().invoke(cli, ["validate", "-", "--format", "json"], input=BROKEN)
    assert result.exit_code == EXIT_INPUT
    data = json.loads(result.output)
    assert data["files"][0]["file"] == "<stdin>"
    assert [(d["file"], d["line"], d["code"]) for d in data["files"][0]["diagnostics"]] == [("<stdin>", 4, "pattern")]
    text = CliRunner().invoke(cli, ["validate", "-"], input=BROKEN)
    assert "<stdin>:4:9: error[pattern]" in text.output and LEAK not in text.output


def test_a_spec_from_stdin_is_never_cached(tmp_path):
    cache = tmp_path / "cache"
    for _ in range(2):
        p = script("check", "-", "--cache", str(cache), stdin=MINIMAL)
        assert p.returncode == EXIT_OK, out(p)
    assert [p for p in cache.rglob("*") if p.is_file()] == []


def test_stdin_and_files_together(tmp_path):
    p = script("check", "-", str(EXAMPLES / "minimal.yaml"), "--format", "json", stdin=BROKEN)
    assert p.returncode == EXIT_INPUT, out(p)
    files = [f["file"] for f in json.loads(p.stdout)["files"]]
    assert files[0] == "<stdin>" and files[-1].endswith("minimal.yaml")


# -- file references: refused, never resolved ------------------------------------------------------------------------

def test_a_spec_on_stdin_may_not_name_files_even_where_they_exist(tmp_path):
    """The prompts exist relative to the current directory (examples/): still refused, at their lines."""
    p = script("validate", "-", stdin=WITH_FILES, cwd=EXAMPLES)
    assert p.returncode == EXIT_INPUT, out(p)
    text = p.stdout.decode()
    assert "<stdin>:164:13: error[stdin-file-reference]" in text
    assert "prompts/support-system.txt" in text and "save the spec" in text
    assert LEAK not in out(p)


def test_a_spec_on_stdin_naming_a_file_of_the_current_repository_is_refused_the_same_way(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "notes.txt").write_text("AKIA-not-for-a-plan\n")
    spec = MINIMAL.decode().replace("spec:\n", "spec:\n  prompts:\n    sys:\n      file: notes.txt\n"
                                    "      version: 1\n", 1).encode()
    p = script("plan", "-", "--format", "json", stdin=spec, cwd=tmp_path)
    assert p.returncode == EXIT_INPUT, out(p)
    line = spec.decode().split("\n").index("      file: notes.txt") + 1
    assert f"<stdin>:{line}:13: error[stdin-file-reference]" in p.stderr.decode()
    assert "AKIA" not in out(p)


# -- hostile standard input --------------------------------------------------------------------------------------------

def test_a_terminal_on_standard_input_is_refused_at_once_with_a_hint(tmp_path):
    master, slave = pty.openpty()
    try:
        started = time.monotonic()
        proc = subprocess.Popen([str(console_script()), "validate", "-"], stdin=slave, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=tmp_path)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("llmops-iac waited for a terminal to type a spec")
        assert proc.returncode == EXIT_INPUT
        assert "standard input is a terminal" in err.decode() and "llmops-iac validate - <" in err.decode()
        assert time.monotonic() - started < 30
    finally:
        os.close(master)
        os.close(slave)


def test_closed_standard_input_is_an_input_error():
    p = script("validate", "-", stdin=None)
    assert p.returncode == EXIT_INPUT, out(p)
    assert "standard input" in p.stderr.decode() and "Traceback" not in out(p)


def test_empty_standard_input():
    p = script("validate", "-", stdin=b"")
    assert p.returncode == EXIT_INPUT
    assert "<stdin>" in p.stdout.decode() and "empty" in p.stdout.decode()


def test_binary_standard_input_names_the_line_of_the_nul():
    p = script("validate", "-", stdin=b"apiVersion: llmops-iac/v1\nkind: LLM\x00Application\n")
    assert p.returncode == EXIT_INPUT
    assert "<stdin>:2:10: error[binary-file]" in p.stdout.decode()


def test_huge_standard_input_is_refused_at_the_file_limit():
    from llmops_iac.spec.file_text import MAX_BYTES

    p = script("validate", "-", stdin=b"# " + b"x" * MAX_BYTES + b"\n")
    assert p.returncode == EXIT_INPUT
    assert "<stdin>" in p.stderr.decode() and f"{MAX_BYTES:,}" in p.stderr.decode()


def test_an_endless_standard_input_does_not_hang():
    code = f"import sys\nwhile True: sys.stdout.buffer.write(b'# ' + b'y' * 65536 + b'\\n')"
    p = subprocess.run(f"{sys.executable} -c \"{code}\" 2>/dev/null | {console_script()} validate -", shell=True,
                       capture_output=True, timeout=60)
    assert p.returncode == EXIT_INPUT and b"<stdin>" in p.stderr


def test_dash_twice_is_a_usage_error():
    p = script("check", "-", "-", stdin=MINIMAL)
    assert p.returncode == EXIT_INPUT and "'-' is given twice" in p.stderr.decode()


@pytest.mark.parametrize("output", ["-", "json=-", "text=-"])
def test_output_dash_is_refused(tmp_path, output):
    for args in (["validate", "-"], ["validate", str(EXAMPLES / "minimal.yaml")], ["check", "-"]):
        p = script(*args, "--output", output, stdin=MINIMAL, cwd=tmp_path)
        assert p.returncode == EXIT_INPUT, out(p)
        assert "standard output" in p.stderr.decode()
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_maturity_output_dash_is_refused(tmp_path):
    p = script("maturity", str(EXAMPLES / "minimal.yaml"), "--output", "json=-", cwd=tmp_path)
    assert p.returncode == EXIT_INPUT and "standard output" in p.stderr.decode()
    assert list(tmp_path.iterdir()) == []


def test_schema_output_dash_is_standard_output(tmp_path):
    p = script("schema", "--output", "-", cwd=tmp_path)
    assert p.returncode == EXIT_OK and json.loads(p.stdout)["title"] == "LLMApplication"
    assert list(tmp_path.iterdir()) == []


def test_an_output_naming_the_file_stdin_comes_from_is_refused(tmp_path):
    """`validate - --output spec.yaml < spec.yaml` would replace the spec with its own report."""
    spec = tmp_path / "app.yaml"
    spec.write_bytes(MINIMAL)
    with open(spec, "rb") as fh:
        p = subprocess.run([str(console_script()), "validate", "-", "--output", str(spec)], stdin=fh,
                           capture_output=True, timeout=60, cwd=tmp_path)
    assert p.returncode == EXIT_INPUT, out(p)
    assert "which this run reads" in p.stderr.decode()
    assert spec.read_bytes() == MINIMAL


def test_a_stack_deploying_another_spec_does_not_apply_to_stdin():
    p = script("check", "-", "--stack", "prod", stdin=MINIMAL)
    assert p.returncode == EXIT_INPUT, out(p)
    assert "<stdin>" in p.stderr.decode() and LEAK not in out(p)


def test_maturity_of_stdin_reads_no_repository_evidence(tmp_path):
    """The temporary copy may sit in a git repository (TMPDIR inside one): its CI files are not the spec's."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yaml").write_text("on: pull_request\njobs:\n  c:\n    runs-on: x\n"
                                                            "    steps:\n      - run: llmops-iac check .\n")
    p = script("maturity", "-", "--format", "json", stdin=MINIMAL, env={"TMPDIR": str(repo)}, cwd=repo)
    assert p.returncode == EXIT_OK, out(p)
    assert str(repo) not in p.stdout.decode() and LEAK not in out(p)
    data = json.loads(p.stdout)
    assert data["repository"] is None and data["specFile"] == "<stdin>"


@pytest.mark.parametrize("command", ["preflight", "verify", "cost"])
def test_the_aws_and_cost_commands_name_stdin_in_their_diagnostics(command):
    p = script(command, "-", stdin=BROKEN)
    assert p.returncode == EXIT_INPUT, out(p)
    assert "<stdin>:4:9: error[pattern]" in p.stderr.decode() and LEAK not in out(p)
