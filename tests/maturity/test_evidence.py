"""Evidence collectors: spec and Plan facts with their locations, files next to the spec, CI pipelines, CODEOWNERS."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from llmops_iac.compile import compile_spec
from llmops_iac.errors import UsageError
from llmops_iac.maturity import evidence
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES
from tests.maturity.helpers import REPOS, TODAY

SPEC = """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: demo
  owner: team@example.com
spec:
  models:
    chat:
      provider: bedrock
      modelId: anthropic.claude-3-haiku-20240307-v1:0
      systemPrompt: chat@1
  prompts:
    chat:
      file: prompts/chat.txt
      version: 1
      variables: [name]
  evaluation:
    datasets:
      golden:
        file: evaluation/golden.jsonl
    gates:
      - {metric: correctness, dataset: golden, target: chat@1, min: 0.9}
"""


def make_repo(root: Path, files: dict[str, str]) -> Path:
    """Write a repository with a spec under app/ (plus ``files``); return the spec path."""
    spec = root / "app" / "llmapp.yaml"
    all_files = {"app/llmapp.yaml": SPEC, "app/prompts/chat.txt": "Hello {{name}}.\n",
                 "app/evaluation/golden.jsonl": '{"q": 1}\n\n{"q": 2}\nnot json\n[1]\n', **files}
    for rel, text in all_files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return spec


def collect(spec: Path, repo: Path | None = None, environment: str | None = None) -> evidence.Evidence:
    loaded = load_spec(str(spec), environment=environment)
    return evidence.collect(loaded, compile_spec(loaded), repo=repo, today=TODAY)


def test_prompt_and_dataset_files_are_read_next_to_the_spec(tmp_path):
    ev = collect(make_repo(tmp_path, {}))
    prompt = ev.prompts["chat"]
    assert prompt.version == 1 and prompt.used_variables == ("name",) and prompt.variables == ("name",)
    assert prompt.used_by == ("chat",) and len(prompt.sha256) == 64 and prompt.bytes > 0
    golden = ev.datasets["golden"]
    assert golden.cases == 0 and golden.invalid_lines == (4, 5) and not golden.problem  # {"q": 1} has no input field
    assert [n for n, _ in golden.malformed] == [1, 3, 4, 5] and golden.task == "default"


def test_items_point_at_the_spec_line_and_mark_schema_defaults():
    ev = collect(EXAMPLES / "support-assistant.yaml")
    written = ev.at("/metadata/dataClassification", "x")
    assert written.source.file == "examples/support-assistant.yaml" and written.source.line > 0
    assert not written.source.default and written.source.location().startswith("examples/support-assistant.yaml:")
    default = ev.at("/spec/guardrails/triage-input/blockedInputMessage", "x")
    assert default.source.default and "schema default" in default.source.location()
    res = ev.resource("model-assistant-profile")
    item = ev.item(res, "x")
    assert item.source.kind == "plan" and item.source.resource == "model-assistant-profile"
    assert item.source.location().startswith("plan model-assistant-profile (examples/support-assistant.yaml:")


def test_the_production_view_merges_the_prod_overrides():
    ev = collect(EXAMPLES / "self-hosted-llama.yaml")
    assert ev.production.name == "prod"
    assert ev.models(ev.production)["llama3-8b"]["autoscaling"]["minCapacity"] == 2
    assert ev.models()["llama3-8b"]["autoscaling"]["minCapacity"] == 1
    assert sorted(ev.environments) == ["dev", "prod"]
    # An override written in the file is located at the override, not at the base value.
    item = ev.at("/spec/models/llama3-8b/autoscaling/minCapacity", "x", view=ev.production)
    assert not item.source.default and item.source.line > ev.at("/spec/models/llama3-8b/autoscaling/minCapacity", "x").source.line
    dev = collect(EXAMPLES / "self-hosted-llama.yaml", environment="dev")
    assert dev.environment == "dev" and dev.production.name == "prod"
    minimal = collect(EXAMPLES / "minimal.yaml")
    assert minimal.production.name is None and minimal.environments == {"sandbox": {"tier": "development"}}


def test_user_facing_models_are_told_by_tasks_and_retrieval():
    ev = collect(EXAMPLES / "document-intelligence.yaml")
    assert {m: ev.user_facing(m) for m in sorted(ev.models())} == {
        "classifier": False, "extractor": False, "qa": True, "summarizer": True}
    assert collect(EXAMPLES / "minimal.yaml").user_facing("default")  # no tasks declared: assume people read it


CI_CASES = {  # files, system, [(line of a check run, whether it can fail its job)], its trigger kinds, deploy lines
    "github": ({".github/workflows/ci.yml": """\
        name: ci
        on:
          push:
          pull_request:
            branches: [main]
        jobs:
          check:
            steps:
              # - run: llmops-iac check old/   (a comment, not a step)
              - run: llmops-iac check app/
              - uses: pulumi/actions@v6
                with:
                  command: up
        """}, "github-actions", [(10, True)], ["merge", "pull request"], [11]),
    "github-action-and-list-trigger": ({".github/workflows/pr.yaml": """\
        on: [pull_request_target]
        jobs:
          check:
            steps:
              - uses: acme/llmops-iac@v1
        """}, "github-actions", [(5, True)], ["pull request"], []),
    "github-push-only": ({".github/workflows/main.yml": """\
        on:
          push:
            branches: [main]
        jobs:
          x:
            if: github.event.pull_request == null
            steps:
              - run: python -m llmops_iac check specs/
              - run: pulumi preview
        """}, "github-actions", [(8, True)], ["merge"], []),
    "gitlab": ({".gitlab-ci.yml": """\
        check:
          script:
            - llmops-iac check app/llmapp.yaml --fail-level warning
          rules:
            - if: $CI_PIPELINE_SOURCE == "merge_request_event"
        deploy:
          script: [pulumi up --yes]
        """}, "gitlab-ci", [(3, True)], ["pull request"], [7]),
    "jenkins": ({"Jenkinsfile": "pipeline { stages { stage('c') { steps { sh 'llmops-iac check app/' } } } }\n"},
                "jenkins", [], [], []),
    "azure": ({"azure-pipelines.yml": "steps:\n  - script: llmops-iac check app/\n"}, "azure-pipelines", [], [], []),
    "bitbucket": ({"bitbucket-pipelines.yml": "pipelines:\n  pull-requests:\n    '**':\n      - step:\n"
                                              "          script: [llmops-iac check app/]\n"}, "bitbucket-pipelines", [], [], []),
    "codebuild": ({"buildspec.yml": "phases:\n  build:\n    commands: [llmops-iac check app/]\n"}, "codebuild",
                  [(3, True)], [], []),
}


@pytest.mark.parametrize("name", sorted(CI_CASES))
def test_ci_pipelines_are_read_as_structure(tmp_path, name):
    files, system, check, kinds, deploy = CI_CASES[name]
    ev = collect(make_repo(tmp_path, files), repo=tmp_path)
    assert ev.repo is not None and len(ev.repo.ci) == 1
    ci = ev.repo.ci[0]
    assert ci.system == system
    assert [(r.line, not r.reason) for r in ci.of("check")] == check
    assert sorted({t.kind for r in ci.of("check") for t in r.triggers}) == kinds
    assert [r.line for r in ci.of("deploy")] == deploy
    if not check:  # a system llmops-iac does not read: no evidence, and a note saying so
        assert ci.notes and "not read by llmops-iac" in ci.notes[0][1]


def test_a_broken_workflow_is_noted_not_trusted(tmp_path):
    ev = collect(make_repo(tmp_path, {".github/workflows/bad.yml": "on: [pull_request\njobs: {\n"}), repo=tmp_path)
    ci = ev.repo.ci[0]
    assert ci.runs == () and "not valid YAML" in ci.notes[0][1] and ci.notes[0][0] > 0


def test_repository_facts_and_ownership(tmp_path):
    spec = make_repo(tmp_path, {".github/CODEOWNERS": "* @org/all\n/app/prompts/ @org/prompts\n",
                                "stacks/Pulumi.prod.yaml": "config: {}\n"})
    ev = collect(spec, repo=tmp_path)
    assert ev.repo.spec_path == "app/llmapp.yaml"
    assert ev.repo.stacks == ("stacks/Pulumi.prod.yaml",)
    assert ev.repo.owners_of(ev.prompts["chat"].path).owners == ("@org/prompts",)
    assert ev.repo.owners_of(spec).owners == ("@org/all",)
    assert ev.repo.to_dict()["codeowners"] == ".github/CODEOWNERS"


def test_a_spec_outside_the_repository_is_said_so(tmp_path):
    spec = make_repo(tmp_path / "elsewhere", {})
    (tmp_path / "repo").mkdir()
    ev = collect(spec, repo=tmp_path / "repo")
    assert ev.repo.spec_path is None and ev.repo.relative(spec) is None


def test_repo_must_be_a_directory(tmp_path):
    with pytest.raises(UsageError, match="not a directory"):
        collect(make_repo(tmp_path, {}), repo=tmp_path / "missing")


def test_fixture_repositories_are_read():
    ev = collect(REPOS / "mature" / "specs" / "llmapp.yaml", repo=REPOS / "mature")
    assert [c.path for c in ev.repo.ci] == [".github/workflows/llmops.yml"]
    assert ev.repo.codeowners.file == ".github/CODEOWNERS"
    partial = collect(REPOS / "partial" / "app" / "llmapp.yaml", repo=REPOS / "partial")
    assert [c.system for c in partial.repo.ci] == ["gitlab-ci"]
    assert {t.kind for r in partial.repo.ci[0].runs for t in r.triggers} == {"merge"}
    assert partial.repo.codeowners.file == "CODEOWNERS"
