"""The terminal report: diagnostics as compiler-style lines, findings as a table, a summary line."""

from __future__ import annotations

from llmops_iac.report import text


def test_diagnostic_lines_are_unchanged(scenario):
    out = text.render(scenario("report-demo")).splitlines()
    assert out[0] == "FAIL  tests/report/specs/broken.yaml"
    assert "  tests/report/specs/broken.yaml:8:3: error[unknown-key]: spec.modles: unknown key 'modles'" in out
    assert "      fix: did you mean 'models'?" in out


def test_findings_table(scenario):
    out = text.render(scenario("report-demo")).splitlines()
    start = out.index("FAIL  tests/report/specs/guarded.yaml [staging]")
    header = out[start + 1]
    assert header.split() == ["SEVERITY", "RULE", "LOCATION", "MESSAGE"]
    rows = [line for line in out[start + 2:] if line.startswith("  ") and not line.startswith("   ")]
    first = rows[0]
    assert first.split()[:3] == ["error", "LLM-GRD-001", "tests/report/specs/guarded.yaml:17:5"]
    assert first.index("model classify") == header.index("MESSAGE")  # aligned
    waived = next(r for r in rows if r.split()[0] == "waived")
    assert waived.split()[1:3] == ["LLM-GRD-001", "tests/report/specs/guarded.yaml:13:5"]
    after = out[out.index(waived) + 1]
    assert after.strip().startswith("error waived until 2099-12-31 by platform@example.com: Batch summarization")
    # A message's line break is shown escaped, on its row: a value it quotes can't start a report line (issue 12)
    multi = out.index(next(r for r in rows if "LLM-RPT-002" in r))
    assert out[multi].endswith("metadata.description is missing,\\nso 0% of the inventory can say what this is")
    assert out[multi + 1].strip() == "fix: Set metadata.description."
    assert "  rules: 1 passed, 5 failed, 1 not applicable, 1 off (profile default)" in out


def test_summary_line(scenario):
    last = text.render(scenario("report-demo")).splitlines()[-1]
    assert last.startswith("2 spec(s): 1 valid, 1 invalid; 2 error(s), 0 warning(s); 5 finding(s), 1 waived "
                           "(2 errors, 2 warnings, 1 note; fail level error)")
    assert last.endswith("(stages: load, validate, compile, cost, maturity, policy)")


def test_status_reflects_findings(scenario):
    out = text.render(scenario("waived")).splitlines()
    assert out[0] == "ok    tests/report/specs/waived.yaml [staging]"  # only a waived finding
    assert out[1].split() == ["SEVERITY", "RULE", "LOCATION", "MESSAGE"] and out[2].split()[0] == "waived"
