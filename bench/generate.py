"""Generate a corpus of realistic, varied LLMApplication specs for the 1,000-spec benchmark.

Every spec is derived from one of examples/*.yaml and varied along the axes a
large organisation's specs differ on: application name, owner and cost centre,
data classification, region (within the geography its cross-region inference
profiles allow), Bedrock model IDs (from the schema's enum, respecting which
ones need an inference profile), open models on SageMaker with an instance type
whose GPUs hold them (llmops_iac/compile/instances.py), vector store type
(s3-vectors / opensearch-serverless) and its options, guardrail filter
strengths, log retention, budgets and traffic, and which environments exist.

Each application gets its own directory, as in a monorepo of LLM apps:
``<out>/<name>/llmapp.yaml`` with the prompt and dataset files it references
copied next to it (the prompts carry an app-specific header, so no two specs
resolve to the same content). The output is a pure function of ``--seed``.

    .venv/bin/python bench/generate.py --count 1000 --seed 7 --out bench/out/corpus
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import random
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DEFAULT_OUT = ROOT / "bench" / "out" / "corpus"

# Base examples and how often each shape appears in the corpus.
BASES = (("support-assistant", 35), ("document-intelligence", 25), ("self-hosted-llama", 32), ("minimal", 8))

_SCHEMA = json.loads((ROOT / "schemas" / "llmapp.schema.json").read_text(encoding="utf-8"))
BEDROCK_TEXT = list(_SCHEMA["$defs"]["bedrockTextModelId"]["enum"])
# Models offered on demand only through a cross-region inference profile (the schema's if/then).
NEEDS_PROFILE = set(_SCHEMA["$defs"]["bedrockModel"]["allOf"][0]["if"]["properties"]["modelId"]["enum"])
DIRECT = [m for m in BEDROCK_TEXT if m not in NEEDS_PROFILE]
PROFILED = [m for m in BEDROCK_TEXT if m in NEEDS_PROFILE]
RETENTION = [d for d in _SCHEMA["$defs"]["monitoring"]["properties"]["logRetentionDays"]["enum"] if 30 <= d <= 731]

REGIONS = {"us": ["us-east-1", "us-west-2"], "eu": ["eu-central-1", "eu-west-1"]}

# Open models on SageMaker and instance types whose GPUs hold them at bf16 (weights + KV cache),
# with a cheaper instance for an fp8 A/B variant. GPU memory per instances.TABLE.
OPEN_MODELS = [
    ("meta-llama/Meta-Llama-3-8B-Instruct", ["ml.g5.2xlarge", "ml.g6.2xlarge", "ml.g6e.xlarge", "ml.g5.4xlarge"], "ml.g6.xlarge"),
    ("meta-llama/Llama-3.1-8B-Instruct", ["ml.g5.2xlarge", "ml.g6.2xlarge", "ml.g6e.2xlarge"], "ml.g6.xlarge"),
    ("mistralai/Mistral-7B-Instruct-v0.3", ["ml.g5.2xlarge", "ml.g6.xlarge", "ml.g6e.xlarge"], "ml.g5.xlarge"),
    ("Qwen/Qwen2.5-7B-Instruct", ["ml.g5.2xlarge", "ml.g6.2xlarge", "ml.g6e.xlarge"], "ml.g6.xlarge"),
    ("Qwen/Qwen2.5-14B-Instruct", ["ml.g6e.2xlarge", "ml.g5.12xlarge", "ml.g6.12xlarge"], "ml.g6e.xlarge"),
    ("meta-llama/Llama-3.1-70B-Instruct", ["ml.p4de.24xlarge", "ml.p5.48xlarge"], "ml.g6e.12xlarge"),
]

WORDS = ["claims", "billing", "onboarding", "search", "triage", "contracts", "kyc", "hr", "sales", "legal", "risk",
         "fraud", "support", "catalog", "returns", "travel", "payroll", "audit", "procure", "compliance", "docs",
         "clinical", "policy", "tax", "logistics", "pricing", "insight", "helpdesk", "wiki", "tickets"]
ROLES = ["assistant", "copilot", "bot", "summarizer", "extractor", "qa", "agent", "classifier", "digest", "advisor"]
TEAMS = ["ml-platform", "data-science", "legal-engineering", "cx-engineering", "finance-tech", "it-ops", "risk-analytics"]
LEVELS = ["HIGH", "HIGH", "HIGH", "MEDIUM"]


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors/aliases (the strict loader rejects none, but specs in the wild rarely use them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))


def _bases() -> dict[str, dict[str, Any]]:
    return {name: _load(name) for name, _ in BASES}


def _scale(rng: random.Random, value: float, lo: float = 0.5, hi: float = 2.5) -> int:
    return max(10, int(round(value * rng.uniform(lo, hi), -1)))


def _geo(region: str) -> str:
    return "eu" if region.startswith("eu-") else "us"


def vary(base_name: str, base: dict[str, Any], rng: random.Random, index: int) -> dict[str, Any]:
    """One varied spec derived from ``base`` (a parsed example); deterministic given ``rng``'s state."""
    doc = copy.deepcopy(base)
    name = f"{rng.choice(WORDS)}-{rng.choice(ROLES)}-{index:04d}"
    meta = doc["metadata"]
    meta["name"] = name
    if base_name == "minimal":
        if rng.random() < 0.5:
            meta["owner"] = f"{rng.choice(TEAMS)}@example.com"
        return doc
    team = rng.choice(TEAMS)
    meta["owner"] = f"{team}@example.com"
    meta["costCenter"] = f"CC-{rng.randint(1000, 9999)}-{team}"
    meta["dataClassification"] = rng.choice(["internal", "internal", "confidential", "restricted"])
    spec = doc["spec"]
    geo = _geo(spec.get("region", "us-east-1"))
    spec["region"] = rng.choice(REGIONS[geo])

    for model in spec.get("models", {}).values():
        if model.get("provider") == "bedrock":
            if model.get("crossRegionInference", "none") != "none":
                model["modelId"] = rng.choice(PROFILED)
            else:
                model["modelId"] = rng.choice(DIRECT)
        elif model.get("provider") == "sagemaker":
            model_id, instances, cheap = rng.choice(OPEN_MODELS)
            revision = hashlib.sha1(f"{model_id}:{index}".encode()).hexdigest()
            model["modelId"] = model_id
            model["revision"] = revision
            model["modelDataUrl"] = f"s3://acme-ml-model-artifacts/{model_id}/{revision}/"
            model["instanceType"] = rng.choice(instances)
            model["maxContextTokens"] = rng.choice([4096, 8192])
            model["maxConcurrentRequests"] = rng.choice([2, 4])
            for variant in model.get("variants") or []:
                if "instanceType" in variant:
                    variant["instanceType"] = cheap
            if model.get("variants") and rng.random() < 0.3:
                del model["variants"]  # no A/B test in this app
            auto = model.get("autoscaling")
            if auto:
                auto["maxCapacity"] = max(auto["minCapacity"], rng.choice([2, 4, 6, 8]))

    for store in spec.get("vectorStores", {}).values():
        if store.get("type") == "s3-vectors" and rng.random() < 0.4:
            store["type"] = "opensearch-serverless"
            store["publicAccess"] = False
            store["vpcEndpoints"] = [f"vpce-{hashlib.sha1(name.encode()).hexdigest()[:17]}"]
            store["standbyReplicas"] = rng.random() < 0.7
        elif store.get("type") == "opensearch-serverless":
            store["standbyReplicas"] = rng.random() < 0.8
        store["encryption"] = rng.choice(["customer-managed", "customer-managed", "aws-owned"]) \
            if "encryption" in store else store.get("encryption", "customer-managed")

    for guard in spec.get("guardrails", {}).values():
        for filt, setting in (guard.get("contentFilters") or {}).items():
            if isinstance(setting, dict):
                for side in setting:
                    setting[side] = rng.choice(LEVELS)

    mon = spec.get("monitoring")
    if mon and "logRetentionDays" in mon:
        mon["logRetentionDays"] = rng.choice(RETENTION)

    budgets = spec.get("budgets")
    if budgets:
        budgets["monthlyUsd"] = _scale(rng, budgets["monthlyUsd"])
        traffic = budgets.get("expectedTraffic")
        if traffic and "requestsPerDay" in traffic:
            traffic["requestsPerDay"] = _scale(rng, traffic["requestsPerDay"], 0.2, 3.0)

    envs = spec.get("environments")
    if envs:
        for env in envs.values():
            env_budget = env.get("budgets")
            if env_budget and "monthlyUsd" in env_budget:
                env_budget["monthlyUsd"] = _scale(rng, env_budget["monthlyUsd"])
            env_mon = env.get("monitoring")
            if env_mon and "logRetentionDays" in env_mon:
                env_mon["logRetentionDays"] = rng.choice(RETENTION)
        if "dev" in envs and rng.random() < 0.3:
            envs["staging"] = copy.deepcopy(envs["dev"])
        if "dev" in envs and rng.random() < 0.15:
            del envs["dev"]
    if "maturity" in spec:
        spec["maturity"]["target"] = rng.choice([1, 2, 2, 3])
    return doc


