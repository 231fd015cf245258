# Retrieval: vector stores and knowledge bases index what the embedding model produces, and stay fresh.
package llmops.retrieval

import rego.v1

import data.llmops.lib

# Longest input, in tokens, each Bedrock embedding model embeds (Bedrock user guide,
# model parameters). A chunk longer than this is truncated before it is embedded.
_embedding_max_tokens := {
	"amazon.titan-embed-text-v1": 8192,
	"amazon.titan-embed-text-v2:0": 8192,
	"cohere.embed-english-v3": 512,
	"cohere.embed-multilingual-v3": 512,
}

_index_types := {"aws:s3/vectorsIndex:VectorsIndex", "aws-native:opensearchserverless:Index"}

# METADATA
# title: Vector indexes have the embedding model's dimensions
# description: >-
#   A vector index whose dimension differs from the vectors the embedding model
#   produces rejects every write (or, padded, retrieves nonsense): ingestion fails and
#   the knowledge base answers from nothing.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/knowledge-base-setup.html
# custom:
#   id: LLM-RET-001
#   severity: error
#   security: false
#   remediation: >-
#     Remove the vector store's dimensions (it is taken from the embedding model) or set
#     it to the embedding's dimensions.
#   frameworks:
#     owasp: [LLM08]
#     nist: [MEASURE 2.5]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENPERF04-BP02]
#   applies_to: [aws:s3/vectorsIndex:VectorsIndex, aws-native:opensearchserverless:Index]
dimension_mismatch contains lib.field_result(r, concat("/", [r.source, "dimensions"]), msg) if {
	some r in lib.resources_of(_index_types)
	embedding := r.meta.embedding
	index_dims := r.meta.dimensions
	model_dims := object.get(lib.spec_section("embeddings"), [embedding, "dimensions"], index_dims)
	index_dims != model_dims
	msg := sprintf(
		"vector index %s has %d dimensions, embedding %s produces %d",
		[r.name, index_dims, embedding, model_dims],
	)
}

# METADATA
# title: Production knowledge bases re-ingest on a schedule
# description: >-
#   A knowledge base refreshed by hand answers from documents that were withdrawn or
#   corrected weeks ago: production knowledge bases re-ingest on a schedule.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/kb-data-source-sync-ingest.html
# custom:
#   id: LLM-RET-002
#   severity: note
#   security: false
#   remediation: Set dataSource.refreshSchedule to a rate or cron expression, e.g. rate(1 day).
#   frameworks:
#     owasp: [LLM09]
#     nist: [MANAGE 4.1]
#     euAiAct: [Article 10]
#     awsGenAiLens: [GENOPS04-BP02]
#   applies_to: [aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase]
manual_refresh contains lib.field_result(kb, concat("/", [kb.source, "dataSource/refreshSchedule"]), msg) if {
	some kb in lib.resources("aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase")
	not _scheduled(kb)
	msg := sprintf("knowledge base %s is only re-ingested by hand", [trim_prefix(kb.name, "kb-")])
}

_scheduled(kb) if {
	some s in lib.resources("aws:scheduler/schedule:Schedule")
	lib.refers_to(s.inputs.target, kb.name)
}

# METADATA
# title: Chunks fit the embedding model's input
# description: >-
#   Chunks longer than the embedding model's input limit (512 tokens for Cohere Embed
#   v3, 8,192 for Titan) are cut before embedding: the end of every long chunk is never
#   searchable, although it is returned to the model as context.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/kb-chunking.html
# custom:
#   id: LLM-RET-003
#   severity: error
#   security: false
#   remediation: >-
#     Lower chunking.maxTokens (the child size for hierarchical chunking) to the embedding
#     model's limit, or use an embedding model with a longer input.
#   frameworks:
#     owasp: [LLM08]
#     nist: [MEASURE 2.5]
#     awsGenAiLens: [GENPERF04-BP01]
#   applies_to: [aws:bedrock/agentDataSource:AgentDataSource]
chunk_too_long contains lib.field_result(source, concat("/", [kb.source, _chunk_size_field[strategy]]), msg) if {
	some source in lib.resources("aws:bedrock/agentDataSource:AgentDataSource")
	some kb in lib.resources("aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase")
	lib.is_ref_to(source.inputs.knowledgeBaseId, kb.name)
	arn := kb.inputs.knowledgeBaseConfiguration.vectorKnowledgeBaseConfiguration.embeddingModelArn
	model_id := _model_id(arn)
	limit := _embedding_max_tokens[model_id]
	chunking := source.inputs.vectorIngestionConfiguration.chunkingConfiguration
	strategy := chunking.chunkingStrategy
	tokens := _embedded_chunk_tokens(chunking)
	tokens > limit
	msg := sprintf(
		"data source %s makes chunks of up to %d tokens; %s embeds at most %d",
		[source.name, tokens, model_id, limit],
	)
}

# Where the spec sets the size of the chunks that are embedded, by chunking strategy.
_chunk_size_field := {
	"FIXED_SIZE": "chunking/maxTokens",
	"SEMANTIC": "chunking/maxTokens",
	"HIERARCHICAL": "chunking/hierarchical/childMaxTokens",
}

_model_id(arn) := parts[count(parts) - 1] if {
	is_string(arn)
	parts := split(arn, "foundation-model/")
}

# The largest chunk that is embedded: for hierarchical chunking the child level
# (the last level) is embedded; parents are only returned as context.
_embedded_chunk_tokens(c) := c.fixedSizeChunkingConfiguration.maxTokens if c.chunkingStrategy == "FIXED_SIZE"

_embedded_chunk_tokens(c) := c.semanticChunkingConfiguration.maxToken if c.chunkingStrategy == "SEMANTIC"

_embedded_chunk_tokens(c) := levels[count(levels) - 1].maxTokens if {
	c.chunkingStrategy == "HIERARCHICAL"
	levels := c.hierarchicalChunkingConfiguration.levelConfigurations
}

# METADATA
# title: Production vector collections keep standby replicas
# description: >-
#   Without standby replicas an OpenSearch Serverless collection runs in one
#   Availability Zone: an AZ failure stops retrieval, and every answer that depends on
#   it. Turning them off halves the capacity floor, which suits development only.
# related_resources:
#   - ref: https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-overview.html#serverless-process
# custom:
#   id: LLM-RET-004
#   severity: note
#   security: false
#   remediation: Set standbyReplicas to true (override it to false for development only).
#   frameworks:
#     nist: [MANAGE 2.4]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENREL05-BP02, GENREL06-BP01]
#   applies_to: [aws:opensearch/serverlessCollection:ServerlessCollection]
no_standby_replicas contains lib.field_result(r, concat("/", [r.source, "standbyReplicas"]), sprintf("collection %s has no standby replicas", [r.name])) if {
	some r in lib.resources("aws:opensearch/serverlessCollection:ServerlessCollection")
	object.get(r.inputs, "standbyReplicas", "ENABLED") != "ENABLED"
}
