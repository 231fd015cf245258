"""Bad input never reaches exit 3, a hang or a forged report line (issue 12, section 8), from the attacker's side.

* FIFOs, sockets and device files inside a scanned directory (`check DIR`) or a --policy-dir are
  skipped with a note and never opened: today opening a FIFO blocks forever, so these run the console
  script under a timeout.
* Values echoed in text and GitHub-annotation output have newlines and control characters escaped:
  a spec file name or a waiver reason can't add an "ok" line or clear the terminal.
* `validate` and `check` agree on validity over the whole bad corpus: two sections whose resources
  compile to one logical name are rejected by both, at the spec line, never as an internal error.

The hostile JSON/YAML files themselves (nesting 5,000 deep, 5,000-digit integers, escaped control
characters, name collisions) are cases of the bad corpus in tests/fixtures/bad/.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from llmops_iac.cli import cli
from tests.conftest import ROOT

BAD = ROOT / "tests" / "fixtures" / "bad"
SCRIPT = Path(sys.executable).parent / "llmops-iac"
HANG_SECONDS = 60
MINIMAL = "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: hello-llm\n"
FORGED = "ok    examples/forged.yaml"


def _script(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    if not SCRIPT.exists():
        pytest.skip("console script not installed")
    env = {k: v for k, v in os.environ.items() if k != "OPA_URL"}
    try:
        return subprocess.run([str(SCRIPT), *argv], cwd=cwd, capture_output=True, text=True, timeout=HANG_SECONDS, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"llmops-iac {' '.join(argv)} hung for {HANG_SECONDS} s (it opened a FIFO?)")


def _specials(directory: Path, suffix: str) -> list[str]:
    """A FIFO, a symlink to it, a socket and a symlink to a character device, named like inputs."""
    directory.mkdir(parents=True, exist_ok=True)
    os.mkfifo(directory / f"fifo{suffix}")
    (directory / f"link-to-fifo{suffix}").symlink_to(directory / f"fifo{suffix}")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(directory / f"socket{suffix}"))
    _SOCKETS.append(sock)
    (directory / f"tty{suffix}").symlink_to("/dev/tty" if os.path.exists("/dev/tty") else "/dev/zero")
    return [f"fifo{suffix}", f"link-to-fifo{suffix}", f"socket{suffix}", f"tty{suffix}"]


_SOCKETS: list[socket.socket] = []


@pytest.fixture(autouse=True)
def _close_sockets():
    yield
    while _SOCKETS:
        _SOCKETS.pop().close()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_special_files_in_a_scanned_directory_are_skipped_with_a_note(tmp_path):
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "app.yaml").write_text(MINIMAL, encoding="utf-8")
    names = _specials(tmp_path / "specs", ".yaml")
    proc = _script("check", "specs", "--format", "json", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert [f["file"] for f in report["files"]] == ["specs/app.yaml"]
    assert sorted(Path(p).name for p in report["skipped"]) == sorted(names)
    text = _script("check", "specs", cwd=tmp_path)
    for name in names:
        assert f"specs/{name}" in text.stdout, text.stdout  # listed like every skipped file
        assert f"note: skipped specs/{name}: " in text.stderr and "not a regular file" in text.stderr, text.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_special_files_in_a_policy_dir_are_skipped_with_a_note(tmp_path):
    (tmp_path / "app.yaml").write_text(MINIMAL, encoding="utf-8")
    names = _specials(tmp_path / "rules", ".rego") + ["profiles/" + n for n in _specials(tmp_path / "rules" / "profiles", ".yaml")]
    proc = _script("check", "app.yaml", "--policy-dir", "rules", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    for name in names:
        assert f"rules/{name}" in out, out
    assert "not a regular file" in out
    for argv in (["policy", "docs", "--output", "rules.md"], ["policy", "bundle", "--output", "b.tar.gz"], ["policy", "test"]):
        other = _script(*argv, "--policy-dir", "rules", cwd=tmp_path)
        assert other.returncode in (0, 1), other.stdout + other.stderr
        assert "rules/fifo.rego" in other.stderr and "not a regular file" in other.stderr, other.stderr


def test_a_spec_file_name_cannot_forge_a_report_line(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    forged = "ok    forged.yaml"  # a file name holds no '/'
    name = "evil\n" + forged + "\x1b[2J.yaml"
    (specs / name).write_text(MINIMAL, encoding="utf-8")
    for fmt in ("text", "github"):
        result = CliRunner().invoke(cli, ["check", str(specs), "--format", fmt])
        assert result.exit_code in (0, 1), result.output
        lines = result.stdout.splitlines()
        assert not any(line.startswith(forged) for line in lines), result.stdout
        assert "\x1b" not in result.stdout, repr(result.stdout)
    text = CliRunner().invoke(cli, ["check", str(specs)]).stdout
    assert "evil\\nok    forged.yaml\\x1b[2J.yaml" in text, text


ECHO_RULE = """\
package llmops.echo

