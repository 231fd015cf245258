"""Pre-flight: will ``pulumi up`` of this Plan work in this account and region? One pass/fail line per check.

- **region**: every service the Plan uses has an endpoint in the region. Read from
  botocore's endpoint data (``Session.get_available_regions`` and endpoints.json, where
  bedrock-runtime is listed under bedrock); a global service (IAM, Budgets) passes; a
  service botocore has no endpoint data for (S3 Vectors, Bedrock Agents) is probed with
  one read-only list call in the region.
- **quota**: for each SageMaker instance type, the Service Quotas value of
  ``<type> for endpoint usage`` (looked up by name with ``list_service_quotas``, never a
  hard-coded quota code) against what the Plan needs: the autoscaling maximum of every
  variant of that type, and twice that while a blue/green deployment runs the new fleet
  next to the old one (enough for scaling but not for a deployment at full size is a warning).
- **model-access**: each Bedrock model (text and knowledge-base embeddings) is offered in
  the region (``list_foundation_models``; LEGACY is a warning) and this account may
  invoke it (``get_foundation_model_availability``: agreement, authorization,
  entitlement, region).

Credentials are checked before anything is called (missing → UsageError, exit 2).
"""

from __future__ import annotations

from typing import Any

from llmops_iac.aws.report import Check, CheckReport
from llmops_iac.aws.session import Clients, call, error_code, make_session, mapped, require_credentials, resolve_region
from llmops_iac.compile.plan import plan_data

#: Pulumi type token prefix → the boto3 services behind it (the API the deploy calls, and the one the app invokes).
SERVICES_BY_TYPE: list[tuple[str, tuple[str, ...]]] = [
    ("aws:sagemaker/", ("sagemaker", "sagemaker-runtime")),
    ("aws:appautoscaling/", ("application-autoscaling",)),
    ("aws:bedrock/agentKnowledgeBase", ("bedrock-agent", "bedrock-agent-runtime")),
    ("aws:bedrock/agentDataSource", ("bedrock-agent",)),
    ("aws:bedrock/agentPrompt", ("bedrock-agent",)),
    ("aws-native:bedrock:", ("bedrock-agent",)),
    ("aws:bedrock/", ("bedrock", "bedrock-runtime")),
    ("aws:bedrockmodel/", ("bedrock",)),
    ("aws:opensearch/serverless", ("opensearchserverless",)),
    ("aws-native:opensearchserverless:", ("opensearchserverless",)),
    ("aws:s3/vectors", ("s3vectors",)),
    ("aws:s3/", ("s3",)),
    ("aws:kms/", ("kms",)),
    ("aws:cloudwatch/logGroup", ("logs",)),
    ("aws:cloudwatch/", ("cloudwatch",)),
    ("aws:sns/", ("sns",)),
    ("aws:scheduler/", ("scheduler",)),
    ("aws:iam/", ("iam",)),
    ("aws:budgets/", ("budgets",)),
]

#: Read-only calls that show a service answers in a region (for services botocore has no endpoint data for).
PROBES: dict[str, tuple[str, dict[str, Any]]] = {
    "s3vectors": ("list_vector_buckets", {"maxResults": 1}),
    "bedrock-agent": ("list_knowledge_bases", {"maxResults": 1}),
    "bedrock-agent-runtime": ("", {}),  # no list call: its availability follows bedrock-agent's
}


def services_of(plan: Any) -> list[str]:
    """The boto3 services a Plan's resources use."""
    out: set[str] = set()
    for r in plan_data(plan).get("resources", []):
        for prefix, services in SERVICES_BY_TYPE:
            if r["type"].startswith(prefix):
                out.update(services)
                break
    return sorted(out)


# ------------------------------------------------------------------------------------------------- region

def _endpoint_data(session: Any) -> dict[str, Any]:
    core = session._session  # botocore session behind the boto3 one
    data = core.get_data("endpoints")
    return next((p for p in data.get("partitions", []) if p.get("partition") == "aws"), {})


def _endpoint_prefix(session: Any, service: str) -> str:
    try:
        return session._session.get_service_model(service).metadata.get("endpointPrefix", service)
    except Exception:  # an unknown service name: botocore raises UnknownServiceError
        return service


