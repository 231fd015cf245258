package llmops.deployment_test

import rego.v1

import data.llmops.deployment

_input(spec, resources) := {
	"spec": {"spec": spec},
	"plan": {"resources": resources},
	"context": {"environment": "prod"},
}

_alarm_ref(kind) := {"alarmName": {"ref": sprintf("endpoint-llama-alarm-%s", [kind]), "attr": "name"}}

_endpoint(meta, routing, termination, alarms) := {
	"name": "endpoint-llama",
	"type": "aws:sagemaker/endpoint:Endpoint",
	"source": "/spec/models/llama",
	"inputs": {"deploymentConfig": object.union(
		{"blueGreenUpdatePolicy": {"trafficRoutingConfiguration": routing, "terminationWaitInSeconds": termination}},
		{"autoRollbackConfiguration": {"alarms": [_alarm_ref(k) | some k in alarms]} | count(alarms) > 0},
	)},
	"meta": object.union({"strategy": "canary", "minCapacity": 2, "maxCapacity": 4, "guardrails": ["g"]}, meta),
}

_canary(wait) := {
	"type": "CANARY",
	"waitIntervalInSeconds": wait,
	"canarySize": {"type": "CAPACITY_PERCENT", "value": 10},
}

_all_at_once := {"type": "ALL_AT_ONCE", "waitIntervalInSeconds": 0}

# A built-in rollback alarm: datapoints to alarm of one-minute periods.
_alarm(kind, datapoints) := {
	"name": sprintf("endpoint-llama-alarm-%s", [kind]),
	"type": "aws:cloudwatch/metricAlarm:MetricAlarm",
	"source": "/spec/models/llama/deployment",
	"inputs": {"evaluationPeriods": 5, "datapointsToAlarm": datapoints, "metricQueries": [
		{"id": "m0", "metric": {"metricName": "ModelLatency", "period": 60, "stat": "p99"}},
		{"id": "e", "expression": "MAX([m0])"},
	]},
	"meta": {"builtin": kind, "target": "llama"},
}

_model(meta, image) := {
	"name": "endpoint-llama-model-primary",
	"type": "aws:sagemaker/model:Model",
	"source": "/spec/models/llama/instanceType",
	"inputs": {
		"primaryContainer": {"image": image, "environment": {"HF_MODEL_ID": "meta-llama/Meta-Llama-3-8B-Instruct"}},
	},
	"meta": meta,
}

_tgi := "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.4.0-tgi2.4.0-gpu-py311-cu124-ubuntu22.04-v2.2"

_safe_endpoint := _endpoint({}, _canary(600), 600, ["invocation-5xx"])

# -- LLM-DEP-001 --------------------------------------------------------------------------------

test_fail_endpoint_with_one_instance if {
	deployment.single_instance == {{
		"msg": "endpoint llama can scale down to 1 instance",
		"resource": "endpoint-llama",
		"pointer": "/spec/models/llama",
	}} with input as _input({}, [_endpoint({"minCapacity": 1}, _canary(600), 600, ["invocation-5xx"])])
}

test_pass_endpoint_with_two_instances if {
	deployment.single_instance == set() with input as _input({}, [_safe_endpoint])
}

test_pass_embedding_endpoint if {
	embedding := {
		"name": "embedding-bge",
		"type": "aws:sagemaker/endpoint:Endpoint",
		"source": "/spec/embeddings/bge",
		"inputs": {},
		"meta": {"strategy": "all-at-once", "embedding": true},
	}
	deployment.single_instance == set() with input as _input({}, [embedding])
}

# -- LLM-DEP-002 --------------------------------------------------------------------------------

test_fail_all_at_once_deployment if {
	endpoint := _endpoint({"strategy": "all-at-once"}, _all_at_once, 0, ["invocation-5xx"])
	deployment.unsafe_rollout == {{
		"msg": "endpoint llama deploys all at once, without a canary or blue/green shift",
		"resource": "endpoint-llama",
		"pointer": "/spec/models/llama",
	}} with input as _input({}, [endpoint])
}

test_fail_deployment_without_rollback_alarms if {
	endpoint := _endpoint({"strategy": "blue-green"}, _all_at_once, 600, [])
	deployment.unsafe_rollout == {{
		"msg": "endpoint llama has no rollback alarm: a failing deployment is not rolled back",
		"resource": "endpoint-llama",
		"pointer": "/spec/models/llama",
	}} with input as _input({}, [endpoint])
}

test_pass_canary_with_rollback_alarm if {
	deployment.unsafe_rollout == set() with input as _input({}, [_safe_endpoint])
}

# -- LLM-DEP-003 --------------------------------------------------------------------------------

test_fail_unpinned_weights if {
	model := _model({"modelId": "meta-llama/Meta-Llama-3-8B-Instruct", "revision": null, "modelDataUrl": null}, _tgi)
	deployment.unpinned_weights == {{
		"msg": "SageMaker model endpoint-llama-model-primary serves meta-llama/Meta-Llama-3-8B-Instruct without a pinned revision or S3 weights",
		"resource": "endpoint-llama-model-primary",
		"pointer": "/spec/models/llama/instanceType",
	}} with input as _input({}, [model])
}

