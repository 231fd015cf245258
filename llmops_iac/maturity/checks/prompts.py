"""Checks of the Prompt Engineering & User Interaction dimension (MAT-PRM-*)."""

from __future__ import annotations

from typing import Any

from llmops_iac.compile import tokens as T
from llmops_iac.maturity.checks.registry import FAIL, PASS, Result, _na, _no_repo, _verdict, check
from llmops_iac.maturity.checks.shared import (
    _alarms, _codeowners_missing, _gate_text, _gates, _models_by_provider, _names, _ownership_items, _plural,
    _production_label,
)
from llmops_iac.maturity.evidence import Evidence, pointer

FILTER_CATEGORIES = ("hate", "insults", "sexual", "violence", "misconduct")


@check("MAT-PRM-101")
def system_prompts(ev: Evidence) -> Result:
    problems, items = [], []
    for name, model in sorted(ev.models().items()):
        ref = model.get("systemPrompt")
        if ref:
            prompt = ev.prompts.get(ref.split("@")[0])
            where = f" from {prompt.display}" if prompt else ""
            items.append(ev.at(pointer("spec", "models", name, "systemPrompt"), f"{name}: system prompt {ref}{where}"))
        else:
            problems.append(f"model {name} has no versioned system prompt (systemPrompt)")
            items.append(ev.at(pointer("spec", "models", name), f"{name}: prompt not declared (hard-coded in the application?)"))
    return _verdict(problems, items, f"every model ({len(ev.models())}) uses a versioned system prompt")


def _guardrail_spec(ev: Evidence, name: str) -> dict[str, Any]:
    return (ev.spec.get("guardrails") or {}).get(name) or {}


@check("MAT-PRM-102")
def basic_filters(ev: Evidence) -> Result:
    problems, items = [], []
    for name in sorted(ev.models()):
        guards = ev.guardrails_of(name)
        res = ev.model_resource(name)
        if not guards:
            problems.append(f"model {name} is behind no guardrail")
            if res is not None:
                items.append(ev.item(res, f"{name}: no guardrail"))
            continue
        if res is not None and res.type == T.SM_ENDPOINT and res.meta.get("guardrailEnforcement") != "application":
            # SageMaker never applies a Bedrock guardrail to InvokeEndpoint: listing one guards nothing
            problems.append(f"SageMaker model {name} lists {_names(guards)} but nothing applies them (call ApplyGuardrail "
                            "in the application and declare guardrailEnforcement: application)")
            items.append(ev.item(res, f"{name}: guardrails listed, not applied"))
            continue
        if res is not None:
            items.append(ev.item(res, f"{name}: guarded by {_names(guards)}"))
    for guard in sorted({g for m in ev.models() for g in ev.guardrails_of(m)}):
        filters = _guardrail_spec(ev, guard).get("contentFilters") or {}
        off = [c for c in FILTER_CATEGORIES
               if (filters.get(c) or {}).get("input", "HIGH") == "NONE" or (filters.get(c) or {}).get("output", "HIGH") == "NONE"]
        attack = (filters.get("promptAttack") or {}).get("input", "HIGH")
        if off:
            problems.append(f"guardrail {guard} turns off the {', '.join(off)} filter(s)")
        if attack == "NONE":
            problems.append(f"guardrail {guard} turns off the prompt-attack filter")
        items.append(ev.at(pointer("spec", "guardrails", guard, "contentFilters"),
                           f"guardrail {guard}: content filters on, prompt attack {attack}"))
    return _verdict(problems, items, "every model is behind content and prompt-attack filters")


@check("MAT-PRM-103")
def refusals_written(ev: Evidence) -> Result:
    facing = [m for m in sorted(ev.models()) if ev.user_facing(m)]
    if not facing:
        return _na("no user-facing models")
    guards = sorted({g for m in facing for g in ev.guardrails_of(m)})
    if not guards:
        return Result(FAIL, f"user-facing models ({_names(facing)}) have no guardrail to refuse with")
    problems, items = [], []
    for guard in guards:
        for key in ("blockedInputMessage", "blockedOutputMessage"):
            ptr = pointer("spec", "guardrails", guard, key)
            written = ev.explicit(ptr)
            items.append(ev.at(ptr, f"guardrail {guard}: {key} {'written for users' if written else 'is the generic default'}"))
            if not written:
                problems.append(f"guardrail {guard} uses the generic {key}")
    return _verdict(problems, items, f"guardrails {_names(guards)} tell users what to do when blocked")


