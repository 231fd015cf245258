"""The assessor: criteria outcomes → gated levels, progress scores, sub-dimension states and a roadmap.

- Every automatic criterion is checked (checks/); a manual criterion passes
  only when the repository attests it (attestations.py: a current entry in
  ``.llmops/attestations.yaml``) and fails otherwise, so both kinds count.
- A dimension reaches level N only when every criterion at levels 1..N passes
  and each of those levels has at least one passing criterion: not-applicable
  criteria are left out, and a level whose criteria are all not applicable is
  not reached (nothing shows the practice). Level 0 is the floor. Sub-dimension
  states follow the same rule.
- Each dimension also gets a 0-10 progress score, weighted by criterion level
  (the weights are catalogue data: ``scoring.levelWeights``).
- Overall: the minimum level across dimensions and the weighted mean score.
- The declared target (``spec.maturity.target``) against the achieved levels
  gives the roadmap: the failing criteria of each lagging dimension's next
  level first, then the level after, up to the target, each with its remediation.

Fail closed: a check that raises is an InternalError (exit 3), never a pass.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmops_iac.errors import InternalError
from llmops_iac.maturity import attestations as att_mod
from llmops_iac.maturity import catalogue as cat_mod
from llmops_iac.maturity.attestations import Attestations, Entry
from llmops_iac.maturity.catalogue import MS_LLMOPS, Catalogue, Criterion, Dimension, SubDimension
from llmops_iac.maturity.checks import CHECKS, FAIL, MANUAL, NOT_APPLICABLE, OUTCOMES, PASS, Result
from llmops_iac.maturity.evidence import Evidence, Item, RepoFacts, collect

if TYPE_CHECKING:
    from llmops_iac.compile.plan import Plan
    from llmops_iac.spec.validate import LoadedSpec

ASSESSMENT_VERSION = 1


@dataclass(frozen=True)
class CriterionResult:
    """A criterion, its outcome, why, and the evidence behind it."""

    criterion: Criterion
    outcome: str
    reason: str
    evidence: tuple[Item, ...] = ()
    attestation: Entry | None = None
    attestation_file: str = ""

    @property
    def id(self) -> str:
        return self.criterion.id

    @property
    def counted(self) -> bool:
        """Whether the outcome counts towards levels and scores (passed or failed, automatic or attested)."""
        return self.outcome in (PASS, FAIL)

    @property
    def attested(self) -> bool:
        """Whether a manual criterion is met by a valid attestation."""
        return not self.criterion.automatic and self.outcome == PASS

    def to_dict(self) -> dict[str, Any]:
        c = self.criterion
        return {
            "id": c.id,
            "dimension": c.dimension,
            "level": c.level,
            "title": c.title,
            "checks": c.checks,
            "kind": c.kind,
            "weight": c.weight,
            "outcome": self.outcome,
            "reason": self.reason,
            "evidence": [i.to_dict() for i in self.evidence],
            "evidenceSources": [e.to_dict() for e in c.evidence],
            "remediation": c.remediation,
            "references": {**{k: list(v) for k, v in c.references.items() if k != "msLlmops"},
                           "msLlmops": MS_LLMOPS[c.references["msLlmops"]]},
            "seeds": [dict(x) for x in c.seeds],
            "attestation": self.attestation.to_dict(self.attestation_file) if self.attestation else None,
        }


@dataclass(frozen=True)
class LevelResult:
    """How one level of a dimension went: passed (gate) and counts by outcome."""

    level: int
    passed: bool
    counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "passed": self.passed, "counts": _counts(self.counts)}


@dataclass(frozen=True)
class DimensionResult:
    """A dimension's achieved level, target, score, and the criteria that earned or blocked the level."""

    dimension: Dimension
    achieved: int
    target: int
    score: float | None
    levels: tuple[LevelResult, ...]
    criteria: tuple[CriterionResult, ...]

    @property
    def id(self) -> str:
        return self.dimension.id

    @property
    def meets_target(self) -> bool:
        return self.achieved >= self.target

    @property
    def evidenced(self) -> int:
        """The level the automatic criteria alone reach (manual ones left out): what the tool itself can prove.
        LLM-MAT-001 gates production on it; ``achieved`` (attestations included) is the dimension's level."""
        return _gated({lv: [r.outcome for r in self.criteria if r.criterion.level == lv and r.criterion.automatic]
                       for lv in (1, 2, 3)})

    @property
    def evidenced_blocked_by(self) -> tuple[CriterionResult, ...]:
        """The failing automatic criteria of the level after ``evidenced``."""
        nxt = self.evidenced + 1
        return tuple(r for r in self.criteria if r.criterion.level == nxt and r.criterion.automatic and r.outcome == FAIL)

    @property
    def blocked_by(self) -> tuple[CriterionResult, ...]:
        """The failing criteria of the next level: what stands between this dimension and level achieved+1."""
        return tuple(r for r in self.criteria if r.criterion.level == self.achieved + 1 and r.outcome == FAIL)

    @property
    def earned_by(self) -> tuple[CriterionResult, ...]:
        """The passing criteria at or below the achieved level."""
        return tuple(r for r in self.criteria if r.criterion.level <= self.achieved and r.outcome == PASS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.dimension.id,
            "name": self.dimension.name,
            "short": self.dimension.short,
            "weight": self.dimension.weight,
            "achieved": self.achieved,
            "evidenced": self.evidenced,
            "target": self.target,
            "meetsTarget": self.meets_target,
            "score": _round(self.score),
            "levels": [lv.to_dict() for lv in self.levels],
            "earnedBy": [r.id for r in self.earned_by],
            "blockedBy": [r.id for r in self.blocked_by],
            "criteria": [r.id for r in self.criteria],
        }