test_pass_pinned_revision if {
	inp := _input({}, [_model({"revision": "5f0b02c75b57c5855da9ae460ce51323ea669d8a"}, _tgi)])
	deployment.unpinned_weights == set() with input as inp
}

test_pass_weights_from_s3 if {
	inp := _input({}, [_model({"modelDataUrl": "s3://acme-models/llama/"}, _tgi)])
	deployment.unpinned_weights == set() with input as inp
}

test_pass_embedding_revision_in_the_environment if {
	model := object.union(
		_model({"modelId": "BAAI/bge-large-en-v1.5"}, _tgi),
		{"inputs": {"primaryContainer": {"environment": {"HF_MODEL_REVISION": "d4aa6901d3a41ba39fb536a557fa166f842b0e09"}}}},
	)
	deployment.unpinned_weights == set() with input as _input({}, [model])
}

# -- LLM-DEP-004 --------------------------------------------------------------------------------

test_fail_latest_image if {
	model := _model(
		{"image": {"version": "2.4.0"}, "revision": "abc"},
		"763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:latest",
	)
	deployment.unpinned_image == {{
		"msg": "SageMaker model endpoint-llama-model-primary runs a serving image that is not pinned to a version",
		"resource": "endpoint-llama-model-primary",
		"pointer": "/spec/models/llama/instanceType",
	}} with input as _input({}, [model])
}

test_fail_untagged_image if {
	model := _model(
		{"image": {"version": "2.4.0"}},
		"763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference",
	)
	count(deployment.unpinned_image) == 1 with input as _input({}, [model])
}

test_fail_image_version_not_recorded if {
	count(deployment.unpinned_image) == 1 with input as _input({}, [_model({}, _tgi)])
}

test_pass_versioned_image if {
	deployment.unpinned_image == set() with input as _input({}, [_model({"image": {"version": "2.4.0"}}, _tgi)])
}

test_pass_image_by_digest if {
	model := _model(
		{},
		"763104351884.dkr.ecr.us-east-1.amazonaws.com/tgi@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	)
	deployment.unpinned_image == set() with input as _input({}, [model])
}

# -- LLM-DEP-005 --------------------------------------------------------------------------------

test_fail_container_version_left_to_default if {
	spec := {"models": {"llama": {"provider": "sagemaker", "container": {"framework": "tgi"}}}}
	deployment.default_container_version == {{
		"msg": "model llama leaves container.version to llmops-iac's default",
		"resource": null,
		"pointer": "/spec/models/llama/container",
	}} with input as _input(spec, [])
}

test_pass_container_version_pinned if {
	spec := {
		"models": {
			"llama": {"provider": "sagemaker", "container": {"framework": "tgi", "version": "2.4.0"}},
			"haiku": {"provider": "bedrock"},
		},
	}
	deployment.default_container_version == set() with input as _input(spec, [])
}

# -- LLM-DEP-006 --------------------------------------------------------------------------------

test_fail_endpoint_cannot_scale_out if {
	endpoint := _endpoint({"minCapacity": 2, "maxCapacity": 2}, _canary(600), 600, ["invocation-5xx"])
	deployment.no_scale_out == {{
		"msg": "endpoint llama cannot scale out (minCapacity = maxCapacity = 2)",
		"resource": "endpoint-llama",
		"pointer": "/spec/models/llama",
	}} with input as _input({}, [endpoint])
}

test_pass_endpoint_can_scale_out if {
	deployment.no_scale_out == set() with input as _input({}, [_safe_endpoint])
}

# -- LLM-DEP-007 --------------------------------------------------------------------------------

test_fail_bake_shorter_than_the_alarm if {
	endpoint := _endpoint(
		{"strategy": "blue-green"},
		{"type": "ALL_AT_ONCE", "waitIntervalInSeconds": 120},
		120,
		["model-latency"],
	)
	deployment.short_bake == {{
		"msg": "endpoint llama bakes 120 seconds, but its rollback alarm endpoint-llama-alarm-model-latency needs 180 seconds to go off",
		"resource": "endpoint-llama",
		"pointer": "/spec/models/llama",
	}} with input as _input({}, [endpoint, _alarm("model-latency", 3)])
}

test_fail_canary_wait_shorter_than_the_alarm if {
	endpoint := _endpoint({}, _canary(60), 900, ["model-latency"])
	count(deployment.short_bake) == 1 with input as _input({}, [endpoint, _alarm("model-latency", 3)])
}

test_pass_bake_covers_the_alarm if {
	endpoint := _endpoint({}, _canary(600), 600, ["invocation-5xx", "model-latency"])
	inp := _input({}, [endpoint, _alarm("invocation-5xx", 2), _alarm("model-latency", 3)])
	deployment.short_bake == set() with input as inp
}
