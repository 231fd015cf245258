package llmops.evaluation_test

import rego.v1

import data.llmops.evaluation

# Each test environment's declared tier (a tier is declared in the spec, never read from a name).
_tiers := {"prod": "production", "production": "production", "default": "staging", "staging": "staging", "dev": "development", "sandbox": "development"}

_context(environment) := {
	"environment": environment,
	"tier": _tiers[environment],
	"productionEnvironments": ["prod", "production"],
}

_input(environment, classification, spec) := {
	"spec": {"metadata": {"dataClassification": classification}, "spec": spec},
	"plan": {"resources": []},
	"context": _context(environment),
}

_models := {
	"assistant": {"provider": "bedrock", "systemPrompt": "support@3"},
	"triage": {"provider": "bedrock"},
}

_gate(metric, target, bounds) := object.union({"metric": metric, "dataset": "golden", "target": target}, bounds)

_evaluation(gates, required_for) := {"gates": gates, "requiredFor": required_for}

# -- LLM-EVL-001 --------------------------------------------------------------------------------

test_fail_gates_not_required_for_production if {
	spec := {"evaluation": _evaluation([], ["staging"])}
	evaluation.gates_not_required == {{
		"msg": "evaluation gates are not required for any production environment",
		"resource": null,
		"pointer": "/spec/evaluation/requiredFor",
	}} with input as _input("dev", "internal", spec)
}

test_fail_gates_not_required_for_this_production_environment if {
	spec := {"evaluation": _evaluation([], ["prod"])}
	evaluation.gates_not_required == {{
		"msg": "evaluation gates are not required for environment production",
		"resource": null,
		"pointer": "/spec/evaluation/requiredFor",
	}} with input as _input("production", "internal", spec)
}

test_pass_gates_required_for_prod if {
	spec := {"evaluation": _evaluation([], ["staging", "prod"])}
	evaluation.gates_not_required == set() with input as _input("prod", "internal", spec)
}

# -- LLM-EVL-002 --------------------------------------------------------------------------------

test_fail_model_without_gate if {
	spec := {"models": _models, "evaluation": _evaluation([_gate("correctness", "support@3", {"min": 0.9})], ["prod"])}
	evaluation.ungated_model == {{
		"msg": "model triage is not evaluated by any gate",
		"resource": null,
		"pointer": "/spec/models/triage",
	}} with input as _input("prod", "internal", spec)
}

test_pass_gates_on_model_and_prompt if {
	gates := [_gate("correctness", "support", {"min": 0.9}), _gate("latency-p95-ms", "triage", {"max": 3000})]
	spec := {"models": _models, "evaluation": _evaluation(gates, ["prod"])}
	evaluation.ungated_model == set() with input as _input("prod", "internal", spec)
}

test_pass_untargeted_gate_covers_every_model if {
	spec := {
		"models": _models,
		"evaluation": _evaluation([{"metric": "toxicity", "dataset": "golden", "max": 0.01}], ["prod"]),
	}
	evaluation.ungated_model == set() with input as _input("prod", "internal", spec)
}

# -- LLM-EVL-003 --------------------------------------------------------------------------------

_kbs := {"docs": {"models": ["assistant"]}}

test_fail_rag_model_without_faithfulness_gate if {
	spec := {
		"models": _models,
		"knowledgeBases": _kbs,
		"evaluation": _evaluation([_gate("answer-relevance", "assistant", {"min": 0.8})], ["prod"]),
	}
	evaluation.missing_rag_gate == {{
		"msg": "model assistant answers from knowledge base docs without a faithfulness gate",
		"resource": null,
		"pointer": "/spec/knowledgeBases/docs/models/0",
		"subject": "faithfulness",
	}} with input as _input("prod", "internal", spec)
}

test_pass_rag_model_gated_on_both if {
	gates := [_gate("faithfulness", "support@3", {"min": 0.85}), _gate("answer-relevance", "assistant", {"min": 0.8})]
	spec := {"models": _models, "knowledgeBases": _kbs, "evaluation": _evaluation(gates, ["prod"])}
	evaluation.missing_rag_gate == set() with input as _input("prod", "internal", spec)
}

