"""From the user's side: a --policy-dir of an organisation's own rules.

Its rules may carry the organisation's ID prefix (``ACME-GOV-001``: ``<PREFIX>-<AREA>-<NNN>``), be
waived under that ID, and show in every report. What is wrong in it is the user's input, so it
is exit 2 naming the file (and the line of the METADATA key at fault), never "internal failure"
(exit 3), which is kept for the tool's own policies and the engine. The built-in rules keep the
``LLM-`` prefix (tests/policy/test_catalogue.py), and one pattern says what an ID is: the
catalogue's, which the spec schema's waiver and the report schema repeat (a test holds them equal).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, InternalError, UsageError
from llmops_iac.policy import catalog
from tests.conftest import ROOT

ACME_RULE = """\
package llmops.acme

import rego.v1

# METADATA
# title: Applications name their data steward
# description: Every application names the person who answers for its data.
# custom:
#   id: ACME-GOV-001
#   severity: error
#   remediation: Add metadata.labels.steward.
#   frameworks:
#     nist: [GOVERN 1.4]
#   applies_to: [spec:models]
no_steward contains {"msg": "the application names no data steward", "pointer": "/metadata"} if {
	not input.spec.metadata.labels.steward
}
"""

SPEC = """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: acme-app
  owner: team@example.com
  costCenter: cc-1
  description: An application of ACME.
spec:
  environments:
    sandbox: {tier: development}
"""

SOON = (dt.date.today() + dt.timedelta(days=30)).isoformat()


def _rules(tmp_path, source: str = ACME_RULE, name: str = "acme.rego"):
    d = tmp_path / "acme-policies"
    d.mkdir(exist_ok=True)
    (d / name).write_text(source, encoding="utf-8")
    return d


def _spec(tmp_path, waivers: str = "") -> str:
    path = tmp_path / "app.yaml"
    path.write_text(SPEC + (f"  waivers:\n{waivers}" if waivers else ""), encoding="utf-8")
    return str(path)


def _findings(result) -> list[dict]:
    return [f for file in json.loads(result.stdout)["files"] for f in (file["policy"] or {}).get("findings", [])]


# -- an organisation's prefix ----------------------------------------------------------------------------

def test_a_rule_with_the_organisations_prefix_loads_and_fails_the_spec(invoke, tmp_path):
    """On main, ``id: ACME-GOV-001`` was refused as a bad METADATA block: exit 3, "internal failure"."""
    result = invoke("check", _spec(tmp_path), "--policy-dir", str(_rules(tmp_path)), "--format", "json")
    assert result.exit_code == EXIT_FINDINGS, result.output
    [acme] = [f for f in _findings(result) if f["ruleId"] == "ACME-GOV-001"]
    assert acme["severity"] == "error" and acme["message"] == "the application names no data steward"


def test_a_rule_with_the_organisations_prefix_can_be_waived(invoke, tmp_path):
    """The spec schema's waiver pattern accepted only ``LLM-…``: a waiver of ACME-GOV-001 was an input error."""
    waiver = (f"    - {{rule: ACME-GOV-001, reason: Stewardship is tracked in the ACME data catalogue, "
              f"owner: team@example.com, expires: '{SOON}'}}\n")
    result = invoke("check", _spec(tmp_path, waiver), "--policy-dir", str(_rules(tmp_path)), "--format", "json")
    assert result.exit_code == EXIT_OK, result.output
    [acme] = [f for f in _findings(result) if f["ruleId"] == "ACME-GOV-001"]
    assert acme["waived"] is True


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github", "markdown", "text"])
def test_every_report_format_carries_the_custom_rule(invoke, tmp_path, fmt):
    result = invoke("check", _spec(tmp_path), "--policy-dir", str(_rules(tmp_path)), "--format", fmt)
    assert result.exit_code == EXIT_FINDINGS, result.output
    assert "ACME-GOV-001" in result.stdout