@dataclass(frozen=True)
class SubDimensionResult:
    """A practice's state: the highest state whose criteria (and every lower state's) pass."""

    sub: SubDimension
    applicable: bool
    level: int
    blocked_by: tuple[str, ...]

    @property
    def state(self) -> str:
        return self.sub.states[self.level].name

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.sub.id,
            "name": self.sub.name,
            "dimension": self.sub.dimension,
            "applicable": self.applicable,
            "level": self.level if self.applicable else None,
            "state": self.state if self.applicable else "not applicable",
            "states": [{"level": s.level, "name": s.name, "criteria": list(s.criteria)} for s in self.sub.states],
            "blockedBy": list(self.blocked_by),
        }


@dataclass(frozen=True)
class RoadmapStep:
    """One thing to do: a failing criterion of a dimension below its target, with its remediation."""

    order: int
    level: int
    result: CriterionResult

    def to_dict(self) -> dict[str, Any]:
        c = self.result.criterion
        return {"step": self.order, "criterion": c.id, "dimension": c.dimension, "level": self.level, "title": c.title,
                "reason": self.result.reason, "remediation": c.remediation}


@dataclass(frozen=True)
class Assessment:
    """The maturity of one application in one environment."""

    catalogue: Catalogue
    app: str
    environment: str
    spec_file: str
    spec_hash: str
    today: _dt.date
    target: int
    production: str | None
    repository: RepoFacts | None
    dimensions: tuple[DimensionResult, ...]
    sub_dimensions: tuple[SubDimensionResult, ...]
    criteria: tuple[CriterionResult, ...]
    roadmap: tuple[RoadmapStep, ...]
    attestations: Attestations | None = None

    @property
    def level(self) -> int:
        """The overall level: the minimum across dimensions."""
        return min(d.achieved for d in self.dimensions)

    @property
    def score(self) -> float | None:
        """The overall score: the mean of dimension scores weighted by dimension weight."""
        scored = [(d.dimension.weight, d.score) for d in self.dimensions if d.score is not None]
        total = sum(w for w, _ in scored)
        return sum(w * s for w, s in scored) / total if total else None

    @property
    def meets_target(self) -> bool:
        return all(d.meets_target for d in self.dimensions)

    def level_name(self, level: int) -> str:
        return self.catalogue.level(level).name

    def counts(self) -> dict[str, int]:
        out = {o: 0 for o in OUTCOMES}
        for r in self.criteria:
            out[r.outcome] += 1
        return out

    def manual(self) -> tuple[CriterionResult, ...]:
        """The manual criteria (met only by attestation), whatever their outcome."""
        return tuple(r for r in self.criteria if not r.criterion.automatic)

    def policy_input(self) -> dict[str, Any]:
        """Return the compact form a Rego gate reads as ``input.maturity`` (levels, targets, blockers; no evidence)."""
        return {
            "maturityVersion": ASSESSMENT_VERSION,
            "environment": self.environment,
            "productionEnvironment": self.production,
            "repository": self.repository is not None,
            "target": self.target,
            "overall": {"level": self.level, "levelName": self.level_name(self.level), "score": _round(self.score),
                        "meetsTarget": self.meets_target},
            "dimensions": [{"id": d.id, "name": d.dimension.name, "achieved": d.achieved, "target": d.target,
                            "meetsTarget": d.meets_target, "score": _round(d.score),
                            "blockedBy": [r.id for r in d.blocked_by],
                            # pre-joined: rego-cpp (regopy 1.5) quotes concat() results inside sprintf()
                            "next": ", ".join(r.id for r in d.blocked_by) or "no failing criterion at the next level",
                            "evidenced": d.evidenced,
                            "evidencedNext": ", ".join(r.id for r in d.evidenced_blocked_by)
                            or "no failing automatic criterion at the next level"}
                           for d in self.dimensions],
            "subDimensions": [{"id": s.sub.id, "applicable": s.applicable, "level": s.level if s.applicable else None,
                               "state": s.state if s.applicable else "not applicable"} for s in self.sub_dimensions],
            "failing": [r.id for r in self.criteria if r.outcome == FAIL],
        }

    def to_dict(self) -> dict[str, Any]:
        """Return the assessment as JSON-ready data (schemas/maturity.schema.json)."""
        lv = self.catalogue.level(self.level)
        counts = self.counts()
        return {
            "maturityVersion": ASSESSMENT_VERSION,
            "catalogueVersion": self.catalogue.version,
            "app": self.app,
            "environment": self.environment,
            "specFile": self.spec_file,
            "specHash": self.spec_hash,
            "assessedOn": self.today.isoformat(),
            "productionEnvironment": self.production,
            "repository": self.repository.to_dict() if self.repository else None,
            "target": self.target,
            "overall": {
                "level": self.level,
                "levelName": lv.name,
                "msLlmops": MS_LLMOPS[lv.ms_llmops],
                "score": _round(self.score),
                "target": self.target,
                "meetsTarget": self.meets_target,
                "belowTarget": [d.id for d in self.dimensions if not d.meets_target],
            },
            "summary": {**_counts(counts), "attested": sum(1 for r in self.criteria if r.attested)},
            "attestations": _attestations_dict(self.attestations),
            "scoring": {"description": self.catalogue.scoring,
                        "levelWeights": {str(k): v for k, v in sorted(self.catalogue.level_weights.items())}},
            "levels": [{"level": x.level, "name": x.name, "description": x.description, "msLlmops": MS_LLMOPS[x.ms_llmops]}
                       for x in self.catalogue.levels],
            "dimensions": [d.to_dict() for d in self.dimensions],
            "subDimensions": [s.to_dict() for s in self.sub_dimensions],
            "roadmap": [s.to_dict() for s in self.roadmap],
            "criteria": [r.to_dict() for r in self.criteria],
        }


