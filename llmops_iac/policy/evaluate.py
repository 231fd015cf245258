"""Judge a spec and its Plan: engine results + rule metadata + profile + waivers → findings.

Three outcomes per rule: fail (it produced results), pass, or not applicable
(nothing it applies to exists in this app) — maturity and reports leave "not
applicable" out rather than counting it as a pass.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from llmops_iac.policy import answer, profiles
from llmops_iac.policy.catalog import SEVERITIES, Catalogue, Rule
from llmops_iac.policy.engine import Engine

SEVERITY_RANK = {s: i for i, s in enumerate(reversed(SEVERITIES))}  # note 0, warning 1, error 2


@dataclass(frozen=True)
class Finding:
    """One rule failing at one place."""

    rule_id: str
    title: str
    severity: str
    message: str
    remediation: str
    file: str
    line: int
    col: int
    pointer: str
    resource: str | None
    references: tuple[str, ...]
    waived_by: dict[str, Any] | None = None
    subject: str = ""
    """What the finding is about when one rule finds several things at one pointer and resource (a maturity dimension, a
    filter's direction): the rule's ``subject``, part of the finding's fingerprint; "" when pointer and resource say it."""

    @property
    def waived(self) -> bool:
        return self.waived_by is not None

    def to_dict(self) -> dict[str, Any]:
        out = {"ruleId": self.rule_id, "title": self.title, "severity": self.severity, "message": self.message,
               "remediation": self.remediation, "file": self.file, "line": self.line, "col": self.col,
               "pointer": self.pointer, "resource": self.resource, "references": list(self.references),
               "waived": self.waived}
        if self.waived_by:
            out["waiver"] = self.waived_by
        if self.subject:
            out["subject"] = self.subject
        return out


@dataclass
class PolicyResult:
    """The policy verdict for one spec in one environment."""

    engine: str
    profile: str
    environment: str
    tier: str = "production"  # the tier the environment was judged as (unknown: production)
    findings: list[Finding] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)  # rule id → pass | fail | not-applicable | off

    def active(self) -> list[Finding]:
        return [f for f in self.findings if not f.waived]

    def waived(self) -> list[Finding]:
        return [f for f in self.findings if f.waived]

    def worst(self) -> str | None:
        levels = [f.severity for f in self.active()]
        return max(levels, key=SEVERITY_RANK.__getitem__) if levels else None

    def fails_at(self, level: str) -> bool:
        """Whether any unwaived finding is at ``level`` or above."""
        return any(SEVERITY_RANK[f.severity] >= SEVERITY_RANK[level] for f in self.active())


def build_input(loaded: Any, plan: Any, *, stack: str | None, today: dt.date | None = None,
                maturity: dict[str, Any] | None = None, cost: dict[str, Any] | None = None,
                profile: profiles.Profile | None = None, catalogue: Catalogue | None = None,
                evaluation: dict[str, Any] | None = None) -> dict[str, Any]:
    """The document every rule reads: ``{spec, plan, context}``, plus ``maturity`` (the assessment's
    policy input) and ``cost`` (the estimate's policy input) when those stages ran.

    ``context.tier`` is the tier the environment is judged as (declared, else production) and
    ``context.tierDeclared`` whether the spec declared it; ``context.productionEnvironments`` names
    every environment judged as production; ``context.waiverHorizonDays`` is how far ahead the
    profile lets a waiver expire and ``context.waiverExpiresBy`` the latest date that allows; ``context.rules`` and ``context.unwaivableRules`` list the rule IDs
    of the catalogue, for the rules that judge waivers (LLM-GOV-007)."""
    day = today or dt.date.today()
    horizon = profile.waiver_horizon_days if profile is not None else profiles.DEFAULT_WAIVER_HORIZON_DAYS
    document = {
        "spec": loaded.data,
        "plan": plan.policy_data(),
        "context": {
            "stack": stack,
            "environment": plan.environment,
            "tier": loaded.judged_tier,
            "tierDeclared": loaded.tier is not None,
            "productionEnvironments": loaded.production_environments,
            "region": plan.region,
            "today": day.isoformat(),
            "waiverHorizonDays": horizon,
            "waiverExpiresBy": (day + dt.timedelta(days=horizon)).isoformat(),
        },
    }
    if catalogue is not None:
        document["context"]["rules"], document["context"]["unwaivableRules"] = _rule_ids(catalogue)
    if maturity is not None:
        document["maturity"] = maturity
    if cost is not None:
        document["cost"] = cost
    if evaluation is not None:  # check --eval-results: measured results (llmops_iac/evaluation/policy_input.py)
        document["evaluation"] = evaluation
    return document


