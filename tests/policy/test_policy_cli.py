"""The policy stage end to end: exit codes, fail levels, waivers, custom policy directories, docs."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from llmops_iac.compile import compile_spec
from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK
from llmops_iac.policy import catalog, engine, evaluate
from llmops_iac.policy.docs import render as render_docs
from llmops_iac.spec.validate import load_spec
from tests.conftest import ROOT

UNGUARDED = """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: unguarded
  owner: team@example.com
  costCenter: cc-1
spec:
  environments:
    staging: {tier: staging}
  guardrails:
    g:
      appliesTo: {models: []}
"""

CUSTOM_RULE = """\
package llmops.custom

import data.llmops.lib

# METADATA
# title: Apps are named with a team prefix
# description: Every application name starts with "team-".
# custom:
#   id: LLM-CUS-001
#   severity: warning
#   remediation: Rename the application to team-<name>.
#   frameworks:
#     nist: [GOVERN 1.4]
#   applies_to: [aws:kms/key:Key]
unprefixed contains lib.spec_result("/metadata/name", sprintf("%s has no team- prefix", [input.spec.metadata.name])) if {
	not startswith(input.spec.metadata.name, "team-")
}
"""


SOON = (dt.date.today() + dt.timedelta(days=30)).isoformat()
"""An expiry within every profile's waiver horizon (production: 90 days)."""


def _waiver(rule: str, expires: str = SOON, owner: str = "team@example.com",
            reason: str = "Evaluation-only model behind a private API") -> str:
    return f"    - {{rule: {rule}, reason: {reason}, owner: {owner}, expires: '{expires}'}}\n"


@pytest.fixture
def spec(tmp_path):
    def _spec(text: str = UNGUARDED, waivers: str = "") -> str:
        path = tmp_path / "app.yaml"
        path.write_text(text + (f"  waivers:\n{waivers}" if waivers else ""))
        return str(path)

    return _spec


def _json(result) -> dict:
    return json.loads(result.output)


def test_error_finding_exits_1_with_the_spec_line(invoke, spec):
    result = invoke("policy", "check", spec(), "--format", "json")
    assert result.exit_code == EXIT_FINDINGS, result.output
    findings = _json(result)["files"][0]["policy"]["findings"]
    [grd] = [f for f in findings if f["ruleId"] == "LLM-GRD-001"]
    assert grd["severity"] == "error" and grd["resource"] == "model-default-profile" and grd["line"] >= 1
    assert grd["remediation"] and any(r.startswith("OWASP LLM01") for r in grd["references"])


def test_fail_level_decides_the_exit_code(invoke, spec, tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "custom.rego").write_text(CUSTOM_RULE)
    guarded = spec(UNGUARDED.replace("      appliesTo: {models: []}\n", "      description: all models\n"))
    args = ("policy", "check", guarded, "--policy-dir", str(tmp_path / "rules"), "--format", "json")
    at_error = invoke(*args)
    assert at_error.exit_code == EXIT_OK, at_error.output
    findings = _json(at_error)["files"][0]["policy"]["findings"]
    assert [f["severity"] for f in findings if f["ruleId"] == "LLM-CUS-001"] == ["warning"]
    assert not [f for f in findings if f["severity"] == "error"]
    assert invoke(*args, "--fail-level", "warning").exit_code == EXIT_FINDINGS
    assert invoke(*args, "--fail-level", "warning", "--profile", "staging").exit_code == EXIT_FINDINGS


def test_waived_findings_are_counted_and_shown_never_dropped(invoke, spec):
    waiver = f"    - {{rule: LLM-GRD-001, reason: Evaluation-only model behind a private API, owner: team@example.com, expires: '{SOON}'}}\n"
    result = invoke("policy", "check", spec(waivers=waiver), "--format", "json")
    assert result.exit_code == EXIT_OK, result.output
    [grd] = [f for f in _json(result)["files"][0]["policy"]["findings"] if f["ruleId"] == "LLM-GRD-001"]
    assert grd["waived"] is True and grd["waiver"]["owner"] == "team@example.com"
    text = invoke("policy", "check", spec(waivers=waiver))
    assert "LLM-GRD-001" in text.output and "waived" in text.output and "1 waived" in text.output


def test_expired_waiver_is_a_finding_and_excuses_nothing(invoke, spec):
    waiver = "    - {rule: LLM-GRD-001, reason: Evaluation-only model behind a private API, owner: team@example.com, expires: '2020-01-01'}\n"
    result = invoke("policy", "check", spec(waivers=waiver), "--format", "json")
    assert result.exit_code == EXIT_FINDINGS
    findings = {f["ruleId"]: f for f in _json(result)["files"][0]["policy"]["findings"]}
    assert findings["LLM-GOV-001"]["pointer"] == "/spec/waivers/0/expires" and not findings["LLM-GRD-001"]["waived"]


def test_waiver_scoped_to_other_resources_does_not_apply(invoke, spec):
    waiver = ("    - {rule: LLM-GRD-001, reason: Evaluation-only model behind a private API, owner: team@example.com,"
              f" expires: '{SOON}', resources: [model-other-profile]}}\n")
    result = invoke("policy", "check", spec(waivers=waiver), "--format", "json")
    assert result.exit_code == EXIT_FINDINGS


