"""Bedrock models → application inference profiles, the app's invoke role, model invocation logging.

Every Bedrock model is invoked through an *application inference profile*
copied from the foundation model (or from its cross-region system profile).
That is what makes Bedrock spend carry the app's tags, so the budget filtered
on the ``app`` tag sees it; and it gives the invoke policy one exact ARN.

The invoke role allows InvokeModel on exactly those profiles and the models
behind them (in each destination region of a cross-region profile, and only
through that profile), and — for a model a guardrail applies to — only with
that guardrail (IAM condition ``bedrock:GuardrailIdentifier``).

Model invocation logging is an account-and-region setting in Bedrock: one
configuration per account and region. Two applications deployed to the same
account overwrite each other's; keep ``monitoring.invocationLogging`` enabled
in one of them (the Plan marks the resource ``accountSingleton``).
"""

from __future__ import annotations

from llmops_iac.compile import guardrails
from llmops_iac.compile import tokens as T
from llmops_iac.compile.context import PROFILE_DESTINATIONS, Ctx
from llmops_iac.compile.plan import join, ref
from llmops_iac.compile.security import kms_use, role, secure_bucket
from llmops_iac.spec.load import escape
from llmops_iac.spec.model import BedrockModel

INVOKE_ROLE = "app-invoke-role"


def _sid(prefix: str, name: str) -> str:
    return prefix + "".join(p.capitalize() for p in name.split("-"))


def compile_models(ctx: Ctx) -> None:
    """Add an application inference profile per Bedrock model and its invoke statement."""
    for name, model in sorted(ctx.app.spec.models.items()):
        if not isinstance(model, BedrockModel):
            continue
        source = f"/spec/models/{escape(name)}"
        geo = model.cross_region_inference
        if geo != "none":
            system_profile = f"{geo}.{model.model_id}"
            copy_from = ctx.arn("bedrock", f"inference-profile/{system_profile}")
            underlying = [copy_from] + [ctx.foundation_model_arn(model.model_id, region=r) for r in PROFILE_DESTINATIONS[geo]]
        else:
            copy_from = ctx.foundation_model_arn(model.model_id)
            underlying = [copy_from]
        logical = f"model-{name}-profile"
        ctx.plan.add(logical, T.INFERENCE_PROFILE, {
            "name": ctx.physical("inference-profile", name),
            "description": model.description or f"{ctx.name} model {name}",
            "modelSource": {"copyFrom": copy_from},
        }, source, meta={"modelId": model.model_id, "provider": "bedrock", "crossRegionInference": geo,
                         "guardrails": ctx.guardrails_of.get(f"model:{name}", []),
                         "provisionedThroughput": model.provisioned_throughput})
        statement: dict = {
            "Sid": _sid("Invoke", name), "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": [ref(logical, "arn")] + underlying,
        }
        guards = ctx.guardrails_of.get(f"model:{name}", [])
        if guards:
            statement["Condition"] = {"StringEquals": {"bedrock:GuardrailIdentifier": [guardrails.version_identifier(g) for g in guards]}}
        ctx.invoke_statements.append(statement)
        ctx.plan.outputs[f"model.{name}.inferenceProfileArn"] = ref(logical, "arn")


def compile_invoke_role(ctx: Ctx) -> None:
    """Add the role the application's code assumes to call its models, guardrails, KBs, prompts, endpoints."""
    statements = list(ctx.invoke_statements)
    names = sorted(ctx.app.spec.guardrails)
    if names:
        statements.append({"Sid": "ApplyGuardrails", "Effect": "Allow", "Action": "bedrock:ApplyGuardrail",
                           "Resource": [ref(guardrails.logical(g), "guardrailArn") for g in names]})
    if not statements:
        return
    statements.append(kms_use(ctx))
    role(ctx, INVOKE_ROLE, "invoke", "/spec/models", statements=statements,
         description=f"Assumed by {ctx.name}'s code to invoke its models, guardrails, knowledge bases and endpoints",
         meta={"invokeRole": True})
    ctx.plan.outputs["invokeRoleArn"] = ref(INVOKE_ROLE, "arn")


def compile_invocation_logging(ctx: Ctx) -> None:
    """Add model invocation logging to CloudWatch Logs and S3, both encrypted with the app key."""
    logging = ctx.app.spec.monitoring.invocation_logging
    if not logging.enabled or not any(isinstance(m, BedrockModel) for m in ctx.app.spec.models.values()):
        return
    source = "/spec/monitoring/invocationLogging"
    config: dict = {
        "textDataDeliveryEnabled": logging.include_content,
        "imageDataDeliveryEnabled": logging.include_content,
        "embeddingDataDeliveryEnabled": logging.include_content,
    }
    bucket = None
    if "s3" in logging.destinations:
        bucket = secure_bucket(ctx, "invocation-logs-bucket", "invocation-logs", source,
                               service_writers=[("bedrock.amazonaws.com", "AWSLogs/")])
        config["s3Config"] = {"bucketName": ref(bucket, "id"), "keyPrefix": "AWSLogs"}
    depends = [f"{bucket}-policy"] if bucket else []
    if "cloudwatch" in logging.destinations:
        group = "invocation-logs"
        ctx.plan.add(group, T.LOG_GROUP, {
            "name": ctx.physical("log-group", "model-invocations", prefix="/aws/bedrock/"),
            "retentionInDays": ctx.app.spec.monitoring.log_retention_days,
            "kmsKeyId": ctx.key_arn(),
        }, source)
        writer = role(ctx, "invocation-logging-role", "invocation-logging", source, service="bedrock.amazonaws.com",
                      statements=[{"Sid": "WriteInvocationLogs", "Effect": "Allow",
                                   "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                   "Resource": join(ref(group, "arn"), ":log-stream:*")}]
                      + ([{"Sid": "WriteLargePayloads", "Effect": "Allow", "Action": "s3:PutObject",
                           "Resource": join(ref(bucket, "arn"), "/AWSLogs/*")}, kms_use(ctx)] if bucket else [kms_use(ctx)]),
                      description=f"Bedrock writes {ctx.name}'s model invocation logs")
        cloudwatch: dict = {"logGroupName": ref(group, "name"), "roleArn": ref(writer, "arn")}
        if bucket:
            cloudwatch["largeDataDeliveryS3Config"] = {"bucketName": ref(bucket, "id"), "keyPrefix": "AWSLogs/large"}
        config["cloudwatchConfig"] = cloudwatch
        depends.append(f"{writer}-policy")
    ctx.plan.add("invocation-logging", T.INVOCATION_LOGGING, {"loggingConfig": config}, source,
                 depends_on=depends, meta={"accountSingleton": True, "includeContent": logging.include_content})