@check("MAT-PRM-201")
def prompt_registry(ev: Evidence) -> Result:
    if not ev.prompts:
        return Result(FAIL, "no prompts declared in spec.prompts", (ev.at("/spec", "spec.prompts is empty"),))
    problems, items = [], []
    for name, prompt in ev.prompts.items():
        draft, version = ev.resource(f"prompt-{name}"), ev.resource(f"prompt-{name}-v{prompt.version}")
        if draft is None or version is None:
            problems.append(f"prompt {name} is not published with an immutable version")
            continue
        items.append(ev.item(version, f"{name}@{prompt.version} published from {prompt.display} (sha256 {prompt.sha256[:12]})",
                             sha256=prompt.sha256, version=prompt.version))
        if prompt.variables is None and prompt.used_variables:
            problems.append(f"prompt {name} does not declare its variables ({', '.join(prompt.used_variables)})")
    return _verdict(problems, items, f"{_plural(len(ev.prompts), 'prompt')} in Bedrock Prompt Management with immutable versions")


@check("MAT-PRM-202")
def prompt_versions_gated(ev: Evidence) -> Result:
    if not ev.prompts:
        return Result(FAIL, "no prompts declared, so no prompt version is evaluated")
    gates = _gates(ev)
    used = {n: p for n, p in ev.prompts.items() if p.used_by} or ev.prompts
    problems, items = [], []
    for name, prompt in used.items():
        current = f"{name}@{prompt.version}"
        hits = [i for i, g in gates if g.get("target") == current]
        stale = sorted({g["target"] for _, g in gates
                        if (g.get("target") or "").startswith(f"{name}@") and g["target"] != current})
        if hits:
            items += [ev.at(pointer("spec", "evaluation", "gates", i), f"{current}: {_gate_text(gates[i][1])}") for i in hits[:2]]
        else:
            why = f" (gates target {', '.join(stale)})" if stale else ""
            problems.append(f"no gate targets {current}{why}")
            items.append(ev.at(pointer("spec", "prompts", name, "version"), f"{current}: not evaluated at this version"))
    versions = _names(f"{n}@{p.version}" for n, p in used.items())
    return _verdict(problems, items, f"every prompt in use is gated at its current version ({versions})")


@check("MAT-PRM-203")
def sensitive_data_and_topics(ev: Evidence) -> Result:
    guards = ev.spec.get("guardrails") or {}
    if not guards:
        return Result(FAIL, "no guardrails declared")
    facing = {m for m in ev.models() if ev.user_facing(m)}
    problems, items = [], []
    for name, guard in sorted(guards.items()):
        base = pointer("spec", "guardrails", name)
        pii = len(guard.get("pii") or []) + len(guard.get("piiRegexes") or [])
        items.append(ev.at(f"{base}/pii", f"guardrail {name}: {_plural(pii, 'PII rule')}"))
        if not pii:
            problems.append(f"guardrail {name} neither blocks nor masks PII")
        res = ev.resource(f"guardrail-{name}")
        guarded = set((res.meta.get("guards") or {}).get("models", [])) if res is not None else set()
        if guarded & facing:
            topics = guard.get("deniedTopics") or []
            words = (guard.get("wordFilters") or {}).get("words") or []
            if topics or words:
                items.append(ev.at(f"{base}/deniedTopics" if topics else f"{base}/wordFilters/words",
                                   f"guardrail {name}: {_plural(len(topics), 'denied topic')}, {_plural(len(words), 'blocked word')}"))
            else:
                problems.append(f"guardrail {name} guards user-facing {_names(sorted(guarded & facing))} but denies no topics or words")
    return _verdict(problems, items, "every guardrail handles PII; user-facing ones also deny topics")