def test_policy_that_does_not_compile_fails_closed(invoke, spec, tmp_path):
    """A --policy-dir module that does not compile: the user's input (exit 2, tests/policy/test_custom_rules.py)."""
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "broken.rego").write_text("package llmops.broken\n\nbad contains x if {\n")
    result = invoke("policy", "check", spec(), "--policy-dir", str(tmp_path / "broken"))
    assert result.exit_code == EXIT_INPUT and "do not compile" in result.output


def test_bad_metadata_fails_closed(invoke, spec, tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "bad.rego").write_text(CUSTOM_RULE.replace("id: LLM-CUS-001", "id: CUSTOM-1"))
    result = invoke("policy", "check", spec(), "--policy-dir", str(tmp_path / "bad"))
    assert result.exit_code == EXIT_INPUT and "CUSTOM-1" in result.output and "bad.rego:9:" in result.output


def test_duplicate_rule_id_in_a_policy_dir_is_refused(tmp_path):
    (tmp_path / "dup").mkdir()
    (tmp_path / "dup" / "dup.rego").write_text(CUSTOM_RULE.replace("LLM-CUS-001", "LLM-GRD-001"))
    with pytest.raises(Exception, match="already used"):
        catalog.load([str(tmp_path / "dup")])


def test_invalid_spec_still_exits_2(invoke, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata: {name: Bad}\n")
    assert invoke("policy", "check", str(bad)).exit_code == EXIT_INPUT


def test_rule_outcomes_have_three_values(spec):
    loaded = load_spec(spec())
    cat = catalog.load()
    eng = engine.create()
    eng.load(cat.modules, {})
    result = evaluate.judge(eng, cat, loaded, compile_spec(loaded), today=dt.date(2026, 1, 1))
    assert result.outcomes["LLM-GRD-001"] == "fail"
    assert result.outcomes["LLM-GOV-001"] == "not-applicable"  # no waivers: nothing to judge
    assert set(result.outcomes.values()) <= {"pass", "fail", "not-applicable", "off"}


def test_rule_reference_is_current():
    with open(ROOT / "docs" / "rules.md", encoding="utf-8") as fh:
        assert fh.read() == render_docs(catalog.load()), "docs/rules.md is stale: run `llmops-iac policy docs`"


def test_profile_is_chosen_by_tier_never_by_name():
    from llmops_iac.policy import profiles

    cat = catalog.load()
    assert profiles.select(cat, "production").name == "production"
    assert profiles.select(cat, "development").name == "development"
    assert profiles.select(cat, "staging").name == "staging"
    # the old name-based choice is gone: an environment's name is not its tier
    assert profiles.select(cat, "dev").name == "production"
    assert profiles.select(cat, "qa").name == "production"


def test_a_profile_option_never_loosens_a_verdict(invoke, spec):
    """--profile development on a production environment keeps production's errors (the stricter of the two)."""
    prod_spec = spec(UNGUARDED.replace("staging: {tier: staging}", "live: {tier: production}"))
    plain = _json(invoke("policy", "check", prod_spec, "--format", "json"))["files"][0]["policy"]
    loosened = invoke("policy", "check", prod_spec, "--format", "json", "--profile", "development")
    assert loosened.exit_code == EXIT_FINDINGS
    relaxed = _json(loosened)["files"][0]["policy"]
    assert relaxed["profile"] == "production+development"
    severity = {(f["ruleId"], f["pointer"]): f["severity"] for f in plain["findings"]}
    assert severity and {(f["ruleId"], f["pointer"]): f["severity"] for f in relaxed["findings"]} == severity
    # ... while a stricter profile on a staging environment does raise severities
    staging = _json(invoke("policy", "check", spec(), "--format", "json"))["files"][0]["policy"]
    raised = _json(invoke("policy", "check", spec(), "--format", "json", "--profile", "production"))["files"][0]["policy"]
    assert sum(f["severity"] == "error" for f in raised["findings"]) > sum(f["severity"] == "error" for f in staging["findings"])


def test_a_spec_without_environments_is_judged_as_production(invoke, spec):
    """Unknown means strict: nothing says where the base spec runs, so it gets the production profile."""
    base = spec(UNGUARDED.replace("  environments:\n    staging: {tier: staging}\n", ""))
    report = _json(invoke("policy", "check", base, "--format", "json"))
    [f] = report["files"]
    assert f["policy"]["profile"] == "production" and f["environment"] is None
    assert [d["code"] for d in f["diagnostics"]] == ["tier-unknown"]
    owner_rules = {x["ruleId"]: x["severity"] for x in f["policy"]["findings"]}
    assert owner_rules.get("LLM-GOV-006") == "error"  # a warning by METADATA, an error in production


# -- waivers that mean something (issue #12 section 6) -----------------------------------------------------

def _active(report: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in report["files"][0]["policy"]["findings"]:
        if not f["waived"]:
            out.setdefault(f["ruleId"], []).append(f)
    return out


def test_an_eternal_waiver_is_a_finding_and_excuses_nothing(invoke, spec):
    """`expires: 9999-12-31` used to waive LLM-GRD-001 for good (exit 0)."""
    result = invoke("policy", "check", spec(waivers=_waiver("LLM-GRD-001", "9999-12-31")), "--format", "json")
    assert result.exit_code == EXIT_FINDINGS
    active = _active(_json(result))
    assert "LLM-GRD-001" in active  # not excused
    [long] = active["LLM-GOV-005"]
    assert long["severity"] == "error" and long["pointer"] == "/spec/waivers/0/expires" and "180-day horizon" in long["message"]


def test_the_horizon_is_the_profiles(invoke, spec):
    """Staging allows 180 days ahead, production 90: the same waiver passes in one and fails in the other."""
    in_120_days = (dt.date.today() + dt.timedelta(days=120)).isoformat()
    waivers = _waiver("LLM-GRD-001", in_120_days)
    staging = invoke("policy", "check", spec(waivers=waivers), "--format", "json")
    assert staging.exit_code == EXIT_OK, staging.output
    prod = invoke("policy", "check", spec(UNGUARDED.replace("staging: {tier: staging}", "live: {tier: production}"),
                                          waivers=waivers), "--format", "json")
    active = _active(_json(prod))
    assert prod.exit_code == EXIT_FINDINGS and "LLM-GOV-005" in active and "LLM-GRD-001" in active
    assert "90-day horizon" in active["LLM-GOV-005"][0]["message"]


def test_the_rules_that_govern_waivers_cannot_be_waived(invoke, spec):
    """A waiver of the long-waiver rule itself used to silence it."""
    waivers = _waiver("LLM-GRD-001", "9999-12-31") + _waiver("LLM-GOV-005", "9999-12-31") + _waiver("LLM-GOV-007")
    result = invoke("policy", "check", spec(waivers=waivers), "--format", "json")
    assert result.exit_code == EXIT_FINDINGS
    active = _active(_json(result))
    assert {f["pointer"] for f in active["LLM-GOV-005"]} == {"/spec/waivers/0/expires", "/spec/waivers/1/expires"}
    assert {f["pointer"] for f in active["LLM-GOV-007"]} == {"/spec/waivers/1/rule", "/spec/waivers/2/rule"}
    assert "LLM-GRD-001" in active
    waived = [f for f in _json(result)["files"][0]["policy"]["findings"] if f["waived"]]
    assert not waived


def test_a_waiver_for_an_unknown_rule_is_an_error(invoke, spec):
    result = invoke("policy", "check", spec(waivers=_waiver("LLM-GRD-099")), "--format", "json")
    assert result.exit_code == EXIT_FINDINGS
    [bad] = _active(_json(result))["LLM-GOV-007"]
    assert bad["severity"] == "error" and bad["pointer"] == "/spec/waivers/0/rule" and "LLM-GRD-099" in bad["message"]


def test_a_waiver_of_a_custom_rule_is_known_when_its_policy_dir_is_loaded(invoke, spec, tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "custom.rego").write_text(CUSTOM_RULE)
    guarded = spec(UNGUARDED.replace("      appliesTo: {models: []}\n", "      description: all models\n"),
                   waivers=_waiver("LLM-CUS-001"))
    without = _active(_json(invoke("policy", "check", guarded, "--format", "json")))
    assert "LLM-GOV-007" in without
    loaded = invoke("policy", "check", guarded, "--policy-dir", str(tmp_path / "rules"), "--format", "json")
    assert "LLM-GOV-007" not in _active(_json(loaded))
    assert [f["ruleId"] for f in _json(loaded)["files"][0]["policy"]["findings"] if f["waived"]] == ["LLM-CUS-001"]


@pytest.mark.parametrize("field,value,code", [
    ("owner", '"\\u200b\\u200b"', "pattern"),               # two zero-width spaces: nobody
    ("owner", '"the platform team"', "pattern"),             # not an address or @org/team
    ("owner", '"team@example.com\\u200b"', "pattern"),      # an address with a hidden character
    ("reason", '"\\t\\t\\t\\t\\t\\t\\t\\t\\t\\t\\t\\t"', "blank"),  # tabs
    ("reason", '"accepted for now"', "pattern"),            # 14 visible characters
])
def test_a_waiver_needs_a_real_owner_and_a_reason(invoke, spec, field, value, code):
    """An owner of two zero-width spaces and a reason of tabs used to pass (exit 0) and excuse the finding."""
    values = {"owner": "team@example.com", "reason": "Evaluation-only model behind a private API", field: None}
    values[field] = value
    waiver = (f"    - {{rule: LLM-GRD-001, reason: {values['reason']}, owner: {values['owner']}, expires: '{SOON}'}}\n")
    result = invoke("policy", "check", spec(waivers=waiver), "--format", "json")
    assert result.exit_code == EXIT_INPUT, result.output
    [d] = [d for d in _json(result)["files"][0]["diagnostics"] if d["severity"] == "error"]
    assert d["code"] == code and d["pointer"] == f"/spec/waivers/0/{field}"
