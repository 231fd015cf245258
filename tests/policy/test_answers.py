"""From the attacker's side: an engine answer that is not a complete, well-formed verdict is exit 3, never a pass.

The answer to ``data.llmops`` must hold every package and rule the catalogue loaded, each rule a list of result
objects. A server that answers ``{"result": {}}``, ``{"result": {"allow": true}}``, leaves a rule out, gives a
rule another shape, repeats a key (the last one wins in a plain JSON parser: a finding could be overwritten by
``[]``) or answers 200 with an error document; a rule that divides by zero on a spec value — each must end
``llmops-iac check`` with exit 3 and a message naming what is missing.
"""

from __future__ import annotations

import json
import sys

import pytest

from llmops_iac.errors import EXIT_INPUT, EXIT_INTERNAL
from llmops_iac.policy import catalog
from llmops_iac.policy.reference import INSTALL
from tests.policy.opa_server import opa_server  # noqa: F401

SPEC = "examples/minimal.yaml"
ARGS = ("--fail-level", "note")  # minimal.yaml has findings at every level: a dropped finding would change the exit


@pytest.fixture(scope="module")
def cat():
    return catalog.load()


def _rule(cat, rule_id):
    r = cat.rules[rule_id]
    return f"{r.package}.{r.name} ({r.id})"


def _some_rule(cat):
    """A catalogue rule of the guardrails package (any would do; this one is stable)."""
    return min((r for r in cat.rules.values() if r.package == "llmops.guardrails"), key=lambda r: r.id)


def _check(invoke, server, rewrite):
    server.fault("rewrite", methods={"POST"}, rewrite=rewrite)
    return invoke("check", SPEC, *ARGS, "--opa-url", server.url)


def test_the_unaltered_answer_is_a_verdict(opa_server, invoke):
    """The control: the same server without a rewrite judges the spec (exit 1: findings)."""
    opa_server.fault("rewrite", methods={"POST"}, rewrite=lambda doc: doc)
    result = invoke("check", SPEC, *ARGS, "--opa-url", opa_server.url)
    assert result.exit_code == 1, result.output


def test_an_empty_result_is_an_engine_error(opa_server, invoke, cat):
    result = _check(invoke, opa_server, lambda doc: {"result": {}})
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert f"{len(cat.rules)} of the {len(cat.rules)} loaded rules" in result.stderr
    first = min(cat.rules)
    assert f"{_rule(cat, first)}: missing" in result.stderr


def test_an_allow_true_result_is_an_engine_error(opa_server, invoke, cat):
    result = _check(invoke, opa_server, lambda doc: {"result": {"allow": True}})
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert f"{len(cat.rules)} of the {len(cat.rules)} loaded rules" in result.stderr


def test_an_area_missing_one_rule_is_an_engine_error(opa_server, invoke, cat):
    rule = _some_rule(cat)

    def drop(doc):
        del doc["result"]["guardrails"][rule.name]
        return doc

    result = _check(invoke, opa_server, drop)
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert f"1 of the {len(cat.rules)} loaded rules" in result.stderr
    assert f"{_rule(cat, rule.id)}: missing" in result.stderr


def test_a_missing_package_is_an_engine_error(opa_server, invoke, cat):
    def drop(doc):
        del doc["result"]["guardrails"]
        return doc

    result = _check(invoke, opa_server, drop)
    assert result.exit_code == EXIT_INTERNAL, result.output
    for r in cat.rules.values():
        if r.package == "llmops.guardrails":
            assert f"{_rule(cat, r.id)}: missing" in result.stderr


@pytest.mark.parametrize("value", [{}, True, ["a", "b"], [{"message": "no msg key"}], "pass", None],
                         ids=["object", "true", "list-of-strings", "object-without-msg", "string", "null"])
def test_a_rule_of_another_shape_is_an_engine_error(opa_server, invoke, cat, value):
    rule = _some_rule(cat)

    def replace(doc):
        doc["result"]["guardrails"][rule.name] = value
        return doc

    result = _check(invoke, opa_server, replace)
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert _rule(cat, rule.id) in result.stderr


@pytest.mark.parametrize("value", [[], "guardrails", True], ids=["list", "string", "true"])
def test_an_area_that_is_not_an_object_is_an_engine_error(opa_server, invoke, cat, value):
    def replace(doc):
        doc["result"]["guardrails"] = value
        return doc

    result = _check(invoke, opa_server, replace)
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert "llmops.guardrails" in result.stderr and _rule(cat, _some_rule(cat).id) in result.stderr


def test_a_duplicate_key_that_erases_every_finding_is_an_engine_error(opa_server, invoke):
    """``{"result": {<the real answer>, "cost": {<every rule: []>}, ...}}``: each area repeated with no results.
    A parser that keeps the last value sees a complete, clean answer."""

    def duplicate(doc):
        real = json.dumps(doc["result"])[:-1]
        clean = ", ".join(f"{json.dumps(area)}: {json.dumps({rule: [] for rule in rules})}"
                          for area, rules in doc["result"].items() if isinstance(rules, dict))
        return ('{"result": ' + real + ", " + clean + "}}").encode()

    result = _check(invoke, opa_server, duplicate)
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert "duplicate key" in result.stderr


