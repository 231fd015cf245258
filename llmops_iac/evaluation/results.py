"""The results document (schemas/eval-results.schema.json) built from one harness run of one dataset.

It records what it measured and against what: the spec hash the Plan's resources are tagged with
(``specHash``, of the spec as the evaluated environment resolves it), the sha256 of the dataset file's bytes,
when, which harness and version, and per gate of that dataset (and target) the measured value, its case
and error counts and how it was aggregated. ``passed`` is this run's reading against the spec's bounds, for
people; `check --eval-results` never reads it: the policy engine recomputes every verdict from the values.
"""

from __future__ import annotations

from llmops_iac.shown_paths import shown_path

import datetime as dt
import hashlib
from typing import Any

from llmops_iac.errors import SpecError, UsageError
from llmops_iac.evaluation.metrics import Samples, aggregate, aggregation, fails

KIND = "LLMEvaluationResults"
VERSION = 1
SCHEMA_URL = "https://github.com/llmops-iac/llmops-iac/blob/main/schemas/eval-results.schema.json"


def dataset_sha256(loaded: Any, name: str) -> tuple[str, str]:
    """(file as the spec names it, sha256 of its bytes) of dataset ``name``; SpecError when it can't be read."""
    from llmops_iac.spec.files import MAX_DATASET_BYTES, FileRefError

    datasets = ((loaded.data.get("spec") or {}).get("evaluation") or {}).get("datasets") or {}
    if name not in datasets:
        known = ", ".join(sorted(datasets)) or "none"
        raise UsageError(f"--dataset {name}: the spec declares no such evaluation dataset (it declares: {known})")
    ref = datasets[name]["file"]
    try:
        raw = loaded.spec_files().read(ref, "evaluation dataset", MAX_DATASET_BYTES)
    except FileRefError as exc:
        file, line, col = loaded.source.locate(f"/spec/evaluation/datasets/{name}/file")
        from llmops_iac.errors import Diagnostic

        raise SpecError([Diagnostic(file=file, line=line, col=col, code=exc.code, message=exc.message, hint=exc.hint)]) from None
    return ref, hashlib.sha256(raw).hexdigest()


def gates_for(loaded: Any, dataset: str, target: str | None) -> list[tuple[int, dict[str, Any]]]:
    """The spec's gates on ``dataset`` whose target is ``target`` (None: the gates without a target), with their index."""
    gates = ((loaded.data.get("spec") or {}).get("evaluation") or {}).get("gates") or []
    return [(i, g) for i, g in enumerate(gates) if g["dataset"] == dataset and g.get("target") == target]


def build(loaded: Any, plan: Any, *, dataset: str, target: str | None, samples: Samples,
          now: dt.datetime | None = None) -> dict[str, Any]:
    """The results document of ``samples`` measured on ``dataset`` (and ``target``) for the spec ``loaded``."""
    ref, digest = dataset_sha256(loaded, dataset)
    created = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(microsecond=0)
    gates, unmeasured = [], []
    for index, gate in gates_for(loaded, dataset, target):
        metric = gate["metric"]
        values = samples.values.get(metric, [])
        value = aggregate(metric, values)
        key = {"metric": metric, "dataset": dataset, **({"target": target} if target is not None else {})}
        if value is None:
            why = "errored on every case" if samples.errors.get(metric) else f"the {samples.harness} output has no {metric} scores"
            unmeasured.append({**key, "gate": index, "reason": why})
            continue
        bounds = {k: gate[k] for k in ("min", "max") if k in gate}
        errors = samples.errors.get(metric, 0)
        gates.append({**key, "gate": index, "value": value, "cases": len(values), "errors": errors,
                      "aggregation": aggregation(metric), **bounds,
                      "passed": errors == 0 and not fails(value, bounds.get("min"), bounds.get("max"))})
    doc: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "kind": KIND,
        "version": VERSION,
        "createdAt": created.isoformat().replace("+00:00", "Z"),
        "spec": {"file": shown_path(loaded.path), "specHash": plan.spec_hash, "environment": loaded.environment},
        "harness": {"name": samples.harness, "version": samples.version, "inputs": [shown_path(x) for x in samples.sources],
                    **({"evaluators": sorted(samples.evaluators)} if samples.evaluators else {})},
        "datasets": {dataset: {"file": ref, "sha256": digest}},
        "cases": samples.cases,
        "gates": gates,
        "unmeasured": unmeasured,
        "unused": [{"metric": m, "cases": len(v)} for m, v in sorted(samples.values.items())
                   if v and m not in {g["metric"] for _, g in gates_for(loaded, dataset, target)}],
        "unmapped": [{"metric": m, "cases": n} for m, n in sorted(samples.unmapped.items())],
        "ignored": [{"metric": m, "why": why} for m, why in sorted(samples.ignored.items())],
    }
    if target is not None:
        doc["target"] = target
    return doc


def verdict(doc: dict[str, Any]) -> bool:
    """Whether every gate this run measured passed (the `eval` command's exit code; `check` judges on its own)."""
    return all(g["passed"] for g in doc["gates"])
