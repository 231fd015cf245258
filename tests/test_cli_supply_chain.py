"""The model supply chain end to end: `check` on the self-hosted example with its weights tampered with.

The example is clean at error level in every environment, so each exit code here is caused by the one
change a test makes: an environment key that replaces the model is an input error (exit 2), weights that
are not pinned by a commit hash fail production (exit 1, LLM-DEP-003 error) and are a note in development.
"""

from __future__ import annotations

import json
import shutil

import pytest

from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK
from tests.conftest import EXAMPLES, ROOT

MATURE = ROOT / "tests" / "fixtures" / "repos" / "mature"

COMMIT = "5f0b02c75b57c5855da9ae460ce51323ea669d8a"
WEIGHTS = f"      modelDataUrl: s3://acme-ml-model-artifacts/meta-llama/Meta-Llama-3-8B-Instruct/{COMMIT}/\n"
REVISION = f"      revision: {COMMIT}\n"
MESSAGES = "          MESSAGES_API_ENABLED: 'true'\n"


@pytest.fixture
def example(tmp_path):
    """edit((old, new), ...) -> (path, text) of examples/self-hosted-llama.yaml with each `old` replaced by `new`."""
    shutil.copytree(EXAMPLES / "prompts", tmp_path / "prompts")
    shutil.copytree(EXAMPLES / "evaluation", tmp_path / "evaluation")
    # Production needs maturity 2, which reads repository evidence: a CI workflow checking the spec on pull
    # requests, CODEOWNERS rules for it and its prompts naming a team, and the mature fixture repository's README.
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "llmops.yml").write_text(
        "on: [pull_request]\njobs:\n  check:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: llmops-iac check app.yaml\n", encoding="utf-8")
    (tmp_path / ".github" / "CODEOWNERS").write_text(
        "/app.yaml @acme/ml-platform\n/prompts/ @acme/ml-platform\n/evaluation/ @acme/ml-platform\n", encoding="utf-8")
    shutil.copy(MATURE / "README.md", tmp_path / "README.md")
    (tmp_path / ".git").mkdir()
    original = (EXAMPLES / "self-hosted-llama.yaml").read_text(encoding="utf-8")

    def edit(*pairs: tuple[str, str]):
        text = original
        for old, new in pairs:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        path = tmp_path / "app.yaml"
        path.write_text(text, encoding="utf-8")
        return path, text

    return edit


def findings(output: str, rule: str) -> dict[str, list[str]]:
    """The severities of `rule`'s findings, by environment judged."""
    report = json.loads(output)
    return {f["environment"]: [x["severity"] for x in f["policy"]["findings"] if x["ruleId"] == rule] for f in report["files"]}


def test_the_example_is_clean(invoke, example):
    path, _ = example()
    assert invoke("check", str(path)).exit_code == EXIT_OK


@pytest.mark.parametrize("command", ["validate", "plan", "check"])
def test_a_backdoored_model_id_is_exit_2_at_its_line(invoke, example, command):
    path, text = example((MESSAGES, MESSAGES + "          HF_MODEL_ID: evil-org/backdoored-llama\n"))
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "HF_MODEL_ID" in t)
    result = invoke(command, str(path), *(["--out", "-"] if command == "plan" else []))
    assert result.exit_code == EXIT_INPUT, result.output
    assert f"app.yaml:{line}:" in result.output and "error[reserved-key]" in result.output
    assert "set modelId" in result.output


def test_a_backdoored_model_id_in_the_production_override_is_exit_2_at_its_line(invoke, example):
    override = "      models:\n        llama3-8b:\n          # Two instances"
    path, text = example((override, "      models:\n        llama3-8b:\n          container:\n            environment:\n"
                                    "              OPTION_MODEL_ID: evil-org/backdoored-llama\n          # Two instances"))
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "OPTION_MODEL_ID" in t)
    result = invoke("check", str(path))
    assert result.exit_code == EXIT_INPUT and f"app.yaml:{line}:" in result.output, result.output


@pytest.mark.parametrize("revision", ["main", "v1.0", COMMIT[:39], COMMIT.upper()])
def test_a_hub_revision_that_can_move_fails_production(invoke, example, revision):
    path, _ = example((REVISION, f"      revision: '{revision}'\n"), (WEIGHTS, ""))
    result = invoke("check", str(path), "--format", "json")
    assert result.exit_code == EXIT_FINDINGS
    assert findings(result.output, "LLM-DEP-003") == {"prod": ["error", "error"], "dev": ["note"]}


def test_a_hub_commit_passes(invoke, example):
    path, _ = example((WEIGHTS, ""))
    result = invoke("check", str(path), "--format", "json")
    assert result.exit_code == EXIT_OK
    assert findings(result.output, "LLM-DEP-003") == {"prod": [], "dev": []}


def test_a_revision_key_in_the_environment_does_not_pin(invoke, example):
    path, _ = example((REVISION, ""), (WEIGHTS, ""), (MESSAGES, MESSAGES + f"          FOO_REVISION: {COMMIT}\n"))
    result = invoke("check", str(path), "--format", "json")
    assert result.exit_code == EXIT_FINDINGS
    assert findings(result.output, "LLM-DEP-003") == {"prod": ["error", "error"], "dev": ["note"]}


def test_s3_weights_under_a_prefix_that_does_not_name_their_revision_fail_production(invoke, example):
    path, _ = example((WEIGHTS, "      modelDataUrl: s3://acme-ml-model-artifacts/meta-llama/Meta-Llama-3-8B-Instruct/\n"))
    result = invoke("check", str(path), "--format", "json")
    assert result.exit_code == EXIT_FINDINGS
    assert findings(result.output, "LLM-DEP-003") == {"prod": ["error", "error"], "dev": ["note"]}
