"""container_env: the one list of container variables a spec may not set is the list the compiler sets (and more)."""

from __future__ import annotations

import itertools

import pytest

from llmops_iac.compile import compile_spec, container_env
from llmops_iac.compile import tokens as T
from llmops_iac.spec.validate import load_spec

COMMIT = "5f0b02c75b57c5855da9ae460ce51323ea669d8a"
FRAMEWORKS = {"tgi": "ml.g5.12xlarge", "lmi": "ml.g5.12xlarge", "vllm": "ml.g5.12xlarge", "tei": "ml.g5.xlarge"}
CASES = list(itertools.product(FRAMEWORKS, ["none", "int8"], ["hub", "s3"]))


def compiled_environments(tmp_path, framework: str, quantization: str, weights: str) -> list[dict[str, str]]:
    source = f"      revision: {COMMIT}\n" + (f"      modelDataUrl: s3://acme-models/llama/{COMMIT}/\n" if weights == "s3" else "")
    text = ("apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: env\nspec:\n  models:\n    m:\n"
            "      provider: sagemaker\n      modelId: meta-llama/Meta-Llama-3-8B-Instruct\n" + source
            + f"      container:\n        framework: {framework}\n        environment:\n          MESSAGES_API_ENABLED: 'true'\n"
            + f"      instanceType: {FRAMEWORKS[framework]}\n"
            + ("" if framework == "tei" else f"      quantization: {quantization}\n      tensorParallelDegree: 4\n"))
    path = tmp_path / "app.yaml"
    path.write_text(text)
    plan = compile_spec(load_spec(str(path)))
    return [r.inputs["primaryContainer"]["environment"] for r in plan.resources.values() if r.type == T.SM_MODEL]


@pytest.mark.parametrize("framework,quantization,weights", CASES, ids=["-".join(c) for c in CASES])
def test_every_variable_the_compiler_sets_is_reserved(tmp_path, framework, quantization, weights):
    [env] = compiled_environments(tmp_path, framework, quantization, weights)
    own = set(env) - {"MESSAGES_API_ENABLED"}
    assert own and own <= set(container_env.RESERVED)
    assert all(container_env.refusal(key) for key in own)
    assert env["MESSAGES_API_ENABLED"] == "true"
    # weights in S3 are read from /opt/ml/model: the container gets no Hub revision to follow
    assert (COMMIT in env.values()) == (weights == "hub")


def test_the_compilers_values_win_over_extra_ones():
    env = container_env.with_extra({"HF_MODEL_ID": "meta-llama/Meta-Llama-3-8B-Instruct"},
                                   {"HF_MODEL_ID": "evil-org/backdoored-llama", "MESSAGES_API_ENABLED": "true"})
    assert env == {"HF_MODEL_ID": "meta-llama/Meta-Llama-3-8B-Instruct", "MESSAGES_API_ENABLED": "true"}
    assert list(env) == sorted(env)


@pytest.mark.parametrize("key", ["hf_model_id", "Option_Model_Id", "sm_vllm_model", "SM_VLLM_REV", "SM_VLLM_TOKENIZER_REV",
                                 "SM_VLLM_MAX_MODEL", "SM_VLLM_DOWNLOAD", "OPTION_SPECULATIVE_CONFIG", "OPTION_LORA_MODULES"])
def test_names_are_compared_as_the_containers_compare_them(key):
    message, hint = container_env.refusal(key)
    assert key in message and hint.startswith(f"remove {key}; set ")


@pytest.mark.parametrize("key", ["MESSAGES_API_ENABLED", "SM_VLLM_ENABLE_PREFIX_CACHING", "SM_VLLM_REVISIONS",
                                 "OPTION_MAX_NEW_TOKENS", "MAX_BATCH_PREFILL_TOKENS", "HF_MODEL_ID_NOTE", "FOO_REVISION"])
def test_other_names_are_left_to_the_spec(key):
    assert container_env.refusal(key) is None


def test_every_reserved_key_names_a_spec_field():
    fields = {field for _, field in container_env.RESERVED.values()}
    assert fields == {"modelId", "revision", "modelDataUrl", "quantization", "dtype", "tensorParallelDegree",
                      "maxContextTokens", "maxConcurrentRequests", "container.framework"}
