"""Monthly cost of knowledge bases (query and ingestion embeddings) and their vector stores (S3 Vectors, OpenSearch Serverless)."""

from __future__ import annotations

import math
from typing import Any

from llmops_iac.cost.breakdown import CHARS_PER_TOKEN, GIB, TIB, add, flat, rng, scale
from llmops_iac.cost.builder import TYPES, Builder
from llmops_iac.cost.traffic import runs_per_month


def _chunks(b: Builder, source: dict[str, Any] | None) -> tuple[float, float, str]:
    """Vectors from the corpus assumption and the data source's chunking: (vectors, tokens per vector, what)."""
    corpus = float(b.a.kb_corpus_tokens)
    chunking = (((source or {}).get("inputs") or {}).get("vectorIngestionConfiguration") or {}).get("chunkingConfiguration") or {}
    strategy = chunking.get("chunkingStrategy", "FIXED_SIZE")
    if strategy == "HIERARCHICAL":
        cfg = chunking.get("hierarchicalChunkingConfiguration") or {}
        levels = cfg.get("levelConfigurations") or [{"maxTokens": 1500}, {"maxTokens": 300}]
        child = float(levels[-1].get("maxTokens", 300))
        step = max(child - float(cfg.get("overlapTokens", 0)), 1.0)
        return corpus / step, float(levels[0].get("maxTokens", 1500)), f"hierarchical, {child:.0f}-token children"
    if strategy == "SEMANTIC":
        size = float((chunking.get("semanticChunkingConfiguration") or {}).get("maxTokens", 300))
        return corpus / size, size, f"semantic, up to {size:.0f} tokens"
    if strategy == "NONE":
        return corpus / 2000.0, 2000.0, "one chunk per 2,000-token document"
    cfg = chunking.get("fixedSizeChunkingConfiguration") or {"maxTokens": 300, "overlapPercentage": 20}
    size = float(cfg.get("maxTokens", 300))
    step = max(size * (1 - float(cfg.get("overlapPercentage", 0)) / 100.0), 1.0)
    return corpus / step, size, f"fixed {size:.0f}-token chunks"


def knowledge_bases(b: Builder) -> None:
    req = b.model_requests()
    store_load: dict[str, dict[str, Any]] = {}
    for name, r in b.res.items():
        if r["type"] != TYPES["kb"]:
            continue
        meta = r.get("meta") or {}
        models = [m for m in meta.get("models", []) if m in b.models]
        queries = scale(req, len(models))
        arn = ((r["inputs"].get("knowledgeBaseConfiguration") or {}).get("vectorKnowledgeBaseConfiguration") or {}).get(
            "embeddingModelArn", "")
        mid = arn.rsplit("foundation-model/", 1)[-1] if "foundation-model/" in arn else ""
        vectors, chunk_tokens, how = _chunks(b, b.res.get(f"{name}-source"))
        schedule = b.res.get(f"{name}-ingestion-schedule")
        expression = schedule["inputs"].get("scheduleExpression") if schedule else None
        runs = runs_per_month(expression, b.days)
        reembed = b.a.kb_corpus_tokens * b.a.kb_change_per_ingestion * runs
        b.line(name, "knowledge base", "bedrock-kb/knowledge-base", flat(1.0))
        if mid:
            b.line(name, f"{mid}: query embeddings ({b.a.query_tokens} tokens × one query per request of "
                            f"{', '.join(models) or 'no model'})", f"bedrock-embedding/{mid}/input",
                      scale(queries, b.a.query_tokens / 1000.0))
            if runs:
                b.line(name, f"{mid}: re-ingestion embeddings ({runs:.0f} runs × "
                                f"{100 * b.a.kb_change_per_ingestion:g} % of the corpus)",
                          f"bedrock-embedding/{mid}/input", flat(reembed / 1000.0))
            b.line(name, f"{mid}: initial ingestion of the corpus ({b.a.kb_corpus_tokens:,} tokens, assumed)",
                      f"bedrock-embedding/{mid}/input", flat(b.a.kb_corpus_tokens / 1000.0), recurring=False)
        b.note(name, f"corpus assumed {b.a.kb_corpus_tokens:,} tokens ({how}: ~{vectors:,.0f} vectors); "
                        f"ingestion {expression or 'manual'}")
        store = meta.get("vectorStore")
        if store:
            load = store_load.setdefault(store, {"queries": rng(), "vectors": 0.0, "chunk_tokens": chunk_tokens,
                                                 "reingested": 0.0})
            load["queries"] = add(load["queries"], queries)
            load["vectors"] += vectors
            load["chunk_tokens"] = max(load["chunk_tokens"], chunk_tokens)
            load["reingested"] += vectors * b.a.kb_change_per_ingestion * runs
    _s3_vectors(b, store_load)
    _opensearch(b, store_load)


