"""GPU memory fit: does a SageMaker-hosted model fit the GPUs of its instance type?

What a model copy needs (decimal GB, 10^9 bytes, as AWS lists GPU memory):

``weights``
    parameters × bytes per parameter: bf16/fp16 2; int8/fp8 1; awq/gptq 0.5 (4-bit)
    plus 3 % for the quantization scales. Quantized checkpoints keep the token
    embeddings and the LM head in 16 bits: when the catalogue knows the vocabulary and
    hidden size, those parameters count at 2 bytes; otherwise 8-bit weights get +5 %
    and 4-bit weights +15 % for them.
``KV cache``
    2 (keys and values) × layers × KV heads × head dim × 2 bytes (the servers keep the
    cache in 16 bits even for quantized weights) × maxContextTokens × maxConcurrentRequests,
    the worst case the server admits. Architecture facts come from the model's Hugging
    Face config.json (the catalogue below); for a model outside the catalogue the KV
    cache per token of the catalogued model nearest in size is used and the result says so.
``runtime overhead``
    1 GB per GPU in use (CUDA context, NCCL and cuBLAS workspaces) + 10 % of the
    weights (activations and temporary buffers at the largest batch).

…against ``tensorParallelDegree`` × the per-GPU memory of the instance type
(llmops_iac/compile/instances.py; AWS's decimal figure approximates usable memory,
since drivers reserve a few hundred MB of the binary GiB). Embedding models (TEI)
need weights in fp16, no KV cache, and 1 GB of activations.

Outcomes: ``misfit`` (an error at the spec line, with alternatives: the cheapest
instance types where it fits, and cheaper quantizations, priced from the price
table; T4 (g4dn) types are never suggested for an LLM: no bf16, no FlashAttention-2),
``underused`` (the model needs < 25 % of the memory: a cost warning),
``fits``, and ``unknown`` (neither a declared parametersBillions nor a catalogued
model: a warning asking for parametersBillions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from llmops_iac.compile import instances
from llmops_iac.compile.plan import plan_data
from llmops_iac.cost.prices import PriceTable, load_prices

GB = 1e9
UNDERUSED = 0.25
KV_BYTES = 2
GPU_RUNTIME_GB = 1.0
ACTIVATIONS_SHARE = 0.10
EMBEDDER_ACTIVATIONS_GB = 1.0
_BYTES = {"none": None, "int8": 1.0, "fp8": 1.0, "awq": 0.5, "gptq": 0.5}
_DTYPE_BYTES = {"bf16": 2.0, "fp16": 2.0}
_QUANT_LABEL = {"none": "", "int8": "int8", "fp8": "FP8", "awq": "AWQ int4", "gptq": "GPTQ int4"}
_FP8_GPUS = {"L4", "L40S", "H100", "H200"}  # Ada Lovelace and Hopper have FP8 tensor cores
# T4 (g4dn) has neither bf16 nor FlashAttention-2, which TGI, LMI and vLLM rely on for LLMs: never suggested for one.
_NOT_FOR_LLMS = {"T4"}


@dataclass(frozen=True)
class Arch:
    """Facts about a model, from its Hugging Face config.json."""

    name: str
    params_b: float
    layers: int
    kv_heads: int
    head_dim: int
    hidden: int
    vocab: int
    tied_embeddings: bool
    source: str
    embedder: bool = False

    @property
    def kv_bytes_per_token(self) -> int:
        return 2 * self.layers * self.kv_heads * self.head_dim * KV_BYTES

    @property
    def embedding_params_b(self) -> float:
        return self.vocab * self.hidden * (1 if self.tied_embeddings else 2) / 1e9


def _hf(repo: str) -> str:
    return f"https://huggingface.co/{repo}/blob/main/config.json"


#: name → architecture; aliases map normalized Hub IDs to a name (see :func:`lookup`).
CATALOGUE: dict[str, Arch] = {a.name: a for a in [
    Arch("Llama-3-8B", 8.03, 32, 8, 128, 4096, 128256, False, _hf("meta-llama/Meta-Llama-3-8B")),
    Arch("Llama-3-70B", 70.55, 80, 8, 128, 8192, 128256, False, _hf("meta-llama/Meta-Llama-3-70B")),
    Arch("Llama-3.1-8B", 8.03, 32, 8, 128, 4096, 128256, False, _hf("meta-llama/Llama-3.1-8B")),
    Arch("Llama-3.1-70B", 70.55, 80, 8, 128, 8192, 128256, False, _hf("meta-llama/Llama-3.1-70B")),
    Arch("Llama-3.1-405B", 405.85, 126, 8, 128, 16384, 128256, False, _hf("meta-llama/Llama-3.1-405B")),
    Arch("Llama-3.2-1B", 1.24, 16, 8, 64, 2048, 128256, True, _hf("meta-llama/Llama-3.2-1B")),
    Arch("Llama-3.2-3B", 3.21, 28, 8, 128, 3072, 128256, True, _hf("meta-llama/Llama-3.2-3B")),
    Arch("Llama-3.3-70B", 70.55, 80, 8, 128, 8192, 128256, False, _hf("meta-llama/Llama-3.3-70B-Instruct")),
    Arch("Mistral-7B", 7.24, 32, 8, 128, 4096, 32768, False, _hf("mistralai/Mistral-7B-Instruct-v0.3")),
    Arch("Mixtral-8x7B", 46.70, 32, 8, 128, 4096, 32000, False, _hf("mistralai/Mixtral-8x7B-Instruct-v0.1")),
    Arch("Qwen2.5-7B", 7.62, 28, 4, 128, 3584, 152064, False, _hf("Qwen/Qwen2.5-7B-Instruct")),
    Arch("Qwen2.5-14B", 14.77, 48, 8, 128, 5120, 152064, False, _hf("Qwen/Qwen2.5-14B-Instruct")),
    Arch("Qwen2.5-32B", 32.76, 64, 8, 128, 5120, 152064, False, _hf("Qwen/Qwen2.5-32B-Instruct")),
    Arch("Qwen2.5-72B", 72.71, 80, 8, 128, 8192, 152064, False, _hf("Qwen/Qwen2.5-72B-Instruct")),
    Arch("Gemma-2-9B", 9.24, 42, 8, 256, 3584, 256000, True, _hf("google/gemma-2-9b-it")),
    Arch("Gemma-2-27B", 27.23, 46, 16, 128, 4608, 256000, True, _hf("google/gemma-2-27b-it")),
    Arch("Phi-3-mini", 3.82, 32, 32, 96, 3072, 32064, False, _hf("microsoft/Phi-3-mini-4k-instruct")),
    Arch("Phi-3-medium", 13.96, 40, 10, 128, 5120, 32064, False, _hf("microsoft/Phi-3-medium-4k-instruct")),
    Arch("bge-small-en-v1.5", 0.033, 12, 12, 32, 384, 30522, True, _hf("BAAI/bge-small-en-v1.5"), embedder=True),
    Arch("bge-base-en-v1.5", 0.109, 12, 12, 64, 768, 30522, True, _hf("BAAI/bge-base-en-v1.5"), embedder=True),
    Arch("bge-large-en-v1.5", 0.335, 24, 16, 64, 1024, 30522, True, _hf("BAAI/bge-large-en-v1.5"), embedder=True),
    Arch("bge-m3", 0.568, 24, 16, 64, 1024, 250002, True, _hf("BAAI/bge-m3"), embedder=True),
    Arch("e5-base-v2", 0.109, 12, 12, 64, 768, 30522, True, _hf("intfloat/e5-base-v2"), embedder=True),
    Arch("e5-large-v2", 0.335, 24, 16, 64, 1024, 30522, True, _hf("intfloat/e5-large-v2"), embedder=True),
    Arch("multilingual-e5-large", 0.560, 24, 16, 64, 1024, 250002, True, _hf("intfloat/multilingual-e5-large"), embedder=True),
]}

_ALIASES: dict[str, str] = {
    "meta-llama-3-8b": "Llama-3-8B", "llama-3-8b": "Llama-3-8B", "llama3-8b": "Llama-3-8B",
    "meta-llama-3-70b": "Llama-3-70B", "llama-3-70b": "Llama-3-70B", "llama3-70b": "Llama-3-70B",
    "llama-3.1-8b": "Llama-3.1-8B", "meta-llama-3.1-8b": "Llama-3.1-8B",
    "llama-3.1-70b": "Llama-3.1-70B", "meta-llama-3.1-70b": "Llama-3.1-70B",
    "llama-3.1-405b": "Llama-3.1-405B", "meta-llama-3.1-405b": "Llama-3.1-405B",
    "llama-3.2-1b": "Llama-3.2-1B", "llama-3.2-3b": "Llama-3.2-3B", "llama-3.3-70b": "Llama-3.3-70B",
    "mistral-7b": "Mistral-7B", "mistral-7b-v0.1": "Mistral-7B", "mistral-7b-v0.2": "Mistral-7B", "mistral-7b-v0.3": "Mistral-7B",
    "mixtral-8x7b": "Mixtral-8x7B", "mixtral-8x7b-v0.1": "Mixtral-8x7B",
    "qwen2.5-7b": "Qwen2.5-7B", "qwen2.5-14b": "Qwen2.5-14B", "qwen2.5-32b": "Qwen2.5-32B", "qwen2.5-72b": "Qwen2.5-72B",
    "gemma-2-9b": "Gemma-2-9B", "gemma-2-27b": "Gemma-2-27B",
    "phi-3-mini-4k": "Phi-3-mini", "phi-3-mini-128k": "Phi-3-mini", "phi-3-mini": "Phi-3-mini",
    "phi-3-medium-4k": "Phi-3-medium", "phi-3-medium-128k": "Phi-3-medium", "phi-3-medium": "Phi-3-medium",
    "bge-small-en-v1.5": "bge-small-en-v1.5", "bge-small-en": "bge-small-en-v1.5",
    "bge-base-en-v1.5": "bge-base-en-v1.5", "bge-base-en": "bge-base-en-v1.5",
    "bge-large-en-v1.5": "bge-large-en-v1.5", "bge-large-en": "bge-large-en-v1.5", "bge-m3": "bge-m3",
    "e5-base-v2": "e5-base-v2", "e5-large-v2": "e5-large-v2", "multilingual-e5-large": "multilingual-e5-large",
}
_DROP = {"instruct", "chat", "it", "hf", "awq", "gptq", "int4", "int8", "fp8", "bnb", "4bit"}


def normalize(model_id: str) -> str:
    """``mistralai/Mistral-7B-Instruct-v0.3`` → ``mistral-7b-v0.3``: the organization and the chat-tuning and
    quantization words are dropped (they do not change the architecture)."""
    name = model_id.strip().rsplit("/", 1)[-1].lower()
    return "-".join(t for t in name.split("-") if t not in _DROP)


def lookup(model_id: str | None) -> Arch | None:
    """Return the catalogued architecture of a Hub model ID (or an S3 path ending in one), or None."""
    if not model_id:
        return None
    key = normalize(model_id.rstrip("/"))
    name = _ALIASES.get(key)
    return CATALOGUE.get(name) if name else None


# --------------------------------------------------------------------------------------------------- requirement

@dataclass(frozen=True)
class Need:
    """GPU memory a model copy needs, in decimal GB."""

    weights: float
    kv_cache: float
    overhead: float

    @property
    def total(self) -> float:
        return self.weights + self.kv_cache + self.overhead

    def to_dict(self) -> dict[str, float]:
        return {"weightsGB": round(self.weights, 2), "kvCacheGB": round(self.kv_cache, 2),
                "overheadGB": round(self.overhead, 2), "totalGB": round(self.total, 2)}


def weights_gb(params_b: float, quantization: str, dtype: str, arch: Arch | None) -> float:
    dense = _DTYPE_BYTES.get(dtype, 2.0)
    qbytes = _BYTES.get(quantization)
    if qbytes is None:
        return params_b * dense
    if arch is not None and not arch.embedder:
        emb = min(arch.embedding_params_b, params_b)
        return ((params_b - emb) * qbytes * 1.03 + emb * 2.0)
    return params_b * qbytes * (1.05 if qbytes >= 1 else 1.15)


def need(params_b: float, *, quantization: str = "none", dtype: str = "bf16", arch: Arch | None,
         kv_per_token: float | None, context: int, concurrency: int, gpus: int, embedder: bool = False) -> Need:
    """Return what one copy of the model needs across ``gpus`` GPUs."""
    if embedder:
        w = params_b * 2.0
        return Need(w, 0.0, GPU_RUNTIME_GB * gpus + ACTIVATIONS_SHARE * w + EMBEDDER_ACTIVATIONS_GB)
    w = weights_gb(params_b, quantization, dtype, arch)
    kv = (kv_per_token or 0.0) * context * concurrency / GB
    return Need(w, kv, GPU_RUNTIME_GB * gpus + ACTIVATIONS_SHARE * w)


def nearest(params_b: float) -> Arch:
    """The catalogued LLM nearest in size (log scale): stands in for an uncatalogued model's KV cache."""
    llms = [a for a in CATALOGUE.values() if not a.embedder]
    return min(llms, key=lambda a: (abs(math.log(a.params_b / params_b)), a.name))


