"""spec.knowledgeBases → Bedrock knowledge base, its S3 data source, its role, and an ingestion schedule."""

from __future__ import annotations

from llmops_iac.compile import tokens as T
from llmops_iac.compile.context import Ctx
from llmops_iac.compile.plan import join, ref, to_json
from llmops_iac.compile.security import kms_use, role, secure_bucket
from llmops_iac.compile.vectorstores import METADATA_FIELD, TEXT_FIELD, VECTOR_FIELD, dimensions, index_name
from llmops_iac.spec.load import escape


def role_name(kb: str) -> str:
    return f"kb-{kb}-role"


def compile_knowledge_bases(ctx: Ctx) -> None:
    """Add every knowledge base; the app's invoke role gets Retrieve/RetrieveAndGenerate on each."""
    spec = ctx.app.spec
    for name, kb in sorted(spec.knowledge_bases.items()):
        source = f"/spec/knowledgeBases/{escape(name)}"
        store = spec.vector_stores[kb.vector_store]
        embedding = spec.embeddings[kb.embedding]
        embedding_arn = ctx.foundation_model_arn(embedding.model_id)
        if kb.data_source.bucket:
            bucket_arn = f"arn:{ctx.partition}:s3:::{kb.data_source.bucket}"
            bucket_dep: list[str] = []
        else:
            bucket = secure_bucket(ctx, f"kb-{name}-documents", f"{name}-docs", f"{source}/dataSource")
            bucket_arn = ref(bucket, "arn")
            bucket_dep = [f"{bucket}-policy"]
        prefixes = list(kb.data_source.inclusion_prefixes or ())
        list_statement: dict = {"Sid": "ListDocuments", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn}
        if prefixes:
            list_statement["Condition"] = {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}}
        statements = [
            {"Sid": "EmbedDocuments", "Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": embedding_arn},
            list_statement,
            {"Sid": "ReadDocuments", "Effect": "Allow", "Action": "s3:GetObject",
             "Resource": [join(bucket_arn, f"/{p}*") for p in prefixes] or [join(bucket_arn, "/*")]},
            kms_use(ctx),
        ]
        if store.type == "s3-vectors":
            index_arn = ref(f"vs-{kb.vector_store}-index", "indexArn")
            statements.append({"Sid": "UseVectorIndex", "Effect": "Allow",
                               "Action": ["s3vectors:GetIndex", "s3vectors:QueryVectors", "s3vectors:PutVectors",
                                          "s3vectors:GetVectors", "s3vectors:DeleteVectors"],
                               "Resource": index_arn})
            storage = {"type": "S3_VECTORS", "s3VectorsConfiguration": {"indexArn": index_arn}}
        else:
            collection = f"vs-{kb.vector_store}-collection"
            statements.append({"Sid": "UseCollection", "Effect": "Allow", "Action": "aoss:APIAccessAll",
                               "Resource": ref(collection, "arn")})
            storage = {"type": "OPENSEARCH_SERVERLESS", "opensearchServerlessConfiguration": {
                "collectionArn": ref(collection, "arn"),
                "vectorIndexName": index_name(kb.vector_store),
                "fieldMapping": {"vectorField": VECTOR_FIELD, "textField": TEXT_FIELD, "metadataField": METADATA_FIELD},
            }}
        kb_role = role(ctx, role_name(name), f"kb-{name}", source, service="bedrock.amazonaws.com", statements=statements,
                       description=f"Bedrock knowledge base {name} of {ctx.name}: embed, read documents, use the vector store")
        logical = f"kb-{name}"
        ctx.plan.add(logical, T.KNOWLEDGE_BASE, {
            "name": ctx.physical("knowledge-base", name),
            "description": kb.description or f"{ctx.name} knowledge base {name}",
            "roleArn": ref(kb_role, "arn"),
            "knowledgeBaseConfiguration": {"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
                "embeddingModelArn": embedding_arn,
                "embeddingModelConfiguration": {"bedrockEmbeddingModelConfiguration": {
                    "dimensions": dimensions(ctx, kb.vector_store), "embeddingDataType": "FLOAT32"}},
            }},
            "storageConfiguration": storage,
        }, source, depends_on=[f"{kb_role}-policy", f"vs-{kb.vector_store}-index"], meta={
            "models": list(kb.models or ()), "guardrails": ctx.guardrails_of.get(f"kb:{name}", []),
            "vectorStore": kb.vector_store, "embedding": kb.embedding})
        ctx.plan.add(f"{logical}-source", T.DATA_SOURCE, {
            "knowledgeBaseId": ref(logical, "id"),
            "name": ctx.physical("data-source", name, "s3"),
            "dataDeletionPolicy": "DELETE",
            "dataSourceConfiguration": {"type": "S3", "s3Configuration": {
                "bucketArn": bucket_arn, **({"inclusionPrefixes": prefixes} if prefixes else {})}},
            "serverSideEncryptionConfiguration": {"kmsKeyArn": ctx.key_arn()},
            "vectorIngestionConfiguration": {"chunkingConfiguration": _chunking(kb.chunking)},
        }, f"{source}/dataSource", depends_on=bucket_dep)
        if kb.data_source.refresh_schedule != "manual":
            _schedule(ctx, name, logical, kb.data_source.refresh_schedule, f"{source}/dataSource/refreshSchedule")
        ctx.invoke_statements.append({
            "Sid": f"Retrieve{_sid(name)}", "Effect": "Allow",
            "Action": ["bedrock:Retrieve", "bedrock:RetrieveAndGenerate"], "Resource": ref(logical, "arn")})
        ctx.plan.outputs[f"knowledgeBase.{name}.id"] = ref(logical, "id")
        ctx.plan.outputs[f"knowledgeBase.{name}.dataSourceId"] = ref(f"{logical}-source", "dataSourceId")


