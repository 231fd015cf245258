"""A SageMaker container's extra environment may not replace what the compiler sets from the spec.

The compiler chooses the model, its revision, where its weights come from and how they are served
(HF_MODEL_ID, SM_VLLM_MODEL, OPTION_REVISION, SM_NUM_GPUS...). A key in container.environment that a
serving container reads for one of those - in any framework llmops-iac deploys, not only the model's -
is an input error at the key's file:line, in the base spec and in every environment's overrides.
"""

from __future__ import annotations

import pytest

from llmops_iac.compile import compile_spec
from llmops_iac.compile import tokens as T
from llmops_iac.errors import SpecError
from llmops_iac.spec import references
from llmops_iac.spec.validate import load_spec

COMMIT = "5f0b02c75b57c5855da9ae460ce51323ea669d8a"


def spec(framework: str = "tgi", environment: dict[str, str] | None = None, overrides: str = "") -> str:
    lines = [
        "apiVersion: llmops-iac/v1",
        "kind: LLMApplication",
        "metadata:",
        "  name: supply",
        "spec:",
        "  models:",
        "    llama:",
        "      provider: sagemaker",
        "      modelId: meta-llama/Meta-Llama-3-8B-Instruct",
        f"      revision: {COMMIT}",
        "      container:",
        f"        framework: {framework}",
    ]
    if environment:
        lines.append("        environment:")
        lines += [f"          {key}: '{value}'" for key, value in environment.items()]
    lines.append("      instanceType: " + ("ml.g5.xlarge" if framework == "tei" else "ml.g5.2xlarge"))
    return "\n".join(lines) + "\n" + overrides


def load(tmp_path, text: str, **kwargs):
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return load_spec(str(path), **kwargs)


def diagnostics(tmp_path, text: str, **kwargs):
    with pytest.raises(SpecError) as err:
        load(tmp_path, text, **kwargs)
    return err.value.diagnostics


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_backdoored_model_id_is_an_input_error_at_its_line(tmp_path):
    text = spec("tgi", {"HF_MODEL_ID": "evil-org/backdoored-llama"})
    [d] = diagnostics(tmp_path, text)
    assert (d.line, d.code, d.pointer) == (line_of(text, "HF_MODEL_ID"), "reserved-key", "/spec/models/llama/container/environment/HF_MODEL_ID")
    assert "HF_MODEL_ID" in d.message and "the model" in d.message
    assert "set modelId" in d.hint


# (framework of the model, key, the spec field the hint names): the model's own keys, other frameworks'
# keys for the same thing, the serving variables the compiler sets, aliases the containers also read.
CASES = [
    ("tgi", "HF_MODEL_REVISION", "revision"),
    ("tgi", "REVISION", "revision"),
    ("tgi", "MODEL_ID", "modelId"),
    ("tgi", "OPTION_MODEL_ID", "modelId"),       # LMI's key on a TGI container
    ("tgi", "SM_VLLM_MODEL", "modelId"),         # vLLM's key on a TGI container
    ("lmi", "HF_MODEL_ID", "modelId"),
    ("lmi", "OPTION_REVISION", "revision"),
    ("lmi", "OPTION_S3URL", "modelDataUrl"),
    ("lmi", "SERVING_LOAD_MODELS", "modelDataUrl"),
    ("lmi", "TENSOR_PARALLEL_DEGREE", "tensorParallelDegree"),
    ("lmi", "OPTION_DTYPE", "dtype"),
    ("vllm", "HF_MODEL_ID", "modelId"),          # the AWS vLLM container falls back to it
    ("vllm", "SM_VLLM_REVISION", "revision"),
    ("vllm", "SM_VLLM_REV", "revision"),         # argparse takes an unambiguous prefix of --revision
    ("vllm", "SM_VLLM_TOKENIZER", "modelId"),
    ("vllm", "SM_VLLM_DOWNLOAD_DIR", "modelDataUrl"),
    ("vllm", "SM_VLLM_MAX_MODEL_LEN", "maxContextTokens"),
    ("tei", "HF_MODEL_QUANTIZE", "quantization"),
    ("tgi", "HF_ENDPOINT", "modelDataUrl"),      # another Hub serves other bytes under the same id and commit
    ("tgi", "LORA_ADAPTERS", "modelId"),
    ("tgi", "SM_NUM_GPUS", "tensorParallelDegree"),
    ("tgi", "MAX_INPUT_LENGTH", "maxContextTokens"),
    ("tgi", "MAX_TOTAL_TOKENS", "maxContextTokens"),
    ("tgi", "MAX_CONCURRENT_REQUESTS", "maxConcurrentRequests"),
    ("tgi", "DTYPE", "dtype"),
]


