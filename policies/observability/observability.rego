# Observability: invocations are recorded, kept long enough, and someone is paged with a runbook.
package llmops.observability

import rego.v1

import data.llmops.lib

_alarm_type := "aws:cloudwatch/metricAlarm:MetricAlarm"

_logging_type := "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration"

# METADATA
# title: Bedrock model invocations are logged
# description: >-
#   Model invocation logging is the record of who asked what, when, with which model -
#   needed to investigate abuse, answer complaints and evidence how the system behaved.
#   It is one setting per account and region: if another application of the account
#   owns it, waive this rule with that application's name as the reason.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html
# custom:
#   id: LLM-OBS-001
#   severity: error
#   security: true
#   remediation: Set monitoring.invocationLogging.enabled to true.
#   frameworks:
#     owasp: [LLM01, LLM10]
#     nist: [MEASURE 2.4, MANAGE 4.1]
#     euAiAct: [Article 12, Article 19]
#     awsGenAiLens: [GENSEC01-BP04, GENOPS02-BP02]
#   applies_to: [aws:bedrock/inferenceProfile:InferenceProfile]
invocations_not_logged contains lib.spec_result("/spec/monitoring/invocationLogging/enabled", msg) if {
	models := sort([lib.model_name(r) | some r in lib.resources("aws:bedrock/inferenceProfile:InferenceProfile")])
	count(models) > 0
	not lib.has_resource_type(_logging_type)
	msg := sprintf("Bedrock models (%s) are invoked without model invocation logging", [lib.join(", ", models)])
}

# METADATA
# title: Prompt and response text of sensitive applications is logged only under a waiver
# description: >-
#   With includeContent, invocation logs hold every prompt and answer in full: a second,
#   long-lived copy of the application's most sensitive data, readable by whoever can read
#   the logs. For restricted data (and confidential data in production) that copy needs
#   an explicit, time-limited decision: a waiver naming its reason and owner.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html
# custom:
#   id: LLM-OBS-002
#   severity: error
#   security: true
#   remediation: >-
#     Set monitoring.invocationLogging.includeContent to false (metadata only), or record
#     a waiver with the reason, owner and expiry.
#   frameworks:
#     owasp: [LLM02]
#     nist: [MEASURE 2.10]
#     euAiAct: [Article 10]
#     awsGenAiLens: [GENSEC01-BP04]
#   applies_to: [aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration]
content_logged contains lib.field_result(r, "/spec/monitoring/invocationLogging/includeContent", msg) if {
	_content_sensitive
	some r in lib.resources(_logging_type)
	_logs_content(r)
	msg := sprintf("invocation logs hold prompt and response text of a %s application%s", [lib.classification, _where])
}

_content_sensitive if lib.classification == "restricted"

_content_sensitive if {
	lib.classification == "confidential"
	lib.is_production
}

_where := sprintf(" in %s", [input.context.environment]) if lib.is_production

_where := "" if not lib.is_production

_logs_content(r) if object.get(r, ["meta", "includeContent"], false) == true

_logs_content(r) if object.get(r.inputs, ["loggingConfig", "textDataDeliveryEnabled"], false) == true

# METADATA
# title: Logs are kept at least 30 days
# description: >-
#   Invocation and endpoint logs kept for less than a month are gone before most
#   incidents, complaints or abuse reports are investigated.
# related_resources:
#   - ref: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention
# custom:
#   id: LLM-OBS-003
#   severity: error
#   security: false
#   remediation: Set monitoring.logRetentionDays to 30 or more.
#   frameworks:
#     nist: [MEASURE 2.4, MANAGE 4.1]
#     euAiAct: [Article 12]
#     awsGenAiLens: [GENOPS02-BP01]
#   applies_to: [aws:cloudwatch/logGroup:LogGroup]
short_retention contains lib.field_result(r, _retention_field, sprintf("log group %s keeps logs %d days (at least 30)", [r.name, days])) if {
	some r in lib.resources("aws:cloudwatch/logGroup:LogGroup")
	days := _retention(r)
	days < 30
}

