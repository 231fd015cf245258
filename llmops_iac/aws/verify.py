"""Verify: after ``pulumi up``, does what runs in AWS match the Plan? Drift is a failed check with its differences.

- **endpoint** (SageMaker): the endpoint exists and is InService, runs the Plan's endpoint
  configuration (its name carries the content hash), and its variants have the planned
  instance types and traffic weights (compared as shares), with current instance counts
  within the autoscaling bounds.
- **guardrail** (Bedrock, found by name with ``list_guardrails``): READY, and its content
  filters, denied topics, PII entities and regexes, word filters, contextual-grounding
  thresholds, blocked messages and KMS encryption equal the Plan's.
- **budget**: the limit, unit and period, and the set of notifications (type, comparison, threshold).
- **vector-store**: OpenSearch Serverless collections (``batch_get_collection``: ACTIVE,
  VECTORSEARCH, standby replicas) and S3 Vectors indexes (dimension, distance metric,
  data type) and their bucket's encryption.

Read-only: nothing is changed. Credentials are checked first (missing → UsageError, exit 2).
"""

from __future__ import annotations

from typing import Any

from llmops_iac.aws.report import Check, CheckReport
from llmops_iac.aws.session import Clients, call, error_code, make_session, mapped, require_credentials, resolve_region
from llmops_iac.compile.plan import plan_data

_NOT_FOUND = {"ValidationException", "ResourceNotFoundException", "NotFoundException", "NoSuchBucket", "NotFound",
              "NoSuchVectorBucket", "NoSuchIndex"}


def static(value: Any, resources: dict[str, dict[str, Any]]) -> Any:
    """A Plan value as a plain value: literals as they are, a reference to another resource's input attribute
    resolved from that resource's inputs; None when it is only known after deployment (an ARN, an ID)."""
    if isinstance(value, dict) and set(value) == {"ref", "attr"}:
        target = resources.get(value["ref"])
        if target is None:
            return None
        got = target.get("inputs", {}).get(value["attr"])
        return static(got, resources) if got is not None else None
    if isinstance(value, dict) and (set(value) == {"context"} or any(k.startswith("fn::") for k in value)):
        return None
    return value


def _shares(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values()) or 1.0
    return {k: round(v / total, 4) for k, v in weights.items()}


def _missing(exc: BaseException) -> bool:
    code = error_code(exc)
    message = str(exc).lower()
    return code in _NOT_FOUND and ("not found" in message or "could not find" in message or "does not exist" in message
                                   or code != "ValidationException")


# ------------------------------------------------------------------------------------------------- endpoints

