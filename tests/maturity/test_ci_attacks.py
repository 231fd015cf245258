"""CI evidence is proof, not text (issue #15 section 1): a pipeline counts for MAT-CICD-201/301/302 only when a
job that really runs on pull requests / merges / deploys has a step that runs `llmops-iac check` on a path covering
the spec (or `pulumi up` on the production stack) and that step can fail the job.

Each attacker case below was credited by the line scanner this replaced (repo.py's `_scan_ci`)."""

from __future__ import annotations

import pytest

from llmops_iac.maturity.checks import CHECKS, FAIL, PASS
from tests.maturity.test_evidence import collect, make_repo

PULUMI = {"Pulumi.yaml": "name: llmops-iac\nruntime: python\nstackConfigDir: stacks\n",
          "stacks/Pulumi.prod.yaml": "config:\n  aws:region: eu-west-1\n  llmops-iac:spec: app/llmapp.yaml\n"
                                     "  llmops-iac:environment: prod\n",
          "stacks/Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  llmops-iac:spec: app/llmapp.yaml\n"
                                    "  llmops-iac:environment: dev\n"}
SPEC_ENVS = "  environments:\n    dev: {tier: development}\n    prod: {tier: production}\n"


def outcome(tmp_path, files: dict[str, str], criterion: str):
    spec = make_repo(tmp_path, {**PULUMI, **files})
    spec.write_text(spec.read_text(encoding="utf-8") + SPEC_ENVS, encoding="utf-8")
    ev = collect(spec, repo=tmp_path)
    return CHECKS[criterion](ev)


def gha(steps: str, on: str = "pull_request", job_extra: str = "") -> dict[str, str]:
    body = f"name: ci\non: {on}\njobs:\n  check:\n    runs-on: ubuntu-latest\n{job_extra}    steps:\n{steps}"
    return {".github/workflows/ci.yml": body}


# ---- the attacker's pipelines: none of them checks the spec on pull requests --------------------------------------

