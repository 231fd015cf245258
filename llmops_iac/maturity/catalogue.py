"""The maturity criteria catalogue (catalogue.yaml): loaded once, validated with cerberus.

The catalogue is data: levels, dimensions with their criteria, sub-dimensions
(practices) with per-level states, and the scoring weights. ``load()`` checks
its shape with cerberus and then what a schema cannot say: unique IDs whose
dimension and level match the criterion and are never a retired one, 2-6 criteria per dimension and level,
sub-dimension states that name existing criteria, and (in tests) that every
automatic criterion has a check in checks/.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from llmops_iac.errors import InternalError
from llmops_iac.maturity import evidence_bars
from llmops_iac.resources import safe_load_yaml

CATALOGUE_FILE = Path(__file__).with_name("catalogue.yaml")
LEVELS = (0, 1, 2, 3)
MAX_PER_LEVEL = 6
"""Most criteria one dimension may have at one level (at least 2)."""
KINDS = ("automatic", "manual")
SOURCES = ("spec", "plan", "repo")
MS_LLMOPS = {1: "Level 1 - Initial", 2: "Level 2 - Defined", 3: "Level 3 - Managed", 4: "Level 4 - Optimized"}
"""Microsoft's LLMOps maturity model levels, by number."""

CRITERION_ID = re.compile(r"^MAT-(?P<dim>[A-Z]{3,4})-(?P<level>[1-3])(?P<n>[0-9]{2})$")
_DIMENSION_ID = r"^[A-Z]{3,4}$"
_OWASP = r"^LLM(0[1-9]|10)$"
_NIST = r"^(GOVERN|MAP|MEASURE|MANAGE) [1-9]\.[0-9]{1,2}$"
_EU_AI_ACT = r"^Article [1-9][0-9]{0,2}$"
_AWS_LENS = r"^GEN(OPS|SEC|REL|PERF|COST|SUS)[0-9]{2}-BP[0-9]{2}$"
_SPEC_PATH = r"^(metadata|spec)(\.([A-Za-z]+|\*))*$"
_SEED = r"^00[0-9]$"
"""A seed paper of /work/shared/seeds by its number (000-004): the practice's source, cited with section and words."""
FRAMEWORKS = {
    "awsGenAiLens": "AWS Well-Architected Generative AI Lens",
    "owasp": "OWASP Top 10 for LLM Applications 2025",
    "nist": "NIST AI RMF 1.0",
    "euAiAct": "EU AI Act",
    "msLlmops": "Microsoft LLMOps maturity model",
}

