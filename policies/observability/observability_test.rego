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
		"pointer": "/spec/monitoring/invocationLogging",
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
		"pointer": "/spec/monitoring/invocationLogging",
	}} with input as _input("dev", "restricted", {}, [_logging(true)])
}

test_fail_confidential_content_logged_in_production if {
	observability.content_logged == {{
		"msg": "invocation logs hold prompt and response text of a confidential application in prod",
		"resource": "invocation-logging",
		"pointer": "/spec/monitoring/invocationLogging",
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
		"pointer": "/spec/monitoring/invocationLogging",
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
		"pointer": "/spec/monitoring/invocationLogging",
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
		"pointer": "/spec/monitoring/alarms/0",
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
		"pointer": "/spec/monitoring/alarms/1",
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
		"pointer": "/spec/models/a",
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