def region_availability(session: Any, service: str, region: str) -> tuple[str, str]:
    """("yes"|"no"|"global"|"unknown", why) from botocore's endpoint data alone."""
    regions = session.get_available_regions(service)
    if regions:
        return ("yes", "in botocore's endpoint data") if region in regions else (
            "no", f"botocore's endpoint data lists {len(regions)} regions for {service}, not {region}")
    partition = _endpoint_data(session)
    services = partition.get("services", {})
    prefix = _endpoint_prefix(session, service)
    entry = services.get(prefix)
    if entry is not None:
        if entry.get("partitionEndpoint") and entry.get("isRegionalized") is False:
            return "global", f"global service (endpoint {entry['partitionEndpoint']})"
        return ("yes", "in botocore's endpoint data") if region in entry.get("endpoints", {}) else (
            "no", f"{region} is not among {service}'s endpoints in botocore's data")
    for other in services.values():  # bedrock lists bedrock-runtime-<region> among its own endpoints
        if f"{prefix}-{region}" in other.get("endpoints", {}):
            return "yes", "in botocore's endpoint data"
    return "unknown", "botocore has no endpoint data for it"


def _probe(clients: Clients, service: str, region: str) -> Check:
    from botocore.exceptions import ClientError, EndpointConnectionError, ConnectTimeoutError

    method, kwargs = PROBES.get(service, ("", {}))
    if not method:
        return Check("region", service, "skip", "not checkable offline and has no read-only probe; it follows bedrock-agent")
    client = clients.get(service, region)
    try:
        getattr(client, method)(**kwargs)
    except (EndpointConnectionError, ConnectTimeoutError) as exc:
        return Check("region", service, "fail", f"no {service} endpoint answers in {region}: {exc}",
                     fix="choose a region where the service is available, or another vector store / feature")
    except ClientError as exc:
        code = error_code(exc)
        if code in ("AccessDenied", "AccessDeniedException"):
            return Check("region", service, "pass", f"{service} answers in {region} (the probe {method} was denied, "
                                                    "which only a live endpoint can do)")
        if code in ("UnknownOperationException", "InvalidAction"):
            return Check("region", service, "fail", f"{service} does not answer in {region}: {code}")
        return Check("region", service, "warn", f"the probe {method} failed with {code}: availability not confirmed")
    return Check("region", service, "pass", f"{service} answered a read-only {method} in {region}")


def check_regions(session: Any, clients: Clients, services: list[str], region: str) -> list[Check]:
    out: list[Check] = []
    for service in services:
        if service == "bedrock-agent-runtime" and "bedrock-agent" in services:
            continue  # judged with bedrock-agent below
        verdict, why = region_availability(session, service, region)
        if verdict in ("yes", "global"):
            out.append(Check("region", service, "pass", f"available in {region} ({why})" if verdict == "yes" else why))
        elif verdict == "no":
            out.append(Check("region", service, "fail", why, fix="deploy to a region that offers it (spec.region)"))
        else:
            out.append(_probe(clients, service, region))
    if "bedrock-agent-runtime" in services and "bedrock-agent" in services:
        agent = next(c for c in out if c.target == "bedrock-agent")
        out.append(Check("region", "bedrock-agent-runtime", agent.status,
                         f"follows bedrock-agent (same service, runtime API): {agent.reason}", fix=agent.fix))
    return out


# ------------------------------------------------------------------------------------------------- quotas

