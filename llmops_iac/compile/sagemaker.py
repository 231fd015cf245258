"""SageMaker-hosted models → Model per variant, EndpointConfiguration, Endpoint with blue/green
deployment guardrails and automatic rollback, autoscaling, alarms, logs and data capture.

Models and endpoint configurations are immutable in SageMaker, so their
physical names end in a hash of what they contain: any change creates new
ones and moves the endpoint to them through a blue/green deployment (canary
first, rolled back automatically when a rollback alarm fires). The endpoint
itself keeps a stable name.

The autoscaling trap: SageMaker's UpdateEndpoint resets every variant's
instance count to the new configuration's ``initialInstanceCount`` unless
``RetainAllVariantProperties`` is set — and neither pulumi-aws nor Terraform
exposes that flag. So a deploy while the endpoint is scaled out would first
shrink it to the minimum. The Plan records ``initialInstanceCount`` =
autoscaling minimum and marks the variant ``capacityCarryOver``; the deploy
program raises ``initialInstanceCount`` to the live desired count (within
min..max) before it updates the endpoint (see llmops_iac/deploy/), and
the blue/green fleet is therefore created at today's size.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from llmops_iac.compile import container_env, images, instances
from llmops_iac.compile import secrets as secret_refs
from llmops_iac.compile import tokens as T
from llmops_iac.compile.context import Ctx
from llmops_iac.compile.errors import CompileErrors
from llmops_iac.compile.plan import join, ref
from llmops_iac.compile.security import kms_use, role, secure_bucket
from llmops_iac.spec.load import escape
from llmops_iac.spec.model import SageMakerEmbedding, SageMakerModel

EXECUTION_ROLE = "sagemaker-execution-role"
CAPTURE_BUCKET = "sagemaker-capture-bucket"
LATENCY_ALARM_SECONDS = 30


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:8]


def compile_sagemaker(ctx: Ctx, errors: CompileErrors) -> None:
    """Add an endpoint for every SageMaker model and SageMaker embedding model."""
    spec = ctx.app.spec
    hosted = [(n, m, f"/spec/models/{escape(n)}") for n, m in sorted(spec.models.items()) if isinstance(m, SageMakerModel)]
    embedders = [(n, e, f"/spec/embeddings/{escape(n)}") for n, e in sorted(spec.embeddings.items()) if isinstance(e, SageMakerEmbedding)]
    if not hosted and not embedders:
        return
    statements: list[dict[str, Any]] = []
    repositories: set[str] = set()
    capture = any(m.data_capture.enabled for _, m, _ in hosted)
    if capture:
        secure_bucket(ctx, CAPTURE_BUCKET, "capture", "/spec/models")
        statements.append({"Sid": "WriteDataCapture", "Effect": "Allow", "Action": "s3:PutObject",
                           "Resource": join(ref(CAPTURE_BUCKET, "arn"), "/capture/*")})
    for name, model, source in hosted:
        _endpoint(ctx, errors, name, model, source, statements, repositories)
    for name, emb, source in embedders:
        _embedding_endpoint(ctx, errors, name, emb, source, statements, repositories)
    if errors.items:
        return
    statements.append({"Sid": "PullServingImages", "Effect": "Allow",
                       "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                       "Resource": sorted(repositories)})
    # ECR's GetAuthorizationToken has no resource-level permissions: AWS requires "*".
    statements.append({"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"})
    statements.append(kms_use(ctx))
    statements.extend(secret_refs.read_statements(spec.secrets or {}, secret_refs.referenced(ctx.app)))
    role(ctx, EXECUTION_ROLE, "sagemaker-exec", "/spec/models", service="sagemaker.amazonaws.com", statements=statements,
         description=f"SageMaker runs {ctx.name}'s model containers: pull images, read weights, write logs and data capture")


def _image(ctx: Ctx, errors: CompileErrors, framework: str, version: str | None, instance_type: str, pointer: str):
    acc = instances.accelerators(instance_type)
    if acc is None:
        errors.add(pointer, f"instance type {instance_type} is not one llmops-iac knows the accelerators of",
                   "use a GPU type such as " + ", ".join(["ml.g5.2xlarge", "ml.g6e.xlarge", "ml.p4d.24xlarge"]))
        return None, None
    if acc.kind == "neuron":
        errors.add(pointer, f"{instance_type} has AWS Inferentia chips, which need Neuron containers that llmops-iac does not deploy yet",
                   "choose an NVIDIA GPU instance type (g5, g6, g6e, p4d, p5)")
        return None, None
    if acc.kind == "none" and framework != "tei":
        errors.add(pointer, f"{instance_type} has no GPU; {framework} serves LLMs on GPUs", "choose a GPU instance type such as ml.g5.2xlarge")
        return None, None
    try:
        return images.resolve(framework, ctx.region, version, instance_type), acc
    except images.ImageError as exc:
        errors.add(pointer, str(exc), "pin a container version listed above, or leave container.version out for the newest")
        return None, None


def _variants(model: SageMakerModel) -> list[dict[str, Any]]:
    base = {"modelId": model.model_id, "revision": model.revision, "modelDataUrl": model.model_data_url,
            "instanceType": model.instance_type, "quantization": model.quantization}
    if not model.variants:
        return [dict(base, name="primary", weight=1, index=None)]
    out = []
    for i, v in enumerate(model.variants):
        own_model = v.model_id is not None and v.model_id != model.model_id
        out.append({
            "name": v.name, "weight": v.weight, "index": i,
            "modelId": v.model_id or model.model_id,
            # A variant serving other weights never inherits the base model's pin (references.py requires its own).
            "revision": v.revision if own_model else (v.revision or model.revision),
            "modelDataUrl": v.model_data_url if own_model else (v.model_data_url or model.model_data_url),
            "instanceType": v.instance_type or model.instance_type,
            "quantization": v.quantization or model.quantization,
        })
    return out


def _endpoint(ctx: Ctx, errors: CompileErrors, name: str, model: SageMakerModel, source: str,
              statements: list[dict[str, Any]], repositories: set[str]) -> None:
    endpoint_name = ctx.physical("sagemaker", name)
    production: list[dict[str, Any]] = []
    model_names: dict[str, str] = {}
    scaling = model.autoscaling
    variants = _variants(model)
    raw = model.container.environment or {}
    for key in raw:  # validation refuses these first (spec/references.py); the compiler never serves them either
        refused = container_env.refusal(key)
        if refused:
            errors.add(f"{source}/container/environment/{escape(key)}", *refused)
    extra = secret_refs.container_environment(raw, ctx.app.spec.secrets or {})  # {secret: name} -> NAME_SECRET_ARN
    for v in variants:
        pointer = f"{source}/variants/{v['index']}" if v["index"] is not None else f"{source}/instanceType"
        image, acc = _image(ctx, errors, model.container.framework, model.container.version, v["instanceType"], pointer)
        if image is None:
            continue
        if model.tensor_parallel_degree and model.tensor_parallel_degree > acc.count:
            errors.add(f"{source}/tensorParallelDegree",
                       f"tensorParallelDegree {model.tensor_parallel_degree} needs that many GPUs; {v['instanceType']} has {acc.count}",
                       "lower tensorParallelDegree or choose a larger instance type")
            continue
        repositories.add(f"arn:{ctx.partition}:ecr:{ctx.region}:{image.account}:repository/{image.repository}")
        own = container_env.environment(image.framework_key, model, v, acc.count)
        env = container_env.with_extra(own, extra)
        container: dict[str, Any] = {"image": image.uri, "environment": env}
        if v["modelDataUrl"]:
            # The provider's ModelDataSource takes a list, s3DataSources (one uncompressed prefix here).
            container["modelDataSource"] = {"s3DataSources": [{"s3Uri": v["modelDataUrl"], "s3DataType": "S3Prefix",
                                                               "compressionType": "None"}]}
            bucket = v["modelDataUrl"][len("s3://"):].split("/", 1)
            prefix = bucket[1] if len(bucket) > 1 else ""
            statements.append({"Sid": f"ReadWeights{_cap(name)}{_cap(v['name'])}", "Effect": "Allow",
                               "Action": ["s3:GetObject", "s3:ListBucket"],
                               "Resource": [f"arn:{ctx.partition}:s3:::{bucket[0]}", f"arn:{ctx.partition}:s3:::{bucket[0]}/{prefix}*"]})
        inputs: dict[str, Any] = {
            "executionRoleArn": ref(EXECUTION_ROLE, "arn"),
            "primaryContainer": container,
            "enableNetworkIsolation": model.network_isolation,
        }
        if model.vpc:
            inputs["vpcConfig"] = {"subnets": list(model.vpc.subnet_ids), "securityGroupIds": list(model.vpc.security_group_ids)}
        model_logical = f"endpoint-{name}-model-{v['name']}"
        inputs["name"] = ctx.physical("sagemaker", name, v["name"], _digest([image.uri, env, inputs["enableNetworkIsolation"],
                                                                               inputs.get("vpcConfig"), container.get("modelDataSource")]))
        model_names[v["name"]] = inputs["name"]
        ctx.plan.add(model_logical, T.SM_MODEL, inputs, pointer, depends_on=[f"{EXECUTION_ROLE}-policy"], meta={
            "image": {"framework": model.container.framework, "frameworkKey": image.framework_key, "version": image.version,
                      "uri": image.uri},
            "modelId": v["modelId"], "revision": v["revision"], "modelDataUrl": v["modelDataUrl"],
            "quantization": v["quantization"], "dtype": model.dtype, "parametersBillions": model.parameters_billions,
            "maxContextTokens": model.max_context_tokens, "maxConcurrentRequests": model.max_concurrent_requests,
            "tensorParallelDegree": model.tensor_parallel_degree or acc.count,
            "accelerators": {"kind": acc.kind, "model": acc.model, "count": acc.count, "memoryGiB": acc.memory_gib},
            # What the container must run (LLM-DEP-008 holds the deployed container to it).
            "servingEnvironment": dict(sorted(own.items())),
        })
        production.append({
            "variantName": v["name"],
            "modelName": ref(model_logical, "name"),
            "instanceType": v["instanceType"],
            "initialInstanceCount": scaling.min_capacity,
            "initialVariantWeight": float(v["weight"]),
            "containerStartupHealthCheckTimeoutInSeconds": 900,
            "modelDataDownloadTimeoutInSeconds": 1800,
        })
    if errors.items:
        return
    config: dict[str, Any] = {"productionVariants": production}
    if model.data_capture.enabled:
        config["dataCaptureConfig"] = {
            "enableCapture": True, "initialSamplingPercentage": model.data_capture.sampling_percent,
            "destinationS3Uri": join("s3://", ref(CAPTURE_BUCKET, "id"), f"/capture/{name}"),
            "kmsKeyId": ctx.key_arn(),
            "captureOptions": [{"captureMode": "Input"}, {"captureMode": "Output"}],
            "captureContentTypeHeader": {"jsonContentTypes": ["application/json"]},
        }
    # The config's name covers its models' names (which cover their containers): a change to any model
    # yields a new config, and only a new config makes the endpoint deploy it.
    # initialInstanceCount is left out: it only sizes a new configuration (see capacity carry-over), so a change
    # of the autoscaling minimum must not roll a deployment.
    digest = _digest([{k: (v if k != "modelName" else model_names[p["variantName"]]) for k, v in p.items()
                       if k != "initialInstanceCount"} for p in production]
                     + [model.data_capture.enabled, model.data_capture.sampling_percent])
    config_logical = f"endpoint-{name}-config"
    ctx.plan.add(config_logical, T.SM_ENDPOINT_CONFIG, dict(config, name=ctx.physical("sagemaker", name, "cfg", digest)), source,
                 depends_on=[CAPTURE_BUCKET + "-policy"] if model.data_capture.enabled else [],
                 meta={"capacityCarryOver": True, "autoscaling": {"min": scaling.min_capacity, "max": scaling.max_capacity}},
                 options={"ignoreChanges": ["productionVariants[*].initialInstanceCount"]})
    log_group = f"endpoint-{name}-logs"
    ctx.plan.add(log_group, T.LOG_GROUP, {
        "name": f"/aws/sagemaker/Endpoints/{endpoint_name}",
        "retentionInDays": ctx.app.spec.monitoring.log_retention_days,
        "kmsKeyId": ctx.key_arn(),
    }, source)
    statements.append({"Sid": f"WriteLogs{_cap(name)}", "Effect": "Allow",
                       "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                       "Resource": join(ref(log_group, "arn"), ":log-stream:*")})
    alarms = _endpoint_alarms(ctx, name, endpoint_name, [p["variantName"] for p in production], source)
    deployment = model.deployment
    rollback = [ref(alarms[kind], "name") for kind in deployment.rollback_alarms if kind in alarms]
    routing: dict[str, Any] = {"type": "ALL_AT_ONCE", "waitIntervalInSeconds": 0}
    if deployment.strategy == "canary":
        routing = {"type": "CANARY", "waitIntervalInSeconds": deployment.bake_seconds,
                   "canarySize": {"type": "CAPACITY_PERCENT", "value": deployment.canary_percent}}
    elif deployment.strategy == "blue-green":
        routing = {"type": "ALL_AT_ONCE", "waitIntervalInSeconds": deployment.bake_seconds}
    deployment_config: dict[str, Any] = {"blueGreenUpdatePolicy": {
        "trafficRoutingConfiguration": routing,
        "terminationWaitInSeconds": deployment.bake_seconds if deployment.strategy != "all-at-once" else 0,
        "maximumExecutionTimeoutInSeconds": max(600, 3 * deployment.bake_seconds + 1800),
    }}
    if rollback:
        deployment_config["autoRollbackConfiguration"] = {"alarms": [{"alarmName": a} for a in rollback]}
    endpoint_logical = f"endpoint-{name}"
    ctx.plan.add(endpoint_logical, T.SM_ENDPOINT, {
        "name": endpoint_name,
        "endpointConfigName": ref(config_logical, "name"),
        "deploymentConfig": deployment_config,
    }, source, depends_on=[log_group], meta={
        "strategy": deployment.strategy, "rollbackAlarms": list(deployment.rollback_alarms),
        "guardrails": ctx.guardrails_of.get(f"model:{name}", []), "minCapacity": scaling.min_capacity,
        "maxCapacity": scaling.max_capacity,
        **({"guardrailEnforcement": model.guardrail_enforcement} if model.guardrail_enforcement else {})})
    ctx.endpoint_alarms[name] = list(alarms.values())
    if scaling.max_capacity > scaling.min_capacity:
        for p in production:
            _autoscaling(ctx, name, endpoint_name, endpoint_logical, p["variantName"], model, source)
    statements_for_app = {"Sid": f"InvokeEndpoint{_cap(name)}", "Effect": "Allow",
                          "Action": ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
                          "Resource": ref(endpoint_logical, "arn")}
    ctx.invoke_statements.append(statements_for_app)
    ctx.plan.outputs[f"endpoint.{name}.name"] = ref(endpoint_logical, "name")


def _embedding_endpoint(ctx: Ctx, errors: CompileErrors, name: str, emb: SageMakerEmbedding, source: str,
                        statements: list[dict[str, Any]], repositories: set[str]) -> None:
    image, acc = _image(ctx, errors, "tei", None, emb.instance_type, f"{source}/instanceType")
    if image is None:
        return
    repositories.add(f"arn:{ctx.partition}:ecr:{ctx.region}:{image.account}:repository/{image.repository}")
    env = container_env.embedding_environment(emb.model_id, emb.revision)
    endpoint_name = ctx.physical("sagemaker", "emb", name)
    model_logical = f"embedding-{name}-model"
    ctx.plan.add(model_logical, T.SM_MODEL, {
        "name": ctx.physical("sagemaker", "emb", name, _digest([image.uri, env])),
        "executionRoleArn": ref(EXECUTION_ROLE, "arn"),
        "primaryContainer": {"image": image.uri, "environment": env},
        "enableNetworkIsolation": False,
    }, source, depends_on=[f"{EXECUTION_ROLE}-policy"], meta={
        "image": {"framework": "tei", "frameworkKey": image.framework_key, "version": image.version, "uri": image.uri},
        "modelId": emb.model_id, "revision": emb.revision, "modelDataUrl": None,
        "accelerators": {"kind": acc.kind, "model": acc.model, "count": acc.count, "memoryGiB": acc.memory_gib},
        "servingEnvironment": env})
    config_logical = f"embedding-{name}-config"
    ctx.plan.add(config_logical, T.SM_ENDPOINT_CONFIG, {
        "name": ctx.physical("sagemaker", "emb", name, "cfg", _digest([image.uri, env, emb.instance_type])),
        "productionVariants": [{"variantName": "primary", "modelName": ref(model_logical, "name"), "instanceType": emb.instance_type,
                                "initialInstanceCount": 1, "initialVariantWeight": 1.0}],
    }, source)
    log_group = f"embedding-{name}-logs"
    ctx.plan.add(log_group, T.LOG_GROUP, {"name": f"/aws/sagemaker/Endpoints/{endpoint_name}",
                                          "retentionInDays": ctx.app.spec.monitoring.log_retention_days, "kmsKeyId": ctx.key_arn()}, source)
    statements.append({"Sid": f"WriteLogsEmbedding{_cap(name)}", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                       "Resource": join(ref(log_group, "arn"), ":log-stream:*")})
    endpoint_logical = f"embedding-{name}"
    ctx.plan.add(endpoint_logical, T.SM_ENDPOINT, {"name": endpoint_name, "endpointConfigName": ref(config_logical, "name")},
                 source, depends_on=[log_group], meta={"strategy": "all-at-once", "embedding": True})
    ctx.invoke_statements.append({"Sid": f"InvokeEmbedding{_cap(name)}", "Effect": "Allow", "Action": "sagemaker:InvokeEndpoint",
                                  "Resource": ref(endpoint_logical, "arn")})
    ctx.plan.outputs[f"embedding.{name}.endpointName"] = ref(endpoint_logical, "name")


def _endpoint_alarms(ctx: Ctx, name: str, endpoint_name: str, variants: list[str], source: str) -> dict[str, str]:
    """Add the endpoint's built-in alarms (summed or maxed over its variants); return kind -> logical name."""
    specs = {
        "invocation-5xx": ("Invocation5XXErrors", "Sum", "SUM", 1, 3, 2, "server errors"),
        "model-latency": ("ModelLatency", "p99", "MAX", LATENCY_ALARM_SECONDS * 1_000_000, 5, 3,
                          f"p99 model latency above {LATENCY_ALARM_SECONDS} s"),
        "invocation-4xx": ("Invocation4XXErrors", "Sum", "SUM", 10, 3, 2, "client errors (10+ a minute)"),
    }
    wanted = ["invocation-5xx", "model-latency"] + [k for k in ctx.app.spec.models[name].deployment.rollback_alarms
                                                    if k not in ("invocation-5xx", "model-latency")]
    out: dict[str, str] = {}
    for kind in wanted:
        metric, stat, combine, threshold, periods, datapoints, what = specs[kind]
        queries = [{"id": f"m{i}", "returnData": False, "metric": {
            "namespace": "AWS/SageMaker", "metricName": metric, "period": 60, "stat": stat,
            "dimensions": {"EndpointName": endpoint_name, "VariantName": variant}}} for i, variant in enumerate(variants)]
        queries.append({"id": "e", "returnData": True, "label": f"{metric} ({combine.lower()} of variants)",
                        "expression": f"{combine}([{', '.join(q['id'] for q in queries)}])"})
        logical = f"endpoint-{name}-alarm-{kind}"
        inputs: dict[str, Any] = {
            "name": ctx.physical("alarm", name, kind),
            "alarmDescription": f"{ctx.name} endpoint {name}: {what}. Rolls back a deployment in progress.",
            "comparisonOperator": "GreaterThanOrEqualToThreshold",
            "threshold": float(threshold), "evaluationPeriods": periods, "datapointsToAlarm": datapoints,
            "treatMissingData": "notBreaching", "metricQueries": queries,
        }
        if ctx.alarm_topic:
            inputs["alarmActions"] = [ref(ctx.alarm_topic, "arn")]
            inputs["okActions"] = [ref(ctx.alarm_topic, "arn")]
        ctx.plan.add(logical, T.METRIC_ALARM, inputs, f"{source}/deployment", meta={"builtin": kind, "target": name})
        out[kind] = logical
    return out