def verify_endpoints(clients: Clients, data: dict[str, Any]) -> list[Check]:
    from botocore.exceptions import ClientError

    res = {r["name"]: r for r in data.get("resources", [])}
    out: list[Check] = []
    for name, r in sorted(res.items()):
        if r["type"] != "aws:sagemaker/endpoint:Endpoint":
            continue
        client = clients.get("sagemaker")
        endpoint_name = r["inputs"]["name"]
        cfg = res.get((r["inputs"].get("endpointConfigName") or {}).get("ref", ""))
        source = r.get("source", "")
        try:
            live = client.describe_endpoint(EndpointName=endpoint_name)
        except ClientError as exc:
            if _missing(exc):
                out.append(Check("endpoint", endpoint_name, "fail", "not deployed: no such SageMaker endpoint", name, source,
                                 fix="run `pulumi up` for this stack"))
                continue
            raise mapped("sagemaker:DescribeEndpoint", exc) from None
        diffs: list[str] = []
        status = live.get("EndpointStatus", "")
        if status != "InService":
            diffs.append(f"status is {status}, not InService" + (f": {live['FailureReason']}" if live.get("FailureReason") else ""))
        planned_cfg = cfg["inputs"].get("name") if cfg else None
        running_cfg = live.get("EndpointConfigName")
        if planned_cfg and running_cfg != planned_cfg:
            diffs.append(f"runs endpoint configuration {running_cfg}, the Plan's is {planned_cfg} "
                         "(not deployed yet, rolled back, or changed outside Pulumi)")
        if cfg is not None:
            planned = {v["variantName"]: v for v in cfg["inputs"].get("productionVariants", [])}
            try:
                running = client.describe_endpoint_config(EndpointConfigName=running_cfg)
            except ClientError as exc:
                if not _missing(exc):
                    raise mapped("sagemaker:DescribeEndpointConfig", exc) from None
                diffs.append(f"its endpoint configuration {running_cfg} no longer exists")
                running = {"ProductionVariants": []}
            deployed = {v["VariantName"]: v for v in running.get("ProductionVariants", [])}
            if set(planned) != set(deployed):
                diffs.append(f"variants are {sorted(deployed)}, the Plan's are {sorted(planned)}")
            for vname in sorted(set(planned) & set(deployed)):
                if planned[vname].get("instanceType") != deployed[vname].get("InstanceType"):
                    diffs.append(f"variant {vname} runs on {deployed[vname].get('InstanceType')}, "
                                 f"the Plan says {planned[vname].get('instanceType')}")
            want = _shares({k: float(v.get("initialVariantWeight", 1.0)) for k, v in planned.items()})
            live_variants = {v["VariantName"]: v for v in live.get("ProductionVariants", [])}
            have = _shares({k: float(v.get("CurrentWeight", v.get("DesiredWeight", 0.0)) or 0.0)
                            for k, v in live_variants.items()}) if live_variants else {}
            for vname in sorted(set(want) & set(have)):
                if abs(want[vname] - have[vname]) > 0.005:
                    diffs.append(f"variant {vname} receives {100 * have[vname]:.0f} % of traffic, "
                                 f"the Plan gives it {100 * want[vname]:.0f} %")
            scaling = (cfg.get("meta") or {}).get("autoscaling")
            for vname, v in sorted(live_variants.items()):
                count = v.get("CurrentInstanceCount")
                if count is None or vname not in planned:
                    continue
                low, high = ((int(scaling["min"]), int(scaling["max"])) if scaling else
                             (int(planned[vname].get("initialInstanceCount", 1)),) * 2)
                if not low <= int(count) <= high:
                    diffs.append(f"variant {vname} runs {count} instances, outside the Plan's bounds {low}–{high}")
        if diffs:
            out.append(Check("endpoint", endpoint_name, "fail", "drifted from the Plan", name, source, differences=diffs,
                             fix="run `pulumi up` to converge, or `pulumi refresh` to see what changed"))
        else:
            out.append(Check("endpoint", endpoint_name, "pass", f"InService on {running_cfg}; variants, instance types, "
                                                                "weights and counts match", name, source))
    return out


# ------------------------------------------------------------------------------------------------- guardrails

def _guardrail_expectation(inputs: dict[str, Any]) -> dict[str, Any]:
    content = inputs.get("contentPolicyConfig") or {}
    topics = inputs.get("topicPolicyConfig") or {}
    sens = inputs.get("sensitiveInformationPolicyConfig") or {}
    words = inputs.get("wordPolicyConfig") or {}
    grounding = inputs.get("contextualGroundingPolicyConfig") or {}
    return {
        "content filters": sorted((f["type"], f.get("inputStrength", "NONE"), f.get("outputStrength", "NONE"))
                                  for f in content.get("filtersConfigs", [])),
        "denied topics": sorted(t["name"] for t in topics.get("topicsConfigs", [])),
        "PII entities": sorted((p["type"], p.get("action", "")) for p in sens.get("piiEntitiesConfigs", [])),
        "regexes": sorted((x["name"], x["pattern"], x.get("action", "")) for x in sens.get("regexesConfigs", [])),
        "words": sorted(w["text"] for w in words.get("wordsConfigs", [])),
        "managed word lists": sorted(m["type"] for m in words.get("managedWordListsConfigs", [])),
        "grounding thresholds": sorted((g["type"], round(float(g["threshold"]), 4)) for g in grounding.get("filtersConfigs", [])),
        "blocked input message": inputs.get("blockedInputMessaging"),
        "blocked output message": inputs.get("blockedOutputsMessaging"),
        "KMS encryption": "kmsKeyArn" in inputs,
    }


