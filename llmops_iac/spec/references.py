"""Checks a JSON Schema can't express: names that must exist, files that must exist, values that must agree."""

from __future__ import annotations

from typing import Any, Callable

from llmops_iac.errors import Diagnostic
from llmops_iac.spec import container_keys, prompt_files
from llmops_iac.spec.files import FileRefError, SpecFiles
from llmops_iac.spec.jsonschema_lite import did_you_mean
from llmops_iac.spec.load import SourceMap, escape

_GEOGRAPHY = {"us": "us", "eu": "eu", "ap": "apac", "ca": "us", "sa": "us"}


def check(data: dict[str, Any], source: SourceMap, files: SpecFiles) -> list[Diagnostic]:
    """Return a diagnostic for every dangling reference, missing file or contradiction in ``data``.

    ``data`` is valid against the schema with defaults applied; ``files`` resolves the paths it
    names (relative to the spec file's directory, confined to its repository) and remembers each
    answer for the next check of the same spec (its other environments name mostly the same files).
    """
    out: list[Diagnostic] = []
    spec = data["spec"]

    def err(pointer: str, code: str, message: str, hint: str, value: Any = None) -> None:
        file, line, col = source.locate(pointer)
        out.append(Diagnostic(file=file, line=line, col=col, code=code, message=message, hint=hint, pointer=pointer, value=value))

    def ref(pointer: str, name: str, section: str, what: str, accept: Callable[[dict[str, Any]], bool] | None = None,
            requirement: str = "") -> None:
        entries = spec.get(section, {})
        if name not in entries:
            guess = did_you_mean(name, list(entries))
            hint = f"did you mean {guess!r}?" if guess else (
                f"declared {section}: {', '.join(sorted(entries))}" if entries else f"declare it under spec.{section}")
            err(pointer, "unknown-reference", f"{what} {name!r} is not declared in spec.{section}", hint, name)
        elif accept is not None and not accept(entries[name]):
            err(pointer, "wrong-reference", f"{what} {name!r} {requirement}", f"name an entry of spec.{section} that qualifies", name)

    def is_bedrock(entry: dict[str, Any]) -> bool:
        return entry.get("provider") == "bedrock"

    region = spec.get("region", "")
    for name, model in spec.get("models", {}).items():
        base = f"/spec/models/{escape(name)}"
        profile = model.get("crossRegionInference", "none")
        if model["provider"] == "bedrock" and profile != "none":
            geo = _GEOGRAPHY.get(region.split("-")[0])
            if geo != profile:
                err(f"{base}/crossRegionInference", "region-mismatch",
                    f"cross-region inference profile {profile!r} does not serve region {region}",
                    f"use crossRegionInference: {geo}" if geo else "deploy to a us, eu or ap region", profile)
        if "systemPrompt" in model:
            _prompt_ref(spec, f"{base}/systemPrompt", model["systemPrompt"], err)
        if model["provider"] == "sagemaker":
            scaling = model.get("autoscaling", {})
            if scaling.get("minCapacity", 1) > scaling.get("maxCapacity", 1):
                err(f"{base}/autoscaling/minCapacity", "range", f"minCapacity {scaling['minCapacity']} is above maxCapacity {scaling['maxCapacity']}",
                    "raise maxCapacity or lower minCapacity", scaling["minCapacity"])
            names: dict[str, int] = {}
            variants = model.get("variants", [])
            for i, variant in enumerate(variants):
                if variant["name"] in names:
                    err(f"{base}/variants/{i}/name", "duplicate-name", f"variant name {variant['name']!r} is used twice",
                        "give each variant its own name", variant["name"])
                names[variant["name"]] = i
            for i, variant in enumerate(variants):
                if variant.get("modelId", model["modelId"]) != model["modelId"] and not (variant.get("revision") or variant.get("modelDataUrl")):
                    err(f"{base}/variants/{i}/modelId", "unpinned", f"variant {variant['name']!r} serves other weights without pinning them",
                        "give the variant its own revision (or modelDataUrl): the model's revision belongs to other weights", variant["modelId"])
            if model.get("networkIsolation") and not model.get("modelDataUrl"):
                err(f"{base}/networkIsolation", "unsupported", "a network-isolated container cannot download weights from the Hub",
                    "set modelDataUrl to the weights in S3, or turn networkIsolation off")
            if variants and sum(v["weight"] for v in variants) == 0:
                err(f"{base}/variants", "range", "variant weights add up to 0: no variant would get traffic", "give at least one variant a weight above 0")
            for key in model.get("container", {}).get("environment", {}):
                refused = container_keys.refusal(key)
                if refused:
                    err(f"{base}/container/environment/{escape(key)}", "reserved-key", *refused, key)
            _secret_refs(base, model.get("container", {}).get("environment") or {}, ref, err)
            if model.get("tensorParallelDegree") and model.get("container", {}).get("framework") == "tei":
                err(f"{base}/tensorParallelDegree", "unsupported", "TEI serves embedding models on one GPU: tensorParallelDegree does not apply",
                    "remove tensorParallelDegree or choose framework tgi, lmi or vllm")

    for name, secret in spec.get("secrets", {}).items():
        key = secret.get("kmsKeyArn")
        if key and key.split(":")[3] != secret["arn"].split(":")[3]:
            err(f"/spec/secrets/{escape(name)}/kmsKeyArn", "region-mismatch",
                f"secret {name!r} is in {secret['arn'].split(':')[3]} but its KMS key is in {key.split(':')[3]}",
                "a secret is encrypted with a key in its own region: give that key's ARN", key)

    for name, store in spec.get("vectorStores", {}).items():
        ref(f"/spec/vectorStores/{escape(name)}/embedding", store["embedding"], "embeddings", "embedding")

    for name, kb in spec.get("knowledgeBases", {}).items():
        base = f"/spec/knowledgeBases/{escape(name)}"
        ref(f"{base}/embedding", kb["embedding"], "embeddings", "embedding", is_bedrock,
            "runs on SageMaker; Bedrock knowledge bases embed with a Bedrock embedding model")
        ref(f"{base}/vectorStore", kb["vectorStore"], "vectorStores", "vector store")
        store = spec.get("vectorStores", {}).get(kb["vectorStore"])
        if store is not None and kb["embedding"] in spec.get("embeddings", {}) and store["embedding"] != kb["embedding"]:
            err(f"{base}/embedding", "mismatch",
                f"knowledge base embeds with {kb['embedding']!r} but vector store {kb['vectorStore']!r} holds {store['embedding']!r} vectors",
                "use the vector store's embedding, or a vector store built for this one", kb["embedding"])
        for i, model in enumerate(kb.get("models", [])):
            ref(f"{base}/models/{i}", model, "models", "model", is_bedrock,
                "runs on SageMaker; Bedrock knowledge bases generate answers with Bedrock models")

    for name, guard in spec.get("guardrails", {}).items():
        base = f"/spec/guardrails/{escape(name)}/appliesTo"
        applies = guard.get("appliesTo", {})
        for i, model in enumerate(applies.get("models", [])):
            ref(f"{base}/models/{i}", model, "models", "model")
        for i, kb in enumerate(applies.get("knowledgeBases", [])):
            ref(f"{base}/knowledgeBases/{i}", kb, "knowledgeBases", "knowledge base")

    for name, prompt in spec.get("prompts", {}).items():
        base = f"/spec/prompts/{escape(name)}"
        if "model" in prompt:
            ref(f"{base}/model", prompt["model"], "models", "model")
        _prompt_file(files, base, name, prompt, err)

    evaluation = spec.get("evaluation", {})
    for name, dataset in evaluation.get("datasets", {}).items():
        _file(files, f"/spec/evaluation/datasets/{escape(name)}/file", dataset["file"], "dataset", err)
    for i, gate in enumerate(evaluation.get("gates", [])):
        base = f"/spec/evaluation/gates/{i}"
        if gate["dataset"] not in evaluation.get("datasets", {}):
            names = list(evaluation.get("datasets", {}))
            guess = did_you_mean(gate["dataset"], names)
            err(f"{base}/dataset", "unknown-reference", f"dataset {gate['dataset']!r} is not declared in spec.evaluation.datasets",
                f"did you mean {guess!r}?" if guess else "declare it under spec.evaluation.datasets", gate["dataset"])
        if "min" not in gate and "max" not in gate:
            err(base, "missing-key", f"gate on {gate['metric']} has no threshold", "add `min:` or `max:` (or both)")
        if "min" in gate and "max" in gate and gate["min"] > gate["max"]:
            err(f"{base}/min", "range", f"min {gate['min']} is above max {gate['max']}: the gate can never pass", "fix the thresholds")
        target = gate.get("target")
        if target is not None:
            if "@" in target:
                _prompt_ref(spec, f"{base}/target", target, err)
            else:
                ref(f"{base}/target", target, "models", "model")

    alarm_names: set[str] = set()
    for i, alarm in enumerate(spec.get("monitoring", {}).get("alarms", [])):
        base = f"/spec/monitoring/alarms/{i}"
        if alarm["name"] in alarm_names:
            err(f"{base}/name", "duplicate-name", f"alarm name {alarm['name']!r} is used twice", "give each alarm its own name", alarm["name"])
        alarm_names.add(alarm["name"])
        if "target" in alarm:
            ref(f"{base}/target", alarm["target"], "models", "model")
    for i, trigger in enumerate((spec.get("humanReview") or {}).get("triggers", [])):
        if "model" in trigger:
            ref(f"/spec/humanReview/triggers/{i}/model", trigger["model"], "models", "model")
    return out