# METADATA
# title: Production logs are kept at least 180 days
# description: >-
#   The EU AI Act has providers and deployers of high-risk systems keep the logs the
#   system generates for at least six months (Articles 19 and 26(6)); 180 days also
#   covers most audit and dispute windows.
# related_resources:
#   - ref: https://artificialintelligenceact.eu/article/19/
#   - ref: https://artificialintelligenceact.eu/article/26/
# custom:
#   id: LLM-OBS-004
#   severity: note
#   security: false
#   remediation: Set monitoring.logRetentionDays to 180 or more (in spec.environments.prod for production only).
#   frameworks:
#     nist: [MANAGE 4.1]
#     euAiAct: [Article 19, Article 26]
#     awsGenAiLens: [GENOPS02-BP01]
#   applies_to: [aws:cloudwatch/logGroup:LogGroup]
short_production_retention contains lib.field_result(r, _retention_field, msg) if {
	some r in lib.resources("aws:cloudwatch/logGroup:LogGroup")
	days := _retention(r)
	days < 180
	msg := sprintf("log group %s keeps logs %d days (at least 180 for production)", [r.name, days])
}

# Every log group keeps its logs monitoring.logRetentionDays.
_retention_field := "/spec/monitoring/logRetentionDays"

# Retention in days; a log group without retention keeps logs forever.
_retention(r) := r.inputs.retentionInDays if r.inputs.retentionInDays > 0

# METADATA
# title: Alarms notify someone
# description: >-
#   An alarm without an action changes colour on a dashboard nobody is watching. Every
#   alarm publishes to the application's alarm topic or to an existing SNS topic.
# related_resources:
#   - ref: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
# custom:
#   id: LLM-OBS-005
#   severity: warning
#   security: false
#   remediation: Add monitoring.notify.emails or monitoring.notify.snsTopicArns.
#   frameworks:
#     owasp: [LLM10]
#     nist: [MANAGE 4.1, MANAGE 4.3]
#     euAiAct: [Article 72]
#     awsGenAiLens: [GENOPS02-BP01]
#   applies_to: [aws:cloudwatch/metricAlarm:MetricAlarm]
silent_alarm contains lib.field_result(r, "/spec/monitoring/notify", sprintf("alarm %s notifies nobody", [r.name])) if {
	some r in lib.resources(_alarm_type)
	count(object.get(r.inputs, "alarmActions", [])) == 0
}

# METADATA
# title: Alarms link a runbook
# description: >-
#   Whoever is paged at night needs to know what the alarm means and what to do; a runbook
#   URL in the alarm shortens the time to mitigate and keeps the response consistent.
# related_resources:
#   - ref: https://docs.aws.amazon.com/wellarchitected/latest/operational-excellence-pillar/ops_ready_to_support_use_runbooks.html
# custom:
#   id: LLM-OBS-006
#   severity: warning
#   security: false
#   remediation: Add runbookUrl to the alarm.
#   frameworks:
#     nist: [MANAGE 4.3, MANAGE 2.3]
#     euAiAct: [Article 72]
#     awsGenAiLens: [GENOPS02-BP01]
#   applies_to: [spec:monitoring]
missing_runbook contains lib.spec_result(pointer, msg) if {
	some i, alarm in object.get(lib.spec_section("monitoring"), "alarms", [])
	object.get(alarm, "runbookUrl", "") == ""
	pointer := sprintf("/spec/monitoring/alarms/%d/runbookUrl", [i])
	msg := sprintf("alarm %s has no runbook URL", [alarm.name])
}