def test_a_duplicate_key_inside_a_result_is_an_engine_error(opa_server, invoke):
    def duplicate(doc):
        text = json.dumps(doc)
        return text.replace('"msg": ', '"msg": "hidden", "msg": ', 1).encode()

    result = _check(invoke, opa_server, duplicate)
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert "duplicate key 'msg'" in result.stderr


ERRORS = {"code": "internal_error", "message": "error(s) occurred while evaluating query",
          "errors": [{"code": "eval_builtin_error", "message": "div: divide by zero",
                      "location": {"file": "llmops-iac/policies/cost/cost.rego", "row": 12, "col": 3}}]}


def test_a_200_with_an_error_document_is_an_engine_error(opa_server, invoke):
    result = _check(invoke, opa_server, lambda doc: ERRORS)
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert "divide by zero" in result.stderr and "policies/cost/cost.rego:12" in result.stderr


def test_a_200_with_a_result_and_errors_is_an_engine_error(opa_server, invoke):
    """A complete answer that also carries OPA's errors is no verdict either."""
    result = _check(invoke, opa_server, lambda doc: {**doc, **ERRORS})
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert "divide by zero" in result.stderr


@pytest.mark.parametrize("body", [b"[]", b'"ok"', b"true", b"null"], ids=["list", "string", "true", "null"])
def test_a_200_that_is_not_an_object_is_an_engine_error(opa_server, invoke, body):
    result = _check(invoke, opa_server, lambda doc: body)
    assert result.exit_code == EXIT_INTERNAL, result.output


def test_every_data_query_asks_for_strict_builtin_errors(opa_server, invoke):
    result = invoke("check", SPEC, "--opa-url", opa_server.url)
    assert result.exit_code in (0, 1), result.output
    queries = [(s.method, s.query) for s in opa_server.seen if s.path.startswith("/v1/data/llmops")]
    assert queries and all(q == "strict-builtin-errors=true" for _, q in queries), queries
    assert {m for m, _ in queries} == {"GET", "POST"}


# -- rules that fail at evaluation: OPA's error, on every engine -------------------------------------------

METADATA = """# METADATA
# title: A rule that fails at evaluation
# description: Reads a spec value the way a buggy rule would.
# custom:
#   id: LLM-CUS-{n:03d}
#   severity: warning
#   remediation: Fix the rule.
#   frameworks:
#     nist: [GOVERN 1.4]
#   applies_to: [spec:models]
"""
BROKEN_RULES = {  # kind -> (rule source, the text of the line OPA names)
    # minimal.yaml has no waivers: 100 / 0
    "divide-by-zero": ("ratio contains lib.spec_result(\"/spec\", \"x\") if {\n"
                       "\tn := count(object.get(input.spec.spec, \"waivers\", []))\n\t100 / n > 1\n}\n", "\t100 / n > 1"),
    "to-number-on-text": ("numeric contains lib.spec_result(\"/metadata/name\", \"x\") if {\n"
                          "\tto_number(input.spec.metadata.name) > 1\n}\n", "\tto_number(input.spec.metadata.name) > 1"),
    "conflicting-values": ("conflict contains lib.spec_result(\"/spec\", \"x\") if {\n\tlevel > 1\n}\n\n"
                           "level := 1 if input.spec.kind\nlevel := 2 if input.spec.metadata\n", "level := 1 if input.spec.kind"),
    "object-key-conflict": ("keys contains lib.spec_result(\"/spec\", \"x\") if {\n"
                            "\tm := {\"same\": v | some v in [1, 2]}\n\tm.same > 5\n}\n", "\tm := {\"same\": v | some v in [1, 2]}"),
}
MESSAGES = {"divide-by-zero": "eval_builtin_error: div: divide by zero",
            "to-number-on-text": "eval_builtin_error: to_number",
            "conflicting-values": "eval_conflict_error: complete rules must not produce multiple outputs",
            "object-key-conflict": "eval_conflict_error: object keys must be unique"}


def _broken_dir(tmp_path, kind):
    """A --policy-dir with one rule that fails at evaluation; returns (directory, the line OPA names)."""
    d = tmp_path / "buggy"
    d.mkdir()
    rule, marker = BROKEN_RULES[kind]
    source = "package llmops.buggy\nimport rego.v1\nimport data.llmops.lib\n\n" + METADATA.format(n=900) + rule
    (d / "buggy.rego").write_text(source)
    return d, 1 + source.splitlines().index(marker)