# --------------------------------------------------------------------------------------------------- result

@dataclass
class Alternative:
    instance_type: str
    quantization: str
    gpus: int
    memory_gb: float
    need_gb: float
    hourly_usd: float | None
    price_region: str | None

    @property
    def label(self) -> str:
        q = _QUANT_LABEL.get(self.quantization, self.quantization)
        return f"{q} on {self.instance_type}" if q else self.instance_type

    def to_dict(self) -> dict[str, Any]:
        return {"instanceType": self.instance_type, "quantization": self.quantization, "gpus": self.gpus,
                "memoryGB": round(self.memory_gb, 1), "needGB": round(self.need_gb, 1),
                "hourlyUsd": self.hourly_usd, "priceRegion": self.price_region}


@dataclass
class GpuFit:
    """The fit of one model (one production variant) on its instance type."""

    resource: str
    source: str
    model_id: str
    display_name: str
    instance_type: str
    quantization: str
    dtype: str
    status: str  # fits | misfit | underused | unknown | not-applicable
    message: str
    hint: str = ""
    tensor_parallel: int = 1
    gpus: int = 0
    gpu_model: str = ""
    gpu_memory_gb: float = 0.0
    need: Need | None = None
    params_b: float | None = None
    params_source: str = ""
    kv_source: str = ""
    context: int = 0
    concurrency: int = 0
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def available_gb(self) -> float:
        return self.tensor_parallel * self.gpu_memory_gb

    @property
    def utilization(self) -> float | None:
        if self.need is None or not self.available_gb:
            return None
        return self.need.total / self.available_gb

    @property
    def severity(self) -> str:
        return {"misfit": "error", "underused": "warning", "unknown": "warning"}.get(self.status, "info")

    @property
    def code(self) -> str:
        return {"misfit": "gpu-misfit", "underused": "gpu-underused", "unknown": "gpu-unknown-model",
                "not-applicable": "gpu-not-applicable"}.get(self.status, "gpu-fits")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resource": self.resource, "source": self.source, "code": self.code, "severity": self.severity,
            "status": self.status, "message": self.message, "hint": self.hint, "modelId": self.model_id,
            "model": self.display_name, "instanceType": self.instance_type, "quantization": self.quantization,
            "dtype": self.dtype, "tensorParallelDegree": self.tensor_parallel, "gpus": self.gpus,
            "gpuModel": self.gpu_model, "gpuMemoryGB": self.gpu_memory_gb, "availableGB": round(self.available_gb, 1),
            "maxContextTokens": self.context, "maxConcurrentRequests": self.concurrency,
            "parametersBillions": self.params_b, "parametersFrom": self.params_source, "kvCacheFrom": self.kv_source,
            "need": self.need.to_dict() if self.need else None,
            "utilizationPercent": round(100 * self.utilization, 1) if self.utilization is not None else None,
            "alternatives": [a.to_dict() for a in self.alternatives],
        }
        return out

    def to_diagnostic(self, loaded: Any = None):
        """The result as a Diagnostic at the spec line (for the report formats); None for a fit."""
        from llmops_iac.errors import Diagnostic

        if self.status in ("fits", "not-applicable"):
            return None
        file, line, col = (loaded.source.locate(self.source) if loaded is not None else ("", 0, 0))
        return Diagnostic(file=file or (getattr(loaded, "path", "") if loaded is not None else ""), line=line, col=col,
                          code=self.code, message=self.message, hint=self.hint, pointer=self.source, severity=self.severity)


