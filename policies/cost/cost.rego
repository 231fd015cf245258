# Cost: someone hears about spend before the invoice, and GPUs fit the environment.
package llmops.cost

import rego.v1

import data.llmops.lib

# GPU instance allow-lists, by environment class (the data the GPU rule reads).
#
# - development environments (dev, sandbox, test: the dev profile's environments)
#   may use one small NVIDIA GPU: A10G (g5) or L4 (g6), xlarge or 2xlarge. That
#   serves 7-8B models, and quantized 13B ones, for development at the lowest price.
# - every other environment may use any GPU type llmops-iac knows the accelerators
#   of (llmops_iac/compile/instances.py, NVIDIA rows); the compiler rejects the rest.
#
# CPU instance types (e.g. for Text Embeddings Inference) are not restricted.
# Edit the lists here; tests/policy/test_catalogue.py keeps the examples passing.
_gpu_allowlist := {
	"development": {"ml.g5.xlarge", "ml.g5.2xlarge", "ml.g6.xlarge", "ml.g6.2xlarge"},
	"other": {
		"ml.g4dn.xlarge", "ml.g4dn.2xlarge", "ml.g4dn.4xlarge", "ml.g4dn.8xlarge", "ml.g4dn.12xlarge", "ml.g4dn.16xlarge",
		"ml.g5.xlarge", "ml.g5.2xlarge", "ml.g5.4xlarge", "ml.g5.8xlarge", "ml.g5.12xlarge", "ml.g5.16xlarge",
		"ml.g5.24xlarge", "ml.g5.48xlarge",
		"ml.g6.xlarge", "ml.g6.2xlarge", "ml.g6.4xlarge", "ml.g6.8xlarge", "ml.g6.12xlarge", "ml.g6.16xlarge",
		"ml.g6.24xlarge", "ml.g6.48xlarge",
		"ml.g6e.xlarge", "ml.g6e.2xlarge", "ml.g6e.4xlarge", "ml.g6e.8xlarge", "ml.g6e.12xlarge", "ml.g6e.16xlarge",
		"ml.g6e.24xlarge", "ml.g6e.48xlarge",
		"ml.p4d.24xlarge", "ml.p4de.24xlarge", "ml.p5.48xlarge", "ml.p5e.48xlarge", "ml.p5en.48xlarge",
	},
}

_environment_class := "development" if lib.is_development

_environment_class := "other" if not lib.is_development

# METADATA
# title: Budget alerts reach someone
# description: >-
#   Budget alerts go to an SNS topic; with no e-mail subscriber and no other topic to
#   notify, a runaway loop or an abused endpoint is discovered on the invoice.
# related_resources:
#   - ref: https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html
# custom:
#   id: LLM-CST-001
#   severity: warning
#   security: false
#   remediation: Add budgets.notify.emails or budgets.notify.snsTopicArns.
#   frameworks:
#     owasp: [LLM10]
#     nist: [MANAGE 2.1]
#     euAiAct: [Article 17]
#     awsGenAiLens: [GENCOST02-BP01]
#   applies_to: [aws:budgets/budget:Budget]
unheard_budget contains lib.field_result(b, concat("/", [b.source, "notify"]), msg) if {
	some b in lib.resources("aws:budgets/budget:Budget")
	count(_recipients(b)) == 0
	msg := "budget alerts reach nobody: no e-mail subscriber and no SNS topic to notify"
}

# Who a budget's notifications reach: external topic ARNs, and e-mail subscriptions of
# the Plan's topics they publish to.
_recipients(b) := {x |
	some n in object.get(b.inputs, "notifications", [])
	some target in object.get(n, "subscriberSnsTopicArns", [])
	is_string(target)
	x := target
} | {x |
	some n in object.get(b.inputs, "notifications", [])
	some target in object.get(n, "subscriberSnsTopicArns", [])
	is_object(target)
	some s in lib.resources("aws:sns/topicSubscription:TopicSubscription")
	lib.is_ref_to(s.inputs.topic, target.ref)
	x := s.name
} | {x |
	some n in object.get(b.inputs, "notifications", [])
	some address in object.get(n, "subscriberEmailAddresses", [])
	x := address
}

