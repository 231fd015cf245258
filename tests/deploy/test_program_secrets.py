"""The Pulumi program and secrets: a spec holding a credential deploys nothing (and the error masks it);
a secret reference deploys as the ARN variable and the role's grant."""

from __future__ import annotations

import json
import random
import string

import pulumi
import pytest

from llmops_iac.compile import compile_spec
from llmops_iac.deploy import program
from llmops_iac.spec.validate import load_spec
from tests.compile.test_secret_refs import SM_ARN, SPEC
from tests.deploy.conftest import assert_plan_deployed, install_mocks, run_program

HF_TOKEN = "hf" + "_" + "".join(random.Random(3).choice(string.ascii_letters + string.digits) for _ in range(34))


def _config(spec: str) -> dict[str, str]:
    return {"llmops-iac:spec": spec, "aws:region": "us-east-1", "llmops-iac:environment": "dev"}


def test_the_program_refuses_a_spec_that_holds_a_credential(tmp_path):
    (tmp_path / "llmapp.yaml").write_text(SPEC.replace("{secret: hf-token}", HF_TOKEN), encoding="utf-8")
    mocks = install_mocks(stack="dev", config=_config("llmapp.yaml"))
    with pytest.raises(pulumi.RunError) as info:
        run_program(lambda: program.main(project_dir=tmp_path))
    message = str(info.value)
    assert "llmapp.yaml:13" in message and "error[secret]" in message and HF_TOKEN not in message
    assert HF_TOKEN[:4] + "****" in message
    assert mocks.created == []


def test_the_program_deploys_a_secret_reference(tmp_path, sagemaker_describe):
    path = tmp_path / "llmapp.yaml"
    path.write_text(SPEC, encoding="utf-8")
    plan = compile_spec(load_spec(str(path), environment="dev")).to_data()
    mocks = install_mocks(stack="dev", config=_config("llmapp.yaml"))
    exports = run_program(lambda: program.main(project_dir=tmp_path, describe=sagemaker_describe))
    assert_plan_deployed(plan, mocks, exports)
    model = next(a for a in mocks.created if a.typ == "aws:sagemaker/model:Model")
    assert model.inputs["primaryContainer"]["environment"]["HF_TOKEN_SECRET_ARN"] == SM_ARN
    policy = next(a for a in mocks.created if a.name == "sagemaker-execution-role-policy").inputs["policy"]
    assert {"Sid": "ReadSecretHfToken", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
            "Resource": SM_ARN} in json.loads(policy)["Statement"]