@pytest.mark.parametrize("framework,key,field", CASES, ids=[f"{f}-{k}" for f, k, _ in CASES])
def test_keys_that_choose_the_model_or_how_it_is_served_are_refused(tmp_path, framework, key, field):
    text = spec(framework, {"MESSAGES_API_ENABLED": "true", key: "x"})
    [d] = diagnostics(tmp_path, text)
    assert d.line == line_of(text, f"{key}:") and d.code == "reserved-key"
    assert f"set {field}" in d.hint


@pytest.mark.parametrize("key", ["MESSAGES_API_ENABLED", "FOO_REVISION", "MAX_BATCH_PREFILL_TOKENS",
                                 "SM_VLLM_ENABLE_PREFIX_CACHING", "OPTION_MAX_NEW_TOKENS", "HF_HUB_ENABLE_HF_TRANSFER"])
def test_tuning_keys_stay_allowed(tmp_path, key):
    loaded = load(tmp_path, spec("vllm" if key.startswith("SM_VLLM") else "tgi", {key: "1"}))
    assert loaded.spec.spec.models["llama"].container.environment[key] == "1"


def test_an_environment_override_is_refused_at_the_override_line(tmp_path):
    overrides = """\
  environments:
    staging:
      tier: staging
    prod:
      tier: production
      models:
        llama:
          container:
            environment:
              HF_MODEL_ID: evil-org/backdoored-llama
"""
    text = spec("tgi", {"MESSAGES_API_ENABLED": "true"}, overrides)
    line = line_of(text, "evil-org")
    # checked when the environment is selected, and when the base spec is loaded (every environment is checked)
    for kwargs in ({"environment": "prod"}, {}):
        [d] = diagnostics(tmp_path, text, **kwargs)
        assert (d.line, d.code) == (line, "reserved-key") and "set modelId" in d.hint
    assert load(tmp_path, text, environment="staging").environment == "staging"


def test_the_compiler_refuses_what_validation_missed(tmp_path, monkeypatch):
    """Defence in depth: were validation to let a reserved key through, the compiler still refuses it."""
    text = spec("lmi", {"OPTION_MODEL_ID": "evil-org/backdoored-llama"})
    monkeypatch.setattr(references, "check", lambda *args, **kwargs: [])
    loaded = load(tmp_path, text)
    with pytest.raises(SpecError) as err:
        compile_spec(loaded)
    [d] = err.value.diagnostics
    assert d.line == line_of(text, "OPTION_MODEL_ID") and "OPTION_MODEL_ID" in d.message


def test_the_compiled_environment_serves_the_spec_model(tmp_path):
    plan = compile_spec(load(tmp_path, spec("tgi", {"MESSAGES_API_ENABLED": "true"})))
    [model] = [r for r in plan.resources.values() if r.type == T.SM_MODEL]
    env = model.inputs["primaryContainer"]["environment"]
    assert env["HF_MODEL_ID"] == "meta-llama/Meta-Llama-3-8B-Instruct" and env["HF_MODEL_REVISION"] == COMMIT
    assert env["MESSAGES_API_ENABLED"] == "true" and "LLMOPS_IAC_OVERRIDDEN" not in env
