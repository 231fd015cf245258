"""The cost and capacity commands (llmops_iac/cli_cost.py): cost, diff, preflight, verify.

In-process through click's CliRunner, and through the installed console script. Nothing here reaches
the network: the autouse fixture of tests/aws/conftest.py refuses every address but 127.0.0.1 and
removes ambient AWS credentials; AWS answers come from a moto server on 127.0.0.1 or botocore's Stubber.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from llmops_iac.cli import cli
from llmops_iac.cli_cost import register
from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK
from tests.aws import fakes
from tests.aws.conftest import client, no_real_aws, reset_moto, stubbed  # noqa: F401 - fixtures
from tests.conftest import EXAMPLES, ROOT, console_script

register(cli)  # the lead's one line in cli.py does this; register() is idempotent

COMMANDS = ("cost", "diff", "preflight", "verify")
COST_SCHEMA = json.loads((ROOT / "schemas" / "cost.schema.json").read_text())
MINIMAL = str(EXAMPLES / "minimal.yaml")
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET = "anthropic.claude-3-5-sonnet-20241022-v2:0"
TITAN = "amazon.titan-embed-text-v2:0"

HEADER = "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: {name}\n"
MISFIT = HEADER.format(name="big-llama") + """spec:
  models:
    llama70b:
      provider: sagemaker
      modelId: meta-llama/Meta-Llama-3-70B-Instruct
      revision: 7129260dd854a80eb10ace5f61c20324b472b31c
      instanceType: ml.g5.2xlarge
      dtype: fp16
  budgets:
    monthlyUsd: 100000
"""
UNDERUSED = HEADER.format(name="small-llama") + """spec:
  models:
    llama8b:
      provider: sagemaker
      modelId: meta-llama/Meta-Llama-3-8B-Instruct
      revision: 5f0b02c75b57c5855da9ae460ce51323ea669d8a
      instanceType: ml.g6e.12xlarge
      quantization: awq
      maxContextTokens: 4096
      maxConcurrentRequests: 4
  budgets:
    monthlyUsd: 100000
"""
OVER_BUDGET = HEADER.format(name="tight-budget") + """spec:
  budgets:
    monthlyUsd: 10
"""
BROKEN = HEADER.format(name="Bad_Name") + "  owner: on\n"


def shown(path) -> str:
    """How reports show a file of a temporary directory (outside the current directory and any git repository):
    its directory's name and its name, never the absolute path (llmops_iac/shown_paths.py)."""
    return f"{path.parent.name}/{path.name}"


