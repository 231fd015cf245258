"""Accelerators of the SageMaker instance types LLMs are served on: one table, one source per row.

Source: AWS "Amazon EC2 accelerated computing instance" specifications (the ml.
types are the same hardware); GPU memory is per accelerator as AWS lists it.
tests/cost/test_gpu.py holds the rows sagemaker-core also knows (its
instance_gpu_info.json, read from the sagemaker-core the test extra installs)
to agree with it on counts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Accelerators:
    """What one instance type carries."""

    kind: str  # "nvidia" | "neuron" | "none"
    model: str
    count: int
    memory_gib: float  # per accelerator

    @property
    def total_gib(self) -> float:
        return self.count * self.memory_gib


def _family(kind: str, model: str, memory: float, sizes: dict[str, int]) -> dict[str, Accelerators]:
    return {size: Accelerators(kind, model, count, memory) for size, count in sizes.items()}


_SIZES_1_4_8 = {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1, "12xlarge": 4, "24xlarge": 4, "48xlarge": 8}

TABLE: dict[str, Accelerators] = {}
for _fam, _kind, _model, _mem, _sizes in [
    ("g4dn", "nvidia", "T4", 16, {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1, "12xlarge": 4}),
    ("g5", "nvidia", "A10G", 24, _SIZES_1_4_8),
    ("g6", "nvidia", "L4", 24, _SIZES_1_4_8),
    ("g6e", "nvidia", "L40S", 48, _SIZES_1_4_8),
    ("p4d", "nvidia", "A100 40GB", 40, {"24xlarge": 8}),
    ("p4de", "nvidia", "A100 80GB", 80, {"24xlarge": 8}),
    ("p5", "nvidia", "H100", 80, {"48xlarge": 8}),
    ("p5e", "nvidia", "H200", 141, {"48xlarge": 8}),
    ("p5en", "nvidia", "H200", 141, {"48xlarge": 8}),
    ("inf2", "neuron", "Inferentia2", 32, {"xlarge": 1, "8xlarge": 1, "24xlarge": 6, "48xlarge": 12}),
]:
    for _size, _acc in _family(_kind, _model, _mem, _sizes).items():
        TABLE[f"ml.{_fam}.{_size}"] = _acc

CPU_FAMILIES = ("c5", "c6i", "c7i", "m5", "m6i", "m7i", "r5", "r6i")


def accelerators(instance_type: str) -> Accelerators | None:
    """Return the accelerators of ``instance_type``; CPU-only types have kind "none"; unknown types None."""
    if instance_type in TABLE:
        return TABLE[instance_type]
    family = instance_type.split(".")[1] if instance_type.count(".") == 2 else ""
    if family in CPU_FAMILIES:
        return Accelerators("none", "CPU", 0, 0.0)
    return None


def known_gpu_types() -> list[str]:
    return sorted(t for t, a in TABLE.items() if a.kind == "nvidia")
