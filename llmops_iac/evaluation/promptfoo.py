"""promptfoo's JSON output (``promptfoo eval -o results.json``): the OutputFile of promptfoo's src/types/index.ts.

``{evalId, results: {version, timestamp, results: [EvaluateResult...], prompts, stats}, config, shareableUrl,
metadata: {promptfooVersion, ...}}``: each EvaluateResult is one test case run on one provider and prompt, with
``namedScores`` (the metrics its assertions name with ``metric:``), ``latencyMs``, ``cost``, ``success``,
``failureReason`` (2 = an error) and ``error``. Docs: https://www.promptfoo.dev/docs/configuration/outputs and
https://www.promptfoo.dev/docs/configuration/expected-outputs/#defining-named-metrics.

Named scores map to gate metrics by name (metric_map.yaml); ``latencyMs`` and ``cost`` are promptfoo's own
per-case measurements. A case that errored has no named scores: it counts as an error of every gate metric the
file measures, never as a pass. The harness's own pass/fail (``success``, ``gradingResult.pass``) is never read:
gates are judged from values.
"""

from __future__ import annotations

from typing import Any

from llmops_iac.errors import SpecError
from llmops_iac.evaluation.inputs import decode, problem, read_bytes
from llmops_iac.evaluation.metrics import HARNESSES, Samples, finite_number, gate_metric, table

WHAT = "promptfoo output"
_HINT = "ingest the JSON file `promptfoo eval --output results.json` writes"


def parse(path: str, provider: str | None = None) -> Samples:
    """The samples of one promptfoo output file; ``provider`` picks one provider's results when there are several."""
    from llmops_iac.spec.load import parse as parse_json

    text = decode(read_bytes(path, WHAT), path, WHAT)
    name = path if path.endswith(".json") else path + ".json"  # the strict JSON reader (line numbers, no NaN)
    data, source = parse_json(text, name)

    def at(pointer: str, code: str, message: str, hint: str = _HINT) -> SpecError:
        _, line, col = source.locate(pointer)
        return SpecError([problem(path, line, code, message, hint, pointer, col)])

    summary = data.get("results") if isinstance(data, dict) else None
    rows = summary.get("results") if isinstance(summary, dict) else None
    if not isinstance(rows, list):
        raise at("/results", "not-promptfoo", "this is not promptfoo output: no results.results list")
    if summary.get("version") not in (2, 3):
        raise at("/results/version", "promptfoo-version", f"promptfoo results version {summary.get('version')!r} is not "
                 "supported (2 or 3)", "export the results with a promptfoo release that writes version 3")
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    version = meta.get("promptfooVersion") if isinstance(meta.get("promptfooVersion"), str) else "unknown"
    samples = Samples(harness=HARNESSES["promptfoo"], version=version, sources=[path])
    providers = sorted({_provider(r) for r in rows if isinstance(r, dict)} - {""})
    if provider is None and len(providers) > 1:
        raise at("/results/results", "several-providers", f"the results are for {len(providers)} providers "
                 f"({', '.join(providers)}): a gate targets one", "pick one with --provider ID")
    if provider is not None and provider not in providers:
        raise at("/results/results", "unknown-provider", f"no results for provider {provider!r} (the file has "
                 f"{', '.join(providers) or 'none'})", "name one of the file's providers")
    chosen = [(i, r) for i, r in enumerate(rows) if provider is None or (isinstance(r, dict) and _provider(r) == provider)]
    measured: set[str] = set()
    for i, row in chosen:
        if not isinstance(row, dict):
            raise at(f"/results/results/{i}", "not-an-object", f"result {i} is not an object")
        for key in ("namedScores", "latencyMs", "cost"):
            if key in row and key != "namedScores" and row[key] is not None and not finite_number(row[key]):
                raise at(f"/results/results/{i}/{key}", "bad-value", f"result {i}: {key} {row[key]!r} is not a finite number",
                         "a measurement is a finite number")
        scores = row.get("namedScores") or {}
        if not isinstance(scores, dict):
            raise at(f"/results/results/{i}/namedScores", "bad-value", f"result {i}: namedScores is not an object")
        for name, value in scores.items():
            if not finite_number(value):
                raise at(f"/results/results/{i}/namedScores/{name}", "bad-value",
                         f"result {i}: named score {name} {value!r} is not a finite number", "a score is a finite number")
            known, metric = gate_metric("promptfoo", name)
            if metric is not None:
                measured.add(metric)
        for field_name in ("latencyMs", "cost"):
            if finite_number(row.get(field_name)):
                measured.add(gate_metric("promptfoo", field_name, field_name=True)[1])
    for i, row in chosen:
        samples.cases += 1
        errored = row.get("failureReason") == 2 or bool(row.get("error"))
        scores = row.get("namedScores") or {}
        per_case: dict[str, str] = {}
        for name, value in scores.items():
            known, metric = gate_metric("promptfoo", name)
            if metric is None:
                if known:
                    samples.ignored[name] = table()["promptfoo"]["metrics"][name].get("note", "")
                else:
                    samples.unmapped[name] = samples.unmapped.get(name, 0) + 1
                continue
            if metric in per_case:
                raise at(f"/results/results/{i}/namedScores/{name}", "ambiguous-metric",
                         f"result {i}: named scores {per_case[metric]} and {name} both map to the gate metric {metric}",
                         "name one assertion metric per gate metric")
            per_case[metric] = name
            samples.add(metric, None if errored else float(value))
        for field_name in ("latencyMs", "cost"):
            metric = gate_metric("promptfoo", field_name, field_name=True)[1]
            if metric in measured:
                value = row.get(field_name)
                samples.add(metric, float(value) if finite_number(value) and not errored else None)
        for metric in measured - set(per_case) - {gate_metric("promptfoo", f, field_name=True)[1] for f in ("latencyMs", "cost")}:
            samples.add(metric, None)  # a case without the score the others have: not measured, so an error
    if samples.cases == 0:
        raise at("/results/results", "no-cases", f"the {WHAT} holds no results")
    return samples


def _provider(row: dict[str, Any]) -> str:
    p = row.get("provider")
    if isinstance(p, dict):
        return str(p.get("label") or p.get("id") or "")
    return p if isinstance(p, str) else ""
