"""regopy (rego-cpp) held to the real OPA, and where the two disagree.

regopy gives no verdicts (policy/engine.py): `check` judges with OPA only. This test keeps the record of how
far regopy is from OPA, so that a future regopy can be reconsidered on evidence:

- on every example and rule fixture (plus patched Plans) both engines evaluate ``data.llmops`` for the same
  input; after normalisation (sets are lists in an engine-specific order: sorted canonically; 1.0 == 1) the
  documents must be identical (regopy with strict builtin errors, tests/policy/regopy_harness.py);
- on purpose-made modules regopy is known to disagree: rules that fail at evaluation (division by zero,
  ``to_number`` on text — "undefined" in regopy unless strict; conflicting values and object keys), a rule
  that shadows a package path (OPA refuses to compile it; regopy merges the two), strings of Unicode
  whitespace only (``trim_space``) and numbers past 32 bits (``sprintf("%d")`` wraps). Each test asserts
  what OPA does (an error at file:line, or the value) and that regopy still differs; when a regopy release
  fixes one, its test fails and says so.
"""

from __future__ import annotations

import json

import pytest

from llmops_iac.policy.engine import EngineError
from llmops_iac.policy.reference import OpaEngine
from tests.policy.opa_server import differences, in_process_results, normalise, policy_cases
from tests.policy.regopy_harness import RegopyEngine

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


# -- where regopy disagrees with OPA (why it gives no verdicts) ---------------------------------------------

FIXED = ("regopy now agrees with OPA here: if that holds for every case in this file, regopy may be reconsidered "
         "as an engine (policy/engine.py, REGOPY_REFUSED); update this test")


def _run(engine, modules, document):
    try:
        engine.load(modules, {})
        return _outcome(engine, document)
    except EngineError as exc:
        return "error", str(exc)
    finally:
        if isinstance(engine, OpaEngine):
            engine.close()


def _module(body: str) -> dict[str, str]:
    return {"policies/t/t.rego": "package llmops.t\nimport rego.v1\n\n" + body}


RUNTIME_ERRORS = {  # kind -> (rule body, input, OPA's error text, the line OPA names)
    "divide-by-zero": ("x := 100 / input.n\n", {"n": 0}, "eval_builtin_error: div: divide by zero", 4),
    "to-number-on-text": ("x := to_number(input.s)\n", {"s": "abc"}, "eval_builtin_error: to_number", 4),
    "conflicting-values": ("x := 1 if input.a\nx := 2 if input.b\n", {"a": True, "b": True},
                           "eval_conflict_error: complete rules must not produce multiple outputs", 4),
    "object-key-conflict": ("x := {k: v | some v in input.vs; k := \"same\"}\n", {"vs": [1, 2]},
                            "eval_conflict_error: object keys must be unique", 4),
}
SILENT_IN_REGOPY = {"divide-by-zero", "to-number-on-text"}
"""Builtin errors regopy turns into "undefined" unless ``strict_built_in_errors`` is set: a rule that
silently finds nothing."""


@pytest.mark.parametrize("kind", list(RUNTIME_ERRORS))
def test_opa_reports_a_rule_that_fails_at_evaluation(kind):
    body, document, message, line = RUNTIME_ERRORS[kind]
    kind_, value = _run(OpaEngine(), _module(body), document)
    assert kind_ == "error", f"OPA gave {value!r}"
    assert f"policies/t/t.rego:{line}: {message}" in value


@pytest.mark.parametrize("kind", list(RUNTIME_ERRORS))
def test_regopy_by_default_hides_builtin_errors(kind):
    body, document, _, _ = RUNTIME_ERRORS[kind]
    kind_, value = _run(RegopyEngine(strict=False), _module(body), document)
    if kind in SILENT_IN_REGOPY:
        assert (kind_, value) == ("ok", {"t": {}}), FIXED  # undefined: no error, no value
    else:
        assert kind_ == "error", f"regopy gave {value!r} where OPA reports a conflict"


@pytest.mark.parametrize("kind", list(RUNTIME_ERRORS))
def test_regopy_strict_reports_them_without_opa_s_location(kind):
    """Strict, regopy errors too, but its message names neither OPA's error code nor file:line."""
    body, document, message, line = RUNTIME_ERRORS[kind]
    kind_, value = _run(RegopyEngine(), _module(body), document)
    assert kind_ == "error", f"regopy (strict) gave {value!r}"
    assert f"policies/t/t.rego:{line}: {message}" not in value, FIXED


SHADOWING = {  # name -> modules
    "two-modules-one-package": {
        "a.rego": "package llmops.t\nimport rego.v1\nx contains 1\n",
        "b.rego": "package llmops.t\nimport rego.v1\nx contains 2\ny := 3\n"},
    "rule-shadows-a-package-disjoint": {
        "a.rego": "package llmops\nimport rego.v1\nt := {\"y\": 1}\n",
        "b.rego": "package llmops.t\nimport rego.v1\nx contains 2\n"},
    "undefined-rule-shadows-a-package": {
        "a.rego": "package llmops\nimport rego.v1\nt := {\"x\": []} if input.never\n",
        "b.rego": "package llmops.t\nimport rego.v1\nx contains 2\n"},
    "rule-shadows-a-package-overlapping": {
        "a.rego": "package llmops\nimport rego.v1\nt := {\"x\": [1]}\n",
        "b.rego": "package llmops.t\nimport rego.v1\nx contains 2\n"},
}


