"""Attacks an attacker's review of issue #15 found: scripts that stop, replace or redefine the shell before the
check, a repository-local `llmops-iac`, and steps that swap the shell or its PATH. None of them checks the spec."""

from __future__ import annotations

import pytest

from llmops_iac.maturity.checks import FAIL, PASS
from tests.maturity.test_ci_attacks import gha, outcome


def _script(*lines: str) -> dict[str, str]:
    body = "".join(f"          {line}\n" for line in lines)
    return gha(f"      - run: |\n{body}")


ATTACKS = {
    "and-exit-0": _script("true && exit 0", "llmops-iac check app/"),
    "if-then-exit-0": _script("if true; then exit 0; fi", "llmops-iac check app/"),
    "exec-true": _script("exec true", "llmops-iac check app/"),
    "eval-exit": _script('eval "exit 0"', "llmops-iac check app/"),
    "builtin-exit": _script("builtin exit 0", "llmops-iac check app/"),
    "builtin-set-plus-e": _script("builtin set +e", "llmops-iac check app/", "echo ok"),
    "source-a-script": _script(". ./ci/env.sh", "llmops-iac check app/"),
    "repository-local-tool": gha("      - run: ./tools/llmops-iac check app/\n"),
    "path-override": gha("      - run: llmops-iac check app/\n        env:\n          PATH: ./fakebin:/usr/bin\n"),
    "bash-env": gha("      - run: llmops-iac check app/\n        env:\n          BASH_ENV: .ci/env.sh\n"),
    "job-path-override": gha("      - run: llmops-iac check app/\n", job_extra="    env:\n      PATH: ./fakebin\n"),
    "custom-shell": gha("      - run: llmops-iac check app/\n        shell: bash -c true {0}\n"),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_a_script_that_may_never_run_the_check_does_not_gate(tmp_path, name):
    for criterion in ("MAT-CICD-201", "MAT-CICD-301"):
        result = outcome(tmp_path / criterion, ATTACKS[name], criterion)
        assert result.outcome == FAIL, (criterion, result.reason)


@pytest.mark.parametrize("script", [
    ("exec > check.log 2>&1", "llmops-iac check app/"),  # exec with redirections only keeps the shell
    ("llmops-iac check app/ || exit 1",),
    ("exec llmops-iac check app/",),
    (".venv/bin/llmops-iac check app/",),
])
def test_ordinary_scripts_still_gate(tmp_path, script):
    result = outcome(tmp_path, _script(*script), "MAT-CICD-301")
    assert result.outcome == PASS, result.reason


def test_a_standard_shell_still_gates(tmp_path):
    result = outcome(tmp_path, gha("      - run: llmops-iac check app/\n        shell: bash\n"), "MAT-CICD-301")
    assert result.outcome == PASS, result.reason


MORE = {
    "github-path-written-earlier": gha("      - run: echo \"$PWD/fakebin\" >> \"$GITHUB_PATH\"\n"
                                       "      - run: llmops-iac check app/\n"),
    "github-env-written-earlier": gha("      - run: echo \"BASH_ENV=.ci/env.sh\" >> $GITHUB_ENV\n"
                                      "      - run: llmops-iac check app/\n"),
    "workflow-env-path": {".github/workflows/ci.yml": "name: ci\non: pull_request\nenv:\n  PATH: ./fakebin\njobs:\n"
                          "  check:\n    runs-on: ubuntu-latest\n    steps:\n      - run: llmops-iac check app/\n"},
    "gitlab-default-before-script-exits": {
        ".gitlab-ci.yml": "default:\n  before_script: [exit 0]\ncheck:\n  script:\n    - llmops-iac check app/\n"
                          "  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"},
    "gitlab-top-level-before-script-exits": {
        ".gitlab-ci.yml": "before_script: [exit 0]\ncheck:\n  script:\n    - llmops-iac check app/\n"
                          "  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"},
}


@pytest.mark.parametrize("name", sorted(MORE))
def test_an_earlier_step_or_default_that_rewires_the_job_does_not_gate(tmp_path, name):
    result = outcome(tmp_path, MORE[name], "MAT-CICD-301")
    assert result.outcome == FAIL, result.reason


def test_a_gitlab_job_with_its_own_before_script_does_not_inherit_the_default(tmp_path):
    files = {".gitlab-ci.yml": "default:\n  before_script: [exit 0]\ncheck:\n  before_script: [echo ready]\n"
                               "  script:\n    - llmops-iac check app/\n"
                               "  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"}
    result = outcome(tmp_path, files, "MAT-CICD-301")
    assert result.outcome == PASS, result.reason
