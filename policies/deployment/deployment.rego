# Deployment: self-hosted endpoints stay up, roll out safely and serve exactly what was evaluated.
package llmops.deployment

import rego.v1

import data.llmops.lib

_endpoint_type := "aws:sagemaker/endpoint:Endpoint"

_model_type := "aws:sagemaker/model:Model"

# METADATA
# title: Endpoints keep at least two instances
# description: >-
#   One instance is one failure away from an outage: an instance or Availability Zone
#   failure, or a health-check replacement, takes the model down. SageMaker spreads two
#   or more instances across Availability Zones.
# related_resources:
#   - ref: https://docs.aws.amazon.com/config/latest/developerguide/sagemaker-endpoint-config-prod-instance-count.html
# custom:
#   id: LLM-DEP-001
#   severity: note
#   security: false
#   remediation: Set autoscaling.minCapacity to 2 or more (in spec.environments.prod for production only).
#   frameworks:
#     nist: [MANAGE 2.4, MEASURE 2.5]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENREL06-BP01]
#   applies_to: [aws:sagemaker/endpoint:Endpoint]
single_instance contains lib.field_result(r, concat("/", [r.source, "autoscaling/minCapacity"]), msg) if {
	some r in lib.resources(_endpoint_type)
	lib.is_model_resource(r)
	minimum := object.get(r, ["meta", "minCapacity"], 1)
	minimum < 2
	msg := sprintf("endpoint %s can scale down to %d instance", [lib.model_name(r), minimum])
}

# METADATA
# title: Endpoint updates roll out gradually and roll back on alarms
# description: >-
#   A new model, image or configuration is shifted to with a canary or blue/green
#   deployment watched by at least one rollback alarm, so a broken release is rolled
#   back automatically instead of replacing the fleet at once.
# related_resources:
#   - ref: https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html
# custom:
#   id: LLM-DEP-002
#   severity: warning
#   security: false
#   remediation: >-
#     Set deployment.strategy to canary or blue-green and keep at least one
#     deployment.rollbackAlarms entry.
#   frameworks:
#     owasp: [LLM03]
#     nist: [MANAGE 2.4, MANAGE 4.1]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENOPS04-BP02]
#   applies_to: [aws:sagemaker/endpoint:Endpoint]
unsafe_rollout contains lib.field_result(r, concat("/", [r.source, "deployment/strategy"]), msg) if {
	some r in lib.resources(_endpoint_type)
	lib.is_model_resource(r)
	not object.get(r, ["meta", "strategy"], "all-at-once") in {"canary", "blue-green"}
	msg := sprintf("endpoint %s deploys all at once, without a canary or blue/green shift", [lib.model_name(r)])
}

unsafe_rollout contains lib.field_result(r, concat("/", [r.source, "deployment/rollbackAlarms"]), msg) if {
	some r in lib.resources(_endpoint_type)
	lib.is_model_resource(r)
	count(_rollback_alarms(r)) == 0
	msg := sprintf("endpoint %s has no rollback alarm: a failing deployment is not rolled back", [lib.model_name(r)])
}

_rollback_alarms(endpoint) := [a |
	some entry in object.get(endpoint.inputs, ["deploymentConfig", "autoRollbackConfiguration", "alarms"], [])
	a := entry.alarmName
]

# METADATA
# title: Self-hosted models serve weights pinned by a commit hash
# description: >-
#   A SageMaker model downloads its weights every time an instance starts (a scale-out, a
#   replacement, a deployment). A Hugging Face model pinned by a branch (main), a tag or an
#   abbreviated hash - or not pinned at all - serves whatever that name points at then:
#   different, unevaluated or tampered weights. Only a full commit hash (40 lowercase hex
#   characters) names one set of files. The rule reads the revision the compiler serves,
#   never the container environment (which cannot set the model or its revision: llmops-iac
#   refuses such keys). Weights in S3 (modelDataUrl) are read from a prefix that can be
#   overwritten, so the revision must also name them - the Hub commit they were mirrored
#   from, or the SHA-256 digest of in-house weights - and be a segment of modelDataUrl's
#   path: new weights then take a new prefix, hence a new model and a reviewed, rolled-out
#   deployment. That the bucket refuses overwrites (S3 Object Lock, or a policy that
#   denies s3:PutObject on published prefixes) cannot be seen in a Plan: it is the remaining
#   duty of the bucket's owner. The rule judges every tier; the profile sets its severity
#   (an error in production, a note in development).
# related_resources:
#   - ref: https://huggingface.co/docs/hub/models-downloading
#   - ref: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
# custom:
#   id: LLM-DEP-003
#   severity: warning
#   security: true
#   remediation: >-
#     Set revision to the full commit hash (40 lowercase hex characters) of the weights
#     that were evaluated. For weights in S3, put that hash (or the weights' SHA-256
#     digest) in revision and as a segment of modelDataUrl's path, one prefix per
#     revision, and protect the bucket against overwrites with S3 Object Lock.
#   frameworks:
#     owasp: [LLM03, LLM04]
#     nist: [MANAGE 3.2, MAP 4.1]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENOPS04-BP02]
#   applies_to: [aws:sagemaker/model:Model]
unpinned_weights contains lib.field_result(m, lib.model_field(m, field), msg) if {
	some m in lib.resources(_model_type)
	problem := _weights_problem(m)
	field := _weights_field(m)
	msg := sprintf("SageMaker model %s %s", [m.name, problem])
}

