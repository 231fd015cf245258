"""The JSON report: valid against schemas/report.schema.json for every example, stack and test spec."""

from __future__ import annotations

import json

import jsonschema
import pytest

from llmops_iac.report import json as json_report
from tests.conftest import ROOT, example_files
from tests.report.conftest import SPECS, check, synthetic, with_warning

SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))


def validate(data: dict) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10])


def test_the_schema_is_a_valid_2020_12_schema_with_descriptions():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for name, definition in SCHEMA["$defs"].items():
        assert definition.get("description"), f"$defs/{name} has no description"


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_every_example_report_validates(frozen, path):
    validate(json.loads(json_report.render(check(str(path.relative_to(ROOT))))))


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_reports_validate(frozen, stack):
    data = json_report.to_data(check("examples/support-assistant.yaml", stack=stack))
    validate(data)
    assert data["stack"] == stack and data["files"][0]["environment"] == stack


def test_all_examples_in_one_run_validate_with_the_real_catalogue(invoke, monkeypatch):
    """The CLI's own output, with the built-in policies as they are now (other rules may add findings)."""
    monkeypatch.chdir(ROOT)
    result = invoke("check", "examples", "--format", "json", "--fail-level", "error")
    assert result.exit_code in (0, 1), result.output
    validate(json.loads(result.output))


@pytest.mark.parametrize("make", [
    lambda: check(str(SPECS / "broken.yaml"), str(SPECS / "guarded.yaml")),
    lambda: check(str(SPECS / "broken.yaml"), command="validate"),
    lambda: with_warning(check("tests/report/specs/guarded.yaml")),
    lambda: synthetic(3, waived_every=2),
    lambda: synthetic(0),
], ids=["demo", "validate", "warning", "synthetic", "empty"])
def test_other_runs_validate(frozen, make):
    validate(json_report.to_data(make()))


def test_the_schema_catches_drift(scenario):
    data = json_report.to_data(scenario("report-demo"))
    data["files"][1]["policy"]["findings"][0]["severity"] = "critical"
    with pytest.raises(AssertionError, match="critical"):
        validate(data)
    data = json_report.to_data(scenario("report-demo"))
    waived = next(x for x in data["files"][1]["policy"]["findings"] if x["waived"])
    del waived["waiver"]
    with pytest.raises(AssertionError):
        validate(data)
    data = json_report.to_data(scenario("report-demo"))
    data["summary"]["surprise"] = 1
    with pytest.raises(AssertionError, match="surprise"):
        validate(data)


def test_counts_and_fingerprints(scenario):
    data = json_report.to_data(scenario("report-demo"))
    s = data["summary"]
    assert (s["errors"], s["findings"]["active"], s["findings"]["waived"]) == (2, 5, 1)
    assert s["findings"]["bySeverity"] == {"error": 2, "warning": 2, "note": 1}
    assert s["findings"]["fail"] is True and data["ok"] is False
    policy = data["files"][1]["policy"]
    assert policy["counts"]["outcomes"] == {"pass": 1, "fail": 5, "not-applicable": 1, "off": 1}
    assert len({x["fingerprint"] for x in policy["findings"]}) == len(policy["findings"])
    assert set(data["rules"]) == set(policy["outcomes"])
    assert data["rules"]["LLM-GRD-001"]["references"][0] == "OWASP LLM01"
