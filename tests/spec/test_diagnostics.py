"""How schema errors are turned into diagnostics: capped, located, explained."""

from __future__ import annotations

from llmops_iac.spec.load import parse
from llmops_iac.spec.validate import MAX_DIAGNOSTICS, schema_diagnostics

HEAD = "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: x\n"


def test_schema_errors_are_capped_and_counted():
    data, source = parse(HEAD + "".join(f"k{i}: 1\n" for i in range(1000)), "x.yaml")
    out = schema_diagnostics(data, source)
    assert len(out) == MAX_DIAGNOSTICS + 1
    assert out[-1].code == "too-many-errors" and f"{1000 - MAX_DIAGNOSTICS:,} more" in out[-1].message
    assert [d.line for d in out[:3]] == [5, 6, 7]


def test_hints_for_quoted_numbers_and_unquoted_traps():
    data, source = parse(HEAD + "  owner: 0755\nspec:\n  budgets:\n    monthlyUsd: '250'\n", "x.yaml")
    by_code = {d.pointer: d for d in schema_diagnostics(data, source)}
    assert by_code["/metadata/owner"].hint == 'quote it to make it a string: "0755"'
    assert by_code["/spec/budgets/monthlyUsd"].hint == "remove the quotes: 250"
