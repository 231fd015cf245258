"""GitHub workflow commands: one annotation per finding and diagnostic, escaped as the runner expects."""

from __future__ import annotations

import re

import pytest

from llmops_iac.report import github
from tests.report.conftest import synthetic

COMMAND = re.compile(r"^::(error|warning|notice)( (?P<props>[^:]*))?::(?P<message>.*)$")


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """Split and unescape a workflow command line as the runner does."""
    m = COMMAND.match(line)
    assert m, f"not a workflow command: {line!r}"
    props = {}
    for pair in (m.group("props") or "").split(","):
        if pair:
            key, _, value = pair.partition("=")
            props[key] = _unescape(value, prop=True)
    return m.group(1), props, _unescape(m.group("message"))


def _unescape(text: str, prop: bool = False) -> str:
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


@pytest.mark.parametrize("raw, data, prop", [
    ("plain", "plain", "plain"),
    ("100% sure", "100%25 sure", "100%25 sure"),
    ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
    ("k: v, w", "k: v, w", "k%3A v%2C w"),
    ("%0A literal", "%250A literal", "%250A literal"),
])
def test_escaping(raw, data, prop):
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop
    assert _unescape(github.escape_property(raw), prop=True) == raw and _unescape(github.escape_data(raw)) == raw


def test_one_command_per_finding_and_diagnostic_then_a_summary(scenario):
    result = scenario("report-demo")
    lines = github.render(result).splitlines()
    broken, guarded = result.files
    commands = [parse(line) for line in lines[:-1]]
    assert len(commands) == len(broken.diagnostics) + len(guarded.policy.findings)
    assert not lines[-1].startswith("::")
    assert lines[-1] == ("llmops-iac check failed: 2 specs, 2 input errors, 5 active finding(s) "
                         "(2 errors, 2 warnings, 1 note), 1 waived")
    kinds = [k for k, _, _ in commands]
    assert kinds.count("error") == 2 + 2 and kinds.count("warning") == 2 and kinds.count("notice") == 2


def test_finding_annotation(scenario):
    lines = github.render(scenario("report-demo")).splitlines()
    by_title = {}
    for line in lines[:-1]:
        kind, props, message = parse(line)
        by_title.setdefault(props["title"], []).append((kind, props, message))
    [(kind, props, message)] = [c for c in by_title["LLM-GRD-001 [staging] Every model is guarded on every invocation path"]]
    assert kind == "error"
    assert props == {"file": "tests/report/specs/guarded.yaml", "line": "17", "col": "5",
                     "title": "LLM-GRD-001 [staging] Every model is guarded on every invocation path"}
    assert message.startswith("model classify can be invoked without a guardrail\nFix: Add the model")
    assert message.endswith("\nEnvironment: staging (tier staging, profile default)")
    [(kind, props, message)] = by_title["LLM-RPT-001 [staging] Models say what they are for"]
    assert kind == "warning" and "(100% of models need one) | <required>" in message
    [(kind, _, message)] = by_title["LLM-RPT-002 [staging] Applications describe themselves"]
    assert kind == "notice" and message.startswith("metadata.description is missing,\nso 0% of the inventory")
    [(kind, props, message)] = by_title["llmops-iac spec/unknown-key [default]"]
    assert kind == "error" and props["file"] == "tests/report/specs/broken.yaml" and props["line"] == "8"
    assert message == "spec.modles: unknown key 'modles'\nFix: did you mean 'models'?\nEnvironment: default"


def test_waived_findings_are_notices_saying_until_when(scenario):
    lines = github.render(scenario("report-demo")).splitlines()
    waived = [parse(line) for line in lines[:-1] if "(waived)" in line]
    assert len(waived) == 1
    kind, props, message = waived[0]
    assert kind == "notice" and props["title"] == "LLM-GRD-001 [staging] Every model is guarded on every invocation path (waived)"
    assert props["line"] == "13"
    assert "error waived until 2099-12-31 by platform@example.com: Batch summarization" in message


def test_properties_with_colons_and_commas_are_escaped(frozen):
    result = synthetic(1)
    f = result.files[0]
    f.path = "specs/a,b:c.yaml"
    x = f.policy.findings[0]
    import dataclasses

    f.policy.findings[0] = dataclasses.replace(x, file="specs/a,b:c.yaml", title="Title: with, punctuation")
    line = github.render(result).splitlines()[0]
    assert "file=specs/a%2Cb%3Ac.yaml," in line and "title=LLM-GRD-001 [default] Title%3A with%2C punctuation::" in line
    _, props, _ = parse(line)
    assert props["file"] == "specs/a,b:c.yaml"


def test_clean_run_is_only_the_summary(frozen):
    assert github.render(synthetic(0)) == "llmops-iac check passed: 1 spec, 0 input errors, 0 active finding(s) (no findings), 0 waived\n"


# -- which environment ---------------------------------------------------------------------------------------------

TWO_ENVIRONMENTS = """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: two-envs
  owner: team@example.com
  costCenter: cc-1
spec:
  environments:
    dev: {tier: development}
    prod: {tier: production}
  models:
    chat:
      provider: bedrock
      modelId: anthropic.claude-3-haiku-20240307-v1:0
  guardrails:
    g:
      appliesTo: {models: []}
"""


def test_each_annotation_names_its_environment(tmp_path, monkeypatch):
    """On main the same finding in dev and prod made two annotations that differed only in severity."""
    from llmops_iac import pipeline

    spec = tmp_path / "app.yaml"
    spec.write_text(TWO_ENVIRONMENTS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = pipeline.run("check", ["app.yaml"], policy=pipeline.PolicyOptions())
    commands = [parse(line) for line in github.render(result).splitlines()[:-1]]
    grd = [(props["title"], message) for _, props, message in commands if props["title"].startswith("LLM-GRD-001")]
    assert sorted(t for t, _ in grd) == ["LLM-GRD-001 [dev] Every model is guarded on every invocation path",
                                         "LLM-GRD-001 [prod] Every model is guarded on every invocation path"]
    for title, message in grd:
        env = title.split("[", 1)[1].split("]", 1)[0]
        assert f"Environment: {env} (tier {'development' if env == 'dev' else 'production'}" in message
    for _, props, _ in commands:  # every annotation, diagnostics too, says where it was judged
        assert "[dev" in props["title"] or "[prod" in props["title"], props["title"]


def test_a_stack_other_than_its_environment_is_named_too(frozen):
    result = synthetic(1)
    result.files[0].environment, result.files[0].stack = "prod", "prod-eu"
    _, props, message = parse(github.render(result).splitlines()[0])
    assert props["title"].startswith("LLM-GRD-001 [prod, stack prod-eu] ")
