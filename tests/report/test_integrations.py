"""action.yml (composite GitHub Action) and .pre-commit-hooks.yaml: valid YAML, existing CLI options, working scripts."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from llmops_iac.report import FORMATS
from tests.conftest import ROOT, run_script
from tests.report.conftest import POLICIES, SPECS

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def help_text(*command: str) -> str:
    result = run_script(*command, "--help")
    assert result.returncode == 0, result.stderr
    return result.stdout


def options_of(*command: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", help_text(*command)))


def script(step_id: str) -> str:
    return next(s for s in STEPS if s.get("id") == step_id)["run"]


def expressions(node) -> list[str]:
    if isinstance(node, dict):
        return [e for v in node.values() for e in expressions(v)]
    if isinstance(node, list):
        return [e for v in node for e in expressions(v)]
    return [m.strip() for m in EXPR.findall(node)] if isinstance(node, str) else []


# ---------------------------------------------------------------- action.yml


def test_action_is_a_composite_action_with_described_inputs_and_outputs():
    assert ACTION["name"] and ACTION["description"] and ACTION["runs"]["using"] == "composite"
    assert {"paths", "stack", "fail-level", "policy-dir", "opa-url"} <= set(ACTION["inputs"])
    for name, spec in {**ACTION["inputs"], **ACTION["outputs"]}.items():
        assert spec.get("description"), name
    for name, spec in ACTION["inputs"].items():
        assert isinstance(spec.get("default", ""), str), f"input {name}: defaults are strings"
    assert ACTION["inputs"]["fail-level"]["default"] == "error"


def test_action_steps_pin_actions_by_major_version_and_name_a_shell():
    uses = [s["uses"] for s in STEPS if "uses" in s]
    assert {u.split("@")[0] for u in uses} >= {"actions/setup-python", "github/codeql-action/upload-sarif",
                                               "marocchino/sticky-pull-request-comment"}
    for u in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", u), f"{u}: pin actions by major version"
    for s in STEPS:
        assert ("uses" in s) != ("run" in s), s.get("name")
        if "run" in s:
            assert s.get("shell") == "bash", s.get("name")


def test_action_references_only_its_own_inputs_and_steps():
    ids = {s["id"] for s in STEPS if "id" in s}
    for expr in expressions(ACTION):
        for name in re.findall(r"\binputs\.([\w-]+)", expr):
            assert name in ACTION["inputs"], f"${{{{ {expr} }}}}: no input {name}"
        for name in re.findall(r"\bsteps\.([\w-]+)", expr):
            assert name in ids, f"${{{{ {expr} }}}}: no step {name}"
    # inputs reach scripts through env, never spliced into the script text (no injection)
    for s in STEPS:
        if "run" in s:
            assert not EXPR.search(s["run"]), f"{s.get('name')}: pass values through env, not ${{{{ }}}} in run"


def test_action_installs_from_its_own_path_and_uploads_and_comments():
    install = next(s for s in STEPS if s.get("name") == "Install llmops-iac")
    assert install["env"]["LLMOPS_IAC_SOURCE"] == "${{ github.action_path }}" and "$LLMOPS_IAC_SOURCE" in install["run"]
    upload = next(s for s in STEPS if s.get("id") == "upload")
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif-file }}"
    assert upload["if"].startswith("always()") and upload["continue-on-error"] is True
    comment = next(s for s in STEPS if s.get("id") == "comment")
    assert comment["with"]["path"] == "${{ steps.check.outputs.markdown-file }}"
    last = STEPS[-1]
    assert last["if"] == "always()" and 'exit "$code"' in last["run"]


def test_action_uses_only_existing_cli_options_and_formats():
    text = script("check")
    assert "llmops-iac \"${args[@]}\"" in text and "args=(check " in text
    # the options llmops-iac is given: those added to args (the script also runs git, with git's options)
    given = "\n".join(line for line in text.splitlines() if re.search(r"\bargs\+?=\(", line))
    used = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", given))
    assert used >= {"--format", "--output", "--fail-level", "--stack", "--opa-url", "--policy-dir", "--base"}
    known = options_of("check")
    assert used <= known, f"options the CLI does not have: {sorted(used - known)}"
    assert re.search(r"--format (\w+)", text).group(1) in FORMATS
    for fmt in re.findall(r'--output "(\w+)=', text):
        assert fmt in FORMATS
    assert set(re.findall(r'--output "(\w+)=', text)) == {"sarif", "markdown"}
    assert "--format github" in text  # annotations on standard output
    fail_levels = re.search(r"--fail-level \[([\w|]+)\]", help_text("check"))
    assert ACTION["inputs"]["fail-level"]["default"] in fail_levels.group(1).split("|")


@pytest.mark.parametrize("step", [s.get("id") or s["name"] for s in STEPS if "run" in s])
def test_action_scripts_are_valid_bash(step):
    text = next(s for s in STEPS if (s.get("id") or s["name"]) == step)["run"]
    result = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def shim(tmp_path) -> Path:
    """A directory with an `llmops-iac` that is the real CLI judging with the fixed catalogue of tests/report/policies
    (so these tests don't depend on the built-in rules of the day)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "llmops-iac"
    exe.write_text(f"#!{sys.executable}\n"
                   "from pathlib import Path\n"
                   "from llmops_iac.policy import catalog\n"
                   f"catalog.builtin_dir = lambda: Path({str(POLICIES)!r})\n"
                   "from llmops_iac.cli import main\n"
                   "main()\n")
    exe.chmod(0o755)
    return bin_dir


def _run_step(text: str, env: dict[str, str], cwd: Path, bin_dir: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``text`` as GitHub runs a `shell: bash` step: written to a file, `bash --noprofile --norc -eo pipefail FILE`
    (tests/action/ runs the whole action that way)."""
    import tempfile

    from tests.action.runner import BASH

    path = os.pathsep.join(str(p) for p in (bin_dir, Path(sys.executable).parent) if p)
    full = {**os.environ, **env, "PATH": f"{path}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as fh:
        fh.write(text)
    try:
        return subprocess.run([*BASH, fh.name], cwd=cwd, env=full, capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(fh.name)


def test_action_check_step_writes_reports_and_keeps_the_exit_code(tmp_path, shim):
    outputs, summary = tmp_path / "github_output", tmp_path / "summary.md"
    env = {"RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary),
           "INPUT_PATHS": "tests/report/specs/broken.yaml\ntests/report/specs/guarded.yaml", "INPUT_STACK": "",
           "INPUT_FAIL_LEVEL": "error", "INPUT_POLICY_DIR": "", "INPUT_OPA_URL": "", "INPUT_PROFILE": ""}
    result = _run_step(script("check"), env, ROOT, shim)
    assert result.returncode == 0, result.stderr  # the step itself passes; the last step fails the job
    out = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert out["exit-code"] == "2"  # broken.yaml has input errors
    sarif = json.loads(Path(out["sarif-file"]).read_text())
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert "tests/report/specs/broken.yaml" in uris and "tests/report/specs/guarded.yaml" in uris
    assert Path(out["markdown-file"]).read_text().startswith("<!-- llmops-iac-report -->")
    assert summary.read_text() == Path(out["markdown-file"]).read_text()
    assert "::error file=tests/report/specs/broken.yaml,line=8,col=3,title=llmops-iac spec/unknown-key [default]::" in result.stdout


def test_action_check_step_passes_options(tmp_path, shim):
    outputs = tmp_path / "github_output"
    env = {"RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(outputs), "INPUT_PATHS": "examples/support-assistant.yaml",
           "INPUT_STACK": "prod", "INPUT_FAIL_LEVEL": "note", "INPUT_POLICY_DIR": "", "INPUT_OPA_URL": "",
           "INPUT_PROFILE": "nonexistent-profile"}
    result = _run_step(script("check"), env, ROOT, shim)
    out = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert out["exit-code"] != "0" and "nonexistent-profile" in result.stderr  # --profile reached the CLI


@pytest.mark.parametrize("code, expected", [("0", 0), ("1", 1), ("2", 2), ("3", 3), ("", 3)])
def test_action_result_step_fails_with_the_check_exit_code(tmp_path, code, expected):
    env = {"EXIT_CODE": code, "UPLOAD_OUTCOME": "failure", "COMMENT_OUTCOME": "success"}
    result = _run_step(STEPS[-1]["run"], env, tmp_path)
    assert result.returncode == expected
    assert "::warning title=llmops-iac::SARIF upload failed" in result.stdout
    assert ("::error" in result.stdout) == (expected != 0)


# ---------------------------------------------------------------- .pre-commit-hooks.yaml


def test_pre_commit_hooks():
    hooks = {h["id"]: h for h in HOOKS}
    assert set(hooks) == {"llmops-iac-check", "llmops-iac-validate"}
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for hook_id, hook in hooks.items():
        # the check hook needs the OPA engine, which pre-commit's pip cannot install: it runs the llmops-iac on PATH
        assert hook["language"] == ("system" if hook_id == "llmops-iac-check" else "python")
        assert hook["pass_filenames"] is True and hook["name"] and hook["description"]
        program, command, *flags = shlex.split(hook["entry"]) + list(hook.get("args", []))
        assert program in scripts
        assert hook_id == f"llmops-iac-{command}"
        known = options_of(command)
        for flag in flags:
            if flag.startswith("--"):
                assert flag.split("=")[0] in known, f"{hook_id}: {flag} is not an option of `llmops-iac {command}`"


@pytest.mark.parametrize("path, matches", [
    ("llmapp.yaml", True), ("specs/llmapp-support.yml", True), ("deploy/support.llmapp.yaml", True),
    ("apps/chat.llmapp.json", True),
    (".github/workflows/ci.yml", False), (".pre-commit-config.yaml", False), ("docker-compose.yaml", False),
    ("stacks/Pulumi.prod.yaml", False), ("llmapp.py", False),
])
def test_pre_commit_files_pattern_matches_specs_only(path, matches):
    for hook in HOOKS:
        assert bool(re.search(hook["files"], path)) == matches, (hook["id"], path)


def test_pre_commit_entry_runs_on_spec_files(tmp_path, shim):
    good = tmp_path / "llmapp.yaml"
    good.write_text((ROOT / "examples" / "minimal.yaml").read_text())
    bad = tmp_path / "bad.llmapp.yaml"
    bad.write_text((SPECS / "broken.yaml").read_text())
    for hook in HOOKS:
        entry = shlex.join(shlex.split(hook["entry"]) + list(hook.get("args", [])))
        result = _run_step(f"{entry} llmapp.yaml", {}, tmp_path, shim)
        assert result.returncode == 0, (hook["id"], result.stdout, result.stderr)
        result = _run_step(f"{entry} llmapp.yaml bad.llmapp.yaml", {}, tmp_path, shim)
        assert result.returncode == 2 and "unknown-key" in result.stdout, (hook["id"], result.stdout, result.stderr)


def test_the_action_installs_the_engine_that_gives_verdicts():
    """Without the OPA bindings the check is exit 3: the Action installs them, as policy/reference.py says to."""
    from llmops_iac.policy.reference import INSTALL

    install = next(s for s in ACTION["runs"]["steps"] if s.get("name") == "Install llmops-iac")
    assert INSTALL.replace("pip install ", "") in install["run"]
