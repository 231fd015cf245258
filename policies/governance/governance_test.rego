package llmops.governance_test

import rego.v1

import data.llmops.governance

_input(metadata, spec) := {
	"spec": {"metadata": metadata, "spec": spec},
	"plan": {"resources": []},
	"context": {"environment": "prod", "today": "2026-06-01", "waiverHorizonDays": 90, "waiverExpiresBy": "2026-08-30"},
}

_owned := {"name": "app", "owner": "team@example.com", "costCenter": "CC-1", "description": "Answers questions."}

_waiver(expires, owner) := {
	"rule": "LLM-OBS-002",
	"reason": "Support QA grades transcripts.",
	"owner": owner,
	"expires": expires,
}

# -- LLM-GOV-001 --------------------------------------------------------------------------------

test_fail_expired_waiver if {
	spec := {"waivers": [_waiver("2026-12-31", "team@example.com"), _waiver("2026-05-31", "team@example.com")]}
	governance.expired_waiver == {{
		"msg": "waiver for LLM-OBS-002 expired on 2026-05-31 (owner team@example.com)",
		"resource": null,
		"pointer": "/spec/waivers/1/expires",
	}} with input as _input(_owned, spec)
}

test_fail_expired_waiver_owner_with_quotes_is_not_shown if {
	spec := {"waivers": [_waiver("2026-01-01", "the \"platform\" team")]}
	governance.expired_waiver == {{
		"msg": "waiver for LLM-OBS-002 expired on 2026-01-01 (owner (text not shown))",
		"resource": null,
		"pointer": "/spec/waivers/0/expires",
	}} with input as _input(_owned, spec)
}

test_pass_waiver_expires_today if {
	inp := _input(_owned, {"waivers": [_waiver("2026-06-01", "team@example.com")]})
	governance.expired_waiver == set() with input as inp
}

# -- LLM-GOV-002 --------------------------------------------------------------------------------

test_fail_unowned if {
	governance.unowned == {{
		"msg": "the application has no owner (metadata.owner is unowned)",
		"resource": null,
		"pointer": "/metadata/owner",
	}} with input as _input(object.union(_owned, {"owner": "unowned"}), {})
}

test_pass_owned if {
	governance.unowned == set() with input as _input(_owned, {})
}

# -- LLM-GOV-003 --------------------------------------------------------------------------------

test_fail_unassigned_cost_center if {
	governance.unassigned_cost_center == {{
		"msg": "the application has no cost center (metadata.costCenter is unassigned)",
		"resource": null,
		"pointer": "/metadata/costCenter",
	}} with input as _input(object.union(_owned, {"costCenter": "unassigned"}), {})
}

test_pass_cost_center if {
	governance.unassigned_cost_center == set() with input as _input(_owned, {})
}

# -- LLM-GOV-004 --------------------------------------------------------------------------------

test_fail_maturity_target_1 if {
	governance.low_maturity_target == {{
		"msg": "maturity target is 1 (operational is 2)",
		"resource": null,
		"pointer": "/spec/maturity/target",
	}} with input as _input(_owned, {"maturity": {"target": 1}})
}

test_pass_maturity_target_2 if {
	governance.low_maturity_target == set() with input as _input(_owned, {"maturity": {"target": 2}})
}

# -- LLM-GOV-005 --------------------------------------------------------------------------------

test_fail_waiver_past_the_production_horizon if {
	governance.long_waiver == {{
		"msg": "waiver for LLM-OBS-002 runs until 2026-08-31, past the 90-day horizon of this environment (latest allowed: 2026-08-30)",
		"resource": null,
		"pointer": "/spec/waivers/0/expires",
	}} with input as _input(_owned, {"waivers": [_waiver("2026-08-31", "team@example.com")]})
}

test_pass_waiver_of_exactly_the_horizon if {
	governance.long_waiver == set() with input as _input(_owned, {"waivers": [_waiver("2026-08-30", "team@example.com")]})
}