def _chunking(chunking) -> dict:
    if chunking.strategy == "fixed":
        return {"chunkingStrategy": "FIXED_SIZE", "fixedSizeChunkingConfiguration": {
            "maxTokens": chunking.max_tokens, "overlapPercentage": chunking.overlap_percent}}
    if chunking.strategy == "hierarchical":
        h = chunking.hierarchical
        parent, child, overlap = (h.parent_max_tokens, h.child_max_tokens, h.overlap_tokens) if h else (1500, 300, 60)
        return {"chunkingStrategy": "HIERARCHICAL", "hierarchicalChunkingConfiguration": {
            "levelConfigurations": [{"maxTokens": parent}, {"maxTokens": child}], "overlapTokens": overlap}}
    if chunking.strategy == "semantic":
        s = chunking.semantic
        return {"chunkingStrategy": "SEMANTIC", "semanticChunkingConfiguration": {
            "maxToken": chunking.max_tokens,
            "bufferSize": s.buffer_size if s else 0,
            "breakpointPercentileThreshold": s.breakpoint_percentile_threshold if s else 95}}
    return {"chunkingStrategy": "NONE"}


def _schedule(ctx: Ctx, name: str, kb_logical: str, expression: str, source: str) -> None:
    scheduler_role = role(ctx, f"kb-{name}-ingestion-role", f"kb-{name}-ingest", source, service="scheduler.amazonaws.com",
                          statements=[{"Sid": "StartIngestion", "Effect": "Allow", "Action": "bedrock:StartIngestionJob",
                                       "Resource": ref(kb_logical, "arn")}],
                          description=f"EventBridge Scheduler starts ingestion of knowledge base {name}")
    ctx.plan.add(f"{kb_logical}-ingestion-schedule", T.SCHEDULE, {
        "name": ctx.physical("schedule", name, "ingest"),
        "description": f"Re-ingest the documents of knowledge base {name}",
        "scheduleExpression": expression,
        "flexibleTimeWindow": {"mode": "FLEXIBLE", "maximumWindowInMinutes": 15},
        "kmsKeyArn": ctx.key_arn(),
        "target": {
            "arn": "arn:aws:scheduler:::aws-sdk:bedrockagent:startIngestionJob",
            "roleArn": ref(scheduler_role, "arn"),
            "input": to_json({"KnowledgeBaseId": ref(kb_logical, "id"), "DataSourceId": ref(f"{kb_logical}-source", "dataSourceId")}),
        },
    }, source, depends_on=[f"{scheduler_role}-policy"])


def _sid(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
