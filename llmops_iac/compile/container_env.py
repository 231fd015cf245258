"""The environment of a SageMaker serving container: what llmops-iac sets from the spec.

``environment`` writes the variables each serving framework reads for the model, its revision, its
quantization or data type, its GPUs, its context length and its concurrency. Every variable it writes is
reserved (llmops_iac/spec/container_keys.py): a spec's container.environment may not set it, and
``with_extra`` lets the compiler's values win over anything a spec adds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmops_iac.spec.container_keys import RESERVED, refusal  # noqa: F401 - re-exported for the compiler

if TYPE_CHECKING:
    from llmops_iac.spec.model import SageMakerModel

_QUANTIZE_TGI = {"int8": "bitsandbytes", "fp8": "fp8", "awq": "awq", "gptq": "gptq"}
_QUANTIZE_LMI = {"int8": "bitsandbytes8", "fp8": "fp8", "awq": "awq", "gptq": "gptq"}
_QUANTIZE_VLLM = {"int8": "bitsandbytes", "fp8": "fp8", "awq": "awq", "gptq": "gptq"}
_DTYPE = {"bf16": ("bfloat16", "bf16"), "fp16": ("float16", "fp16")}


def environment(framework_key: str, model: "SageMakerModel", variant: dict[str, Any], gpus: int) -> dict[str, str]:
    """The variables llmops-iac sets for one variant's container (every one of them is in RESERVED)."""
    model_id = "/opt/ml/model" if variant.get("modelDataUrl") else variant["modelId"]
    quant = variant["quantization"]
    tp = model.tensor_parallel_degree or max(gpus, 1)
    revision = variant.get("revision") if not variant.get("modelDataUrl") else None
    env: dict[str, str]
    if framework_key == "huggingface-llm":
        env = {"HF_MODEL_ID": model_id, "SM_NUM_GPUS": str(tp),
               "MAX_INPUT_TOKENS": str(model.max_context_tokens - 1), "MAX_TOTAL_TOKENS": str(model.max_context_tokens),
               "MAX_CONCURRENT_REQUESTS": str(model.max_concurrent_requests)}
        if quant != "none":
            env["HF_MODEL_QUANTIZE"] = _QUANTIZE_TGI[quant]
        else:
            env["DTYPE"] = _DTYPE[model.dtype][0]
        if revision:
            env["HF_MODEL_REVISION"] = revision
    elif framework_key == "djl-lmi":
        env = {"HF_MODEL_ID": model_id, "OPTION_TENSOR_PARALLEL_DEGREE": str(tp),
               "OPTION_MAX_MODEL_LEN": str(model.max_context_tokens),
               "OPTION_MAX_ROLLING_BATCH_SIZE": str(model.max_concurrent_requests),
               "OPTION_ROLLING_BATCH": "auto"}
        if quant != "none":
            env["OPTION_QUANTIZE"] = _QUANTIZE_LMI[quant]
        else:
            env["OPTION_DTYPE"] = _DTYPE[model.dtype][1]
        if revision:
            env["OPTION_REVISION"] = revision
    elif framework_key == "vllm":
        env = {"SM_VLLM_MODEL": model_id, "SM_VLLM_TENSOR_PARALLEL_SIZE": str(tp),
               "SM_VLLM_MAX_MODEL_LEN": str(model.max_context_tokens), "SM_VLLM_MAX_NUM_SEQS": str(model.max_concurrent_requests)}
        if quant != "none":
            env["SM_VLLM_QUANTIZATION"] = _QUANTIZE_VLLM[quant]
        else:
            env["SM_VLLM_DTYPE"] = _DTYPE[model.dtype][0]
        if revision:
            env["SM_VLLM_REVISION"] = revision
    else:  # text embeddings inference
        env = embedding_environment(model_id, revision)
    return env


def embedding_environment(model_id: str, revision: str | None) -> dict[str, str]:
    """The variables of a Text Embeddings Inference container."""
    return {"HF_MODEL_ID": model_id, **({"HF_MODEL_REVISION": revision} if revision else {})}


def with_extra(own: dict[str, str], extra: dict[str, str] | None) -> dict[str, str]:
    """``own`` (the compiler's variables) with the spec's extra ones, the compiler's last: an extra key never wins."""
    return dict(sorted({**(extra or {}), **own}.items()))