test_fail_eternal_waiver if {
	count(governance.long_waiver) == 1 with input as _input(_owned, {"waivers": [_waiver("9999-12-31", "team@example.com")]})
}

test_horizon_comes_from_the_profile if {
	year := {"waiverHorizonDays": 365, "waiverExpiresBy": "2027-06-01"}
	inp := _with_context(_input(_owned, {"waivers": [_waiver("2027-06-01", "team@example.com")]}), year)
	governance.long_waiver == set() with input as inp
	later := _with_context(_input(_owned, {"waivers": [_waiver("2027-06-02", "team@example.com")]}), year)
	count(governance.long_waiver) == 1 with input as later
}

# A context without a horizon allows no future expiry at all, never an unlimited one.
test_missing_horizon_allows_nothing_ahead if {
	bare := {"environment": "prod", "today": "2026-06-01"}
	ahead := {"spec": {"metadata": _owned, "spec": {"waivers": [_waiver("2026-06-02", "team@example.com")]}}, "context": bare}
	count(governance.long_waiver) == 1 with input as ahead
	today := {"spec": {"metadata": _owned, "spec": {"waivers": [_waiver("2026-06-01", "team@example.com")]}}, "context": bare}
	governance.long_waiver == set() with input as today
}

# -- LLM-GOV-007 --------------------------------------------------------------------------------

_rules_context := {"rules": ["LLM-GOV-001", "LLM-GOV-005", "LLM-GOV-007", "LLM-OBS-002"], "unwaivableRules": ["LLM-GOV-001", "LLM-GOV-005", "LLM-GOV-007"]}

_with_context(inp, extra) := object.union(inp, {"context": object.union(inp.context, extra)})

_waiver_of(rule) := object.union(_waiver("2026-07-01", "team@example.com"), {"rule": rule})

test_fail_waiver_of_an_unknown_rule if {
	inp := _with_context(_input(_owned, {"waivers": [_waiver_of("LLM-OBS-999")]}), _rules_context)
	governance.bad_waiver_rule == {{
		"msg": "waiver 0 names LLM-OBS-999, which no loaded policy defines",
		"resource": null,
		"pointer": "/spec/waivers/0/rule",
	}} with input as inp
}

test_fail_waiver_of_a_rule_that_governs_waivers if {
	inp := _with_context(_input(_owned, {"waivers": [_waiver_of("LLM-OBS-002"), _waiver_of("LLM-GOV-005")]}), _rules_context)
	governance.bad_waiver_rule == {{
		"msg": "waiver 1 names LLM-GOV-005, a rule that governs waivers and cannot be waived",
		"resource": null,
		"pointer": "/spec/waivers/1/rule",
	}} with input as inp
}

test_pass_waiver_of_a_known_waivable_rule if {
	inp := _with_context(_input(_owned, {"waivers": [_waiver_of("LLM-OBS-002")]}), _rules_context)
	governance.bad_waiver_rule == set() with input as inp
}

# Without the catalogue's rule list in the context nothing is known: every waiver is suspect.
test_fail_every_waiver_without_a_rule_list if {
	count(governance.bad_waiver_rule) == 1 with input as _input(_owned, {"waivers": [_waiver_of("LLM-OBS-002")]})
}

# -- LLM-GOV-006 --------------------------------------------------------------------------------

test_fail_no_description if {
	governance.undocumented_purpose == {{
		"msg": "the application has no description of its purpose (metadata.description)",
		"resource": null,
		"pointer": "/metadata/description",
	}} with input as _input(object.remove(_owned, ["description"]), {})
}

test_fail_blank_description if {
	count(governance.undocumented_purpose) == 1 with input as _input(object.union(_owned, {"description": "  "}), {})
}

test_pass_description if {
	governance.undocumented_purpose == set() with input as _input(_owned, {})
}
