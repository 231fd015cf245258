"""Report tests: a fixed policy catalogue (tests/report/policies), frozen date, version and URI; runs to render."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import llmops_iac
from llmops_iac import pipeline
from llmops_iac.errors import Diagnostic
from llmops_iac.policy import catalog
from llmops_iac.policy.evaluate import Finding, PolicyResult
from llmops_iac.report import findings as fx
from tests.conftest import ROOT

HERE = Path(__file__).resolve().parent
POLICIES = HERE / "policies"
SPECS = HERE / "specs"
TODAY = dt.date(2026, 6, 1)
VERSION = "0.0.0+test"
INFO_URI = "https://example.com/llmops-iac"

SCENARIOS = {
    # the example the brief names, as its dev stack deploys it
    "support-assistant": ["examples/support-assistant.yaml"],
    # specs of these tests: input errors, every severity, a waived finding, an expired waiver, n/a and off rules
    "report-demo": ["tests/report/specs/broken.yaml", "tests/report/specs/guarded.yaml"],
    # a clean run whose only finding is waived
    "waived": ["tests/report/specs/waived.yaml"],
}

STACKS = {"support-assistant": "dev"}


@pytest.fixture
def frozen(monkeypatch):
    """Run from the repository root against the fixed catalogue, with a frozen version and information URI."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(catalog, "builtin_dir", lambda: POLICIES)
    monkeypatch.setattr(llmops_iac, "__version__", VERSION)
    monkeypatch.setattr(fx, "information_uri", lambda: INFO_URI)


def check(*paths: str, command: str = "check", stack: str | None = None, fail_level: str = "error") -> pipeline.RunResult:
    """pipeline.run over ``paths`` (relative to the repository root) on the frozen date; needs ``frozen``."""
    options = pipeline.PolicyOptions(today=TODAY, fail_level=fail_level)
    return pipeline.run(command, list(paths), stack=stack, policy=options if command != "validate" else None)


@pytest.fixture
def scenario(frozen):
    """scenario(name) -> the RunResult of SCENARIOS[name]."""
    cache: dict[str, pipeline.RunResult] = {}

    def _scenario(name: str) -> pipeline.RunResult:
        if name not in cache:
            cache[name] = check(*SCENARIOS[name], stack=STACKS.get(name))
        return cache[name]

    return _scenario


def synthetic(n_findings: int, *, message: str = "model m can be invoked without a guardrail", waived_every: int = 0,
              files: int = 1) -> pipeline.RunResult:
    """A RunResult built by hand: ``files`` specs with ``n_findings`` findings each (for volume tests)."""
    results = []
    for k in range(files):
        path = f"specs/app-{k}.yaml"
        policy = PolicyResult(engine="opa", profile="default", environment="default",
                              outcomes={"LLM-GRD-001": "fail", "LLM-GOV-001": "not-applicable"})
        for i in range(n_findings):
            waived = bool(waived_every) and i % waived_every == 0
            policy.findings.append(Finding(
                rule_id="LLM-GRD-001", title="Every model is guarded on every invocation path", severity="error",
                message=f"{message} #{i}", remediation="Add the model to a guardrail's appliesTo.models.", file=path,
                line=i + 1, col=3, pointer=f"/spec/models/m{i}", resource=f"model-m{i}-profile",
                references=("OWASP LLM01",),
                waived_by={"rule": "LLM-GRD-001", "reason": "accepted for the test", "owner": "team@example.com",
                           "expires": "2099-12-31"} if waived else None))
        results.append(pipeline.FileResult(path=path, policy=policy))
    return pipeline.RunResult(command="check", stages=pipeline.STAGES, files=results,
                              policy_options=pipeline.PolicyOptions(today=TODAY))


def with_warning(result: pipeline.RunResult) -> pipeline.RunResult:
    """``result`` with a warning-level input diagnostic added to its first file."""
    f = result.files[0]
    f.diagnostics.append(Diagnostic(file=f.path, line=2, col=1, code="environment-not-declared", severity="warning",
                                    message="environment 'prd' has no overrides in spec.environments",
                                    hint="did you mean to name the overrides 'prd' instead of 'prod'?",
                                    pointer="/spec/environments"))
    return result
