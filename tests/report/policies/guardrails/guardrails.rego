# Guardrails: every way into a model passes a guardrail.
package llmops.guardrails

import rego.v1

import data.llmops.lib

_profile_type := "aws:bedrock/inferenceProfile:InferenceProfile"

_endpoint_type := "aws:sagemaker/endpoint:Endpoint"

# METADATA
# title: Every model is guarded on every invocation path
# description: >-
#   A model that a role, knowledge base or endpoint can reach without a guardrail
#   serves prompts no content, prompt-attack or PII filter has seen.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails.html
# custom:
#   id: LLM-GRD-001
#   severity: error
#   security: true
#   remediation: >-
#     Add the model to a guardrail's appliesTo.models (or leave appliesTo out to guard
#     every model).
#   frameworks:
#     owasp: [LLM01, LLM02, LLM05]
#     nist: [MEASURE 2.7, GV-6.1-001]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC01-BP01]
#   applies_to: [aws:bedrock/inferenceProfile:InferenceProfile, aws:sagemaker/endpoint:Endpoint]
unguarded_model contains lib.result(r, sprintf("model %s can be invoked without a guardrail", [_model_name(r)])) if {
	some r in input.plan.resources
	r.type in {_profile_type, _endpoint_type}
	not r.meta.embedding
	count(object.get(r.meta, "guardrails", [])) == 0
}

_model_name(r) := trim_suffix(trim_prefix(r.name, "model-"), "-profile") if r.type == _profile_type

_model_name(r) := trim_prefix(r.name, "endpoint-") if r.type == _endpoint_type