def _fmt_gb(x: float) -> str:
    return f"{x:,.0f} GB" if x >= 10 else f"{x:,.1f} GB"


def _label(name: str, quantization: str, dtype: str) -> str:
    if quantization in ("none", None):
        return f"{name} in {dtype}"
    return f"{name} in {_QUANT_LABEL.get(quantization, quantization)}"


def _price(prices: PriceTable, instance_type: str, region: str) -> tuple[float | None, str | None]:
    p = prices.instance_hour(instance_type, region)
    return (p.usd, p.region) if p else (None, None)


def _candidates(prices: PriceTable, region: str, quantization: str, embedder: bool = False
                ) -> list[tuple[str, instances.Accelerators, float, str]]:
    out = []
    for t, acc in instances.TABLE.items():
        if acc.kind != "nvidia" or (acc.model in _NOT_FOR_LLMS and not embedder):
            continue
        if quantization == "fp8" and acc.model not in _FP8_GPUS:
            continue
        usd, at = _price(prices, t, region)
        if usd is None:
            continue
        out.append((t, acc, usd, at))
    return sorted(out, key=lambda c: (c[2], c[0]))


def fits_on(params_b: float, quantization: str, dtype: str, arch: Arch | None, kv_per_token: float | None,
            context: int, concurrency: int, acc: instances.Accelerators, embedder: bool = False) -> tuple[bool, Need]:
    n = need(params_b, quantization=quantization, dtype=dtype, arch=arch, kv_per_token=kv_per_token,
             context=context, concurrency=concurrency, gpus=acc.count, embedder=embedder)
    return n.total <= acc.count * acc.memory_gib, n