@pytest.fixture
def run():
    """run(*args) -> click Result, the CLI in-process (stderr is part of result.output, stdout alone in result.stdout)."""
    runner = CliRunner()

    def _run(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return _run


def aws_env(monkeypatch, **extra: str) -> None:
    """Fake credentials and a region, as a user's shell would have them (never used outside 127.0.0.1)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for k, v in extra.items():
        monkeypatch.setenv(k, v)


# ------------------------------------------------------------------------------------------------- registration, help

@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example_and_exit_codes(run, name):
    result = run(name, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output and f"llmops-iac {name}" in result.output
    assert "Exit codes:" in result.output and "3  " in result.output


def test_register_is_idempotent_and_refuses_to_replace_another_command():
    before = dict(cli.commands)
    register(cli)
    register(cli)
    assert cli.commands == before and all(name in cli.commands for name in COMMANDS)

    group = click.Group("other")
    register(group)
    assert sorted(group.commands) == sorted(COMMANDS)

    taken = click.Group("taken", commands=[click.Command("diff")])
    with pytest.raises(RuntimeError, match="'diff' is already registered"):
        register(taken)


def test_cost_help_says_which_findings_are_errors_and_which_warnings(run):
    out = " ".join(run("cost", "--help").output.split())  # help is wrapped to the terminal's width
    assert "a GPU misfit is an error" in out and "over budget at expected traffic is a warning" in out
    assert "--live-prices" in out and "--split [each|even]" in out


# ------------------------------------------------------------------------------------------------- cost

def test_cost_prints_a_range_per_resource_and_the_budget(run):
    result = run("cost", MINIMAL)
    assert result.exit_code == EXIT_OK, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("hello-llm (default, us-east-1): monthly cost estimate in USD, prices as of ")
    assert lines[1].split() == ["minimum", "expected", "maximum"]
    assert any(line.split()[0] == "guardrail-default" for line in lines[2:])  # a row per resource
    total = next(line for line in lines if line.split()[:1] == ["total"])
    assert len(total.split()) == 4 and all(v.startswith("$") for v in total.split()[1:])
    assert "budget: $100.00/month; expected is" in result.stdout and "within budget" in result.stdout
    assert result.stdout.rstrip().endswith("findings: none")
    by_service = run("cost", MINIMAL, "--by", "service").stdout
    assert any(line.split()[:1] == ["bedrock-guardrails"] for line in by_service.splitlines())


def test_a_gpu_misfit_is_an_error_at_the_spec_line_with_alternatives(run, write):
    spec = write("app.yaml", MISFIT)
    result = run("cost", str(spec))
    assert result.exit_code == EXIT_FINDINGS
    line = next(x for x in result.stdout.splitlines() if "error[gpu-misfit]" in x)
    assert line.startswith(f"{shown(spec)}:11:21: error[gpu-misfit]: Llama-3-70B in fp16 needs ~")
    assert "ml.g5.2xlarge has 24 GB. Fits: " in line
    assert "    fix: needs 141 GB weights + " in result.stdout
    assert "1 at or above --fail-level error" in result.stdout
    assert "gpu error[" not in result.stdout  # shown once, located, not also unlocated
    # the JSON estimate is the library's, valid against schemas/cost.schema.json
    data = json.loads(run("cost", str(spec), "--format", "json").stdout)
    import jsonschema

    jsonschema.validate(data, COST_SCHEMA)
    assert data["flags"]["gpuMisfit"] is True and data["gpu"][0]["status"] == "misfit" and data["gpu"][0]["alternatives"]


def test_an_underused_gpu_is_a_warning(run, write):
    spec = write("app.yaml", UNDERUSED)
    result = run("cost", str(spec))
    assert result.exit_code == EXIT_OK
    assert f"{shown(spec)}:11:21: warning[gpu-underused]:" in result.stdout and "Cheaper fits: " in result.stdout
    assert run("cost", str(spec), "--fail-level", "warning").exit_code == EXIT_FINDINGS


def test_over_budget_at_expected_traffic_is_a_warning(run, write):
    spec = write("app.yaml", OVER_BUDGET)
    default = run("cost", str(spec))
    assert default.exit_code == EXIT_OK, default.output
    assert "OVER BUDGET" in default.stdout
    assert f"{shown(spec)}:7:17: warning[over-budget]: expected monthly cost $" in default.stdout
    assert "of the budget $10.00" in default.stdout and "findings: 1 warning" in default.stdout
    assert run("cost", str(spec), "--fail-level", "warning").exit_code == EXIT_FINDINGS
    assert run("cost", str(spec), "--fail-level", "note").exit_code == EXIT_FINDINGS
    assert run("cost", MINIMAL, "--fail-level", "note").exit_code == EXIT_OK  # within budget: nothing to report


def test_a_region_the_table_lacks_is_priced_from_us_east_1_as_notes(run, write):
    spec = write("app.yaml", HEADER.format(name="frankfurt") + "spec:\n  region: eu-central-1\n")
    result = run("cost", str(spec))
    assert result.exit_code == EXIT_OK
    assert "note[price-region-fallback]" in result.stdout and "priced from us-east-1" in result.stdout
    assert run("cost", str(spec), "--fail-level", "warning").exit_code == EXIT_OK
    assert run("cost", str(spec), "--fail-level", "note").exit_code == EXIT_FINDINGS


def test_markdown_and_outputs_are_written_atomically(run, write, tmp_path):
    spec = write("app.yaml", MISFIT)
    out_json, out_md, out_txt = tmp_path / "cost.json", tmp_path / "cost.md", tmp_path / "cost.txt"
    result = run("cost", str(spec), "--format", "markdown", "--output", f"json={out_json}",
                 "--output", f"markdown={out_md}", "--output", str(out_txt))
    assert result.exit_code == EXIT_FINDINGS
    assert result.stdout.startswith("### Cost estimate: big-llama (default, us-east-1)")
    assert out_md.read_text() == result.stdout
    findings = result.stdout.index("#### Findings")
    assert findings < result.stdout.index("<details>")
    assert f"- **error** `gpu-misfit` at `{shown(spec)}:11`: Llama-3-70B in fp16 needs" in result.stdout
    assert json.loads(out_json.read_text())["app"] == "big-llama"
    assert out_txt.read_text() == result.stdout  # a PATH without FORMAT= gets --format's format
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".llmops-iac-")]


@pytest.mark.parametrize("args,needle", [
    (["--output", "sarif=r.sarif"], "unknown format 'sarif'"),
    (["--output", "json="], "names no file"),
    (["--format", "sarif"], "Invalid value for '--format'"),
    (["--split", "half"], "Invalid value for '--split'"),
    (["--fail-level", "fatal"], "Invalid value for '--fail-level'"),
    (["--output", "missing-dir/r.json"], "does not exist"),
])
def test_bad_cost_options_exit_2(run, args, needle):
    result = run("cost", MINIMAL, *args)
    assert result.exit_code == EXIT_INPUT and needle in result.output


def test_a_bad_spec_shows_every_diagnostic_and_exits_2(run, write):
    bad = write("bad.yaml", BROKEN)
    result = run("cost", str(bad))
    assert result.exit_code == EXIT_INPUT
    assert f"{shown(bad)}:4:9: error[pattern]" in result.output and f"{shown(bad)}:5:10: error[yaml11-trap]" in result.output
    assert "fix: quote it" in result.output and "2 input problems" in result.output
    assert result.stdout == ""  # diagnostics go to standard error; nothing half-estimated on stdout
    missing = run("cost", str(bad.parent / "nope.yaml"))
    assert missing.exit_code == EXIT_INPUT and "error[file-not-found]" in missing.output
    stack = run("cost", MINIMAL, "--stack", "nope")
    assert stack.exit_code == EXIT_INPUT and "stack 'nope' not found" in stack.output


def test_stack_and_split_reach_the_estimate(run):
    support = str(EXAMPLES / "support-assistant.yaml")
    prod = json.loads(run("cost", support, "--stack", "prod", "--format", "json").stdout)
    assert prod["environment"] == "prod"
    each = json.loads(run("cost", support, "--format", "json").stdout)
    even = json.loads(run("cost", support, "--split", "even", "--format", "json").stdout)
    assert (each["assumptions"]["split"], even["assumptions"]["split"]) == ("each", "even")
    assert even["total"]["expected"] < each["total"]["expected"]  # two models share the traffic


def test_a_broken_price_table_is_an_internal_error(run, monkeypatch, tmp_path):
    from llmops_iac.cost import prices

    broken = tmp_path / "prices.json"
    broken.write_text('{"asOf": "2026-11-25"}')
    monkeypatch.setattr(prices, "DATA_FILE", str(broken))
    result = run("cost", MINIMAL)
    assert result.exit_code == EXIT_INTERNAL
    assert "the price table" in result.output and "is malformed" in result.output and "Traceback" not in result.output


# --- --live-prices

def test_live_prices_without_credentials_exit_2(run, monkeypatch):
    """No AWS variables at all (the autouse fixture removed them), no metadata service."""
    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
    result = run("cost", MINIMAL, "--live-prices")
    assert result.exit_code == EXIT_INPUT
    assert "--live-prices needs AWS credentials and none were found" in result.output and "AWS_PROFILE" in result.output


def test_live_prices_with_empty_aws_variables_exit_2(run, monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(var, "")
    result = run("cost", MINIMAL, "--live-prices")
    assert result.exit_code == EXIT_INPUT and "needs AWS credentials and none were found" in result.output
    monkeypatch.setenv("AWS_PROFILE", "")  # an empty profile name is a usage error too, never a call
    assert run("cost", MINIMAL, "--live-prices").exit_code == EXIT_INPUT


@pytest.fixture
def pricing(monkeypatch):
    """The Price List API client as botocore's Stubber answers it, handed to --live-prices."""
    from llmops_iac.cost import live

    c, stub = stubbed("pricing")
    monkeypatch.setattr(live, "pricing_client", lambda session=None, **kw: c)
    with stub:
        yield stub


def sagemaker_params(instance_type):
    return {"ServiceCode": "AmazonSageMaker", "FormatVersion": "aws_v1", "MaxResults": 100,
            "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"},
                        {"Type": "TERM_MATCH", "Field": "usagetype", "Value": f"USE1-Host:{instance_type}"}]}