# METADATA
# title: A dashboard shows the application's health
# description: >-
#   One dashboard with every model's invocations, latency, errors and tokens and every
#   guardrail's interventions is where an incident starts and where drift shows first.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring.html
# custom:
#   id: LLM-OBS-007
#   severity: warning
#   security: false
#   remediation: Set monitoring.dashboard to true.
#   frameworks:
#     nist: [MEASURE 2.4]
#     euAiAct: [Article 72]
#     awsGenAiLens: [GENOPS02-BP01, GENOPS02-BP02]
#   applies_to: [spec:monitoring]
no_dashboard contains lib.spec_result("/spec/monitoring/dashboard", "the application has no CloudWatch dashboard") if {
	not lib.has_resource_type("aws:cloudwatch/dashboard:Dashboard")
}

# METADATA
# title: Every model has an error alarm
# description: >-
#   Errors are the first sign of a broken deployment, a quota or an outage: each model
#   has an alarm on its invocation errors (for a SageMaker endpoint, its built-in 5xx
#   rollback alarm counts).
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring.html
# custom:
#   id: LLM-OBS-008
#   severity: warning
#   security: false
#   remediation: >-
#     Add a monitoring.alarms entry with metric invocation-errors (or invocation-5xx)
#     targeting the model.
#   frameworks:
#     nist: [MEASURE 2.4, MANAGE 4.1]
#     euAiAct: [Article 72]
#     awsGenAiLens: [GENOPS02-BP02]
#   applies_to: [aws:bedrock/inferenceProfile:InferenceProfile, aws:sagemaker/endpoint:Endpoint]
no_error_alarm contains lib.field_result(r, "/spec/monitoring/alarms", sprintf("model %s has no alarm on invocation errors", [lib.model_name(r)])) if {
	some r in lib.resources_of(lib.model_types)
	lib.is_model_resource(r)
	not _error_alarm(lib.model_name(r))
}

_error_alarm(model) if {
	some a in lib.resources(_alarm_type)
	object.get(a, ["meta", "target"], "") == model
	_error_metric(a.meta)
}

_error_metric(meta) if object.get(meta, "metric", "") in {"invocation-errors", "invocation-5xx"}

_error_metric(meta) if object.get(meta, "builtin", "") == "invocation-5xx"

# What an alarm's metric can reach, per metric (read by LLM-OBS-009).
#
# Latency: a model's p99 cannot exceed the longest an invocation may take - 60 minutes for
# Amazon Bedrock (its runtime's limit; AWS tells clients to wait up to 3,600 s), 60 seconds
# for a SageMaker real-time endpoint (InvokeEndpoint). CloudWatch reports Bedrock latency
# in milliseconds and SageMaker's in microseconds.
_latency_limits := {
	"AWS/Bedrock": {
		"metricName": "InvocationLatency", "max": 3600000, "perMs": 1,
		"why": "an Amazon Bedrock invocation ends within 60 minutes",
	},
	"AWS/SageMaker": {
		"metricName": "ModelLatency", "max": 60000000, "perMs": 1000,
		"why": "a SageMaker real-time endpoint must answer within 60 seconds",
	},
}

# Counts: invocations of a model that failed, were refused or throttled, per request - one
# (every model sees every request: the cost estimate's upper bound). A guardrail evaluates
# at most the prompt and the answer of each request to each model: two per request per
# model of the application (an upper bound on the models it guards).
_per_request := {"invocation-errors": 1, "invocation-5xx": 1, "invocation-4xx": 1, "throttles": 1}

_requests_per_day := object.get(lib.spec_section("budgets"), ["expectedTraffic", "requestsPerDay"], null)

_peak_to_average := object.get(lib.spec_section("budgets"), ["expectedTraffic", "peakToAverage"], null)

