"""Stacks select an environment; its overrides merge as a JSON Merge Patch and are validated again."""

from __future__ import annotations

import pytest

from llmops_iac.errors import SpecError
from llmops_iac.spec.validate import load_spec, merge_patch

SPEC = """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: envs
spec:
  budgets:
    monthlyUsd: 500
    notify:
      emails: [team@example.com]
  monitoring:
    logRetentionDays: 365
  environments:
    dev:
      tier: development
      budgets:
        monthlyUsd: 50
        notify: null
      monitoring:
        logRetentionDays: 30
    prod:
      tier: production
      budgets:
        monthlyUsd: 5000
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: llmops-iac\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    for name, env, region in [("dev", "dev", "us-west-2"), ("prod", "prod", None), ("staging", "staging", None)]:
        lines = ["config:", f"  llmops-iac:environment: {env}"] + ([f"  aws:region: {region}"] if region else [])
        (tmp_path / "stacks" / f"Pulumi.{name}.yaml").write_text("\n".join(lines) + "\n")
    spec = tmp_path / "app.yaml"
    spec.write_text(SPEC)
    return tmp_path


def test_merge_patch_follows_rfc_7386():
    touched: set[str] = set()
    out = merge_patch({"a": {"b": 1, "c": [1, 2]}, "d": 1}, {"a": {"b": None, "c": [3]}, "e": {"f": 1}}, "", touched)
    assert out == {"a": {"c": [3]}, "d": 1, "e": {"f": 1}}
    assert touched == {"/a", "/a/b", "/a/c", "/a/c/0", "/e", "/e/f"}


def test_stack_selects_environment_and_region(project):
    dev = load_spec(str(project / "app.yaml"), stack="dev")
    assert dev.environment == "dev" and dev.spec.spec.region == "us-west-2"
    assert dev.spec.spec.budgets.monthly_usd == 50
    assert dev.spec.spec.budgets.notify.emails is None  # null removed it
    assert dev.spec.spec.monitoring.log_retention_days == 30
    prod = load_spec(str(project / "app.yaml"), stack="prod")
    assert prod.spec.spec.budgets.monthly_usd == 5000
    assert prod.spec.spec.budgets.notify.emails == ("team@example.com",)
    assert prod.spec.spec.region == "us-east-1"


def test_base_without_stack(project):
    base = load_spec(str(project / "app.yaml"))
    assert base.environment is None and base.spec.spec.budgets.monthly_usd == 500
    assert "environments" not in base.data["spec"]


def test_environment_without_overrides_is_the_base_judged_as_production(project):
    """A stack whose environment the spec does not declare deploys the base spec, and nothing says what
    it is: it is judged as production (today's attack: `--stack prod-eu` passing on the lenient profile)."""
    staging = load_spec(str(project / "app.yaml"), stack="staging")
    assert staging.spec.spec.budgets.monthly_usd == 500
    assert [w.code for w in staging.warnings] == ["tier-unknown"] and "judged as production" in staging.warnings[0].message
    assert staging.tier is None and staging.judged_tier == "production"


def test_misspelt_environment_is_a_warning(project):
    (project / "stacks" / "Pulumi.prd.yaml").write_text("config:\n  llmops-iac:environment: prd\n")
    loaded = load_spec(str(project / "app.yaml"), stack="prd")
    assert [w.code for w in loaded.warnings] == ["environment-not-declared", "tier-unknown"]
    assert "'prod'" in loaded.warnings[0].hint and loaded.judged_tier == "production"


def test_tier_is_declared_not_guessed_from_the_name(project):
    text = SPEC.replace("tier: development", "tier: production").replace("tier: production\n      budgets:\n        monthlyUsd: 5000",
                                                                        "tier: development\n      budgets:\n        monthlyUsd: 5000")
    (project / "app.yaml").write_text(text)
    dev, prod = load_spec(str(project / "app.yaml"), stack="dev"), load_spec(str(project / "app.yaml"), stack="prod")
    assert (dev.tier, dev.judged_tier) == ("production", "production")
    assert (prod.tier, prod.judged_tier) == ("development", "development")
    assert dev.production_environments == ["dev"] and "tier" not in dev.data["spec"]


def test_an_environment_without_a_tier_is_judged_as_production_with_a_warning(project):
    (project / "app.yaml").write_text(SPEC.replace("      tier: development\n", ""))
    base = load_spec(str(project / "app.yaml"))
    assert [(w.code, w.pointer) for w in base.warnings] == [("tier-unknown", "/spec/environments/dev")]
    dev = load_spec(str(project / "app.yaml"), stack="dev")
    assert dev.judged_tier == "production" and [w.code for w in dev.warnings] == ["tier-unknown"]
    assert sorted(dev.production_environments) == ["dev", "prod"]


def test_a_spec_without_environments_is_judged_as_production(tmp_path):
    (tmp_path / "app.yaml").write_text("apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata: {name: solo}\n")
    base = load_spec(str(tmp_path / "app.yaml"))
    assert base.judged_tier == "production" and [w.code for w in base.warnings] == ["tier-unknown"]


def test_an_unknown_tier_is_a_schema_error(project):
    (project / "app.yaml").write_text(SPEC.replace("tier: development", "tier: sandbox"))
    with pytest.raises(SpecError) as info:
        load_spec(str(project / "app.yaml"))
    assert [d.code for d in info.value.diagnostics] == ["enum"]


def test_invalid_override_points_at_the_override_line(project):
    text = SPEC.replace("        monthlyUsd: 5000", "        monthlyUsd: -1")
    (project / "app.yaml").write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(str(project / "app.yaml"), stack="prod")
    [d] = info.value.diagnostics
    assert d.line == text.splitlines().index("        monthlyUsd: -1") + 1
    assert d.pointer == "/spec/budgets/monthlyUsd"


def test_every_environment_is_checked_without_a_stack(project):
    text = SPEC.replace("        logRetentionDays: 30", "        logRetentionDays: 31").replace("monthlyUsd: 5000", "monthlyUsd: 0")
    (project / "app.yaml").write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(str(project / "app.yaml"))
    lines = text.splitlines()
    got = sorted((d.line, d.code) for d in info.value.diagnostics)
    assert got == [(lines.index("        logRetentionDays: 31") + 1, "enum"), (lines.index("        monthlyUsd: 0") + 1, "exclusiveMinimum")]
    assert all("in environment" in d.message for d in info.value.diagnostics)


def test_unknown_key_in_override_is_reported_with_did_you_mean(project):
    text = SPEC.replace("        monthlyUsd: 5000", "        monthlyUSD: 5000")
    (project / "app.yaml").write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(str(project / "app.yaml"), stack="prod")
    [d] = info.value.diagnostics
    assert (d.code, d.line, d.hint) == ("unknown-key", text.splitlines().index("        monthlyUSD: 5000") + 1, "did you mean 'monthlyUsd'?")


def test_missing_stack_names_the_available_ones(project):
    with pytest.raises(SpecError) as info:
        load_spec(str(project / "app.yaml"), stack="prdo")
    [d] = info.value.diagnostics
    assert d.code == "stack-not-found" and "did you mean 'prod'" in d.hint


@pytest.mark.parametrize("text,code", [
    ("config:\n  llmops-iac:enviroment: prod\n", "unknown-key"),
    ("config:\n  llmops-iac:environment: Prod_1\n", "pattern"),
    ("config:\n  aws:region: mars-1\n", "pattern"),
    ("config: [1]\n", "stack-config"),
    ("config:\n  a: 1\n  a: 2\n", "duplicate-key"),
    ("config:\n  aws:region: us-east-1\n  aws-native:region: eu-west-1\n", "region-mismatch"),
])
def test_bad_stack_files(project, text, code):
    (project / "stacks" / "Pulumi.bad.yaml").write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(str(project / "app.yaml"), stack="bad")
    d = info.value.diagnostics[0]
    assert d.code == code and d.file.endswith("Pulumi.bad.yaml") and d.line >= 1 and d.hint


def test_region_argument_overrides_the_spec_like_a_stack(project):
    loaded = load_spec(str(project / "app.yaml"), environment="prod", region="eu-west-1")
    assert loaded.spec.spec.region == "eu-west-1" and loaded.environment == "prod"
