package llmops.data_test

import rego.v1

import data.llmops.data as data_protection

_input(classification, resources) := {
	"spec": {"metadata": {"dataClassification": classification}},
	"plan": {"resources": resources},
	"context": {"environment": "default"},
}

_resource(name, type, inputs) := {"name": name, "type": type, "source": "/spec", "inputs": inputs}

_config(capture) := _resource(
	"endpoint-llama-config",
	"aws:sagemaker/endpointConfiguration:EndpointConfiguration",
	{"dataCaptureConfig": capture},
)

_source(inputs) := _resource("kb-docs-source", "aws:bedrock/agentDataSource:AgentDataSource", inputs)

_guardrail(entities) := _resource(
	"guardrail-g",
	"aws:bedrock/guardrail:Guardrail",
	{"sensitiveInformationPolicyConfig": {"piiEntitiesConfigs": [{"type": t, "action": "BLOCK"} | some t in entities]}},
)

# -- LLM-DAT-001 --------------------------------------------------------------------------------

test_fail_restricted_capture_over_ten_percent if {
	data_protection.oversampled_capture == {{
		"msg": "endpoint-llama-config captures 50 percent of the requests of a restricted application (at most 10)",
		"resource": "endpoint-llama-config",
		"pointer": "/spec/dataCapture/samplingPercent",
	}} with input as _input("restricted", [_config({"enableCapture": true, "initialSamplingPercentage": 50})])
}

test_pass_restricted_capture_at_ten_percent if {
	inp := _input("restricted", [_config({"enableCapture": true, "initialSamplingPercentage": 10})])
	data_protection.oversampled_capture == set() with input as inp
}

test_pass_restricted_capture_off if {
	inp := _input("restricted", [_config({"enableCapture": false, "initialSamplingPercentage": 100})])
	data_protection.oversampled_capture == set() with input as inp
}

test_pass_confidential_capture_of_everything if {
	inp := _input("confidential", [_config({"enableCapture": true, "initialSamplingPercentage": 100})])
	data_protection.oversampled_capture == set() with input as inp
}

# -- LLM-DAT-002 --------------------------------------------------------------------------------

test_fail_data_source_retains_vectors if {
	data_protection.retained_vectors == {{
		"msg": "data source kb-docs-source keeps its vectors when it is deleted (dataDeletionPolicy RETAIN)",
		"resource": "kb-docs-source",
		"pointer": "/spec",
	}} with input as _input("internal", [_source({"dataDeletionPolicy": "RETAIN"})])
}

test_fail_data_source_without_deletion_policy if {
	count(data_protection.retained_vectors) == 1 with input as _input("internal", [_source({})])
}

test_pass_data_source_deletes_vectors if {
	data_protection.retained_vectors == set() with input as _input("internal", [_source({"dataDeletionPolicy": "DELETE"})])
}

# -- LLM-DAT-003 --------------------------------------------------------------------------------

test_fail_shared_bucket_without_prefixes if {
	source := _source({"dataSourceConfiguration": {"s3Configuration": {"bucketArn": "arn:aws:s3:::acme-exports"}}})
	data_protection.whole_bucket_ingested == {{
		"msg": "data source kb-docs-source ingests every object of bucket acme-exports",
		"resource": "kb-docs-source",
		"pointer": "/spec/inclusionPrefixes",
	}} with input as _input("internal", [source])
}

test_pass_shared_bucket_with_prefixes if {
	source := _source(
		{
			"dataSourceConfiguration": {
				"s3Configuration": {"bucketArn": "arn:aws:s3:::acme-exports", "inclusionPrefixes": ["published/"]},
			},
		},
	)
	data_protection.whole_bucket_ingested == set() with input as _input("internal", [source])
}

_prefixed(prefixes) := found if {
	s3 := {"bucketArn": "arn:aws:s3:::acme-exports", "inclusionPrefixes": prefixes}
	source := _source({"dataSourceConfiguration": {"s3Configuration": s3}})
	found := data_protection.whole_bucket_ingested with input as _input("internal", [source])
}

test_fail_prefix_that_names_no_folder if {
	_prefixed(["*"]) == {{
		"msg": "data source kb-docs-source limits bucket acme-exports to prefix *, which names no folder: it stands for every object of the bucket",
		"resource": "kb-docs-source",
		"pointer": "/spec/inclusionPrefixes",
	}}
}

# The root in every spelling, and a wildcard before any folder name (an IAM wildcard over every key).
test_fail_every_spelling_of_the_whole_bucket if {
	every prefix in ["", "/", ".", "./", "//", "*", "/*", "./*", "**", "?", "*docs", "/?x"] {
		count(_prefixed([prefix])) == 1
	}
}

# A folder, with or without a trailing slash or wildcard, is a prefix; so is a dot file's folder.
test_pass_prefixes_that_name_a_folder if {
	every prefix in ["published/", "published", "docs/*", "./docs/", ".well-known/", "a"] {
		_prefixed([prefix]) == set()
	}
}

test_fail_prefix_that_is_not_text_without_error if {
	some f in _prefixed([7])
	contains(f.msg, "prefix (not text)")
}

test_pass_bucket_created_for_the_knowledge_base if {
	source := _source(
		{"dataSourceConfiguration": {"s3Configuration": {"bucketArn": {"ref": "kb-docs-documents", "attr": "arn"}}}},
	)
	data_protection.whole_bucket_ingested == set() with input as _input("internal", [source])
}

# -- LLM-DAT-004 --------------------------------------------------------------------------------

test_fail_guardrail_lets_credentials_through if {
	data_protection.credentials_unfiltered == {{
		"msg": "guardrail g lets AWS_ACCESS_KEY, AWS_SECRET_KEY through",
		"resource": "guardrail-g",
		"pointer": "/spec/pii",
	}} with input as _input("internal", [_guardrail(["EMAIL", "PASSWORD"])])
}

test_fail_guardrail_without_pii_filters if {
	inp := _input("internal", [_resource("guardrail-g", "aws:bedrock/guardrail:Guardrail", {})])
	count(data_protection.credentials_unfiltered) == 1 with input as inp
}

test_pass_guardrail_catches_credentials if {
	inp := _input("internal", [_guardrail(["PASSWORD", "AWS_ACCESS_KEY", "AWS_SECRET_KEY"])])
	data_protection.credentials_unfiltered == set() with input as inp
}