# -- LLM-EVL-004 --------------------------------------------------------------------------------

test_fail_no_safety_gate if {
	spec := {"evaluation": _evaluation([_gate("correctness", "assistant", {"min": 0.9})], ["prod"])}
	evaluation.no_safety_gate == {{
		"msg": "the application handles confidential data but has no toxicity or pii-leakage gate",
		"resource": null,
		"pointer": "/spec/evaluation/gates",
	}} with input as _input("prod", "confidential", spec)
}

test_pass_pii_leakage_gate if {
	spec := {"evaluation": _evaluation([_gate("pii-leakage", "assistant", {"max": 0})], ["prod"])}
	evaluation.no_safety_gate == set() with input as _input("prod", "confidential", spec)
}

test_pass_public_application_without_safety_gate if {
	spec := {"evaluation": _evaluation([], ["prod"])}
	evaluation.no_safety_gate == set() with input as _input("prod", "public", spec)
}

# -- LLM-EVL-005 --------------------------------------------------------------------------------

test_fail_gates_bound_the_wrong_direction if {
	gates := [
		_gate("toxicity", "assistant", {"min": 0.01}),
		_gate("faithfulness", "assistant", {"max": 1}),
		_gate("refusal-rate", "assistant", {"max": 0.1}),
	]
	evaluation.misdirected_gate == {
		{
			"msg": "gate 0 on toxicity has no maximum: lower is better for this metric",
			"resource": null,
			"pointer": "/spec/evaluation/gates/0",
		},
		{
			"msg": "gate 1 on faithfulness has no minimum: higher is better for this metric",
			"resource": null,
			"pointer": "/spec/evaluation/gates/1",
		},
	} with input as _input("prod", "internal", {"evaluation": _evaluation(gates, ["prod"])})
}

test_pass_gates_bound_the_right_direction if {
	gates := [_gate("toxicity", "assistant", {"max": 0.01}), _gate("faithfulness", "assistant", {"min": 0.8, "max": 1})]
	inp := _input("prod", "internal", {"evaluation": _evaluation(gates, ["prod"])})
	evaluation.misdirected_gate == set() with input as inp
}

# A bound no result can cross passes every result: min at or below the floor, max at or above the ceiling.

_misdirected(gates) := found if {
	found := evaluation.misdirected_gate with input as _input("prod", "internal", {"evaluation": _evaluation(gates, ["prod"])})
}

test_fail_min_at_the_floor if {
	_misdirected([_gate("faithfulness", "assistant", {"min": 0})]) == {{
		"msg": "gate 0 on faithfulness has min 0: every result passes (faithfulness is never below 0)",
		"resource": null,
		"pointer": "/spec/evaluation/gates/0/min",
	}}
}

test_fail_min_below_the_floor if {
	count(_misdirected([_gate("correctness", "assistant", {"min": -1})])) == 1
}

# Just above the floor binds (pins <= against <).
test_pass_min_just_above_the_floor if {
	_misdirected([_gate("context-recall", "assistant", {"min": 0.001})]) == set()
}

test_fail_max_at_the_ceiling if {
	_misdirected([_gate("toxicity", "assistant", {"max": 1})]) == {{
		"msg": "gate 0 on toxicity has max 1: every result passes (toxicity is never above 1)",
		"resource": null,
		"pointer": "/spec/evaluation/gates/0/max",
	}}
}

test_fail_max_above_the_ceiling if {
	count(_misdirected([_gate("pii-leakage", "assistant", {"max": 5})])) == 1
}

# Just under the ceiling binds (pins >= against >).
test_pass_max_just_under_the_ceiling if {
	_misdirected([_gate("toxicity", "assistant", {"max": 0.999})]) == set()
}

# Latency and cost have no ceiling: any max binds; a min on them is not their bound.
test_pass_unbounded_metrics_with_large_max if {
	_misdirected([_gate("latency-p95-ms", "assistant", {"max": 999999999}), _gate("cost-per-request-usd", "assistant", {"min": 0, "max": 100})]) == set()
}

# A min at the floor next to a binding max on a lower-is-better metric is harmless.
test_pass_floor_min_beside_binding_max if {
	_misdirected([_gate("toxicity", "assistant", {"min": 0, "max": 0.1})]) == set()
}

