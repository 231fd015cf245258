"""--quiet and colour (issue 14, command-line conventions).

--quiet: only what failed, one line each, nothing when the command passes; exit codes, --output files and
non-text formats unchanged. Colour: on a terminal only (a real pseudo-terminal here), never into a pipe unless
FORCE_COLOR, never with NO_COLOR (any non-empty value), never in a --output file or a non-text format, and never
changing a character of the text.
"""

from __future__ import annotations

import errno
import json
import os
import pty
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from llmops_iac.cli import cli
from llmops_iac.colour import ANSI, paint, strip
from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK
from tests.conftest import EXAMPLES, ROOT, console_script

MINIMAL = str(EXAMPLES / "minimal.yaml")
SUPPORT = str(EXAMPLES / "support-assistant.yaml")
FAILING = str(ROOT / "tests" / "fixtures" / "rules" / "LLM-GRD-001" / "fail.yaml")
BROKEN = "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: Bad_Name\n"
LINE = re.compile(r"^\S.*?:\d+(:\d+)?: (error|warning|note)\[[A-Za-z0-9-]+\]: .+$")
ESC = "\x1b["


def run(*args: str, env: dict | None = None, input: str | None = None):
    return CliRunner(env=env).invoke(cli, list(args), input=input, catch_exceptions=False)


# -- --quiet ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["check", MINIMAL], ["validate", MINIMAL], ["policy", "check", MINIMAL],
                                  ["plan", MINIMAL], ["maturity", MINIMAL], ["cost", MINIMAL]])
def test_quiet_prints_nothing_when_the_command_passes(args):
    loud, quiet = run(*args), run(*args, "-q")
    assert loud.exit_code == quiet.exit_code == EXIT_OK, quiet.output
    assert loud.stdout and quiet.stdout == "" and quiet.stderr == ""


def test_quiet_check_prints_one_line_per_failing_finding_and_nothing_else():
    loud, quiet = run("check", FAILING), run("check", FAILING, "--quiet")
    assert loud.exit_code == quiet.exit_code == EXIT_FINDINGS
    lines = quiet.stdout.splitlines()
    assert lines and all(LINE.match(s) for s in lines), quiet.stdout
    assert any("error[LLM-GRD-001]" in s for s in lines)
    assert not any("warning[" in s for s in lines)  # below --fail-level error: left out
    assert "FAIL" not in quiet.stdout and "fix:" not in quiet.stdout and "spec(s)" not in quiet.stdout
    errors_in_loud = len(re.findall(r"^  error +LLM-", loud.stdout, re.M))
    assert len(lines) == errors_in_loud


def test_quiet_follows_the_fail_level():
    quiet = run("check", FAILING, "-q", "--fail-level", "warning")
    assert quiet.exit_code == EXIT_FINDINGS
    assert any("warning[LLM-" in s for s in quiet.stdout.splitlines())


def test_quiet_names_the_environment_of_a_finding():
    quiet = run("check", SUPPORT, "-q", "--fail-level", "warning")
    assert quiet.exit_code == EXIT_FINDINGS
    assert quiet.stdout.splitlines() and all(s.endswith("[prod]") or s.endswith("[dev]") for s in quiet.stdout.splitlines())


def test_quiet_validate_prints_the_input_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    quiet = run("validate", str(bad), MINIMAL, "-q")
    assert quiet.exit_code == EXIT_INPUT
    assert quiet.stdout.splitlines() == [f"{bad}:4:9: error[pattern]: metadata.name: 'Bad_Name' does not match "
                                         "the expected pattern"] or all(LINE.match(s) for s in quiet.stdout.splitlines())
    assert "ok" not in quiet.stdout.split() and len(quiet.stdout.splitlines()) == 1


@pytest.mark.parametrize("command", ["plan", "maturity"])
def test_quiet_plan_and_maturity_show_the_errors_of_a_bad_spec(tmp_path, command):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    quiet = run(command, str(bad), "-q")
    assert quiet.exit_code == EXIT_INPUT
    shown = quiet.stdout + quiet.stderr
    assert "error[pattern]" in shown and "spec(s)" not in shown


def test_quiet_keeps_the_maturity_fail_under_message():
    quiet = run("maturity", MINIMAL, "-q", "--fail-under", "3")
    assert quiet.exit_code == EXIT_FINDINGS and quiet.stdout == "" and "below 3" in quiet.stderr


