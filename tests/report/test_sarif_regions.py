"""SARIF results a reviewer can act on: each points at the field its rule is about, and each has its own fingerprint.

Every rule's fail fixture (``tests/fixtures/rules/<ID>/fail.yaml``) marks the line its findings must point
at with a trailing comment ``# <- <ID>`` on that line: the field the rule is about (``logRetentionDays: 90``
for LLM-OBS-004, ``minCapacity: 1`` for LLM-DEP-001). A field the spec leaves out is marked where it would
be added: the key of its nearest ancestor that is written (``metadata:`` for a missing owner). The marker
moves with its line when a fixture is edited, so it cannot go stale the way a line number would. The test
renders the fixture's verdict through the SARIF renderer and holds the set of ``region.startLine`` of the
rule's results to the set of marked lines — a result on an unmarked line, or a marked line without a result,
fails it. On main, 30-odd rules pointed at the first key of a mapping (``provider:`` for any endpoint
rule, ``enabled: true`` for every log-group rule) or at the document's first line.

Fingerprints: code scanning merges results with the same fingerprint into one alert, so every finding of a
run has its own, and keeps it when lines move (rule, file, environment, pointer, resource and the rule's
``subject`` — never the line). On main, five LLM-MAT-002 results of one file shared one, and LLM-GRD-005's
input and output findings shared one.
"""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest
import yaml

from llmops_iac import pipeline
from llmops_iac.compile import compile_spec
from llmops_iac.pipeline import PolicyOptions, stage_inputs
from llmops_iac.policy import evaluate
from llmops_iac.report import findings as fx
from llmops_iac.report import sarif
from llmops_iac.spec.validate import load_spec
from tests.conftest import ROOT
from tests.policy.test_catalogue import CATALOGUE, FIXTURE_TODAY, FIXTURES, RULES, _apply, _environment, _PatchedPlan

MARK = re.compile(r"\s#\s*<-\s*(\S+)\s*$")


def marked_lines(path: Path) -> dict[int, str]:
    """``{line: rule ID}`` of the ``# <- <ID>`` markers of a fixture."""
    return {n: m.group(1) for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if (m := MARK.search(text))}


@pytest.fixture(scope="module")
def judge_engine():
    from llmops_iac.policy import engine

    e = engine.create()
    e.load(CATALOGUE.modules, {})
    return e


def _verdict(eng, fixture: Path) -> pipeline.RunResult:
    """The fixture's verdict in its environment (its Plan patched when it has a plan patch), as a one-file run."""
    env = _environment(fixture)
    loaded = load_spec(str(fixture), environment=env)
    plan = compile_spec(loaded)
    patch = fixture.parent / "fail.plan-patch.yaml"
    if fixture.name == "fail.yaml" and patch.is_file():
        plan = _PatchedPlan(plan, _apply(plan.to_data(), yaml.safe_load(patch.read_text(encoding="utf-8"))))
    results = tuple(str(p) for p in sorted(fixture.parent.glob(f"{fixture.stem}.eval-results*.json")))  # --eval-results
    extra = stage_inputs(loaded, compile_spec(loaded), PolicyOptions(today=FIXTURE_TODAY, eval_results=results))
    result = evaluate.judge(eng, CATALOGUE, loaded, plan, today=FIXTURE_TODAY, **extra)
    file = pipeline.FileResult(path=str(fixture.relative_to(ROOT)), environment=env, policy=result)
    return pipeline.RunResult(command="check", stages=pipeline.STAGES, files=[file], catalogue=CATALOGUE,
                              policy_options=PolicyOptions(today=FIXTURE_TODAY))


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_sarif_region_is_the_line_of_the_field_the_rule_is_about(judge_engine, rule, monkeypatch):
    monkeypatch.chdir(ROOT)
    fixture = FIXTURES / rule.id / "fail.yaml"
    marks = marked_lines(fixture)
    assert marks, f"{fixture.relative_to(ROOT)}: mark the line of the field {rule.id} is about with `# <- {rule.id}`"
    assert set(marks.values()) == {rule.id}, f"{fixture.relative_to(ROOT)}: markers name other rules: {marks}"
    log = sarif.to_data(_verdict(judge_engine, fixture))
    results = [r for r in log["runs"][0]["results"] if r["ruleId"] == rule.id]
    assert results, f"{rule.id}: no result"
    got = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results}
    lines = fixture.read_text(encoding="utf-8").splitlines()
    assert got == set(marks), (f"{rule.id} points at lines {sorted(got)} "
                               f"({[lines[n - 1].strip() for n in sorted(got)]}), the fixture marks {sorted(marks)} "
                               f"({[lines[n - 1].strip() for n in sorted(marks)]})")


