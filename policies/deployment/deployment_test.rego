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
		"pointer": "/spec/models/llama/autoscaling/minCapacity",
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
		"pointer": "/spec/models/llama/deployment/strategy",
	}} with input as _input({}, [endpoint])
}

test_fail_deployment_without_rollback_alarms if {
	endpoint := _endpoint({"strategy": "blue-green"}, _all_at_once, 600, [])
	deployment.unsafe_rollout == {{
		"msg": "endpoint llama has no rollback alarm: a failing deployment is not rolled back",
		"resource": "endpoint-llama",
		"pointer": "/spec/models/llama/deployment/rollbackAlarms",
	}} with input as _input({}, [endpoint])
}

test_pass_canary_with_rollback_alarm if {
	deployment.unsafe_rollout == set() with input as _input({}, [_safe_endpoint])
}

# -- LLM-DEP-003 --------------------------------------------------------------------------------

_llama := "meta-llama/Meta-Llama-3-8B-Instruct"

_commit := "5f0b02c75b57c5855da9ae460ce51323ea669d8a"

_in_tier(tier, resources) := {
	"spec": {"spec": {}},
	"plan": {"resources": resources},
	"context": {"environment": tier, "tier": tier},
}

# A Hub model at a revision (null: none), its container environment as the compiler writes it.
_hub(revision) := _model({"modelId": _llama, "revision": revision, "modelDataUrl": null}, _tgi)

# A model whose weights are read from S3 at `url` (the container's modelDataSource, as the compiler writes it).
_s3(revision, url) := object.union(
	_model({"modelId": _llama, "revision": revision, "modelDataUrl": url}, _tgi),
	{"inputs": {"primaryContainer": {"modelDataSource": {"s3DataSources": [{"s3Uri": url, "s3DataType": "S3Prefix"}]}}}},
)

_weights_msgs(tier, model) := msgs if {
	msgs := {f.msg | some f in deployment.unpinned_weights} with input as _in_tier(tier, [model])
}

test_fail_unpinned_weights if {
	deployment.unpinned_weights == {{
		"msg": "SageMaker model endpoint-llama-model-primary serves meta-llama/Meta-Llama-3-8B-Instruct from the Hugging Face Hub at no pinned revision: an instance that starts later serves whatever the repository's main branch holds then",
		"resource": "endpoint-llama-model-primary",
		"pointer": "/spec/models/llama/revision",
	}} with input as _in_tier("production", [_hub(null)])
}

test_pass_pinned_revision if {
	deployment.unpinned_weights == set() with input as _in_tier("production", [_hub(_commit)])
}

# A branch, a tag, an abbreviated hash, one hex digit short or long, upper case: none names one commit.
test_fail_revision_that_can_move if {
	every revision in ["main", "v1.0", "5f0b02c", substring(_commit, 0, 39), concat("", [_commit, "0"]), upper(_commit)] {
		_weights_msgs("production", _hub(revision)) == {sprintf(
			"SageMaker model endpoint-llama-model-primary serves meta-llama/Meta-Llama-3-8B-Instruct at revision %s, which is not a commit hash (40 lowercase hex characters): a branch, tag or abbreviated hash can point at other weights tomorrow",
			[revision],
		)}
	}
}

# A SHA-256 digest names files, not a Hub commit: the Hub does not resolve it.
test_fail_digest_as_hub_revision if {
	count(_weights_msgs("production", _hub(concat("", [_commit, "0123456789abcdefghij"])))) == 1
	count(_weights_msgs("production", _hub("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"))) == 1
}

# The pin is the compiled revision: no environment key stands in for it.
test_fail_revision_key_in_the_environment_does_not_pin if {
	every key in ["FOO_REVISION", "HF_MODEL_REVISION", "SM_VLLM_REVISION", "OPTION_REVISION"] {
		model := object.union(_hub(null), {"inputs": {"primaryContainer": {"environment": {key: _commit}}}})
		count(_weights_msgs("production", model)) == 1
	}
}

