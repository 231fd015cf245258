"""The pull-request gate is the deploy gate: `check` judges every environment a deploy can reach.

Each test starts from an attack that passed before (exit 0) and must not: an override that weakens
production, a stack whose environment nobody declared, a stack forced onto unrelated specs.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK

BASE = """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: {name}
  owner: team@example.com
  costCenter: CC-1
  description: A pull-request gate test.
spec:
  region: us-east-1
  models:
    chat:
      provider: bedrock
      modelId: anthropic.claude-3-haiku-20240307-v1:0
{extra}"""

WEAK_PROD = """\
  environments:
    dev:
      tier: development
    prod:
      tier: production
      guardrails:
        default:
          contentFilters:
            hate: {input: NONE, output: NONE}
            promptAttack: {input: NONE}
      monitoring:
        logRetentionDays: 1
"""


def _project(tmp_path: Path, specs: dict[str, str], stacks: dict[str, dict[str, str]] | None = None) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: llmops-iac\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    for name, text in specs.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    for name, config in (stacks or {}).items():
        lines = ["config:"] + [f"  {k}: {v}" for k, v in config.items()]
        (tmp_path / "stacks" / f"Pulumi.{name}.yaml").write_text("\n".join(lines) + "\n")
    return tmp_path


def _report(invoke, *args: str) -> tuple[int, dict]:
    result = invoke("check", *args, "--format", "json")
    return result.exit_code, json.loads(result.output) if result.output.startswith("{") else {}


def _findings(entry: dict) -> set[str]:
    return {f["ruleId"] for f in (entry.get("policy") or {}).get("findings", []) if not f["waived"]}


def test_a_production_override_that_weakens_the_guardrail_fails(invoke, tmp_path, monkeypatch):
    """The attack of the issue: only the base spec was judged, so a prod override turning the hate and
    prompt-attack filters off and keeping logs one day passed."""
    project = _project(tmp_path, {"app.yaml": BASE.format(name="weak", extra=WEAK_PROD)})
    monkeypatch.chdir(project)
    code, report = _report(invoke, "app.yaml")
    assert code == EXIT_FINDINGS
    by_env = {f["environment"]: f for f in report["files"]}
    assert set(by_env) == {"dev", "prod"} and report["summary"]["specs"] == 1 and report["summary"]["results"] == 2
    assert by_env["prod"]["tier"] == "production" and by_env["prod"]["policy"]["profile"] == "production"
    prod = _findings(by_env["prod"])
    assert {"LLM-GRD-005", "LLM-OBS-004"} <= prod
    assert not {"LLM-GRD-005", "LLM-OBS-004"} & _findings(by_env["dev"])
    text = invoke("check", "app.yaml").output
    assert "FAIL  app.yaml [prod]" in text and "1 spec(s) in 2 environment(s)" in text


@pytest.mark.parametrize("fmt,needle", [("junit", 'name="app.yaml [prod]"'), ("markdown", "| prod |"),
                                        ("sarif", '"environment": "prod"'), ("github", "llmops-iac check failed")])
def test_every_format_names_the_environment(invoke, tmp_path, monkeypatch, fmt, needle):
    project = _project(tmp_path, {"app.yaml": BASE.format(name="weak", extra=WEAK_PROD)})
    monkeypatch.chdir(project)
    result = invoke("check", "app.yaml", "--format", fmt)
    assert result.exit_code == EXIT_FINDINGS and needle in result.output


def test_the_environment_a_tier_names_is_what_counts_not_its_name(invoke, tmp_path, monkeypatch):
    """`prod` declared as development is judged as development; `live` declared production as production."""
    extra = WEAK_PROD.replace("    dev:\n      tier: development\n", "").replace("prod:\n      tier: production",
                                                                                    "live:\n      tier: production")
    project = _project(tmp_path, {"app.yaml": BASE.format(name="named", extra=extra)})
    monkeypatch.chdir(project)
    code, report = _report(invoke, "app.yaml")
    [live] = report["files"]
    assert code == EXIT_FINDINGS and live["environment"] == "live" and live["tier"] == "production"
    calm = extra.replace("live:\n      tier: production", "prod:\n      tier: development")
    (project / "app.yaml").write_text(BASE.format(name="named", extra=calm))
    code, report = _report(invoke, "app.yaml")
    [prod] = report["files"]
    assert prod["tier"] == "development" and prod["policy"]["profile"] == "development"
    assert "LLM-OBS-004" not in _findings(prod)


def test_an_environment_without_a_tier_gets_the_strictest_profile(invoke, tmp_path, monkeypatch):
    extra = WEAK_PROD.replace("      tier: production\n", "")
    project = _project(tmp_path, {"app.yaml": BASE.format(name="untiered", extra=extra)})
    monkeypatch.chdir(project)
    code, report = _report(invoke, "app.yaml")
    prod = next(f for f in report["files"] if f["environment"] == "prod")
    assert code == EXIT_FINDINGS and prod["tier"] == "production" and prod["policy"]["profile"] == "production"
    assert any(d["code"] == "tier-unknown" and d["severity"] == "warning" for d in prod["diagnostics"])


def test_a_stack_whose_environment_is_not_declared_is_judged_as_production(invoke, tmp_path, monkeypatch):
    """`--stack prod-eu` used to pass on the default profile: its environment is declared nowhere."""
    lenient = BASE.format(name="eu", extra="  monitoring:\n    logRetentionDays: 30\n  environments:\n    dev: {tier: development}\n")
    project = _project(tmp_path, {"app.yaml": lenient},
                       {"prod-eu": {"aws:region": "eu-west-1", "llmops-iac:spec": "app.yaml"}})
    monkeypatch.chdir(project)
    code, report = _report(invoke, "app.yaml", "--stack", "prod-eu")
    [f] = report["files"]
    assert code == EXIT_FINDINGS and f["environment"] == "prod-eu" and f["tier"] == "production"
    assert "LLM-OBS-004" in _findings(f)
    # ... and without --stack too: the stack deploys this spec, so its environment is one the gate judges
    code, report = _report(invoke, "app.yaml")
    by_env = {f["environment"]: f for f in report["files"]}
    assert code == EXIT_FINDINGS and set(by_env) == {"prod-eu", "dev"}
    assert by_env["prod-eu"]["stack"] == "prod-eu" and "LLM-OBS-004" in _findings(by_env["prod-eu"])


def test_stacks_of_other_specs_are_not_judged_with_this_one(invoke, tmp_path, monkeypatch):
    project = _project(tmp_path, {"a.yaml": BASE.format(name="a", extra="  environments:\n    dev: {tier: development}\n"),
                                  "b.yaml": BASE.format(name="b", extra="")},
                       {"b-prod": {"aws:region": "us-east-1", "llmops-iac:spec": "b.yaml"}})
    monkeypatch.chdir(project)
    _, report = _report(invoke, "a.yaml")
    assert [f["environment"] for f in report["files"]] == ["dev"]


def test_stack_over_a_directory_applies_only_to_the_spec_it_deploys(invoke, tmp_path, monkeypatch):
    """`--stack S` forced S's region onto every spec of the directory; an `eu` cross-region profile then
    failed (or, worse, a spec was judged for a deploy that never happens)."""
    eu_spec = BASE.format(name="euapp", extra="  environments:\n    prod: {tier: production}\n").replace(
        "region: us-east-1", "region: eu-west-1").replace(
        "modelId: anthropic.claude-3-haiku-20240307-v1:0", "modelId: anthropic.claude-3-haiku-20240307-v1:0\n      crossRegionInference: eu")
    project = _project(tmp_path, {"specs/us.yaml": BASE.format(name="usapp", extra="  environments:\n    prod: {tier: production}\n"),
                                  "specs/eu.yaml": eu_spec},
                       {"prod": {"aws:region": "us-east-1", "llmops-iac:spec": "specs/us.yaml",
                                 "llmops-iac:environment": "prod"}})
    monkeypatch.chdir(project)
    code, report = _report(invoke, "specs", "--stack", "prod")
    by_file = {f["file"]: f for f in report["files"]}
    assert all(f["ok"] for f in report["files"]), report
    assert by_file["specs/us.yaml"]["stack"] == "prod"
    assert by_file["specs/eu.yaml"]["stack"] is None and by_file["specs/eu.yaml"]["environment"] == "prod"


def test_stack_that_names_no_spec_over_a_directory_is_a_usage_error(invoke, tmp_path, monkeypatch):
    project = _project(tmp_path, {"a.yaml": BASE.format(name="a", extra=""), "b.yaml": BASE.format(name="b", extra="")},
                       {"prod": {"aws:region": "us-east-1"}})
    monkeypatch.chdir(project)
    result = invoke("check", ".", "--stack", "prod")
    assert result.exit_code == EXIT_INPUT and "names no spec" in result.output


def test_stack_that_deploys_another_spec_is_a_usage_error(invoke, tmp_path, monkeypatch):
    project = _project(tmp_path, {"a.yaml": BASE.format(name="a", extra=""), "b.yaml": BASE.format(name="b", extra="")},
                       {"prod": {"aws:region": "us-east-1", "llmops-iac:spec": "b.yaml"}})
    monkeypatch.chdir(project)
    result = invoke("check", "a.yaml", "--stack", "prod")
    assert result.exit_code == EXIT_INPUT and "deploys b.yaml, not a.yaml" in result.output
    assert invoke("validate", "a.yaml", "--stack", "prod").exit_code == EXIT_INPUT
    assert invoke("check", "b.yaml", "--stack", "prod").exit_code in (EXIT_OK, EXIT_FINDINGS)


def test_a_broken_stack_file_that_may_deploy_the_spec_fails_the_check(invoke, tmp_path, monkeypatch):
    project = _project(tmp_path, {"app.yaml": BASE.format(name="a", extra="  environments:\n    dev: {tier: development}\n")})
    (project / "stacks" / "Pulumi.prod.yaml").write_text("config:\n  aws:region: us-east-1\n  llmops-iac:spec: app.yaml\n"
                                                          "  llmops-iac:environmnet: prod\n")
    monkeypatch.chdir(project)
    code, report = _report(invoke, "app.yaml")
    assert code == EXIT_INPUT
    assert any("stack 'prod', which deploys this spec" in d["message"] for f in report["files"] for d in f["diagnostics"])
    # a broken stack that names another spec is not this spec's problem
    (project / "stacks" / "Pulumi.prod.yaml").write_text("config:\n  llmops-iac:spec: other.yaml\n  llmops-iac:environmnet: x\n")
    assert invoke("check", "app.yaml").exit_code == EXIT_OK


def test_parallel_and_serial_runs_judge_the_same_environments(tmp_path, monkeypatch):
    from llmops_iac import pipeline

    specs = {f"s{i:02}.yaml": BASE.format(name=f"app-{i}", extra=WEAK_PROD if i % 2 else "") for i in range(18)}
    project = _project(tmp_path, specs)
    monkeypatch.chdir(project)
    serial = pipeline.run("check", ["."], jobs=1)
    parallel = pipeline.run("check", ["."], jobs=2)
    def key(r):
        return [(f.path, f.environment, f.tier, f.policy.profile, sorted(x.rule_id for x in f.policy.findings))
                for f in r.files]
    assert key(serial) == key(parallel)
    assert len(serial.files) == 9 * 2 + 9


def test_the_cache_keeps_every_environment(tmp_path, monkeypatch):
    from llmops_iac import pipeline

    project = _project(tmp_path, {"app.yaml": BASE.format(name="weak", extra=WEAK_PROD)})
    monkeypatch.chdir(project)
    first = pipeline.run("check", ["app.yaml"], cache=str(tmp_path / "cache"))
    second = pipeline.run("check", ["app.yaml"], cache=str(tmp_path / "cache"))
    assert [f.environment for f in second.files] == [f.environment for f in first.files] == ["dev", "prod"]
    assert [f.timings for f in second.files] == [{"cache": 0.0}, {"cache": 0.0}]
    # a new stack that deploys the spec changes what is judged: not a cache hit
    (project / "stacks" / "Pulumi.prod-eu.yaml").write_text(textwrap.dedent("""\
        config:
          aws:region: eu-west-1
          llmops-iac:spec: app.yaml
        """))
    third = pipeline.run("check", ["app.yaml"], cache=str(tmp_path / "cache"))
    assert [f.environment for f in third.files] == ["prod-eu", "dev", "prod"]


def test_maturity_is_assessed_once_on_the_production_environment(tmp_path, monkeypatch):
    """The maturity assessment is the application's: made once per spec, on the environment judged as
    production, and carried by every environment's policy input."""
    from llmops_iac import pipeline, pipeline_stages

    calls = []
    real = pipeline_stages._assess
    monkeypatch.setattr(pipeline_stages, "_assess", lambda loaded, plan, options: calls.append(loaded.environment) or real(loaded, plan, options))
    project = _project(tmp_path, {"app.yaml": BASE.format(name="weak", extra=WEAK_PROD)})
    monkeypatch.chdir(project)
    result = pipeline.run("check", ["app.yaml"])
    assert calls == ["prod"]
    dev, prod = result.files
    assert (dev.environment, prod.environment) == ("dev", "prod") and dev.policy is not None and prod.policy is not None