# The spec field a weights problem is fixed in: the URL when its path does not name a good revision, else the revision.
_weights_field(m) := "modelDataUrl" if {
	_weights_url(m) != null
	_content_name(_revision(m))
} else := "revision"

# The S3 location the container reads its weights from (live in the policy pack), or null for the Hub. Of several
# s3DataSources, the first whose path does not name the revision is judged (else the first): every one must name it.
_weights_url(m) := url if {
	urls := [source.s3Uri | some source in m.inputs.primaryContainer.modelDataSource.s3DataSources]
	count(urls) > 0
	url := _judged_url(urls, _revision(m))
} else := url if {
	url := m.inputs.primaryContainer.modelDataUrl
} else := object.get(m, ["meta", "modelDataUrl"], null)

_judged_url(urls, revision) := url if {
	unnamed := [u | some u in urls; not revision in split(u, "/")]
	count(unnamed) > 0
	url := unnamed[0]
} else := urls[0]

# The revision the compiler serves (null when the spec names none).
_revision(m) := object.get(m, ["meta", "revision"], null)

# A Hub commit as the Hub names it: 40 lowercase hex characters.
_commit_hash(revision) if {
	is_string(revision)
	regex.match(`^[0-9a-f]{40}$`, revision)
}

# Files named by content: a commit hash, or a SHA-256 digest (64 lowercase hex characters).
_content_name(revision) if {
	is_string(revision)
	regex.match(`^[0-9a-f]{40}$|^[0-9a-f]{64}$`, revision)
}

_weights_problem(m) := sprintf(
	"serves %s from the Hugging Face Hub at no pinned revision: an instance that starts later serves whatever the repository's main branch holds then",
	[object.get(m, ["meta", "modelId"], "its model")],
) if {
	_weights_url(m) == null
	_revision(m) == null
}

_weights_problem(m) := sprintf(
	"serves %s at revision %s, which is not a commit hash (40 lowercase hex characters): a branch, tag or abbreviated hash can point at other weights tomorrow",
	[object.get(m, ["meta", "modelId"], "its model"), revision],
) if {
	_weights_url(m) == null
	revision := _revision(m)
	revision != null
	not _commit_hash(revision)
}

_weights_problem(m) := sprintf(
	"serves weights from %s and records no revision naming them: whatever the S3 prefix holds when an instance starts is served",
	[lib.printable(url)],
) if {
	url := _weights_url(m)
	url != null
	_revision(m) == null
}

_weights_problem(m) := sprintf(
	"serves weights from %s at revision %s, which is neither a commit hash (40 lowercase hex characters) nor a SHA-256 digest (64): it does not name one set of weights",
	[lib.printable(url), revision],
) if {
	url := _weights_url(m)
	url != null
	revision := _revision(m)
	revision != null
	not _content_name(revision)
}

_weights_problem(m) := sprintf(
	"serves weights from %s, whose path does not name its revision %s: new weights would replace these under the same prefix",
	[lib.printable(url), revision],
) if {
	url := _weights_url(m)
	url != null
	revision := _revision(m)
	_content_name(revision)
	not revision in split(url, "/")
}