@pytest.mark.parametrize("engine_args", [[], ["--engine", "opa"], ["--opa-url"]], ids=["default", "opa", "opa-server"])
@pytest.mark.parametrize("kind", list(BROKEN_RULES))
def test_a_rule_that_fails_at_evaluation_is_an_engine_error(opa_server, invoke, tmp_path, engine_args, kind):
    d, line = _broken_dir(tmp_path, kind)
    args = engine_args + ([opa_server.url] if engine_args == ["--opa-url"] else [])
    result = invoke("check", SPEC, "--policy-dir", str(d), *args)
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert f"buggy/buggy.rego:{line}" in result.stderr, result.stderr
    assert MESSAGES[kind] in result.stderr


# -- regopy gives no verdict ---------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["check", SPEC], ["policy", "check", SPEC]])
def test_engine_regopy_is_a_usage_error_that_says_why(invoke, command):
    result = invoke(*command, "--engine", "regopy")
    assert result.exit_code == EXIT_INPUT, result.output
    for words in ("regopy", "evaluation errors", "32 bits", "Unicode whitespace", "--opa-url"):
        assert words in result.stderr, result.stderr


def test_without_the_opa_bindings_the_policy_stage_is_exit_3_with_the_install_command(invoke, monkeypatch):
    """No silent fallback to another engine: the bindings missing and no --opa-url is no verdict."""
    for name in [m for m in sys.modules if m == "opa_bindings" or m.startswith("opa_bindings.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "opa_bindings", None)  # import opa_bindings -> ImportError
    monkeypatch.delenv("OPA_URL", raising=False)
    result = invoke("check", SPEC)
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert INSTALL in result.stderr


@pytest.mark.parametrize("args", [["check", "examples", "--jobs", "2"], ["policy", "test"]], ids=["check-jobs", "policy-test"])
def test_installed_cli_without_the_opa_bindings_exits_3(tmp_path, args):
    """The console script in a real process whose opa_bindings cannot be imported (a package on PYTHONPATH that
    raises ImportError): check with workers and `policy test` stop with exit 3 and the install command."""
    import os
    import subprocess

    from tests.conftest import ROOT, console_script

    shim = tmp_path / "opa_bindings"
    shim.mkdir()
    (shim / "__init__.py").write_text('raise ImportError("opa_bindings hidden by the test")\n')
    env = {k: v for k, v in os.environ.items() if k != "OPA_URL"}
    env["PYTHONPATH"] = str(tmp_path) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([str(console_script()), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == EXIT_INTERNAL, proc.stdout + proc.stderr
    assert INSTALL in proc.stderr and "Traceback" not in proc.stderr


# -- where a catalogue rule lives in the answer ------------------------------------------------------------------

ALWAYS = """# METADATA
# title: Always fails
# description: A rule that fails on every spec.
# custom:
#   id: LLM-CUS-950
#   severity: error
#   remediation: None.
#   frameworks:
#     nist: [GOVERN 1.4]
#   applies_to: [spec:models]
always contains lib.spec_result("/metadata/name", "always")
"""


@pytest.mark.parametrize("engine_args", [[], ["--opa-url"]], ids=["opa", "opa-server"])
def test_a_rule_in_a_nested_package_is_judged(opa_server, invoke, tmp_path, engine_args):
    """``package llmops.acme.extra`` is ``data.llmops.acme.extra``: its findings count (they were never read)."""
    d = tmp_path / "acme"
    d.mkdir()
    (d / "extra.rego").write_text("package llmops.acme.extra\nimport rego.v1\nimport data.llmops.lib\n\n" + ALWAYS)
    args = engine_args + ([opa_server.url] if engine_args else [])
    result = invoke("check", SPEC, "--policy-dir", str(d), "--format", "json", *args)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert "LLM-CUS-950" in {f["ruleId"] for file in report["files"] for f in file["policy"]["findings"]}


def test_a_rule_outside_data_llmops_is_refused(invoke, tmp_path):
    """A --policy-dir rule whose package is not under llmops would never be evaluated: that is no pass. The catalogue
    refuses it before any engine runs, as the user's input (exit 2, naming file and line)."""
    d = tmp_path / "acme"
    d.mkdir()
    (d / "rules.rego").write_text("package acme.rules\nimport rego.v1\nimport data.llmops.lib\n\n" + ALWAYS)
    result = invoke("check", SPEC, "--policy-dir", str(d))
    assert result.exit_code == EXIT_INPUT, result.output
    assert "rules.rego:" in result.stderr and "(LLM-CUS-950) is in package acme.rules, outside llmops" in result.stderr


def test_an_answer_without_a_rule_outside_data_llmops_is_an_engine_error(cat):
    """Should one reach the engine anyway (a catalogue built by other code), the answer check still refuses it."""
    import dataclasses

    from llmops_iac.policy import answer
    from llmops_iac.policy.engine import EngineError

    rule = _some_rule(cat)
    outside = dataclasses.replace(rule, id="LLM-CUS-950", package="acme.rules")
    odd = catalog.Catalogue(rules={rule.id: rule, outside.id: outside})
    with pytest.raises(EngineError, match=r"acme\.rules\.\w+ \(LLM-CUS-950\): missing: its package is not under data\.llmops"):
        answer.check(odd, {"guardrails": {rule.name: []}}, "opa")