def _fail_fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*/*.yaml") if p.name.startswith("fail") and "plan-patch" not in p.name)


def test_every_finding_of_a_fixture_has_its_own_fingerprint(judge_engine, monkeypatch):
    """Every fail fixture (and edge fixture) holds many findings of many rules: no two may share a fingerprint."""
    monkeypatch.chdir(ROOT)
    shared = []
    for fixture in _fail_fixtures():
        results = sarif.to_data(_verdict(judge_engine, fixture))["runs"][0]["results"]
        counts = collections.Counter(r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results)
        shared += [f"{fixture.relative_to(ROOT)}: {r['ruleId']} {r['message']['text'][:70]!r}"
                   for r in results if counts[r["partialFingerprints"][sarif.FINGERPRINT_KEY]] > 1]
    assert not shared, "findings that share a fingerprint (code scanning merges them):\n  " + "\n  ".join(shared)


def test_every_finding_of_the_examples_has_its_own_fingerprint(monkeypatch):
    """The whole examples/ directory, every environment, in one SARIF log."""
    monkeypatch.chdir(ROOT)
    result = pipeline.run("check", ["examples"], policy=PolicyOptions(), jobs=1)
    results = sarif.to_data(result)["runs"][0]["results"]
    counts = collections.Counter(r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results)
    shared = [f"{r['ruleId']} [{r['properties']['environment']}] {r['message']['text'][:70]!r}"
              for r in results if counts[r["partialFingerprints"][sarif.FINGERPRINT_KEY]] > 1]
    assert len(results) > 20 and not shared, "\n  ".join(shared)


def test_a_fingerprint_survives_a_changed_level_but_not_a_changed_subject(judge_engine, monkeypatch, tmp_path):
    """LLM-MAT-002 finds one result per maturity dimension below target, all at spec.maturity.target: the dimension
    tells them apart, not the message (its levels change as the team improves: still the same alert)."""
    monkeypatch.chdir(ROOT)
    run = _verdict(judge_engine, FIXTURES / "LLM-MAT-002" / "fail.yaml")
    policy = run.files[0].policy
    mat = [x for x in policy.findings if x.rule_id == "LLM-MAT-002"]
    assert len(mat) >= 2 and len({x.subject for x in mat}) == len(mat) and all(x.subject for x in mat)
    env = fx.environment(run.files[0])
    first = mat[0]
    import dataclasses

    reworded = dataclasses.replace(first, message=first.message.replace("level 0", "level 1"), line=first.line + 7)
    assert fx.finding_fingerprint(reworded, env) == fx.finding_fingerprint(first, env)
    other = dataclasses.replace(first, subject=mat[1].subject)
    assert fx.finding_fingerprint(other, env) != fx.finding_fingerprint(first, env)


def test_results_that_still_collide_are_told_apart(frozen_synthetic_collisions):
    """A custom rule may find two things at one pointer and resource and give no subject: the log still has one
    fingerprint per result (the message, its digits ignored, tells them apart; then their order)."""
    results = sarif.to_data(frozen_synthetic_collisions)["runs"][0]["results"]
    prints = [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results]
    assert len(prints) == 4 and len(set(prints)) == 4


@pytest.fixture
def frozen_synthetic_collisions(frozen):
    from tests.report.conftest import synthetic

    result = synthetic(4)
    policy = result.files[0].policy
    import dataclasses

    same = dict(pointer="/spec/models/m", resource="model-m-profile", line=3)
    policy.findings[:] = [dataclasses.replace(policy.findings[0], message="alpha 1", **same),
                          dataclasses.replace(policy.findings[0], message="beta 2", **same),
                          dataclasses.replace(policy.findings[0], message="beta 2", **same),
                          dataclasses.replace(policy.findings[0], message="beta 3", **same)]
    return result
