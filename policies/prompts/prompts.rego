# Prompts: every model runs a versioned, published system prompt written for it.
package llmops.prompts

import rego.v1

import data.llmops.lib

# METADATA
# title: Every model has a versioned system prompt
# description: >-
#   A system prompt kept in application code changes without review, evaluation or a
#   way back. Declared as a prompt with a version and referenced as id@version, it is
#   published to Bedrock Prompt Management, evaluated by the gates that target it, and
#   rolled back by changing one number.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-management.html
# custom:
#   id: LLM-PRM-001
#   severity: warning
#   security: false
#   remediation: >-
#     Put the system prompt in a file, declare it under spec.prompts with a version, and
#     set the model's systemPrompt to id@version.
#   frameworks:
#     owasp: [LLM07, LLM01]
#     nist: [MANAGE 4.1, GOVERN 1.4]
#     euAiAct: [Article 11, Article 12]
#     awsGenAiLens: [GENOPS03-BP01, GENSEC04-BP01]
#   applies_to: [spec:models]
no_system_prompt contains lib.spec_result(pointer, msg) if {
	models := lib.spec_section("models")
	some name
	model := models[name]
	object.get(model, "systemPrompt", "") == ""
	pointer := sprintf("/spec/models/%s/systemPrompt", [name])
	msg := sprintf("model %s has no versioned system prompt (systemPrompt id@version)", [name])
}

# METADATA
# title: A model's system prompt is published at the version it names
# description: >-
#   The systemPrompt id@version a model runs with must exist in the Plan as that
#   prompt's immutable Bedrock prompt version; otherwise the application runs a prompt
#   text nobody can retrieve, audit or roll back to.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-management-version-create.html
# custom:
#   id: LLM-PRM-002
#   severity: error
#   security: false
#   remediation: >-
#     Declare the prompt under spec.prompts at that version; llmops-iac publishes a
#     prompt version per spec version (look for a transformation that removed it).
#   frameworks:
#     owasp: [LLM07]
#     nist: [GOVERN 1.4, MANAGE 4.1]
#     euAiAct: [Article 12]
#     awsGenAiLens: [GENOPS03-BP01, GENSEC04-BP01]
#   applies_to: [spec:prompts]
unpublished_prompt contains lib.spec_result(pointer, msg) if {
	models := lib.spec_section("models")
	some name
	model := models[name]
	reference := object.get(model, "systemPrompt", "")
	parts := split(reference, "@")
	count(parts) == 2
	not _published(parts[0], parts[1])
	pointer := sprintf("/spec/models/%s/systemPrompt", [name])
	msg := sprintf(
		"model %s runs prompt %s@%s, which the Plan does not publish as a prompt version",
		[name, parts[0], parts[1]],
	)
}

_published(id, version) if {
	some r in lib.resources("aws-native:bedrock:PromptVersion")
	r.name == sprintf("prompt-%s-v%s", [id, version])
	lib.is_ref_to(r.inputs.promptArn, sprintf("prompt-%s", [id]))
}

# METADATA
# title: Prompts name the model they are written for
# description: >-
#   Prompts are model-specific: formatting, tool-use syntax and refusals differ between
#   model families. A prompt that names its model is published with that model's ID and
#   evaluated against it; one that does not is easily reused with a model it was never
#   tested on.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-management-create.html
# custom:
#   id: LLM-PRM-003
#   severity: warning
#   security: false
#   remediation: Set the prompt's model to the model it is written and evaluated for.
#   frameworks:
#     nist: [MEASURE 2.3]
#     euAiAct: [Article 11]
#     awsGenAiLens: [GENOPS03-BP01, GENREL04-BP01]
#   applies_to: [spec:prompts]
prompt_without_model contains lib.spec_result(pointer, msg) if {
	prompts := lib.spec_section("prompts")
	some id
	prompt := prompts[id]
	object.get(prompt, "model", "") == ""
	pointer := sprintf("/spec/prompts/%s/model", [id])
	msg := sprintf("prompt %s does not name the model it is written for", [id])
}

# METADATA
# title: Models run system prompts written for them
# description: >-
#   A model whose systemPrompt is a prompt written (and evaluated) for another model runs
#   untested instructions: the prompt's gates measured a different model.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-management.html
# custom:
#   id: LLM-PRM-004
#   severity: warning
#   security: false
#   remediation: >-
#     Give the model its own prompt (a new spec.prompts entry for this model), or point the
#     prompt's model at the model that uses it.
#   frameworks:
#     nist: [MEASURE 2.3]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENOPS03-BP01]
#   applies_to: [spec:prompts]
prompt_for_other_model contains lib.spec_result(pointer, msg) if {
	models := lib.spec_section("models")
	prompts := lib.spec_section("prompts")
	some name
	model := models[name]
	id := split(object.get(model, "systemPrompt", ""), "@")[0]
	written_for := object.get(prompts, [id, "model"], "")
	written_for != ""
	written_for != name
	pointer := sprintf("/spec/models/%s/systemPrompt", [name])
	msg := sprintf("model %s runs prompt %s, which is written for model %s", [name, id, written_for])
}
