package llmops.cost_test

import rego.v1

import data.llmops.cost

# Each test environment's declared tier (a tier is declared in the spec, never read from a name).
_tiers := {"prod": "production", "production": "production", "default": "staging", "staging": "staging", "dev": "development", "sandbox": "development"}

_context(environment) := {
	"environment": environment,
	"tier": _tiers[environment],
	"productionEnvironments": ["prod", "production"],
}

_input(environment, resources) := {
	"spec": {},
	"plan": {"resources": resources},
	"context": _context(environment),
}

_resource(name, type, inputs, meta) := {"name": name, "type": type, "source": "/spec", "inputs": inputs, "meta": meta}

_budget(subscribers, forecast) := _resource("budget", "aws:budgets/budget:Budget", {"notifications": array.concat(
	[{"notificationType": "ACTUAL", "threshold": 80, "subscriberSnsTopicArns": subscribers}],
	[{"notificationType": "FORECASTED", "threshold": 100, "subscriberSnsTopicArns": subscribers} | forecast],
)}, {})

_topic_ref := {"ref": "budget-topic", "attr": "arn"}

_subscription := _resource(
	"budget-topic-email-370d7c",
	"aws:sns/topicSubscription:TopicSubscription",
	{"topic": _topic_ref, "protocol": "email", "endpoint": "finops@example.com"},
	{},
)

_config(instance_types) := _resource(
	"endpoint-llama-config",
	"aws:sagemaker/endpointConfiguration:EndpointConfiguration",
	{"productionVariants": [{"variantName": t, "instanceType": t} | some t in instance_types]},
	{},
)

_profile(units) := _resource(
	"model-a-profile",
	"aws:bedrock/inferenceProfile:InferenceProfile",
	{},
	{"provisionedThroughput": units},
)

# -- LLM-CST-001 --------------------------------------------------------------------------------

test_fail_budget_alerts_nobody if {
	cost.unheard_budget == {{
		"msg": "budget alerts reach nobody: no e-mail subscriber and no SNS topic to notify",
		"resource": "budget",
		"pointer": "/spec/notify",
	}} with input as _input("default", [_budget([_topic_ref], true)])
}

test_pass_budget_topic_has_an_email_subscriber if {
	cost.unheard_budget == set() with input as _input("default", [_budget([_topic_ref], true), _subscription])
}

test_pass_budget_notifies_an_existing_topic if {
	inp := _input("default", [_budget([_topic_ref, "arn:aws:sns:us-east-1:111122223333:finops"], true)])
	cost.unheard_budget == set() with input as inp
}

# -- LLM-CST-002 --------------------------------------------------------------------------------

test_fail_budget_without_forecast_alert if {
	cost.no_forecast_alert == {{
		"msg": "the budget has no alert on forecast spend",
		"resource": "budget",
		"pointer": "/spec/forecastAlerts",
	}} with input as _input("default", [_budget([_topic_ref], false)])
}

test_pass_budget_with_forecast_alert if {
	cost.no_forecast_alert == set() with input as _input("default", [_budget([_topic_ref], true)])
}

# -- LLM-CST-003 --------------------------------------------------------------------------------

test_fail_large_gpu_in_development if {
	cost.gpu_not_allowed == {{
		"msg": "endpoint-llama-config uses ml.g5.12xlarge, which is not allowed in environment dev (development GPU allow-list)",
		"resource": "endpoint-llama-config",
		"pointer": "/spec/instanceType",
	}} with input as _input("dev", [_config(["ml.g5.2xlarge", "ml.g5.12xlarge"])])
}

# A variant that sets its own instance type is where the finding points; one that inherits it, the model's.
test_fail_large_gpu_of_a_variant_points_at_the_variant if {
	config := object.union(_config(["ml.g5.2xlarge", "ml.g5.12xlarge"]), {"source": "/spec/models/llama"})
	spec := {"spec": {"models": {"llama": {"instanceType": "ml.g5.2xlarge", "variants": [
		{"name": "a"},
		{"name": "b", "instanceType": "ml.g5.12xlarge"},
	]}}}}
	[r.pointer | some r in cost.gpu_not_allowed] == ["/spec/models/llama/variants/1/instanceType"] with input as object.union(
		_input("dev", [config]),
		{"spec": spec},
	)
}