CROSS_REGION = BASE.replace("      modelId: anthropic.claude-3-haiku-20240307-v1:0\n",
                            "      modelId: anthropic.claude-3-haiku-20240307-v1:0\n      crossRegionInference: us\n")


@pytest.mark.parametrize("command", ["validate", "check"])
def test_validate_and_check_agree_on_a_stack_whose_region_the_spec_does_not_serve(invoke, tmp_path, monkeypatch, command):
    """A stack deploys the spec's prod environment to eu-west-1, where the model's `us` inference profile does
    not run: check refused it (exit 2), but validate — judging only the declared environments in spec.region —
    said it was valid (exit 0). Both must refuse it, at the model's line, naming the stack."""
    extra = "  environments:\n    dev: {tier: development}\n    prod: {tier: production}\n"
    project = _project(tmp_path, {"app.yaml": CROSS_REGION.format(name="a", extra=extra)},
                       {"prod": {"aws:region": "eu-west-1", "llmops-iac:spec": "app.yaml", "llmops-iac:environment": "prod"}})
    monkeypatch.chdir(project)
    result = invoke(command, "app.yaml", "--format", "json")
    assert result.exit_code == EXIT_INPUT, result.output
    report = json.loads(result.output)
    diagnostics = [d for f in report["files"] for d in f["diagnostics"] if d["severity"] == "error"]
    assert any(d["code"] == "region-mismatch" and "eu-west-1" in d["message"] for d in diagnostics), diagnostics
    if command == "validate":
        assert any("stack 'prod'" in d["message"] for d in diagnostics), diagnostics
    # the control: the same stack in a region the profile serves is valid for both
    (project / "stacks" / "Pulumi.prod.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  llmops-iac:spec: app.yaml\n  llmops-iac:environment: prod\n")
    assert invoke(command, "app.yaml").exit_code in (EXIT_OK, EXIT_FINDINGS)


