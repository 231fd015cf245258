"""The pull-request comment of `check --base` (llmops_iac/report/review_markdown.py), on a change to the examples.

The change is the one the README shows (print it with `.venv/bin/python -m tests.review.test_review_markdown`):
examples/support-assistant.yaml gets 50 % more traffic and twice the budget (so LLM-CST-005, over budget,
is resolved) and loses the runbook of its latency alarm (LLM-OBS-006, new, an error in prod);
examples/self-hosted-llama.yaml is untouched (its findings are unchanged, collapsed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

GIT_ENV = {"GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "dev",
           "GIT_COMMITTER_EMAIL": "dev@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
SPEC = "examples/support-assistant.yaml"
CHANGE = [
    ("    monthlyUsd: 2500\n", "    monthlyUsd: 5000\n"),
    ("      requestsPerDay: 4000\n", "      requestsPerDay: 6000\n"),
    ("        runbookUrl: https://runbooks.example.com/support-assistant/high-latency\n", ""),
]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV}, timeout=60)


def example_repository(dest: Path) -> Path:
    """A repository holding this project's examples, stacks and CI evidence: the base commit, then the change
    (uncommitted: `check --base` compares the working tree)."""
    for name in ("examples", "stacks", ".github"):
        shutil.copytree(ROOT / name, dest / name)
    for name in ("examples/document-intelligence.yaml", "examples/minimal.yaml"):
        (dest / name).unlink()
    shutil.copy(ROOT / "Pulumi.yaml", dest / "Pulumi.yaml")
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-qm", "base")
    spec = dest / SPEC
    text = spec.read_text()
    for old, new in CHANGE:
        assert old in text, old
        text = text.replace(old, new, 1)
    spec.write_text(text)
    return dest


def comment(repo: Path, *args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "llmops-iac"
    return subprocess.run([str(exe), "check", "examples", "--base", "main", "--format", "markdown", *args], cwd=repo,
                          capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    repo = example_repository(tmp_path_factory.mktemp("example") / "repo")
    return repo, comment(repo)


def test_the_comment_leads_with_the_change_then_collapses_what_did_not_change(example):
    _, result = example
    assert result.returncode == 1, result.stderr  # LLM-OBS-006 is an error in prod: the head fails
    text = result.stdout
    # the runbook also counted for the organisational maturity: LLM-MAT-001 is new with LLM-OBS-006, and the
    # target gap (LLM-MAT-002, dev and prod) now names MAT-ORG-202 next to the unattested criteria: the old
    # wording is resolved, the new one is new
    assert re.match(r"<!-- llmops-iac-report -->\n## ❌ llmops-iac check failed: (\d+) new findings, 3 resolved\n", text)
    order = ["Compared with `main` at", "### Specs changed", "### 💰 Monthly cost", "### 🆕 New findings (",
             "🔴 **error** · **LLM-OBS-006** Alarms link a runbook", "### ✅ Resolved (3)", "<summary>Unchanged findings"]
    positions = [text.find(marker) for marker in order]
    assert -1 not in positions and positions == sorted(positions), list(zip(order, positions))
    specs = text[text.index("### Specs changed"):text.index("### 💰")]
    assert re.search(r"`examples/support-assistant\.yaml` \| ✏️ modified \| dev, prod \| \d+ \| 3 \|", specs)
    assert "self-hosted-llama" not in specs  # untouched: not in the lead
    cost = text[text.index("### 💰"):text.index("### 🆕")]
    prod = next(line for line in cost.splitlines() if line.startswith("| `examples/support-assistant.yaml` | prod"))
    assert re.search(r"\*\*\$3,083\.58 → \$[\d,.]+ \(\+\$[\d,.]+, \+\d+ %\)\*\*", prod), prod
    assert "over budget" not in prod
    resolved = text[text.index("### ✅ Resolved"):text.index("<summary>Unchanged findings")]
    assert "LLM-CST-005" in resolved and resolved.count("LLM-MAT-002") == 2
    unchanged = text[text.index("<summary>Unchanged findings"):]
    assert "self-hosted-llama.yaml" in unchanged and "LLM-OBS-006" not in unchanged


def test_the_comment_stays_under_the_limit_it_is_given(example, monkeypatch):
    from llmops_iac import pipeline
    from llmops_iac.report import review_markdown
    from llmops_iac.report.markdown import length
    from llmops_iac.review.base_run import review
    from llmops_iac.review.revision import resolve

    repo, _ = example
    monkeypatch.chdir(repo)
    result = pipeline.run("check", ["examples"], policy=pipeline.PolicyOptions())
    result.comparison = review(resolve("main"), ("examples",), result, stack=None, stacks_dir=None,
                               options=result.policy_options)
    full = review_markdown.render(result)
    short = review_markdown.render(result, max_chars=3000)
    assert length(short) <= 3000 < length(full)
    assert short.startswith("<!-- llmops-iac-report -->\n## ❌") and "### Specs changed" in short
    assert "Truncated to stay under GitHub's 65,536-character comment limit" in short
    assert short.rstrip().endswith("</sub>")


if __name__ == "__main__":  # print the README's example comment
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print(comment(example_repository(Path(tmp) / "repo")).stdout, end="")


def test_text_from_the_change_cannot_break_out_of_the_comment():
    """Messages, paths, environment names and the revision come from the pull request: none may close the
    <details>, add a table cell or plant the marker a workflow finds its comment by."""
    from llmops_iac.pipeline import RunResult
    from llmops_iac.report import review_markdown
    from llmops_iac.report.markdown import MARKER
    from llmops_iac.review.compare import Item, Unit, compare

    evil = "</details><!-- llmops-iac-report --> | x | <script>"
    path = "specs/`a`|</details>.yaml"

    def item(msg: str, pointer: str) -> Item:
        return Item("finding", "LLM-OBS-006", evil, "error", msg, evil, path, 3, pointer, evil, "prod" + evil, evil)

    head = [Unit(path, "prod" + evil, "", True, 0, [item(evil, "/a"), item("same", "/b")])]
    base = [Unit(path, "prod" + evil, "", True, 0, [item("gone " + evil, "/c"), item("same", "/b")])]
    cmp = compare(head, base, base_name="main", sha="a" * 40, fail_level="error",
                  status_of=lambda p, h, b: ("renamed", evil, "old`|</details>.yaml"))
    result = RunResult(command="check", stages=("policy",), files=[], comparison=cmp)
    text = review_markdown.render(result)
    assert text.count("<!--") == 1 and text.startswith(MARKER)  # no marker of ours or of the sticky-comment action
    prose = re.sub(r"(`+) .*? \1|`[^`]*`", "", text)  # code spans show their text literally
    assert prose.count("<details>") == prose.count("</details>") == 1
    assert "<script>" not in prose
    for line in text.splitlines():
        if line.startswith("| `"):  # a table row keeps its columns
            assert line.count(" | ") - line.count("\\|") <= 6, line
