"""The metric mapping table (metric_map.yaml) and how per-case values become the value a gate compares.

A harness measures per case; a gate compares one number. ``aggregate`` is the one place that turns the first
into the second, per gate metric (metric_map.yaml ``aggregation``):

- ``mean``: the mean of the per-case scores (faithfulness, relevance, context precision and recall,
  correctness, toxicity, refusal rate) and of the per-request cost;
- ``p95``: the 95th percentile of per-case latency, nearest rank (the smallest value at least 95 % of the
  cases are at or below: with 20 cases, the 19th smallest);
- ``rate-any``: the share of cases with any PII leakage (a per-case score above 0 counts as a leak), so one
  case that leaks a little counts as a whole leaking case, never averaged away.

A metric a harness reports that the table does not list is *unmapped*: reported, never guessed.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field
from typing import Any

from llmops_iac.errors import InternalError

TABLE_FILE = os.path.join(os.path.dirname(__file__), "metric_map.yaml")
AGGREGATIONS = ("mean", "p95", "rate-any")
HARNESSES = {"bedrock": "amazon-bedrock-evaluation", "promptfoo": "promptfoo"}
"""Harness option names and the names results files record them under (plus ``llmops-iac-converse``)."""


@functools.lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    """The mapping table, checked against the spec schema's metric enum (a broken table is exit 3)."""
    from llmops_iac.resources import safe_load_yaml
    from llmops_iac.spec.validate import schema

    try:
        with open(TABLE_FILE, encoding="utf-8") as fh:
            data = safe_load_yaml(fh.read())
    except (OSError, ValueError) as exc:
        raise InternalError(f"cannot read the metric mapping table {TABLE_FILE}: {exc}") from None
    metrics = set(schema()["$defs"]["gate"]["properties"]["metric"]["enum"])
    problems = []
    agg = data.get("aggregation") if isinstance(data, dict) else None
    if not isinstance(agg, dict) or set(agg) != metrics or not set(agg.values()) <= set(AGGREGATIONS):
        problems.append("aggregation must name every gate metric once, each with one of " + ", ".join(AGGREGATIONS))
    for harness in ("bedrock", "promptfoo"):
        section = data.get(harness) if isinstance(data, dict) else None
        entries = {**(section or {}).get("metrics", {}), **(section or {}).get("fields", {})} if isinstance(section, dict) else {}
        if not entries:
            problems.append(f"{harness}: no metrics")
        for name, entry in entries.items():
            if not isinstance(entry, dict) or (entry.get("gate") is not None and entry.get("gate") not in metrics):
                problems.append(f"{harness}.{name}: gate must be a gate metric of the spec schema or null")
    if problems:
        raise InternalError(f"the metric mapping table {TABLE_FILE} is malformed: " + "; ".join(problems))
    return data


def gate_metric(harness: str, name: str, *, field_name: bool = False) -> tuple[bool, str | None]:
    """(known, gate metric) for a harness's metric (or, with ``field_name``, promptfoo's per-result field)."""
    entries = table()[harness]["fields" if field_name else "metrics"]
    if name not in entries:
        return False, None
    return True, entries[name].get("gate")


def aggregation(metric: str) -> str:
    return table()["aggregation"][metric]


@dataclass
class Samples:
    """What one harness output holds: per gate metric, the per-case values and the cases that errored."""

    harness: str  # a results-file harness name (HARNESSES values, or llmops-iac-converse)
    version: str
    sources: list[str] = field(default_factory=list)  # the files read (as given)
    cases: int = 0  # records read
    values: dict[str, list[float]] = field(default_factory=dict)  # gate metric -> per-case values
    errors: dict[str, int] = field(default_factory=dict)  # gate metric -> cases without a value (harness errors)
    unmapped: dict[str, int] = field(default_factory=dict)  # harness metric -> cases it appeared in
    ignored: dict[str, str] = field(default_factory=dict)  # known harness metric -> why no gate takes it
    evaluators: set[str] = field(default_factory=set)  # judge models, when the harness says
    extra: dict[str, Any] = field(default_factory=dict)  # more of the harness block of the results (the runner's model)

    def add(self, metric: str, value: float | None) -> None:
        """One case's value of ``metric`` (None: the harness gave none for that case, an error)."""
        self.values.setdefault(metric, [])
        self.errors.setdefault(metric, 0)
        if value is None:
            self.errors[metric] += 1
        else:
            self.values[metric].append(value)


def finite_number(value: Any) -> bool:
    """A JSON number that is a real, finite number (booleans are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def aggregate(metric: str, values: list[float]) -> float | None:
    """The value a gate on ``metric`` compares, from per-case ``values`` (None without any)."""
    if not values:
        return None
    how = aggregation(metric)
    if how == "p95":
        ordered = sorted(values)
        return float(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)])
    if how == "rate-any":
        return sum(1 for v in values if v > 0) / len(values)
    return math.fsum(values) / len(values)


def fails(value: float, minimum: float | None, maximum: float | None) -> bool:
    """Whether a measured value breaks a gate's bounds (at the bound passes: min 0.8 holds at 0.8)."""
    return (minimum is not None and value < minimum) or (maximum is not None and value > maximum)
