"""The check registry and how a check states its result: the outcomes, ``Result``, ``check`` and ``CHECKS``.

Each check returns a ``Result`` with the reason in one sentence and the
evidence items that earned or blocked it. ``_verdict`` turns a list of
problems into a failure (or the pass sentence when there is none); ``_na``
and ``_no_repo`` are the not-applicable and missing-repository results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from llmops_iac.maturity.evidence import Evidence, Item

PASS, FAIL, NOT_APPLICABLE, MANUAL = "pass", "fail", "not-applicable", "manual"
OUTCOMES = (PASS, FAIL, NOT_APPLICABLE, MANUAL)


@dataclass(frozen=True)
class Result:
    """What a check found: the outcome, why, and the evidence behind it."""

    outcome: str
    reason: str
    evidence: tuple[Item, ...] = ()


CHECKS: dict[str, Callable[[Evidence], Result]] = {}


def check(criterion_id: str) -> Callable[[Callable[[Evidence], Result]], Callable[[Evidence], Result]]:
    """Register the check of ``criterion_id``."""

    def register(func: Callable[[Evidence], Result]) -> Callable[[Evidence], Result]:
        if criterion_id in CHECKS:
            raise ValueError(f"two checks for {criterion_id}")
        CHECKS[criterion_id] = func
        return func

    return register


def _verdict(problems: list[str], items: list[Item], ok: str) -> Result:
    if problems:
        shown = "; ".join(problems[:4]) + (f"; and {len(problems) - 4} more" if len(problems) > 4 else "")
        return Result(FAIL, shown, tuple(items))
    return Result(PASS, ok, tuple(items))


def _na(reason: str) -> Result:
    return Result(NOT_APPLICABLE, reason)


def _no_repo(what: str) -> Result:
    return Result(FAIL, f"no repository evidence: run with --repo PATH to show {what}")
