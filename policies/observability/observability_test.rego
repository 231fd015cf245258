package llmops.observability_test

import rego.v1

import data.llmops.observability

# Each test environment's declared tier (a tier is declared in the spec, never read from a name).
_tiers := {"prod": "production", "production": "production", "default": "staging", "staging": "staging", "dev": "development", "sandbox": "development"}

_context(environment) := {
	"environment": environment,
	"tier": _tiers[environment],
	"productionEnvironments": ["prod", "production"],
}

_input(environment, classification, spec, resources) := {
	"spec": {"metadata": {"dataClassification": classification}, "spec": spec},
	"plan": {"resources": resources},
	"context": _context(environment),
}

_resource(name, type, source, inputs, meta) := {
	"name": name,
	"type": type,
	"source": source,
	"inputs": inputs,
	"meta": meta,
}

_profile(model) := _resource(
	sprintf("model-%s-profile", [model]),
	"aws:bedrock/inferenceProfile:InferenceProfile",
	sprintf("/spec/models/%s", [model]),
	{},
	{"guardrails": ["g"]},
)

_logging(include_content) := _resource(
	"invocation-logging",
	"aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration",
	"/spec/monitoring/invocationLogging",
	{"loggingConfig": {"textDataDeliveryEnabled": include_content}},
	{"includeContent": include_content},
)

_log_group(days) := _resource(
	"invocation-logs",
	"aws:cloudwatch/logGroup:LogGroup",
	"/spec/monitoring/invocationLogging",
	{"retentionInDays": days},
	{},
)

_alarm(name, actions, meta) := _resource(
	name,
	"aws:cloudwatch/metricAlarm:MetricAlarm",
	"/spec/monitoring/alarms/0",
	{"alarmActions": actions},
	meta,
)

_topic := {"ref": "alarm-topic", "attr": "arn"}

# -- LLM-OBS-001 --------------------------------------------------------------------------------

test_fail_bedrock_models_without_invocation_logging if {
	observability.invocations_not_logged == {{
		"msg": "Bedrock models (a, b) are invoked without model invocation logging",
		"resource": null,
		"pointer": "/spec/monitoring/invocationLogging/enabled",
	}} with input as _input("default", "internal", {}, [_profile("b"), _profile("a")])
}

test_pass_invocation_logging_on if {
	inp := _input("default", "internal", {}, [_profile("a"), _logging(false)])
	observability.invocations_not_logged == set() with input as inp
}

test_pass_no_bedrock_model if {
	observability.invocations_not_logged == set() with input as _input("default", "internal", {}, [])
}

# -- LLM-OBS-002 --------------------------------------------------------------------------------

test_fail_restricted_content_logged if {
	observability.content_logged == {{
		"msg": "invocation logs hold prompt and response text of a restricted application",
		"resource": "invocation-logging",
		"pointer": "/spec/monitoring/invocationLogging/includeContent",
	}} with input as _input("dev", "restricted", {}, [_logging(true)])
}

test_fail_confidential_content_logged_in_production if {
	observability.content_logged == {{
		"msg": "invocation logs hold prompt and response text of a confidential application in prod",
		"resource": "invocation-logging",
		"pointer": "/spec/monitoring/invocationLogging/includeContent",
	}} with input as _input("prod", "confidential", {}, [_logging(true)])
}

test_pass_confidential_content_logged_in_development if {
	observability.content_logged == set() with input as _input("dev", "confidential", {}, [_logging(true)])
}

test_pass_restricted_metadata_only if {
	observability.content_logged == set() with input as _input("prod", "restricted", {}, [_logging(false)])
}

# -- LLM-OBS-003 --------------------------------------------------------------------------------

test_fail_retention_under_30_days if {
	observability.short_retention == {{
		"msg": "log group invocation-logs keeps logs 14 days (at least 30)",
		"resource": "invocation-logs",
		"pointer": "/spec/monitoring/logRetentionDays",
	}} with input as _input("default", "internal", {}, [_log_group(14)])
}

test_pass_retention_30_days if {
	observability.short_retention == set() with input as _input("default", "internal", {}, [_log_group(30)])
}

test_pass_retention_forever if {
	forever := _resource("invocation-logs", "aws:cloudwatch/logGroup:LogGroup", "/spec", {}, {})
	observability.short_retention == set() with input as _input("default", "internal", {}, [forever])
}

# -- LLM-OBS-004 --------------------------------------------------------------------------------

test_fail_retention_under_180_days if {
	observability.short_production_retention == {{
		"msg": "log group invocation-logs keeps logs 90 days (at least 180 for production)",
		"resource": "invocation-logs",
		"pointer": "/spec/monitoring/logRetentionDays",
	}} with input as _input("prod", "internal", {}, [_log_group(90)])
}

test_pass_retention_180_days if {
	observability.short_production_retention == set() with input as _input("prod", "internal", {}, [_log_group(180)])
}

# -- LLM-OBS-005 --------------------------------------------------------------------------------

