"""What a level means, in the seed papers' words, and why a score and a level can disagree.

Every report format renders these stories, so the four say the same thing:

- a dimension's level, what it means (the catalogue's words and the seeds' own,
  catalogue.yaml ``seeds``), the practices present (passing criteria and the
  evidence that earned them) and the ones missing for the next level;
- the score's basis whenever it disagrees with the level. A level is a gate (the
  lowest level with a failing criterion stops it); the score is the weighted
  share of all counted criteria that pass, at any level. They *disagree* when a
  criterion above the achieved level passes: the score then counts progress the
  level cannot show until the blocking criteria pass ("level 0, score 9.0").
  ``score_note`` is not None exactly then, and every format prints it beside the
  number;
- the overall level is the minimum across dimensions and the overall score a
  weighted mean, so they disagree whenever a dimension is above the overall
  level or itself disagrees.

Derived for display only: assess.py's levels and scores are not changed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmops_iac.maturity.assess import Assessment, CriterionResult, DimensionResult, SubDimensionResult
from llmops_iac.maturity.catalogue import SeedCell, SeedQuote
from llmops_iac.maturity.checks import MANUAL, NOT_APPLICABLE, PASS

TOP = 3


@dataclass(frozen=True)
class DimensionStory:
    """A dimension's level explained: meaning, seeds' words, present and missing practices, score basis."""

    result: DimensionResult
    meaning: str
    seeds: tuple[SeedQuote, ...]
    next_level: int | None
    next_meaning: str
    next_seeds: tuple[SeedQuote, ...]
    present: tuple[CriterionResult, ...]
    missing: tuple[CriterionResult, ...]
    blockers: tuple[CriterionResult, ...]
    above_gate: tuple[CriterionResult, ...]
    score_note: str | None

    @property
    def score_mark(self) -> str:
        """Beside the score when it disagrees with the level: ``(5 pass above level 0)``; else empty."""
        if not self.score_note:
            return ""
        return f"({len(self.above_gate)} pass above level {self.result.achieved})"

    @property
    def gate(self) -> str:
        """Why the level is what it is, in one line: ``level 0: blocked by MAT-GOV-102 (level 1)``."""
        d = self.result
        if self.next_level is None:
            return f"level {d.achieved}: every level's criteria pass"
        ids = ", ".join(r.id for r in self.blockers) or "criteria to confirm by hand"
        return f"level {d.achieved}: blocked by {ids} (level {self.next_level})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "meaning": self.meaning,
            "seeds": [q.to_dict() for q in self.seeds],
            "gate": self.gate,
            "present": [r.id for r in self.present],
            "aboveGate": [r.id for r in self.above_gate],
            "next": None if self.next_level is None else {
                "level": self.next_level, "meaning": self.next_meaning, "seeds": [q.to_dict() for q in self.next_seeds],
                "missing": [r.id for r in self.missing]},
            "scoreNote": self.score_note,
        }


@dataclass(frozen=True)
class OverallStory:
    """The overall level explained: its meaning, the dimensions holding it, and the score's basis."""

    level: int
    meaning: str
    seeds: tuple[SeedQuote, ...]
    held_by: tuple[DimensionResult, ...]
    next_seeds: tuple[SeedQuote, ...]
    score_note: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"meaning": self.meaning, "seeds": [q.to_dict() for q in self.seeds],
                "heldBy": [d.id for d in self.held_by], "scoreNote": self.score_note}


@dataclass(frozen=True)
class PracticeStory:
    """A practice's state in seed 003's words (section 4.4.2): the cell matching its state and the next one."""

    result: SubDimensionResult
    cite: str
    here: SeedCell | None
    ahead: SeedCell | None

    @property
    def line(self) -> str:
        """``seed 003 rates Prompt Management: Level 0 "Hardcoded" · Level 1 "Registry" · ...``"""
        row = self.result.sub.seed
        if row is None:
            return ""
        cells = " · ".join(f'level {c.seed_level} "{c.text}"' for c in row.cells)
        return f"{self.cite}: {cells}"

    def to_dict(self) -> dict[str, Any]:
        cell = (lambda c: None if c is None else {"seedLevel": c.seed_level, "text": c.text, "state": c.state})
        return {"cite": self.cite, "here": cell(self.here), "ahead": cell(self.ahead)}