@pytest.mark.parametrize("command", ["validate", "check"])
def test_validate_and_check_agree_on_a_broken_stack_file_that_deploys_the_spec(invoke, tmp_path, monkeypatch, command):
    """A stack file that names this spec but does not load (a misspelled key) fails check; validate said valid."""
    project = _project(tmp_path, {"app.yaml": BASE.format(name="a", extra="  environments:\n    dev: {tier: development}\n")})
    (project / "stacks" / "Pulumi.prod.yaml").write_text("config:\n  aws:region: us-east-1\n  llmops-iac:spec: app.yaml\n"
                                                          "  llmops-iac:environmnet: prod\n")
    monkeypatch.chdir(project)
    result = invoke(command, "app.yaml")
    assert result.exit_code == EXIT_INPUT, result.output
    assert "stack 'prod', which deploys this spec" in result.output


def _stack_file(project: Path, name: str, text: str) -> None:
    (project / "stacks" / f"Pulumi.{name}.yaml").write_text(textwrap.dedent(text))


def test_a_region_written_in_pulumis_old_key_form_is_the_stacks_region(invoke, tmp_path, monkeypatch):
    """Pulumi reads `aws:config:region` as `aws:region` (config keys' old `<namespace>:config:<name>` form): the
    stack deploys to eu-west-1, where the `us` inference profile does not run. check ignored the key and judged
    the stack in spec.region (us-east-1): a pass. It must judge the region Pulumi deploys to."""
    extra = "  environments:\n    prod: {tier: production}\n"
    project = _project(tmp_path, {"app.yaml": CROSS_REGION.format(name="a", extra=extra)})
    _stack_file(project, "prod", """\
        config:
          aws:config:region: eu-west-1
          llmops-iac:spec: app.yaml
        """)
    monkeypatch.chdir(project)
    code, report = _report(invoke, "app.yaml")
    assert code == EXIT_INPUT, report
    assert any(d["code"] == "region-mismatch" and "eu-west-1" in d["message"]
               for f in report["files"] for d in f["diagnostics"])