test_fail_alarm_without_actions if {
	observability.silent_alarm == {{
		"msg": "alarm alarm-errors-a notifies nobody",
		"resource": "alarm-errors-a",
		"pointer": "/spec/monitoring/notify",
	}} with input as _input("default", "internal", {}, [_alarm("alarm-errors-a", [], {})])
}

test_pass_alarm_publishes_to_a_topic if {
	inp := _input("default", "internal", {}, [_alarm("alarm-errors-a", [_topic], {})])
	observability.silent_alarm == set() with input as inp
}

# -- LLM-OBS-006 --------------------------------------------------------------------------------

test_fail_alarm_without_runbook if {
	spec := {"monitoring": {"alarms": [
		{
			"name": "errors", "metric": "invocation-errors", "threshold": 5,
			"runbookUrl": "https://runbooks.example.com/errors",
		},
		{"name": "latency", "metric": "model-latency-p99-ms", "threshold": 9000},
	]}}
	observability.missing_runbook == {{
		"msg": "alarm latency has no runbook URL",
		"resource": null,
		"pointer": "/spec/monitoring/alarms/1/runbookUrl",
	}} with input as _input("default", "internal", spec, [])
}

test_pass_alarms_with_runbooks if {
	spec := {
		"monitoring": {
			"alarms": [
				{
					"name": "errors",
					"metric": "invocation-errors",
					"threshold": 5,
					"runbookUrl": "https://runbooks.example.com/errors",
				},
			],
		},
	}
	observability.missing_runbook == set() with input as _input("default", "internal", spec, [])
}

# -- LLM-OBS-007 --------------------------------------------------------------------------------

test_fail_no_dashboard if {
	observability.no_dashboard == {{
		"msg": "the application has no CloudWatch dashboard",
		"resource": null,
		"pointer": "/spec/monitoring/dashboard",
	}} with input as _input("default", "internal", {}, [_profile("a")])
}

test_pass_dashboard if {
	dashboard := _resource("dashboard", "aws:cloudwatch/dashboard:Dashboard", "/spec/monitoring/dashboard", {}, {})
	observability.no_dashboard == set() with input as _input("default", "internal", {}, [dashboard])
}

# -- LLM-OBS-008 --------------------------------------------------------------------------------

test_fail_model_without_error_alarm if {
	latency := _alarm("alarm-latency-a", [_topic], {"target": "a", "metric": "model-latency-p99-ms"})
	observability.no_error_alarm == {{
		"msg": "model a has no alarm on invocation errors",
		"resource": "model-a-profile",
		"pointer": "/spec/monitoring/alarms",
	}} with input as _input("default", "internal", {}, [_profile("a"), latency])
}

test_pass_declared_error_alarm if {
	errors := _alarm("alarm-errors-a", [_topic], {"target": "a", "metric": "invocation-errors"})
	observability.no_error_alarm == set() with input as _input("default", "internal", {}, [_profile("a"), errors])
}

test_pass_endpoint_rollback_alarm_counts if {
	endpoint := _resource(
		"endpoint-llama",
		"aws:sagemaker/endpoint:Endpoint",
		"/spec/models/llama",
		{},
		{"guardrails": ["g"]},
	)
	builtin := _alarm("endpoint-llama-alarm-invocation-5xx", [_topic], {"builtin": "invocation-5xx", "target": "llama"})
	observability.no_error_alarm == set() with input as _input("default", "internal", {}, [endpoint, builtin])
}

# -- LLM-OBS-009 --------------------------------------------------------------------------------

# 2,880 requests a day at a peak of 3x the average: 0.1 a second at the peak, 30 in 300 seconds.
_traffic := {
	"budgets": {"expectedTraffic": {"requestsPerDay": 2880, "peakToAverage": 3}},
	"models": {"a": {}},
	"monitoring": {"alarms": [{"name": "a-errors"}]},
}

_metric_alarm(metric, namespace, metric_name, threshold) := _resource(
	sprintf("alarm-a-%s-a", [metric]),
	"aws:cloudwatch/metricAlarm:MetricAlarm",
	"/spec/monitoring/alarms/0",
	{
		"namespace": namespace, "metricName": metric_name, "threshold": threshold,
		"comparisonOperator": "GreaterThanThreshold", "period": 300, "alarmActions": [_topic],
	},
	{"target": "a", "metric": metric},
)

_unreachable(environment, spec, alarm) := found if {
	found := observability.unreachable_alarm with input as _input(environment, "internal", spec, [alarm])
}

_bedrock_latency(ms) := _metric_alarm("model-latency-p99-ms", "AWS/Bedrock", "InvocationLatency", ms)

_sagemaker_latency(ms) := _metric_alarm("model-latency-p99-ms", "AWS/SageMaker", "ModelLatency", ms * 1000)

_errors(threshold) := _metric_alarm("invocation-errors", "AWS/Bedrock", "InvocationServerErrors", threshold)