def _fmt(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.1f}"


def dimension(a: Assessment, d: DimensionResult) -> DimensionStory:
    """The story of dimension result ``d`` of ``a``."""
    dim = d.dimension
    level = d.achieved
    meaning = dim.levels.get(level) or a.catalogue.level(level).description
    nxt = level + 1 if level < 3 else None
    present = tuple(r for r in d.criteria if r.outcome == PASS)
    above = tuple(r for r in present if r.criterion.level > level)
    missing = tuple(r for r in d.criteria if nxt is not None and r.criterion.level == nxt
                    and r.outcome not in (PASS, NOT_APPLICABLE))
    blockers = d.blocked_by or tuple(r for r in missing if r.outcome != MANUAL)
    note = None
    if above:
        counted = [r for r in d.criteria if r.counted]
        ids = ", ".join(r.id for r in blockers) or "the next level's criteria"
        note = (f"score {_fmt(d.score)} is the weighted share of counted criteria that pass at any level "
                f"({len(present)} of {len(counted)}); {len(above)} of the passing ones {'is' if len(above) == 1 else 'are'} "
                f"above level {level} and count toward the level only once {ids} pass{'es' if len(blockers) == 1 else ''}")
    return DimensionStory(
        result=d, meaning=meaning, seeds=dim.seeds.get(level, ()), next_level=nxt,
        next_meaning=(dim.levels.get(nxt) or a.catalogue.level(nxt).description) if nxt is not None else "",
        next_seeds=dim.seeds.get(nxt, ()) if nxt is not None else (), present=present, missing=missing,
        blockers=blockers, above_gate=above, score_note=note)


def overall(a: Assessment) -> OverallStory:
    """The story of ``a``'s overall level and score."""
    lv = a.catalogue.level(a.level)
    held = tuple(d for d in a.dimensions if d.achieved == a.level)
    higher = [d for d in a.dimensions if d.achieved > a.level]
    stories = [dimension(a, d) for d in a.dimensions]
    note = None
    if higher or any(s.score_note for s in stories):
        note = (f"overall level {a.level} is the lowest dimension level (held by "
                f"{', '.join(d.dimension.name for d in held)}); score {_fmt(a.score)} is the weighted mean of the "
                "dimension scores, which count passing criteria at every level")
    nxt = a.catalogue.level(a.level + 1).seeds if a.level < 3 else ()
    return OverallStory(level=a.level, meaning=lv.description, seeds=lv.seeds, held_by=held, next_seeds=nxt,
                        score_note=note)


def practice(s: SubDimensionResult) -> PracticeStory | None:
    """Seed 003's words for practice ``s``, or None when the catalogue gives the practice no seed row."""
    row = s.sub.seed
    if row is None:
        return None
    here = row.cell_for(s.level) if s.applicable else None
    ahead = next((c for c in row.cells if c.state > s.level), None) if s.applicable else None
    return PracticeStory(result=s, cite=row.cite, here=here, ahead=ahead)


def quotes(seeds: tuple[SeedQuote, ...]) -> str:
    """Seed quotes as one line: ``"minimal governance" (seed 000, Maturity Levels, Level 0)``."""
    return "; ".join(f'"{q.text}" ({q.cite})' for q in seeds)


def evidence_line(r: CriterionResult) -> str:
    """The first evidence item of ``r`` as ``location: summary`` (and how many more), or its reason."""
    if not r.evidence:
        return r.reason
    first = r.evidence[0]
    more = f" (+{len(r.evidence) - 1} more)" if len(r.evidence) > 1 else ""
    return f"{first.source.location()}: {first.summary}{more}"


def annotate(data: dict[str, Any], a: Assessment) -> dict[str, Any]:
    """Add the stories to ``a.to_dict()`` output ``data`` (the JSON report): per dimension, overall and practice."""
    data["overall"]["explanation"] = overall(a).to_dict()
    for entry, d in zip(data["dimensions"], a.dimensions):
        entry["explanation"] = dimension(a, d).to_dict()
    for entry, s in zip(data["subDimensions"], a.sub_dimensions):
        story = practice(s)
        entry["seed"] = story.to_dict() if story else None
    for entry, lv in zip(data["levels"], a.catalogue.levels):
        entry["seeds"] = [q.to_dict() for q in lv.seeds]
    return data
