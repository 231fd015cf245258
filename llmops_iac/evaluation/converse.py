"""Run a golden dataset on a Bedrock model through the Converse API and measure what can honestly be computed.

Per case (one JSON object per line of the dataset file): the input is the first string of ``input``,
``question``, ``message`` or ``prompt``; the reference the first of ``reference``, ``expected_answer``,
``expected`` or ``answer``; red-team cases say ``expected_behavior`` (refuse...). Measured:

- correctness (cases with a reference): a text reference must appear in the response (case and spacing
  ignored); an object reference must match, field by field, the first JSON object in the response;
- refusal-rate (cases whose expected_behavior starts with "refuse"): the response was refused, i.e. a
  guardrail intervened (stopReason guardrail_intervened) or the text opens with a refusal (REFUSALS); a
  keyword test, so a judge-based harness is the better measure where it matters;
- latency-p95-ms: Converse's own ``metrics.latencyMs`` per case;
- cost-per-request-usd: ``usage`` tokens at the price table's Bedrock rates (llmops_iac/cost, the one price
  table); not measured when the table has no price for the model.
A call that fails is an errored case of every metric, never dropped. boto3 is imported here only.
"""

from __future__ import annotations

import json
import re
from typing import Any

from llmops_iac.errors import Diagnostic, SpecError, UsageError
from llmops_iac.evaluation.metrics import Samples

INPUT_FIELDS = ("input", "question", "message", "prompt")
REFERENCE_FIELDS = ("reference", "expected_answer", "expected", "answer")
REFUSALS = re.compile(r"^\W*(i('| a)m sorry|sorry|i can(no|')t|i cannot|i won'?t|i('| a)m (not able|unable)|i must decline|"
                      r"unfortunately,? i can)", re.IGNORECASE)
MAX_TOKENS = 1024


def _model(loaded: Any, target: str | None) -> tuple[str, dict[str, Any], str | None]:
    """(model name, its spec, the system prompt reference to use) for ``target``."""
    spec = loaded.data["spec"]
    models = spec.get("models") or {}
    if target is None:
        bedrock = [n for n, m in models.items() if m.get("provider") == "bedrock"]
        if len(bedrock) != 1:
            raise UsageError(f"name the model to run with --target (the spec has {len(bedrock)} Bedrock models)")
        target = bedrock[0]
    if target in models:
        name, prompt = target, models[target].get("systemPrompt")
    else:
        pid = target.split("@")[0]
        users = [n for n, m in models.items() if (m.get("systemPrompt") or "").split("@")[0] == pid]
        owner = ((spec.get("prompts") or {}).get(pid) or {}).get("model")
        candidates = [owner] if owner else users
        if len(candidates) != 1:
            raise UsageError(f"--target {target}: the prompt is not the system prompt of exactly one model")
        name, prompt = candidates[0], target
    model = models[name]
    if model.get("provider") != "bedrock":
        raise UsageError(f"--target {target}: model {name} is served by {model.get('provider')}; eval run calls Bedrock only")
    return name, model, prompt


def _system_text(loaded: Any, ref: str | None) -> str | None:
    from llmops_iac.spec.files import MAX_PROMPT_BYTES

    if not ref:
        return None
    pid, _, version = ref.partition("@")
    prompt = (loaded.data["spec"].get("prompts") or {}).get(pid)
    if prompt is None or (version and str(prompt.get("version")) != version):
        raise UsageError(f"system prompt {ref}: the spec declares no such prompt version")
    return loaded.spec_files().read(prompt["file"], "prompt", MAX_PROMPT_BYTES).decode("utf-8")


def _cases(loaded: Any, dataset: str) -> tuple[str, list[tuple[int, dict[str, Any]]]]:
    from llmops_iac.evaluation.inputs import json_line
    from llmops_iac.spec.files import MAX_DATASET_BYTES

    entry = ((loaded.data["spec"].get("evaluation") or {}).get("datasets") or {}).get(dataset)
    if entry is None:
        raise UsageError(f"--dataset {dataset}: the spec declares no such evaluation dataset")
    raw = loaded.spec_files().read(entry["file"], "evaluation dataset", MAX_DATASET_BYTES)
    shown = entry["file"]
    out = []
    for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        case = json_line(line, shown, number, "evaluation dataset")
        if not isinstance(case, dict) or not any(isinstance(case.get(f), str) and case[f].strip() for f in INPUT_FIELDS):
            raise SpecError([Diagnostic(file=shown, line=number, col=1, code="no-input",
                                        message=f"case on line {number} has no input ({', '.join(INPUT_FIELDS)})",
                                        hint="give every case its input text")])
        out.append((number, case))
    if not out:
        raise SpecError([Diagnostic(file=shown, line=1, col=1, code="no-cases", message="the dataset has no cases",
                                    hint="add cases, one JSON object per line")])
    return shown, out


