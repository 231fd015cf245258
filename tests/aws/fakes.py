"""Put a Plan's resources into the moto server as `pulumi up` would, and answer Bedrock like AWS (for the Stubber)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from typing import Any

ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# moto validates SageMaker instance types against an old list without g5/g6: tests deploy a copy of the Plan on g4dn.
MOTO_TYPES = {"ml.g5.2xlarge": "ml.g4dn.2xlarge", "ml.g6.xlarge": "ml.g4dn.xlarge"}


def resources(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in plan["resources"]}


def moto_compatible(plan: dict[str, Any]) -> dict[str, Any]:
    plan = copy.deepcopy(plan)
    for r in plan["resources"]:
        if r["type"] == "aws:sagemaker/endpointConfiguration:EndpointConfiguration":
            for v in r["inputs"]["productionVariants"]:
                v["instanceType"] = MOTO_TYPES.get(v["instanceType"], v["instanceType"])
    return plan


def deploy_endpoints(sm, plan: dict[str, Any]) -> None:
    res = resources(plan)
    for r in res.values():
        if r["type"] != "aws:sagemaker/endpoint:Endpoint":
            continue
        cfg = res[r["inputs"]["endpointConfigName"]["ref"]]
        variants = []
        for v in cfg["inputs"]["productionVariants"]:
            model = res[v["modelName"]["ref"]]["inputs"]["name"]
            sm.create_model(ModelName=model, ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/exec",
                            PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/tgi:2.4.0"})
            variants.append({"VariantName": v["variantName"], "ModelName": model, "InstanceType": v["instanceType"],
                             "InitialInstanceCount": v["initialInstanceCount"], "InitialVariantWeight": v["initialVariantWeight"]})
        sm.create_endpoint_config(EndpointConfigName=cfg["inputs"]["name"], ProductionVariants=variants)
        sm.create_endpoint(EndpointName=r["inputs"]["name"], EndpointConfigName=cfg["inputs"]["name"])


def deploy_budgets(budgets, plan: dict[str, Any]) -> None:
    for r in plan["resources"]:
        if r["type"] != "aws:budgets/budget:Budget":
            continue
        i = r["inputs"]
        budgets.create_budget(
            AccountId=ACCOUNT,
            Budget={"BudgetName": i["name"], "BudgetLimit": {"Amount": i["limitAmount"], "Unit": i["limitUnit"]},
                    "TimeUnit": i["timeUnit"], "BudgetType": i["budgetType"]},
            NotificationsWithSubscribers=[
                {"Notification": {"NotificationType": n["notificationType"], "ComparisonOperator": n["comparisonOperator"],
                                  "Threshold": n["threshold"], "ThresholdType": n["thresholdType"]},
                 "Subscribers": [{"SubscriptionType": "SNS", "Address": f"arn:aws:sns:us-east-1:{ACCOUNT}:budget"}]}
                for n in i["notifications"]])


def deploy_vector_stores(aoss, s3v, plan: dict[str, Any], *, skip: tuple[str, ...] = ()) -> None:
    res = resources(plan)
    for r in res.values():
        if r["name"] in skip:
            continue
        if r["type"] == "aws:opensearch/serverlessCollection:ServerlessCollection":
            name = r["inputs"]["name"]
            aoss.create_security_policy(name=f"{name[:20]}-enc", type="encryption", policy=json.dumps(
                {"Rules": [{"ResourceType": "collection", "Resource": [f"collection/{name}"]}], "AWSOwnedKey": False,
                 "KmsARN": KEY}))
            aoss.create_collection(name=name, type=r["inputs"]["type"], standbyReplicas=r["inputs"]["standbyReplicas"])
        elif r["type"] == "aws:s3/vectorsVectorBucket:VectorsVectorBucket":
            s3v.create_vector_bucket(vectorBucketName=r["inputs"]["vectorBucketName"],
                                     encryptionConfiguration={"sseType": "aws:kms", "kmsKeyArn": KEY})
    for r in res.values():
        if r["type"] == "aws:s3/vectorsIndex:VectorsIndex" and r["name"] not in skip:
            bucket = res[r["inputs"]["vectorBucketName"]["ref"]]["inputs"]["vectorBucketName"]
            s3v.create_index(vectorBucketName=bucket, indexName=r["inputs"]["indexName"], dataType=r["inputs"]["dataType"],
                             dimension=r["inputs"]["dimension"], distanceMetric=r["inputs"]["distanceMetric"])


# --- Bedrock, as the Stubber answers it ------------------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


def guardrail_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:12]


def guardrail_summaries(plan: dict[str, Any]) -> dict[str, Any]:
    out = []
    for r in plan["resources"]:
        if r["type"] == "aws:bedrock/guardrail:Guardrail":
            gid = guardrail_id(r["inputs"]["name"])
            out.append({"id": gid, "arn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/{gid}", "status": "READY",
                        "name": r["inputs"]["name"], "version": "DRAFT", "createdAt": NOW, "updatedAt": NOW})
    return {"guardrails": out}


def guardrail_detail(inputs: dict[str, Any]) -> dict[str, Any]:
    """GetGuardrail's answer for a guardrail deployed exactly from these Plan inputs."""
    gid = guardrail_id(inputs["name"])
    out: dict[str, Any] = {
        "name": inputs["name"], "guardrailId": gid, "guardrailArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/{gid}",
        "version": "DRAFT", "status": "READY", "createdAt": NOW, "updatedAt": NOW,
        "blockedInputMessaging": inputs["blockedInputMessaging"], "blockedOutputsMessaging": inputs["blockedOutputsMessaging"],
    }
    if "kmsKeyArn" in inputs:
        out["kmsKeyArn"] = KEY
    if inputs.get("contentPolicyConfig"):
        out["contentPolicy"] = {"filters": [dict(f) for f in inputs["contentPolicyConfig"]["filtersConfigs"]]}
    if inputs.get("topicPolicyConfig"):
        out["topicPolicy"] = {"topics": [{"name": t["name"], "definition": t["definition"], "examples": t.get("examples", []),
                                          "type": "DENY"} for t in inputs["topicPolicyConfig"]["topicsConfigs"]]}
    sens = inputs.get("sensitiveInformationPolicyConfig")
    if sens:  # AWS leaves empty lists out
        out["sensitiveInformationPolicy"] = _nonempty({
            "piiEntities": [{"type": p["type"], "action": p["action"]} for p in sens.get("piiEntitiesConfigs", [])],
            "regexes": [{"name": x["name"], "pattern": x["pattern"], "action": x["action"]} for x in sens.get("regexesConfigs", [])]})
    words = inputs.get("wordPolicyConfig")
    if words:
        out["wordPolicy"] = _nonempty({"words": [{"text": w["text"]} for w in words.get("wordsConfigs", [])],
                                       "managedWordLists": [{"type": m["type"]} for m in words.get("managedWordListsConfigs", [])]})
    grounding = inputs.get("contextualGroundingPolicyConfig")
    if grounding:
        out["contextualGroundingPolicy"] = {"filters": [{"type": f["type"], "threshold": f["threshold"]}
                                                        for f in grounding["filtersConfigs"]]}
    return out