def _autoscaling(ctx: Ctx, name: str, endpoint_name: str, endpoint_logical: str, variant: str, model: SageMakerModel,
                 source: str) -> None:
    scaling = model.autoscaling
    target = f"endpoint-{name}-scaling-{variant}"
    ctx.plan.add(target, T.SCALING_TARGET, {
        "serviceNamespace": "sagemaker",
        "scalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "resourceId": f"endpoint/{endpoint_name}/variant/{variant}",
        "minCapacity": scaling.min_capacity,
        "maxCapacity": scaling.max_capacity,
    }, f"{source}/autoscaling", depends_on=[endpoint_logical])
    ctx.plan.add(f"{target}-policy", T.SCALING_POLICY, {
        "name": f"{endpoint_name}-{variant}-invocations"[:256],
        "policyType": "TargetTrackingScaling",
        "serviceNamespace": "sagemaker",
        "scalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "resourceId": ref(target, "resourceId"),
        "targetTrackingScalingPolicyConfiguration": {
            "targetValue": float(scaling.target_invocations_per_instance),
            "predefinedMetricSpecification": {"predefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            "scaleInCooldown": scaling.scale_in_cooldown_seconds,
            "scaleOutCooldown": scaling.scale_out_cooldown_seconds,
        },
    }, f"{source}/autoscaling")


def _cap(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("-"))