# METADATA
# title: Serving containers are pinned to a version
# description: >-
#   The serving image's tag fixes the inference server (TGI, LMI, vLLM, TEI), CUDA and
#   Python: a moving tag such as latest changes them under a running model at the next
#   scale-out. The image must carry a versioned tag (or a digest) matching the version
#   recorded in the Plan.
# related_resources:
#   - ref: https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
# custom:
#   id: LLM-DEP-004
#   severity: error
#   security: true
#   remediation: >-
#     Use an image with a version tag or digest; llmops-iac resolves one offline for
#     container.framework and container.version.
#   frameworks:
#     owasp: [LLM03]
#     nist: [MANAGE 3.2, MAP 4.1]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENOPS04-BP01]
#   applies_to: [aws:sagemaker/model:Model]
unpinned_image contains lib.field_result(m, lib.model_field(m, "container/version"), msg) if {
	some m in lib.resources(_model_type)
	not _pinned_image(m)
	msg := sprintf("SageMaker model %s runs a serving image that is not pinned to a version", [m.name])
}

_pinned_image(m) if contains(m.inputs.primaryContainer.image, "@sha256:")

_pinned_image(m) if {
	version := object.get(m, ["meta", "image", "version"], "")
	version != ""
	segments := split(m.inputs.primaryContainer.image, "/")
	name_tag := split(segments[count(segments) - 1], ":")
	count(name_tag) == 2
	name_tag[1] != "latest"
	contains(name_tag[1], version)
}

# METADATA
# title: The spec pins the serving container version
# description: >-
#   Left out, container.version is the newest version the installed llmops-iac knows:
#   upgrading llmops-iac then silently changes the inference server of every endpoint
#   on the next deploy. Write the version down so an upgrade is a reviewed change.
# related_resources:
#   - ref: https://github.com/aws/deep-learning-containers/blob/master/available_images.md
# custom:
#   id: LLM-DEP-005
#   severity: warning
#   security: true
#   remediation: Set container.version to the version the Plan records (meta.image.version), e.g. 2.4.0.
#   frameworks:
#     owasp: [LLM03]
#     nist: [MANAGE 3.2]
#     awsGenAiLens: [GENOPS04-BP01]
#   applies_to: [aws:sagemaker/model:Model]
default_container_version contains lib.spec_result(pointer, msg) if {
	models := lib.spec_section("models")
	some name
	model := models[name]
	model.provider == "sagemaker"
	object.get(model, ["container", "version"], null) == null
	pointer := sprintf("/spec/models/%s/container/version", [name])
	msg := sprintf("model %s leaves container.version to llmops-iac's default", [name])
}

# METADATA
# title: Endpoints can scale out
# description: >-
#   With maxCapacity equal to minCapacity the endpoint cannot absorb a traffic peak:
#   requests queue and time out instead of new instances starting.
# related_resources:
#   - ref: https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling.html
# custom:
#   id: LLM-DEP-006
#   severity: note
#   security: false
#   remediation: Raise autoscaling.maxCapacity above minCapacity.
#   frameworks:
#     owasp: [LLM10]
#     nist: [MEASURE 2.5]
#     awsGenAiLens: [GENREL01-BP01, GENSUS01-BP01]
#   applies_to: [aws:sagemaker/endpoint:Endpoint]
no_scale_out contains lib.field_result(r, concat("/", [r.source, "autoscaling/maxCapacity"]), msg) if {
	some r in lib.resources(_endpoint_type)
	lib.is_model_resource(r)
	r.meta.maxCapacity <= r.meta.minCapacity
	msg := sprintf(
		"endpoint %s cannot scale out (minCapacity = maxCapacity = %d)",
		[lib.model_name(r), r.meta.maxCapacity],
	)
}

# METADATA
# title: Deployments bake long enough for their rollback alarms
# description: >-
#   A rollback alarm can only stop a deployment while the old fleet still exists. If the
#   bake time (the canary's wait, and the wait before the old fleet is terminated) is
#   shorter than the time the alarm needs to go off - its datapoints to alarm times its
#   period - the deployment completes before the alarm can fire.
# related_resources:
#   - ref: https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html
# custom:
#   id: LLM-DEP-007
#   severity: warning
#   security: false
#   remediation: >-
#     Raise deployment.bakeSeconds to at least the longest rollback alarm's time to
#     alarm (180 seconds for the built-in latency alarm, 3 breaching minutes).
#   frameworks:
#     nist: [MANAGE 2.4]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENOPS04-BP02]
#   applies_to: [aws:sagemaker/endpoint:Endpoint]
short_bake contains lib.about(lib.field_result(r, concat("/", [r.source, "deployment/bakeSeconds"]), msg), alarm.name) if {
	some r in lib.resources(_endpoint_type)
	lib.is_model_resource(r)
	bake := _bake_seconds(r)
	some name in _rollback_alarms(r)
	some alarm in lib.resources("aws:cloudwatch/metricAlarm:MetricAlarm")
	lib.is_ref_to(name, alarm.name)
	needed := _time_to_alarm(alarm)
	bake < needed
	msg := sprintf(
		"endpoint %s bakes %d seconds, but its rollback alarm %s needs %d seconds to go off",
		[lib.model_name(r), bake, alarm.name, needed],
	)
}

