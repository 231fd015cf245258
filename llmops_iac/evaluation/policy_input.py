"""What the policy engine is given to judge gates with measured results: ``input.evaluation``.

``{"specHash": <this environment's Plan specHash>, "datasets": {name: sha256 of the file now, or null when it
can't be read}, "results": [each results file's policy_data()]}``. The rules (policies/evaluation/results.rego)
match a gate to a measurement only when the results are for this spec hash and the dataset's current hash;
everything else (another spec, an edited dataset, no measurement, 0 cases, errored cases) leaves the gate
unmeasured. The verdict is the engine's: nothing here compares a value with a bound.
"""

from __future__ import annotations

import hashlib
from typing import Any


def current_datasets(loaded: Any) -> dict[str, str | None]:
    """sha256 of each declared dataset file's bytes now (None: it can't be read; the validate stage said why)."""
    from llmops_iac.spec.files import MAX_DATASET_BYTES, FileRefError

    out: dict[str, str | None] = {}
    files = loaded.spec_files()
    datasets = ((loaded.data.get("spec") or {}).get("evaluation") or {}).get("datasets") or {}
    for name, entry in sorted(datasets.items()):
        try:
            out[name] = hashlib.sha256(files.read(entry["file"], "evaluation dataset", MAX_DATASET_BYTES)).hexdigest()
        except FileRefError:
            out[name] = None
    return out


def build(loaded: Any, plan: Any, results: tuple[Any, ...]) -> dict[str, Any]:
    """``input.evaluation`` for one environment's view ``loaded`` and its ``plan``."""
    return {"specHash": plan.spec_hash, "datasets": current_datasets(loaded),
            "results": [r.policy_data() for r in results]}