def test_the_json_report_with_a_custom_rule_meets_its_schema(invoke, tmp_path):
    import jsonschema

    result = invoke("check", _spec(tmp_path), "--policy-dir", str(_rules(tmp_path)), "--format", "json")
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(json.loads(result.stdout))


@pytest.mark.parametrize("rule_id, ok", [
    ("ACME-GOV-001", True), ("LLM-GRD-001", True), ("A1-SEC-042", True), ("CONTOSO9-DATA-100", True),
    ("acme-GOV-001", False), ("ACME-GOV-01", False), ("ACME-GOV-0001", False), ("ACME-G-001", False),
    ("ACME-GOVERN-001", False), ("ACME_GOV-001", False), ("GOV-001", False), ("1ACME-GOV-001", False),
    ("A-GOV-001", False), ("ABCDEFGHIJK-GOV-001", False), ("ACME-GOV-001 ", False), ("ACME-GOV-001\n", False),
])
def test_what_a_rule_id_is(rule_id, ok):
    assert bool(catalog.RULE_ID.fullmatch(rule_id)) is ok


def test_the_schemas_use_the_catalogues_id_pattern():
    """One source of truth: the waiver's rule, the report's rule IDs and the catalogue agree."""
    spec_schema = json.loads((ROOT / "schemas" / "llmapp.schema.json").read_text(encoding="utf-8"))
    assert spec_schema["$defs"]["waiver"]["properties"]["rule"]["pattern"] == catalog.RULE_ID.pattern
    report = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    patterns = {p for p in _patterns(report) if p.endswith("[0-9]{3}$")}
    assert patterns == {catalog.RULE_ID.pattern}


def _patterns(node) -> list[str]:
    if isinstance(node, dict):
        return [*([node["pattern"]] if isinstance(node.get("pattern"), str) else []),
                *(p for v in node.values() for p in _patterns(v))]
    if isinstance(node, list):
        return [p for v in node for p in _patterns(v)]
    return []


# -- a user's mistakes are input errors ------------------------------------------------------------------

@pytest.mark.parametrize("change, words, line", [
    (("id: ACME-GOV-001", "id: ACME-1"), "custom.id", 9),
    (("severity: error", "severity: fatal"), "custom.severity", 10),
    (("#   remediation: Add metadata.labels.steward.\n", ""), "custom.remediation", 8),
    (("owasp", "owasp"), None, None),  # unchanged: loads (the control)
    (("nist: [GOVERN 1.4]", "nist: [GOVERN 1.4]\n#     owasp: [LLM99]"), "LLM99", 14),
    (("# title: Applications name their data steward", "# title: [unclosed"), "not valid YAML", 6),
], ids=["bad-id", "bad-severity", "no-remediation", "control", "unknown-owasp", "bad-yaml"])
def test_malformed_metadata_in_a_policy_dir_is_an_input_error(invoke, tmp_path, change, words, line):
    """On main each of these was ``internal error``-class exit 3 ("policy catalogue is invalid")."""
    d = _rules(tmp_path, ACME_RULE.replace(*change))
    result = invoke("check", _spec(tmp_path), "--policy-dir", str(d), "--format", "json")
    if words is None:
        assert result.exit_code == EXIT_FINDINGS, result.output
        return
    assert result.exit_code == EXIT_INPUT, result.output
    assert f"acme.rego:{line}:" in result.stderr and words in result.stderr
    assert "internal" not in result.stderr and "Traceback" not in result.output


def test_a_duplicate_id_in_a_policy_dir_is_an_input_error(invoke, tmp_path):
    d = _rules(tmp_path, ACME_RULE.replace("ACME-GOV-001", "LLM-GRD-001"))
    result = invoke("check", _spec(tmp_path), "--policy-dir", str(d))
    assert result.exit_code == EXIT_INPUT and "acme.rego" in result.stderr and "already used" in result.stderr