def test_quiet_cost_prints_the_failing_findings_only():
    loud = run("cost", SUPPORT, "--stack", "prod", "--fail-level", "warning")
    quiet = run("cost", SUPPORT, "--stack", "prod", "--fail-level", "warning", "-q")
    assert loud.exit_code == quiet.exit_code == EXIT_FINDINGS
    assert quiet.stdout.splitlines() and all(LINE.match(s) for s in quiet.stdout.splitlines())
    assert "over-budget" in quiet.stdout and "$" not in quiet.stdout.split(":")[0]


def test_quiet_leaves_output_files_and_other_formats_whole(tmp_path):
    report = tmp_path / "r.json"
    loud = run("check", FAILING, "--format", "json")
    quiet = run("check", FAILING, "-q", "--format", "json", "--output", f"text={tmp_path / 'r.txt'}",
                "--output", f"json={report}")
    assert json.loads(quiet.stdout)["summary"] == json.loads(loud.stdout)["summary"]
    assert json.loads(report.read_text())["summary"] == json.loads(loud.stdout)["summary"]
    assert (tmp_path / "r.txt").read_text() == run("check", FAILING).stdout


def test_quiet_silences_notes(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "app.yaml").write_text(Path(MINIMAL).read_text())
    os.mkfifo(d / "pipe.yaml")
    assert "note:" in run("check", str(d)).stderr
    quiet = run("check", str(d), "-q")
    assert quiet.exit_code == EXIT_OK and quiet.stdout == quiet.stderr == ""


@pytest.mark.parametrize("args", [["check", FAILING], ["check", MINIMAL], ["validate", "missing.yaml"],
                                  ["check", MINIMAL, "--fail-level", "note"], ["maturity", MINIMAL, "--fail-under", "3"],
                                  ["cost", SUPPORT, "--stack", "prod", "--fail-level", "warning"]])
def test_quiet_never_changes_the_exit_code(args):
    assert run(*args).exit_code == run(*args, "-q").exit_code


def test_every_failing_quiet_run_says_why():
    for args in (["check", FAILING], ["check", MINIMAL, "--fail-level", "note"], ["validate", "missing.yaml"]):
        quiet = run(*args, "-q")
        assert quiet.exit_code != EXIT_OK and quiet.stdout.strip(), args


# -- colour -----------------------------------------------------------------------------------------------------------------

def on_a_terminal(*args: str, env: dict | None = None) -> tuple[int, str]:
    """Run the console script with standard output on a pseudo-terminal; (exit code, what the terminal got)."""
    master, slave = pty.openpty()
    full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full.update({"TERM": "xterm-256color", "COLUMNS": "200", **(env or {})})
    proc = subprocess.Popen([str(console_script()), *args], stdout=slave, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env=full, cwd=ROOT)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError as exc:  # EIO: the child closed the terminal
            if exc.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    code = proc.wait(timeout=120)
    return code, b"".join(chunks).decode().replace("\r\n", "\n")