def alternatives(params_b: float, quantization: str, dtype: str, arch: Arch | None, kv_per_token: float | None,
                 context: int, concurrency: int, prices: PriceTable, region: str, *, exclude: str = "",
                 embedder: bool = False, limit: int = 3) -> list[Alternative]:
    """Cheapest instance types that fit the declared quantization (up to ``limit``, cheapest first), then
    each lower precision (FP8, AWQ int4) on its cheapest fitting type when that is cheaper still."""
    out: list[Alternative] = []
    for t, acc, usd, at in _candidates(prices, region, quantization, embedder):
        if t == exclude:
            continue
        ok, n = fits_on(params_b, quantization, dtype, arch, kv_per_token, context, concurrency, acc, embedder)
        if ok:
            out.append(Alternative(t, quantization, acc.count, acc.count * acc.memory_gib, n.total, usd, at))
            if len(out) >= limit:
                break
    if embedder:
        return out
    cheapest = out[0].hourly_usd if out else math.inf
    for q in ("fp8", "awq"):
        if q == quantization or _BYTES.get(q, 2) >= (_BYTES.get(quantization) or 2.0):
            continue
        for t, acc, usd, at in _candidates(prices, region, q):
            ok, n = fits_on(params_b, q, dtype, arch, kv_per_token, context, concurrency, acc)
            if ok:
                if usd < cheapest:
                    out.append(Alternative(t, q, acc.count, acc.count * acc.memory_gib, n.total, usd, at))
                    cheapest = usd
                break
    return out