def _field(case: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((case[n] for n in names if n in case and case[n] not in (None, "")), None)


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def correct(response: str, reference: Any) -> bool:
    """Whether ``response`` holds ``reference``: a text contained in it, or an object's every field equal."""
    if isinstance(reference, str):
        return _normal(reference) in _normal(response)
    if isinstance(reference, dict):
        start = response.find("{")
        while start != -1:
            try:
                found, _ = json.JSONDecoder().raw_decode(response[start:])
            except ValueError:
                start = response.find("{", start + 1)
                continue
            return isinstance(found, dict) and all(found.get(k) == v for k, v in reference.items())
        return False
    return _normal(json.dumps(reference)) in _normal(response)


def refused(response: str, stop_reason: str | None) -> bool:
    return stop_reason == "guardrail_intervened" or bool(REFUSALS.match(response))


def run_dataset(loaded: Any, *, dataset: str, target: str | None, region: str | None = None,
                max_cases: int | None = None, client: Any = None) -> Samples:
    """Run ``dataset`` on the target model; ``client`` is a bedrock-runtime client (default: boto3's)."""
    from llmops_iac import __version__
    from llmops_iac.cost.prices import load_prices

    name, model, prompt_ref = _model(loaded, target)
    system = _system_text(loaded, prompt_ref)
    shown, cases = _cases(loaded, dataset)
    cases = cases[:max_cases] if max_cases else cases
    region = region or loaded.data["spec"].get("region")
    model_id = model["modelId"]
    geo = model.get("crossRegionInference") or "none"
    invoke_id = model_id if geo == "none" else f"{geo}.{model_id}"
    price_in, price_out = load_prices().bedrock_tokens(model_id, region)
    if client is None:
        import boto3  # lazy: never on the `check` path

        client = boto3.client("bedrock-runtime", region_name=region)
    samples = Samples(harness="llmops-iac-converse", version=__version__, sources=[shown])
    samples.extra = {"model": invoke_id, "region": region}
    for _, case in cases:
        samples.cases += 1
        reference = _field(case, REFERENCE_FIELDS)
        behaviour = case.get("expected_behavior")
        red_team = isinstance(behaviour, str) and behaviour.startswith("refuse")
        request: dict[str, Any] = {"modelId": invoke_id,
                                   "messages": [{"role": "user", "content": [{"text": _field(case, INPUT_FIELDS)}]}],
                                   "inferenceConfig": {"maxTokens": MAX_TOKENS, "temperature": 0}}
        if system:
            request["system"] = [{"text": system}]
        try:
            reply = client.converse(**request)
        except Exception:  # noqa: BLE001 - botocore's ClientError and transport errors: an errored case, counted
            reply = None
        metrics = [m for m, wanted in (("correctness", reference is not None), ("refusal-rate", red_team),
                                       ("latency-p95-ms", True),
                                       ("cost-per-request-usd", price_in is not None and price_out is not None)) if wanted]
        if reply is None:
            for metric in metrics:
                samples.add(metric, None)
            continue
        blocks = ((reply.get("output") or {}).get("message") or {}).get("content") or []
        text = "".join(b.get("text", "") for b in blocks if isinstance(b, dict))
        usage = reply.get("usage") or {}
        if "correctness" in metrics:
            samples.add("correctness", 1.0 if correct(text, reference) else 0.0)
        if "refusal-rate" in metrics:
            samples.add("refusal-rate", 1.0 if refused(text, reply.get("stopReason")) else 0.0)
        latency = (reply.get("metrics") or {}).get("latencyMs")
        samples.add("latency-p95-ms", float(latency) if isinstance(latency, (int, float)) else None)
        if "cost-per-request-usd" in metrics:
            tokens_in, tokens_out = usage.get("inputTokens"), usage.get("outputTokens")
            ok = isinstance(tokens_in, int) and isinstance(tokens_out, int)
            samples.add("cost-per-request-usd",
                        tokens_in / 1000 * price_in.usd + tokens_out / 1000 * price_out.usd if ok else None)
    if price_in is None or price_out is None:
        samples.ignored["cost-per-request-usd"] = f"the price table has no Bedrock token price for {model_id} in {region}"
    return samples