def test_two_modules_of_one_package_merge_on_both():
    modules = SHADOWING["two-modules-one-package"]
    assert _run(OpaEngine(), modules, {}) == ("ok", {"t": {"x": [1, 2], "y": 3}})
    kind, value = _run(RegopyEngine(), modules, {})
    assert kind == "ok" and normalise(value) == {"t": {"x": [1, 2], "y": 3}}


@pytest.mark.parametrize("name", [n for n in SHADOWING if n != "two-modules-one-package"])
def test_opa_refuses_a_rule_that_shadows_a_package(name):
    kind, value = _run(OpaEngine(), SHADOWING[name], {})
    assert kind == "error" and "do not compile" in value
    assert "a.rego:1: rego_type_error: package llmops.t conflicts with rule t defined at a.rego:3" in value


@pytest.mark.parametrize("name, regopy_answer", [
    ("rule-shadows-a-package-disjoint", {"t": {"x": [2], "y": 1}}),
    ("undefined-rule-shadows-a-package", {"t": {"x": [2]}}),
])
def test_regopy_merges_a_rule_that_shadows_a_package(name, regopy_answer):
    """Where OPA refuses the policies, regopy answers as if the rule and the package were one object."""
    kind, value = _run(RegopyEngine(), SHADOWING[name], {})
    assert (kind, normalise(value) if kind == "ok" else value) == ("ok", regopy_answer), FIXED


def test_regopy_fails_an_overlapping_shadow_only_at_evaluation():
    kind, value = _run(RegopyEngine(), SHADOWING["rule-shadows-a-package-overlapping"], {})
    assert kind == "error" and "do not compile" not in value, FIXED


WHITESPACE = {"no-break-space": "\u00a0", "em-space": "\u2003", "ideographic-space": "\u3000",
              "next-line": "\u0085", "line-separator": "\u2028"}


@pytest.mark.parametrize("char", list(WHITESPACE.values()), ids=list(WHITESPACE))
def test_trim_space_of_unicode_whitespace_only(char):
    """A waiver owner or a text field of Unicode whitespace only: OPA trims it to "", regopy keeps it."""
    modules = _module("x := trim_space(input.s)\nblank := x == \"\"\n")
    document = {"s": char * 3}
    assert _run(OpaEngine(), modules, document) == ("ok", {"t": {"x": "", "blank": True}})
    kind, value = _run(RegopyEngine(), modules, document)
    assert kind == "ok" and value["t"]["blank"] is False and value["t"]["x"] == char * 3, FIXED


def test_trim_space_of_spaces_agrees():
    modules = _module("x := trim_space(input.s)\n")
    assert _run(OpaEngine(), modules, {"s": "   "}) == _run(RegopyEngine(), modules, {"s": "   "}) == ("ok", {"t": {"x": ""}})


def test_trim_space_of_tabs_and_newlines_from_the_input_differs():
    """regopy prints input strings into its JSON unescaped, so the harness hands it control characters as
    private-use ones (regopy_harness.py): a rule then cannot trim a tab or a newline that came from the spec."""
    modules = _module("x := trim_space(input.s)\n")
    assert _run(OpaEngine(), modules, {"s": " \t\n"}) == ("ok", {"t": {"x": ""}})
    assert _run(RegopyEngine(), modules, {"s": " \t\n"}) == ("ok", {"t": {"x": "\t\n"}}), FIXED


BIG = 2**40 + 5


@pytest.mark.parametrize("value, opa, regopy", [
    (BIG, str(BIG), "5"),
    (-BIG, str(-BIG), "-5"),
    (2**31, "2147483648", "-2147483648"),
], ids=["2**40+5", "-(2**40+5)", "2**31"])
def test_sprintf_d_of_numbers_past_32_bits(value, opa, regopy):
    modules = _module("x := sprintf(\"%d\", [input.n])\n")
    assert _run(OpaEngine(), modules, {"n": value}) == ("ok", {"t": {"x": opa}})
    assert _run(RegopyEngine(), modules, {"n": value}) == ("ok", {"t": {"x": regopy}}), FIXED


@pytest.mark.parametrize("expr", ["input.n + 1", "input.n * 2", "input.n > 4294967296", "format_int(input.n, 10)",
                                  "sprintf(\"%v\", [input.n])", "sum([input.n, 1])"])
def test_other_arithmetic_past_32_bits_agrees(expr):
    modules = _module(f"x := {expr}\n")
    assert _run(OpaEngine(), modules, {"n": BIG}) == _run(RegopyEngine(), modules, {"n": BIG})