def _fits_text(alts: list[Alternative]) -> str:
    if not alts:
        return "it fits no single instance type llmops-iac knows: shard it over more GPUs or choose a smaller model"
    declared = [a for a in alts if a.quantization == alts[0].quantization]
    first = declared[0].label
    others = [a.label for a in alts if a.quantization != alts[0].quantization]
    return "Fits: " + ", or ".join([first] + others)


def check(*, resource: str, source: str, model_id: str, instance_type: str, quantization: str = "none",
          dtype: str = "bf16", parameters_billions: float | None = None, context: int = 4096, concurrency: int = 8,
          tensor_parallel: int | None = None, region: str = "us-east-1", prices: PriceTable | None = None,
          embedder: bool = False) -> GpuFit:
    """Check one model on one instance type."""
    prices = prices or load_prices()
    acc = instances.accelerators(instance_type)
    arch = lookup(model_id)
    embedder = embedder or bool(arch and arch.embedder)
    name = arch.name if arch else (model_id.rstrip("/").rsplit("/", 1)[-1] or model_id)
    base = dict(resource=resource, source=source, model_id=model_id, display_name=name, instance_type=instance_type,
                quantization=quantization, dtype=dtype, context=context, concurrency=concurrency)
    if acc is None or acc.kind != "nvidia":
        what = "has no NVIDIA GPU" if acc is not None else "is not in llmops-iac's accelerator table"
        return GpuFit(**base, status="not-applicable", message=f"{instance_type} {what}; GPU memory is not checked")
    tp = tensor_parallel or acc.count
    if parameters_billions:
        params, params_source = float(parameters_billions), "declared parametersBillions"
    elif arch:
        params, params_source = arch.params_b, f"catalogue ({arch.source})"
    else:
        return GpuFit(**base, status="unknown", tensor_parallel=tp, gpus=acc.count, gpu_model=acc.model,
                      gpu_memory_gb=acc.memory_gib,
                      message=f"cannot check whether {model_id} fits {instance_type}: it is not in llmops-iac's model "
                              "catalogue and declares no parameter count",
                      hint="declare parametersBillions (e.g. 8 for an 8B model) so the GPU memory check can run")
    if embedder:
        kv_per_token, kv_source = 0.0, "none (embedding model)"
    elif arch:
        kv_per_token, kv_source = float(arch.kv_bytes_per_token), f"{arch.name} architecture"
    else:
        stand_in = nearest(params)
        kv_per_token, kv_source = float(stand_in.kv_bytes_per_token), f"estimated from {stand_in.name} (nearest catalogued size)"
    # A declared count far from the catalogue's means other weights: don't apply the catalogue's embedding sizes.
    fit_arch = arch if arch and (not parameters_billions or abs(arch.params_b - params) / params < 0.1) else None
    n = need(params, quantization=quantization, dtype=dtype, arch=fit_arch, kv_per_token=kv_per_token, context=context,
             concurrency=concurrency, gpus=tp, embedder=embedder)
    available = tp * acc.memory_gib
    result = GpuFit(**base, status="fits", message="", tensor_parallel=tp, gpus=acc.count, gpu_model=acc.model,
                    gpu_memory_gb=acc.memory_gib, need=n, params_b=params, params_source=params_source, kv_source=kv_source)
    label = f"{name} (embeddings, fp16)" if embedder else _label(name, quantization, dtype)
    has = f"{instance_type} has {_fmt_gb(acc.count * acc.memory_gib)}"
    if tp < acc.count:
        has += f" ({tp} of its {acc.count} GPUs used: tensorParallelDegree {tp}, {_fmt_gb(available)})"
    breakdown = (f"{_fmt_gb(n.weights)} weights + {_fmt_gb(n.kv_cache)} KV cache for {concurrency} × {context:,} tokens "
                 f"+ {_fmt_gb(n.overhead)} runtime" if not embedder else
                 f"{_fmt_gb(n.weights)} weights + {_fmt_gb(n.overhead)} runtime and activations")
    if n.total > available:
        alts = alternatives(params, quantization, dtype, fit_arch, kv_per_token, context, concurrency, prices, region,
                            exclude="", embedder=embedder)
        result.status = "misfit"
        result.alternatives = alts
        result.message = f"{label} needs ~{_fmt_gb(n.total)}; {has}. {_fits_text(alts)}"
        result.hint = (f"needs {breakdown}; choose an instance type above, quantize the weights, or lower "
                       "maxContextTokens × maxConcurrentRequests")
        return result
    if n.total < UNDERUSED * available:
        alts = [a for a in alternatives(params, quantization, dtype, fit_arch, kv_per_token, context, concurrency, prices,
                                        region, embedder=embedder, limit=3) if a.instance_type != instance_type]
        own, _ = _price(prices, instance_type, region)
        cheaper = [a for a in alts if own is not None and a.hourly_usd is not None and a.hourly_usd < own]
        result.status = "underused"
        result.alternatives = cheaper
        pct = 100 * n.total / available
        tail = (f" Cheaper fits: {', '.join(f'{a.label} (${a.hourly_usd:.2f}/h)' for a in cheaper)} vs ${own:.2f}/h."
                if cheaper else "")
        result.message = f"{label} needs ~{_fmt_gb(n.total)}; {has}: {pct:.0f} % of its GPU memory is used.{tail}"
        result.hint = ("a smaller or CPU instance type costs less (Text Embeddings Inference has a CPU image, e.g. "
                       "ml.c6i.xlarge)" if embedder else
                       "a smaller instance type costs less; or raise maxConcurrentRequests to use the memory for "
                       "a larger KV cache (more concurrent requests per instance)")
        return result
    result.message = f"{label} needs ~{_fmt_gb(n.total)} of {_fmt_gb(available)} on {instance_type} ({100 * n.total / available:.0f} %)"
    if n.total > 0.9 * available:
        result.message += ": little headroom, a longer context or more concurrent requests would not fit"
    result.hint = breakdown
    return result