# Outside production the rule still finds it; the profile decides its severity (a note in development).
test_fail_unpinned_weights_in_every_tier if {
	every tier in ["staging", "development", "sandbox"] {
		count(_weights_msgs(tier, _hub("main"))) == 1
	}
}

test_fail_weights_from_a_mutable_s3_prefix if {
	_weights_msgs("production", _s3(null, "s3://acme-models/llama/")) == {"SageMaker model endpoint-llama-model-primary serves weights from s3://acme-models/llama/ and records no revision naming them: whatever the S3 prefix holds when an instance starts is served"}
}

test_fail_s3_weights_at_a_revision_that_can_move if {
	_weights_msgs("production", _s3("main", "s3://acme-models/llama/main/")) == {"SageMaker model endpoint-llama-model-primary serves weights from s3://acme-models/llama/main/ at revision main, which is neither a commit hash (40 lowercase hex characters) nor a SHA-256 digest (64): it does not name one set of weights"}
}

test_fail_s3_prefix_that_does_not_name_the_revision if {
	_weights_msgs("production", _s3(_commit, "s3://acme-models/llama/")) == {sprintf("SageMaker model endpoint-llama-model-primary serves weights from s3://acme-models/llama/, whose path does not name its revision %s: new weights would replace these under the same prefix", [_commit])}
	# the hash must be a whole path segment, not part of one
	count(_weights_msgs("production", _s3(_commit, sprintf("s3://acme-models/llama/%s-next/", [_commit])))) == 1
	count(_weights_msgs("production", _s3(_commit, sprintf("s3://acme-models/llama/x%s/", [_commit])))) == 1
}

test_pass_s3_prefix_named_by_the_revision if {
	every url in [
		sprintf("s3://acme-models/llama/%s/", [_commit]),
		sprintf("s3://acme-models/llama/%s", [_commit]),
		sprintf("s3://acme-models/%s/llama/", [_commit]),
	] {
		_weights_msgs("production", _s3(_commit, url)) == set()
	}
}

test_pass_s3_weights_named_by_their_digest if {
	digest := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	_weights_msgs("production", _s3(digest, sprintf("s3://acme-models/llama/%s/", [digest]))) == set()
}

# The S3 location judged is the container's (live in the policy pack), not the compiler's record of it.
test_fail_live_s3_location_that_does_not_name_the_revision if {
	model := object.union(
		_s3(_commit, sprintf("s3://acme-models/llama/%s/", [_commit])),
		{"inputs": {"primaryContainer": {"modelDataSource": {"s3DataSources": [{"s3Uri": "s3://acme-models/llama/latest/"}]}}}},
	)
	count(_weights_msgs("production", model)) == 1
}

# Every S3 source is judged: a second source under a prefix that does not name the revision fails.
test_fail_live_second_s3_source_that_does_not_name_the_revision if {
	named := sprintf("s3://acme-models/llama/%s/", [_commit])
	model := object.union(
		_s3(_commit, named),
		{"inputs": {"primaryContainer": {"modelDataSource": {"s3DataSources": [
			{"s3Uri": named},
			{"s3Uri": "s3://acme-models/llama/latest/"},
		]}}}},
	)
	_weights_msgs("production", model) == {sprintf(
		"SageMaker model %s serves weights from s3://acme-models/llama/latest/, whose path does not name its revision %s: new weights would replace these under the same prefix",
		[model.name, _commit],
	)}
}

test_pass_live_s3_sources_that_all_name_the_revision if {
	named := sprintf("s3://acme-models/llama/%s/", [_commit])
	model := object.union(
		_s3(_commit, named),
		{"inputs": {"primaryContainer": {"modelDataSource": {"s3DataSources": [{"s3Uri": named}, {"s3Uri": sprintf("%sextra", [named])}]}}}},
	)
	_weights_msgs("production", model) == set()
}