SECRET_ARN_SUFFIX = "_SECRET_ARN"
"""A container variable {secret: name} reaches the container as <VARIABLE>_SECRET_ARN (compile/secrets.py)."""


def _secret_refs(base: str, environment: dict[str, Any], ref: Callable[..., None], err: Callable[..., None]) -> None:
    """Each {secret: name} of a container names a declared secret, and its <VARIABLE>_SECRET_ARN is free."""
    for var, value in environment.items():
        if not isinstance(value, dict):
            continue
        pointer = f"{base}/container/environment/{escape(var)}"
        ref(f"{pointer}/secret", value["secret"], "secrets", "secret")
        target = var + SECRET_ARN_SUFFIX
        if target in environment:
            err(pointer, "duplicate-name", f"{var} references a secret, which the container gets as {target}, "
                f"but {target} is also set", f"remove {target}: llmops-iac sets it to the secret's ARN")


def _prompt_ref(spec: dict[str, Any], pointer: str, value: str, err: Callable[..., None]) -> None:
    pid, _, version = value.partition("@")
    prompts = spec.get("prompts", {})
    if pid not in prompts:
        guess = did_you_mean(pid, list(prompts))
        err(pointer, "unknown-reference", f"prompt {pid!r} is not declared in spec.prompts",
            f"did you mean '{guess}@{version}'?" if guess else "declare it under spec.prompts", value)
    elif prompts[pid]["version"] != int(version):
        err(pointer, "version-mismatch", f"prompt {pid!r} is at version {prompts[pid]['version']}, not {version}",
            f"reference {pid}@{prompts[pid]['version']}, or keep the old version as its own prompt entry", value)


def _file(files: SpecFiles, pointer: str, rel: str, what: str, err: Callable[..., None]) -> None:
    # resolved inside the repository, a regular file, opened as the later stages open it (llmops_iac/spec/files.py)
    problem = files.check(rel, what)
    if problem is not None:
        err(pointer, problem.code, problem.message, problem.hint, rel)


def _prompt_file(files: SpecFiles, base: str, name: str, prompt: dict[str, Any], err: Callable[..., None]) -> None:
    # the file as _file checks it, then what the compiler would refuse as it copies it into the Plan (UTF-8,
    # the size cap, the declared variables): `validate` and `check` agree
    try:
        used = prompt_files.used_variables(files, prompt["file"])
    except FileRefError as exc:
        err(f"{base}/file", exc.code, exc.message, exc.hint, prompt["file"])
        return
    wrong = prompt_files.mismatch(name, used, prompt.get("variables"))
    if wrong is not None:
        err(f"{base}/variables", "mismatch", wrong[0], wrong[1], prompt.get("variables"))