def test_a_rule_outside_the_llmops_package_is_an_input_error(invoke, tmp_path):
    """On main it loaded, then the engine's answer lacked it: "the policy engine gave no verdict" (exit 3)."""
    d = _rules(tmp_path, ACME_RULE.replace("package llmops.acme", "package acme.governance"))
    result = invoke("check", _spec(tmp_path), "--policy-dir", str(d))
    assert result.exit_code == EXIT_INPUT, result.output
    assert "acme.rego:15:" in result.stderr and "package llmops.acme" in result.stderr


def test_metadata_that_is_not_a_mapping_is_an_input_error(invoke, tmp_path):
    source = ACME_RULE.split("# METADATA\n")[0] + "# METADATA\n# just some words\n" + "no_steward" + ACME_RULE.split("no_steward")[1]
    result = invoke("check", _spec(tmp_path), "--policy-dir", str(_rules(tmp_path, source)))
    assert result.exit_code == EXIT_INPUT and "acme.rego:5:" in result.stderr and "not a mapping" in result.stderr


def test_a_metadata_block_without_a_rule_is_an_input_error(invoke, tmp_path):
    d = _rules(tmp_path, ACME_RULE.split("no_steward")[0])
    result = invoke("policy", "check", _spec(tmp_path), "--policy-dir", str(d))
    assert result.exit_code == EXIT_INPUT and "acme.rego:5:" in result.stderr and "not followed by a rule" in result.stderr


def test_a_policy_dir_module_that_does_not_compile_is_an_input_error(invoke, tmp_path):
    """The user's Rego: exit 2 naming the file; the built-in policies compile without it."""
    d = _rules(tmp_path, "package acme.broken\n\nimport rego.v1\n\nbad contains x if {\n", name="broken.rego")
    result = invoke("check", _spec(tmp_path), "--policy-dir", str(d))
    assert result.exit_code == EXIT_INPUT, result.output
    assert "broken.rego" in result.stderr and "do not compile" in result.stderr


def test_a_bad_profile_in_a_policy_dir_is_an_input_error(invoke, tmp_path):
    d = _rules(tmp_path)
    (d / "profiles").mkdir()
    (d / "profiles" / "acme.yaml").write_text("name: acme\ndescription: x\ntiers: [production]\nrules: {ACME-GOV-001: fatal}\n")
    result = invoke("check", _spec(tmp_path), "--policy-dir", str(d))
    assert result.exit_code == EXIT_INPUT, result.output
    assert "acme.yaml" in result.stderr


def test_a_broken_builtin_catalogue_stays_an_internal_error(tmp_path, monkeypatch):
    """The tool's own policies are not the user's input: a bad built-in METADATA block is exit 3."""
    builtin = tmp_path / "builtin"
    (builtin / "acme").mkdir(parents=True)
    (builtin / "acme" / "acme.rego").write_text(ACME_RULE.replace("severity: error", "severity: fatal"))
    monkeypatch.setattr(catalog, "builtin_dir", lambda: builtin)
    with pytest.raises(InternalError) as exc:
        catalog.load(check_builtin=True)
    assert not isinstance(exc.value, UsageError) and exc.value.exit_code == EXIT_INTERNAL


def test_both_at_once_is_the_internal_error(tmp_path, monkeypatch):
    """A broken built-in catalogue is the stronger claim (exit 3); the user's problems are still listed."""
    builtin = tmp_path / "builtin"
    (builtin / "acme").mkdir(parents=True)
    (builtin / "acme" / "acme.rego").write_text(ACME_RULE.replace("severity: error", "severity: fatal"))
    monkeypatch.setattr(catalog, "builtin_dir", lambda: builtin)
    d = _rules(tmp_path, ACME_RULE.replace("ACME-GOV-001", "ACME-GOV-1").replace("llmops.acme", "llmops.other"))
    with pytest.raises(InternalError) as exc:
        catalog.load([str(d)], check_builtin=True)
    assert exc.value.exit_code == EXIT_INTERNAL and "ACME-GOV-1" in str(exc.value)
