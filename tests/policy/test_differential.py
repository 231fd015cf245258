"""regopy (the default engine) against the real OPA (the reference), on every example and rule fixture.

Both engines evaluate ``data.llmops`` for the same input; after normalisation (sets are lists in an
engine-specific order: sorted canonically; 1.0 == 1) the documents must be identical. A disagreement
fails with the input, the rule paths that differ and both values; an engine error on one side is a
disagreement too.
"""

from __future__ import annotations

import json

import pytest

from llmops_iac.policy.embedded import RegopyEngine
from llmops_iac.policy.engine import EngineError
from llmops_iac.policy.reference import OpaEngine
from tests.policy.opa_server import differences, in_process_results, normalise, policy_cases

CASES = policy_cases()

KNOWN_REGOPY_BUGS: dict[str, str] = {}
"""Case-id prefix → the regopy bug that makes it disagree (strict xfail: fixing the bug fails the test until the
entry is removed). Empty: every disagreement fails."""


def _outcome(engine, document):
    try:
        return "ok", engine.evaluate(document)
    except EngineError as exc:
        return "error", str(exc)


def _unescaped_strings(value, path="data.llmops"):
    """(path, string) of every string with a quote, backslash or control character: regopy 1.5.2 writes
    such strings into its JSON output as they are when they come from the input, which breaks (or changes)
    the JSON that RegopyEngine parses."""
    if isinstance(value, str):
        return [(path, value)] if any(c in value for c in '"\\') or any(ord(c) < 0x20 for c in value) else []
    if isinstance(value, dict):
        return [x for k, v in sorted(value.items()) for x in _unescaped_strings(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [x for i, v in enumerate(value) for x in _unescaped_strings(v, f"{path}[{i}]")]
    return []


def _known(case_id: str):
    return [pytest.mark.xfail(strict=True, reason=why) for prefix, why in KNOWN_REGOPY_BUGS.items()
            if case_id.startswith(prefix)]


def test_there_are_cases():
    assert any(c.id.startswith("examples/") for c in CASES)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=_known(c.id)) for c in CASES])
def test_regopy_agrees_with_opa(case):
    r_kind, r_value = in_process_results("regopy")[case.id]
    o_kind, o_value = in_process_results("opa")[case.id]
    assert o_kind == "ok", f"the reference engine failed on {case.id}: {o_value}"
    if r_kind == "error":
        suspects = "\n  ".join(f"{p}: {json.dumps(v)[:300]}" for p, v in _unescaped_strings(o_value)[:20])
        pytest.fail(f"regopy disagrees with OPA on {case.id}: regopy raised\n  {r_value}\n"
                    + (f"strings in OPA's result that regopy 1.5.2 prints into its JSON unescaped:\n  {suspects}\n"
                       if suspects else "")
                    + f"OPA returned\n  {json.dumps(o_value, sort_keys=True)[:3000]}")
    diff = differences(normalise(r_value), normalise(o_value))
    assert not diff, (f"regopy (first) and OPA (second) disagree on {case.id}:\n  " + "\n  ".join(diff))


# -- the comparison itself ---------------------------------------------------------------------------------

def test_normalise_sorts_sets_and_unifies_numbers():
    assert normalise({"a": [3, 1.0, {"b": 2.0}], "c": True, "d": 1.5}) == {"a": [1, 3, {"b": 2}], "c": True, "d": 1.5}
    assert differences(normalise([True]), normalise([1])) == ["data.llmops[0]: true != 1"]  # booleans are not numbers


def test_differences_name_the_rule_path():
    diff = differences({"guardrails": {"unguarded_model": [{"msg": "a"}]}},
                       {"guardrails": {"unguarded_model": [{"msg": "b"}]}, "x": {}})
    assert diff == ['data.llmops.guardrails.unguarded_model[0].msg: "a" != "b"', "data.llmops.x: only in the second: {}"]


STRINGS = {
    "backslash": "back\\slash \\d{6}",
    "json-escape": "\\bEMP-[0-9]{6}\\b",  # a PII regex: \b is also a JSON escape (backspace)
    "quote": 'a "quoted" word',
    "injection": 'x", "forged": "y',  # a spec value that, unescaped, adds a key to the result
    "control": "line\nbreak\ttab",
    "unicode": "é 😀",
}


@pytest.mark.parametrize("value", list(STRINGS.values()), ids=list(STRINGS))
def test_strings_from_the_input_survive_both_engines(value):
    """A finding message carries spec text (names, regexes, reasons): both engines must return it unchanged."""
    source = 'package llmops.echo\nimport rego.v1\nechoed := input.text\n'
    r, o = RegopyEngine(), OpaEngine()
    r.load({"echo.rego": source}, {})
    o.load({"echo.rego": source}, {})
    try:
        assert o.evaluate({"text": value})["echo"]["echoed"] == value
        r_kind, r_value = _outcome(r, {"text": value})
        assert r_kind == "ok", f"regopy failed on the string {value!r}: {r_value}"
        assert r_value["echo"] == {"echoed": value}, f"regopy returned {r_value['echo']!r} for {value!r}"
    finally:
        o.close()