def test_an_environment_written_in_pulumis_old_key_form_is_the_one_judged(invoke, tmp_path, monkeypatch):
    """`llmops-iac:config:environment: dev` in the prod stack is `llmops-iac:environment: dev` to Pulumi: that
    stack deploys the dev overrides. check refused the key as unknown; it must judge what the stack deploys."""
    project = _project(tmp_path, {"app.yaml": BASE.format(name="a", extra=WEAK_PROD)})
    _stack_file(project, "prod", """\
        config:
          aws:region: us-east-1
          llmops-iac:spec: app.yaml
          llmops-iac:config:environment: dev
        """)
    monkeypatch.chdir(project)
    code, report = _report(invoke, "app.yaml")
    assert {(f["environment"], f.get("stack")) for f in report["files"]} >= {("dev", "prod")}, report
    assert code == EXIT_FINDINGS


def test_one_config_key_written_in_both_forms_is_an_input_error(invoke, tmp_path, monkeypatch):
    """Which of `aws:region` and `aws:config:region` Pulumi keeps is not for check to guess."""
    project = _project(tmp_path, {"app.yaml": BASE.format(name="a", extra="  environments:\n    prod: {tier: production}\n")})
    _stack_file(project, "prod", """\
        config:
          aws:region: us-east-1
          aws:config:region: eu-west-1
          llmops-iac:spec: app.yaml
        """)
    monkeypatch.chdir(project)
    result = invoke("check", "app.yaml")
    assert result.exit_code == EXIT_INPUT, result.output
    assert "Pulumi.prod.yaml:3" in result.output and "aws:region" in result.output


