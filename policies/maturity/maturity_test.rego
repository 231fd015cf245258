package llmops.maturity_test

import rego.v1

import data.llmops.maturity

# Each test environment's declared tier (a tier is declared in the spec, never read from a name).
_tiers := {"prod": "production", "production": "production", "default": "staging", "staging": "staging", "dev": "development", "sandbox": "development"}

_context(environment) := {
	"environment": environment,
	"tier": _tiers[environment],
	"productionEnvironments": ["prod", "production"],
}

_input(environment, dimensions) := {
	"spec": {},
	"plan": {"resources": []},
	"context": object.union(_context(environment), {"today": "2026-06-01"}),
	"maturity": {"dimensions": dimensions},
}

_dim(name, achieved, target) := {"id": "X", "name": name, "achieved": achieved, "evidenced": achieved, "target": target, "next": "MAT-X-201"}

# -- LLM-MAT-001 --------------------------------------------------------------------------------

test_fail_production_below_operational if {
	maturity.production_below_operational == {{
		"msg": "CI/CD is at maturity level 1 in production, below the operational level 2 (next: MAT-X-201)",
		"resource": null,
		"pointer": "/spec/maturity/target",
		"subject": "X",
	}} with input as _input("prod", [_dim("CI/CD", 1, 2), _dim("Cost", 2, 2)])
}

test_fail_production_judged_on_verified_evidence_not_the_attested_level if {
	d := object.union(_dim("CI/CD", 2, 2), {"evidenced": 1, "evidencedNext": "MAT-X-202"})
	maturity.production_below_operational == {{
		"msg": "CI/CD is at maturity level 1 in production, below the operational level 2 (next: MAT-X-202)",
		"resource": null,
		"pointer": "/spec/maturity/target",
		"subject": "X",
	}} with input as _input("prod", [d])
}

test_pass_production_evidenced_at_operational_with_attestations_missing if {
	d := object.union(_dim("CI/CD", 1, 2), {"evidenced": 2, "evidencedNext": "MAT-X-301"})
	count(maturity.production_below_operational) == 0 with input as _input("prod", [d])
}

test_pass_production_at_operational if {
	count(maturity.production_below_operational) == 0 with input as _input("prod", [_dim("CI/CD", 2, 2), _dim("Cost", 3, 2)])
}

test_pass_below_operational_outside_production if {
	count(maturity.production_below_operational) == 0 with input as _input("dev", [_dim("CI/CD", 0, 1)])
}

test_fail_production_without_an_evidenced_level_is_read_as_level_0 if {
	d := object.remove(_dim("CI/CD", 3, 2), {"evidenced"})
	count(maturity.production_below_operational) == 1 with input as _input("prod", [d])
	count(maturity.production_below_pilot) == 1 with input as _input("prod", [d])
}

test_pass_unknown_tier_is_production_for_operational if {
	inp := object.union(_input("prod", [_dim("CI/CD", 1, 2)]), {"context": {"tier": null}})
	count(maturity.production_below_operational) == 1 with input as inp
}

# -- LLM-MAT-003 --------------------------------------------------------------------------------

test_fail_production_below_pilot if {
	maturity.production_below_pilot == {{
		"msg": "CI/CD is at maturity level 0 in production, below the structured-pilot level 1 (next: MAT-X-201)",
		"resource": null,
		"pointer": "/spec/maturity/target",
		"subject": "X",
	}} with input as _input("prod", [_dim("CI/CD", 0, 2), _dim("Cost", 1, 2)])
}

test_pass_production_exactly_at_pilot if {
	count(maturity.production_below_pilot) == 0 with input as _input("prod", [_dim("CI/CD", 1, 2), _dim("Cost", 1, 2)])
}

test_fail_production_pilot_judged_on_verified_evidence_not_the_attested_level if {
	d := object.union(_dim("CI/CD", 1, 2), {"evidenced": 0, "evidencedNext": "MAT-X-101"})
	maturity.production_below_pilot == {{
		"msg": "CI/CD is at maturity level 0 in production, below the structured-pilot level 1 (next: MAT-X-101)",
		"resource": null,
		"pointer": "/spec/maturity/target",
		"subject": "X",
	}} with input as _input("prod", [d])
}

test_fail_unknown_tier_below_pilot_is_judged_as_production if {
	inp := object.union(_input("prod", [_dim("CI/CD", 0, 1)]), {"context": {"tier": null}})
	count(maturity.production_below_pilot) == 1 with input as inp
}

test_pass_below_pilot_outside_production if {
	count(maturity.production_below_pilot) == 0 with input as _input("dev", [_dim("CI/CD", 0, 1)])
	count(maturity.production_below_pilot) == 0 with input as _input("staging", [_dim("CI/CD", 0, 1)])
}

test_pass_pilot_without_an_assessment if {
	count(maturity.production_below_pilot) == 0 with input as {"spec": {}, "plan": {"resources": []}, "context": {"tier": "production"}}
}

# -- LLM-MAT-002 --------------------------------------------------------------------------------

test_fail_target_not_met if {
	maturity.target_not_met == {{
		"msg": "Cost is at maturity level 1, below the declared target 3 (next: MAT-X-201)",
		"resource": null,
		"pointer": "/spec/maturity/target",
		"subject": "X",
	}} with input as _input("dev", [_dim("Cost", 1, 3), _dim("Governance", 3, 3)])
}

test_pass_target_met if {
	count(maturity.target_not_met) == 0 with input as _input("dev", [_dim("Cost", 3, 3)])
}

test_pass_without_an_assessment if {
	count(maturity.target_not_met) == 0 with input as {"spec": {}, "plan": {"resources": []}, "context": {}}
}
