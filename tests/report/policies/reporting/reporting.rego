# Test-only rules for the report formats (tests/report/): every severity, outcome and awkward character.
package llmops.reporting

import rego.v1

import data.llmops.lib

# METADATA
# title: Models say what they are for
# description: >-
#   A model without a description leaves reviewers guessing what it may be used for.
# related_resources:
#   - ref: https://example.com/llmops-iac/rules/LLM-RPT-001
# custom:
#   id: LLM-RPT-001
#   severity: warning
#   remediation: Add `description` to the model, e.g. "Summarizes tickets | internal only".
#   frameworks:
#     owasp: [LLM09]
#     euAiAct: [Article 13]
#   applies_to: [spec:models]
undescribed_model contains lib.spec_result(sprintf("/spec/models/%s", [name]), sprintf("model %s has no description: say what it does, for whom, and why (100%% of models need one) | <required>", [name])) if {
	some name, m in input.spec.spec.models
	not m.description
}

# METADATA
# title: Applications describe themselves
# description: An application without a description is hard to find in an inventory.
# custom:
#   id: LLM-RPT-002
#   severity: note
#   remediation: Set metadata.description.
#   frameworks:
#     awsGenAiLens: [GENCOST01-BP01]
#   applies_to: [spec:budgets]
undescribed_app contains lib.spec_result("/metadata", "metadata.description is missing,\nso 0% of the inventory can say what this is") if {
	not input.spec.metadata.description
}

# METADATA
# title: Vector stores use customer-managed keys
# description: Embeddings of confidential documents are as sensitive as the documents.
# custom:
#   id: LLM-RPT-003
#   severity: error
#   remediation: Set encryption to customer-managed.
#   frameworks:
#     owasp: [LLM08]
#   applies_to: [spec:vectorStores]
vector_store_key contains lib.spec_result(sprintf("/spec/vectorStores/%s", [name]), sprintf("vector store %s uses an AWS-owned key", [name])) if {
	some name, v in input.spec.spec.vectorStores
	v.encryption != "customer-managed"
}

# METADATA
# title: Every model is reviewed weekly
# description: A rule the default profile of the report tests turns off.
# custom:
#   id: LLM-RPT-004
#   severity: warning
#   remediation: Review the model.
#   frameworks:
#     nist: [MANAGE 4.1]
#   applies_to: [spec:models]
unreviewed_model contains lib.spec_result(sprintf("/spec/models/%s", [name]), sprintf("model %s is not reviewed", [name])) if {
	some name, _ in input.spec.spec.models
}

# METADATA
# title: Invocation logs leave prompt and response text out
# description: >-
#   Logged prompts and responses hold whatever users typed, personal data included,
#   for as long as the logs are kept.
# custom:
#   id: LLM-OBS-002
#   severity: warning
#   remediation: Set monitoring.invocationLogging.includeContent to false, or waive with the reason and owner.
#   frameworks:
#     owasp: [LLM02]
#     nist: [MEASURE 2.10]
#   applies_to: [spec:monitoring]
logged_content contains lib.spec_result("/spec/monitoring/invocationLogging/includeContent", "invocation logs include prompt and response text") if {
	input.spec.spec.monitoring.invocationLogging.includeContent == true
}

# METADATA
# title: Applications name an owner
# description: Someone has to answer for an application's findings.
# custom:
#   id: LLM-RPT-005
#   severity: error
#   remediation: Set metadata.owner.
#   frameworks:
#     nist: [GOVERN 2.1]
#   applies_to: [spec:models]
no_owner contains lib.spec_result("/metadata", "metadata.owner is missing") if {
	not input.spec.metadata.owner
}
