"""spec.guardrails → Bedrock Guardrail + an immutable GuardrailVersion, encrypted with the app key.

Every model and knowledge base a guardrail applies to is recorded in
``ctx.guardrails_of`` so the invoke policy can require the guardrail on each
InvokeModel call (IAM condition ``bedrock:GuardrailIdentifier``).
"""

from __future__ import annotations

import hashlib
import json

from llmops_iac.compile import tokens as T
from llmops_iac.compile.context import Ctx
from llmops_iac.compile.plan import join, ref
from llmops_iac.spec.load import escape

_CATEGORIES = (("hate", "HATE"), ("insults", "INSULTS"), ("sexual", "SEXUAL"), ("violence", "VIOLENCE"),
               ("misconduct", "MISCONDUCT"))


def logical(name: str) -> str:
    return f"guardrail-{name}"


def version_identifier(name: str) -> dict:
    """The ``arn:…:guardrail/ID:VERSION`` string IAM's bedrock:GuardrailIdentifier condition compares."""
    return join(ref(logical(name), "guardrailArn"), ":", ref(f"{logical(name)}-version", "version"))


def compile_guardrails(ctx: Ctx) -> None:
    """Add a guardrail and a published version for every spec.guardrails entry."""
    spec = ctx.app.spec
    for name, g in sorted(spec.guardrails.items()):
        source = f"/spec/guardrails/{escape(name)}"
        filters = [{"type": t, "inputStrength": getattr(g.content_filters, attr).input,
                    "outputStrength": getattr(g.content_filters, attr).output} for attr, t in _CATEGORIES]
        filters.append({"type": "PROMPT_ATTACK", "inputStrength": g.content_filters.prompt_attack.input, "outputStrength": "NONE"})
        inputs: dict = {
            "name": ctx.physical("guardrail", name),
            "description": g.description or f"{ctx.name} guardrail {name}",
            "blockedInputMessaging": g.blocked_input_message,
            "blockedOutputsMessaging": g.blocked_output_message,
            "kmsKeyArn": ctx.key_arn(),
            "contentPolicyConfig": {"filtersConfigs": filters},
        }
        pii = [{"type": p.type, "action": p.action.upper()} for p in g.pii]
        regexes = [{"name": r.name, "pattern": r.pattern, "action": r.action.upper()} for r in (g.pii_regexes or ())]
        if pii or regexes:
            inputs["sensitiveInformationPolicyConfig"] = {k: v for k, v in
                                                         (("piiEntitiesConfigs", pii), ("regexesConfigs", regexes)) if v}
        if g.denied_topics:
            inputs["topicPolicyConfig"] = {"topicsConfigs": [
                {"name": t.name, "definition": t.definition, "type": "DENY", **({"examples": list(t.examples)} if t.examples else {})}
                for t in g.denied_topics]}
        words = list(g.word_filters.words or ())
        if g.word_filters.managed_profanity or words:
            word_policy: dict = {}
            if g.word_filters.managed_profanity:
                word_policy["managedWordListsConfigs"] = [{"type": "PROFANITY"}]
            if words:
                word_policy["wordsConfigs"] = [{"text": w} for w in words]
            inputs["wordPolicyConfig"] = word_policy
        if g.contextual_grounding is not None:
            inputs["contextualGroundingPolicyConfig"] = {"filtersConfigs": [
                {"type": "GROUNDING", "threshold": g.contextual_grounding.grounding},
                {"type": "RELEVANCE", "threshold": g.contextual_grounding.relevance}]}
        models = list(g.applies_to.models) if g.applies_to and g.applies_to.models is not None else (
            sorted(spec.models) if not g.applies_to or g.applies_to.knowledge_bases is None else [])
        kbs = list(g.applies_to.knowledge_bases) if g.applies_to and g.applies_to.knowledge_bases is not None else (
            sorted(spec.knowledge_bases) if not g.applies_to or g.applies_to.models is None else [])
        ctx.plan.add(logical(name), T.GUARDRAIL, inputs, source,
                     meta={"guards": {"models": models, "knowledgeBases": kbs}})
        # A version is immutable: its description carries a hash of the configuration,
        # so any change to the guardrail publishes a new version.
        digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()[:12]
        ctx.plan.add(f"{logical(name)}-version", T.GUARDRAIL_VERSION, {
            "guardrailArn": ref(logical(name), "guardrailArn"),
            "description": f"{name} configuration {digest}",
            "skipDestroy": True,
        }, source, options={"replaceOnChanges": ["description"]})
        for m in models:
            ctx.guardrails_of.setdefault(f"model:{m}", []).append(name)
        for k in kbs:
            ctx.guardrails_of.setdefault(f"kb:{k}", []).append(name)
        ctx.plan.outputs[f"guardrail.{name}.id"] = ref(logical(name), "guardrailId")
        ctx.plan.outputs[f"guardrail.{name}.version"] = ref(f"{logical(name)}-version", "version")
