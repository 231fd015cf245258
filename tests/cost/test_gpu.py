"""GPU memory fit: the formula, the catalogue, misfits with priced alternatives, underuse, unknown models,
and the accelerator table against sagemaker-core's instance_gpu_info.json."""

from __future__ import annotations

import json

import pytest

from llmops_iac.compile import compile_spec, instances
from llmops_iac.cost import gpu
from llmops_iac.cost.prices import load_prices
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES, sagemaker_core_config

LLAMA70 = "meta-llama/Meta-Llama-3-70B-Instruct"
LLAMA8 = "meta-llama/Meta-Llama-3-8B-Instruct"


def fit(model_id, instance_type, **kw):
    kw.setdefault("context", 4096)
    kw.setdefault("concurrency", 8)
    return gpu.check(resource="r", source="/spec/models/m/instanceType", model_id=model_id, instance_type=instance_type, **kw)


def test_kv_cache_per_token_follows_the_architecture():
    # 2 (K and V) × 32 layers × 8 KV heads × 128 head dim × 2 bytes
    assert gpu.CATALOGUE["Llama-3-8B"].kv_bytes_per_token == 131_072
    assert gpu.CATALOGUE["Llama-3-70B"].kv_bytes_per_token == 327_680
    assert gpu.CATALOGUE["Phi-3-mini"].kv_bytes_per_token == 2 * 32 * 32 * 96 * 2  # no grouped-query attention


def test_need_adds_weights_kv_cache_and_runtime():
    arch = gpu.CATALOGUE["Llama-3-8B"]
    n = gpu.need(8.03, quantization="none", dtype="bf16", arch=arch, kv_per_token=arch.kv_bytes_per_token,
                 context=8192, concurrency=4, gpus=1)
    assert n.weights == pytest.approx(16.06)
    assert n.kv_cache == pytest.approx(131_072 * 8192 * 4 / 1e9)
    assert n.overhead == pytest.approx(1.0 + 0.1 * 16.06)
    assert n.total == pytest.approx(n.weights + n.kv_cache + n.overhead)


@pytest.mark.parametrize("quantization,expected", [("none", 141.1), ("fp8", 74.7), ("int8", 74.7), ("awq", 39.5),
                                                    ("gptq", 39.5)])
def test_bytes_per_parameter_by_quantization(quantization, expected):
    # quantized weights keep the 2.1B embedding + LM-head parameters of Llama-3-70B in 16 bits
    arch = gpu.CATALOGUE["Llama-3-70B"]
    assert gpu.weights_gb(70.55, quantization, "fp16", arch) == pytest.approx(expected, abs=0.1)


def test_quantization_overhead_without_architecture():
    assert gpu.weights_gb(10, "awq", "bf16", None) == pytest.approx(10 * 0.5 * 1.15)
    assert gpu.weights_gb(10, "int8", "bf16", None) == pytest.approx(10 * 1.05)


@pytest.mark.parametrize("model_id,name", [
    (LLAMA8, "Llama-3-8B"), ("meta-llama/Meta-Llama-3-70B", "Llama-3-70B"), ("meta-llama/Llama-3.1-405B-Instruct", "Llama-3.1-405B"),
    ("meta-llama/Llama-3.3-70B-Instruct", "Llama-3.3-70B"), ("mistralai/Mistral-7B-Instruct-v0.3", "Mistral-7B"),
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", "Mixtral-8x7B"), ("Qwen/Qwen2.5-72B-Instruct-AWQ", "Qwen2.5-72B"),
    ("google/gemma-2-9b-it", "Gemma-2-9B"), ("microsoft/Phi-3-mini-4k-instruct", "Phi-3-mini"),
    ("BAAI/bge-large-en-v1.5", "bge-large-en-v1.5"), ("intfloat/multilingual-e5-large", "multilingual-e5-large"),
])
def test_catalogue_lookup_normalizes_hub_ids(model_id, name):
    assert gpu.lookup(model_id).name == name


def test_unknown_ids_are_not_guessed():
    assert gpu.lookup("acme/secret-model-13b") is None
    assert gpu.lookup("") is None


def test_the_issue_example_llama_3_70b_fp16_on_g5_2xlarge_is_a_misfit_with_priced_alternatives():
    f = fit(LLAMA70, "ml.g5.2xlarge", dtype="fp16")
    assert f.status == "misfit" and f.severity == "error" and f.code == "gpu-misfit"
    assert f.message.startswith("Llama-3-70B in fp16 needs ~")
    assert "; ml.g5.2xlarge has 24 GB. Fits: " in f.message
    assert ", or AWQ int4 on ml." in f.message
    assert f.need.weights == pytest.approx(141.1, abs=0.1)
    prices = load_prices()
    declared = [a for a in f.alternatives if a.quantization == "none"]
    assert declared and [a.hourly_usd for a in declared] == sorted(a.hourly_usd for a in declared)  # cheapest first
    assert f.message.split("Fits: ")[1].startswith(declared[0].instance_type)
    # nothing with the declared precision is cheaper than the first suggestion
    for t, acc in instances.TABLE.items():
        p = prices.instance_hour(t, "us-east-1")
        if acc.kind == "nvidia" and acc.model != "T4" and p.usd < declared[0].hourly_usd:
            assert fit(LLAMA70, t, dtype="fp16").status == "misfit", t
    for a in f.alternatives:  # every suggestion really fits, and the quantized ones are cheaper
        again = fit(LLAMA70, a.instance_type, dtype="fp16", quantization=a.quantization)
        assert again.status in ("fits", "underused"), a
        if a.quantization != "none":
            assert a.hourly_usd < declared[0].hourly_usd