# --------------------------------------------------------------------------------------------------- plan


def check_plan(plan: Any, prices: PriceTable | None = None, region: str | None = None) -> list[GpuFit]:
    """Check every SageMaker model of a Plan (one result per production variant), in resource order."""
    data = plan_data(plan)
    prices = prices or load_prices()
    region = region or data.get("region") or prices.fallback_region
    resources = {r["name"]: r for r in data.get("resources", [])}
    instance_of: dict[str, str] = {}
    for r in resources.values():
        if r["type"] != "aws:sagemaker/endpointConfiguration:EndpointConfiguration":
            continue
        for v in r["inputs"].get("productionVariants", []):
            ref = v.get("modelName")
            if isinstance(ref, dict) and "ref" in ref:
                instance_of[ref["ref"]] = v.get("instanceType", "")
    out: list[GpuFit] = []
    for name in sorted(resources):
        r = resources[name]
        if r["type"] != "aws:sagemaker/model:Model" or name not in instance_of:
            continue
        meta = r.get("meta") or {}
        embedder = (meta.get("image") or {}).get("framework") == "tei"
        out.append(check(resource=name, source=r.get("source", ""), model_id=meta.get("modelId") or "",
                         instance_type=instance_of[name], quantization=meta.get("quantization") or "none",
                         dtype=meta.get("dtype") or "bf16", parameters_billions=meta.get("parametersBillions"),
                         context=int(meta.get("maxContextTokens") or 512), concurrency=int(meta.get("maxConcurrentRequests") or 1),
                         tensor_parallel=meta.get("tensorParallelDegree"), region=region, prices=prices, embedder=embedder))
    return out


def diagnostics(fits: Iterable[GpuFit], loaded: Any = None) -> list[Any]:
    """The misfit, underused and unknown results as Diagnostics at their spec lines."""
    return [d for d in (f.to_diagnostic(loaded) for f in fits) if d is not None]