def in_a_pipe(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full.update(env or {})
    return subprocess.run([str(console_script()), *args], capture_output=True, text=True, env=full, cwd=ROOT,
                          timeout=120)


def test_a_terminal_gets_colour_and_the_same_text():
    code, shown = on_a_terminal("check", FAILING)
    assert code == EXIT_FINDINGS
    assert ESC in shown
    assert f"{ESC}1;31mFAIL{ESC}0m" in shown and f"{ESC}1;31merror{ESC}0m" in shown
    assert strip(shown) == in_a_pipe("check", FAILING).stdout


def test_a_pipe_gets_no_colour():
    p = in_a_pipe("check", FAILING)
    assert p.returncode == EXIT_FINDINGS and ESC not in p.stdout and ESC not in p.stderr


@pytest.mark.parametrize("value", ["1", "true", "0", "anything"])
def test_no_color_turns_it_off_on_a_terminal(value):
    code, shown = on_a_terminal("check", FAILING, env={"NO_COLOR": value})
    assert code == EXIT_FINDINGS and "FAIL" in shown and ESC not in shown


def test_an_empty_no_color_is_not_set():
    _, shown = on_a_terminal("check", FAILING, env={"NO_COLOR": ""})
    assert ESC in shown


def test_term_dumb_gets_no_colour():
    _, shown = on_a_terminal("check", FAILING, env={"TERM": "dumb"})
    assert "FAIL" in shown and ESC not in shown


def test_force_color_colours_a_pipe_and_no_color_wins_over_it():
    forced = in_a_pipe("check", FAILING, env={"FORCE_COLOR": "1"})
    assert ESC in forced.stdout and strip(forced.stdout) == in_a_pipe("check", FAILING).stdout
    both = in_a_pipe("check", FAILING, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert ESC not in both.stdout
    for off in ("0", "false"):
        assert ESC not in in_a_pipe("check", FAILING, env={"FORCE_COLOR": off}).stdout
        _, shown = on_a_terminal("check", FAILING, env={"FORCE_COLOR": off})
        assert ESC not in shown


def test_never_colour_in_output_files_or_machine_formats(tmp_path):
    text, sarif = tmp_path / "r.txt", tmp_path / "r.sarif"
    code, shown = on_a_terminal("check", FAILING, "--output", f"text={text}", "--output", f"sarif={sarif}")
    assert ESC in shown
    assert ESC not in text.read_text() and "\\u001b" not in sarif.read_text() and ESC not in sarif.read_text()
    for fmt in ("json", "sarif", "junit", "markdown", "github"):
        forced = in_a_pipe("check", FAILING, "--format", fmt, env={"FORCE_COLOR": "1"})
        assert ESC not in forced.stdout, fmt
    _, shown = on_a_terminal("check", FAILING, "--format", "json")
    json.loads(shown)


@pytest.mark.parametrize("args,word", [
    (["check", FAILING, "-q"], f"{ESC}1;31merror{ESC}0m"),
    (["validate", "missing.yaml"], f"{ESC}1;31mFAIL{ESC}0m"),
    (["cost", SUPPORT, "--stack", "prod"], f"{ESC}33mwarning{ESC}0m"),
    (["maturity", SUPPORT], f"{ESC}32mok{ESC}0m"),
    (["diff", MINIMAL, SUPPORT], f"{ESC}32m  + "),
])
def test_each_text_report_is_coloured_and_otherwise_unchanged(args, word):
    forced = in_a_pipe(*args, env={"FORCE_COLOR": "1"})
    plain = in_a_pipe(*args)
    assert word in forced.stdout, forced.stdout[:400]
    assert strip(forced.stdout) == plain.stdout and forced.returncode == plain.returncode


def test_an_input_value_cannot_forge_colour(tmp_path):
    """An escape in a file name the report echoes is shown escaped; only llmops-iac's own styles reach the terminal."""
    spec = tmp_path / "\x1b[32mok\x1b[0m.yaml"
    spec.write_text(BROKEN)
    forced = in_a_pipe("validate", str(spec), env={"FORCE_COLOR": "1"})
    assert forced.returncode == EXIT_INPUT
    assert set(ANSI.findall(forced.stdout)) <= {f"{ESC}1;31m", f"{ESC}0m", f"{ESC}33m", f"{ESC}36m"}
    assert "\\x1b[32mok" in forced.stdout


def test_paint_changes_no_character():
    sample = ("FAIL  a.yaml [prod]\n  a.yaml:1:2: error[x]: m\n  error    LLM-X-001  a.yaml:3  msg\n"
              "  waived   LLM-X-002  a.yaml:4  msg\nok    b.yaml\n")
    for kind in ("report", "quiet", "cost", "checks", "diff", "maturity"):
        assert strip(paint(sample, kind)) == sample


@pytest.mark.parametrize("command,module", [("preflight", "llmops_iac.aws.preflight.preflight"),
                                            ("verify", "llmops_iac.aws.verify.verify")])
def test_quiet_and_colour_of_preflight_and_verify(monkeypatch, command, module):
    from llmops_iac.aws.report import Check, CheckReport

    report = CheckReport(command, "app", "prod", "us-east-1")
    report.add(Check("region", "us-east-1", "pass", "answered"))
    report.add(Check("quota", "ml.g5.xlarge", "fail", "quota 0 is below 2", differences=["needs 2"]))
    report.add(Check("model-access", "m", "warn", "a caveat"))
    monkeypatch.setattr(module, lambda *a, **k: report)
    quiet = run(command, MINIMAL, "-q")
    assert quiet.exit_code == EXIT_FINDINGS
    assert quiet.stdout == "FAIL  quota  ml.g5.xlarge: quota 0 is below 2 (needs 2)\n"
    forced = run(command, MINIMAL, env={"FORCE_COLOR": "1"})
    assert f"{ESC}1;31mFAIL{ESC}0m  quota" in forced.stdout and f"{ESC}32mPASS{ESC}0m" in forced.stdout
    assert strip(forced.stdout) == run(command, MINIMAL).stdout
    report.checks.pop(1)
    assert run(command, MINIMAL, "-q").stdout == "" and run(command, MINIMAL, "-q").exit_code == EXIT_OK