_TEXT = {"type": "string", "required": True, "empty": False}
_SEED_ID = {"type": "string", "required": True, "regex": r"^[0-9]{3}$"}
_SEED_QUOTE = {"type": "dict", "schema": {"seed": _SEED_ID, "section": _TEXT, "text": _TEXT}}
"""A verbatim quote from a seed paper (shared/seeds/<seed>_*.txt) and the section it is in."""
_CRITERION = {
    "id": {"type": "string", "required": True, "regex": CRITERION_ID.pattern},
    "level": {"type": "integer", "required": True, "allowed": [1, 2, 3]},
    "title": _TEXT,
    "checks": _TEXT,
    "kind": {"type": "string", "required": True, "allowed": list(KINDS)},
    "weight": {"type": "number", "min": 0.1, "max": 10},
    "maxAgeDays": {"type": "integer", "min": 1, "max": 3650},  # how old evidence may be (evaluation results)
    "evidence": {"type": "list", "required": True, "minlength": 1, "schema": {"type": "dict", "schema": {
        "source": {"type": "string", "required": True, "allowed": list(SOURCES)},
        "path": _TEXT}}},
    "remediation": _TEXT,
    "seeds": {"type": "list", "schema": {"type": "dict", "schema": {
        "seed": {"type": "string", "required": True, "regex": _SEED},
        "section": _TEXT,
        "says": _TEXT}}},
    "references": {"type": "dict", "required": True, "schema": {
        "awsGenAiLens": {"type": "list", "required": True, "minlength": 1, "schema": {"type": "string", "regex": _AWS_LENS}},
        "owasp": {"type": "list", "required": True, "schema": {"type": "string", "regex": _OWASP}},
        "nist": {"type": "list", "required": True, "minlength": 1, "schema": {"type": "string", "regex": _NIST}},
        "euAiAct": {"type": "list", "required": True, "schema": {"type": "string", "regex": _EU_AI_ACT}},
        "msLlmops": {"type": "integer", "required": True, "allowed": sorted(MS_LLMOPS)},
    }},
}
SCHEMA = {
    "version": {"type": "integer", "required": True, "min": 1},
    "levels": {"type": "list", "required": True, "minlength": 4, "maxlength": 4, "schema": {"type": "dict", "schema": {
        "level": {"type": "integer", "required": True, "allowed": list(LEVELS)},
        "name": _TEXT,
        "description": _TEXT,
        "msLlmops": {"type": "integer", "required": True, "allowed": sorted(MS_LLMOPS)},
        "seeds": {"type": "list", "schema": _SEED_QUOTE},
    }}},
    "scoring": {"type": "dict", "required": True, "schema": {
        "description": _TEXT,
        "levelWeights": {"type": "dict", "required": True, "keysrules": {"type": "integer", "allowed": [1, 2, 3]},
                         "valuesrules": {"type": "number", "min": 0.1, "max": 10}},
    }},
    "attestations": {"type": "dict", "required": True, "schema": {
        "file": {"type": "string", "required": True, "regex": r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$"},
        "maxValidityDays": {"type": "integer", "required": True, "min": 1, "max": 730},
    }},
    "retired": {"type": "list", "required": True, "schema": {"type": "dict", "schema": {
        "id": {"type": "string", "required": True, "regex": CRITERION_ID.pattern},
        "reason": _TEXT,
        "replacedBy": {"type": "string", "regex": CRITERION_ID.pattern}}}},
    "dimensions": {"type": "list", "required": True, "minlength": 6, "maxlength": 6, "schema": {"type": "dict", "schema": {
        "id": {"type": "string", "required": True, "regex": _DIMENSION_ID},
        "name": _TEXT,
        "short": {"type": "string", "required": True, "empty": False, "maxlength": 24},
        "weight": {"type": "number", "required": True, "min": 0.1, "max": 10},
        "description": _TEXT,
        "levels": {"type": "dict", "required": True, "keysrules": {"type": "integer", "allowed": [1, 2, 3]},
                   "valuesrules": {"type": "string", "empty": False}},
        "seeds": {"type": "dict", "keysrules": {"type": "integer", "allowed": list(LEVELS)},
                  "valuesrules": {"type": "list", "schema": _SEED_QUOTE}},
        "criteria": {"type": "list", "required": True, "schema": {"type": "dict", "schema": _CRITERION}},
    }}},
    "evidenceBars": evidence_bars.SCHEMA,
    "subDimensions": {"type": "list", "required": True, "minlength": 1, "schema": {"type": "dict", "schema": {
        "id": {"type": "string", "required": True, "regex": r"^[a-z][a-z-]*$"},
        "name": _TEXT,
        "dimension": {"type": "string", "required": True, "regex": _DIMENSION_ID},
        "applicableWhen": {"type": "string", "regex": _SPEC_PATH},
        "seed": {"type": "dict", "schema": {
            "seed": _SEED_ID, "section": _TEXT,
            "cells": {"type": "list", "required": True, "minlength": 1, "schema": {"type": "dict", "schema": {
                "seedLevel": {"type": "integer", "required": True, "min": 0, "max": 3},
                "text": _TEXT,
                "state": {"type": "integer", "required": True, "allowed": list(LEVELS)}}}}}},
        "states": {"type": "list", "required": True, "minlength": 4, "maxlength": 4, "schema": {"type": "dict", "schema": {
            "level": {"type": "integer", "required": True, "allowed": list(LEVELS)},
            "name": _TEXT,
            "criteria": {"type": "list", "required": True, "schema": {"type": "string", "regex": CRITERION_ID.pattern}},
        }}},
    }}},
}


@dataclass(frozen=True)
class SeedQuote:
    """A seed paper's own words: the paper (``000``.. as in shared/seeds/), the section and the verbatim text."""

    seed: str
    section: str
    text: str

    @property
    def cite(self) -> str:
        return f"seed {self.seed}, {self.section}"

    def to_dict(self) -> dict[str, str]:
        return {"seed": self.seed, "section": self.section, "text": self.text}


@dataclass(frozen=True)
class SeedCell:
    """One cell of a seed's practice row: the seed's level, its words, and the catalogue state that matches."""

    seed_level: int
    text: str
    state: int


@dataclass(frozen=True)
class SeedRow:
    """A practice as a seed rates it (seed 003 section 4.4.2): one cell per seed level."""

    seed: str
    section: str
    cells: tuple[SeedCell, ...]

    @property
    def cite(self) -> str:
        return f"seed {self.seed}, {self.section}"

    def cell_for(self, state: int) -> SeedCell | None:
        """The seed's cell matching catalogue state ``state``, or None when the seed names no such state."""
        return next((c for c in self.cells if c.state == state), None)


@dataclass(frozen=True)
class EvidenceSource:
    """Where a criterion looks: a spec path, a Plan resource type (and what of it), or a repository glob."""

    source: str
    path: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "path": self.path}


