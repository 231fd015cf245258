"""What a change does to the verdict and the bill: base and head results matched spec by spec.

A finding's identity is what it is about, never where the file happens to put it: rule ID,
file (a renamed spec's base path is read as its new path), environment, JSON pointer,
resource, and the message with its numbers masked (so "level 0, target 1" and "level 1,
target 2" are the same finding, while a rule that reports two different problems at one
pointer gives two). Line numbers are not part of it: an edit above a finding moves it,
it does not make it new. Identities are matched as a multiset, so one finding fixed and
another of the same rule added are one *new* and one *resolved*, never "unchanged".

A base finding that has no match is *resolved* only when the head judged that spec in
that environment (or the spec was deleted, or the environment is no longer deployed);
when the head could not judge it (input errors) or no longer checks it (moved out of the
checked paths, no longer kind LLMApplication) it is *not judged*, never resolved.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

POINTS = ("minimum", "expected", "maximum")
SEVERITY_RANK = {"note": 0, "warning": 1, "error": 2}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def mask(message: str) -> str:
    """``message`` with every number replaced by ``#`` and whitespace collapsed."""
    return " ".join(_NUMBER.sub("#", message).split())


@dataclass(frozen=True)
class Item:
    """A finding or an input diagnostic of one result (spec × environment), in repository-relative paths."""

    kind: str  # finding | input
    rule: str  # rule ID; spec/<code> for an input diagnostic
    title: str
    severity: str
    message: str
    remediation: str
    file: str
    line: int
    pointer: str
    resource: str
    environment: str  # "" when the spec was judged alone (no environment)
    label: str  # the environment as reports name it ("prod", "prod, stack prod-eu")
    references: tuple[str, ...] = ()
    waiver: Any = field(default=None, compare=False)  # the waiver (owner, expires, reason) when waived

    @property
    def waived(self) -> bool:
        return self.waiver is not None

    @property
    def identity(self) -> tuple[str, ...]:
        return (self.kind, self.rule, self.file, self.environment, self.pointer, self.resource, mask(self.message))


@dataclass
class Unit:
    """One result: a spec in one environment (or alone), with its items and monthly cost."""

    spec: str
    environment: str
    stack: str
    judged: bool  # the policy stage gave a verdict (the spec was valid in this environment)
    errors: int  # input errors
    items: list[Item]
    monthly: dict[str, float] | None = None
    budget: float | None = None

    @property
    def label(self) -> str:
        if not self.environment:
            return "(no environment)"
        return self.environment + (f", stack {self.stack}" if self.stack and self.stack != self.environment else "")


# --------------------------------------------------------------------------------------- from pipeline results

def relative(path: str, root: Path, cwd: str | None = None) -> str:
    """``path`` (absolute or relative to ``cwd``) relative to ``root``, with forward slashes; as given outside it."""
    absolute = Path(path if os.path.isabs(path) else os.path.join(cwd or os.getcwd(), path)).resolve()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return Path(path).as_posix()


def units_of(files: Iterable[Any], root: Path, *, rename: Callable[[str], str] = lambda p: p,
             scrub: Callable[[str], str] = lambda s: s) -> list[Unit]:
    """Plain Units from pipeline FileResults; paths relative to ``root`` and passed through ``rename``
    (a base path to its head path), messages through ``scrub`` (a temporary directory's name taken out)."""
    out: list[Unit] = []
    for f in files:
        env = f.environment or ""
        unit = Unit(spec=rename(relative(f.path, root)), environment=env, stack=f.stack or "",
                    judged=f.policy is not None, errors=len(f.errors), items=[],
                    monthly=_monthly(f), budget=getattr(f, "budget", None))
        label = unit.label
        for d in f.diagnostics:
            unit.items.append(Item("input", f"spec/{d.code}", d.code, d.severity, scrub(d.message), scrub(d.hint),
                                   rename(relative(d.file, root)), d.line, d.pointer, "", env, label))
        if f.policy is not None:
            for x in f.policy.findings:
                unit.items.append(Item("finding", x.rule_id, x.title, x.severity, scrub(x.message), scrub(x.remediation),
                                       rename(relative(x.file, root)), x.line, x.pointer, x.resource or "", env, label,
                                       tuple(x.references), x.waived_by))
        out.append(unit)
    return out


def _monthly(f: Any) -> dict[str, float] | None:
    monthly = getattr(f, "monthly", None)
    if monthly is None and getattr(f, "cost", None) is not None:
        monthly = dict(f.cost.total)
    return {p: float(monthly[p]) for p in POINTS} if monthly else None


# --------------------------------------------------------------------------------------- the comparison

@dataclass
class Entry:
    """One item's fate: new, resolved, unchanged, severity (changed), waived (in this change), unwaived, unverified."""

    status: str
    head: Item | None
    base: Item | None
    why: str = ""

    @property
    def item(self) -> Item:
        return self.head or self.base  # type: ignore[return-value]


@dataclass
class CostRow:
    label: str
    base: dict[str, float] | None
    head: dict[str, float] | None
    budget: float | None = None

    @property
    def delta(self) -> dict[str, float]:
        return {p: (self.head or {}).get(p, 0.0) - (self.base or {}).get(p, 0.0) for p in POINTS}

    @property
    def changed(self) -> bool:
        return (self.base is None) != (self.head is None) or any(abs(v) >= 0.005 for v in self.delta.values())


