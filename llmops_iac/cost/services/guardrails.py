"""Monthly cost of Bedrock guardrails: text units per guarded call and policy."""

from __future__ import annotations

from llmops_iac.cost.breakdown import scale
from llmops_iac.cost.builder import TYPES, Builder, text_units


def guardrails(b: Builder) -> None:
    req = b.model_requests()
    tu_in, tu_out = text_units(b.tin), text_units(b.tout)
    for name, r in b.res.items():
        if r["type"] != TYPES["guardrail"]:
            continue
        guarded = [m for m in ((r.get("meta") or {}).get("guards") or {}).get("models", []) if m in b.models]
        if not guarded:
            continue
        calls = scale(req, len(guarded))
        inputs = r["inputs"]
        filters = (inputs.get("contentPolicyConfig") or {}).get("filtersConfigs") or []
        content_in = any(f.get("inputStrength", "NONE") != "NONE" for f in filters)
        content_out = any(f.get("outputStrength", "NONE") != "NONE" for f in filters)
        sides = {
            "content-filters": (tu_in if content_in else 0) + (tu_out if content_out else 0),
            "denied-topics": tu_in + tu_out if (inputs.get("topicPolicyConfig") or {}).get("topicsConfigs") else 0,
            "sensitive-information": tu_in + tu_out
            if (inputs.get("sensitiveInformationPolicyConfig") or {}).get("piiEntitiesConfigs") else 0,
            "contextual-grounding": tu_in + tu_out
            if (inputs.get("contextualGroundingPolicyConfig") or {}).get("filtersConfigs") else 0,
        }
        for policy, units in sides.items():
            if units:
                b.line(name, f"{policy.replace('-', ' ')}: {units} text units per call × {len(guarded)} "
                                f"model(s) ({', '.join(guarded)})",
                          f"guardrails/{policy}", scale(calls, units / 1000.0))
        free = [k for k, present in (("word filters", inputs.get("wordPolicyConfig")),
                                     ("custom regexes", (inputs.get("sensitiveInformationPolicyConfig") or {}).get("regexesConfigs")))
                if present]
        if free:
            b.note(name, f"{' and '.join(free)} are free")