def test_live_prices_from_the_price_list_api(run, write, pricing):
    answer = json.loads((ROOT / "tests" / "fixtures" / "pricing" / "sagemaker-ml.g5.2xlarge-us-east-1.json").read_text())
    pricing.add_response("get_products", answer, sagemaker_params("ml.g5.2xlarge"))
    spec = write("app.yaml", MISFIT)
    result = run("cost", str(spec), "--live-prices", "--format", "json")
    assert result.exit_code == EXIT_FINDINGS  # the misfit still stands
    data = json.loads(result.stdout)
    assert data["prices"]["origin"] == "live" and any("from the AWS Price List API" in n for n in data["prices"]["liveNotes"])
    line = next(x for r in data["resources"] for x in r["lines"] if x["priceKey"] == "sagemaker/ml.g5.2xlarge")
    assert line["priceBasis"] == "live" and line["unitPriceUsd"] == 1.515
    pricing.assert_no_pending_responses()


def test_a_price_list_api_failure_exits_3(run, write, pricing):
    pricing.add_client_error("get_products", service_error_code="InternalErrorException", service_message="down",
                             http_status_code=500, expected_params=sagemaker_params("ml.g5.2xlarge"))
    result = run("cost", str(write("app.yaml", MISFIT)), "--live-prices")
    assert result.exit_code == EXIT_INTERNAL
    assert "llmops-iac: error: pricing:GetProducts for AmazonSageMaker failed" in result.output
    assert "Traceback" not in result.output and result.stdout == ""  # no estimate is printed from half the prices