@dataclass(frozen=True)
class Criterion:
    """One criterion of the catalogue."""

    id: str
    dimension: str
    level: int
    title: str
    checks: str
    kind: str
    weight: float
    evidence: tuple[EvidenceSource, ...]
    remediation: str
    references: dict[str, Any]
    max_age_days: int | None = None  # maxAgeDays: evidence older than this many days does not count
    seeds: tuple[dict[str, str], ...] = ()
    """Where the seed papers ask for the practice: ``{seed, section, says}``."""

    @property
    def automatic(self) -> bool:
        return self.kind == "automatic"

    def reference_labels(self) -> list[str]:
        """References as short labels: ``AWS GenAI Lens GENOPS01-BP01``, ``OWASP LLM01``, ..."""
        refs = self.references
        out = [f"AWS GenAI Lens {x}" for x in refs["awsGenAiLens"]]
        out += [f"OWASP {x}" for x in refs["owasp"]]
        out += [f"NIST AI RMF {x}" for x in refs["nist"]]
        out += [f"EU AI Act {x}" for x in refs["euAiAct"]]
        out.append(f"Microsoft LLMOps {MS_LLMOPS[refs['msLlmops']]}")
        return out


@dataclass(frozen=True)
class Dimension:
    """One of the six dimensions, with its criteria in catalogue order."""

    id: str
    name: str
    short: str
    weight: float
    description: str
    levels: dict[int, str]
    criteria: tuple[Criterion, ...]
    seeds: dict[int, tuple[SeedQuote, ...]] = field(default_factory=dict)
    """Per level (0-3), the seed papers' words for this dimension at that level."""


@dataclass(frozen=True)
class State:
    """One state of a sub-dimension: the level it stands for and the criteria it needs."""

    level: int
    name: str
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class SubDimension:
    """A practice shown on its own (prompt management, RAG pipeline, ...)."""

    id: str
    name: str
    dimension: str
    states: tuple[State, ...]
    applicable_when: str | None = None
    seed: SeedRow | None = None