def endpoint_needs(plan: Any) -> dict[str, dict[str, Any]]:
    """instance type → {"max": instances at autoscaling maximum, "deploy": during a blue/green update, "endpoints": [...]}."""
    data = plan_data(plan)
    res = {r["name"]: r for r in data.get("resources", [])}
    out: dict[str, dict[str, Any]] = {}
    for name, r in sorted(res.items()):
        if r["type"] != "aws:sagemaker/endpoint:Endpoint":
            continue
        ref = r["inputs"].get("endpointConfigName")
        cfg = res.get(ref.get("ref")) if isinstance(ref, dict) else None
        if cfg is None:
            continue
        scaling = (cfg.get("meta") or {}).get("autoscaling")
        blue_green = "blueGreenUpdatePolicy" in (r["inputs"].get("deploymentConfig") or {})
        for v in cfg["inputs"].get("productionVariants", []):
            t = v.get("instanceType", "")
            top = int(scaling["max"]) if scaling else int(v.get("initialInstanceCount", 1))
            entry = out.setdefault(t, {"max": 0, "deploy": 0, "endpoints": [], "source": r.get("source", "")})
            entry["max"] += top
            entry["deploy"] += top * (2 if blue_green else 1)
            entry["endpoints"].append(f"{name}/{v.get('variantName')}")
    return out