def _counts(counts: dict[str, int]) -> dict[str, int]:
    return {"pass": counts[PASS], "fail": counts[FAIL], "notApplicable": counts[NOT_APPLICABLE], "manual": counts[MANUAL]}


def _attestations_dict(att: Attestations | None) -> dict[str, Any] | None:
    if att is None:
        return None
    out = att.to_dict()
    out["problems"] = [{"location": f"{att.file}:{line}" if line else att.file, "message": msg} for line, msg in att.problems()]
    return out


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def assess(loaded: "LoadedSpec", plan: "Plan | None" = None, *, repo: str | os.PathLike[str] | None = None,
           today: _dt.date | None = None, catalogue: Catalogue | None = None,
           eval_results: tuple[Any, ...] | None = None) -> Assessment:
    """Return the maturity Assessment of ``loaded`` (compiled to ``plan`` when not given).

    ``repo`` is the repository root to read CI, CODEOWNERS and file evidence from;
    without it, criteria that need the repository fail and say so. ``today``
    decides whether waivers have expired (default: today). Raises UsageError
    for a ``repo`` that is not a directory and InternalError when a check fails.
    """
    if plan is None:
        from llmops_iac.compile import compile_spec

        plan = compile_spec(loaded)
    cat = catalogue or cat_mod.load()
    ev = collect(loaded, plan, repo=repo, today=today, eval_results=eval_results)
    return evaluate(cat, ev, read_attestations(cat, ev))


def read_attestations(cat: Catalogue, ev: Evidence) -> Attestations | None:
    """The repository's attestations (None without a repository); raise SpecError (exit 2) for a malformed file."""
    if ev.repo is None:
        return None
    shown = f"{ev.repo.display.rstrip('/')}/{cat.attestation_file}" if ev.repo.display not in ("", ".") else cat.attestation_file
    return att_mod.load(ev.repo.root, cat, ev.today, display=shown)