def _guardrail_actual(g: dict[str, Any]) -> dict[str, Any]:
    content = g.get("contentPolicy") or {}
    topics = g.get("topicPolicy") or {}
    sens = g.get("sensitiveInformationPolicy") or {}
    words = g.get("wordPolicy") or {}
    grounding = g.get("contextualGroundingPolicy") or {}
    return {
        "content filters": sorted((f["type"], f.get("inputStrength", "NONE"), f.get("outputStrength", "NONE"))
                                  for f in content.get("filters", [])),
        "denied topics": sorted(t["name"] for t in topics.get("topics", [])),
        "PII entities": sorted((p["type"], p.get("action", "")) for p in sens.get("piiEntities", [])),
        "regexes": sorted((x["name"], x["pattern"], x.get("action", "")) for x in sens.get("regexes", [])),
        "words": sorted(w["text"] for w in words.get("words", [])),
        "managed word lists": sorted(m["type"] for m in words.get("managedWordLists", [])),
        "grounding thresholds": sorted((f["type"], round(float(f["threshold"]), 4)) for f in grounding.get("filters", [])),
        "blocked input message": g.get("blockedInputMessaging"),
        "blocked output message": g.get("blockedOutputsMessaging"),
        "KMS encryption": bool(g.get("kmsKeyArn")),
    }


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join("/".join(str(x) for x in v) if isinstance(v, tuple) else str(v) for v in value) + "]"
    return repr(value)


def verify_guardrails(clients: Clients, data: dict[str, Any]) -> list[Check]:
    from botocore.exceptions import ClientError

    planned = [r for r in data.get("resources", []) if r["type"] == "aws:bedrock/guardrail:Guardrail"]
    if not planned:
        return []
    client = clients.get("bedrock")
    by_name: dict[str, dict[str, Any]] = {}
    kwargs: dict[str, Any] = {"maxResults": 100}
    for _ in range(100):
        page = call("bedrock:ListGuardrails", client.list_guardrails, **kwargs)
        for g in page.get("guardrails", []):
            by_name.setdefault(g["name"], g)
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    out = []
    for r in sorted(planned, key=lambda r: r["name"]):
        gname = r["inputs"]["name"]
        summary = by_name.get(gname)
        if summary is None:
            out.append(Check("guardrail", gname, "fail", "not deployed: no guardrail with this name", r["name"],
                             r.get("source", ""), fix="run `pulumi up` for this stack"))
            continue
        try:
            live = client.get_guardrail(guardrailIdentifier=summary["id"])
        except ClientError as exc:
            raise mapped("bedrock:GetGuardrail", exc) from None
        want, have = _guardrail_expectation(r["inputs"]), _guardrail_actual(live)
        diffs = [f"{k}: deployed {_describe(have[k])}, the Plan's {_describe(want[k])}" for k in want if want[k] != have[k]]
        if live.get("status") != "READY":
            diffs.insert(0, f"status is {live.get('status')}, not READY")
        if diffs:
            out.append(Check("guardrail", gname, "fail", "drifted from the Plan", r["name"], r.get("source", ""),
                             differences=diffs, fix="run `pulumi up` to restore the guardrail's configuration"))
        else:
            out.append(Check("guardrail", gname, "pass", f"READY (id {summary['id']}); filters, topics, PII, words, "
                                                         "grounding and messages match", r["name"], r.get("source", "")))
    return out


# ------------------------------------------------------------------------------------------------- budgets