# METADATA
# title: Alarm thresholds are reachable
# description: >-
#   An alarm whose threshold its metric cannot reach never pages anyone, yet counts as
#   the model's error or latency alarm. A p99 latency alarm fires only below the longest
#   an invocation may take (60 minutes on Amazon Bedrock, 60 seconds on a SageMaker
#   real-time endpoint). In production, an alarm on invocation errors, 5xx, 4xx,
#   throttles or guardrail interventions fires only below what the declared peak traffic
#   (budgets.expectedTraffic: requests a day x peak-to-average) can produce in one
#   period: above it, even every request failing does not fire it. Token alarms are not
#   judged: a threshold above the expected usage is what they are for.
# related_resources:
#   - ref: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring.html
#   - ref: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
# custom:
#   id: LLM-OBS-009
#   severity: warning
#   security: false
#   remediation: >-
#     Lower the alarm's threshold below what its metric can reach (latency under the
#     service's timeout; counts under the requests of one period at the declared peak),
#     or declare the traffic the application really has in budgets.expectedTraffic.
#   frameworks:
#     owasp: [LLM10]
#     nist: [MEASURE 2.4, MANAGE 4.1]
#     euAiAct: [Article 72]
#     awsGenAiLens: [GENOPS02-BP01]
#   applies_to: [aws:cloudwatch/metricAlarm:MetricAlarm]
unreachable_alarm contains _threshold_result(r, msg) if {
	some r in lib.resources(_alarm_type)
	limit := _latency_limits[object.get(r.inputs, "namespace", "")]
	object.get(r.inputs, "metricName", "") == limit.metricName
	_beyond(r.inputs, limit.max)
	msg := sprintf(
		"alarm %s fires above a p99 latency of %d ms, which no invocation reaches: %s",
		[_alarm_name(r), round(r.inputs.threshold / limit.perMs), limit.why],
	)
}

unreachable_alarm contains _threshold_result(r, msg) if {
	lib.is_production
	is_number(_requests_per_day)
	is_number(_peak_to_average)
	some r in lib.resources(_alarm_type)
	metric := object.get(r, ["meta", "metric"], "")
	per_request := _invocations_per_request(metric)
	period := object.get(r.inputs, "period", null)
	is_number(period)
	reach := ((_requests_per_day * _peak_to_average) * period / 86400) * per_request
	_beyond(r.inputs, reach)
	msg := sprintf(
		"alarm %s fires above %d %s in %d seconds, but the declared peak traffic (%d requests a day x %v) makes at most %d in %d seconds: it never fires",
		[_alarm_name(r), round(r.inputs.threshold), metric, period, round(_requests_per_day), _peak_to_average, floor(reach), period],
	)
}

_invocations_per_request(metric) := _per_request[metric]

_invocations_per_request("guardrail-interventions") := 2 * count(lib.spec_section("models"))

# The threshold is beyond what the metric can reach: a GreaterThanThreshold alarm needs the
# metric above it, a GreaterThanOrEqualToThreshold alarm at it.
_beyond(inputs, reach) if {
	object.get(inputs, "comparisonOperator", "") == "GreaterThanThreshold"
	is_number(inputs.threshold)
	inputs.threshold >= reach
}

_beyond(inputs, reach) if {
	object.get(inputs, "comparisonOperator", "") == "GreaterThanOrEqualToThreshold"
	is_number(inputs.threshold)
	inputs.threshold > reach
}

# The finding points at the threshold of the spec's alarm.
_threshold_result(r, msg) := {"msg": msg, "resource": r.name, "pointer": concat("", [r.source, "/threshold"])}

# The spec's name of an alarm (the Plan names one alarm per model it watches), else its
# logical name.
_alarm_name(r) := name if {
	some i
	alarm := _spec_alarms[i]
	sprintf("/spec/monitoring/alarms/%d", [i]) == r.source
	name := object.get(alarm, "name", r.name)
}

_alarm_name(r) := r.name if {
	not _declared_alarm(r.source)
}

_declared_alarm(source) if {
	some i
	_spec_alarms[i]
	sprintf("/spec/monitoring/alarms/%d", [i]) == source
}

_spec_alarms := object.get(lib.spec_section("monitoring"), "alarms", [])