# ------------------------------------------------------------------------------------------------- diff

def test_diff_two_files_shows_changes_and_the_cost_delta(run, write):
    base = write("a/app.yaml", OVER_BUDGET)
    head = write("b/app.yaml", OVER_BUDGET.replace("monthlyUsd: 10", "monthlyUsd: 40")
                 + "    expectedTraffic:\n      requestsPerDay: 5000\n")
    result = run("diff", str(base), str(head))
    assert result.exit_code == EXIT_OK, result.output
    out = result.stdout
    assert f"tight-budget (default): {base} → {head}: 0 to add, 1 to change, 0 to replace, 0 to remove" in out
    assert "~ budget" in out and "(limitAmount)" in out
    assert "(tags)" not in out  # the specHash tag every edit changes is not a change
    delta = next(x for x in out.splitlines() if x.strip().startswith("delta"))
    assert "+$" in delta  # more traffic costs more: informational, still exit 0
    data = json.loads(run("diff", str(base), str(head), "--format", "json").stdout)
    assert data["summary"]["changed"] == 1 and data["monthlyUsd"]["delta"]["expected"] > 0
    md = run("diff", str(base), str(head), "--format", "markdown").stdout
    assert md.startswith("### 📈 llmops-iac: tight-budget (default)") and "| expected |" in md


def test_diff_shows_real_tag_changes_and_can_ignore_keys(run, write):
    base = write("a/app.yaml", OVER_BUDGET)
    head = write("b/app.yaml", OVER_BUDGET.replace("name: tight-budget\n", "name: tight-budget\n  owner: ml@example.com\n"))
    out = run("diff", str(base), str(head)).stdout
    assert "(tags)" in out  # the owner tag did change
    quiet = run("diff", str(base), str(head), "--ignore-key", "tags").stdout
    assert "0 to change" in quiet


@pytest.mark.parametrize("args,needle", [
    ([MINIMAL], "name two spec files"),
    ([MINIMAL, MINIMAL, MINIMAL], "name two spec files"),
    (["--base", "HEAD"], "exactly one spec file"),
    (["--base", "HEAD", MINIMAL, MINIMAL], "exactly one spec file"),
])
def test_diff_usage_errors_exit_2(run, args, needle):
    result = run("diff", *args)
    assert result.exit_code == EXIT_INPUT and needle in result.output


