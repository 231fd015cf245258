"""The commands the README, the `--help` examples and `make demo` show leave no file nobody asked for.

A copy of the repository (its tracked files, `git init`, one commit) runs every documented
`llmops-iac` command as a newcomer would type it, from the repository root, with the installed
console script and no AWS credentials. Afterwards `git status --porcelain` may list only the files a
command was told to write (`--output [FORMAT=]PATH`, `--out PATH`, `> PATH`): a command that drops a
Plan or a cache next to the spec is a defect, whatever its exit code.

Commands that need AWS or a remote (preflight, verify, diff --base origin/main) fail here with exit 2;
they are run all the same, because a failing command must not leave files either.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from tests.conftest import ROOT

FENCES = ("sh", "bash", "shell", "console")
FORMATS = {"text", "json", "sarif", "junit", "markdown", "github", "html"}


def _readme_commands(text: str) -> list[str]:
    """Every `llmops-iac …` line of the README's shell code blocks."""
    found, fenced = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            fenced = not fenced and stripped[3:].strip() in FENCES
            continue
        if fenced and stripped.startswith("llmops-iac "):
            found.append(stripped)
    return found


def _help_examples() -> list[str]:
    """The `Example:` lines of every command's --help."""
    from llmops_iac.cli import cli

    def walk(command):
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                yield from walk(sub)
        else:
            yield command

    found = []
    for command in walk(cli):
        in_example = False
        for line in (command.help or "").splitlines():
            stripped = line.strip()
            if stripped in ("Example:", "Examples:"):
                in_example = True
            elif in_example and stripped.startswith("llmops-iac "):
                found.append(stripped)
            elif in_example and stripped and stripped != "\b":
                in_example = False
    return found


def _demo_commands() -> list[str]:
    """What `make demo` runs (`$(BIN)/llmops-iac …` lines of its recipe)."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("demo:"))
    found = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        match = re.search(r"\$\(BIN\)/(llmops-iac .*)$", line.strip())
        if match and "$$" not in match.group(1):  # a shell variable: the recipe runs it in a directory it makes
            found.append(match.group(1))
    return found


def _split(command: str) -> tuple[list[str], set[str]]:
    """(the llmops-iac arguments, the paths the command line asks to be written)."""
    tokens = shlex.split(command, comments=True)
    for stop in ("&&", "|", ";", "||"):
        if stop in tokens:
            tokens = tokens[:tokens.index(stop)]
    asked: set[str] = set()
    if ">" in tokens:
        i = tokens.index(">")
        asked.add(tokens[i + 1])
        tokens = tokens[:i] + tokens[i + 2:]
    for i, token in enumerate(tokens):
        value = None
        if token in ("--output", "--out") and i + 1 < len(tokens):
            value = tokens[i + 1]
        elif token.startswith(("--output=", "--out=")):
            value = token.split("=", 1)[1]
        if value and value != "-":
            fmt, sep, path = value.partition("=")
            asked.add(path if sep and fmt in FORMATS else value)
    assert tokens[0] == "llmops-iac", command
    return tokens[1:], asked


def documented_commands() -> list[str]:
    readme = _readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    return list(dict.fromkeys(readme + _help_examples() + _demo_commands()))


def test_the_documented_commands_are_found():
    commands = documented_commands()
    assert any(c.startswith("llmops-iac plan ") for c in commands), commands
    assert any(c.startswith("llmops-iac check ") for c in commands), commands
    assert _split("llmops-iac cost x.yaml --output markdown=cost.md > out.txt")[1] == {"cost.md", "out.txt"}
    assert _split("llmops-iac plan x.yaml --out p.json")[1] == {"p.json"}
    assert _split("llmops-iac plan x.yaml --out -")[1] == set()


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(repo.parent), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture
def fresh_clone(tmp_path):
    """The repository's tracked files in a new git repository with one commit (what a clone holds)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True).stdout
    repo = tmp_path / "repo"
    for rel in filter(None, tracked.decode().split("\0")):
        source = ROOT / rel
        if not source.is_file():
            continue  # deleted in the working tree, not yet committed
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "clone")
    return repo


def _untracked(repo: Path) -> set[str]:
    status = _git(repo, "status", "--porcelain", "--untracked-files=all")
    return {line[3:] for line in status.splitlines() if line.startswith("??")}


def test_documented_commands_leave_no_file_nobody_asked_for(fresh_clone, tmp_path):
    script = Path(sys.executable).with_name("llmops-iac")
    if not script.exists():
        pytest.skip("the llmops-iac console script is not installed next to this Python")
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPA_", "LLMOPS_", "PULUMI_"))}
    env.update(HOME=str(home), AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/nonexistent/config",
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent/credentials", NO_COLOR="1")
    asked: set[str] = set()
    ran = []
    for command in documented_commands():
        args, outputs = _split(command)
        asked |= {os.path.normpath(p) for p in outputs}
        proc = subprocess.run([str(script), *args], cwd=fresh_clone, env=env, capture_output=True, text=True,
                              timeout=300, stdin=subprocess.DEVNULL)
        assert "Traceback" not in proc.stderr, f"{command}: {proc.stderr[-2000:]}"
        ran.append((command, proc.returncode))
    stray = sorted(p for p in _untracked(fresh_clone) if os.path.normpath(p) not in asked)
    assert not stray, f"files nobody asked for after {[c for c, _ in ran]}: {stray}"
    plan_runs = [code for command, code in ran if command.startswith("llmops-iac plan ")]
    assert plan_runs and all(code == 0 for code in plan_runs), ran  # the plan example ran, and wrote nothing


def test_plan_writes_a_file_only_where_asked(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from llmops_iac.cli import cli

    monkeypatch.chdir(tmp_path)
    spec = ROOT / "examples" / "minimal.yaml"
    for args in ([], ["--format", "json"], ["--out", "-"]):
        result = CliRunner().invoke(cli, ["plan", str(spec), *args])
        assert result.exit_code == 0, result.output
        assert "wrote" not in result.output
    assert list(tmp_path.iterdir()) == []
    result = CliRunner().invoke(cli, ["plan", str(spec), "--out", "p.json"])
    assert result.exit_code == 0 and "wrote p.json" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]