# METADATA
# title: Budgets alert on forecast spend
# description: >-
#   Actual-spend alerts fire once the money is spent; a forecast alert warns while the
#   month can still be saved (a traffic spike, a scale-out that did not scale in).
# related_resources:
#   - ref: https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-best-practices.html
# custom:
#   id: LLM-CST-002
#   severity: warning
#   security: false
#   remediation: Set budgets.forecastAlerts to true.
#   frameworks:
#     owasp: [LLM10]
#     nist: [MANAGE 2.1]
#     euAiAct: [Article 17]
#     awsGenAiLens: [GENCOST02-BP01]
#   applies_to: [aws:budgets/budget:Budget]
no_forecast_alert contains lib.field_result(b, concat("/", [b.source, "forecastAlerts"]), "the budget has no alert on forecast spend") if {
	some b in lib.resources("aws:budgets/budget:Budget")
	not _has_forecast(b)
}

_has_forecast(b) if {
	some n in object.get(b.inputs, "notifications", [])
	n.notificationType == "FORECASTED"
}

# METADATA
# title: GPU instance types fit the environment
# description: >-
#   Development environments serve models on one small GPU (ml.g5/ml.g6, xlarge or
#   2xlarge); larger and multi-GPU instances cost from several to a hundred dollars an
#   hour each and belong to environments that carry production traffic. Other
#   environments may use any GPU type llmops-iac knows. The allow-lists are data at the
#   top of policies/cost/cost.rego.
# related_resources:
#   - ref: https://aws.amazon.com/sagemaker/pricing/
# custom:
#   id: LLM-CST-003
#   severity: error
#   security: false
#   remediation: >-
#     Choose an allowed instance type for the environment (override instanceType in
#     spec.environments.<env>.models), or quantize the model to fit a smaller GPU.
#   frameworks:
#     owasp: [LLM10]
#     nist: [MANAGE 2.1]
#     awsGenAiLens: [GENCOST02-BP02, GENCOST01-BP01]
#   applies_to: [aws:sagemaker/endpointConfiguration:EndpointConfiguration]
gpu_not_allowed contains lib.field_result(r, _instance_type_field(r, i), msg) if {
	some r in lib.resources("aws:sagemaker/endpointConfiguration:EndpointConfiguration")
	some i, variant in r.inputs.productionVariants
	_accelerated(variant.instanceType)
	not variant.instanceType in _gpu_allowlist[_environment_class]
	msg := sprintf(
		"%s uses %s, which is not allowed in environment %s (%s GPU allow-list)",
		[r.name, variant.instanceType, input.context.environment, _environment_class],
	)
}

_accelerated(instance_type) if regex.match(`^ml\.(g|p|inf|trn)[0-9]`, instance_type)

# Where the instance type of an endpoint's i-th variant is written: the variant's own, else the model's.
_instance_type_field(r, i) := pointer if {
	pointer := sprintf("%s/variants/%d/instanceType", [r.source, i])
	lib.spec_at(pointer) != null
}

_instance_type_field(r, i) := concat("/", [r.source, "instanceType"]) if {
	lib.spec_at(sprintf("%s/variants/%d/instanceType", [r.source, i])) == null
}

# METADATA
# title: No provisioned throughput outside production
# description: >-
#   Bedrock provisioned throughput is bought by the model unit and hour whether or not
#   it is used (thousands of dollars a month per unit); development and test traffic
#   runs on demand.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/prov-throughput.html
# custom:
#   id: LLM-CST-004
#   severity: warning
#   security: false
#   remediation: >-
#     Set provisionedThroughput to 0 for this environment (spec.environments.<env>.models
#     .<model>.provisionedThroughput: 0).
#   frameworks:
#     owasp: [LLM10]
#     nist: [MANAGE 2.1]
#     awsGenAiLens: [GENCOST02-BP01]
#   applies_to: [aws:bedrock/inferenceProfile:InferenceProfile]
provisioned_outside_production contains lib.field_result(r, concat("/", [r.source, "provisionedThroughput"]), msg) if {
	not lib.is_production
	some r in lib.resources("aws:bedrock/inferenceProfile:InferenceProfile")
	units := object.get(r, ["meta", "provisionedThroughput"], 0)
	units > 0
	msg := sprintf(
		"model %s buys %d model units of provisioned throughput in environment %s",
		[lib.model_name(r), units, input.context.environment],
	)
}