def _s3_vectors(b: Builder, load: dict[str, dict[str, Any]]) -> None:
    for name, r in b.res.items():
        if r["type"] != TYPES["vindex"] or not name.startswith("vs-") or not name.endswith("-index"):
            continue
        store = name[len("vs-"):-len("-index")]
        info = load.get(store) or {"queries": rng(), "vectors": 0.0, "chunk_tokens": 0.0, "reingested": 0.0}
        dims = int(r["inputs"].get("dimension") or (r.get("meta") or {}).get("dimensions") or 1024)
        key_bytes = 40
        vector_bytes = dims * 4 + key_bytes + info["chunk_tokens"] * CHARS_PER_TOKEN + 200
        storage_gb = info["vectors"] * vector_bytes / GIB
        b.line(name, f"storage: ~{info['vectors']:,.0f} vectors of {dims} dimensions with chunk text",
                  "s3vectors/storage", flat(storage_gb))
        if info["reingested"]:
            b.line(name, "PUT of re-ingested vectors", "s3vectors/put", flat(info["reingested"] * vector_bytes / GIB))
        b.line(name, "initial PUT of the corpus", "s3vectors/put", flat(storage_gb), recurring=False)
        b.line(name, "query requests", "s3vectors/query-requests", scale(info["queries"], 1 / 1000.0))
        processed = dims * 4 + key_bytes + 100  # vector, key and filterable metadata per vector
        first = min(info["vectors"], 100_000) * processed / TIB
        rest = max(info["vectors"] - 100_000, 0.0) * processed / TIB
        b.line(name, "query data processed (first 100,000 vectors)", "s3vectors/query-data-first-100k",
                  scale(info["queries"], first))
        if rest:
            b.line(name, "query data processed (beyond 100,000 vectors)", "s3vectors/query-data-over-100k",
                      scale(info["queries"], rest))


def _opensearch(b: Builder, load: dict[str, dict[str, Any]]) -> None:
    facts = b.prices.facts
    groups: dict[tuple[str, str], list[str]] = {}
    for name, r in b.res.items():
        if r["type"] == TYPES["collection"]:
            key = _aoss_key(b, name)
            standby = r["inputs"].get("standbyReplicas", "ENABLED")
            groups.setdefault((key, standby), []).append(name)
    for (key, standby), names in sorted(groups.items()):
        first = min(names)
        floor = facts["aossMinimumOcus"]["withStandbyReplicas" if standby == "ENABLED" else "withoutStandbyReplicas"]
        replicas = 2 if standby == "ENABLED" else 1
        vectors = sum((load.get(n[len("vs-"):-len("-collection")]) or {}).get("vectors", 0.0) for n in names)
        dims = max(int((b.res[n].get("meta") or {}).get("dimensions") or 1024) for n in names)
        # HNSW graph memory (OpenSearch's sizing rule): 1.1 × (4 × d + 8 × M) bytes per vector, M = 16;
        # about half of an OCU's 6 GiB serves graphs.
        graph_gib = 1.1 * (4 * dims + 8 * 16) * vectors / GIB
        search_per_replica = max(floor["search"] / replicas, math.ceil(2 * graph_gib / 3.0) / 2.0)
        search = search_per_replica * replicas
        indexing = floor["indexing"]
        ocus = rng(floor["indexing"] + floor["search"], indexing + search,
                  facts["aossDefaultMaximumOcus"]["indexing"] + facts["aossDefaultMaximumOcus"]["search"])
        b.line(first, f"OCU-hours: floor {floor['indexing']:g} indexing + {floor['search']:g} search OCUs "
                         f"({'with' if standby == 'ENABLED' else 'without'} standby replicas)",
                  "aoss/ocu-hour", scale(ocus, b.hours))
        b.note(first, "maximum: the account's default capacity limit (10 indexing + 10 search OCUs); "
                         "lower it with UpdateAccountSettings to cap the bill")
        if len(names) > 1:
            b.note(first, f"collections {', '.join(sorted(names))} share these OCUs (same KMS key)")
        chunk_tokens = max((load.get(n[len("vs-"):-len("-collection")]) or {}).get("chunk_tokens", 0.0) for n in names)
        storage_gb = vectors * (dims * 4 + chunk_tokens * CHARS_PER_TOKEN + 300) / GIB
        b.line(first, "managed storage (vectors and chunk text)", "aoss/storage", flat(storage_gb))


def _aoss_key(b: Builder, collection: str) -> str:
    policy = b.res.get(collection.replace("-collection", "-encryption-policy"))
    if policy is None:
        return "aws-owned"
    text = repr(policy.get("inputs", {}).get("policy"))
    return "customer-managed" if "kms" in text.lower() or "KmsARN" in text else "aws-owned"
