"""The test runner for action.yml (tests/action/runner.py) behaves as GitHub's runner on the points the Action
depends on; if it did not, tests/action/test_action.py could pass on an action that fails on GitHub."""

from __future__ import annotations

import subprocess
import textwrap

import pytest

from tests.action import expressions as ex
from tests.action.runner import BASH, CompositeRunner, parse_file_command


def bash(script: str, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "step.sh"
    path.write_text(script)
    return subprocess.run([*BASH, str(path)], capture_output=True, text=True)


def test_the_runners_bash_stops_at_a_failing_command_and_a_failing_pipeline(tmp_path):
    # what the check step on main did: the exit code line is never reached
    result = bash("sh -c 'exit 1'\ncode=$?\necho \"exit-code=$code\"\n", tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert bash("sh -c 'exit 3' | cat\necho after\n", tmp_path).returncode == 3  # pipefail
    result = bash("code=0\nsh -c 'exit 2' || code=$?\necho \"exit-code=$code\"\n", tmp_path)
    assert result.returncode == 0 and result.stdout == "exit-code=2\n"
    # --noprofile --norc: nothing from the environment's shell start-up files runs
    assert bash("shopt -q login_shell && echo login || echo plain\n", tmp_path).stdout == "plain\n"


CONTEXTS = {
    "inputs": {"stack": "prod", "upload-sarif": "true", "empty": ""},
    "github": {"event": {"pull_request": {"number": 7, "base": {"sha": "abc"}}}},
    "steps": {"check": {"outputs": {"sarif-file": "/tmp/x.sarif"}, "outcome": "success"}},
}


@pytest.mark.parametrize("expr, value", [
    ("inputs.stack != '' && format('-{0}', inputs.stack) || ''", "-prod"),
    ("inputs.empty != '' && format('-{0}', inputs.empty) || ''", ""),
    ("inputs.upload-sarif == 'TRUE'", True),  # strings compare ignoring case
    ("github.event.pull_request.number", 7.0),
    ("github.event.pull_request.base.sha", "abc"),
    ("github.event.issue.number", None),  # a missing property is null, not an error
    ("steps.check.outputs.sarif-file != ''", True),
    ("steps.upload.outputs.sarif-file != ''", False),  # null and '' are both 0 as numbers: equal
    ("steps.upload.outcome", None),
    ("INPUTS.Stack", "prod"),  # context and property names ignore case
    ("inputs['upload-sarif'] == 'true' && 1 || 0", 1.0),
    ("!inputs.empty", True),
    ("'it''s'", "it's"),
    ("contains('pull_request_target', 'pull_request')", True),
    ("format('{0}-{{1}}', 'a')", "a-{1}"),
    ("1 == '1'", True),
    ("null == 0", True),
    ("true == 1", True),
    ("'abc' < 'ABD'", True),
])
def test_expressions(expr, value):
    assert ex.evaluate(expr, CONTEXTS) == value


@pytest.mark.parametrize("text, value", [
    ("x=${{ inputs.stack }}", "x=prod"),
    ("${{ github.event.pull_request.number }}", "7"),
    ("${{ github.event.issue.number }}", ""),
    ("${{ inputs.upload-sarif == 'true' }}", "true"),
])
def test_interpolation_turns_values_into_strings_as_the_runner_does(text, value):
    assert ex.interpolate(text, CONTEXTS) == value


def test_if_without_a_status_function_means_success_and():
    ok = {"success": True, "always": True, "failure": False, "cancelled": False}
    failed = {"success": False, "always": True, "failure": True, "cancelled": False}
    assert ex.condition("inputs.stack == 'prod'", CONTEXTS, ok)
    assert not ex.condition("inputs.stack == 'prod'", CONTEXTS, failed)
    assert ex.condition("${{ always() && inputs.stack == 'prod' }}", CONTEXTS, failed)
    assert ex.condition("failure()", CONTEXTS, failed) and not ex.condition("failure()", CONTEXTS, ok)
    assert not ex.condition(None, CONTEXTS, failed)


def test_file_commands_with_values_and_delimited_blocks():
    text = "a=1\nb=x=y\nbody<<EOF_1\nline one\nline=two\nEOF_1\n\nc=\n"
    assert parse_file_command(text) == {"a": "1", "b": "x=y", "body": "line one\nline=two", "c": ""}
    with pytest.raises(ValueError):
        parse_file_command("body<<EOF\nno end\n")
    with pytest.raises(ValueError):
        parse_file_command("no equals sign\n")


def test_a_composite_run(tmp_path):
    """Outputs and env flow between steps, PATH additions apply to later steps, a failed step skips the rest
    unless always(), continue-on-error keeps success(), and no INPUT_* variable appears unless mapped."""
    action = tmp_path / "action" / "action.yml"
    action.parent.mkdir()
    action.write_text(textwrap.dedent("""\
        name: t
        description: t
        inputs:
          who: {description: who, default: world}
          other: {description: other, default: x}
        outputs:
          said: {description: d, value: "${{ steps.one.outputs.said }}"}
        runs:
          using: composite
          steps:
            - id: one
              shell: bash
              env: {WHO: "${{ inputs.who }}"}
              run: |
                echo "said=hello $WHO" >> "$GITHUB_OUTPUT"
                echo "LATER=from-env" >> "$GITHUB_ENV"
                mkdir -p "$RUNNER_TEMP/bin" && printf '#!/bin/sh\\necho tool\\n' > "$RUNNER_TEMP/bin/tool"
                chmod +x "$RUNNER_TEMP/bin/tool" && echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
                echo "# summary one" >> "$GITHUB_STEP_SUMMARY"
            - id: two
              shell: bash
              working-directory: sub
              run: |
                echo "$LATER $(tool) $(basename "$PWD") ${INPUT_WHO:-no-input-var} ${INPUT_OTHER:-none}"
                echo "$GITHUB_EVENT_NAME $(cat "$GITHUB_EVENT_PATH")"
            - id: soft
              continue-on-error: true
              shell: bash
              run: exit 4
            - id: hard
              shell: bash
              run: exit 5
            - id: skipped
              shell: bash
              run: echo never
            - id: last
              if: always()
              shell: bash
              env: {SOFT: "${{ steps.soft.outcome }}/${{ steps.soft.conclusion }}", HARD: "${{ steps.hard.outcome }}"}
              run: echo "$SOFT $HARD"
        """))
    workspace = tmp_path / "ws"
    (workspace / "sub").mkdir(parents=True)
    job = CompositeRunner(action, workspace, tmp_path / "temp", event={"number": 1}).run({"who": "you"})
    assert job.outputs == {"said": "hello you"}
    assert job.step("two").stdout.splitlines() == ["from-env tool sub no-input-var none", 'pull_request {"number": 1}']
    assert job.step("soft").outcome == "failure" and job.step("soft").conclusion == "success"
    assert job.step("hard").returncode == 5 and job.step("skipped").kind == "skipped"
    assert job.step("last").stdout == "failure/success failure\n" and job.failed
    assert job.summary == "# summary one\n"
    with pytest.raises(AssertionError, match="does not declare"):
        CompositeRunner(action, workspace, tmp_path / "temp2").run({"nope": "1"})