test_fail_bedrock_latency_beyond_its_timeout if {
	_unreachable("dev", _traffic, _bedrock_latency(4000000)) == {{
		"msg": "alarm a-errors fires above a p99 latency of 4000000 ms, which no invocation reaches: an Amazon Bedrock invocation ends within 60 minutes",
		"resource": "alarm-a-model-latency-p99-ms-a",
		"pointer": "/spec/monitoring/alarms/0/threshold",
	}}
}

# The timeout is the edge: a GreaterThanThreshold alarm at it cannot fire (pins >= against >).
test_fail_bedrock_latency_at_its_timeout if {
	count(_unreachable("prod", _traffic, _bedrock_latency(3600000))) == 1
}

test_pass_bedrock_latency_under_its_timeout if {
	_unreachable("prod", _traffic, _bedrock_latency(3599999)) == set()
}

test_fail_sagemaker_latency_at_its_timeout if {
	count(_unreachable("staging", _traffic, _sagemaker_latency(60000))) == 1
}

test_pass_sagemaker_latency_under_its_timeout if {
	_unreachable("prod", _traffic, _sagemaker_latency(59999)) == set()
}

test_fail_error_count_beyond_peak_traffic if {
	_unreachable("prod", _traffic, _errors(1000000)) == {{
		"msg": "alarm a-errors fires above 1000000 invocation-errors in 300 seconds, but the declared peak traffic (2880 requests a day x 3) makes at most 30 in 300 seconds: it never fires",
		"resource": "alarm-a-invocation-errors-a",
		"pointer": "/spec/monitoring/alarms/0/threshold",
	}}
}

# Every request of the period failing is the edge: a threshold of 30 cannot be exceeded, 29.9 can.
test_fail_error_count_at_peak_traffic if {
	count(_unreachable("prod", _traffic, _errors(30))) == 1
}

test_pass_error_count_under_peak_traffic if {
	_unreachable("prod", _traffic, _errors(29.9)) == set()
}

# Counts are judged against the traffic production declares: elsewhere fewer requests are declared
# and production's alarms are inherited.
test_pass_error_count_outside_production if {
	_unreachable("dev", _traffic, _errors(1000000)) == set()
	_unreachable("staging", _traffic, _errors(1000000)) == set()
}

test_fail_guardrail_interventions_beyond_two_per_request if {
	alarm := _metric_alarm("guardrail-interventions", "AWS/Bedrock/Guardrails", "InvocationsIntervened", 60)
	count(_unreachable("prod", _traffic, alarm)) == 1
}

test_pass_guardrail_interventions_within_two_per_request if {
	alarm := _metric_alarm("guardrail-interventions", "AWS/Bedrock/Guardrails", "InvocationsIntervened", 59)
	_unreachable("prod", _traffic, alarm) == set()
}

# Token alarms fire above the expected usage by design: not judged.
test_pass_token_alarm_above_expected_usage if {
	alarm := _metric_alarm("output-tokens", "AWS/Bedrock", "OutputTokenCount", 999999999)
	_unreachable("prod", _traffic, alarm) == set()
}

# No declared traffic (or no number), no count bound; zero declared traffic is a bound of zero.
test_pass_without_declared_traffic if {
	_unreachable("prod", {"models": {"a": {}}}, _errors(1000000)) == set()
	_unreachable("prod", {"budgets": {"expectedTraffic": {"requestsPerDay": "many", "peakToAverage": 3}}}, _errors(1000000)) == set()
}

test_fail_any_count_alarm_at_zero_declared_traffic if {
	spec := {"budgets": {"expectedTraffic": {"requestsPerDay": 0, "peakToAverage": 3}}}
	count(_unreachable("prod", spec, _errors(0))) == 1
}

# Odd alarms are not evaluation errors: no threshold, no period, another operator.
test_pass_odd_alarms_without_error if {
	odd := _resource("alarm-odd", "aws:cloudwatch/metricAlarm:MetricAlarm", "/spec/monitoring/alarms/5", {"namespace": "AWS/Bedrock", "metricName": "InvocationLatency", "comparisonOperator": "GreaterThanThreshold"}, {"metric": "invocation-errors"})
	_unreachable("prod", _traffic, odd) == set()
	lower := json.patch(_bedrock_latency(4000000), [{"op": "replace", "path": "/inputs/comparisonOperator", "value": "LessThanThreshold"}])
	_unreachable("prod", _traffic, lower) == set()
}

test_fail_greater_or_equal_just_beyond_the_timeout if {
	alarm := json.patch(_bedrock_latency(3600001), [{"op": "replace", "path": "/inputs/comparisonOperator", "value": "GreaterThanOrEqualToThreshold"}])
	count(_unreachable("prod", _traffic, alarm)) == 1
	at := json.patch(_bedrock_latency(3600000), [{"op": "replace", "path": "/inputs/comparisonOperator", "value": "GreaterThanOrEqualToThreshold"}])
	_unreachable("prod", _traffic, at) == set()
}

# An alarm the spec does not declare is named by its logical name.
test_fail_undeclared_alarm_named_by_its_resource if {
	some f in _unreachable("prod", {}, _bedrock_latency(4000000))
	startswith(f.msg, "alarm alarm-a-model-latency-p99-ms-a fires")
}