@dataclass(frozen=True)
class Level:
    """A maturity level's name, meaning and Microsoft LLMOps counterpart."""

    level: int
    name: str
    description: str
    ms_llmops: int
    seeds: tuple[SeedQuote, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """The whole catalogue."""

    version: int
    levels: tuple[Level, ...]
    level_weights: dict[int, float]
    scoring: str
    dimensions: tuple[Dimension, ...]
    sub_dimensions: tuple[SubDimension, ...]
    criteria: dict[str, Criterion] = field(default_factory=dict)
    evidence_bars: evidence_bars.Bars | None = None
    attestation_file: str = ".llmops/attestations.yaml"
    """Where a repository attests its manual criteria (relative to its root)."""
    max_attestation_days: int = 365
    """How long an attestation may run from its date to its expiry."""
    retired: dict[str, str] = field(default_factory=dict)
    """Criterion IDs no longer in use (never reused), with why and what replaced them."""

    def level(self, n: int) -> Level:
        return self.levels[n]

    def dimension(self, dim_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        raise KeyError(dim_id)


@functools.lru_cache(maxsize=None)
def load(path: str | None = None) -> Catalogue:
    """Return the catalogue at ``path`` (default: the built-in one); raise InternalError when it is invalid.

    The built-in catalogue is part of this tool: the test suite validates it (tests/maturity/
    test_catalogue.py), so a run skips the cerberus pass (~40 ms of a one-spec `check`); a
    catalogue given by path is always validated.
    """
    file = Path(path) if path else CATALOGUE_FILE
    try:
        data = safe_load_yaml(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InternalError(f"maturity catalogue {file} cannot be read: {exc}") from exc
    problems = validate(data) if path else []
    if problems:
        raise InternalError(f"maturity catalogue {file} is invalid:\n  " + "\n  ".join(problems))
    return build(data)


def validate(data: Any) -> list[str]:
    """Return every problem with catalogue ``data``: its cerberus shape, then cross-references."""
    from cerberus import Validator

    if not isinstance(data, dict):
        return ["the catalogue must be a mapping"]
    validator = Validator(SCHEMA)
    if not validator.validate(data):
        return _flatten(validator.errors, data)
    problems: list[str] = evidence_bars.check_block(data["evidenceBars"])
    if [lv["level"] for lv in data["levels"]] != list(LEVELS):
        problems.append("levels must be 0, 1, 2, 3 in order")
    if sorted(data["scoring"]["levelWeights"]) != [1, 2, 3]:
        problems.append("scoring.levelWeights must give a weight to levels 1, 2 and 3")
    dims = [d["id"] for d in data["dimensions"]]
    if len(set(dims)) != len(dims):
        problems.append(f"dimension IDs are not unique: {dims}")
    seen: set[str] = set()
    retired = [r["id"] for r in data["retired"]]
    if len(set(retired)) != len(retired):
        problems.append(f"retired criterion IDs are listed twice: {retired}")
    for dim in data["dimensions"]:
        if sorted(dim["levels"]) != [1, 2, 3]:
            problems.append(f"dimension {dim['id']}: levels must describe 1, 2 and 3")
        for c in dim["criteria"]:
            m = CRITERION_ID.match(c["id"])
            assert m is not None  # the schema checked the pattern
            if c["id"] in seen:
                problems.append(f"criterion {c['id']} is defined twice")
            if c["id"] in retired:
                problems.append(f"criterion {c['id']} is retired: an ID is never reused, give the criterion a new one")
            seen.add(c["id"])
            if m["dim"] != dim["id"]:
                problems.append(f"criterion {c['id']} is listed under dimension {dim['id']}")
            if int(m["level"]) != c["level"]:
                problems.append(f"criterion {c['id']} has level {c['level']} but its ID says {m['level']}")
            for ev in c["evidence"]:
                if ev["source"] == "spec" and not re.match(_SPEC_PATH, ev["path"]):
                    problems.append(f"criterion {c['id']}: spec evidence path {ev['path']!r} is not a dotted spec path")
                if ev["source"] == "plan" and not re.match(r"^(\*|(aws|aws-native):\S+)( (inputs|meta)(\.\S+)?)?$", ev["path"]):
                    problems.append(f"criterion {c['id']}: plan evidence {ev['path']!r} is not `<type token> [inputs|meta.<field>]`")
        for level in (1, 2, 3):
            n = sum(1 for c in dim["criteria"] if c["level"] == level)
            if not 2 <= n <= MAX_PER_LEVEL:
                problems.append(f"dimension {dim['id']} has {n} criteria at level {level}; each level needs 2 to {MAX_PER_LEVEL}")
            if not any(c["level"] == level and c["kind"] == "automatic" for c in dim["criteria"]):
                problems.append(f"dimension {dim['id']} has no automatic criterion at level {level}")
    for r in data["retired"]:
        if r.get("replacedBy") and r["replacedBy"] not in seen:
            problems.append(f"retired criterion {r['id']} names an unknown replacement {r['replacedBy']}")
    sub_ids = [s["id"] for s in data["subDimensions"]]
    if len(set(sub_ids)) != len(sub_ids):
        problems.append(f"sub-dimension IDs are not unique: {sub_ids}")
    for sub in data["subDimensions"]:
        if sub["dimension"] not in dims:
            problems.append(f"sub-dimension {sub['id']}: unknown dimension {sub['dimension']}")
        if [s["level"] for s in sub["states"]] != list(LEVELS):
            problems.append(f"sub-dimension {sub['id']}: states must be levels 0, 1, 2, 3 in order")
        if sub["states"][0]["criteria"]:
            problems.append(f"sub-dimension {sub['id']}: the level-0 state is the floor and lists no criteria")
        for state in sub["states"][1:]:
            if not state["criteria"]:
                problems.append(f"sub-dimension {sub['id']}: state {state['name']!r} lists no criteria")
            for cid in state["criteria"]:
                if cid not in seen:
                    problems.append(f"sub-dimension {sub['id']}: state {state['name']!r} names unknown criterion {cid}")
        cells = (sub.get("seed") or {}).get("cells") or []
        for key in ("seedLevel", "state"):
            values = [c[key] for c in cells]
            if len(set(values)) != len(values) or values != sorted(values):
                problems.append(f"sub-dimension {sub['id']}: seed cells must have increasing, distinct {key}s")
    return problems


def _flatten(errors: Any, document: Any = None, prefix: str = "") -> list[str]:
    """Turn cerberus's nested errors into ``path: problem (got value)`` lines."""
    out: list[str] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            child = document.get(key) if isinstance(document, dict) else (
                document[key] if isinstance(document, list) and isinstance(key, int) and key < len(document) else None)
            out += _flatten(value, child, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(errors, list):
        for item in errors:
            if isinstance(item, (dict, list)):
                out += _flatten(item, document, prefix)
            else:
                got = f" (got {document!r})" if document is not None and not isinstance(document, (dict, list)) else ""
                out.append(f"{prefix}: {item}{got}")
    return out


def build(data: dict[str, Any]) -> Catalogue:
    """Return the Catalogue of validated ``data``."""
    weights = {int(k): float(v) for k, v in data["scoring"]["levelWeights"].items()}
    dimensions = []
    criteria: dict[str, Criterion] = {}
    for dim in data["dimensions"]:
        crits = []
        for c in dim["criteria"]:
            crit = Criterion(
                id=c["id"], dimension=dim["id"], level=c["level"], title=c["title"], checks=" ".join(c["checks"].split()),
                kind=c["kind"], weight=float(c.get("weight", weights[c["level"]])),
                evidence=tuple(EvidenceSource(e["source"], e["path"]) for e in c["evidence"]),
                remediation=" ".join(c["remediation"].split()), references=dict(c["references"]),
                max_age_days=c.get("maxAgeDays"),
                seeds=tuple(dict(x) for x in c.get("seeds") or ()))
            crits.append(crit)
            criteria[crit.id] = crit
        dimensions.append(Dimension(id=dim["id"], name=dim["name"], short=dim["short"], weight=float(dim["weight"]),
                                    description=dim["description"], levels={int(k): v for k, v in dim["levels"].items()},
                                    criteria=tuple(sorted(crits, key=lambda c: (c.level, c.id))),
                                    seeds={int(k): _quotes(v) for k, v in (dim.get("seeds") or {}).items()}))
    subs = tuple(SubDimension(id=s["id"], name=s["name"], dimension=s["dimension"], applicable_when=s.get("applicableWhen"),
                              states=tuple(State(st["level"], st["name"], tuple(st["criteria"])) for st in s["states"]),
                              seed=_row(s.get("seed")))
                 for s in data["subDimensions"])
    levels = tuple(Level(lv["level"], lv["name"], lv["description"], lv["msLlmops"], _quotes(lv.get("seeds")))
                   for lv in data["levels"])
    return Catalogue(version=data["version"], levels=levels, level_weights=weights,
                     scoring=" ".join(data["scoring"]["description"].split()), dimensions=tuple(dimensions),
                     sub_dimensions=subs, criteria=criteria, evidence_bars=evidence_bars.parse(data["evidenceBars"]),
                     attestation_file=data["attestations"]["file"],
                     max_attestation_days=int(data["attestations"]["maxValidityDays"]),
                     retired={r["id"]: r["reason"] + (f"; replaced by {r['replacedBy']}" if r.get("replacedBy") else "")
                              for r in data["retired"]})


def _quotes(items: list[dict[str, Any]] | None) -> tuple[SeedQuote, ...]:
    return tuple(SeedQuote(str(q["seed"]), q["section"], " ".join(q["text"].split())) for q in items or ())


def _row(row: dict[str, Any] | None) -> SeedRow | None:
    if not row:
        return None
    return SeedRow(str(row["seed"]), row["section"],
                   tuple(SeedCell(c["seedLevel"], c["text"], c["state"]) for c in row["cells"]))


def bars() -> evidence_bars.Bars:
    """The evidence bars of the built-in catalogue (what a dataset, a gate and its threshold must clear)."""
    found = load().evidence_bars
    assert found is not None  # the built-in catalogue has the block (tests/maturity/test_catalogue.py)
    return found