def judge(engine: Engine, catalogue: Catalogue, loaded: Any, plan: Any, *, stack: str | None = None,
          today: dt.date | None = None, profile_name: str | None = None,
          maturity: dict[str, Any] | None = None, cost: dict[str, Any] | None = None,
          evaluation: dict[str, Any] | None = None) -> PolicyResult:
    """Evaluate every rule for one spec; raise EngineError if the engine can't give a verdict (an engine
    failure, or an answer that lacks any loaded rule or has one of another shape: policy/answer.py)."""
    profile = profiles.select(catalogue, loaded.judged_tier, profile_name)
    document = build_input(loaded, plan, stack=stack, today=today, maturity=maturity, cost=cost, profile=profile,
                           catalogue=catalogue, evaluation=evaluation)
    answers = answer.check(catalogue, engine.evaluate(document), engine.name)
    result = PolicyResult(engine=engine.name, profile=profile.name, environment=plan.environment, tier=loaded.judged_tier)
    present = _present(document)
    for rule in sorted(catalogue.rules.values(), key=lambda r: r.id):
        severity = profile.severity(rule)
        if severity == "off":
            result.outcomes[rule.id] = "off"
            continue
        items = answers[rule.id]
        if items:
            result.outcomes[rule.id] = "fail"
            for item in items:
                result.findings.append(_finding(rule, severity, item, loaded, plan))
        elif not _applies(rule, present):
            result.outcomes[rule.id] = "not-applicable"
        else:
            result.outcomes[rule.id] = "pass"
    _apply_waivers(result, loaded, today or dt.date.today(), catalogue)
    result.findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.file, f.line, f.rule_id))
    return result


def _rule_ids(catalogue: Catalogue) -> tuple[list[str], list[str]]:
    """(every rule ID, the IDs of rules that can't be waived), sorted; computed once per catalogue."""
    cached = getattr(catalogue, "_rule_ids", None)
    if cached is None:
        cached = (sorted(catalogue.rules), sorted(r.id for r in catalogue.rules.values() if not r.waivable))
        catalogue._rule_ids = cached  # type: ignore[attr-defined]
    return list(cached[0]), list(cached[1])


def _present(document: dict[str, Any]) -> set[str]:
    present = {r["type"] for r in document["plan"]["resources"]}
    if "maturity" in document:
        present.add("maturity:assessment")
    if "cost" in document:
        present.add("cost:estimate")
    if "evaluation" in document:
        present.add("evaluation:results")
    for section, value in document["spec"].get("spec", {}).items():
        if value not in (None, [], {}):
            present.add(f"spec:{section}")
    return present


def _applies(rule: Rule, present: set[str]) -> bool:
    return any(t in present for t in rule.applies_to)


def _finding(rule: Rule, severity: str, item: dict[str, Any], loaded: Any, plan: Any) -> Finding:
    resource = item.get("resource")
    pointer = item.get("pointer")
    if not isinstance(pointer, str) or not pointer.startswith("/") and pointer != "":
        pointer = plan.resources[resource].source if resource in plan.resources else ""
    file, line, col = loaded.source.locate_field(pointer)  # the field's key: the line a reviewer edits
    subject = item.get("subject")
    return Finding(rule_id=rule.id, title=rule.title, severity=severity, message=item["msg"], remediation=rule.remediation,
                   file=file, line=line, col=col, pointer=pointer, resource=resource if isinstance(resource, str) else None,
                   references=tuple(rule.references()), subject=subject if isinstance(subject, str) else "")


def _apply_waivers(result: PolicyResult, loaded: Any, today: dt.date, catalogue: Catalogue) -> None:
    """Mark the findings a valid waiver excuses. A waiver excuses nothing when it has expired, or when a rule
    that governs waivers (METADATA ``waivable: false``) found fault with it — it runs past the profile's
    horizon, names an unknown rule or an unwaivable one; and no waiver excuses a finding of such a rule."""
    waivers = loaded.data.get("spec", {}).get("waivers", [])
    governing = {rid for rid, rule in catalogue.rules.items() if not rule.waivable}
    faulted = {_waiver_index(f.pointer) for f in result.findings if f.rule_id in governing} - {None}
    for i, finding in enumerate(result.findings):
        if finding.rule_id in governing:
            continue
        for index, w in enumerate(waivers):
            if index in faulted or w["rule"] != finding.rule_id or w["expires"] < today.isoformat():
                continue
            scope = w.get("resources")
            if scope and finding.resource not in scope:
                continue
            result.findings[i] = _replace(finding, {"rule": w["rule"], "reason": w["reason"], "owner": w["owner"],
                                                    "expires": w["expires"], **({"resources": scope} if scope else {})})
            break


def _waiver_index(pointer: str) -> int | None:
    """``3`` for ``/spec/waivers/3`` or anything under it; None for other pointers."""
    parts = pointer.split("/")
    if len(parts) >= 4 and parts[1] == "spec" and parts[2] == "waivers" and parts[3].isdigit():
        return int(parts[3])
    return None


def _replace(finding: Finding, waiver: dict[str, Any]) -> Finding:
    import dataclasses

    return dataclasses.replace(finding, waived_by=waiver)