@pytest.mark.parametrize("missing", ["llmops-iac:environment", "aws:region", "llmops-iac:spec"])
def test_a_stack_importing_esc_environments_must_set_what_check_reads(invoke, tmp_path, monkeypatch, missing):
    """A stack file's `environment:` imports Pulumi ESC environments, whose pulumiConfig fills every config key
    the stack file leaves unset: one could set llmops-iac:environment to dev (the prod stack deploys the weaker dev
    overrides) or aws:region to another region, and check cannot read ESC. Unknown means strict: such a stack must
    set those keys itself (explicit stack config wins over ESC), or the check is an input error naming the key."""
    project = _project(tmp_path, {"app.yaml": BASE.format(name="a", extra=WEAK_PROD)})
    config = {"aws:region": "us-east-1", "llmops-iac:spec": "app.yaml", "llmops-iac:environment": "prod"}
    del config[missing]
    _stack_file(project, "prod", "environment:\n  - acme/llm-shared\nconfig:\n" +
                "".join(f"  {k}: {v}\n" for k, v in config.items()))
    monkeypatch.chdir(project)
    result = invoke("check", "app.yaml")
    assert result.exit_code == EXIT_INPUT, result.output
    assert "ESC" in result.output and missing in result.output
    # with every key set in the stack file, ESC can't change what is deployed: judged as usual
    _stack_file(project, "prod", "environment:\n  - acme/llm-shared\nconfig:\n  aws:region: us-east-1\n"
                "  llmops-iac:spec: app.yaml\n  llmops-iac:environment: prod\n")
    assert invoke("check", "app.yaml").exit_code == EXIT_FINDINGS


