"""SARIF rule descriptors with the real catalogue: security alerts only for security rules, help at each rule's own section.

GitHub code scanning files a rule with a ``security-severity`` (and the ``security`` tag) as a security alert,
High at 7.0 and above. On main every policy rule had one, so an unmet maturity target or a budget without a
forecast alert was a High *security* alert; now one METADATA field decides (``custom.security``), stated by
every built-in rule. ``helpUri`` was the rule's first related link (an AWS page) or nothing; now it is the
rule's own section of docs/rules.md, whose anchors ``llmops-iac policy docs`` generates.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from llmops_iac import pipeline
from llmops_iac.policy import catalog
from llmops_iac.policy.docs import render as render_docs
from llmops_iac.report import findings as fx
from llmops_iac.report import sarif
from tests.conftest import ROOT
from tests.report.test_sarif import validate

CATALOGUE = catalog.load()
SECURITY_AREAS = {"guardrails", "security", "data"}
NEVER_SECURITY = {"cost", "maturity", "evaluation", "governance", "retrieval", "prompts"}


@pytest.fixture(scope="module")
def driver_rules():
    result = pipeline.run("check", [str(ROOT / "examples" / "support-assistant.yaml")], policy=pipeline.PolicyOptions())
    log = sarif.to_data(result)
    validate(log)
    return {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}


def test_the_log_describes_every_rule_of_the_catalogue(driver_rules):
    assert set(CATALOGUE.rules) <= set(driver_rules)


def test_only_security_rules_are_security_alerts(driver_rules):
    wrong = []
    for rid, rule in CATALOGUE.rules.items():
        props = driver_rules[rid]["properties"]
        flagged = "security-severity" in props, "security" in props["tags"]
        if flagged != (rule.security, rule.security):
            wrong.append(f"{rid} ({rule.area}): security={rule.security}, security-severity/tag={flagged}")
    assert not wrong, "\n".join(wrong)


def test_cost_and_maturity_rules_are_not_security_alerts(driver_rules):
    for rid in ("LLM-CST-002", "LLM-CST-005", "LLM-MAT-001", "LLM-MAT-002", "LLM-EVL-001", "LLM-OBS-007"):
        assert "security-severity" not in driver_rules[rid]["properties"], rid
        assert "security" not in driver_rules[rid]["properties"]["tags"], rid
    assert driver_rules["LLM-GRD-001"]["properties"]["security-severity"] == "8.0"
    assert driver_rules["LLM-SEC-008"]["properties"]["security-severity"] == "5.0"  # a warning: medium
    assert "security" in driver_rules["LLM-DEP-003"]["properties"]["tags"]  # supply chain: unpinned weights


def test_which_areas_are_security_is_a_decision_the_metadata_states():
    by_area: dict[str, set[bool]] = {}
    for rule in CATALOGUE.rules.values():
        by_area.setdefault(rule.area, set()).add(rule.security)
    for area in SECURITY_AREAS:
        assert by_area[area] == {True}, f"every {area} rule is a security rule"
    for area in NEVER_SECURITY:
        assert by_area[area] == {False}, f"no {area} rule is a security rule"


_BLOCK = re.compile(r"^# METADATA\n((?:#.*\n)+)", re.M)


@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "policies").rglob("*.rego") if not p.name.endswith("_test.rego")),
                         ids=lambda p: p.name)
def test_every_built_in_rule_states_whether_it_is_a_security_rule(path):
    for block in _BLOCK.findall(path.read_text(encoding="utf-8")):
        if "#   id: " in block:
            assert re.search(r"^#   security: (true|false)$", block, re.M), f"{path.name}: {block.splitlines()[1]}"


def _github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file (lower case, punctuation but - and _ dropped,
    spaces as -)."""
    anchors = set()
    for line in markdown.splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*$", line)
        if m:
            anchors.add(re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-"))
    return anchors


def test_help_uri_is_the_rules_own_section_of_the_rule_reference(driver_rules):
    docs = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert docs == render_docs(CATALOGUE), "docs/rules.md is stale: run `llmops-iac policy docs`"
    anchors = _github_anchors(docs)
    base = f"{fx.information_uri().rstrip('/')}/blob/main/docs/rules.md#"
    for rid in CATALOGUE.rules:
        uri = driver_rules[rid]["helpUri"]
        assert uri == base + rid.lower(), (rid, uri)
        assert uri.split("#", 1)[1] in anchors, f"docs/rules.md has no section anchored #{rid.lower()}"


CUSTOM = """\
package llmops.acme

import rego.v1

# METADATA
# title: Applications name their data steward
# description: Every application names the person who answers for its data.
# related_resources:
#   - ref: https://wiki.acme.example/governance/steward
# custom:
#   id: ACME-GOV-001
#   severity: error
#   remediation: Add metadata.labels.steward.
#   frameworks:
#     nist: [GOVERN 1.4]
#   applies_to: [spec:models]
no_steward contains {"msg": "no data steward", "pointer": "/metadata"} if {
	not input.spec.metadata.labels.steward
}

# METADATA
# title: Secrets stay in the vault
# description: No key material in labels.
# custom:
#   id: ACME-SEC-001
#   severity: warning
#   security: true
#   remediation: Move it to the vault.
#   frameworks:
#     nist: [MANAGE 2.3]
#   applies_to: [spec:models]
secret_label contains {"msg": "a label holds key material", "pointer": "/metadata/labels"} if {
	some v in object.get(input.spec.metadata, "labels", {})
	startswith(v, "AKIA")
}
"""


def test_a_custom_rule_has_its_own_link_and_is_a_security_rule_only_when_it_says_so(tmp_path: Path):
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "acme.rego").write_text(CUSTOM, encoding="utf-8")
    result = pipeline.run("check", [str(ROOT / "examples" / "minimal.yaml")],
                          policy=pipeline.PolicyOptions(policy_dirs=(str(tmp_path / "acme"),)))
    log = sarif.to_data(result)
    validate(log)  # the official SARIF 2.1.0 schema
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    steward, secret = rules["ACME-GOV-001"], rules["ACME-SEC-001"]
    assert steward["helpUri"] == "https://wiki.acme.example/governance/steward"  # not llmops-iac's reference
    assert "helpUri" not in secret  # no link of its own: none rather than a wrong one
    assert "security-severity" not in steward["properties"] and "security" not in steward["properties"]["tags"]
    assert secret["properties"]["security-severity"] == "5.0" and "security" in secret["properties"]["tags"]