def verify_budgets(clients: Clients, data: dict[str, Any], account: str) -> list[Check]:
    from botocore.exceptions import ClientError

    out = []
    for r in sorted((r for r in data.get("resources", []) if r["type"] == "aws:budgets/budget:Budget"), key=lambda r: r["name"]):
        client = clients.get("budgets", "us-east-1")
        bname = r["inputs"]["name"]
        try:
            live = client.describe_budget(AccountId=account, BudgetName=bname)["Budget"]
        except ClientError as exc:
            if error_code(exc) == "NotFoundException":
                out.append(Check("budget", bname, "fail", "not deployed: no such budget", r["name"], r.get("source", ""),
                                 fix="run `pulumi up` for this stack"))
                continue
            raise mapped("budgets:DescribeBudget", exc) from None
        diffs = []
        limit = live.get("BudgetLimit") or {}
        if float(limit.get("Amount", "nan")) != float(r["inputs"]["limitAmount"]) or limit.get("Unit") != r["inputs"]["limitUnit"]:
            diffs.append(f"limit is {limit.get('Amount')} {limit.get('Unit')}, the Plan's {r['inputs']['limitAmount']} "
                         f"{r['inputs']['limitUnit']}")
        if live.get("TimeUnit") != r["inputs"]["timeUnit"]:
            diffs.append(f"period is {live.get('TimeUnit')}, the Plan's {r['inputs']['timeUnit']}")
        if live.get("BudgetType") != r["inputs"]["budgetType"]:
            diffs.append(f"type is {live.get('BudgetType')}, the Plan's {r['inputs']['budgetType']}")
        notes = call("budgets:DescribeNotificationsForBudget", client.describe_notifications_for_budget,
                     AccountId=account, BudgetName=bname).get("Notifications", [])
        have = sorted((n["NotificationType"], n["ComparisonOperator"], float(n["Threshold"])) for n in notes)
        want = sorted((n["notificationType"], n["comparisonOperator"], float(n["threshold"]))
                      for n in r["inputs"].get("notifications", []))
        if have != want:
            missing = [f"{t} {op} {x:g} %" for t, op, x in want if (t, op, x) not in have]
            extra = [f"{t} {op} {x:g} %" for t, op, x in have if (t, op, x) not in want]
            diffs.append("notifications differ" + (f"; missing: {', '.join(missing)}" if missing else "")
                         + (f"; not in the Plan: {', '.join(extra)}" if extra else ""))
        if diffs:
            out.append(Check("budget", bname, "fail", "drifted from the Plan", r["name"], r.get("source", ""), differences=diffs,
                             fix="run `pulumi up` to restore the budget"))
        else:
            out.append(Check("budget", bname, "pass", f"limit {limit.get('Amount')} {limit.get('Unit')} "
                                                       f"{live.get('TimeUnit', '').lower()} and {len(want)} notifications match",
                             r["name"], r.get("source", "")))
    return out


# ------------------------------------------------------------------------------------------------- vector stores

