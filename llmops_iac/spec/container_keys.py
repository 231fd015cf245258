"""The container environment keys a spec may not set: they choose the model, its weights or how they are served.

``RESERVED`` lists every variable that chooses one of those in any framework llmops-iac deploys - the ones
the compiler writes (llmops_iac/compile/container_env.py), their aliases, and the ones that load other
weights (adapters, draft models, another tokenizer) or fetch them from elsewhere (another Hub endpoint, a
download directory, S3). ``refusal`` is the single judgement of a ``container.environment`` key: validation
reports it at the key's line, and the compiler refuses it too, so nothing a spec adds can serve other
weights than the ones it names and the policies judge. A key of another framework is refused as well: a
container version may read it, and what a spec serves must not depend on which container reads which
variable.

The containers compare names as follows, and ``refusal`` does at least as much: TGI and TEI read exact
names; LMI turns ``OPTION_<NAME>`` into ``option.<name>`` (lower case) and passes engine options on to
vLLM; the vLLM container turns every ``SM_VLLM_<NAME>`` into ``--<name>`` (lower case, dashes) for
argparse, which also takes an unambiguous prefix of an option (``--rev`` is ``--revision``). Names are
compared upper-cased, and an ``SM_VLLM_`` name that is a prefix of a reserved one is refused.
"""

from __future__ import annotations

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
