"""Values that defeat a control are findings (issue #12, section 7).

Each attack starts from a copy of examples/support-assistant.yaml that `check` passes (exit 0) and
changes one value in its production environment so that a control it declares can no longer act: a
grounding threshold that blocks nothing, budget alerts that fire only after the budget is spent, a
budget no alert of which can fire, an alarm threshold no metric reaches, an evaluation gate every
result passes, an inclusion prefix that selects the whole shared bucket. Each passed `check` before
(exit 0); each must be a finding at error in production (exit 1), named by its rule.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from llmops_iac.errors import EXIT_FINDINGS, EXIT_OK
from tests.conftest import EXAMPLES, ROOT

SPEC = "examples/support-assistant.yaml"


def _project(tmp_path: Path, change: Callable[[dict[str, Any]], None] | None = None) -> Path:
    """A repository holding the examples (with this repository's CI evidence, so the maturity rules pass) whose
    support-assistant spec has no waiver (logging prompt text is off instead) and ``change`` applied."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    shutil.copytree(ROOT / ".github", tmp_path / ".github")
    (tmp_path / ".git").mkdir()
    path = tmp_path / SPEC
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["spec"].pop("waivers", None)
    data["spec"]["monitoring"]["invocationLogging"]["includeContent"] = False
    if change is not None:
        change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return tmp_path


def _check(invoke, project: Path, monkeypatch) -> tuple[int, dict[str, list[dict[str, Any]]]]:
    """Exit code and, per environment, the unwaived findings."""
    monkeypatch.chdir(project)
    result = invoke("check", SPEC, "--format", "json")
    report = json.loads(result.output)
    by_env = {f["environment"]: [x for x in (f.get("policy") or {}).get("findings", []) if not x["waived"]]
              for f in report["files"]}
    return result.exit_code, by_env


def _prod(data: dict[str, Any]) -> dict[str, Any]:
    return data["spec"]["environments"]["prod"]


def _gates(data: dict[str, Any], metric: str, **bounds: float) -> None:
    """Production's gates: the base gates with the first gate on ``metric`` bounded by ``bounds`` instead."""
    gates = [dict(g) for g in data["spec"]["evaluation"]["gates"]]
    gate = next(g for g in gates if g["metric"] == metric)
    for key in ("min", "max"):
        gate.pop(key, None)
    gate.update(bounds)
    _prod(data)["evaluation"] = {"gates": gates}


def _alarms(data: dict[str, Any], name: str, threshold: float) -> None:
    """Production's alarms: the base alarms with alarm ``name`` at ``threshold``."""
    alarms = [dict(a) for a in data["spec"]["monitoring"]["alarms"]]
    next(a for a in alarms if a["name"] == name)["threshold"] = threshold
    _prod(data).setdefault("monitoring", {})["alarms"] = alarms


ATTACKS: dict[str, tuple[Callable[[dict[str, Any]], None], str, str]] = {
    # 1. contextual grounding that blocks (almost) nothing: 0.01 passed LLM-GRD-004 (> 0), and 0 on a guardrail
    #    that guards no knowledge base was judged by nothing
    "grounding-threshold-0.01": (
        lambda d: _prod(d).update(guardrails={"customer-facing": {"contextualGrounding": {"grounding": 0.01, "relevance": 0.01}}}),
        "LLM-GRD-006", "grounding threshold 0.01"),
    "grounding-threshold-0-off-rag": (
        lambda d: _prod(d).update(guardrails={"triage-input": {"contextualGrounding": {"grounding": 0, "relevance": 0.9}}}),
        "LLM-GRD-006", "grounding threshold 0: it blocks nothing"),
    # 2. budget alerts only after the budget is spent
    "budget-alerts-above-100": (
        lambda d: _prod(d)["budgets"].update(alertThresholdsPercent=[150, 500]), "LLM-CST-008", "150 %, 500 %"),
    # 3. a budget thousands of times the estimate: no alert ever fires
    "budget-far-above-estimate": (
        lambda d: _prod(d)["budgets"].update(monthlyUsd=10_000_000), "LLM-CST-009", "10000000 USD"),
    # 4. alarms no metric reaches: more errors per period than requests at the declared peak, a p99 latency
    #    above the 60 minutes a Bedrock invocation may take
    "error-alarm-beyond-traffic": (
        lambda d: _alarms(d, "assistant-errors", 1_000_000), "LLM-OBS-009", "alarm assistant-errors"),
    "latency-alarm-beyond-timeout": (
        lambda d: _alarms(d, "assistant-latency", 4_000_000), "LLM-OBS-009", "alarm assistant-latency"),
    # 5. gates every result passes
    "gate-faithfulness-min-0": (lambda d: _gates(d, "faithfulness", min=0), "LLM-EVL-005", "faithfulness has min 0"),
    "gate-toxicity-max-1": (lambda d: _gates(d, "toxicity", max=1), "LLM-EVL-005", "toxicity has max 1"),
    "gate-refusal-rate-min-0": (lambda d: _gates(d, "refusal-rate", min=0), "LLM-EVL-005", "refusal-rate"),
    # 6. inclusion prefixes that select the whole shared bucket
    "inclusion-prefix-star": (
        lambda d: _prod(d)["knowledgeBases"]["help-center"]["dataSource"].update(inclusionPrefixes=["*"]),
        "LLM-DAT-003", "prefix *"),
    "inclusion-prefix-slash": (
        lambda d: _prod(d)["knowledgeBases"]["help-center"]["dataSource"].update(inclusionPrefixes=["/"]),
        "LLM-DAT-003", "prefix /"),
}


def test_the_unchanged_copy_passes(invoke, tmp_path, monkeypatch):
    """The baseline every attack changes one value of: clean in both environments, so each attack's exit 1
    comes from its value."""
    code, by_env = _check(invoke, _project(tmp_path), monkeypatch)
    assert code == EXIT_OK, by_env
    assert set(by_env) == {"dev", "prod"}
    assert not [f for f in by_env["prod"] if f["severity"] == "error"]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_value_that_defeats_a_control_fails_production(invoke, tmp_path, monkeypatch, attack):
    change, rule, text = ATTACKS[attack]
    code, by_env = _check(invoke, _project(tmp_path, change), monkeypatch)
    assert code == EXIT_FINDINGS, by_env["prod"]
    hits = [f for f in by_env["prod"] if f["ruleId"] == rule]
    assert hits and all(f["severity"] == "error" for f in hits), by_env["prod"]
    assert any(text in f["message"] for f in hits), [f["message"] for f in hits]
    # the attack changed production only: development is not judged on it
    assert not [f for f in by_env["dev"] if f["ruleId"] == rule and text in f["message"]]


def test_every_gate_metric_has_one_range():
    """LLM-EVL-005 reads each gate metric's direction and range from one table (policies/evaluation/evaluation.rego);
    it names exactly the metrics the schema allows, so a new metric cannot slip through unjudged."""
    from llmops_iac.compile import compile_spec
    from llmops_iac.policy import catalog, engine, evaluate
    from llmops_iac.spec.validate import load_spec

    schema = json.loads((ROOT / "schemas" / "llmapp.schema.json").read_text(encoding="utf-8"))
    metrics = set(schema["$defs"]["gate"]["properties"]["metric"]["enum"])
    cat = catalog.load()
    e = engine.create()
    e.load(cat.modules, {})
    loaded = load_spec(str(EXAMPLES / "minimal.yaml"))
    table = e.evaluate(evaluate.build_input(loaded, compile_spec(loaded), stack=None))["evaluation"]["_metrics"]
    assert set(table) == metrics
    for metric, r in table.items():
        assert r["better"] in ("higher", "lower", "either") and r["floor"] == 0, metric
        assert r.get("ceiling") in (1, None), metric


def test_outside_production_a_low_grounding_threshold_is_a_warning(invoke, tmp_path, monkeypatch):
    """Thresholds are tuned in development: there a threshold that blocks nothing is told, not a gate."""
    def change(d: dict[str, Any]) -> None:
        d["spec"]["environments"]["dev"]["guardrails"] = {"customer-facing": {"contextualGrounding": {"grounding": 0, "relevance": 0.2}}}

    code, by_env = _check(invoke, _project(tmp_path, change), monkeypatch)
    assert code == EXIT_OK
    hits = [f for f in by_env["dev"] if f["ruleId"] == "LLM-GRD-006"]
    assert sorted(f["severity"] for f in hits) == ["warning", "warning"]
    assert not [f for f in by_env["prod"] if f["ruleId"] == "LLM-GRD-006"]