test_fail_large_gpu_inherited_by_a_variant_points_at_the_model if {
	config := object.union(_config(["ml.g5.12xlarge"]), {"source": "/spec/models/llama"})
	spec := {"spec": {"models": {"llama": {"instanceType": "ml.g5.12xlarge", "variants": [{"name": "a"}]}}}}
	[r.pointer | some r in cost.gpu_not_allowed] == ["/spec/models/llama/instanceType"] with input as object.union(
		_input("dev", [config]),
		{"spec": spec},
	)
}

test_fail_unknown_gpu_in_production if {
	count(cost.gpu_not_allowed) == 1 with input as _input("prod", [_config(["ml.p3.2xlarge"])])
}

test_pass_large_gpu_in_production if {
	cost.gpu_not_allowed == set() with input as _input("prod", [_config(["ml.g5.12xlarge", "ml.p5.48xlarge"])])
}

test_pass_small_gpu_and_cpu_in_development if {
	cost.gpu_not_allowed == set() with input as _input("sandbox", [_config(["ml.g6.xlarge", "ml.m5.xlarge"])])
}

# -- LLM-CST-004 --------------------------------------------------------------------------------

test_fail_provisioned_throughput_in_development if {
	cost.provisioned_outside_production == {{
		"msg": "model a buys 2 model units of provisioned throughput in environment dev",
		"resource": "model-a-profile",
		"pointer": "/spec/provisionedThroughput",
	}} with input as _input("dev", [_profile(2)])
}

test_pass_provisioned_throughput_in_production if {
	cost.provisioned_outside_production == set() with input as _input("prod", [_profile(2)])
}

test_pass_on_demand_in_development if {
	cost.provisioned_outside_production == set() with input as _input("dev", [_profile(0)])
}

# -- LLM-CST-005..007: the cost estimate ------------------------------------------------------------

_cost_input(cost) := {"spec": {}, "plan": {"resources": []}, "context": _context("prod"), "cost": cost}

_flags(over) := {"overBudgetAtExpected": over}

test_fail_estimate_over_budget if {
	cost.estimate_over_budget == {{
		"msg": "expected monthly cost 3085 USD exceeds the budget of 2500 USD",
		"resource": null,
		"pointer": "/spec/budgets/monthlyUsd",
	}} with input as _cost_input({"flags": _flags(true), "total": {"expected": 3085.2}, "budget": {"monthlyUsd": 2500}})
}

test_pass_estimate_within_budget if {
	count(cost.estimate_over_budget) == 0 with input as _cost_input({"flags": _flags(false), "total": {"expected": 10}, "budget": {"monthlyUsd": 2500}})
}

test_fail_gpu_misfit if {
	g := {"status": "misfit", "source": "/spec/models/big/instanceType", "message": "Llama-3-70B in fp16 needs ~167 GB"}
	cost.gpu_misfit == {{"msg": "Llama-3-70B in fp16 needs ~167 GB", "resource": null, "pointer": "/spec/models/big/instanceType"}} with input as _cost_input({"gpu": [g]})
}

test_pass_gpu_fits if {
	count(cost.gpu_misfit) == 0 with input as _cost_input({"gpu": [{"status": "fits", "source": "/x", "message": "ok"}]})
}

test_fail_gpu_underused if {
	g := {"status": "underused", "source": "/spec/models/small", "message": "uses 4 % of 192 GB"}
	cost.gpu_underused == {{"msg": "uses 4 % of 192 GB", "resource": null, "pointer": "/spec/models/small"}} with input as _cost_input({"gpu": [g]})
}

test_pass_without_an_estimate if {
	count(cost.gpu_underused) == 0 with input as {"spec": {}, "plan": {"resources": []}, "context": {}}
}

# -- LLM-CST-008 --------------------------------------------------------------------------------

_alerts(notifications) := _resource("budget", "aws:budgets/budget:Budget", {"notifications": notifications}, {"monthlyUsd": 200})

_actual(threshold) := {"notificationType": "ACTUAL", "threshold": threshold, "thresholdType": "PERCENTAGE"}

_forecast := {"notificationType": "FORECASTED", "threshold": 100, "thresholdType": "PERCENTAGE"}

