"""JUnit XML: well-formed, one suite per spec, one case per rule, counts that match the children."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from llmops_iac.report import findings as fx
from llmops_iac.report import junit
from tests.conftest import ROOT
from tests.report.conftest import check, synthetic, with_warning

COUNTED = {"failures": "failure", "errors": "error", "skipped": "skipped"}


def assert_junit_shape(text: str) -> ET.Element:
    """The constraints of the common JUnit XML schema (Ant / Jenkins / GitLab), and count attributes that add up."""
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    totals = dict.fromkeys(["tests", *COUNTED], 0)
    for suite in root:
        assert suite.tag == "testsuite" and suite.get("name")
        cases = suite.findall("testcase")
        assert [c.tag for c in suite] == ["properties"] * (suite[0].tag == "properties") + ["testcase"] * len(cases)
        assert int(suite.get("tests")) == len(cases)
        for attr, child in COUNTED.items():
            assert int(suite.get(attr)) == sum(1 for c in cases if c.find(child) is not None), (suite.get("name"), attr)
            totals[attr] += int(suite.get(attr))
        totals["tests"] += len(cases)
        float(suite.get("time"))
        for case in cases:
            assert case.get("name") and case.get("classname")
            outcome = [c.tag for c in case if c.tag in COUNTED.values()]
            assert len(outcome) <= 1, f"{case.get('name')}: more than one of failure/error/skipped"
            order = [c.tag for c in case]
            assert order == sorted(order, key=["properties", "skipped", "error", "failure", "system-out", "system-err"].index)
            for failure in case.iter("failure"):
                assert failure.get("message") and failure.get("type") and failure.text
        names = [c.get("name") for c in cases]
        assert len(names) == len(set(names)), "duplicate testcase names in a suite"
    for attr, value in totals.items():
        assert int(root.get(attr)) == value, attr
    return root


@pytest.mark.parametrize("name", ["report-demo", "support-assistant"])
def test_well_formed_with_matching_counts(scenario, name):
    assert_junit_shape(junit.render(scenario(name)))


def test_a_suite_per_spec_a_case_per_rule(scenario):
    result = scenario("report-demo")
    root = assert_junit_shape(junit.render(result))
    broken, guarded = root.findall("testsuite")
    assert broken.get("name") == "tests/report/specs/broken.yaml [default]"
    assert guarded.get("name") == "tests/report/specs/guarded.yaml [staging]"
    cases = {c.get("name"): c for c in guarded.findall("testcase")}
    assert set(cases) == {"llmops-iac.validate", *(f"{rid} {t}" for rid, t in [
        ("LLM-GOV-001", "Waivers are current"), ("LLM-GRD-001", "Every model is guarded on every invocation path"),
        ("LLM-OBS-002", "Invocation logs leave prompt and response text out"),
        ("LLM-RPT-001", "Models say what they are for"), ("LLM-RPT-002", "Applications describe themselves"),
        ("LLM-RPT-003", "Vector stores use customer-managed keys"), ("LLM-RPT-004", "Every model is reviewed weekly"),
        ("LLM-RPT-005", "Applications name an owner")])}
    grd = cases["LLM-GRD-001 Every model is guarded on every invocation path"]
    assert grd.get("classname") == "guardrails" and grd.get("line") == "17"
    failure = grd.find("failure")
    assert failure.get("type") == "error" and failure.get("message") == "model classify can be invoked without a guardrail"
    assert "tests/report/specs/guarded.yaml:17:5" in failure.text and "fix: Add the model" in failure.text
    # the waived finding of the same rule: a property and system-out, not a second failure
    props = {p.get("name"): p.get("value") for p in grd.find("properties")}
    assert props["waived"].startswith("tests/report/specs/guarded.yaml:13:5: waived until 2099-12-31 by platform@example.com")
    assert "model summarize" in grd.find("system-out").text and "model summarize" not in failure.text
    # below the default fail level (error): shown as skipped with every finding, not failed
    warning = cases["LLM-RPT-001 Models say what they are for"]
    note = cases["LLM-RPT-002 Applications describe themselves"]
    assert warning.find("failure") is None and note.find("failure") is None
    assert warning.find("skipped").get("message").startswith("1 warning below --fail-level error, not failing this run")
    assert note.find("skipped").get("message").startswith("1 note below --fail-level error")
    assert "warning[LLM-RPT-001]" in warning.find("skipped").text
    assert cases["LLM-RPT-005 Applications name an owner"].find("*") is not None  # properties only: a pass
    assert cases["LLM-RPT-005 Applications name an owner"].find("failure") is None
    na = cases["LLM-RPT-003 Vector stores use customer-managed keys"].find("skipped")
    off = cases["LLM-RPT-004 Every model is reviewed weekly"].find("skipped")
    assert "not applicable" in na.get("message") and "off in profile default" in off.get("message")
    assert guarded.get("failures") == "2" and guarded.get("skipped") == "5" and guarded.get("tests") == "9"
    suite_props = {p.get("name"): p.get("value") for p in guarded.find("properties")}
    assert suite_props["findings.active"] == "5" and suite_props["findings.waived"] == "1"


def test_input_errors_are_a_failing_validate_case(scenario):
    root = assert_junit_shape(junit.render(scenario("report-demo")))
    broken = root.findall("testsuite")[0]
    (case,) = broken.findall("testcase")
    assert case.get("name") == "llmops-iac.validate"
    failure = case.find("failure")
    assert failure.get("message").startswith("2 input errors; first: metadata.name")
    assert "error[unknown-key]: spec.modles" in failure.text and "fix: did you mean 'models'?" in failure.text


def test_a_rule_whose_findings_are_all_waived_passes(scenario):
    root = assert_junit_shape(junit.render(scenario("waived")))
    (suite,) = root.findall("testsuite")
    case = next(c for c in suite.findall("testcase") if c.get("name").startswith("LLM-OBS-002"))
    assert case.find("failure") is None and "waived until 2026-08-31" in case.find("system-out").text
    assert root.get("failures") == "0"


def test_warnings_only_pass_with_output(frozen):
    root = assert_junit_shape(junit.render(with_warning(synthetic(0))))
    case = root.find("testsuite").find("testcase")
    assert case.find("failure") is None and "environment-not-declared" in case.find("system-out").text


def test_many_findings_of_one_rule_are_one_failure(frozen):
    root = assert_junit_shape(junit.render(synthetic(30, waived_every=3)))
    case = next(c for c in root.iter("testcase") if c.get("name").startswith("LLM-GRD-001"))
    failure = case.find("failure")
    assert failure.get("message").startswith("20 findings; first:")
    assert failure.text.count("error[LLM-GRD-001]") == 20
    assert sum(1 for p in case.find("properties") if p.get("name") == "waived") == 10


def test_characters_xml_cannot_carry_are_replaced(frozen):
    result = synthetic(1, message="bad \x00\x1b[31m byte & <tag> \"quoted\"")
    root = assert_junit_shape(junit.render(result))
    failure = next(root.iter("failure"))
    assert "\ufffd" in failure.get("message") and "& <tag>" in failure.get("message")


def test_validate_run_has_only_validate_cases(frozen):
    root = assert_junit_shape(junit.render(check("tests/report/specs/guarded.yaml", command="validate")))
    assert [c.get("name") for c in root.iter("testcase")] == ["llmops-iac.validate"]


# -- failures at the fail level, not below it ------------------------------------------------------------------------

def _cases(root: ET.Element) -> list[ET.Element]:
    return [c for c in root.iter("testcase") if c.get("name") != junit.VALIDATE_CASE]


@pytest.mark.parametrize("fail_level, failing", [
    ("error", {"LLM-GOV-001", "LLM-GRD-001"}),
    ("warning", {"LLM-GOV-001", "LLM-GRD-001", "LLM-OBS-002", "LLM-RPT-001"}),
    ("note", {"LLM-GOV-001", "LLM-GRD-001", "LLM-OBS-002", "LLM-RPT-001", "LLM-RPT-002"}),
])
def test_a_failure_is_a_finding_at_or_above_the_fail_level(frozen, fail_level, failing):
    """On main every rule with an active finding was a <failure>, warnings and notes too ("16 failures", exit 0)."""
    root = assert_junit_shape(junit.render(check("tests/report/specs/guarded.yaml", fail_level=fail_level)))
    failed = {c.get("name").split()[0] for c in _cases(root) if c.find("failure") is not None}
    assert failed == failing
    assert int(root.get("failures")) == len(failing)
    below = {c.get("name").split()[0]: c for c in _cases(root)
             if c.find("skipped") is not None and "below --fail-level" in c.find("skipped").get("message")}
    assert set(below) == {"LLM-OBS-002", "LLM-RPT-001", "LLM-RPT-002"} - failing
    for rid, case in below.items():
        skipped = case.find("skipped")
        assert f"below --fail-level {fail_level}" in skipped.get("message")
        assert f"[{rid}]" in skipped.text  # every finding, at file:line, where GitLab and Jenkins show it
        props = {p.get("name"): p.get("value") for p in case.find("properties")}
        assert props["belowFailLevel"] == "true"


@pytest.mark.parametrize("fail_level", ["error", "warning", "note"])
def test_failures_agree_with_the_exit_code(invoke, fail_level, tmp_path, monkeypatch):
    """Through the CLI, on the examples: failures > 0 exactly when the run exits 1."""
    monkeypatch.chdir(ROOT)
    out = tmp_path / "report.xml"
    result = invoke("check", "examples/support-assistant.yaml", "examples/minimal.yaml", "--fail-level", fail_level,
                    "--output", f"junit={out}")
    root = assert_junit_shape(out.read_text(encoding="utf-8"))
    assert result.exit_code in (0, 1), result.output
    assert (int(root.get("failures")) > 0) == (result.exit_code == 1), (fail_level, root.get("failures"), result.exit_code)
    for case in root.iter("testcase"):
        failure = case.find("failure")
        if failure is not None and case.get("name") != junit.VALIDATE_CASE:
            assert fx.SEVERITY_ORDER.index(failure.get("type")) <= fx.SEVERITY_ORDER.index(fail_level)


def test_the_default_fail_level_on_the_examples_has_no_failures_and_exits_0(invoke, tmp_path, monkeypatch):
    """The issue's case: on main this run wrote "16 failures" and exited 0."""
    monkeypatch.chdir(ROOT)
    out = tmp_path / "report.xml"
    result = invoke("check", "examples", "--output", f"junit={out}")
    root = assert_junit_shape(out.read_text(encoding="utf-8"))
    assert result.exit_code == 0 and root.get("failures") == "0", result.output
    assert int(root.get("skipped")) > 0