def test_misfit_diagnostic_points_at_the_instance_type_line(write):
    path = write("app.yaml", f"""apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: big-llama
spec:
  models:
    llama70b:
      provider: sagemaker
      modelId: {LLAMA70}
      revision: 7129260dd854a80eb10ace5f61c20324b472b31c
      instanceType: ml.g5.2xlarge
      dtype: fp16
""")
    loaded = load_spec(str(path))
    fits = gpu.check_plan(compile_spec(loaded))
    assert [f.status for f in fits] == ["misfit"]
    d = fits[0].to_diagnostic(loaded)
    assert (d.line, d.col, d.severity, d.code, d.pointer) == (11, 21, "error", "gpu-misfit", "/spec/models/llama70b/instanceType")
    assert d.hint.startswith("needs 141 GB weights + ")
    assert gpu.diagnostics(fits, loaded) == [d]


def test_an_underused_gpu_is_a_cost_warning_with_cheaper_fits():
    f = fit(LLAMA8, "ml.g6e.12xlarge", quantization="awq", context=4096, concurrency=4)
    assert f.status == "underused" and f.severity == "warning" and f.utilization < 0.25
    assert "of its GPU memory is used. Cheaper fits: AWQ int4 on ml.g6.xlarge" in f.message
    assert all(a.hourly_usd < 13.12 for a in f.alternatives)
    assert not any(a.instance_type.startswith("ml.g4dn.") for a in f.alternatives), "T4 is never suggested for an LLM"


def test_a_model_neither_declared_nor_catalogued_asks_for_its_size():
    f = fit("acme/secret-model", "ml.g5.2xlarge")
    assert f.status == "unknown" and f.severity == "warning" and "parametersBillions" in f.hint
    sized = fit("acme/secret-model", "ml.g5.2xlarge", parameters_billions=13)
    assert sized.status == "misfit" and sized.kv_source.startswith("estimated from ")
    assert sized.params_source == "declared parametersBillions"


def test_tensor_parallel_degree_limits_the_memory_a_copy_may_use():
    full = fit(LLAMA70, "ml.g6.48xlarge", quantization="awq")
    half = fit(LLAMA70, "ml.g6.48xlarge", quantization="awq", tensor_parallel=2)
    assert full.available_gb == 192 and half.available_gb == 48
    assert full.status in ("fits", "underused") and half.status == "misfit"
    assert "2 of its 8 GPUs used" in half.message


def test_fp8_is_only_suggested_for_gpus_with_fp8_tensor_cores():
    f = fit("meta-llama/Llama-3.1-405B-Instruct", "ml.p4d.24xlarge", context=8192)
    assert f.status == "misfit"
    for a in f.alternatives:
        if a.quantization == "fp8":
            assert instances.TABLE[a.instance_type].model in {"L4", "L40S", "H100", "H200"}


def test_non_gpu_instance_types_are_not_checked():
    assert fit(LLAMA8, "ml.inf2.xlarge").status == "not-applicable"
    assert fit(LLAMA8, "ml.c6i.xlarge").status == "not-applicable"
    assert fit(LLAMA8, "ml.zz9.xlarge").status == "not-applicable"


def test_embedding_models_need_no_kv_cache():
    f = fit("BAAI/bge-large-en-v1.5", "ml.g5.xlarge", embedder=True)
    assert f.need.kv_cache == 0 and f.status == "underused"


def test_example_endpoints_fit_their_gpus():
    for env in (None, "dev", "prod"):
        plan = compile_spec(load_spec(str(EXAMPLES / "self-hosted-llama.yaml"), environment=env))
        fits = gpu.check_plan(plan)
        assert fits and all(f.status == "fits" for f in fits), [(f.resource, f.message) for f in fits]
        by_variant = {f.resource.rsplit("-model-", 1)[1]: f for f in fits}
        if "bf16-g5" in by_variant:
            assert by_variant["bf16-g5"].need.total == pytest.approx(22.96, abs=0.05)
            assert by_variant["fp8-g6"].need.total == pytest.approx(15.51, abs=0.05)


# --- sagemaker-core's GPU table ----------------------------------------------------------------------------------

def _sagemaker_core_gpu_info() -> dict:
    return json.loads(sagemaker_core_config("instance_gpu_info.json").read_bytes())  # read the JSON, never import sagemaker


def test_gpu_counts_agree_with_sagemaker_core():
    info = _sagemaker_core_gpu_info()
    seen: dict[str, tuple[int, int]] = {}
    for region_types in info.values():
        for t, row in region_types.items():
            seen.setdefault(t, (row["Count"], row["TotalGpuMemoryInMiB"]))
    shared = sorted(set(seen) & set(instances.TABLE))
    assert len(shared) >= 15, "sagemaker-core should know most of the g4dn/g5/p4d/p5 rows"
    for t in shared:
        count, mib = seen[t]
        acc = instances.TABLE[t]
        assert acc.count == count, f"{t}: instances.py says {acc.count} GPUs, sagemaker-core {count}"
        # sagemaker-core lists usable MiB for some types (ml.g5.48xlarge: 183,104 MiB, not 8 × 24 GiB): within 10 %
        assert abs(acc.total_gib * 1024 - mib) / mib < 0.10, f"{t}: {acc.total_gib} GiB vs {mib} MiB"
    assert "ml.g6e.xlarge" not in seen, "sagemaker-core gained rows for newer families: extend this test"
