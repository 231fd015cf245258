"""spec.monitoring → the alarm topic, declared alarms (with runbooks) and a CloudWatch dashboard.

Log groups are created by the concern that owns them (invocation logs in
bedrock.py, endpoint logs in sagemaker.py), each with the declared retention
and the app key: a log group SageMaker or Bedrock creates on its own never
expires and is not encrypted with your key.
"""

from __future__ import annotations

from typing import Any

from llmops_iac.compile import guardrails
from llmops_iac.compile import tokens as T
from llmops_iac.compile.context import Ctx
from llmops_iac.compile.errors import CompileErrors
from llmops_iac.compile.notify import topic
from llmops_iac.compile.plan import ref, to_json
from llmops_iac.spec.model import BedrockModel

# metric kind -> (Bedrock metric, stat, scale) / (SageMaker metric, stat, scale); None = not measurable there.
_BEDROCK = {
    "invocation-errors": ("InvocationServerErrors", "Sum", 1), "invocation-5xx": ("InvocationServerErrors", "Sum", 1),
    "invocation-4xx": ("InvocationClientErrors", "Sum", 1), "model-latency-p99-ms": ("InvocationLatency", "p99", 1),
    "throttles": ("InvocationThrottles", "Sum", 1), "input-tokens": ("InputTokenCount", "Sum", 1),
    "output-tokens": ("OutputTokenCount", "Sum", 1),
}
_SAGEMAKER = {
    "invocation-errors": ("Invocation5XXErrors", "Sum", 1), "invocation-5xx": ("Invocation5XXErrors", "Sum", 1),
    "invocation-4xx": ("Invocation4XXErrors", "Sum", 1), "model-latency-p99-ms": ("ModelLatency", "p99", 1000),
}


def compile_alarm_topic(ctx: Ctx) -> None:
    """Add the topic alarms publish to, when anyone is to be told."""
    notify = ctx.app.spec.monitoring.notify
    emails = list(notify.emails or ())
    if emails or notify.sns_topic_arns:
        ctx.alarm_topic = topic(ctx, "alarm-topic", "alarms", "/spec/monitoring/notify",
                                publishers=["cloudwatch.amazonaws.com"], emails=emails)


def _actions(ctx: Ctx) -> list[Any]:
    notify = ctx.app.spec.monitoring.notify
    return ([ref(ctx.alarm_topic, "arn")] if ctx.alarm_topic else []) + list(notify.sns_topic_arns or ())


def compile_alarms(ctx: Ctx, errors: CompileErrors) -> None:
    """Add every declared alarm, one per model it watches."""
    spec = ctx.app.spec
    for i, alarm in enumerate(spec.monitoring.alarms):
        pointer = f"/spec/monitoring/alarms/{i}"
        targets = [alarm.target] if alarm.target else sorted(spec.models)
        for target in targets:
            model = spec.models[target]
            description = f"{ctx.name}: {alarm.name} ({alarm.metric} on {target})"
            if alarm.runbook_url:
                description += f". Runbook: {alarm.runbook_url}"
            inputs: dict[str, Any] = {
                "name": ctx.physical("alarm", alarm.name, target),
                "alarmDescription": description[:1024],
                "comparisonOperator": "GreaterThanThreshold",
                "evaluationPeriods": alarm.evaluation_periods,
                "period": alarm.period_seconds,
                "treatMissingData": "notBreaching",
                "alarmActions": _actions(ctx),
            }
            if alarm.metric == "guardrail-interventions":
                guards = ctx.guardrails_of.get(f"model:{target}", [])
                if not guards:
                    errors.add(f"{pointer}/metric", f"model {target!r} has no guardrail, so it has no guardrail interventions to alarm on",
                               "apply a guardrail to the model, or give the alarm another target")
                    continue
                inputs.update({"namespace": "AWS/Bedrock/Guardrails", "metricName": "InvocationsIntervened", "statistic": "Sum",
                               "threshold": float(alarm.threshold),
                               "dimensions": {"GuardrailArn": ref(guardrails.logical(guards[0]), "guardrailArn"),
                                              "GuardrailVersion": ref(f"{guardrails.logical(guards[0])}-version", "version")}})
            elif isinstance(model, BedrockModel):
                metric, stat, scale = _BEDROCK[alarm.metric]
                inputs.update({"namespace": "AWS/Bedrock", "metricName": metric, "threshold": float(alarm.threshold) * scale,
                               "dimensions": {"ModelId": ref(f"model-{target}-profile", "arn")}, **_stat(stat)})
            else:
                if alarm.metric not in _SAGEMAKER:
                    errors.add(f"{pointer}/metric", f"{alarm.metric} is not measured for SageMaker endpoints (model {target!r})",
                               "use invocation-errors, invocation-5xx, invocation-4xx or model-latency-p99-ms, or target a Bedrock model")
                    continue
                metric, stat, scale = _SAGEMAKER[alarm.metric]
                endpoint = ctx.physical("sagemaker", target)
                inputs.update({"namespace": "AWS/SageMaker", "metricName": metric, "threshold": float(alarm.threshold) * scale,
                               "dimensions": {"EndpointName": endpoint, "VariantName": _first_variant(ctx, target)}, **_stat(stat)})
            ctx.plan.add(f"alarm-{alarm.name}-{target}", T.METRIC_ALARM, inputs, pointer,
                         meta={"runbookUrl": alarm.runbook_url, "target": target, "metric": alarm.metric})