# METADATA
# title: The estimated monthly cost fits the budget
# description: >-
#   At the declared expected traffic, the cost estimate (price table × Plan) exceeds
#   spec.budgets.monthlyUsd: the budget will alert every month, or the traffic
#   assumptions are wrong.
# related_resources:
#   - ref: https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-managing-costs.html
# custom:
#   id: LLM-CST-005
#   severity: warning
#   security: false
#   remediation: >-
#     Run `llmops-iac cost <spec>` to see which resources drive the estimate; raise
#     budgets.monthlyUsd, lower the expected traffic or choose cheaper models or instances.
#   frameworks:
#     owasp: [LLM10]
#     nist: [MANAGE 2.1]
#     awsGenAiLens: [GENCOST01-BP01]
#   applies_to: [cost:estimate]
estimate_over_budget contains lib.spec_result("/spec/budgets/monthlyUsd", msg) if {
	input.cost.flags.overBudgetAtExpected
	msg := sprintf(
		"expected monthly cost %d USD exceeds the budget of %d USD",
		[round(input.cost.total.expected), round(input.cost.budget.monthlyUsd)],
	)
}

# METADATA
# title: The model fits its GPU
# description: >-
#   Weights for the dtype or quantization, the KV cache for the declared context length
#   and concurrency, and the runtime overhead must fit the GPU memory of the instance
#   type across its tensor-parallel degree; otherwise the endpoint never becomes healthy.
# related_resources:
#   - ref: https://docs.aws.amazon.com/sagemaker/latest/dg/large-model-inference-choosing-instance-types.html
# custom:
#   id: LLM-CST-006
#   severity: error
#   security: false
#   remediation: >-
#     Choose one of the instance types the finding lists, quantize the weights (awq/gptq)
#     or lower maxContextTokens / maxConcurrentRequests.
#   frameworks:
#     owasp: [LLM10]
#     nist: [MEASURE 2.6]
#     awsGenAiLens: [GENPERF01-BP01]
#   applies_to: [cost:estimate]
gpu_misfit contains lib.spec_result(g.source, g.message) if {
	some g in input.cost.gpu
	g.status == "misfit"
}

# METADATA
# title: GPUs are not left mostly idle
# description: >-
#   A model that uses under a quarter of its instance's GPU memory pays for capacity it
#   cannot use; a smaller instance type serves it for less.
# custom:
#   id: LLM-CST-007
#   severity: warning
#   security: false
#   remediation: Choose a smaller GPU instance type, or serve more concurrent requests per instance.
#   frameworks:
#     owasp: [LLM10]
#     nist: [MANAGE 2.1]
#     awsGenAiLens: [GENCOST02-BP01]
#   applies_to: [cost:estimate]
gpu_underused contains lib.spec_result(g.source, g.message) if {
	some g in input.cost.gpu
	g.status == "underused"
}

# METADATA
# title: A budget alert fires by the time the budget is spent
# description: >-
#   Actual-spend alerts above 100 % fire only once the month's budget is already
#   overspent: with no alert at or below 100 %, nobody hears about a runaway loop or an
#   abused endpoint until the money is gone. (The forecast alert does not make up for it:
#   AWS forecasts only after weeks of spend history, which a new application lacks.) An extra
#   escalation alert above 100 % is fine next to one at or below it; the schema refuses
#   thresholds over 1,000 %.
# related_resources:
#   - ref: https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-best-practices.html
# custom:
#   id: LLM-CST-008
#   severity: warning
#   security: false
#   remediation: >-
#     Add an alert at or below 100 % to budgets.alertThresholdsPercent (the default is
#     50, 80 and 100).
#   frameworks:
#     owasp: [LLM10]
#     nist: [MANAGE 2.1]
#     euAiAct: [Article 17]
#     awsGenAiLens: [GENCOST02-BP01]
#   applies_to: [aws:budgets/budget:Budget]
late_budget_alerts contains result if {
	some b in lib.resources("aws:budgets/budget:Budget")
	notes := [n | some n in object.get(b.inputs, "notifications", []); object.get(n, "notificationType", "") == "ACTUAL"]
	not _alerts_in_time(b, notes)
	thresholds := [sprintf("%v %%", [object.get(n, "threshold", null)]) | some n in notes]
	msg := sprintf("no actual-spend alert fires until the budget is overspent: %s", [_late_alerts(thresholds)])
	result := {"msg": msg, "resource": b.name, "pointer": concat("", [b.source, "/alertThresholdsPercent"])}
}

