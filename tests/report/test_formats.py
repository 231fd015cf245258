"""Every report format: registered, golden, complete (diagnostics and findings, waived ones marked), written by the CLI."""

from __future__ import annotations

import json
import os
import re

import pytest

from llmops_iac.report import FORMATS, renderers
from llmops_iac.report import findings as fx
from tests.report.conftest import SCENARIOS, SPECS, check, synthetic

ALL = ("text", "json", "sarif", "junit", "markdown", "github")


def test_every_format_is_registered_and_renders_a_string():
    assert set(ALL) <= set(FORMATS)
    assert set(renderers()) == set(FORMATS)
    assert len(set(FORMATS)) == len(FORMATS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
@pytest.mark.parametrize("fmt", ALL)
def test_golden_reports(scenario, golden, name, fmt):
    """tests/golden/reports/<scenario>.<format>; refresh with `pytest tests/report --update-golden`, review the diff."""
    text = renderers()[fmt](scenario(name))
    assert isinstance(text, str) and text.endswith("\n")
    golden(f"reports/{name}.{fmt}", text)


def test_rendering_is_deterministic(scenario):
    result = scenario("report-demo")
    for fmt in ALL:
        assert renderers()[fmt](result) == renderers()[fmt](result), fmt


def test_scenarios_cover_what_the_reports_must_show(scenario):
    """The fixtures really contain what the golden files are meant to show."""
    demo = scenario("report-demo")
    broken, guarded = demo.files
    assert not broken.ok and {d.code for d in broken.diagnostics} >= {"unknown-key", "pattern"} and broken.policy is None
    p = guarded.policy
    assert {x.severity for x in p.active()} == {"error", "warning", "note"}
    assert [x.rule_id for x in p.waived()] == ["LLM-GRD-001"]
    assert "LLM-GOV-001" in {x.rule_id for x in p.active()}  # the expired waiver
    assert set(p.outcomes.values()) == {"pass", "fail", "not-applicable", "off"}
    waived = scenario("waived").files[0]
    assert [x.rule_id for x in waived.policy.waived()] == ["LLM-OBS-002"] and not waived.policy.active()


@pytest.mark.parametrize("fmt", ALL)
def test_every_format_shows_diagnostics_and_findings_and_marks_waived_ones(scenario, fmt):
    result = scenario("report-demo")
    text = renderers()[fmt](result)
    broken, guarded = result.files
    for d in broken.diagnostics:
        assert d.code in text, f"{fmt}: diagnostic {d.code} missing"
    for x in guarded.policy.findings:
        assert x.rule_id in text, f"{fmt}: finding {x.rule_id} missing"
    waived = guarded.policy.waived()[0]
    assert "waived" in text.lower() and waived.waived_by["owner"] in text and waived.waived_by["expires"] in text
    assert re.search(rf'(:|line=|"(line|startLine)": ){waived.line}\b', text), "the waived finding's line"


def _counts_in(fmt: str, text: str) -> tuple[int, int]:
    """(active findings, waived findings) as each format states them."""
    if fmt == "json":
        s = json.loads(text)["summary"]["findings"]
        return s["active"], s["waived"]
    if fmt == "sarif":
        p = json.loads(text)["runs"][0]["properties"]
        return p["activeFindings"], p["waivedFindings"]
    if fmt == "junit":
        import xml.etree.ElementTree as ET

        props = {(s.get("name"), p.get("name")): p.get("value") for s in ET.fromstring(text).iter("testsuite")
                 for p in s.find("properties")}
        active = sum(int(v) for (_, k), v in props.items() if k == "findings.active")
        waived = sum(int(v) for (_, k), v in props.items() if k == "findings.waived")
        return active, waived
    if fmt == "text":
        m = re.search(r"(\d+) finding\(s\), (\d+) waived", text)
    elif fmt == "github":
        m = re.search(r"(\d+) active finding\(s\) \(.*\), (\d+) waived", text.splitlines()[-1])
    else:
        m = re.search(r"(\d+) active findings? \(.*\), (\d+) waived", text.splitlines()[1])
    return int(m.group(1)), int(m.group(2))


@pytest.mark.parametrize("fmt", ALL)
def test_every_format_counts_active_and_waived_findings(scenario, fmt):
    result = scenario("report-demo")
    active = sum(len(f.policy.active()) for f in result.files if f.policy)
    waived = sum(len(f.policy.waived()) for f in result.files if f.policy)
    assert (active, waived) == (5, 1)
    assert _counts_in(fmt, renderers()[fmt](result)) == (active, waived)


@pytest.mark.parametrize("fmt", ALL)
def test_formats_render_a_validate_run_without_policies(frozen, fmt):
    result = check(str(SPECS / "broken.yaml"), str(SPECS / "guarded.yaml"), command="validate")
    text = renderers()[fmt](result)
    assert "unknown-key" in text and "LLM-" not in text


@pytest.mark.parametrize("fmt", ALL)
def test_formats_render_an_empty_clean_run(frozen, fmt):
    result = synthetic(0)
    text = renderers()[fmt](result)
    assert text.endswith("\n")


def test_paths_are_repository_relative_with_forward_slashes(frozen, tmp_path, monkeypatch):
    result = check("tests/report/specs/guarded.yaml")
    monkeypatch.chdir(SPECS)  # a run from a subdirectory still points at repository paths
    assert fx.repo_path("guarded.yaml") == "tests/report/specs/guarded.yaml"
    assert fx.repo_path(str(SPECS / "guarded.yaml")) == "tests/report/specs/guarded.yaml"
    outside = tmp_path / "x y.yaml"
    assert fx.repo_path(str(outside)) == outside.as_posix()  # outside the repository: unchanged
    assert fx.uri("a b/c%d.yaml") == "tests/report/specs/a%20b/c%25d.yaml"
    assert result.files[0].path == os.path.join("tests", "report", "specs", "guarded.yaml")


def test_cli_writes_several_formats_atomically(frozen, invoke, tmp_path):
    outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in ALL}
    args = ["check", "tests/report/specs/guarded.yaml", "--format", "github"]
    for fmt, path in outputs.items():
        args += ["--output", f"{fmt}={path}"]
    result = invoke(*args)
    assert result.exit_code == 1, result.output  # error-level findings
    assert result.output.startswith("::")
    for fmt, path in outputs.items():
        assert path.exists() and path.stat().st_size > 0, fmt
    json.loads(outputs["sarif"].read_text())
    assert outputs["markdown"].read_text().startswith("<!-- llmops-iac-report -->")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in outputs.values())  # no temp files left


def test_cli_rejects_an_unknown_output_format(invoke):
    result = invoke("check", "examples/minimal.yaml", "--output", "pdf=x.pdf")
    assert result.exit_code == 2 and "sarif" in result.output and "markdown" in result.output


@pytest.mark.parametrize("fmt", ALL)
def test_help_lists_every_format(invoke, fmt):
    assert fmt in invoke("check", "--help").output
