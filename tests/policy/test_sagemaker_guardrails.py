"""A SageMaker invocation path counts as guarded only when the platform enforces the guardrail.

Bedrock applies a guardrail to InvokeModel/Converse only when the request names it, and the invoke
role forces that (IAM condition bedrock:GuardrailIdentifier). sagemaker:InvokeEndpoint never passes a
Bedrock guardrail: the application must call bedrock:ApplyGuardrail on every prompt and response.
Before this change a SageMaker model listed in a guardrail's appliesTo.models counted as guarded
(LLM-GRD-001 passed, exit 0); now it is an LLM-GRD-001 error naming the path, until the spec declares
``guardrailEnforcement: application``, which turns it into an LLM-GRD-007 note that still names it.
"""

from __future__ import annotations

import json

import pytest

from llmops_iac.compile import compile_spec
from llmops_iac.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES

SPEC = """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: helpdesk
  owner: team@example.com
  costCenter: cc-1
  description: An IT helpdesk assistant.
spec:
  environments:
    {environment}: {{tier: {tier}}}
  models:
    llama:
      provider: sagemaker
      modelId: meta-llama/Meta-Llama-3-8B-Instruct
      revision: 5f0b02c75b57c5855da9ae460ce51323ea669d8a
      instanceType: ml.g5.2xlarge
      container: {{framework: tgi, version: 2.4.0}}
{extra}  guardrails:
    helpdesk-guard:
      appliesTo: {{models: [llama]}}
"""


def _write(tmp_path, environment="prod", tier="production", extra=""):
    path = tmp_path / "app.yaml"
    path.write_text(SPEC.format(environment=environment, tier=tier, extra=extra), encoding="utf-8")
    return str(path)


def _findings(invoke, path, rule):
    result = invoke("check", path, "--format", "json")
    files = json.loads(result.output)["files"]
    return result, [f for file in files for f in file["policy"]["findings"] if f["ruleId"] == rule]


@pytest.mark.parametrize("environment,tier", [("prod", "production"), ("stage", "staging"), ("dev", "development")])
def test_a_guardrail_sagemaker_does_not_apply_is_an_error_in_every_tier(invoke, tmp_path, environment, tier):
    result, [finding] = _findings(invoke, _write(tmp_path, environment, tier), "LLM-GRD-001")
    assert result.exit_code == EXIT_FINDINGS
    assert finding["severity"] == "error" and finding["resource"] == "endpoint-llama"
    message = finding["message"]
    # the path: the endpoint's name, the action and the role that invokes it; what the application must do
    assert f"endpoint helpdesk-{environment}-llama" in message
    assert "sagemaker:InvokeEndpoint" in message and f"role helpdesk-{environment}-invoke" in message
    assert "guardrail helpdesk-guard is not applied by the platform" in message
    assert "the application must call bedrock:ApplyGuardrail" in message and "on every prompt and response" in message
    assert "guardrail.helpdesk-guard.id" in message  # where to find the guardrail's ID after deploy
    assert "guardrailEnforcement: application" in message


def test_declaring_application_enforcement_turns_the_error_into_a_note_that_names_the_path(invoke, tmp_path):
    path = _write(tmp_path, extra="      guardrailEnforcement: application\n")
    _, grd1 = _findings(invoke, path, "LLM-GRD-001")
    assert grd1 == []  # (the spec fails other production rules; the example below passes them all)
    _, [note] = _findings(invoke, path, "LLM-GRD-007")
    assert note["severity"] == "note" and note["resource"] == "endpoint-llama"
    assert "endpoint helpdesk-prod-llama" in note["message"] and "sagemaker:InvokeEndpoint" in note["message"]
    assert "bedrock:ApplyGuardrail" in note["message"] and "role helpdesk-prod-invoke" in note["message"]
    declared = next(i for i, row in enumerate(open(path, encoding="utf-8"), 1)
                    if row.strip() == "guardrailEnforcement: application")
    assert note["line"] == declared  # the field the note is about


def test_the_declaration_does_not_guard_a_model_no_guardrail_applies_to(invoke, tmp_path):
    path = _write(tmp_path, extra="      guardrailEnforcement: application\n")
    text = open(path, encoding="utf-8").read().replace("appliesTo: {models: [llama]}", "appliesTo: {models: []}")
    open(path, "w", encoding="utf-8").write(text)
    result, [finding] = _findings(invoke, path, "LLM-GRD-001")
    assert result.exit_code == EXIT_FINDINGS and finding["message"] == "model llama can be invoked without a guardrail"


def test_the_declaration_is_for_sagemaker_models_only(invoke, tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text("""\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata: {name: demo}
spec:
  models:
    chat:
      provider: bedrock
      modelId: anthropic.claude-3-haiku-20240307-v1:0
      guardrailEnforcement: application
""", encoding="utf-8")
    result = invoke("validate", str(path))
    assert result.exit_code == EXIT_INPUT and "guardrailEnforcement" in result.output


def test_the_invoke_role_may_apply_the_guardrail_of_every_endpoint_it_invokes(tmp_path):
    """The compiler's guarantee the rule checks: the role that may call InvokeEndpoint may call ApplyGuardrail on it."""
    plan = compile_spec(load_spec(_write(tmp_path, extra="      guardrailEnforcement: application\n"),
                                  environment="prod")).to_data()
    [policy] = [r for r in plan["resources"] if r["name"] == "app-invoke-role-policy"]
    statements = policy["inputs"]["policy"]["fn::toJSON"]["Statement"]
    apply = [s for s in statements if s["Action"] == "bedrock:ApplyGuardrail"]
    assert apply and {"ref": "guardrail-helpdesk-guard", "attr": "guardrailArn"} in apply[0]["Resource"]
    [endpoint] = [r for r in plan["resources"] if r["name"] == "endpoint-llama"]
    assert endpoint["meta"]["guardrailEnforcement"] == "application"


def test_the_self_hosted_example_declares_it_and_passes_in_production(invoke):
    path = str(EXAMPLES / "self-hosted-llama.yaml")
    result, notes = _findings(invoke, path, "LLM-GRD-007")
    assert result.exit_code == EXIT_OK, result.output
    assert {n["severity"] for n in notes} == {"note"} and len(notes) == 2  # dev and prod, each naming its endpoint
    assert {"it-helpdesk-llama-prod-llama3-8b", "it-helpdesk-llama-dev-llama3-8b"} == {
        n["message"].split()[1] for n in notes}
