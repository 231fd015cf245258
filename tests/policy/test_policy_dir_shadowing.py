"""From the attacker's side: a --policy-dir may add rules, never loosen the built-in ones.

Rego merges every module of a package: a --policy-dir module that declares a built-in package
(``package llmops.retrieval``, or ``llmops.lib``) adds bodies to the built-in rules' helpers. One
line, ``_scheduled(_) if true``, makes every knowledge base "scheduled", and LLM-RET-002 — an error
of the production profile — passes. A --policy-dir is an option, and an option can only make a
verdict stricter: such a module is refused before any spec is judged — exit 2, naming the file and the
package: a --policy-dir is the user's input, so what is wrong in it is an input error, not an internal
failure (exit 3 is kept for the tool's own policies and the engine). The package is read from the module's first statement, as OPA reads it: a bracketed
package (``package llmops["retrieval"]``) with ``package llmops.acme`` on a line of a raw string
further down is refused too, not taken for a package of its own.
"""

from __future__ import annotations

import json

import pytest

from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL
from llmops_iac.policy import catalog

SPEC = "tests/fixtures/rules/LLM-RET-002/fail.yaml"
RULE = "LLM-RET-002"
LOOSEN = "import rego.v1\n\n_scheduled(_) if true\n"
"""A helper of the retrieval package made always true: LLM-RET-002 (``not _scheduled(kb)``) finds nothing."""


def _findings(result) -> set[str]:
    report = json.loads(result.stdout)
    return {f["ruleId"] for file in report["files"] for f in (file["policy"] or {}).get("findings", [])}


def _policy_dir(tmp_path, source: str):
    d = tmp_path / "rules"
    d.mkdir()
    (d / "shadow.rego").write_text(source, encoding="utf-8")
    return d


def test_the_spec_fails_the_rule_without_a_policy_dir(invoke):
    """The control: the built-in rule finds the unscheduled knowledge base."""
    result = invoke("check", SPEC, "--format", "json")
    assert result.exit_code == EXIT_FINDINGS, result.output
    assert RULE in _findings(result)


@pytest.mark.parametrize("source", [
    "package llmops.retrieval\n\n" + LOOSEN,
    "package llmops.retrieval # the built-in package\n\n" + LOOSEN,
    "# METADATA-free helper override\n\npackage   llmops.retrieval\n\n" + LOOSEN,
    'package llmops["retrieval"]\n\n' + LOOSEN + "\n_note := `\npackage llmops.acme\n`\n",
    "package llmops.lib\n\nimport rego.v1\n\nis_development if true\n",
], ids=["same-package", "package-with-comment", "package-after-comment", "bracketed-package-with-decoy", "lib"])
def test_a_policy_dir_module_in_a_built_in_package_is_refused(invoke, tmp_path, source):
    d = _policy_dir(tmp_path, source)
    result = invoke("check", SPEC, "--format", "json", "--policy-dir", str(d))
    assert result.exit_code == EXIT_INPUT, result.output
    assert result.exit_code != EXIT_INTERNAL and "internal" not in result.stderr
    assert "shadow.rego" in result.stderr
    assert ("is a built-in package" in result.stderr) != ("the first statement must be `package a.b.c`" in result.stderr)


def test_the_package_is_the_first_statement(tmp_path):
    """A file whose first statement is not ``package a.b.c`` is refused, whatever a later line says."""
    d = _policy_dir(tmp_path, 'package llmops["acme"]\n\nimport rego.v1\n\n_x := `\npackage llmops.acme\n`\n')
    with pytest.raises(catalog.PolicyDirError) as exc:
        catalog.load([str(d)])
    assert "shadow.rego" in str(exc.value) and "package" in str(exc.value) and exc.value.exit_code == EXIT_INPUT


def test_a_policy_dir_module_in_its_own_package_still_loads(tmp_path):
    """Sub-packages of a built-in package and packages of its own are the user's: they only add rules."""
    d = tmp_path / "rules"
    d.mkdir()
    (d / "a.rego").write_text("package llmops.acme\n\nimport rego.v1\n\nx := 1\n", encoding="utf-8")
    (d / "b.rego").write_text("# a comment first\npackage llmops.retrieval.extra # mine\n\nimport rego.v1\n\ny := 1\n",
                              encoding="utf-8")
    cat = catalog.load([str(d)])
    assert any(path.endswith("a.rego") for path in cat.modules)
