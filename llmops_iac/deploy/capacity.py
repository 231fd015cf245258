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

The endpoint is read with the stack's own provider settings (``aws:region``,
``aws:profile``, ``aws:accessKey``/``secretKey``/``token``, the shared files,
``aws:assumeRoles`` or ``aws:assumeRole``, ``aws:endpoints``; see
``llmops_iac.deploy.provider_session``), so the count comes from the account
and region the stack deploys to. Only a definite "this endpoint does not
exist" means a new endpoint that starts at the minimum. Anything else that
stops the read — no credentials, access denied, throttling, an unknown error,
a variant without a count — raises :class:`CapacityError` and the deploy
stops: falling back to the minimum would shrink a scaled-out endpoint.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from llmops_iac.compile import tokens as T

Describe = Callable[[str], dict[str, Any]]
"""describe_endpoint(EndpointName) → the SageMaker response; raises for a missing endpoint."""


class CapacityError(Exception):
    """The live capacity could not be read: the deploy must stop (the message says why and what to do)."""


def carry_over(plan_data: dict[str, Any], describe: Describe, *,
               reading: str = "") -> tuple[dict[str, Any], list[str]]:
    """Return (a copy of the Plan with live instance counts carried over, notes saying what happened).

    ``reading`` says with which settings the endpoints are read (for the error message).
    Raise CapacityError when an endpoint's live capacity cannot be read.
    """
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
        except CapacityError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure but a definite "not found" stops the deploy
            if _not_found(exc):
                notes.append(f"endpoint {name}: does not exist yet; it starts at {low} instance(s) per variant")
                continue
            raise CapacityError(_unreadable(name, error_reason(exc), low, reading)) from None
        desired = {v.get("VariantName"): v.get("DesiredInstanceCount", v.get("CurrentInstanceCount"))
                   for v in live.get("ProductionVariants") or [] if isinstance(v, dict)}
        for variant in config["inputs"]["productionVariants"]:
            vname = variant["variantName"]
            if vname not in desired:
                continue  # a variant the endpoint does not serve yet starts at the minimum
            count = desired[vname]
            if isinstance(count, bool) or not isinstance(count, int):
                raise CapacityError(_unreadable(name, f"variant {vname} has no instance count (answer: {count!r})",
                                                low, reading))
            if count != variant["initialInstanceCount"]:
                carried = max(low, min(high, count))
                notes.append(f"endpoint {name} variant {vname}: carrying {carried} instance(s) "
                             f"(live {count}, bounds {low}..{high}) into its configuration")
                variant["initialInstanceCount"] = carried
    return plan, notes


def _unreadable(name: str, reason: str, low: int, reading: str) -> str:
    where = f" {reading}" if reading else ""
    return (f"llmops-iac: could not read the live capacity of SageMaker endpoint {name!r}{where}: {reason}. "
            f"The deploy stops: without it a new endpoint configuration would start at {low} instance(s) per variant "
            f"and shrink an endpoint that autoscaling has scaled out. Fix: let these credentials call "
            f"sagemaker:DescribeEndpoint on the endpoint (or correct the stack's aws:* settings), then run again")


def _not_found(exc: Exception) -> bool:
    error = (getattr(exc, "response", None) or {}).get("Error", {})
    return error.get("Code") == "ValidationException" and "Could not find endpoint" in str(error.get("Message", ""))


def error_reason(exc: Exception) -> str:
    error = (getattr(exc, "response", None) or {}).get("Error", {})
    return f"{error.get('Code')}: {error.get('Message')}" if error else f"{type(exc).__name__}: {exc}"