_bake_seconds(r) := min(array.concat([termination], _canary_waits(policy))) if {
	policy := r.inputs.deploymentConfig.blueGreenUpdatePolicy
	termination := object.get(policy, "terminationWaitInSeconds", 0)
}

_canary_waits(policy) := [w] if {
	routing := policy.trafficRoutingConfiguration
	routing.type in {"CANARY", "LINEAR"}
	w := object.get(routing, "waitIntervalInSeconds", 0)
}

_canary_waits(policy) := [] if not policy.trafficRoutingConfiguration.type in {"CANARY", "LINEAR"}

_time_to_alarm(alarm) := datapoints * period if {
	datapoints := object.get(alarm.inputs, "datapointsToAlarm", alarm.inputs.evaluationPeriods)
	period := max([p | some p in _periods(alarm)])
}

_periods(alarm) := [alarm.inputs.period] if alarm.inputs.period

_periods(alarm) := [q.metric.period | some q in alarm.inputs.metricQueries; q.metric] if not alarm.inputs.period

# METADATA
# title: Serving containers run the environment compiled from the spec
# description: >-
#   llmops-iac sets the variables that choose a SageMaker model's weights and how they are
#   served from the spec, and records them in the Plan (meta.servingEnvironment); the spec's
#   container.environment may add others, never these. A container whose environment differs -
#   a compiled variable changed or missing, or a variable that neither the compiler nor the
#   spec sets - serves something other than what the Plan, its policies and its cost estimate
#   describe: the work of a Pulumi transformation, a later edit to the program or a change made
#   outside it. No spec can cause this; the rule guards deployments in the Pulumi policy pack,
#   which judges the live environment. Values are not shown: a variable added outside the
#   spec may hold a secret.
# related_resources:
#   - ref: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html
# custom:
#   id: LLM-DEP-008
#   severity: error
#   security: true
#   remediation: >-
#     Deploy the Plan as compiled: remove the transformation or edit that changes the model
#     container's environment; set the model, revision, weights and serving settings in the
#     spec, and other variables in container.environment.
#   frameworks:
#     owasp: [LLM03, LLM04]
#     nist: [MANAGE 3.2, MAP 4.1]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENOPS04-BP01]
#   applies_to: [aws:sagemaker/model:Model]
tampered_environment contains lib.about(lib.field_result(m, lib.model_field(m, "container/environment"), msg), key) if {
	some m in lib.resources(_model_type)
	compiled := object.get(m, ["meta", "servingEnvironment"], {})
	env := _container_environment(m)
	some key
	value := compiled[key]
	key in object.keys(env)
	env[key] != value
	msg := sprintf(
		"SageMaker model %s runs %s with another value than the %s compiled from the spec",
		[m.name, key, lib.printable(value)],
	)
}

tampered_environment contains lib.about(lib.field_result(m, lib.model_field(m, "container/environment"), msg), key) if {
	some m in lib.resources(_model_type)
	compiled := object.get(m, ["meta", "servingEnvironment"], {})
	env := _container_environment(m)
	some key
	value := compiled[key]
	not key in object.keys(env)
	msg := sprintf(
		"SageMaker model %s runs without %s, which is %s as compiled from the spec",
		[m.name, key, lib.printable(value)],
	)
}

tampered_environment contains lib.about(lib.field_result(m, lib.model_field(m, "container/environment"), msg), key) if {
	some m in lib.resources(_model_type)
	compiled := object.get(m, ["meta", "servingEnvironment"], {})
	env := _container_environment(m)
	declared := _declared_environment(m)
	some key
	value := env[key]
	not key in object.keys(compiled)
	object.get(declared, key, null) != value
	msg := sprintf(
		"SageMaker model %s runs with %s, which neither llmops-iac nor the spec's container.environment sets to that value",
		[m.name, lib.printable(key)],
	)
}

_container_environment(m) := object.get(m.inputs, ["primaryContainer", "environment"], {})

# The spec's container.environment of the model a resource serves ({} for embedding models, which have none).
_declared_environment(m) := env if {
	parts := split(m.source, "/")
	parts[1] == "spec"
	parts[2] == "models"
	env := object.get(lib.spec_section("models"), [parts[3], "container", "environment"], {})
} else := {}