def verify_vector_stores(clients: Clients, data: dict[str, Any]) -> list[Check]:
    from botocore.exceptions import ClientError

    res = {r["name"]: r for r in data.get("resources", [])}
    out: list[Check] = []
    collections = [r for r in res.values() if r["type"] == "aws:opensearch/serverlessCollection:ServerlessCollection"]
    if collections:
        client = clients.get("opensearchserverless")
        names = sorted(r["inputs"]["name"] for r in collections)
        answer = call("opensearchserverless:BatchGetCollection", client.batch_get_collection, names=names)
        found = {c["name"]: c for c in answer.get("collectionDetails", [])}
        for r in sorted(collections, key=lambda r: r["name"]):
            cname = r["inputs"]["name"]
            live = found.get(cname)
            if live is None:
                out.append(Check("vector-store", cname, "fail", "not deployed: no OpenSearch Serverless collection with this name",
                                 r["name"], r.get("source", ""), fix="run `pulumi up` for this stack"))
                continue
            diffs = []
            if live.get("status") != "ACTIVE":
                diffs.append(f"status is {live.get('status')}, not ACTIVE")
            if live.get("type") != r["inputs"].get("type"):
                diffs.append(f"type is {live.get('type')}, the Plan's {r['inputs'].get('type')}")
            want_standby = r["inputs"].get("standbyReplicas")
            if want_standby and live.get("standbyReplicas") and live["standbyReplicas"] != want_standby:
                diffs.append(f"standby replicas {live['standbyReplicas']}, the Plan's {want_standby}")
            out.append(Check("vector-store", cname, "fail" if diffs else "pass",
                             "drifted from the Plan" if diffs else f"ACTIVE {live.get('type')} collection, standby replicas "
                                                                   f"{live.get('standbyReplicas', want_standby)}",
                             r["name"], r.get("source", ""), differences=diffs,
                             fix="run `pulumi up` to converge" if diffs else ""))
    for r in sorted((r for r in res.values() if r["type"] == "aws:s3/vectorsIndex:VectorsIndex"), key=lambda r: r["name"]):
        client = clients.get("s3vectors")
        bucket = static(r["inputs"].get("vectorBucketName"), res)
        index = r["inputs"].get("indexName")
        target = f"{bucket}/{index}"
        try:
            live = client.get_index(vectorBucketName=bucket, indexName=index)["index"]
        except ClientError as exc:
            if error_code(exc) in _NOT_FOUND:
                out.append(Check("vector-store", target, "fail", "not deployed: no such S3 Vectors index", r["name"],
                                 r.get("source", ""), fix="run `pulumi up` for this stack"))
                continue
            raise mapped("s3vectors:GetIndex", exc) from None
        diffs = []
        for key, live_key in (("dimension", "dimension"), ("distanceMetric", "distanceMetric"), ("dataType", "dataType")):
            want, have = r["inputs"].get(key), live.get(live_key)
            if want is not None and want != have:
                diffs.append(f"{key} is {have}, the Plan's {want}")
        bucket_res = next((b for b in res.values() if b["type"] == "aws:s3/vectorsVectorBucket:VectorsVectorBucket"
                           and b["inputs"].get("vectorBucketName") == bucket), None)
        if bucket_res is not None:
            want_sse = ((bucket_res["inputs"].get("encryptionConfigurations") or [{}])[0] or {}).get("sseType")
            try:
                vb = client.get_vector_bucket(vectorBucketName=bucket)["vectorBucket"]
                have_sse = (vb.get("encryptionConfiguration") or {}).get("sseType")
                if want_sse and have_sse and want_sse != have_sse:
                    diffs.append(f"bucket encryption is {have_sse}, the Plan's {want_sse}")
            except ClientError as exc:
                if error_code(exc) not in _NOT_FOUND:
                    raise mapped("s3vectors:GetVectorBucket", exc) from None
                diffs.append("the vector bucket is missing")
        out.append(Check("vector-store", target, "fail" if diffs else "pass",
                         "drifted from the Plan" if diffs else f"index of {live.get('dimension')} {live.get('dataType')} "
                                                               f"dimensions, {live.get('distanceMetric')} distance",
                         r["name"], r.get("source", ""), differences=diffs, fix="run `pulumi up` to converge" if diffs else ""))
    return out


# ------------------------------------------------------------------------------------------------- entry point

def verify(plan: Any, *, session: Any = None, region: str | None = None, profile: str | None = None,
           endpoint_url: str | None = None, endpoint_urls: dict[str, str] | None = None,
           clients: dict[str, Any] | None = None, account: str | None = None) -> CheckReport:
    """Compare the deployed endpoints, guardrails, budgets and vector stores with ``plan``; ``report.ok`` is False on drift."""
    data = plan_data(plan)
    session = session or make_session(profile=profile)
    region = resolve_region(region, data.get("region"), getattr(session, "region_name", None), what="verify")
    require_credentials(session, "verify")
    c = Clients(session, region, endpoint_url=endpoint_url, endpoint_urls=endpoint_urls or {}, overrides=clients or {})
    if account is None:
        identity = call("sts:GetCallerIdentity", c.get("sts").get_caller_identity)
        account = identity["Account"]
    report = CheckReport("verify", data.get("app", ""), data.get("environment", ""), region, account=account)
    for check in verify_endpoints(c, data) + verify_guardrails(c, data) + verify_budgets(c, data, account) \
            + verify_vector_stores(c, data):
        report.add(check)
    return report