test_fail_refusal_rate_that_binds_nothing if {
	_misdirected([_gate("refusal-rate", "assistant", {"min": 0})]) == {{
		"msg": "gate 0 on refusal-rate has no min above 0 and no max below 1: every result passes",
		"resource": null,
		"pointer": "/spec/evaluation/gates/0",
	}}
	count(_misdirected([_gate("refusal-rate", "assistant", {"min": 0, "max": 1})])) == 1
	count(_misdirected([_gate("refusal-rate", "assistant", {})])) == 1
}

test_pass_refusal_rate_bound_either_way if {
	_misdirected([_gate("refusal-rate", "assistant", {"min": 0.95}), _gate("refusal-rate", "triage", {"max": 0.05})]) == set()
}

# Odd bounds are not evaluation errors: a text bound is no bound.
test_fail_odd_bounds_without_error if {
	_misdirected([_gate("faithfulness", "assistant", {"min": "0.8"}), _gate("refusal-rate", "assistant", {"min": null})]) == {
		{"msg": "gate 1 on refusal-rate has no min above 0 and no max below 1: every result passes", "resource": null, "pointer": "/spec/evaluation/gates/1"},
	}
}


# -- LLM-EVL-006 / LLM-EVL-007: gates judged on measured results ------------------------------------------

_sha := "a"

_measured(value, cases, errors) := {"metric": "correctness", "dataset": "golden", "target": "assistant",
	"value": value, "cases": cases, "errors": errors}

_results(spec_hash, dataset_sha, gates) := {"file": "eval/results.json", "specHash": spec_hash,
	"environment": "prod", "createdAt": "2026-05-25T10:00:00Z",
	"harness": {"name": "promptfoo", "version": "0.107.4"}, "datasets": {"golden": dataset_sha}, "gates": gates}

_evidence(results) := {"specHash": "feedfacecafe", "datasets": {"golden": _sha}, "results": results}

_gated_spec(bounds) := {"models": _models, "evaluation": _evaluation([_gate("correctness", "assistant", bounds)], ["prod"])}

_judged(environment, bounds, results) := object.union(_input(environment, "internal", _gated_spec(bounds)),
	{"evaluation": _evidence(results)})

test_fail_measured_below_min if {
	r := _results("feedfacecafe", _sha, [_measured(0.89, 20, 0)])
	evaluation.gate_fails_measured == {{
		"msg": "gate 0 (correctness on golden, target assistant) measured 0.89 on 20 cases, below its min 0.9 (eval/results.json, promptfoo 0.107.4)",
		"resource": null,
		"pointer": "/spec/evaluation/gates/0",
	}} with input as _judged("prod", {"min": 0.9}, [r])
}

test_pass_measured_exactly_at_min if {
	r := _results("feedfacecafe", _sha, [_measured(0.9, 20, 0)])
	evaluation.gate_fails_measured == set() with input as _judged("prod", {"min": 0.9}, [r])
	evaluation.gate_unmeasured == set() with input as _judged("prod", {"min": 0.9}, [r])
}

test_fail_measured_above_max if {
	r := _results("feedfacecafe", _sha, [_measured(0.011, 20, 0)])
	count(evaluation.gate_fails_measured) == 1 with input as _judged("prod", {"max": 0.01}, [r])
}

test_pass_measured_exactly_at_max if {
	r := _results("feedfacecafe", _sha, [_measured(0.01, 20, 0)])
	evaluation.gate_fails_measured == set() with input as _judged("prod", {"max": 0.01}, [r])
}

test_pass_failing_gate_in_development_not_required if {
	r := _results("feedfacecafe", _sha, [_measured(0.1, 20, 0)])
	evaluation.gate_fails_measured == set() with input as _judged("dev", {"min": 0.9}, [r])
	evaluation.gate_unmeasured == set() with input as _judged("dev", {"min": 0.9}, [])
}

