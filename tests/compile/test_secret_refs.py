"""spec.secrets and {secret: <name>}: the right way to give a container a credential (issue #12, section 4).

A reference compiles to <VARIABLE>_SECRET_ARN in the container and read access for the SageMaker
execution role to exactly the referenced secrets; a wrong ARN, an unknown name or a clash is exit 2.
"""

from __future__ import annotations

import json

import pytest

from llmops_iac.compile import compile_spec
from llmops_iac.errors import SpecError
from llmops_iac.spec.validate import load_spec

SM_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/hf-token-AbC123"
SSM_ARN = "arn:aws:ssm:us-east-1:123456789012:parameter/prod/vendor/api-key"
KMS_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

SPEC = f"""\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: gated-llama
spec:
  models:
    llama:
      provider: sagemaker
      modelId: meta-llama/Meta-Llama-3-8B-Instruct
      revision: 5f0b02c75b57c5855da9ae460ce51323ea669d8a
      container:
        environment:
          HF_TOKEN: {{secret: hf-token}}
          VENDOR_API_KEY: {{secret: vendor-key}}
          MESSAGES_API_ENABLED: 'true'
  secrets:
    hf-token:
      arn: {SM_ARN}
      kmsKeyArn: {KMS_ARN}
      description: Hugging Face read token for the gated weights.
    vendor-key:
      arn: {SSM_ARN}
    unused:
      arn: arn:aws:ssm:us-east-1:123456789012:parameter/prod/unused
"""


def _load(tmp_path, text: str, environment: str | None = None):
    path = tmp_path / "llmapp.yaml"
    path.write_text(text, encoding="utf-8")
    return load_spec(str(path), environment=environment)


def _statements(plan) -> list[dict]:
    policy = plan.get("sagemaker-execution-role-policy").inputs["policy"]
    return policy["fn::toJSON"]["Statement"]


def test_a_reference_becomes_the_arn_variable_and_exact_read_access(tmp_path):
    plan = compile_spec(_load(tmp_path, SPEC))
    model = next(r for r in plan.resources.values() if r.type == "aws:sagemaker/model:Model")
    env = model.inputs["primaryContainer"]["environment"]
    assert env["HF_TOKEN_SECRET_ARN"] == SM_ARN and env["VENDOR_API_KEY_SECRET_ARN"] == SSM_ARN
    assert "HF_TOKEN" not in env and "VENDOR_API_KEY" not in env and env["MESSAGES_API_ENABLED"] == "true"
    secret = [s for s in _statements(plan) if "Secret" in s["Sid"]]
    assert secret == [
        {"Sid": "ReadSecretHfToken", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SM_ARN},
        {"Sid": "DecryptSecretHfToken", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KMS_ARN,
         "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com",
                                        "kms:EncryptionContext:SecretARN": SM_ARN}}},
        {"Sid": "ReadSecretVendorKey", "Effect": "Allow", "Action": "ssm:GetParameter", "Resource": SSM_ARN},
    ]  # the unused secret gets nothing; no wildcard anywhere
    assert "*" not in json.dumps(secret)


def test_an_ssm_parameter_with_its_own_key_is_decrypted_through_ssm_only(tmp_path):
    text = SPEC.replace(f"      arn: {SSM_ARN}\n", f"      arn: {SSM_ARN}\n      kmsKeyArn: {KMS_ARN}\n")
    decrypt = [s for s in _statements(compile_spec(_load(tmp_path, text))) if s["Sid"] == "DecryptSecretVendorKey"]
    assert decrypt[0]["Condition"] == {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com",
                                                        "kms:EncryptionContext:PARAMETER_ARN": SSM_ARN}}


def test_no_reference_no_grant(tmp_path):
    text = SPEC.replace("          HF_TOKEN: {secret: hf-token}\n", "").replace("          VENDOR_API_KEY: {secret: vendor-key}\n", "")
    assert not [s for s in _statements(compile_spec(_load(tmp_path, text))) if "Secret" in s["Sid"]]


def test_an_environment_points_at_its_own_secret(tmp_path):
    prod_arn = "arn:aws:secretsmanager:eu-west-1:210987654321:secret:prod/hf-token-XyZ789"
    text = SPEC + f"  environments:\n    prod:\n      secrets:\n        hf-token:\n          arn: {prod_arn}\n          kmsKeyArn: null\n"
    plan = compile_spec(_load(tmp_path, text, "prod"))
    assert {"Sid": "ReadSecretHfToken", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
            "Resource": prod_arn} in _statements(plan)
    assert not [s for s in _statements(plan) if s["Sid"] == "DecryptSecretHfToken"]


def _errors(tmp_path, text: str) -> list:
    with pytest.raises(SpecError) as exc:
        _load(tmp_path, text)
    return exc.value.diagnostics


def test_an_unknown_secret_name_is_an_error_with_did_you_mean(tmp_path):
    [d] = _errors(tmp_path, SPEC.replace("{secret: hf-token}", "{secret: hf-tokn}"))
    assert (d.code, d.line) == ("unknown-reference", 13) and "'hf-token'" in d.hint


def test_a_reference_without_any_secret_declared(tmp_path):
    text = SPEC.split("  secrets:\n")[0].replace("          VENDOR_API_KEY: {secret: vendor-key}\n", "")
    [d] = _errors(tmp_path, text)
    assert d.code == "unknown-reference" and d.hint == "declare it under spec.secrets"


@pytest.mark.parametrize("arn,why", [
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/hf-token", "partial ARN: no random suffix"),
    ("arn:aws:secretsmanager:us-east-1:12345678901:secret:prod/hf-token-AbC123", "11-digit account"),
    ("arn:aws:ssm:us-east-1:123456789012:parameter//prod/x", "double slash"),
    ("arn:aws:s3:::bucket/key", "another service"),
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:*", "a wildcard"),
    ("prod/hf-token", "a name, not an ARN"),
])
def test_a_secret_arn_must_be_a_full_secrets_manager_or_ssm_arn(tmp_path, arn, why):
    [d] = _errors(tmp_path, SPEC.replace(SM_ARN, arn))
    assert (d.code, d.line) == ("pattern", 18), why
    assert "AWS Secrets Manager secret" in d.hint


@pytest.mark.parametrize("arn", ["arn:aws:kms:us-east-1:123456789012:alias/app", "arn:aws:kms:us-east-1:123456789012:key/*"])
def test_a_kms_key_arn_must_name_a_key(tmp_path, arn):
    [d] = _errors(tmp_path, SPEC.replace(KMS_ARN, arn))
    assert (d.code, d.line) == ("pattern", 19)


def test_the_key_must_be_in_the_secrets_region(tmp_path):
    [d] = _errors(tmp_path, SPEC.replace(KMS_ARN, KMS_ARN.replace("us-east-1", "eu-west-1")))
    assert (d.code, d.line) == ("region-mismatch", 19)


def test_the_arn_variable_may_not_be_set_by_hand(tmp_path):
    text = SPEC.replace("          MESSAGES_API_ENABLED: 'true'\n", f"          HF_TOKEN_SECRET_ARN: {SM_ARN}\n")
    [d] = _errors(tmp_path, text)
    assert (d.code, d.line) == ("duplicate-name", 13)


@pytest.mark.parametrize("value", ["{secret: hf-token, extra: 1}", "{}", "{secret: Not_A_Name}", "[hf-token]"])
def test_a_malformed_reference_is_a_schema_error(tmp_path, value):
    diags = _errors(tmp_path, SPEC.replace("{secret: hf-token}", value))
    assert diags and all(d.line == 13 for d in diags), diags
