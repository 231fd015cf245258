"""The pull-request comment: verdict, per-spec table, details per spec, waived section, under GitHub's size limit."""

from __future__ import annotations

import pytest

from llmops_iac.report import markdown
from tests.report.conftest import check, synthetic


def test_headline_table_and_details(scenario):
    text = markdown.render(scenario("report-demo"))
    lines = text.splitlines()
    assert lines[0] == markdown.MARKER
    assert lines[1] == ("## ❌ llmops-iac check failed: 2 specs, 2 input errors, 5 active findings "
                        "(2 errors, 2 warnings, 1 note), 1 waived")
    assert "| `tests/report/specs/broken.yaml` | default | ❌ invalid | 2 | 0 | 0 | 0 | 0 | 0 |" in lines
    assert "| `tests/report/specs/guarded.yaml` | staging | ❌ failing | 0 | 2 | 2 | 1 | 1 | 1 |" in lines
    assert text.count("<details open>") == 2 and text.count("</details>") == 2
    assert ("- 🔴 **error** · **LLM-GRD-001** Every model is guarded on every invocation path · "
            "`tests/report/specs/guarded.yaml:17`") in lines
    assert "  - **Fix:** Add the model to a guardrail's appliesTo.models (or leave appliesTo out to guard every model)." in lines
    assert any(line.startswith("  - **References:** OWASP LLM01") for line in lines)
    assert "1 not applicable (LLM-RPT-003)" in text and "1 off in profile default (LLM-RPT-004)" in text


def test_waived_findings_have_their_own_section(scenario):
    text = markdown.render(scenario("report-demo"))
    section = text.split("#### Waived (1)")[1].split("</details>")[0]
    assert "| rule | location | owner | expires | reason |" in section
    assert ("| **LLM-GRD-001** Every model is guarded on every invocation path | `tests/report/specs/guarded.yaml:13` | "
            "platform@example.com | 2099-12-31 | Batch summarization") in section
    assert "reviewed \\| before publishing" in section  # a pipe in the reason does not break the table
    findings = text.split("#### Findings (5)")[1].split("#### Waived")[0]
    assert "model summarize" not in findings


def test_a_clean_run_passes_and_collapses(scenario):
    text = markdown.render(scenario("waived"))
    assert text.splitlines()[1] == "## ✅ llmops-iac check passed: 1 spec, 0 active findings, 1 waived"
    assert "<details>" in text and "<details open>" not in text
    assert "| **LLM-OBS-002** Invocation logs leave prompt and response text out |" in text
    assert "support-platform@example.com | 2026-08-31 |" in text


def test_findings_below_the_fail_level_pass_with_a_warning_row(frozen):
    result = check("tests/report/specs/guarded.yaml", fail_level="error")
    for f in result.files:  # keep the warnings and notes only
        f.policy.findings = [x for x in f.policy.findings if x.severity != "error" or x.waived]
    text = markdown.render(result)
    assert text.splitlines()[1].startswith("## ✅ llmops-iac check passed: 1 spec, 3 active findings (2 warnings, 1 note)")
    assert "| ⚠️ findings |" in text


def test_markdown_in_messages_is_escaped(scenario):
    text = markdown.render(scenario("report-demo"))
    assert "(100% of models need one) \\| \\<required\\>" in text
    assert "Add \\`description\\` to the model" in text
    assert "metadata.description is missing, so 0% of the inventory" in text  # one line per item


def test_stays_under_githubs_comment_limit_by_truncating_with_a_note(frozen):
    result = synthetic(1500, message="model m can be invoked without a guardrail " + "x" * 80, waived_every=7, files=3)
    text = markdown.render(result)
    assert markdown.length(text) <= markdown.GITHUB_COMMENT_LIMIT
    assert markdown.length(text) <= markdown.MAX_CHARS
    assert "Truncated to stay under GitHub's 65,536-character comment limit" in text
    assert text.splitlines()[1].startswith("## ❌ llmops-iac check failed: 3 specs, 3855 active findings (3855 errors), 645 waived")
    assert text.rstrip().endswith("</sub>")
    assert text.count("<details") == text.count("</details>")  # every opened section is closed
    shown = text.count("- 🔴 **error**") + text.count("| **LLM-GRD-001**")
    note = text.split("Truncated to stay under")[1]
    omitted = int(note.split(": ")[1].split(" ")[0])
    assert shown + omitted == 4500
    assert "spec section" in note  # whole specs left out are counted too


@pytest.mark.parametrize("limit", [3000, 10_000, 30_000])
def test_any_budget_is_respected(frozen, limit):
    text = markdown.render(synthetic(400, files=2, waived_every=5), max_chars=limit)
    assert markdown.length(text) <= limit and "Truncated" in text


def test_no_truncation_note_when_it_fits(scenario):
    assert "Truncated" not in markdown.render(scenario("report-demo"))


def test_length_counts_utf16_units():
    assert markdown.length("a") == 1 and markdown.length("✅") == 1 and markdown.length("🔴") == 2