test_fail_failing_gate_in_staging_listed_in_required_for if {
	r := _results("feedfacecafe", _sha, [_measured(0.1, 20, 0)])
	spec := {"models": _models, "evaluation": _evaluation([_gate("correctness", "assistant", {"min": 0.9})], ["staging", "prod"])}
	doc := object.union(_input("staging", "internal", spec), {"evaluation": _evidence([r])})
	count(evaluation.gate_fails_measured) == 1 with input as doc
}

test_fail_unknown_tier_judged_as_production if {
	# an environment of unknown tier is production: gates are required even where requiredFor does not name it
	r := _results("feedfacecafe", _sha, [_measured(0.1, 20, 0)])
	doc := object.union(_judged("prod", {"min": 0.9}, [r]), {"context": {"environment": "eu", "productionEnvironments": ["prod"]}})
	count(evaluation.gate_fails_measured) == 1 with input as doc
}

test_pass_without_results_nothing_is_judged if {
	doc := _input("prod", "internal", _gated_spec({"min": 0.9}))
	evaluation.gate_fails_measured == set() with input as doc
	evaluation.gate_unmeasured == set() with input as doc
}

test_fail_results_for_another_spec_hash if {
	r := _results("0123456789ab", _sha, [_measured(0.95, 20, 0)])
	evaluation.gate_fails_measured == set() with input as _judged("prod", {"min": 0.9}, [r])
	evaluation.gate_unmeasured == {{
		"msg": "gate 0 (correctness on golden, target assistant) has no current measurement: no results are for this spec (spec hash feedfacecafe); the results are for 0123456789ab",
		"resource": null,
		"pointer": "/spec/evaluation/gates/0",
	}} with input as _judged("prod", {"min": 0.9}, [r])
}

test_fail_dataset_edited_after_the_run if {
	r := _results("feedfacecafe", "b", [_measured(0.95, 20, 0)])
	evaluation.gate_unmeasured == {{
		"msg": "gate 0 (correctness on golden, target assistant) has no current measurement: dataset golden changed since it was evaluated (sha256 now a, evaluated b)",
		"resource": null,
		"pointer": "/spec/evaluation/gates/0",
	}} with input as _judged("prod", {"min": 0.9}, [r])
}

test_fail_dataset_unreadable if {
	r := _results("feedfacecafe", _sha, [_measured(0.95, 20, 0)])
	doc := object.union(_judged("prod", {"min": 0.9}, [r]), {"evaluation": {"datasets": {"golden": null}}})
	count(evaluation.gate_unmeasured) == 1 with input as doc
}

test_fail_zero_cases if {
	r := _results("feedfacecafe", _sha, [_measured(0.95, 0, 0)])
	evaluation.gate_fails_measured == set() with input as _judged("prod", {"min": 0.9}, [r])
	count(evaluation.gate_unmeasured) == 1 with input as _judged("prod", {"min": 0.9}, [r])
}

test_pass_one_case if {
	r := _results("feedfacecafe", _sha, [_measured(0.95, 1, 0)])
	evaluation.gate_unmeasured == set() with input as _judged("prod", {"min": 0.9}, [r])
}

test_fail_errored_cases if {
	r := _results("feedfacecafe", _sha, [_measured(0.95, 19, 1)])
	evaluation.gate_unmeasured == {{
		"msg": "gate 0 (correctness on golden, target assistant) has no current measurement: 1 of its cases errored in the harness (eval/results.json): it is not measured on the whole dataset",
		"resource": null,
		"pointer": "/spec/evaluation/gates/0",
	}} with input as _judged("prod", {"min": 0.9}, [r])
}

test_fail_other_target_does_not_count if {
	m := object.union(_measured(0.95, 20, 0), {"target": "triage"})
	r := _results("feedfacecafe", _sha, [m])
	count(evaluation.gate_unmeasured) == 1 with input as _judged("prod", {"min": 0.9}, [r])
}

test_fail_any_current_measurement_failing_fails if {
	# two current files measure the gate (the CLI refuses a duplicate in one run; the engine is strict anyway)
	good := _results("feedfacecafe", _sha, [_measured(0.95, 20, 0)])
	bad := _results("feedfacecafe", _sha, [_measured(0.5, 20, 0)])
	count(evaluation.gate_fails_measured) == 1 with input as _judged("prod", {"min": 0.9}, [good, bad])
}
