"""run_tests: every test_* rule of the _test.rego files, run by the real OPA engine."""

from __future__ import annotations

import builtins

import pytest

from llmops_iac.errors import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK
from llmops_iac.policy import catalog
from llmops_iac.policy.engine import EngineError
from llmops_iac.policy.reference import INSTALL
from llmops_iac.policy.testing import discover, run_tests

POLICY = """\
package llmops.sample

import rego.v1

big contains n if {
\tsome n in input.sizes
\tn > 10
}
"""

TESTS = """\
package llmops.sample_test

import rego.v1

import data.llmops.sample

test_big_is_found if {
\tsample.big == {11} with input as {"sizes": [1, 11]}
}

test_small_is_big if {
\tsample.big == {1} with input as {"sizes": [1, 11]}
}

test_false := false

test_conflict := x if {
\tsome x in [1, 2]
}

# test_commented_out if { false }
  test_indented_is_not_a_test := true
"""


@pytest.fixture
def sample_catalogue(tmp_path):
    (tmp_path / "sample").mkdir()
    (tmp_path / "sample" / "sample.rego").write_text(POLICY)
    (tmp_path / "sample" / "sample_test.rego").write_text(TESTS)
    return tmp_path, catalog.load([str(tmp_path)])


def _mine(results):
    return {r.name: r for r in results if r.package == "llmops.sample_test"}


def test_discover_reads_test_heads_at_column_0(sample_catalogue):
    _, cat = sample_catalogue
    found = [(pkg, name, line) for pkg, name, file, line in discover(cat) if pkg == "llmops.sample_test"]
    assert found == [("llmops.sample_test", "test_big_is_found", 7), ("llmops.sample_test", "test_small_is_big", 11),
                     ("llmops.sample_test", "test_false", 15), ("llmops.sample_test", "test_conflict", 17)]


def test_outcomes(sample_catalogue):
    _, cat = sample_catalogue
    results = _mine(run_tests(cat))
    assert {n: r.outcome for n, r in results.items()} == {
        "test_big_is_found": "pass", "test_small_is_big": "undefined", "test_false": "fail", "test_conflict": "error"}
    assert results["test_small_is_big"].message.startswith("test_small_is_big is undefined")
    assert "False" in results["test_false"].message
    assert "eval_conflict_error" in results["test_conflict"].message
    r = results["test_big_is_found"]
    assert r.file.endswith("sample_test.rego") and r.line == 7 and r.message == "" and r.duration >= 0


def test_a_test_file_of_a_policy_dir_that_does_not_compile_is_an_input_error(tmp_path):
    """The user's file (exit 2), not an engine failure: the built-in modules and tests compile without it."""
    (tmp_path / "x_test.rego").write_text("package llmops.x_test\nimport rego.v1\n\ntest_a if {\n\t1 ==\n}\n")
    with pytest.raises(catalog.PolicyDirError, match=r"x_test\.rego:\d+.*rego_parse_error"):
        run_tests(catalog.load([str(tmp_path)]))


def test_a_built_in_test_file_that_does_not_compile_is_an_engine_error(tmp_path, monkeypatch):
    import shutil

    builtin = tmp_path / "policies"
    shutil.copytree(catalog.builtin_dir(), builtin)
    (builtin / "lib" / "x_test.rego").write_text("package llmops.x_test\nimport rego.v1\n\ntest_a if {\n\t1 ==\n}\n")
    monkeypatch.setattr(catalog, "builtin_dir", lambda: builtin)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "ok.rego").write_text(POLICY)
    with pytest.raises(EngineError, match=r"x_test\.rego:\d+.*rego_parse_error") as exc:
        run_tests(catalog.load([str(tmp_path / "mine")]))
    assert not isinstance(exc.value, catalog.PolicyDirError)


def test_missing_opa_bindings_names_the_install_command(sample_catalogue, monkeypatch):
    _, cat = sample_catalogue
    real_import = builtins.__import__

    def no_opa(name, *args, **kwargs):
        if name.startswith("opa_bindings"):
            raise ImportError("No module named 'opa_bindings'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_opa)
    with pytest.raises(EngineError) as info:
        run_tests(cat)
    assert INSTALL in str(info.value)
    assert INSTALL == "pip install --no-deps --ignore-requires-python opa-golib-python-bindings==0.4.4"


def test_cli_policy_test(sample_catalogue, invoke):
    directory, _ = sample_catalogue
    result = invoke("policy", "test", "--policy-dir", str(directory))
    assert result.exit_code == EXIT_FINDINGS
    assert "UNDEFINED llmops.sample_test.test_small_is_big" in result.output
    assert "ERROR     llmops.sample_test.test_conflict" in result.output


def test_cli_policy_test_passes_when_every_test_passes(tmp_path, invoke):
    (tmp_path / "ok.rego").write_text(POLICY)
    (tmp_path / "ok_test.rego").write_text(TESTS.split("test_small_is_big")[0])
    result = invoke("policy", "test", "--policy-dir", str(tmp_path))
    builtin_failures = [r for r in run_tests(catalog.load()) if r.outcome != "pass"]
    assert result.exit_code == (EXIT_FINDINGS if builtin_failures else EXIT_OK), result.output
    assert result.exit_code != EXIT_INTERNAL