import data.llmops.lib

# METADATA
# title: The description is shown
# description: A team's own rule that quotes a spec value in its message.
# custom:
#   id: LLM-ECH-001
#   severity: warning
#   remediation: Nothing to do.
#   frameworks:
#     nist: [GOVERN 1.4]
#   applies_to: [aws:kms/key:Key]
described contains lib.spec_result("/metadata/description", sprintf("described as: %s", [input.spec.metadata.description]))
"""


def test_a_spec_value_quoted_in_a_finding_cannot_forge_a_report_line(tmp_path):
    """A line break is allowed in a description; a finding quoting it must not put it in the report as a line."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "echo.rego").write_text(ECHO_RULE, encoding="utf-8")
    spec = tmp_path / "app.yaml"
    spec.write_text(MINIMAL + f'  description: "answers questions\\n{FORGED}"\n', encoding="utf-8")
    args = ["check", str(spec), "--policy-dir", str(tmp_path / "rules")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output
    assert not any(line.strip().startswith(FORGED) for line in result.stdout.splitlines()), result.stdout
    assert f"described as: answers questions\\n{FORGED}" in result.stdout, result.stdout
    github = CliRunner().invoke(cli, [*args, "--format", "github"])
    assert not any(line.strip().startswith(FORGED) for line in github.stdout.splitlines()), github.stdout
    assert f"described as: answers questions%0A{FORGED}" in github.stdout, github.stdout


def test_validate_and_check_agree_on_validity_over_the_bad_corpus():
    """Every corpus file (and every example) is invalid for both commands or for neither."""
    runner = CliRunner()
    files = sorted(p for p in BAD.iterdir() if p.is_file() and p.suffix in (".yaml", ".json"))
    files += sorted((ROOT / "examples").glob("*.yaml"))
    disagree = []
    for path in files:
        v = runner.invoke(cli, ["validate", str(path)])
        c = runner.invoke(cli, ["check", str(path), "--jobs", "1"])
        for r in (v, c):
            assert r.exit_code in (0, 1, 2), f"{path.name}: exit {r.exit_code}\n{r.output}"
        if (v.exit_code == 2) != (c.exit_code == 2):
            disagree.append(f"{path.name}: validate {v.exit_code}, check {c.exit_code}")
    assert not disagree, "\n".join(disagree)


@pytest.mark.parametrize("name", ["name-collision-guardrail-and-guardrail-version.yaml",
                                  "name-collision-alarm-and-alarm-topic-policy.yaml"])
@pytest.mark.parametrize("command", ["validate", "check", "plan", "cost", "maturity"])
def test_a_name_collision_is_an_input_error_in_every_command(name, command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = {"plan": ["--out", "-"], "maturity": ["--no-repo"]}.get(command, [])
    result = CliRunner().invoke(cli, [command, str(BAD / name), *args])
    assert result.exit_code == 2, result.output
    assert "name-collision" in result.output and "internal error" not in result.output, result.output


def test_a_name_collision_in_one_environment_is_caught_by_validate(tmp_path):
    spec = tmp_path / "app.yaml"
    spec.write_text(MINIMAL + """spec:
  models:
    chat:
      provider: bedrock
      modelId: anthropic.claude-3-haiku-20240307-v1:0
  guardrails:
    strict:
      appliesTo:
        models: [chat]
  environments:
    prod:
      guardrails:
        strict-version:
          appliesTo:
            models: [chat]
""", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(spec), "--format", "json"])
    assert result.exit_code == 2, result.output
    [d] = [d for f in json.loads(result.stdout)["files"] for d in f["diagnostics"] if d["severity"] == "error"]
    assert d["code"] == "name-collision" and d["line"] == 17 and "prod" in d["message"], d
    # check judges the prod environment too, so it refuses the same spec
    checked = CliRunner().invoke(cli, ["check", str(spec), "--format", "json"])
    assert checked.exit_code == 2, checked.output
    errors = [d for f in json.loads(checked.stdout)["files"] for d in f["diagnostics"] if d["severity"] == "error"]
    assert [d["code"] for d in errors] == ["name-collision"]
