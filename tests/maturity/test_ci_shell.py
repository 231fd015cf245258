"""The shell reading of CI scripts (llmops_iac/maturity/ci_shell.py) and the conditions of CI jobs
(ci_conditions.py): which commands run, and whether a command's failure fails the step."""

from __future__ import annotations

import pytest

from llmops_iac.maturity import ci_conditions as cond
from llmops_iac.maturity.ci_shell import commands

CHECK = ("llmops-iac", "check", "app/")

SCRIPTS = {  # script -> whether `llmops-iac check app/` in it can fail the step (None: it is not a command at all)
    "llmops-iac check app/": True,
    "llmops-iac check app/ || true": False,
    "llmops-iac check app/ || :": False,
    "llmops-iac check app/ || exit 0": False,
    "llmops-iac check app/ || echo failed": False,
    "llmops-iac check app/ || exit 1": True,
    "llmops-iac check app/ || exit": True,
    "llmops-iac check app/ || false": True,
    "true || llmops-iac check app/": False,
    "make && llmops-iac check app/": True,
    "make && llmops-iac check app/\necho done": False,
    "llmops-iac check app/ && echo ok": True,
    "llmops-iac check app/ && echo ok\necho done": False,
    "llmops-iac check app/; true": True,  # errexit: the shell stops at the failing check
    "set +e\nllmops-iac check app/; true": False,
    "set +e\nllmops-iac check app/": True,  # its status is the script's
    "set +e\nllmops-iac check app/\nset -e": False,
    "set +e\nset -e\nllmops-iac check app/\necho ok": True,
    "set -euo pipefail\nllmops-iac check app/ | tee x": True,
    "llmops-iac check app/ | tee x": False,
    "tee x < in | llmops-iac check app/": True,
    "llmops-iac check app/ &": False,
    "! llmops-iac check app/": False,
    "if false; then\n  llmops-iac check app/\nfi": False,
    "if llmops-iac check app/; then echo ok; fi": False,
    "for f in a; do llmops-iac check app/; done": False,
    "case x in y) llmops-iac check app/ ;; esac": False,
    "( llmops-iac check app/ )": False,
    "{ llmops-iac check app/; }": False,
    "exit 0\nllmops-iac check app/": False,
    "trap 'exit 0' EXIT\nllmops-iac check app/": False,
    "llmops-iac() { :; }\nllmops-iac check app/": False,
    "alias llmops-iac=true\nllmops-iac check app/": False,
    "FOO=1 env BAR=2 time llmops-iac check app/ > out.txt 2>&1": True,
    "llmops-iac check \\\n  app/": True,
    "echo 'x' '&&' llmops-iac check app/": None,
    'echo "TODO run llmops-iac check app/"': None,
    "echo \"one\nllmops-iac check app/\n\"": None,
    "# llmops-iac check app/": None,
    "make # && llmops-iac check app/": None,
    "cat > x.sh <<'EOF'\nllmops-iac check app/\nEOF": None,
    "cat > x.sh <<-EOF\n\tllmops-iac check app/\n\tEOF": None,
    "x=$(llmops-iac check app/)": None,
    "echo `llmops-iac check app/`": None,
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_a_check_counts_only_where_its_failure_fails_the_step(script):
    found = [c for c in commands(script, 1) if c.argv[-3:] == CHECK and c.argv[0].endswith("llmops-iac")]
    expected = SCRIPTS[script]
    if expected is None:
        assert found == []
    else:
        assert [c.effective for c in found] == [expected], [c.reason for c in found]
        assert found[0].effective or found[0].reason


def test_commands_keep_their_file_lines():
    script = [("make", 10), ("llmops-iac check app/ \\\n  --quiet", 12), ("echo done", 14)]
    assert [(c.line, c.argv[0]) for c in commands(script)] == [(10, "make"), (12, "llmops-iac"), (14, "echo")]
    assert [c.line for c in commands("a\n\n# c\nb\n", 5)] == [5, 8]


@pytest.mark.parametrize("expression, event, expected", [
    (False, "pull_request", False), ("${{ false }}", "pull_request", False), ("false", "push", False),
    ("0", "push", False), ("${{ true }}", "push", True), (None, "push", True),
    ("github.event_name == 'pull_request'", "pull_request", True),
    ("github.event_name == 'push'", "pull_request", False),
    ("${{ github.event_name != 'pull_request' }}", "pull_request", False),
    ("github.ref == 'refs/heads/main'", "pull_request", False),
    ("github.actor != 'dependabot[bot]'", "pull_request", None),
    ("always()", "pull_request", True), ("failure()", "pull_request", False), ("!cancelled()", "push", True),
    ("false && github.actor == 'x'", "push", False), ("true || github.actor == 'x'", "push", True),
    ("${{ false }} || true", "push", None), ("github.event_name == 'PULL_REQUEST'", "pull_request", True),
])
def test_github_conditions_are_decided_where_the_file_tells(expression, event, expected):
    context = {"github.event_name": event, "github.ref": cond.PR_REF if event == "pull_request" else cond.DEFAULT_BRANCH}
    assert cond.github(expression, context) is expected


@pytest.mark.parametrize("expression, source, expected", [
    ('$CI_PIPELINE_SOURCE == "merge_request_event"', "merge_request_event", True),
    ('$CI_PIPELINE_SOURCE == "merge_request_event"', "push", False),
    ("$CI_PIPELINE_SOURCE =~ /^merge/", "merge_request_event", True),
    ("$CI_MERGE_REQUEST_IID", "push", False), ("$CI_MERGE_REQUEST_IID", "merge_request_event", None),
    ("$MY_FLAG == 'yes'", "push", None), ('$CI_PIPELINE_SOURCE == "push" && $MY_FLAG', "merge_request_event", False),
])
def test_gitlab_conditions_are_decided_where_the_file_tells(expression, source, expected):
    variables = {"CI_PIPELINE_SOURCE": source,
                 "CI_MERGE_REQUEST_IID": cond.UNKNOWN if source == "merge_request_event" else None}
    assert cond.gitlab(expression, variables) is expected


HOSTILE = [
    "", "null", "[]", "- 1\n- 2\n", "on: 5\njobs: 7\n", "on: {pull_request: [1]}\njobs: {a: {steps: [1, null, {run: 5}]}}\n",
    "on: pull_request\njobs:\n  1: {needs: [2], steps: []}\n  2: {needs: 1, steps: [{run: llmops-iac check}]}\n",
    "on: pull_request\njobs:\n  a: {needs: [b], steps: []}\n  b: {needs: [a], if: '((((', steps: []}\n",
    "on: pull_request\njobs: {a: {if: '" + "(" * 3000 + "', steps: [{run: llmops-iac check}]}}\n",
    "[" * 5000, "a: &a [*a]\nb: *a\n", "? [a, b]\n: c\n", "x: !custom 1\n", "x: !!binary '%%%'\n",
    "check:\n  extends: 5\n  script: 7\n  rules: [1, {if: 2, when: 3}]\n  only: {refs: 5}\n",
    "check:\n  extends: [.a]\n.a:\n  extends: [check]\n  script: [\"llmops-iac check '\"]\n",
    "phases: {build: {commands: [1, [2], {a: b}], on-failure: 5}}\n", "version: 0.2\nphases: []\n",
    "on: pull_request\njobs: {a: {steps: [{run: \"echo $(\\n\"}, {run: \"cat <<EOF\"}, {run: \"'unclosed\"}]}}\n",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_ci_files_are_notes_never_crashes(text):
    from llmops_iac.maturity import ci_github, ci_gitlab

    for reader in (ci_github.read, ci_gitlab.read_gitlab, ci_gitlab.read_codebuild):
        ci = reader(text, "ci.yml")
        assert all(not r.reason or isinstance(r.reason, str) for r in ci.runs)