@dataclass
class SpecReview:
    """One spec: how its file changed, its items' fates, its cost per environment."""

    path: str  # the head path (the base path of a deleted or no longer checked spec)
    base_path: str | None
    change: str  # added | modified | renamed | deleted | unchanged | unchecked
    entries: list[Entry] = field(default_factory=list)
    cost: list[CostRow] = field(default_factory=list)
    environments: list[str] = field(default_factory=list)
    head_errors: int = 0
    base_errors: int = 0
    base_judged: bool = True
    note: str = ""

    def of(self, *statuses: str) -> list[Entry]:
        return [e for e in self.entries if e.status in statuses]

    @property
    def cost_changed(self) -> bool:
        return any(row.changed for row in self.cost)

    @property
    def touched(self) -> bool:
        """The file changed, or what it is judged or costs did (its prompts, stacks or the policies changed)."""
        return (self.change != "unchanged" or self.cost_changed
                or any(e.status != "unchanged" for e in self.entries))


@dataclass
class Comparison:
    """The whole change: every spec either side checked."""

    base: str  # the revision as given
    sha: str
    specs: list[SpecReview]
    fail_level: str = "error"
    base_error: str | None = None  # why the base could not be judged at all (then every head item is new)

    def of(self, *statuses: str) -> list[Entry]:
        return [e for s in self.specs for e in s.of(*statuses)]

    @property
    def touched(self) -> list[SpecReview]:
        return [s for s in self.specs if s.touched]

    def failing(self, entry: Entry) -> bool:
        """Whether the entry's head item is active and at or above the fail level."""
        h = entry.head
        return h is not None and not h.waived and SEVERITY_RANK.get(h.severity, 2) >= SEVERITY_RANK[self.fail_level]


def _pop(bucket: list[Item], like: Item) -> Item:
    """The base item to pair with ``like``: one with the same waiver state and severity first."""
    for i, b in enumerate(bucket):
        if b.waived == like.waived and b.severity == like.severity:
            return bucket.pop(i)
    return bucket.pop(0)


def _matched(head: Item, base: Item) -> str:
    if head.waived and not base.waived:
        return "waived"
    if base.waived and not head.waived:
        return "unwaived"
    if head.severity != base.severity:
        return "severity"
    return "unchanged"


def _gone(item: Item, head_units: list[Unit], change: str, note: str) -> tuple[str, str]:
    """(status, why) of a base item the head no longer has."""
    if change == "deleted":
        return "resolved", "the spec was deleted"
    if change == "unchecked":
        return "unverified", note
    same_env = [u for u in head_units if u.environment == item.environment]
    if same_env:
        if all(u.judged and not u.errors for u in same_env):
            return "resolved", ""
        return "unverified", "not judged in this change: the spec has input errors"
    if head_units and all(u.judged and not u.errors for u in head_units):
        return "resolved", f"environment {item.environment or '(none)'} is no longer deployed"
    return "unverified", "not judged in this change: the spec has input errors"


def review_spec(path: str, base_path: str | None, change: str, head_units: list[Unit], base_units: list[Unit],
                note: str = "") -> SpecReview:
    """Match ``base_units``' items against ``head_units``' for one spec."""
    spec = SpecReview(path=path, base_path=base_path, change=change, note=note,
                      head_errors=sum(u.errors for u in head_units), base_errors=sum(u.errors for u in base_units),
                      base_judged=bool(base_units) and all(u.judged for u in base_units))
    spec.environments = sorted({u.label for u in head_units or base_units})
    buckets: dict[tuple[str, ...], list[Item]] = defaultdict(list)
    for u in base_units:
        for item in u.items:
            buckets[item.identity].append(item)
    for u in head_units:
        for item in u.items:
            bucket = buckets.get(item.identity)
            if bucket:
                base = _pop(bucket, item)
                spec.entries.append(Entry(_matched(item, base), item, base))
            else:
                spec.entries.append(Entry("waived" if item.waived else "new", item, None))
    for bucket in buckets.values():
        for item in bucket:
            status, why = _gone(item, head_units, change, note)
            spec.entries.append(Entry(status, None, item, why))
    spec.cost = _cost_rows(head_units, base_units)
    return spec


def _cost_rows(head_units: list[Unit], base_units: list[Unit]) -> list[CostRow]:
    def key(u: Unit) -> tuple[str, str]:
        return (u.environment, u.stack)

    heads = {key(u): u for u in head_units}
    bases = {key(u): u for u in base_units}
    # an environment a stack now deploys (or no longer does) is still the same environment: pair by name
    for k in [k for k in heads if k not in bases]:
        other = [b for b in bases if b[0] == k[0] and b not in heads]
        if len(other) == 1:
            bases[k] = bases.pop(other[0])
    rows = []
    for k in sorted(set(heads) | set(bases)):
        h, b = heads.get(k), bases.get(k)
        rows.append(CostRow((h or b).label, b.monthly if b else None, h.monthly if h else None,  # type: ignore[union-attr]
                            (h.budget if h else None) if h else (b.budget if b else None)))
    return rows


def compare(head: list[Unit], base: list[Unit], *, base_name: str, sha: str, fail_level: str,
            status_of: Callable[[str, bool, bool], tuple[str, str, str | None]], base_error: str | None = None) -> Comparison:
    """Review every spec either side checked (base units carry their head path already).
    ``status_of(path, in_head, in_base)`` says how the spec's file changed: (change, note, base path), change
    one of added, modified, renamed, deleted, unchanged, unchecked."""
    by_head: dict[str, list[Unit]] = defaultdict(list)
    by_base: dict[str, list[Unit]] = defaultdict(list)
    for u in head:
        by_head[u.spec].append(u)
    for u in base:
        by_base[u.spec].append(u)
    specs = []
    for path in sorted(set(by_head) | set(by_base)):
        h, b = by_head.get(path, []), by_base.get(path, [])
        change, note, base_path = status_of(path, bool(h), bool(b))
        specs.append(review_spec(path, base_path, change, h, b, note))
    return Comparison(base_name, sha, specs, fail_level, base_error)