def _referenced_files(doc: dict[str, Any]) -> list[str]:
    spec = doc.get("spec", {})
    files = [p["file"] for p in (spec.get("prompts") or {}).values() if "file" in p]
    files += [d["file"] for d in ((spec.get("evaluation") or {}).get("datasets") or {}).values() if "file" in d]
    return files


def generate(out: Path, count: int = 1000, seed: int = 7) -> list[Path]:
    """Write ``count`` specs (and their prompt/dataset files) under ``out``; return the spec paths in order."""
    rng = random.Random(seed)
    bases = _bases()
    names = [n for n, _ in BASES]
    weights = [w for _, w in BASES]
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    paths = []
    for index in range(count):
        base_name = rng.choices(names, weights)[0]
        doc = vary(base_name, bases[base_name], rng, index)
        app_dir = out / doc["metadata"]["name"]
        app_dir.mkdir()
        for rel in _referenced_files(doc):
            target = app_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            source = (EXAMPLES / rel).read_text(encoding="utf-8")
            if rel.endswith(".txt"):
                source = f"# {doc['metadata']['name']}: {rel}\n{source}"
            target.write_text(source, encoding="utf-8")
        body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
        path = app_dir / "llmapp.yaml"
        path.write_text(f"# generated by bench/generate.py from examples/{base_name}.yaml (seed {seed})\n{body}",
                        encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    paths = generate(args.out, args.count, args.seed)
    print(f"wrote {len(paths)} specs to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