@check("MAT-PRM-204")
def prompt_owners(ev: Evidence) -> Result:
    if not ev.prompts:
        return _na("no prompt files")
    if ev.repo is None:
        return _no_repo("CODEOWNERS rules for the prompt files")
    missing = _codeowners_missing(ev)
    if missing:
        return missing
    problems, items = _ownership_items(ev, [(p.display, p.path) for p in ev.prompts.values()], want_team=False)
    return _verdict(problems, items, f"every prompt file ({len(ev.prompts)}) has code owners")


def _weights(model: dict[str, Any], variant: dict[str, Any]) -> tuple[Any, ...]:
    """What a variant answers with: its model, weights and quantization (the instance type changes no answer)."""
    return tuple(variant.get(key, model.get(key)) for key in ("modelId", "revision", "modelDataUrl", "quantization"))


@check("MAT-PRM-301")
def changes_compared(ev: Evidence) -> Result:
    view = ev.production
    where = _production_label(view)
    problems, items = [], []
    for name, model in _models_by_provider(ev, "sagemaker", view).items():
        variants = model.get("variants") or []
        if not variants:
            continue
        live = [v for v in variants if v.get("weight", 0) > 0]
        ptr = pointer("spec", "models", name, "variants")
        if len(live) < 2:
            problems.append(f"model {name}: only {_names(v['name'] for v in live)} takes traffic in {where}")
            continue
        first = _weights(model, live[0])
        distinct = [v for v in live[1:] if _weights(model, v) != first]
        if not distinct:
            problems.append(f"model {name}: {live[1]['name']} serves the same model as {live[0]['name']} "
                            f"(same weights and quantization) in {where}")
            continue
        shares = ", ".join(f"{v['name']} {v['weight']}" for v in live)
        items.append(ev.at(ptr, f"{name}: A/B variants {shares} in {where}", view=view))
    if items:
        return Result(PASS, f"two distinct variants split live traffic in {where}: "
                            + "; ".join(i.summary.split(": ", 1)[1] for i in items), tuple(items))
    why = "; ".join(problems) if problems else (
        f"no model serves two distinct weighted variants in {where}; gating one model twice or two models on one "
        "dataset compares offline but splits no traffic (a traffic split is declared with SageMaker `variants`)")
    return Result(FAIL, why, tuple(items))


@check("MAT-PRM-302")
def interventions_watched(ev: Evidence) -> Result:
    facing = [m for m in sorted(ev.models()) if ev.user_facing(m) and ev.guardrails_of(m)]
    if not facing:
        return _na("no guarded user-facing models")
    watched = {a.meta.get("target"): a for a in _alarms(ev) if a.meta.get("metric") == "guardrail-interventions"}
    problems, items = [], []
    for name in facing:
        alarm = watched.get(name)
        if alarm is not None:
            items.append(ev.item(alarm, f"{name}: guardrail-interventions alarm above {alarm.inputs.get('threshold')}"))
        else:
            problems.append(f"no guardrail-interventions alarm on {name}")
    return _verdict(problems, items, f"guardrail interventions are alarmed on {_names(facing)}")


@check("MAT-PRM-303")
def grounded_answers(ev: Evidence) -> Result:
    kbs = ev.spec.get("knowledgeBases") or {}
    if not kbs:
        return _na("no knowledge bases")
    problems, items = [], []
    for name, kb in sorted(kbs.items()):
        res = ev.resource(f"kb-{name}")
        guards = set(res.meta.get("guardrails", [])) if res is not None else set()
        for model in kb.get("models") or []:
            guards |= set(ev.guardrails_of(model))
        if not guards:
            problems.append(f"knowledge base {name} and its models are behind no guardrail")
            continue
        for guard in sorted(guards):
            grounding = _guardrail_spec(ev, guard).get("contextualGrounding")
            ptr = pointer("spec", "guardrails", guard, "contextualGrounding")
            if grounding:
                items.append(ev.at(ptr, f"{name}: guardrail {guard} grounding {grounding.get('grounding')}, "
                                        f"relevance {grounding.get('relevance')}"))
            else:
                problems.append(f"guardrail {guard} (in front of {name}) has no contextual grounding check")
                items.append(ev.at(pointer("spec", "guardrails", guard), f"{name}: guardrail {guard} without grounding"))
    return _verdict(problems, items, "answers from every knowledge base are checked for grounding")
