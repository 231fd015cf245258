"""The bars evidence must clear before a maturity criterion credits it (catalogue.yaml ``evidenceBars``).

Issue #15, "evidence is proof, not text": a golden set counts only with enough
well-formed cases for the level (an input and a reference per case, nothing
empty, no duplicate inputs), a red-team set only when every case names an attack
category and the set covers several, and a gate only when its threshold can fail
a realistic model. This module holds the bars (data from the catalogue) and
judges one case and one dataset against them; checks/gate_bars.py judges gates.
It reads no files.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any


RED_TEAM = "red-team"
DEFAULT_TASK = "default"
SHOWN_CASES = 3
"""Malformed cases a reason names by file:line before it says how many more there are."""

_NAMES = {"type": "list", "required": True, "minlength": 1, "schema": {"type": "string", "empty": False}}
SCHEMA = {"type": "dict", "required": True, "schema": {
    "datasets": {"type": "dict", "required": True, "schema": {
        "minimumCases": {"type": "dict", "required": True, "keysrules": {"type": "integer", "allowed": [1, 2, 3]},
                         "valuesrules": {"type": "integer", "min": 1}},
        "fields": {"type": "dict", "required": True, "keysrules": {"type": "string", "regex": r"^[a-z][a-z-]*$"},
                   "valuesrules": {"type": "dict", "schema": {"input": _NAMES, "reference": _NAMES,
                                                              "category": {**_NAMES, "required": False}}}},
    }},
    "redTeam": {"type": "dict", "required": True, "schema": {
        "minimumCategories": {"type": "integer", "required": True, "min": 2},
        "categories": {"type": "list", "required": True, "minlength": 2, "schema": {"type": "dict", "schema": {
            "id": {"type": "string", "required": True, "regex": r"^[a-z][a-z-]*$"},
            "description": {"type": "string", "required": True, "empty": False},
            "aliases": {"type": "list", "required": True, "schema": {"type": "string", "regex": r"^[a-z][a-z-]*$"}},
            "owasp": {"type": "list", "required": True, "schema": {"type": "string", "regex": r"^LLM(0[1-9]|10)$"}},
        }}},
    }},
    "gates": {"type": "dict", "required": True, "schema": {
        "metrics": {"type": "dict", "required": True, "valuesrules": {"type": "dict", "schema": {
            "min": {"type": "number", "excludes": "max"},
            "max": {"type": "number", "excludes": "min"},
            "perRequestMultiple": {"type": "number", "min": 1, "dependencies": "max"},
        }}},
    }},
}}
"""The cerberus shape of ``evidenceBars`` (catalogue.py validates the whole catalogue with it)."""


@dataclass(frozen=True)
class Category:
    """An attack category a red-team case may name."""

    id: str
    description: str
    aliases: tuple[str, ...]
    owasp: tuple[str, ...]


@dataclass(frozen=True)
class MetricBar:
    """The realistic side of a metric: ``bound`` is ``min`` or ``max``; ``limit`` the loosest threshold that counts."""

    metric: str
    bound: str
    limit: float
    per_request_multiple: float | None = None


@dataclass(frozen=True)
class Bars:
    """The evidence bars of the catalogue."""

    minimum_cases: dict[int, int]
    fields: dict[str, dict[str, tuple[str, ...]]]
    minimum_categories: int
    categories: tuple[Category, ...]
    metrics: dict[str, MetricBar]

    def fields_of(self, task: str) -> dict[str, tuple[str, ...]]:
        """The input/reference (and for red-team, category) field names of ``task``; an unknown task gets the default."""
        return self.fields.get(task) or self.fields[DEFAULT_TASK]

    def category_of(self, label: str) -> str | None:
        """The category id an attack label names, or None (unknown labels are unlabelled)."""
        head = label.strip().lower().replace("_", "-").replace(" ", "-").split(":")[0]
        for cat in self.categories:
            for name in (cat.id, *cat.aliases):
                if head == name or head.startswith(name + "-"):
                    return cat.id
        return None


def parse(data: dict[str, Any]) -> Bars:
    """Return the Bars of the validated ``evidenceBars`` block."""
    ds, rt = data["datasets"], data["redTeam"]
    metrics = {}
    for metric, bar in data["gates"]["metrics"].items():
        bound = "min" if "min" in bar else "max"
        metrics[metric] = MetricBar(metric, bound, float(bar[bound]), bar.get("perRequestMultiple"))
    return Bars(minimum_cases={int(k): int(v) for k, v in ds["minimumCases"].items()},
                fields={task: {k: tuple(v) for k, v in f.items()} for task, f in ds["fields"].items()},
                minimum_categories=int(rt["minimumCategories"]),
                categories=tuple(Category(c["id"], c["description"], tuple(c["aliases"]), tuple(c["owasp"]))
                                 for c in rt["categories"]),
                metrics=metrics)


def check_block(data: Any) -> list[str]:
    """What a schema cannot say about ``evidenceBars``: levels 1-3 all set and growing, default and red-team fields."""
    problems = []
    cases = data["datasets"]["minimumCases"]
    if sorted(cases) != [1, 2, 3] or not cases[1] <= cases[2] <= cases[3]:
        problems.append("evidenceBars.datasets.minimumCases must set levels 1, 2 and 3, never decreasing")
    fields = data["datasets"]["fields"]
    if DEFAULT_TASK not in fields or RED_TEAM not in fields or "category" not in fields[RED_TEAM]:
        problems.append("evidenceBars.datasets.fields needs `default` and `red-team` (with `category`)")
    for metric, bar in data["gates"]["metrics"].items():
        if "min" not in bar and "max" not in bar:
            problems.append(f"evidenceBars.gates.metrics.{metric} needs a min or a max")
    if data["redTeam"]["minimumCategories"] > len(data["redTeam"]["categories"]):
        problems.append("evidenceBars.redTeam.minimumCategories is more than the categories listed")
    return problems


# -- cases and datasets ----------------------------------------------------------------------------------------------


def _text(value: str) -> str:
    """What a reader sees of ``value``: compatibility forms folded (NFKC), invisible format characters (zero-width
    spaces and joiners, bidi marks) dropped, case folded, runs of whitespace as one space."""
    folded = unicodedata.normalize("NFKC", value)
    visible = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    return " ".join(visible.casefold().split())


def _empty(value: Any) -> bool:
    """No content: null, an empty list or object, or text without a letter or digit once invisible characters go."""
    if isinstance(value, str):
        return not any(ch.isalnum() for ch in _text(value))
    return value is None or (isinstance(value, (list, dict)) and not value)


def _not_text(value: Any, role: str, task: str) -> bool:
    """A number or boolean is not an input, nor a reference (except a classification label)."""
    if isinstance(value, (str, list, dict)):
        return False
    return not (role == "reference" and task == "classification" and isinstance(value, (int, float, bool)))


def _key(value: Any) -> str:
    if isinstance(value, str):
        return _text(value)
    return json.dumps(value, sort_keys=True)


def judge_case(case: Any, task: str, bars_: Bars) -> tuple[str, str, str | None]:
    """(problem or "", duplicate key of the input, attack category) of one parsed JSON Lines record."""
    if not isinstance(case, dict):
        return "not a JSON object", "", None
    if not case:
        return "empty record", "", None
    fields = bars_.fields_of(task)
    found: dict[str, str] = {}
    for role in ("input", "reference"):
        name = next((f for f in fields[role] if f in case), None)
        if name is None:
            return f"no {role} field (one of {', '.join(fields[role])})", "", None
        if _not_text(case[name], role, task):
            return f"{name} is not text ({type(case[name]).__name__})", "", None
        if _empty(case[name]):
            return f"empty {name}", "", None
        found[role] = name
    if _key(case[found["reference"]]) == _key(case[found["input"]]):
        return f"{found['reference']} repeats the input", "", None
    category = None
    if "category" in fields:
        name = next((f for f in fields["category"] if f in case), None)
        if name is None or _empty(case[name]):
            return f"no attack category ({', '.join(fields['category'])})", "", None
        if not isinstance(case[name], str) or (category := bars_.category_of(case[name])) is None:
            return f"unknown attack category {case[name]!r}", "", None
    return "", _key(case[found["input"]]), category
