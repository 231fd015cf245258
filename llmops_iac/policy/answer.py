"""The engine answer check: an answer is a verdict only if it is complete and well formed, whatever the engine.

Every engine returns ``data.llmops`` for one input: ``{area: {rule: [result, ...]}}``. Before any rule's
results are read, :func:`check` holds that answer to the catalogue — the packages and rules that were loaded:

- every catalogue rule's package is an object at its path under ``data.llmops`` (``llmops.guardrails`` →
  ``answer["guardrails"]``), and the rule is a key of it. A partial-set rule with no members is ``[]`` in
  OPA's answer (in-process and over REST), so a rule that is absent is missing, never "no findings";
- the rule's value is a list, and each member an object with a string ``msg`` (what ``data.llmops.lib.result``
  and ``lib.spec_result`` build).

Anything else — ``{}``, ``{"allow": true}``, a package or rule left out, a rule that is an object, a boolean or a
list of strings, a package that is not an object — is an :class:`~llmops_iac.policy.engine.EngineError`
(exit 3) naming each rule as ``package.rule (ID)`` and what is wrong with it. Keys the catalogue does not know
(helper rules such as ``_guarded_models``, the ``lib`` package, ``*_test`` packages) are not judged and not
required. The check is in one place so no engine can skip it: :func:`llmops_iac.policy.evaluate.judge` runs it
on every answer before joining results with the rules' METADATA.
"""

from __future__ import annotations

from typing import Any

from llmops_iac.policy.catalog import Catalogue, Rule
from llmops_iac.policy.engine import ROOT, EngineError

SHOWN = 25
"""At most this many problems are listed in the error (the count says how many there are)."""


def check(catalogue: Catalogue, answer: Any, engine: str) -> dict[str, list[dict[str, Any]]]:
    """Return ``{rule ID: its results}`` from ``answer`` (``data.llmops``); raise EngineError unless every
    catalogue rule has a well-formed value."""
    if not isinstance(answer, dict):
        raise EngineError(f"the policy engine ({engine}) answered data.{ROOT} with {_kind(answer)}, expected an object "
                          "of packages; there is no verdict")
    results: dict[str, list[dict[str, Any]]] = {}
    problems: list[str] = []
    for rule in sorted(catalogue.rules.values(), key=lambda r: r.id):
        value, problem = _value(answer, rule)
        if problem is None:
            problem = _shape(value)
        if problem is None:
            results[rule.id] = value
        else:
            problems.append(f"{rule.package}.{rule.name} ({rule.id}): {problem}")
    if problems:
        total = len(catalogue.rules)
        shown = "\n  ".join(problems[:SHOWN])
        more = f"\n  … and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise EngineError(f"the policy engine ({engine}) gave no verdict: its answer (data.{ROOT}) is incomplete or "
                          f"malformed; {len(problems)} of the {total} loaded rules have no valid result:\n  {shown}{more}")
    return results


def _value(answer: dict[str, Any], rule: Rule) -> tuple[Any, str | None]:
    """The rule's value in the answer, or (None, why it is not there)."""
    segments = rule.package.split(".")
    if segments[0] != ROOT or len(segments) < 2:
        return None, f"missing: its package is not under data.{ROOT}, the document the engine evaluates"
    node: Any = answer
    for depth, segment in enumerate(segments[1:], start=2):
        if segment not in node:
            return None, f"missing: the answer has no package {'.'.join(segments[:depth])}"
        node = node[segment]
        if not isinstance(node, dict):
            return None, f"package {'.'.join(segments[:depth])} is {_kind(node)} in the answer, expected an object"
    if rule.name not in node:
        return None, "missing: its package has no such rule in the answer"
    return node[rule.name], None


def _shape(value: Any) -> str | None:
    """Why ``value`` is not a list of result objects, or None if it is one."""
    if not isinstance(value, list):
        return f"its value is {_kind(value)}, expected a list of results (a partial set)"
    for i, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("msg"), str):
            return (f"result {i} is {_kind(item)}, expected an object with a string msg (results come from "
                    f"data.{ROOT}.lib.result or spec_result)")
    return None


def _kind(value: Any) -> str:
    """``value`` described for a message: its JSON type and, briefly, the value itself."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    name = "null" if value is None else names.get(type(value), type(value).__name__)
    text = repr(value)
    return f"{name} ({text[:80]}{'…' if len(text) > 80 else ''})"