def _nonempty(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v}


def foundation_models(*model_ids: str, legacy: tuple[str, ...] = (), profile_only: tuple[str, ...] = ()) -> dict[str, Any]:
    summaries = []
    for mid in model_ids:
        provider = mid.split(".", 1)[0].capitalize()
        embedding = "embed" in mid
        summaries.append({
            "modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{mid}", "modelId": mid, "modelName": mid,
            "providerName": provider, "inputModalities": ["TEXT"], "outputModalities": ["EMBEDDING" if embedding else "TEXT"],
            "responseStreamingSupported": not embedding, "customizationsSupported": [],
            "inferenceTypesSupported": ["INFERENCE_PROFILE"] if mid in profile_only else ["ON_DEMAND"],
            "modelLifecycle": {"status": "LEGACY" if mid in legacy else "ACTIVE"}})
    return {"modelSummaries": summaries}


def availability(mid: str, *, authorized: bool = True) -> dict[str, Any]:
    return {"modelId": mid, "agreementAvailability": {"status": "AVAILABLE"},
            "authorizationStatus": "AUTHORIZED" if authorized else "NOT_AUTHORIZED",
            "entitlementAvailability": "AVAILABLE", "regionAvailability": "AVAILABLE"}


def quota(instance_type: str, value: float, code: str) -> dict[str, Any]:
    return {"ServiceCode": "sagemaker", "ServiceName": "Amazon SageMaker", "QuotaArn": f"arn:aws:servicequotas:us-east-1:{ACCOUNT}:sagemaker/{code}",
            "QuotaCode": code, "QuotaName": f"{instance_type} for endpoint usage", "Value": float(value), "Unit": "None",
            "Adjustable": True, "GlobalQuota": False}