test_fail_embedding_model_without_a_revision if {
	embedding := {
		"name": "embedding-bge-model",
		"type": "aws:sagemaker/model:Model",
		"source": "/spec/embeddings/bge",
		"inputs": {"primaryContainer": {"image": _tgi, "environment": {"HF_MODEL_ID": "BAAI/bge-large-en-v1.5"}}},
		"meta": {"modelId": "BAAI/bge-large-en-v1.5", "revision": null},
	}
	count(_weights_msgs("production", embedding)) == 1
	pinned := object.union(embedding, {"meta": {"revision": "d4aa6901d3a41ba39fb536a557fa166f842b0e09"}})
	_weights_msgs("production", pinned) == set()
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
		"pointer": "/spec/models/llama/container/version",
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
		"pointer": "/spec/models/llama/container/version",
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
		"pointer": "/spec/models/llama/autoscaling/maxCapacity",
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
		"pointer": "/spec/models/llama/deployment/bakeSeconds",
		"subject": "endpoint-llama-alarm-model-latency",
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

# -- LLM-DEP-008 --------------------------------------------------------------------------------

_compiled_env := {"HF_MODEL_ID": _llama, "HF_MODEL_REVISION": _commit, "SM_NUM_GPUS": "1"}

# A model whose container runs `env`, compiled with _compiled_env, from a spec whose container.environment is `extra`.
_served(env, extra) := {
	"spec": {"spec": {"models": {"llama": {"provider": "sagemaker", "container": {"environment": extra}}}}},
	"plan": {"resources": [object.union(
		_model({"modelId": _llama, "revision": _commit, "servingEnvironment": _compiled_env}, _tgi),
		{"inputs": {"primaryContainer": {"environment": env}}},
	)]},
	"context": {"environment": "prod", "tier": "production"},
}

_tamper_msgs(env, extra) := msgs if {
	msgs := {f.msg | some f in deployment.tampered_environment} with input as _served(env, extra)
}

test_pass_container_runs_the_compiled_environment if {
	_tamper_msgs(_compiled_env, {}) == set()
	_tamper_msgs(object.union(_compiled_env, {"MESSAGES_API_ENABLED": "true"}), {"MESSAGES_API_ENABLED": "true"}) == set()
}

test_fail_container_serves_another_model if {
	deployment.tampered_environment == {{
		"msg": "SageMaker model endpoint-llama-model-primary runs HF_MODEL_ID with another value than the meta-llama/Meta-Llama-3-8B-Instruct compiled from the spec",
		"resource": "endpoint-llama-model-primary",
		"pointer": "/spec/models/llama/container/environment",
		"subject": "HF_MODEL_ID",
	}} with input as _served(object.union(_compiled_env, {"HF_MODEL_ID": "evil-org/backdoored-llama"}), {})
}

test_fail_container_lacks_a_compiled_variable if {
	_tamper_msgs(object.remove(_compiled_env, ["HF_MODEL_REVISION"]), {}) == {sprintf(
		"SageMaker model endpoint-llama-model-primary runs without HF_MODEL_REVISION, which is %s as compiled from the spec",
		[_commit],
	)}
}

# A variable neither the compiler nor the spec sets, or a spec variable with another value.
test_fail_container_runs_a_variable_nobody_declared if {
	_tamper_msgs(object.union(_compiled_env, {"HF_ENDPOINT": "https://hub.evil.example"}), {}) == {"SageMaker model endpoint-llama-model-primary runs with HF_ENDPOINT, which neither llmops-iac nor the spec's container.environment sets to that value"}
	count(_tamper_msgs(object.union(_compiled_env, {"MESSAGES_API_ENABLED": "false"}), {"MESSAGES_API_ENABLED": "true"})) == 1
}

# Unknown means strict: a model without the compiler's record runs variables nobody declared.
test_fail_model_without_a_compiled_environment if {
	model := _model({"modelId": _llama}, _tgi)
	count(deployment.tampered_environment) == 1 with input as _input({}, [model])
}
