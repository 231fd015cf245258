"""Monthly cost of logs (invocation logs, endpoint logs, data capture) and the fixed monthly items (KMS, dashboards, alarms, budgets)."""

from __future__ import annotations

from llmops_iac.cost.breakdown import CHARS_PER_TOKEN, GIB, flat, scale
from llmops_iac.cost.builder import TYPES, Builder, ref_name


def logs(b: Builder) -> None:
    req = b.model_requests()
    retention_default = 365
    logging = next((r for r in b.res.values() if r["type"] == TYPES["logging"]), None)
    bedrock_models = [m for m, n in b.models.items() if b.res[n]["type"] == TYPES["profile"]]
    if logging is not None and bedrock_models:
        content = bool((logging.get("meta") or {}).get("includeContent"))
        per_request = b.a.log_metadata_bytes + (
            (b.tin + b.tout) * CHARS_PER_TOKEN * b.a.log_json_overhead if content else 0)
        gb = scale(req, len(bedrock_models) * per_request / GIB)
        cw = (logging["inputs"].get("loggingConfig") or {}).get("cloudwatchConfig")
        s3 = (logging["inputs"].get("loggingConfig") or {}).get("s3Config")
        what = "prompts, completions and metadata" if content else "metadata only"
        if cw:
            group = ref_name(cw.get("logGroupName")) or "invocation-logs"
            if group in b.res:
                retention = float(b.res[group]["inputs"].get("retentionInDays") or retention_default)
                b.line(group, f"ingestion: Bedrock invocation logs ({what})", "cloudwatch/logs-ingestion", gb)
                b.line(group, f"storage at steady state ({retention:.0f}-day retention)", "cloudwatch/logs-storage",
                          scale(gb, retention / (b.days)))
                retention_default = int(retention)
        if s3:
            bucket = ref_name(s3.get("bucketName")) or "invocation-logs-bucket"
            if bucket in b.res:
                b.line(bucket, f"S3 copy of the invocation logs, kept {retention_default} days (as long as the log group)",
                          "s3/standard-storage", scale(gb, retention_default / b.days))
    for name, r in b.res.items():
        if r["type"] != TYPES["log_group"] or not name.endswith("-logs") or not name.startswith(("endpoint-", "embedding-")):
            continue
        endpoint = name[:-len("-logs")]
        if endpoint not in b.res or (b.res[endpoint].get("meta") or {}).get("embedding"):
            continue
        retention = float(r["inputs"].get("retentionInDays") or 365)
        gb = scale(req, b.a.endpoint_log_bytes / GIB)
        b.line(name, "ingestion: endpoint container logs", "cloudwatch/logs-ingestion", gb)
        b.line(name, f"storage at steady state ({retention:.0f}-day retention)", "cloudwatch/logs-storage",
                  scale(gb, retention / b.days))
    capture_bucket = "sagemaker-capture-bucket"
    if capture_bucket in b.res:
        for name, r in b.res.items():
            if r["type"] != TYPES["config"]:
                continue
            capture = r["inputs"].get("dataCaptureConfig")
            if not capture:
                continue
            share = float(capture.get("initialSamplingPercentage", 100)) / 100.0
            per = ((b.tin + b.tout) * CHARS_PER_TOKEN * b.a.capture_overhead + 500) * share
            gb = scale(req, per / GIB)
            keep = float(b.res.get(name.replace("-config", "-logs"), {}).get("inputs", {}).get("retentionInDays") or 365)
            b.line(capture_bucket, f"data capture of {name[len('endpoint-'):-len('-config')]} "
                                      f"({100 * share:.0f} % sampled), kept {keep:.0f} days",
                      "s3/standard-storage", scale(gb, keep / b.days))
            b.note(capture_bucket, "the Plan sets no lifecycle rule: captured data is assumed deleted after the "
                                      "log retention period")


def fixed(b: Builder) -> None:
    for name, r in b.res.items():
        t = r["type"]
        if t == TYPES["kms"]:
            b.line(name, "customer managed key", "kms/key", flat(1.0))
        elif t == TYPES["dashboard"]:
            b.line(name, "dashboard", "cloudwatch/dashboard", flat(1.0))
        elif t == TYPES["alarm"]:
            queries = r["inputs"].get("metricQueries") or []
            metrics = sum(1 for q in queries if q.get("metric")) or 1
            b.line(name, f"alarm reading {metrics} metric{'s' if metrics > 1 else ''}", "cloudwatch/alarm-metric",
                      flat(float(metrics)))
        elif t == TYPES["budget"]:
            b.line(name, "budget", "budgets/budget-day", flat(b.days))
