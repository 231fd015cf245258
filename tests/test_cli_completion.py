"""Shell completion (issue 14): the installed console script produces the bash, zsh and fish scripts the README
documents, and answers a completion request with llmops-iac's own commands and options.

These fail if the entry point stops passing through click's completion (an entry point that catches SystemExit,
parses sys.argv itself or renames the program changes the variable or the script).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT, console_script

VAR = "_LLMOPS_IAC_COMPLETE"


def complete(mode: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, VAR: mode, **env}
    return subprocess.run([str(console_script())], capture_output=True, text=True, env=full, cwd=ROOT, timeout=60)


@pytest.mark.parametrize("shell,needles", [
    ("bash", ["_llmops_iac_completion()", "complete -o nosort -F _llmops_iac_completion llmops-iac"]),
    ("zsh", ["#compdef llmops-iac", "_llmops_iac_completion"]),
    ("fish", ["complete --no-files --command llmops-iac"]),
])
def test_the_completion_script_is_produced(shell, needles):
    p = complete(f"{shell}_source")
    assert p.returncode == 0, p.stderr
    for needle in needles:
        assert needle in p.stdout
    assert "Usage:" not in p.stdout and "Traceback" not in p.stderr


def test_bash_completes_commands_and_options():
    commands = complete("bash_complete", COMP_WORDS="llmops-iac ch", COMP_CWORD="1")
    assert commands.returncode == 0 and "plain,check" in commands.stdout.split()
    options = complete("bash_complete", COMP_WORDS="llmops-iac check --fa", COMP_CWORD="2")
    assert "plain,--fail-level" in options.stdout.split()
    levels = complete("bash_complete", COMP_WORDS="llmops-iac check --fail-level ", COMP_CWORD="3")
    assert {"plain,error", "plain,warning", "plain,note"} <= set(levels.stdout.split())
    group = complete("bash_complete", COMP_WORDS="llmops-iac policy ", COMP_CWORD="2")
    assert {"plain,check", "plain,test", "plain,docs", "plain,bundle"} <= set(group.stdout.split())


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_the_bash_script_loads_in_bash():
    script = complete("bash_source").stdout
    p = subprocess.run(["bash", "--noprofile", "--norc", "-c", script + "\ncomplete -p llmops-iac"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "_llmops_iac_completion" in p.stdout