def _quota_table(client: Any, method: str, service_code: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    kwargs: dict[str, Any] = {"ServiceCode": service_code, "MaxResults": 100}
    for _ in range(100):
        page = call(f"service-quotas:{method}", getattr(client, method), **kwargs)
        for q in page.get("Quotas", []):
            out.setdefault(q.get("QuotaName", "").strip().lower(), q)
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    return out


def check_quotas(clients: Clients, plan: Any) -> list[Check]:
    needs = endpoint_needs(plan)
    if not needs:
        return []
    client = clients.get("service-quotas")
    applied = _quota_table(client, "list_service_quotas", "sagemaker")
    defaults: dict[str, dict[str, Any]] | None = None
    out = []
    for t, need in sorted(needs.items()):
        name = f"{t} for endpoint usage"
        quota = applied.get(name.lower())
        origin = "applied"
        if quota is None:
            if defaults is None:
                defaults = _quota_table(client, "list_aws_default_service_quotas", "sagemaker")
            quota = defaults.get(name.lower())
            origin = "AWS default"
        if quota is None:
            out.append(Check("quota", name, "fail", f"Service Quotas has no quota named {name!r} in this region: "
                                                    f"{t} is probably not offered for SageMaker endpoints here",
                             source=need["source"], fix="choose another instance type or region"))
            continue
        value = float(quota.get("Value", 0))
        code = quota.get("QuotaCode", "")
        where = ", ".join(need["endpoints"])
        request = (f"aws service-quotas request-service-quota-increase --service-code sagemaker --quota-code {code} "
                   f"--desired-value {need['deploy']}")
        if value >= need["deploy"]:
            out.append(Check("quota", name, "pass", f"{code} = {value:g} ({origin}) ≥ {need['deploy']} needed "
                                                    f"({need['max']} at maximum capacity"
                             + (f", {need['deploy']} during a blue/green deployment" if need["deploy"] > need["max"] else "")
                             + f"; {where})", source=need["source"]))
        elif value >= need["max"]:
            out.append(Check("quota", name, "warn", f"{code} = {value:g} ({origin}) covers the maximum capacity ({need['max']}) "
                                                    f"but not a blue/green deployment at that size ({need['deploy']}); {where}",
                             source=need["source"], fix=request))
        else:
            out.append(Check("quota", name, "fail", f"{code} = {value:g} ({origin}) < {need['max']} instances at maximum "
                                                    f"capacity ({where}); other endpoints in the account share it too",
                             source=need["source"], fix=request))
    return out


# ------------------------------------------------------------------------------------------------- model access

def bedrock_models(plan: Any) -> dict[str, dict[str, Any]]:
    """model ID → {"resources": [...], "profile": geography or "none", "source": pointer} of every Bedrock model used."""
    out: dict[str, dict[str, Any]] = {}
    for r in plan_data(plan).get("resources", []):
        meta = r.get("meta") or {}
        mid, profile = None, "none"
        if r["type"] == "aws:bedrock/inferenceProfile:InferenceProfile" and meta.get("modelId"):
            mid, profile = meta["modelId"], meta.get("crossRegionInference") or "none"
        elif r["type"] == "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase":
            arn = ((r["inputs"].get("knowledgeBaseConfiguration") or {}).get("vectorKnowledgeBaseConfiguration") or {}).get(
                "embeddingModelArn", "")
            if "foundation-model/" in arn:
                mid = arn.rsplit("foundation-model/", 1)[1]
        if mid:
            entry = out.setdefault(mid, {"resources": [], "profile": profile, "source": r.get("source", "")})
            entry["resources"].append(r["name"])
    return dict(sorted(out.items()))


def check_model_access(clients: Clients, plan: Any, region: str) -> list[Check]:
    from botocore.exceptions import ClientError

    models = bedrock_models(plan)
    if not models:
        return []
    client = clients.get("bedrock")
    listing = call("bedrock:ListFoundationModels", client.list_foundation_models)
    offered = {m["modelId"]: m for m in listing.get("modelSummaries", [])}
    out = []
    for mid, info in models.items():
        summary = offered.get(mid)
        used_by = ", ".join(info["resources"])
        if summary is None:
            out.append(Check("model-access", mid, "fail", f"not offered in {region} (used by {used_by})", source=info["source"],
                             fix="choose a model offered in the region, or a cross-region inference profile"))
            continue
        kinds = summary.get("inferenceTypesSupported") or []
        if info["profile"] == "none" and kinds and "ON_DEMAND" not in kinds:
            out.append(Check("model-access", mid, "fail", f"offered in {region} only through an inference profile "
                                                         f"({', '.join(kinds)}); the spec invokes it directly",
                             source=info["source"], fix="set crossRegionInference (us, eu or apac)"))
            continue
        lifecycle = (summary.get("modelLifecycle") or {}).get("status", "ACTIVE")
        try:
            avail = client.get_foundation_model_availability(modelId=mid)
        except ClientError as exc:
            code = error_code(exc)
            if code in ("AccessDeniedException", "AccessDenied"):
                out.append(Check("model-access", mid, "warn", "offered in the region, but this identity may not call "
                                                              "bedrock:GetFoundationModelAvailability, so access is unconfirmed",
                                 source=info["source"]))
                continue
            raise mapped("bedrock:GetFoundationModelAvailability", exc) from None
        problems = []
        agreement = (avail.get("agreementAvailability") or {}).get("status", "AVAILABLE")
        if agreement != "AVAILABLE":
            problems.append(f"agreement {agreement}")
        if avail.get("authorizationStatus", "AUTHORIZED") != "AUTHORIZED":
            problems.append("not authorized (model access not granted)")
        if avail.get("entitlementAvailability", "AVAILABLE") != "AVAILABLE":
            problems.append("no entitlement")
        if avail.get("regionAvailability", "AVAILABLE") != "AVAILABLE":
            problems.append(f"not available in {region}")
        if problems:
            out.append(Check("model-access", mid, "fail", "; ".join(problems) + f" (used by {used_by})", source=info["source"],
                             fix="request access in the Bedrock console (Model access) or accept the model's offer"))
        elif lifecycle != "ACTIVE":
            out.append(Check("model-access", mid, "warn", f"accessible, but {lifecycle}: scheduled for end of life",
                             source=info["source"], fix="plan a move to the model's successor"))
        else:
            out.append(Check("model-access", mid, "pass", f"offered in {region} and accessible (used by {used_by})",
                             source=info["source"]))
    return out


# ------------------------------------------------------------------------------------------------- entry point

def preflight(plan: Any, *, session: Any = None, region: str | None = None, profile: str | None = None,
              endpoint_url: str | None = None, endpoint_urls: dict[str, str] | None = None,
              clients: dict[str, Any] | None = None) -> CheckReport:
    """Run every pre-flight check of ``plan`` and return the report (``report.ok`` is False on any failure)."""
    data = plan_data(plan)
    session = session or make_session(profile=profile)
    region = resolve_region(region, data.get("region"), getattr(session, "region_name", None), what="preflight")
    require_credentials(session, "preflight")
    c = Clients(session, region, endpoint_url=endpoint_url, endpoint_urls=endpoint_urls or {}, overrides=clients or {})
    report = CheckReport("preflight", data.get("app", ""), data.get("environment", ""), region)
    for check in check_regions(session, c, services_of(data), region):
        report.add(check)
    for check in check_quotas(c, data):
        report.add(check)
    for check in check_model_access(c, data, region):
        report.add(check)
    return report
