"""Carry a SageMaker endpoint's live instance count into a new endpoint configuration.

SageMaker's UpdateEndpoint resets every variant to the new configuration's
``initialInstanceCount`` unless ``RetainAllVariantProperties`` is set, and
pulumi-aws cannot set it. Before deploying, the program asks SageMaker how many
instances each variant of each endpoint wants now and writes that count
(within the autoscaling bounds) into the Plan's endpoint configurations
marked ``capacityCarryOver``. The compiler puts ``initialInstanceCount``
under ``ignoreChanges``, so a different live count never replaces an
existing configuration; it only sizes the next one, which a blue/green
deployment then creates at today's size instead of the minimum.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from llmops_iac.compile import tokens as T

Describe = Callable[[str], dict[str, Any]]
"""describe_endpoint(EndpointName) → the SageMaker response; raises for a missing endpoint."""


def boto3_describe(region: str) -> Describe:
    """Return a describe function backed by boto3 in ``region`` (the deployer's credentials)."""
    import boto3

    client = boto3.client("sagemaker", region_name=region)
    return lambda name: client.describe_endpoint(EndpointName=name)


def carry_over(plan_data: dict[str, Any], describe: Describe) -> tuple[dict[str, Any], list[str]]:
    """Return (a copy of the Plan with live instance counts carried over, notes saying what happened)."""
    plan = copy.deepcopy(plan_data)
    by_name = {r["name"]: r for r in plan["resources"]}
    notes: list[str] = []
    for endpoint in (r for r in plan["resources"] if r["type"] == T.SM_ENDPOINT):
        config_ref = endpoint["inputs"].get("endpointConfigName")
        config = by_name.get(config_ref.get("ref")) if isinstance(config_ref, dict) else None
        if config is None or not config.get("meta", {}).get("capacityCarryOver"):
            continue
        bounds = config["meta"].get("autoscaling", {})
        low, high = bounds.get("min", 1), bounds.get("max", 1)
        name = endpoint["inputs"]["name"]
        try:
            live = describe(name)
        except Exception as exc:  # noqa: BLE001 - any failure leaves the compiled minimum in place
            if _not_found(exc):
                continue  # a new endpoint: it starts at the minimum
            notes.append(f"endpoint {name}: could not read its live capacity ({_reason(exc)}); "
                         f"a new configuration would start at {low} instance(s) per variant")
            continue
        desired = {v.get("VariantName"): v.get("DesiredInstanceCount", v.get("CurrentInstanceCount"))
                   for v in live.get("ProductionVariants", [])}
        for variant in config["inputs"]["productionVariants"]:
            count = desired.get(variant["variantName"])
            if isinstance(count, int) and count != variant["initialInstanceCount"]:
                carried = max(low, min(high, count))
                notes.append(f"endpoint {name} variant {variant['variantName']}: carrying {carried} instance(s) "
                             f"(live {count}, bounds {low}..{high}) into its configuration")
                variant["initialInstanceCount"] = carried
    return plan, notes


def _not_found(exc: Exception) -> bool:
    error = getattr(exc, "response", {}).get("Error", {})
    return error.get("Code") == "ValidationException" and "Could not find endpoint" in error.get("Message", "")


def _reason(exc: Exception) -> str:
    error = getattr(exc, "response", {}).get("Error", {})
    return f"{error.get('Code')}: {error.get('Message')}" if error else f"{type(exc).__name__}: {exc}"
