"""`llmops-iac maturity` and the maturity stage of `check`."""

from __future__ import annotations

import json

from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK
from tests.conftest import EXAMPLES, run_script

SPEC = str(EXAMPLES / "support-assistant.yaml")


def test_levels_reports_and_gate(invoke, tmp_path):
    html, md = tmp_path / "m.html", tmp_path / "m.md"
    result = invoke("maturity", SPEC, "--stack", "prod", "--fail-under", "1", "--format", "json",
                    "--output", f"html={html}", "--output", f"markdown={md}")
    assert result.exit_code == EXIT_OK, result.output
    data = json.loads(result.output)
    assert data["environment"] == "prod" and data["overall"]["level"] == 1  # level 2 needs attestations
    # unattested manual criteria block level 2: the target is not met
    assert invoke("maturity", SPEC, "--stack", "prod", "--fail-under", "target").exit_code == EXIT_FINDINGS
    assert html.read_text().lower().startswith("<!doctype html>") and "<svg" in html.read_text()
    assert "| Dimension | Achieved | Target |" in md.read_text()
    assert invoke("maturity", SPEC, "--fail-under", "3").exit_code == EXIT_FINDINGS


def test_without_repository_evidence_the_level_drops(invoke):
    with_repo = json.loads(invoke("maturity", SPEC, "--format", "json").output)
    alone = json.loads(invoke("maturity", SPEC, "--no-repo", "--format", "json").output)
    assert alone["overall"]["score"] < with_repo["overall"]["score"]
    assert alone["summary"]["pass"] < with_repo["summary"]["pass"]


def test_bad_arguments_exit_2(invoke, tmp_path):
    assert invoke("maturity", SPEC, "--fail-under", "4").exit_code == EXIT_INPUT
    assert invoke("maturity", SPEC, "--output", "pdf=x.pdf").exit_code == EXIT_INPUT
    assert invoke("maturity", SPEC, "--repo", str(tmp_path), "--no-repo").exit_code == EXIT_INPUT
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata: {name: Bad}\n")
    assert invoke("maturity", str(bad)).exit_code == EXIT_INPUT


def test_check_runs_the_maturity_stage_and_its_gate(invoke, tmp_path):
    result = invoke("check", str(EXAMPLES / "minimal.yaml"), "--format", "json")
    data = json.loads(result.output)
    assert "maturity" in data["stages"]
    assert any(f["ruleId"] == "LLM-MAT-002" for f in data["files"][0]["policy"]["findings"])
    spec = tmp_path / "app.yaml"
    spec.write_text("apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata: {name: pilot}\n"
                    "spec:\n  environments:\n    dev: {tier: development}\n")
    strict = invoke("check", str(spec), "--profile", "production", "--format", "json")
    # production is the tier judged, not the profile: a pilot in development is not gated by LLM-MAT-001
    assert not any(f["ruleId"] == "LLM-MAT-001" for f in json.loads(strict.output)["files"][0]["policy"]["findings"])
    # ... but without a declared tier the same pilot is judged as production, and gated
    spec.write_text("apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata: {name: pilot}\n"
                    "spec:\n  environments:\n    dev: {}\n")
    unknown = json.loads(invoke("check", str(spec), "--format", "json").output)["files"][0]
    assert unknown["tier"] == "production" and any(f["ruleId"] == "LLM-MAT-001" for f in unknown["policy"]["findings"])


def test_console_script(tmp_path):
    out = run_script("maturity", "examples/minimal.yaml", "--format", "markdown", "--fail-under", "target")
    assert out.returncode == EXIT_FINDINGS and "### LLMOps maturity: hello-llm" in out.stdout
    assert "below 1" in out.stderr