@pytest.mark.parametrize("ext", ["yml", "json"])
def test_a_pulumi_project_whose_files_are_not_yaml_named_is_not_a_silent_pass(invoke, tmp_path, monkeypatch, ext):
    """Pulumi reads a project file named Pulumi.yml or Pulumi.json too, and then stack files with that extension
    (Pulumi.prod.yml). check looked for Pulumi.yaml and Pulumi.<stack>.yaml only: the prod stack, deploying the
    base spec as an undeclared (so production) environment, was never judged, and the spec passed on its dev
    environment alone. Stack files llmops-iac cannot read may deploy the spec: an input error naming them."""
    weak = BASE.format(name="a", extra="  environments:\n    dev: {tier: development}\n  monitoring:\n    logRetentionDays: 90\n")
    project = _project(tmp_path, {"app.yaml": weak})
    (project / "Pulumi.yaml").rename(project / f"Pulumi.{ext}")
    if ext == "json":
        (project / "Pulumi.json").write_text('{"name": "llmops-iac", "runtime": "python", "stackConfigDir": "stacks"}\n')
    (project / "stacks" / f"Pulumi.prod.{ext}").write_text(
        '{"config": {"aws:region": "us-east-1", "llmops-iac:spec": "app.yaml"}}\n')
    monkeypatch.chdir(project)
    result = invoke("check", "app.yaml")
    assert result.exit_code == EXIT_INPUT, result.output
    assert f"Pulumi.prod.{ext}" in result.output
    # the control: the same project with .yaml names judges the prod stack as production
    (project / f"Pulumi.{ext}").rename(project / "Pulumi.yaml")
    (project / "stacks" / f"Pulumi.prod.{ext}").rename(project / "stacks" / "Pulumi.prod.yaml")
    code, report = _report(invoke, "app.yaml")
    assert code == EXIT_FINDINGS and {f["environment"] for f in report["files"]} == {"dev", "prod"}


def test_a_stack_file_llmops_iac_does_not_read_is_no_cache_hit(tmp_path, monkeypatch):
    """The cache key covers every stack file name Pulumi reads: a Pulumi.prod.yml added since the last run is
    reported, not answered with the pass cached before it existed."""
    from llmops_iac import pipeline

    project = _project(tmp_path, {"app.yaml": BASE.format(name="a", extra="  environments:\n    dev: {tier: development}\n")})
    monkeypatch.chdir(project)
    assert pipeline.run("check", ["app.yaml"], cache=str(tmp_path / "cache")).ok
    (project / "stacks" / "Pulumi.prod.yml").write_text("config:\n  aws:region: us-east-1\n  llmops-iac:spec: app.yaml\n")
    again = pipeline.run("check", ["app.yaml"], cache=str(tmp_path / "cache"))
    assert not again.ok and any(d.code == "stack-file-name" for f in again.files for d in f.diagnostics)


@pytest.mark.parametrize("where", ["minified.json", ".deploy/app.yaml", "stacks/app.yaml", "flow.yaml"])
def test_a_spec_a_stack_deploys_is_checked_wherever_it_lies(invoke, tmp_path, monkeypatch, where):
    """`check DIR` found specs by a look at their first lines (`kind: LLMApplication` starting a line) and skipped
    hidden directories and stacks/: a one-line JSON or flow-style spec, or one under .deploy/ or stacks/, was never
    judged, though a stack deploys it — `check .` passed on the other specs. Every spec a stack of the project
    deploys, inside the directory checked, is checked."""
    weak = json.loads(json.dumps(__import__("yaml").safe_load(BASE.format(name="weak", extra=WEAK_PROD))))
    project = _project(tmp_path, {"clean.yaml": BASE.format(name="clean", extra="  environments:\n    dev: {tier: development}\n")})
    target = project / where
    target.parent.mkdir(parents=True, exist_ok=True)
    if where.endswith(".json"):
        target.write_text(json.dumps(weak))
    else:
        target.write_text(json.dumps(weak) if where == "flow.yaml" else __import__("yaml").safe_dump(weak))
    _stack_file(project, "prod", f"""\
        config:
          aws:region: us-east-1
          llmops-iac:spec: {where}
          llmops-iac:environment: prod
        """)
    monkeypatch.chdir(project)
    code, report = _report(invoke, ".")
    assert code == EXIT_FINDINGS, report
    judged = {(Path(f["file"]).as_posix(), f["environment"]) for f in report["files"]}
    assert (Path(where).as_posix(), "prod") in judged and ("clean.yaml", "dev") in judged, judged


def test_a_spec_a_stack_deploys_outside_the_directory_checked_is_left_to_its_own_check(invoke, tmp_path, monkeypatch):
    """Checking one directory does not pull in specs of other directories."""
    project = _project(tmp_path, {"a/clean.yaml": BASE.format(name="clean", extra="  environments:\n    dev: {tier: development}\n"),
                                  "b/weak.yaml": BASE.format(name="weak", extra=WEAK_PROD)},
                       {"prod": {"aws:region": "us-east-1", "llmops-iac:spec": "b/weak.yaml"}})
    monkeypatch.chdir(project)
    code, report = _report(invoke, "a")
    assert code == EXIT_OK and {f["file"] for f in report["files"]} == {"a/clean.yaml"}