ATTACKS = {
    "echo": gha('      - run: echo "TODO run llmops-iac check app/"\n'),
    "printf": gha("      - run: printf 'llmops-iac check app/\\n'\n"),
    "comment-in-script": gha("      - run: |\n          # llmops-iac check app/\n          make test\n"),
    "or-true": gha("      - run: llmops-iac check app/ || true\n"),
    "or-colon": gha("      - run: 'llmops-iac check app/ || :'\n"),
    "or-exit-0": gha("      - run: llmops-iac check app/ || exit 0\n"),
    "set-plus-e": gha("      - run: |\n          set +e\n          llmops-iac check app/\n          echo done\n"),
    "if-false-shell": gha("      - run: |\n          if false; then\n            llmops-iac check app/\n          fi\n"),
    "heredoc": gha("      - run: |\n          cat > later.sh <<'EOF'\n          llmops-iac check app/\n          EOF\n"),
    "step-continue-on-error": gha("      - run: llmops-iac check app/\n        continue-on-error: true\n"),
    "job-continue-on-error": gha("      - run: llmops-iac check app/\n", job_extra="    continue-on-error: true\n"),
    "job-if-false": gha("      - run: llmops-iac check app/\n", job_extra="    if: false\n"),
    "job-if-expr-false": gha("      - run: llmops-iac check app/\n", job_extra="    if: ${{ false }}\n"),
    "step-if-false": gha("      - run: llmops-iac check app/\n        if: false\n"),
    "schedule-only": gha("      - run: llmops-iac check app/\n", on="\n  schedule:\n    - cron: '0 3 * * *'"),
    "another-path": gha("      - run: llmops-iac check other/\n"),
    "another-file": gha("      - run: llmops-iac check app/other.yaml\n"),
    "fail-level-never": gha("      - run: llmops-iac check app/ --fail-level never\n"),
    "maturity-not-check": gha("      - run: llmops-iac maturity app/llmapp.yaml\n"),
    "pipe-without-pipefail": gha("      - run: llmops-iac check app/ | tee out.txt\n"),
    "background": gha("      - run: llmops-iac check app/ &\n"),
    "negated": gha("      - run: '! llmops-iac check app/'\n"),
    "if-event-push-on-pr": gha("      - run: llmops-iac check app/\n", on="[pull_request, push]",
                               job_extra="    if: github.event_name == 'push'\n"),
    "gitlab-allow-failure": {".gitlab-ci.yml": "check:\n  script:\n    - llmops-iac check app/\n  allow_failure: true\n"
                                               "  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"},
    "gitlab-manual": {".gitlab-ci.yml": "check:\n  script:\n    - llmops-iac check app/\n  when: manual\n"
                                        "  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"},
    "gitlab-rule-never": {".gitlab-ci.yml": "check:\n  script:\n    - llmops-iac check app/\n"
                                            "  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"
                                            "      when: never\n    - when: always\n"},
    "gitlab-hidden-job": {".gitlab-ci.yml": ".check:\n  script:\n    - llmops-iac check app/\n"
                                            "  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"},
    "gitlab-echo": {".gitlab-ci.yml": "check:\n  script:\n    - echo llmops-iac check app/\n"
                                      "  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"},
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attackers_pipeline_does_not_gate_pull_requests(tmp_path, name):
    result = outcome(tmp_path, ATTACKS[name], "MAT-CICD-301")
    assert result.outcome == FAIL, result.reason


# Each of these also fails MAT-CICD-201 (a check on pull requests or merges): it is no check at all. (The others
# run a real check, but on pushes: "gitlab-rule-never" runs on pushes to the default branch, which 201 credits.)
NO_CHECK_AT_ALL = sorted(set(ATTACKS) - {"schedule-only", "if-event-push-on-pr", "gitlab-rule-never"})


@pytest.mark.parametrize("name", NO_CHECK_AT_ALL)
def test_an_attackers_pipeline_does_not_run_the_check(tmp_path, name):
    result = outcome(tmp_path, ATTACKS[name], "MAT-CICD-201")
    assert result.outcome == FAIL, result.reason


def test_a_check_only_on_schedule_is_not_a_check_on_pull_requests_or_merges(tmp_path):
    result = outcome(tmp_path, ATTACKS["schedule-only"], "MAT-CICD-201")
    assert result.outcome == FAIL and "schedule" in result.reason, result.reason


def test_a_check_only_on_push_to_main_counts_for_201_but_not_301(tmp_path):
    files = gha("      - run: llmops-iac check app/\n", on="\n  push:\n    branches: [main]")
    assert outcome(tmp_path, files, "MAT-CICD-201").outcome == PASS
    assert outcome(tmp_path, files, "MAT-CICD-301").outcome == FAIL


# ---- deployments ---------------------------------------------------------------------------------------------------

DEPLOY_ATTACKS = {
    "echo": gha("      - run: echo pulumi up --stack prod\n", on="\n  push:\n    branches: [main]"),
    "continue-on-error": gha("      - run: pulumi up --yes --stack prod\n        continue-on-error: true\n",
                             on="\n  push:\n    branches: [main]"),
    "dev-stack-only": gha("      - run: pulumi up --yes --stack dev\n", on="\n  push:\n    branches: [main]"),
    "no-stack-named": gha("      - run: pulumi up --yes\n", on="\n  push:\n    branches: [main]"),
    "preview-not-up": gha("      - uses: pulumi/actions@v6\n        with:\n          command: preview\n"
                          "          stack-name: prod\n", on="\n  push:\n    branches: [main]"),
    "pull-request-only": gha("      - run: pulumi up --yes --stack prod\n"),
    "job-if-false": gha("      - run: pulumi up --yes --stack prod\n", on="\n  push:\n    branches: [main]",
                        job_extra="    if: false\n"),
    "comment": gha("      - run: |\n          # pulumi up --yes --stack prod\n          make build\n",
                   on="\n  push:\n    branches: [main]"),
}


@pytest.mark.parametrize("name", sorted(DEPLOY_ATTACKS))
def test_an_attackers_pipeline_does_not_deploy_production(tmp_path, name):
    result = outcome(tmp_path, DEPLOY_ATTACKS[name], "MAT-CICD-302")
    assert result.outcome == FAIL, result.reason


# ---- what must still count ------------------------------------------------------------------------------------------

GOOD_PR_GATES = {
    "plain-run": gha("      - run: llmops-iac check app/\n"),
    "spec-file": gha("      - run: llmops-iac check app/llmapp.yaml --fail-level warning\n"),
    "default-path": gha("      - run: |\n          cd app\n          llmops-iac check\n"),
    "glob": gha("      - run: llmops-iac check 'app/*.yaml'\n"),
    "python-module": gha("      - run: python -m llmops_iac check app/\n"),
    "venv-after-install": gha("      - run: make install && .venv/bin/llmops-iac check app/ --format github\n"),
    "or-exit-1": gha("      - run: llmops-iac check app/ || exit 1\n"),
    "pipefail-bash": gha("      - run: llmops-iac check app/ | tee out.txt\n        shell: bash\n"),
    "working-directory": gha("      - run: llmops-iac check .\n        working-directory: app\n"),
    "action": gha("      - uses: acme/llmops-iac@v1\n        with:\n          paths: app/\n"),
    "action-default-path": gha("      - uses: acme/llmops-iac@v1\n"),
    "list-trigger": gha("      - run: llmops-iac check app/\n", on="[push, pull_request]"),
    "map-trigger-with-covering-paths": gha("      - run: llmops-iac check app/\n",
                                           on="\n  pull_request:\n    paths: ['app/**']"),
    "merge-queue": gha("      - run: llmops-iac check app/\n", on="merge_group"),
    "if-event-pr": gha("      - run: llmops-iac check app/\n", on="[pull_request, push]",
                       job_extra="    if: github.event_name == 'pull_request'\n"),
    "gitlab-mr": {".gitlab-ci.yml": "check:\n  script:\n    - pip install llmops-iac\n    - llmops-iac check app/\n"
                                    "  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"},
    "gitlab-only-mr": {".gitlab-ci.yml": ".base:\n  script: [llmops-iac check app/]\n"
                                         "check:\n  extends: .base\n  only: [merge_requests]\n"},
}


@pytest.mark.parametrize("name", sorted(GOOD_PR_GATES))
def test_a_real_pull_request_gate_counts(tmp_path, name):
    result = outcome(tmp_path, GOOD_PR_GATES[name], "MAT-CICD-301")
    assert result.outcome == PASS, result.reason
    assert all(item.source.line > 0 for item in result.evidence)


def test_rejected_runs_say_why_at_their_file_line(tmp_path):
    result = outcome(tmp_path, ATTACKS["or-true"], "MAT-CICD-301")
    assert result.outcome == FAIL
    item = result.evidence[0]
    assert (item.source.file, item.source.line) == (".github/workflows/ci.yml", 7)
    assert "|| true" in item.summary and ".github/workflows/ci.yml:7" in result.reason
    other = outcome(tmp_path / "b", ATTACKS["another-path"], "MAT-CICD-301")
    assert "other" in other.reason and "does not cover app/llmapp.yaml" in other.reason


def test_path_filters_must_let_the_spec_through(tmp_path):
    files = gha("      - run: llmops-iac check app/\n", on="\n  pull_request:\n    paths: ['docs/**']")
    result = outcome(tmp_path, files, "MAT-CICD-301")
    assert result.outcome == FAIL and "path filters that leave out app/llmapp.yaml" in result.reason


def test_a_gitlab_branch_pipeline_counts_for_merges_only(tmp_path):
    files = {".gitlab-ci.yml": "check:\n  script: [llmops-iac check app/]\n"}
    assert outcome(tmp_path, files, "MAT-CICD-201").outcome == PASS
    assert outcome(tmp_path / "b", files, "MAT-CICD-301").outcome == FAIL


def test_a_gitlab_include_is_no_evidence_and_is_said_so(tmp_path):
    files = {".gitlab-ci.yml": "include:\n  - project: acme/ci\n    file: llmops.yml\n"}
    result = outcome(tmp_path, files, "MAT-CICD-301")
    assert result.outcome == FAIL and any("include:" in i.summary and i.source.line == 1 for i in result.evidence)


def test_a_buildspec_is_read_but_its_triggers_are_outside_the_repository(tmp_path):
    files = {"buildspec.yml": "version: 0.2\nphases:\n  build:\n    commands:\n      - llmops-iac check app/\n"}
    for criterion in ("MAT-CICD-201", "MAT-CICD-301"):
        result = outcome(tmp_path / criterion, files, criterion)
        assert result.outcome == FAIL
        assert any(i.source.line == 5 for i in result.evidence)
        assert any("configured outside the repository" in i.summary for i in result.evidence)


def test_buildspec_commands_that_cannot_fail_are_said_so(tmp_path):
    from llmops_iac.maturity.ci_gitlab import read_codebuild

    ci = read_codebuild("phases:\n  build:\n    on-failure: CONTINUE\n    commands:\n      - llmops-iac check app/\n"
                        "  post_build:\n    commands:\n      - llmops-iac check app/; true\n"
                        "      - llmops-iac check app/\n", "buildspec.yml")
    assert [(r.line, bool(r.reason)) for r in ci.of("check")] == [(5, True), (8, True), (9, False)]


def test_an_unknown_ci_system_is_no_evidence_with_a_reason(tmp_path):
    files = {"Jenkinsfile": "pipeline { stages { stage('c') { steps { sh 'llmops-iac check app/' } } } }\n"}
    result = outcome(tmp_path, files, "MAT-CICD-201")
    assert result.outcome == FAIL and any("not read by llmops-iac" in i.summary for i in result.evidence)


def test_invalid_yaml_is_no_evidence_with_its_line(tmp_path):
    files = {".github/workflows/bad.yml": "on: [pull_request\njobs: {\n"}
    result = outcome(tmp_path, files, "MAT-CICD-301")
    assert result.outcome == FAIL and any("not valid YAML" in i.summary and i.source.line > 0 for i in result.evidence)


GOOD_DEPLOYS = {
    "run-on-main": gha("      - run: pulumi up --yes --stack prod\n", on="\n  push:\n    branches: [main]"),
    "stack-select": gha("      - run: |\n          pulumi stack select acme/llmops-iac/prod\n          pulumi up --yes\n",
                        on="workflow_dispatch"),
    "pulumi-action": gha("      - uses: pulumi/actions@v6\n        with:\n          command: up\n          stack-name: prod\n",
                         on="\n  push:\n    branches: [main]"),
    "gitlab-manual-deploy": {".gitlab-ci.yml": "deploy:\n  script: [pulumi up --yes -s prod]\n  when: manual\n"
                                               "  rules:\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n"},
}


@pytest.mark.parametrize("name", sorted(GOOD_DEPLOYS))
def test_a_pipeline_deploying_the_production_stack_counts(tmp_path, name):
    result = outcome(tmp_path, GOOD_DEPLOYS[name], "MAT-CICD-302")
    assert result.outcome == PASS, result.reason


def test_without_a_production_stack_for_the_spec_no_deploy_counts(tmp_path):
    files = {**GOOD_DEPLOYS["run-on-main"], "stacks/Pulumi.prod.yaml": "config:\n  aws:region: eu-west-1\n"
             "  llmops-iac:spec: other/llmapp.yaml\n  llmops-iac:environment: prod\n"}
    result = outcome(tmp_path, files, "MAT-CICD-302")
    assert result.outcome == FAIL and "production environment" in result.reason


def test_the_projects_own_ci_and_the_scaffolded_workflow_count():
    from llmops_iac.maturity import ci_github
    from llmops_iac.scaffold import REPOSITORY
    from tests.conftest import ROOT

    own = ci_github.read((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"), "ci.yml")
    gating = [r for r in own.of("check") if not r.reason and any(t.kind == "pull request" for t in r.triggers)]
    assert [r.paths for r in gating] == [("examples",), ("examples/support-assistant.yaml",)]
    template = (ROOT / "llmops_iac" / "scaffold" / "templates" / "workflow.yml.tmpl").read_text(encoding="utf-8")
    scaffold = ci_github.read(template.replace("@@ACTION@@", f"{REPOSITORY}@v1"), "llmops-iac.yml")
    [run] = scaffold.of("check")
    assert not run.reason and run.paths == ("llmapp.yaml",)
    assert {t.kind for t in run.triggers} == {"pull request", "merge"}


def test_a_check_of_the_development_stack_only_does_not_gate_production(tmp_path):
    dev = gha("      - run: llmops-iac check app/llmapp.yaml --stack dev\n")
    result = outcome(tmp_path, dev, "MAT-CICD-301")
    assert result.outcome == FAIL and "judges only its development environment" in result.reason
    action = gha("      - uses: acme/llmops-iac@v1\n        with:\n          stack: dev\n")
    assert outcome(tmp_path / "action", action, "MAT-CICD-301").outcome == FAIL
    prod = gha("      - run: llmops-iac check app/llmapp.yaml --stack prod\n")
    assert outcome(tmp_path / "prod", prod, "MAT-CICD-301").outcome == PASS


MORE_ATTACKS = {
    "needs-a-disabled-job": gha("      - run: make\n    if: false\n  gate:\n    needs: check\n    steps:\n"
                                "      - run: llmops-iac check app/\n"),
    "exit-before": gha("      - run: |\n          exit 0\n          llmops-iac check app/\n"),
    "duplicate-run-key": gha("      - run: llmops-iac check app/\n        run: echo skipped\n"),
    "help": gha("      - run: llmops-iac check app/ --help\n"),
    "unknown-option": gha("      - run: llmops-iac check app/ --no-fail\n"),
    "stdin": gha("      - run: cat app/llmapp.yaml | llmops-iac check -\n        shell: bash\n"),
    "failure-only-step": gha("      - run: llmops-iac check app/\n        if: failure()\n"),
    "closed-pull-requests": gha("      - run: llmops-iac check app/\n", on="\n  pull_request:\n    types: [closed]"),
    "bash-c-string": gha("      - run: bash -c 'echo; llmops-iac check app/ || true'\n"),
    "subshell-or-true": gha("      - run: (llmops-iac check app/) || true\n"),
    "variable-path": gha("      - run: llmops-iac check $SPEC_DIR\n"),
    "after-false-and": gha("      - run: |\n          false && llmops-iac check app/\n          echo ok\n"),
    "gitlab-after-script": {".gitlab-ci.yml": "check:\n  script: [make]\n  after_script:\n    - llmops-iac check app/\n"
                                              "  only: [merge_requests]\n"},
    "gitlab-allow-failure-exit-codes": {".gitlab-ci.yml": "check:\n  script: [llmops-iac check app/]\n"
                                                          "  allow_failure:\n    exit_codes: [1]\n"
                                                          "  only: [merge_requests]\n"},
    "gitlab-changes-elsewhere": {".gitlab-ci.yml": "check:\n  script: [llmops-iac check app/]\n  rules:\n"
                                                   "    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"
                                                   "      changes: [docs/**]\n"},
}


@pytest.mark.parametrize("name", sorted(MORE_ATTACKS))
def test_more_attacks_do_not_gate_pull_requests(tmp_path, name):
    result = outcome(tmp_path, MORE_ATTACKS[name], "MAT-CICD-301")
    assert result.outcome == FAIL, result.reason


def test_each_ci_file_is_parsed_once_per_snapshot(tmp_path, monkeypatch):
    from llmops_iac.maturity import ci_github, repo
    from llmops_iac.maturity.assess import assess
    from llmops_iac.spec.validate import load_spec

    spec = make_repo(tmp_path, {**PULUMI, **GOOD_PR_GATES["plain-run"]})
    (tmp_path / "app" / "second.yaml").write_text(spec.read_text(encoding="utf-8"), encoding="utf-8")
    calls = []
    real = ci_github.read
    monkeypatch.setitem(repo.READERS, "github-actions", lambda text, path: calls.append(path) or real(text, path))
    with repo.repository_snapshot():
        for name in ("llmapp.yaml", "second.yaml"):
            a = assess(load_spec(str(tmp_path / "app" / name)), repo=str(tmp_path))
            assert {r.id: r.outcome for r in a.criteria}["MAT-CICD-301"] == PASS
    assert calls == [".github/workflows/ci.yml"]
