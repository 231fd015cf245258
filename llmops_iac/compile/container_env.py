"""The environment of a SageMaker serving container: what llmops-iac sets from the spec, and what a spec may not.

``environment`` writes the variables each serving framework reads for the model, its revision, its
quantization or data type, its GPUs, its context length and its concurrency. ``RESERVED`` lists every
variable that chooses one of those in any framework llmops-iac deploys - the ones ``environment`` writes,
their aliases, and the ones that load other weights (adapters, draft models, another tokenizer) or fetch
them from elsewhere (another Hub endpoint, a download directory, S3). ``refusal`` is the single
judgement of a ``container.environment`` key: validation reports it at the key's line, and the compiler
refuses it too, so nothing a spec adds can serve other weights than the ones it names and the policies
judge. A key of another framework is refused as well: a container version may read it, and what a spec
serves must not depend on which container reads which variable.

The containers compare names as follows, and ``refusal`` does at least as much: TGI and TEI read exact
names; LMI turns ``OPTION_<NAME>`` into ``option.<name>`` (lower case) and passes engine options on to
vLLM; the vLLM container turns every ``SM_VLLM_<NAME>`` into ``--<name>`` (lower case, dashes) for
argparse, which also takes an unambiguous prefix of an option (``--rev`` is ``--revision``). Names are
compared upper-cased, and an ``SM_VLLM_`` name that is a prefix of a reserved one is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmops_iac.spec.model import SageMakerModel

_QUANTIZE_TGI = {"int8": "bitsandbytes", "fp8": "fp8", "awq": "awq", "gptq": "gptq"}
_QUANTIZE_LMI = {"int8": "bitsandbytes8", "fp8": "fp8", "awq": "awq", "gptq": "gptq"}
_QUANTIZE_VLLM = {"int8": "bitsandbytes", "fp8": "fp8", "awq": "awq", "gptq": "gptq"}
_DTYPE = {"bf16": ("bfloat16", "bf16"), "fp16": ("float16", "fp16")}

# What a reserved key sets, and the spec field that sets it instead.
_MODEL = ("the model served", "modelId")
_EXTRA_WEIGHTS = ("weights loaded next to the model (adapters, a draft model, another tokenizer or config)", "modelId")
_REVISION = ("the revision of the weights", "revision")
_SOURCE = ("where the weights are downloaded from", "modelDataUrl")
_QUANTIZATION = ("the quantization", "quantization")
_DTYPE_SET = ("the data type of the weights", "dtype")
_GPUS = ("the number of GPUs the model is sharded over", "tensorParallelDegree")
_CONTEXT = ("the context length", "maxContextTokens")
_CONCURRENCY = ("the number of concurrent requests", "maxConcurrentRequests")
_ENGINE = ("the serving engine and its handler code", "container.framework")

# vLLM engine arguments: the vLLM container reads them as SM_VLLM_<NAME>, LMI as OPTION_<NAME>.
_ENGINE_ARGUMENTS = {
    "MODEL": _MODEL, "TOKENIZER": _EXTRA_WEIGHTS, "HF_CONFIG_PATH": _EXTRA_WEIGHTS, "HF_OVERRIDES": _EXTRA_WEIGHTS,
    "LORA_MODULES": _EXTRA_WEIGHTS, "SPECULATIVE_MODEL": _EXTRA_WEIGHTS, "SPECULATIVE_CONFIG": _EXTRA_WEIGHTS,
    "REVISION": _REVISION, "TOKENIZER_REVISION": _REVISION, "CODE_REVISION": _REVISION,
    "DOWNLOAD_DIR": _SOURCE, "LOAD_FORMAT": _SOURCE,
    "QUANTIZATION": _QUANTIZATION, "DTYPE": _DTYPE_SET, "TENSOR_PARALLEL_SIZE": _GPUS,
    "MAX_MODEL_LEN": _CONTEXT, "MAX_NUM_SEQS": _CONCURRENCY,
}

RESERVED: dict[str, tuple[str, str]] = {
    # Hugging Face TGI and TEI (the SageMaker entrypoint maps HF_MODEL_* to the launcher's names), and the
    # AWS vLLM and LMI containers, which take HF_MODEL_ID too.
    "HF_MODEL_ID": _MODEL, "MODEL_ID": _MODEL, "HF_BASE_MODEL_ID": _MODEL, "BASE_MODEL_ID": _MODEL,
    "LORA_ADAPTERS": _EXTRA_WEIGHTS,
    "HF_MODEL_REVISION": _REVISION, "REVISION": _REVISION,
    "HF_ENDPOINT": _SOURCE, "WEIGHTS_CACHE_OVERRIDE": _SOURCE,
    "HF_MODEL_QUANTIZE": _QUANTIZATION, "QUANTIZE": _QUANTIZATION,
    "DTYPE": _DTYPE_SET,
    "SM_NUM_GPUS": _GPUS, "NUM_SHARD": _GPUS, "SHARDED": _GPUS,
    "MAX_INPUT_TOKENS": _CONTEXT, "MAX_INPUT_LENGTH": _CONTEXT, "MAX_TOTAL_TOKENS": _CONTEXT,
    "MAX_CONCURRENT_REQUESTS": _CONCURRENCY,
    # DJL LMI
    "OPTION_MODEL_ID": _MODEL, "OPTION_SPECULATIVE_DRAFT_MODEL": _EXTRA_WEIGHTS,
    "OPTION_S3URL": _SOURCE, "SERVING_LOAD_MODELS": _SOURCE,
    "OPTION_QUANTIZE": _QUANTIZATION,
    "OPTION_TENSOR_PARALLEL_DEGREE": _GPUS, "TENSOR_PARALLEL_DEGREE": _GPUS,
    "OPTION_MAX_ROLLING_BATCH_SIZE": _CONCURRENCY,
    "OPTION_ROLLING_BATCH": _ENGINE, "OPTION_ENTRYPOINT": _ENGINE,
    # vLLM (SM_VLLM_*) and LMI (OPTION_*) engine arguments
    **{f"{prefix}{name}": what for name, what in _ENGINE_ARGUMENTS.items() for prefix in ("SM_VLLM_", "OPTION_")},
}

_VLLM_PREFIX = "SM_VLLM_"
_VLLM_RESERVED = sorted(k for k in RESERVED if k.startswith(_VLLM_PREFIX))


def refusal(key: str) -> tuple[str, str] | None:
    """(message, hint) when ``key`` may not be set in a container.environment, else None."""
    name = key.upper()
    what = RESERVED.get(name)
    if what is None and name.startswith(_VLLM_PREFIX):
        # argparse takes a prefix of an option: --rev is --revision (and a prefix of two options is an error anyway)
        what = next((RESERVED[r] for r in _VLLM_RESERVED if r.startswith(name)), None)
    if what is None:
        return None
    thing, field = what
    return (f"container.environment sets {key}, which chooses {thing}: llmops-iac sets it from the spec, "
            "so the Plan, its policies and its cost describe the model that is served",
            f"remove {key}; set {field} instead")


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
