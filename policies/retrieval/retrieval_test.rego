package llmops.retrieval_test

import rego.v1

import data.llmops.retrieval

_input(spec, resources) := {
	"spec": {"spec": spec},
	"plan": {"resources": resources},
	"context": {"environment": "prod"},
}

_resource(name, type, inputs, meta) := {"name": name, "type": type, "source": "/spec/x", "inputs": inputs, "meta": meta}

_embeddings := {"titan": {"provider": "bedrock", "modelId": "amazon.titan-embed-text-v2:0", "dimensions": 1024}}

_index(dimensions) := _resource(
	"vs-docs-index",
	"aws:s3/vectorsIndex:VectorsIndex",
	{"dimension": dimensions},
	{"embedding": "titan", "dimensions": dimensions},
)

_kb(model_id) := _resource(
	"kb-docs",
	"aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase",
	{
		"knowledgeBaseConfiguration": {
			"vectorKnowledgeBaseConfiguration": {
				"embeddingModelArn": sprintf("arn:aws:bedrock:us-east-1::foundation-model/%s", [model_id]),
			},
		},
	},
	{},
)

_source(chunking) := _resource("kb-docs-source", "aws:bedrock/agentDataSource:AgentDataSource", {
	"knowledgeBaseId": {"ref": "kb-docs", "attr": "id"},
	"vectorIngestionConfiguration": {"chunkingConfiguration": chunking},
}, {})

_fixed(tokens) := {
	"chunkingStrategy": "FIXED_SIZE",
	"fixedSizeChunkingConfiguration": {"maxTokens": tokens, "overlapPercentage": 20},
}

# -- LLM-RET-001 --------------------------------------------------------------------------------

test_fail_index_dimensions_differ if {
	retrieval.dimension_mismatch == {{
		"msg": "vector index vs-docs-index has 512 dimensions, embedding titan produces 1024",
		"resource": "vs-docs-index",
		"pointer": "/spec/x/dimensions",
	}} with input as _input({"embeddings": _embeddings}, [_index(512)])
}

test_pass_index_dimensions_match if {
	retrieval.dimension_mismatch == set() with input as _input({"embeddings": _embeddings}, [_index(1024)])
}

# -- LLM-RET-002 --------------------------------------------------------------------------------

test_fail_knowledge_base_refreshed_by_hand if {
	retrieval.manual_refresh == {{
		"msg": "knowledge base docs is only re-ingested by hand",
		"resource": "kb-docs",
		"pointer": "/spec/x/dataSource/refreshSchedule",
	}} with input as _input({}, [_kb("amazon.titan-embed-text-v2:0")])
}

test_pass_knowledge_base_on_a_schedule if {
	schedule := _resource(
		"kb-docs-ingestion-schedule",
		"aws:scheduler/schedule:Schedule",
		{"target": {"input": {"fn::toJSON": {"KnowledgeBaseId": {"ref": "kb-docs", "attr": "id"}}}}},
		{},
	)
	retrieval.manual_refresh == set() with input as _input({}, [_kb("amazon.titan-embed-text-v2:0"), schedule])
}

# -- LLM-RET-003 --------------------------------------------------------------------------------

test_fail_chunks_longer_than_the_embedding_input if {
	retrieval.chunk_too_long == {{
		"msg": "data source kb-docs-source makes chunks of up to 1000 tokens; cohere.embed-english-v3 embeds at most 512",
		"resource": "kb-docs-source",
		"pointer": "/spec/x/chunking/maxTokens",
	}} with input as _input({}, [_kb("cohere.embed-english-v3"), _source(_fixed(1000))])
}

test_fail_hierarchical_child_chunks_too_long if {
	chunking := {
		"chunkingStrategy": "HIERARCHICAL",
		"hierarchicalChunkingConfiguration": {
			"levelConfigurations": [{"maxTokens": 1500}, {"maxTokens": 600}],
			"overlapTokens": 60,
		},
	}
	count(retrieval.chunk_too_long) == 1 with input as _input({}, [_kb("cohere.embed-multilingual-v3"), _source(chunking)])
}

test_pass_chunks_fit if {
	chunking := {
		"chunkingStrategy": "HIERARCHICAL",
		"hierarchicalChunkingConfiguration": {
			"levelConfigurations": [{"maxTokens": 1500}, {"maxTokens": 300}],
			"overlapTokens": 60,
		},
	}
	retrieval.chunk_too_long == set() with input as _input({}, [_kb("cohere.embed-english-v3"), _source(chunking)])
}

test_pass_long_chunks_for_titan if {
	inp := _input({}, [_kb("amazon.titan-embed-text-v2:0"), _source(_fixed(1000))])
	retrieval.chunk_too_long == set() with input as inp
}

# -- LLM-RET-004 --------------------------------------------------------------------------------

test_fail_collection_without_standby_replicas if {
	collection := _resource(
		"vs-docs-collection",
		"aws:opensearch/serverlessCollection:ServerlessCollection",
		{"standbyReplicas": "DISABLED"},
		{},
	)
	retrieval.no_standby_replicas == {{
		"msg": "collection vs-docs-collection has no standby replicas",
		"resource": "vs-docs-collection",
		"pointer": "/spec/x/standbyReplicas",
	}} with input as _input({}, [collection])
}

test_pass_collection_with_standby_replicas if {
	collection := _resource(
		"vs-docs-collection",
		"aws:opensearch/serverlessCollection:ServerlessCollection",
		{"standbyReplicas": "ENABLED"},
		{},
	)
	retrieval.no_standby_replicas == set() with input as _input({}, [collection])
}
