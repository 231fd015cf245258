# Data protection: what personal and confidential data is captured, kept and deleted.
package llmops.data

import rego.v1

import data.llmops.lib

# Highest share of requests SageMaker data capture may record for an application that
# handles restricted data (data minimisation: a sample for quality review, not a copy
# of the traffic).
_max_capture_percent_restricted := 10

# METADATA
# title: Data capture of restricted data is a small sample
# description: >-
#   SageMaker data capture writes whole requests and responses to S3. For an
#   application classified restricted, capture at most 10 % of requests: enough to
#   monitor quality and grow evaluation sets, without a second copy of the traffic
#   (GDPR's data-minimisation principle).
# related_resources:
#   - ref: https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-capture.html
# custom:
#   id: LLM-DAT-001
#   severity: error
#   security: true
#   remediation: Lower dataCapture.samplingPercent to 10 or less, or turn data capture off.
#   frameworks:
#     owasp: [LLM02]
#     nist: [MEASURE 2.10]
#     euAiAct: [Article 10]
#     awsGenAiLens: [GENSEC01-BP03]
#   applies_to: [aws:sagemaker/endpointConfiguration:EndpointConfiguration]
oversampled_capture contains lib.field_result(r, concat("/", [r.source, "dataCapture/samplingPercent"]), msg) if {
	lib.classification == "restricted"
	some r in lib.resources("aws:sagemaker/endpointConfiguration:EndpointConfiguration")
	capture := object.get(r.inputs, "dataCaptureConfig", {})
	object.get(capture, "enableCapture", false) == true
	percent := object.get(capture, "initialSamplingPercentage", 100)
	percent > _max_capture_percent_restricted
	msg := sprintf(
		"%s captures %d percent of the requests of a restricted application (at most %d)",
		[r.name, percent, _max_capture_percent_restricted],
	)
}

# METADATA
# title: Deleting a knowledge-base data source deletes its vectors
# description: >-
#   With dataDeletionPolicy RETAIN, the chunks and embeddings of a removed data source
#   stay in the vector store, still retrievable and answerable from, after the documents
#   themselves were deleted - which defeats deletion requests and retention limits.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent_CreateDataSource.html
# custom:
#   id: LLM-DAT-002
#   severity: error
#   security: true
#   remediation: >-
#     Set the data source's dataDeletionPolicy to DELETE (llmops-iac does; look for a
#     transformation or edit that changed it).
#   frameworks:
#     owasp: [LLM02, LLM08]
#     nist: [MEASURE 2.10]
#     euAiAct: [Article 10]
#     awsGenAiLens: [GENSEC06-BP01]
#   applies_to: [aws:bedrock/agentDataSource:AgentDataSource]
retained_vectors contains lib.result(r, msg) if {
	some r in lib.resources("aws:bedrock/agentDataSource:AgentDataSource")
	policy := object.get(r.inputs, "dataDeletionPolicy", "RETAIN")
	policy != "DELETE"
	msg := sprintf("data source %s keeps its vectors when it is deleted (dataDeletionPolicy %s)", [r.name, policy])
}

# METADATA
# title: Knowledge bases on shared buckets read only their prefixes
# description: >-
#   A knowledge base whose documents live in an existing bucket ingests, embeds and can
#   answer from every object in it - drafts, exports, other teams' files - unless its
#   data source is limited to inclusion prefixes. A prefix that names no folder counts as
#   none: one made only of "/", "." and wildcards ("/", ".", "./", "*") stands for the
#   whole bucket, and S3 prefixes are literal, so a wildcard at its start ("*", "*docs")
#   reads nothing as a prefix yet becomes an IAM wildcard that lets the knowledge base's
#   role read every key. (A bucket llmops-iac creates for the knowledge base holds only
#   its documents.)
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/s3-data-source-connector.html
#   - ref: https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-prefixes.html
# custom:
#   id: LLM-DAT-003
#   severity: warning
#   security: true
#   remediation: >-
#     Set dataSource.inclusionPrefixes to the folder that holds the documents to answer
#     from, e.g. published/ (no leading "/", no wildcards).
#   frameworks:
#     owasp: [LLM02, LLM08]
#     nist: [MAP 4.1]
#     euAiAct: [Article 10]
#     awsGenAiLens: [GENSEC01-BP03]
#   applies_to: [aws:bedrock/agentDataSource:AgentDataSource]
whole_bucket_ingested contains lib.field_result(r, concat("/", [r.source, "inclusionPrefixes"]), msg) if {
	some r in lib.resources("aws:bedrock/agentDataSource:AgentDataSource")
	s3 := r.inputs.dataSourceConfiguration.s3Configuration
	bucket := s3.bucketArn
	is_string(bucket)
	count(object.get(s3, "inclusionPrefixes", [])) == 0
	msg := sprintf("data source %s ingests every object of bucket %s", [r.name, _bucket_name(bucket)])
}

whole_bucket_ingested contains lib.field_result(r, concat("/", [r.source, "inclusionPrefixes"]), msg) if {
	some r in lib.resources("aws:bedrock/agentDataSource:AgentDataSource")
	s3 := r.inputs.dataSourceConfiguration.s3Configuration
	bucket := s3.bucketArn
	is_string(bucket)
	some prefix in object.get(s3, "inclusionPrefixes", [])
	_names_no_folder(prefix)
	msg := sprintf(
		"data source %s limits bucket %s to prefix %s, which names no folder: it stands for every object of the bucket",
		[r.name, _bucket_name(bucket), _shown(prefix)],
	)
}

_bucket_name(arn) := parts[count(parts) - 1] if parts := split(arn, ":::")

# A prefix that selects the whole bucket: empty or made only of "/" and "." (the root), or
# one whose first character after those is an IAM wildcard (* or ?).
_names_no_folder(prefix) if {
	is_string(prefix)
	regex.match(`^[./]*([*?]|$)`, prefix)
}

_names_no_folder(prefix) if not is_string(prefix)

_shown(prefix) := lib.printable(prefix) if is_string(prefix)

_shown(prefix) := "(not text)" if not is_string(prefix)

# Credential types that must never reach a model, its logs or its answers.
_credentials := ["PASSWORD", "AWS_ACCESS_KEY", "AWS_SECRET_KEY"]

# METADATA
# title: Guardrails catch credentials
# description: >-
#   Users paste passwords and access keys into chat, and models repeat them. Every
#   guardrail blocks or masks PASSWORD, AWS_ACCESS_KEY and AWS_SECRET_KEY, so they
#   reach neither the model provider, nor the invocation logs, nor an answer.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-sensitive-filters.html
# custom:
#   id: LLM-DAT-004
#   severity: warning
#   security: true
#   remediation: Add PASSWORD, AWS_ACCESS_KEY and AWS_SECRET_KEY (action block) to the guardrail's pii list.
#   frameworks:
#     owasp: [LLM02]
#     nist: [MEASURE 2.10]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC02-BP01]
#   applies_to: [aws:bedrock/guardrail:Guardrail]
credentials_unfiltered contains lib.field_result(g, concat("/", [g.source, "pii"]), msg) if {
	some g in lib.resources("aws:bedrock/guardrail:Guardrail")
	handled := {e.type | some e in object.get(g.inputs, ["sensitiveInformationPolicyConfig", "piiEntitiesConfigs"], [])}
	missing := [c | some c in _credentials; not c in handled]
	count(missing) > 0
	msg := sprintf("guardrail %s lets %s through", [trim_prefix(g.name, "guardrail-"), lib.join(", ", missing)])
}