def test_diff_a_missing_file_exits_2(run, tmp_path):
    result = run("diff", MINIMAL, str(tmp_path / "nope.yaml"))
    assert result.exit_code == EXIT_INPUT and "error[file-not-found]" in result.output


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com",
                    "-c", "commit.gpgsign=false", *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    """A git repository with a Pulumi project, a prod stack and one spec committed."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    (root / "stacks").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text("name: llmops-iac\nruntime: python\nstackConfigDir: stacks\n")
    (root / "stacks" / "Pulumi.prod.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  llmops-iac:spec: app.yaml\n  llmops-iac:environment: prod\n")
    (root / "app.yaml").write_text(OVER_BUDGET + "  environments:\n    prod:\n      budgets:\n        monthlyUsd: 500\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    return root


def test_diff_against_a_git_revision(run, repo):
    spec = repo / "app.yaml"
    unchanged = run("diff", "--base", "HEAD", str(spec))
    assert unchanged.exit_code == EXIT_OK and "HEAD → working tree: 0 to add, 0 to change, 0 to replace, 0 to remove" in unchanged.stdout
    spec.write_text(spec.read_text().replace("monthlyUsd: 10\n", "monthlyUsd: 10\n    expectedTraffic:\n"
                                                                 "      requestsPerDay: 5000\n"))
    changed = run("diff", "--base", "HEAD", str(spec), "--format", "json")
    assert changed.exit_code == EXIT_OK, changed.output
    data = json.loads(changed.stdout)
    assert (data["base"], data["head"]) == ("HEAD", "working tree")
    assert data["monthlyUsd"]["delta"]["expected"] > 0 and data["budget"]["head"] == 10
    prod = json.loads(run("diff", "--base", "HEAD", str(spec), "--stack", "prod", "--format", "json").stdout)
    assert prod["environment"] == "prod" and prod["budget"] == {"base": 500, "head": 500}


def test_diff_against_a_bad_revision_or_a_new_file_exits_2(run, repo):
    bad = run("diff", "--base", "no-such-branch", str(repo / "app.yaml"))
    assert bad.exit_code == EXIT_INPUT and "--base no-such-branch: not a commit" in bad.output
    new = repo / "new.yaml"
    new.write_text(OVER_BUDGET)
    absent = run("diff", "--base", "HEAD", str(new))
    assert absent.exit_code == EXIT_INPUT and "new.yaml does not exist at HEAD" in absent.output
    gone = run("diff", "--base", "HEAD", str(repo / "deleted.yaml"))
    assert gone.exit_code == EXIT_INPUT and "file not found" in gone.output


# ------------------------------------------------------------------------------------------------- preflight, verify

def with_clients(monkeypatch, module, **clients):
    """Hand Stubber-backed clients for the services moto lacks (Bedrock) to the library call the command makes;
    every other client goes to the moto server named by --endpoint-url."""
    name = module.__name__.rsplit(".", 1)[1]  # llmops_iac.aws.preflight.preflight, llmops_iac.aws.verify.verify
    original = getattr(module, name)

    def wrapped(plan, **kw):
        assert "clients" not in kw
        return original(plan, clients=clients, **kw)

    monkeypatch.setattr(module, name, wrapped)


def stub_model_access(stub, *, offered=(HAIKU, SONNET, TITAN)):
    stub.add_response("list_foundation_models", fakes.foundation_models(*offered), {})
    for mid in sorted(set(offered) & {HAIKU, SONNET, TITAN}):
        stub.add_response("get_foundation_model_availability", fakes.availability(mid), {"modelId": mid})


def test_preflight_passes_for_the_stacks_spec_on_moto(run, monkeypatch, reset_moto):
    from llmops_iac.aws import preflight

    aws_env(monkeypatch)
    monkeypatch.chdir(ROOT)  # FILE defaults to what stacks/Pulumi.prod.yaml names: examples/support-assistant.yaml
    bedrock, stub = stubbed("bedrock")
    with stub:
        stub_model_access(stub)
        with_clients(monkeypatch, preflight, bedrock=bedrock)
        result = run("preflight", "--stack", "prod", "--endpoint-url", reset_moto)
        stub.assert_no_pending_responses()
    assert result.exit_code == EXIT_OK, result.output
    out = result.stdout
    assert out.startswith("preflight support-assistant (prod, us-east-1)")
    assert f"PASS  model-access  {HAIKU}: offered in us-east-1 and accessible" in out
    assert "PASS  region" in out and "answered a read-only list_vector_buckets" in out
    assert "0 failed" in out.splitlines()[-1]


def test_preflight_fails_when_a_model_is_not_offered(run, monkeypatch, reset_moto, tmp_path):
    from llmops_iac.aws import preflight

    aws_env(monkeypatch)
    bedrock, stub = stubbed("bedrock")
    report = tmp_path / "preflight.json"
    with stub:
        stub_model_access(stub, offered=(SONNET, TITAN))
        with_clients(monkeypatch, preflight, bedrock=bedrock)
        result = run("preflight", str(EXAMPLES / "support-assistant.yaml"), "--endpoint-url", reset_moto,
                     "--format", "markdown", "--output", f"json={report}")
    assert result.exit_code == EXIT_FINDINGS
    assert "❌ | model-access | `anthropic.claude-3-haiku-20240307-v1:0`" in result.stdout
    data = json.loads(report.read_text())
    assert data["ok"] is False and data["summary"]["fail"] == 1


def deploy_support_assistant(url: str, *, budget_limit: str | None = None) -> dict:
    from llmops_iac.compile import compile_spec
    from llmops_iac.spec.validate import load_spec

    data = compile_spec(load_spec(str(EXAMPLES / "support-assistant.yaml"))).to_data()
    deployed = json.loads(json.dumps(data))
    if budget_limit:
        next(r for r in deployed["resources"] if r["type"] == "aws:budgets/budget:Budget")["inputs"]["limitAmount"] = budget_limit
    fakes.deploy_budgets(client("budgets", url), deployed)
    fakes.deploy_vector_stores(client("opensearchserverless", url), client("s3vectors", url), deployed)
    return data


def stub_guardrails(stub, data):
    stub.add_response("list_guardrails", fakes.guardrail_summaries(data), {"maxResults": 100})
    for r in sorted((r for r in data["resources"] if r["type"] == "aws:bedrock/guardrail:Guardrail"), key=lambda r: r["name"]):
        detail = fakes.guardrail_detail(r["inputs"])
        stub.add_response("get_guardrail", detail, {"guardrailIdentifier": detail["guardrailId"]})


@pytest.mark.parametrize("drift", [False, True], ids=["in-sync", "drifted"])
def test_verify_against_moto(run, monkeypatch, reset_moto, drift):
    from llmops_iac.aws import verify

    aws_env(monkeypatch)
    data = deploy_support_assistant(reset_moto, budget_limit="9999" if drift else None)
    bedrock, stub = stubbed("bedrock")
    with stub:
        stub_guardrails(stub, data)
        with_clients(monkeypatch, verify, bedrock=bedrock)
        result = run("verify", str(EXAMPLES / "support-assistant.yaml"), "--endpoint-url", reset_moto)
    out = result.stdout
    assert out.startswith(f"verify support-assistant (default, us-east-1, account {fakes.ACCOUNT})")
    assert "PASS  guardrail" in out and "PASS  vector-store" in out
    if drift:
        assert result.exit_code == EXIT_FINDINGS
        assert "FAIL  budget" in out and "limit is 9999" in out and "fix: run `pulumi up`" in out
    else:
        assert result.exit_code == EXIT_OK, out
        assert "PASS  budget" in out and "0 failed" in out


def test_an_aws_failure_during_verify_exits_3(run, monkeypatch, reset_moto):
    from llmops_iac.aws import verify

    aws_env(monkeypatch)
    bedrock, stub = stubbed("bedrock")
    with stub:
        stub.add_client_error("list_guardrails", service_error_code="ServiceUnavailableException",
                              service_message="down", http_status_code=503, expected_params={"maxResults": 100})
        with_clients(monkeypatch, verify, bedrock=bedrock)
        result = run("verify", MINIMAL, "--endpoint-url", reset_moto)
        stub.assert_no_pending_responses()
    assert result.exit_code == EXIT_INTERNAL
    assert "llmops-iac: error: bedrock:ListGuardrails failed" in result.output and "Traceback" not in result.output
    assert result.stdout == ""  # never a partial report that could read as a pass


@pytest.mark.parametrize("command", ["preflight", "verify"])
def test_missing_credentials_exit_2_before_any_call(run, command):
    result = run(command, MINIMAL, "--endpoint-url", "http://127.0.0.1:9")
    assert result.exit_code == EXIT_INPUT
    assert f"{command} needs AWS credentials and none were found" in result.output


@pytest.mark.parametrize("command", ["preflight", "verify"])
def test_file_or_stack_is_required_and_the_stack_must_name_a_spec(run, command, monkeypatch, tmp_path):
    neither = run(command)
    assert neither.exit_code == EXIT_INPUT and "name a spec FILE, or a --stack" in neither.output
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: llmops-iac\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (tmp_path / "stacks" / "Pulumi.qa.yaml").write_text("config:\n  llmops-iac:spec: specs/app.yaml\n")
    monkeypatch.chdir(tmp_path)
    unnamed = run(command, "--stack", "dev")
    assert unnamed.exit_code == EXIT_INPUT and "names no spec: set llmops-iac:spec" in unnamed.output
    dangling = run(command, "--stack", "qa")
    assert dangling.exit_code == EXIT_INPUT and "names 'specs/app.yaml' in llmops-iac:spec, which is not a file" in dangling.output
    unknown = run(command, "--stack", "prod")
    assert unknown.exit_code == EXIT_INPUT and "stack 'prod' not found" in unknown.output and "dev, qa" in unknown.output


# ------------------------------------------------------------------------------------------------- console script

def script(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    clean.update({"AWS_EC2_METADATA_DISABLED": "true", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
                  "AWS_CONFIG_FILE": "/nonexistent/config"}, **(env or {}))
    return subprocess.run([str(console_script()), *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=60)


@pytest.fixture
def installed():
    """The console script, once llmops_iac/cli.py registers these commands (its last line calls register)."""
    probe = script("cost", "--help")
    if probe.returncode == EXIT_INPUT and "No such command" in probe.stderr:
        pytest.skip("llmops_iac/cli.py does not call llmops_iac.cli_cost.register(cli) yet")
    assert probe.returncode == 0, probe.stderr


def test_console_script_cost_diff_and_preflight(installed, tmp_path):
    spec = tmp_path / "app.yaml"
    spec.write_text(MISFIT)
    misfit = script("cost", str(spec))
    assert misfit.returncode == EXIT_FINDINGS and "Traceback" not in misfit.stderr
    assert f"{shown(spec)}:11:21: error[gpu-misfit]" in misfit.stdout
    ok = script("cost", "examples/minimal.yaml", "--format", "json")
    assert ok.returncode == EXIT_OK and json.loads(ok.stdout)["app"] == "hello-llm"
    diff = script("diff", "examples/minimal.yaml", "examples/minimal.yaml")
    assert diff.returncode == EXIT_OK and "0 to add, 0 to change, 0 to replace, 0 to remove" in diff.stdout
    live = script("cost", "examples/minimal.yaml", "--live-prices")
    assert live.returncode == EXIT_INPUT and "--live-prices needs AWS credentials" in live.stderr
    preflight = script("preflight", "--stack", "prod", "--endpoint-url", "http://127.0.0.1:9")
    assert preflight.returncode == EXIT_INPUT and "preflight needs AWS credentials" in preflight.stderr
    assert "Traceback" not in preflight.stderr


# ------------------------------------------------------------------------------------------------- --stack applies to its spec

@pytest.mark.parametrize("args", [
    ("cost", str(EXAMPLES / "self-hosted-llama.yaml"), "--stack", "prod"),
    ("diff", "--base", "HEAD", str(EXAMPLES / "self-hosted-llama.yaml"), "--stack", "prod"),
    ("preflight", str(EXAMPLES / "self-hosted-llama.yaml"), "--stack", "prod"),
    ("verify", str(EXAMPLES / "self-hosted-llama.yaml"), "--stack", "prod"),
], ids=["cost", "diff", "preflight", "verify"])
def test_a_stack_that_deploys_another_spec_is_refused(run, monkeypatch, args):
    """stacks/Pulumi.prod.yaml deploys the support assistant: its region and environment were applied to the
    self-hosted spec (cost exited 0 with a number for a deploy that never happens); check and plan refuse it."""
    monkeypatch.chdir(ROOT)
    result = run(*args)
    assert result.exit_code == EXIT_INPUT, result.output
    assert "deploys examples/support-assistant.yaml, not examples/self-hosted-llama.yaml" in result.output
