"""MAT-INF-102 (model versions are pinned) credits only a revision that pins: a 40-character commit hash, as
LLM-DEP-003 judges it. Before, `revision: main` counted as pinned (issue #15: evidence is proof, not text)."""

from __future__ import annotations

import re
import shutil

import pytest

from llmops_iac.maturity.assess import assess
from llmops_iac.maturity.checks.infrastructure import COMMIT
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES, ROOT
from tests.maturity.helpers import TODAY

SPEC = (EXAMPLES / "self-hosted-llama.yaml").read_text(encoding="utf-8")
PINNED = "5f0b02c75b57c5855da9ae460ce51323ea669d8a"


def _outcome(tmp_path, text: str) -> tuple[str, str]:
    (tmp_path / "examples").mkdir(exist_ok=True)
    for sub in ("prompts", "evaluation"):
        if not (tmp_path / "examples" / sub).exists():
            shutil.copytree(EXAMPLES / sub, tmp_path / "examples" / sub)
    path = tmp_path / "examples" / "app.yaml"
    path.write_text(text, encoding="utf-8")
    result = next(c for c in assess(load_spec(str(path)), today=TODAY).criteria if c.id == "MAT-INF-102")
    return result.outcome, result.reason


def _unpinned(revision: str) -> str:
    text = SPEC.replace(f"revision: {PINNED}", f"revision: {revision}", 1)
    text = re.sub(r"\n\s*modelDataUrl: [^\n]*", "", text, count=1)  # the mirror would pin it on its own
    assert f"revision: {revision}" in text and "modelDataUrl" not in text.split("variants:")[0]
    return text


@pytest.mark.parametrize("revision", ["main", "v1.0", "5f0b02c", PINNED.upper()])
def test_a_revision_that_moves_pins_nothing(tmp_path, revision):
    outcome, reason = _outcome(tmp_path, _unpinned(revision))
    assert outcome == "fail", reason
    assert f"revision {revision!r}" in reason and "40-character commit hash" in reason


def test_a_commit_hash_pins(tmp_path):
    outcome, reason = _outcome(tmp_path, _unpinned(PINNED))
    assert outcome == "pass", reason


def test_the_commit_test_is_llm_dep_003s():
    rego = (ROOT / "policies" / "deployment" / "deployment.rego").read_text(encoding="utf-8")
    rule = re.search(r"_commit_hash\(revision\) if \{\n\tis_string\(revision\)\n\tregex\.match\(`([^`]+)`, revision\)", rego)
    assert rule is not None and rule.group(1) == COMMIT.pattern
