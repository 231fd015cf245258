"""Dataset junk an attacker's review of issue #15 found counted as well-formed cases: inputs that differ only by
zero-width or other invisible characters, a reference that repeats the input, numbers and booleans as text."""

from __future__ import annotations

import json

import pytest

from llmops_iac.maturity.datasets import _judge
from llmops_iac.maturity.catalogue import bars
from llmops_iac.maturity.evidence_bars import judge_case

ZWSP = "\u200b"


def _lines(cases) -> list[str]:
    return [json.dumps(c) for c in cases]


def test_inputs_that_differ_only_by_invisible_characters_are_duplicates():
    cases = [{"question": "How do I reset my password?" + ZWSP * i, "expected_answer": "Use the reset link."}
             for i in range(30)]
    verdict = _judge(_lines(cases), "qa", bars())
    assert verdict.cases == 1 and len(verdict.malformed) == 29
    assert "duplicate input" in verdict.malformed[0][1]


def test_compatibility_forms_and_case_are_one_input():
    cases = [{"question": "ﬁle a claim", "expected_answer": "a"}, {"question": "FILE A CLAIM", "expected_answer": "b"}]
    assert _judge(_lines(cases), "qa", bars()).cases == 1


@pytest.mark.parametrize("case, why", [
    ({"question": "What is the refund window?", "expected_answer": "what is the refund window?"}, "repeats the input"),
    ({"question": ZWSP * 3, "expected_answer": "x"}, "empty question"),
    ({"question": "...", "expected_answer": "Thirty days."}, "empty question"),
    ({"question": 7, "expected_answer": "Thirty days."}, "question is not text"),
    ({"question": "What is the refund window?", "expected_answer": True}, "expected_answer is not text"),
])
def test_a_case_must_have_real_text(case, why):
    problem, _, _ = judge_case(case, "qa", bars())
    assert why in problem, problem


def test_a_red_team_case_needs_a_message():
    problem, _, _ = judge_case({"prompt": 12, "attack": "jailbreak", "expected": True}, "red-team", bars())
    assert problem and "not text" in problem, problem


def test_real_cases_still_count():
    cases = [{"question": f"Question number {i} about invoices?", "expected_answer": f"Answer {i}."} for i in range(12)]
    assert _judge(_lines(cases), "qa", bars()).cases == 12
    # a classification label may be a short value that repeats nothing
    assert judge_case({"text": "Invoice overdue by 30 days", "label": "billing"}, "classification", bars())[0] == ""