def evaluate(cat: Catalogue, ev: Evidence, attestations: Attestations | None = None) -> Assessment:
    """Run every criterion of ``cat`` over ``ev`` (manual ones against ``attestations``) and score the results."""
    results: dict[str, CriterionResult] = {}
    for dim in cat.dimensions:
        for crit in dim.criteria:
            results[crit.id] = _run(crit, ev, attestations, cat)
    target = int((ev.spec.get("maturity") or {}).get("target", 1))
    dims = tuple(_dimension(cat, dim, results, target) for dim in cat.dimensions)
    subs = tuple(_sub_dimension(sub, results, ev) for sub in cat.sub_dimensions)
    ordered = tuple(r for dim in cat.dimensions for r in (results[c.id] for c in dim.criteria))
    return Assessment(catalogue=cat, app=ev.plan.app, environment=ev.environment, spec_file=ev.spec_display,
                      spec_hash=ev.plan.spec_hash, today=ev.today, target=target, production=ev.production.name,
                      repository=ev.repo, dimensions=dims, sub_dimensions=subs, criteria=ordered,
                      roadmap=_roadmap(dims, target), attestations=attestations)


def _run(crit: Criterion, ev: Evidence, att: Attestations | None, cat: Catalogue) -> CriterionResult:
    if not crit.automatic:
        if att is None or ev.repo is None:
            return CriterionResult(crit, FAIL, f"not attested: no repository evidence; run with --repo PATH to read "
                                               f"attestations from {cat.attestation_file}")
        v = att.verdict(crit, ev.loaded.environment, ev.repo.spec_path)
        items = (ev.repo_item(att.file, v.line, v.reason),) if v.line else ()
        return CriterionResult(crit, PASS if v.met else FAIL, v.reason, items, v.entry, att.file)
    func = CHECKS.get(crit.id)
    if func is None:
        raise InternalError(f"maturity criterion {crit.id} is automatic but has no check")
    try:
        result: Result = func(ev)
    except Exception as exc:  # fail closed: a broken check is never a pass
        raise InternalError(f"maturity check {crit.id} failed: {type(exc).__name__}: {exc}") from exc
    if result.outcome not in (PASS, FAIL, NOT_APPLICABLE):
        raise InternalError(f"maturity check {crit.id} returned outcome {result.outcome!r}")
    return CriterionResult(crit, result.outcome, result.reason, result.evidence)


def _dimension(cat: Catalogue, dim: Dimension, results: dict[str, CriterionResult], target: int) -> DimensionResult:
    crits = tuple(results[c.id] for c in dim.criteria)
    by_level: dict[int, dict[str, int]] = {level: dict.fromkeys(OUTCOMES, 0) for level in (1, 2, 3)}
    total = earned = 0
    for r in crits:  # one pass: counts by level and outcome, and the weights of the counted criteria
        c = r.criterion
        if c.level in by_level:
            by_level[c.level][r.outcome] += 1
        if r.outcome == PASS:
            total += c.weight
            earned += c.weight
        elif r.outcome == FAIL:
            total += c.weight
    levels, achieved, gate_open = [], 0, True
    for level, counts in by_level.items():
        passed = counts[FAIL] == 0 and counts[PASS] > 0  # all not applicable: nothing shows the practice
        levels.append(LevelResult(level, passed, counts))
        if gate_open and passed:
            achieved = level
        else:
            gate_open = False
    score = 10 * earned / total if total else None
    return DimensionResult(dim, achieved, target, score, tuple(levels), crits)


def _gated(outcomes: dict[int, list[str]]) -> int:
    """The highest level N such that levels 1..N each have no failure and at least one pass."""
    achieved = 0
    for level in sorted(outcomes):
        if FAIL in outcomes[level] or PASS not in outcomes[level]:
            break
        achieved = level
    return achieved


def _sub_dimension(sub: SubDimension, results: dict[str, CriterionResult], ev: Evidence) -> SubDimensionResult:
    if sub.applicable_when:
        node: Any = ev.data
        for part in sub.applicable_when.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not node:
            return SubDimensionResult(sub, False, 0, ())
    level = 0
    for state in sub.states[1:]:
        failing = tuple(cid for cid in state.criteria if results[cid].outcome == FAIL)
        if failing:
            return SubDimensionResult(sub, True, level, failing)
        if not any(results[cid].outcome == PASS for cid in state.criteria):
            return SubDimensionResult(sub, True, level, ())  # every criterion not applicable: not shown, not reached
        level = state.level
    return SubDimensionResult(sub, True, level, ())


def _roadmap(dims: tuple[DimensionResult, ...], target: int) -> tuple[RoadmapStep, ...]:
    steps: list[tuple[int, int, CriterionResult]] = []
    for d in dims:
        for r in d.criteria:
            lvl = r.criterion.level
            if r.outcome == FAIL and d.achieved < lvl <= max(target, d.achieved):
                steps.append((lvl - d.achieved, lvl, r))
    steps.sort(key=lambda s: (s[0], s[1], [d.id for d in dims].index(s[2].criterion.dimension), s[2].criterion.id))
    return tuple(RoadmapStep(i, lvl, r) for i, (_, lvl, r) in enumerate(steps, start=1))