_late(notifications) := found if {
	found := cost.late_budget_alerts with input as _input("prod", [_alerts(notifications)])
}

test_fail_every_alert_after_the_budget_is_spent if {
	_late([_actual(150), _actual(500), _forecast]) == {{
		"msg": "no actual-spend alert fires until the budget is overspent: the alerts are at 150 %, 500 %",
		"resource": "budget",
		"pointer": "/spec/alertThresholdsPercent",
	}}
}

# 100 % is the edge: it alerts (pins <= against <); just above it does not.
test_pass_alert_at_exactly_100 if {
	_late([_actual(100)]) == set()
}

test_fail_alert_just_above_100 if {
	count(_late([_actual(100.01)])) == 1
}

# An escalation alert above 100 % next to one in time is not a finding on its own.
test_pass_escalation_alert_next_to_one_in_time if {
	_late([_actual(80), _actual(500)]) == set()
}

# The forecast alert does not count: a new application has no spend history to forecast from.
test_fail_only_a_forecast_alert if {
	_late([_forecast]) == {{
		"msg": "no actual-spend alert fires until the budget is overspent: the budget has no actual-spend alert",
		"resource": "budget",
		"pointer": "/spec/alertThresholdsPercent",
	}}
}

test_fail_no_notifications_at_all if {
	count(_late([])) == 1
}

# Absolute thresholds count against the budget amount; odd thresholds never raise an error.
test_pass_absolute_alert_under_the_budget if {
	_late([{"notificationType": "ACTUAL", "threshold": 200, "thresholdType": "ABSOLUTE_VALUE"}]) == set()
}

test_fail_absolute_alert_over_the_budget if {
	count(_late([{"notificationType": "ACTUAL", "threshold": 201, "thresholdType": "ABSOLUTE_VALUE"}])) == 1
}

test_fail_odd_thresholds_without_error if {
	count(_late([{"notificationType": "ACTUAL", "threshold": "50"}, {"notificationType": "ACTUAL", "threshold": null}])) == 1
}

# -- LLM-CST-009 --------------------------------------------------------------------------------

_reach(monthly, expected, unpriced) := found if {
	c := {"total": {"expected": expected}, "budget": {"monthlyUsd": monthly}, "flags": {"unpricedItems": unpriced}}
	found := cost.budget_beyond_reach with input as _cost_input(c)
}

test_fail_budget_far_above_the_estimate if {
	_reach(10000000, 3087.47, false) == {{
		"msg": "the budget of 10000000 USD is 3238 times the expected monthly cost of 3087 USD: no alert fires until spend is far beyond what the application should cost",
		"resource": null,
		"pointer": "/spec/budgets/monthlyUsd",
	}}
}

# Ten times is the edge: exactly 10x fails (pins >= against >), just under passes.
test_fail_budget_exactly_ten_times_the_estimate if {
	count(_reach(1000, 100, false)) == 1
}

test_pass_budget_just_under_ten_times_the_estimate if {
	_reach(999.99, 100, false) == set()
}

test_pass_budget_near_the_estimate if {
	_reach(2500, 3087.47, false) == set()
}

# An estimate of 0 USD: a finding, never a division by zero (OPA would stop the run).
test_fail_estimate_of_zero_without_error if {
	_reach(100, 0, false) == {{
		"msg": "the budget of 100 USD cannot be compared with an expected monthly cost of 0 USD",
		"resource": null,
		"pointer": "/spec/budgets/monthlyUsd",
	}}
}

test_fail_estimate_without_expected_cost if {
	count(_reach(100, null, false)) == 1
}

# Unpriced items make the estimate a lower bound: the verdict stands, the message says so.
test_fail_unpriced_items_are_named if {
	_reach(5000, 100, true) == {{
		"msg": "the budget of 5000 USD is 50 times the expected monthly cost of 100 USD: no alert fires until spend is far beyond what the application should cost (the estimate leaves out unpriced items)",
		"resource": null,
		"pointer": "/spec/budgets/monthlyUsd",
	}}
}

test_pass_unpriced_items_within_reach if {
	_reach(500, 100, true) == set()
}

test_pass_without_a_budget if {
	c := {"total": {"expected": 10}, "budget": null, "flags": {}}
	count(cost.budget_beyond_reach) == 0 with input as _cost_input(c)
}