_late_alerts(thresholds) := sprintf("the alerts are at %s", [lib.join(", ", thresholds)]) if count(thresholds) > 0

_late_alerts(thresholds) := "the budget has no actual-spend alert" if count(thresholds) == 0

# One actual-spend alert at or below the budget: a percentage of it (the default threshold
# type), or an absolute amount no higher than the budget.
_alerts_in_time(_, notes) if {
	some n in notes
	object.get(n, "thresholdType", "PERCENTAGE") == "PERCENTAGE"
	is_number(n.threshold)
	n.threshold <= 100
}

_alerts_in_time(b, notes) if {
	some n in notes
	n.thresholdType == "ABSOLUTE_VALUE"
	is_number(n.threshold)
	limit := object.get(b, ["meta", "monthlyUsd"], null)
	is_number(limit)
	n.threshold <= limit
}

# How many times the expected monthly cost a budget may be before no alert of it fires in a
# month that goes as expected: an alert at 50 % of a budget ten times the estimate fires
# only at five times the expected spend.
_max_budget_to_estimate := 10

# METADATA
# title: The budget is within reach of the estimate
# description: >-
#   A budget ten or more times the expected monthly cost (the estimate at the declared
#   traffic) lets spend grow tenfold before the 100 % alert fires, and half that before
#   the first default alert: the budget alerts no one in time. An estimate of 0 USD, or
#   one that leaves out unpriced items, cannot show the budget is in reach, so the
#   budget is judged against it all the same (strictly).
# related_resources:
#   - ref: https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-managing-costs.html
# custom:
#   id: LLM-CST-009
#   severity: warning
#   security: false
#   remediation: >-
#     Lower budgets.monthlyUsd to what the application should cost (run `llmops-iac cost
#     <spec>` for the estimate), or declare the traffic that justifies it in
#     budgets.expectedTraffic.
#   frameworks:
#     owasp: [LLM10]
#     nist: [MANAGE 2.1]
#     awsGenAiLens: [GENCOST01-BP01, GENCOST02-BP01]
#   applies_to: [cost:estimate]
budget_beyond_reach contains lib.spec_result("/spec/budgets/monthlyUsd", msg) if {
	budget := object.get(input.cost, ["budget", "monthlyUsd"], null)
	is_number(budget)
	expected := object.get(input.cost, ["total", "expected"], null)
	not _within_reach(budget, expected)
	msg := sprintf("the budget of %d USD %s%s", [round(budget), _reach(budget, expected), _unpriced])
}

_within_reach(budget, expected) if {
	is_number(expected)
	budget < _max_budget_to_estimate * expected
}

# No division when the estimate is 0 (or not a number): OPA stops on a division by zero.
_reach(budget, expected) := sprintf(
	"is %d times the expected monthly cost of %d USD: no alert fires until spend is far beyond what the application should cost",
	[floor(budget / expected), round(expected)],
) if {
	is_number(expected)
	expected > 0
}

_reach(_, expected) := "cannot be compared with an expected monthly cost of 0 USD" if {
	is_number(expected)
	expected <= 0
}

_reach(_, expected) := "cannot be compared with the estimate: it has no expected monthly cost" if not is_number(expected)

_unpriced := " (the estimate leaves out unpriced items)" if object.get(input.cost, ["flags", "unpricedItems"], false) == true

_unpriced := "" if object.get(input.cost, ["flags", "unpricedItems"], false) != true