def _stat(stat: str) -> dict[str, str]:
    return {"extendedStatistic": stat} if stat.startswith("p") else {"statistic": stat}


def _first_variant(ctx: Ctx, model: str) -> str:
    m = ctx.app.spec.models[model]
    return m.variants[0].name if getattr(m, "variants", None) else "primary"


def compile_dashboard(ctx: Ctx) -> None:
    """Add one dashboard: per model invocations, latency and errors; guardrail interventions; budget-relevant tokens."""
    if not ctx.app.spec.monitoring.dashboard:
        return
    widgets: list[dict[str, Any]] = []
    y = 0
    for name, model in sorted(ctx.app.spec.models.items()):
        if isinstance(model, BedrockModel):
            dim = ["ModelId", ref(f"model-{name}-profile", "arn")]
            rows = [("Invocations", "Sum"), ("InvocationLatency", "p99"), ("InvocationServerErrors", "Sum"),
                    ("InputTokenCount", "Sum"), ("OutputTokenCount", "Sum")]
            metrics = [["AWS/Bedrock", m, *dim, {"stat": s}] for m, s in rows]
        else:
            endpoint = ctx.physical("sagemaker", name)
            metrics = [["AWS/SageMaker", m, "EndpointName", endpoint, "VariantName", _first_variant(ctx, name), {"stat": s}]
                       for m, s in [("Invocations", "Sum"), ("ModelLatency", "p99"), ("Invocation5XXErrors", "Sum")]]
        widgets.append({"type": "metric", "x": 0, "y": y, "width": 24, "height": 6,
                        "properties": {"title": f"model {name}", "region": ctx.region, "view": "timeSeries", "metrics": metrics}})
        y += 6
    for name in sorted(ctx.app.spec.guardrails):
        widgets.append({"type": "metric", "x": 0, "y": y, "width": 24, "height": 6, "properties": {
            "title": f"guardrail {name}", "region": ctx.region, "view": "timeSeries",
            "metrics": [["AWS/Bedrock/Guardrails", "InvocationsIntervened", "GuardrailArn", ref(guardrails.logical(name), "guardrailArn"),
                         "GuardrailVersion", ref(f"{guardrails.logical(name)}-version", "version"), {"stat": "Sum"}]]}})
        y += 6
    ctx.plan.add("dashboard", T.DASHBOARD, {
        "dashboardName": ctx.physical("dashboard"),
        "dashboardBody": to_json({"widgets": widgets}),
    }, "/spec/monitoring/dashboard")
    ctx.plan.outputs["dashboardName"] = ref("dashboard", "dashboardName")
