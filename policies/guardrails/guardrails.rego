# Guardrails: every way into a model passes a guardrail, and the guardrails filter what matters.
package llmops.guardrails

import rego.v1

import data.llmops.lib

_profile_type := "aws:bedrock/inferenceProfile:InferenceProfile"

_guardrail_type := "aws:bedrock/guardrail:Guardrail"

_kb_type := "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase"

# METADATA
# title: Every model is guarded on every invocation path
# description: >-
#   A model that a role, knowledge base or endpoint can reach without a guardrail
#   serves prompts no content, prompt-attack or PII filter has seen. Checked as a
#   graph over the Plan: every Bedrock inference profile and SageMaker endpoint has a
#   guardrail; every knowledge base answers only with guarded models; and every IAM
#   statement that allows bedrock:InvokeModel on a guarded model (its profile or the
#   foundation model behind it) requires one of that model's guardrails through the
#   bedrock:GuardrailIdentifier condition. A SageMaker endpoint counts as guarded only
#   when the spec declares that the application applies its guardrails (SageMaker never
#   applies one to sagemaker:InvokeEndpoint; see LLM-GRD-007), and every role that may
#   invoke it may call bedrock:ApplyGuardrail on them.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails.html
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-permissions-id.html
# custom:
#   id: LLM-GRD-001
#   severity: error
#   security: true
#   remediation: >-
#     Add the model to a guardrail's appliesTo.models (or leave appliesTo out to guard
#     every model); an IAM statement that invokes a guarded model must carry the
#     bedrock:GuardrailIdentifier condition naming its guardrail. For a SageMaker model,
#     call bedrock:ApplyGuardrail from the application on every prompt and response, allow
#     the invoking role to, and declare guardrailEnforcement: application on the model.
#   frameworks:
#     owasp: [LLM01, LLM02, LLM05]
#     nist: [MEASURE 2.7, GV-6.1-001]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC01-BP01, GENSEC02-BP01]
#   applies_to: [aws:bedrock/inferenceProfile:InferenceProfile, aws:sagemaker/endpoint:Endpoint]
unguarded_model contains lib.result(r, sprintf("model %s can be invoked without a guardrail", [lib.model_name(r)])) if {
	some r in lib.resources_of(lib.model_types)
	lib.is_model_resource(r)
	count(object.get(r, ["meta", "guardrails"], [])) == 0
}

unguarded_model contains lib.about(lib.field_result(kb, concat("/", [kb.source, "models"]), msg), model) if {
	some kb in lib.resources(_kb_type)
	some model in object.get(kb, ["meta", "models"], [])
	not _guarded_model(model)
	msg := sprintf(
		"knowledge base %s answers with model %s, which no guardrail guards",
		[trim_prefix(kb.name, "kb-"), model],
	)
}

unguarded_model contains lib.about(lib.result(policy, msg), model) if {
	count(_guarded_models) > 0 # a shortcut: without a guarded model no statement needs reading
	some policy in lib.resources_of(lib.identity_policy_types)
	some statement in lib.statements(policy)
	statement.Effect == "Allow"
	_grants_invoke(statement)
	some model, guarded in _guarded_models
	_reaches(statement, guarded)
	not _requires_guardrail(statement, guarded.guardrails)
	msg := sprintf(
		"%s allows bedrock:InvokeModel on model %s without requiring its guardrail (%s) through bedrock:GuardrailIdentifier",
		[policy.name, model, lib.join(", ", guarded.guardrails)],
	)
}

# A SageMaker endpoint is served without a Bedrock guardrail, whatever guardrails are listed for
# it: only the application can apply them (bedrock:ApplyGuardrail). Until the spec declares that it
# does, the path is unguarded; once declared, LLM-GRD-007 names it in every report. The helpers
# of both are in invocation_paths.rego.
unguarded_model contains lib.field_result(r, concat("/", [r.source, "guardrailEnforcement"]), msg) if {
	some r in _guarded_endpoints
	not _application_enforced(r)
	msg := sprintf(
		"%s; once it does, declare guardrailEnforcement: application on the model",
		[_endpoint_path(r)],
	)
}

# The application can only apply a guardrail its role may call ApplyGuardrail on.
unguarded_model contains lib.about(lib.result(policy, msg), concat("/", [r.name, guardrail])) if {
	count(_guarded_endpoints) > 0 # a shortcut: without a guarded endpoint no statement needs reading
	some policy in lib.resources_of(lib.identity_policy_types)
	some r in _guarded_endpoints
	_invokes_endpoint(policy, r)
	some guardrail in r.meta.guardrails
	not _may_apply(_principal(policy), guardrail)
	msg := sprintf(
		"%s may invoke endpoint %s with sagemaker:InvokeEndpoint but may not call bedrock:ApplyGuardrail on guardrail %s, so the application cannot apply it",
		[_principal_name(policy), _endpoint_name(r), guardrail],
	)
}

# Guarded Bedrock models: model name -> its profile's logical name, model ID and guardrails.
_guarded_models[lib.model_name(p)] := {"profile": p.name, "modelId": p.meta.modelId, "guardrails": guards} if {
	some p in lib.resources(_profile_type)
	guards := object.get(p, ["meta", "guardrails"], [])
	count(guards) > 0
}

_guarded_model(name) if _guarded_models[name]

# An Allow statement's actions include bedrock:InvokeModel (or a wildcard covering it).
_grants_invoke(statement) if {
	some action in lib.as_list(object.get(statement, "Action", []))
	_covers_invoke(lower(action))
}

_covers_invoke(action) if action in {"*", "bedrock:*", "bedrock:invokemodel", "bedrock:invokemodelwithresponsestream"}

_covers_invoke(action) if {
	endswith(action, "*")
	startswith("bedrock:invokemodel", trim_suffix(action, "*"))
}

# The statement's resources include the model's profile or the model behind it: a
# reference to the profile, "*", or an ARN ending in /* or in the model ID after a /
# or a . (an inference profile's ID prefixes the model ID with its region group).
_reaches(statement, guarded) if guarded.profile in _refs(statement)

_reaches(statement, _) if "*" in _texts(statement)

_reaches(statement, _) if strings.any_suffix_match(_texts(statement), "/*")

_reaches(statement, guarded) if {
	model_id := guarded.modelId
	strings.any_suffix_match(_texts(statement), [concat("", ["/", model_id]), concat("", [".", model_id])])
}

# A statement's resources (_refs, _texts) are read by helpers in invocation_paths.rego.

# The statement only allows calls that name one of the model's guardrails.
_requires_guardrail(statement, guards) if {
	some operator in ["StringEquals", "StringLike", "ArnEquals", "ArnLike"]
	value := statement.Condition[operator]["bedrock:GuardrailIdentifier"]
	every identifier in lib.as_list(value) {
		_names_guardrail(identifier, guards)
	}
}

_names_guardrail(identifier, guards) if {
	some g in guards
	lib.refers_to(identifier, concat("", ["guardrail-", g]))
}

# METADATA
# title: Guardrails of SageMaker endpoints are applied by the application
# description: >-
#   SageMaker never applies a Bedrock guardrail to sagemaker:InvokeEndpoint: the
#   application must call bedrock:ApplyGuardrail on every prompt before it invokes the
#   endpoint and on every response before it reaches the user. A SageMaker model that
#   declares guardrailEnforcement: application says its application does; llmops-iac
#   cannot verify application code, so every report, in every environment, names the
#   endpoint, the action and the roles whose calls depend on it.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-use-independent-api.html
# custom:
#   id: LLM-GRD-007
#   severity: note
#   security: true
#   remediation: >-
#     Make sure the application calls bedrock:ApplyGuardrail with the guardrail's ID and
#     version (stack outputs guardrail.NAME.id and guardrail.NAME.version) on each
#     prompt (source INPUT) and each response (source OUTPUT), and acts on
#     GUARDRAIL_INTERVENED; test it with an evaluation gate on prompts that must be refused.
#   frameworks:
#     owasp: [LLM01, LLM05]
#     nist: [MEASURE 2.7]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC02-BP01]
#   applies_to: [aws:sagemaker/endpoint:Endpoint]
application_guarded_endpoint contains lib.field_result(r, concat("/", [r.source, "guardrailEnforcement"]), msg) if {
	some r in _guarded_endpoints
	_application_enforced(r)
	msg := sprintf(
		"%s; the spec declares that it does (guardrailEnforcement: application), which llmops-iac cannot verify",
		[_endpoint_path(r)],
	)
}

# METADATA
# title: Prompt-attack filter is HIGH on input
# description: >-
#   The prompt-attack filter catches jailbreaks and prompt injection, including
#   instructions hidden in retrieved or pasted documents. Anything below HIGH lets
#   through attacks the filter recognizes.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-prompt-attack.html
# custom:
#   id: LLM-GRD-002
#   severity: error
#   security: true
#   remediation: Set contentFilters.promptAttack.input to HIGH on the guardrail.
#   frameworks:
#     owasp: [LLM01]
#     nist: [MEASURE 2.7]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC02-BP01, GENSEC04-BP02]
#   applies_to: [aws:bedrock/guardrail:Guardrail]
weak_prompt_attack_filter contains lib.field_result(g, concat("/", [g.source, "contentFilters/promptAttack/input"]), msg) if {
	some g in lib.resources(_guardrail_type)
	_prompt_attack_strength(g) != "HIGH"
	msg := sprintf(
		"guardrail %s filters prompt attacks at %s on input, not HIGH",
		[trim_prefix(g.name, "guardrail-"), _prompt_attack_strength(g)],
	)
}

_prompt_attack_strength(g) := strength if {
	filters := _filters_of(g, "PROMPT_ATTACK")
	count(filters) > 0
	strength := filters[0].inputStrength
}

_prompt_attack_strength(g) := "NONE" if count(_filters_of(g, "PROMPT_ATTACK")) == 0

# A guardrail's content filters of one type.
_filters_of(g, type) := [f |
	some f in _content_filters(g)
	f.type == type
]

# METADATA
# title: Guardrails of confidential or restricted applications filter PII
# description: >-
#   An application that handles confidential or restricted data must block or mask
#   personal data in prompts and responses: every guardrail needs at least one PII
#   entity type or custom sensitive-information pattern.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-sensitive-filters.html
# custom:
#   id: LLM-GRD-003
#   severity: error
#   security: true
#   remediation: >-
#     List the PII entity types the application may see under the guardrail's pii
#     (action block or anonymize), or add piiRegexes for your own identifiers.
#   frameworks:
#     owasp: [LLM02]
#     nist: [MEASURE 2.10]
#     euAiAct: [Article 10]
#     awsGenAiLens: [GENSEC02-BP01]
#   applies_to: [aws:bedrock/guardrail:Guardrail]
missing_pii_filter contains lib.field_result(g, concat("/", [g.source, "pii"]), msg) if {
	lib.is_sensitive
	some g in lib.resources(_guardrail_type)
	count(object.get(g.inputs, ["sensitiveInformationPolicyConfig", "piiEntitiesConfigs"], [])) == 0
	count(object.get(g.inputs, ["sensitiveInformationPolicyConfig", "regexesConfigs"], [])) == 0
	msg := sprintf(
		"guardrail %s of a %s application filters no PII",
		[trim_prefix(g.name, "guardrail-"), lib.classification],
	)
}

# METADATA
# title: Retrieval-augmented answers pass a contextual grounding check
# description: >-
#   A guardrail that guards a knowledge base, or a model that answers from one, must
#   check contextual grounding and relevance: it blocks answers the retrieved passages
#   do not support, the main source of RAG hallucinations. (Whether its thresholds
#   are high enough to block anything is LLM-GRD-006.)
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-contextual-grounding-check.html
# custom:
#   id: LLM-GRD-004
#   severity: warning
#   security: true
#   remediation: >-
#     Add contextualGrounding (grounding and relevance thresholds, e.g. 0.75) to the
#     guardrail.
#   frameworks:
#     owasp: [LLM09, LLM08]
#     nist: [MEASURE 2.5]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC02-BP01]
#   applies_to: [aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase]
missing_grounding_check contains lib.field_result(g, concat("/", [g.source, "contextualGrounding"]), msg) if {
	some g in lib.resources(_guardrail_type)
	count(_rag_scope(g)) > 0
	not _grounded(g)
	msg := sprintf(
		"guardrail %s guards retrieval-augmented answers (%s) without a contextual grounding check",
		[trim_prefix(g.name, "guardrail-"), lib.join(", ", _rag_scope(g))],
	)
}

_rag_scope(g) := sort({x |
	some kb in object.get(g, ["meta", "guards", "knowledgeBases"], [])
	x := concat("", ["knowledge base ", kb])
} | {x |
	some model in object.get(g, ["meta", "guards", "models"], [])
	some kb in lib.resources(_kb_type)
	model in object.get(kb, ["meta", "models"], [])
	x := concat("", ["model ", model])
})

_grounded(g) if {
	filters := _grounding_filters(g)
	every kind in ["GROUNDING", "RELEVANCE"] {
		some f in filters
		f.type == kind
	}
}

_grounding_filters(g) := object.get(g.inputs, ["contextualGroundingPolicyConfig", "filtersConfigs"], [])

# The lowest contextual grounding and relevance threshold that blocks something: Bedrock
# scores an answer's grounding (relevance) from 0 to 1 and blocks it below the threshold,
# so under 0.5 it passes answers it scores as more likely ungrounded (irrelevant) than not.
_min_grounding_threshold := 0.5

_grounding_kinds := {"GROUNDING": "grounding", "RELEVANCE": "relevance"}

# METADATA
# title: Contextual grounding thresholds block ungrounded answers
# description: >-
#   Amazon Bedrock scores every answer from 0 to 1 on grounding (supported by the source)
#   and relevance (answers the query) and blocks answers scoring below the guardrail's
#   threshold: 0 blocks nothing, and any threshold under 0.5 lets through answers the
#   check itself scores as more likely ungrounded (or irrelevant) than not. Every
#   grounding and relevance filter a guardrail declares blocks (action BLOCK, enabled)
#   at 0.5 or more; production profiles make this an error, elsewhere a lower value is
#   a warning while thresholds are tuned.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-contextual-grounding-check.html
#   - ref: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_GuardrailContextualGroundingFilter.html
# custom:
#   id: LLM-GRD-006
#   severity: warning
#   security: true
#   remediation: >-
#     Set contextualGrounding.grounding and contextualGrounding.relevance to 0.5 or more
#     (the default is 0.75); tune them on the evaluation datasets rather than lowering them.
#   frameworks:
#     owasp: [LLM09, LLM08]
#     nist: [MEASURE 2.5, MEASURE 2.7]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC02-BP01]
#   applies_to: [aws:bedrock/guardrail:Guardrail]
weak_grounding_threshold contains result if {
	some g in lib.resources(_guardrail_type)
	some f in _grounding_filters(g)
	kind := _grounding_kinds[f.type]
	not _blocks_below_floor(f)
	msg := sprintf("guardrail %s has %s threshold %s", [trim_prefix(g.name, "guardrail-"), kind, _threshold_verdict(f, kind)])
	result := {"msg": msg, "resource": g.name, "pointer": concat("/", [g.source, "contextualGrounding", kind])}
}

# A filter that blocks answers scoring under a threshold of at least the floor.
_blocks_below_floor(f) if {
	is_number(f.threshold)
	f.threshold >= _min_grounding_threshold
	object.get(f, "action", "BLOCK") == "BLOCK"
	object.get(f, "enabled", true) == true
}

_threshold_verdict(f, _) := sprintf("%v: it blocks nothing", [object.get(f, "threshold", null)]) if {
	not _positive(object.get(f, "threshold", null))
}

_threshold_verdict(f, kind) := sprintf(
	"%v, under %v: it lets through answers it scores as more likely %s than %s",
	[f.threshold, _min_grounding_threshold, _unlike[kind], _like[kind]],
) if {
	_positive(f.threshold)
	f.threshold < _min_grounding_threshold
}

_threshold_verdict(f, _) := sprintf("%v but action %v: it blocks nothing", [f.threshold, object.get(f, "action", "BLOCK")]) if {
	_positive(f.threshold)
	f.threshold >= _min_grounding_threshold
	object.get(f, "action", "BLOCK") != "BLOCK"
}

_threshold_verdict(f, _) := sprintf("%v but is disabled: it blocks nothing", [f.threshold]) if {
	_positive(f.threshold)
	f.threshold >= _min_grounding_threshold
	object.get(f, "action", "BLOCK") == "BLOCK"
	object.get(f, "enabled", true) != true
}

_positive(x) if {
	is_number(x)
	x > 0
}

_unlike := {"grounding": "ungrounded", "relevance": "irrelevant"}

_like := {"grounding": "grounded", "relevance": "relevant"}

_category_names := {
	"HATE": "hate",
	"INSULTS": "insults",
	"SEXUAL": "sexual content",
	"VIOLENCE": "violence",
	"MISCONDUCT": "misconduct",
}

# METADATA
# title: Content filters are at least MEDIUM
# description: >-
#   A content filter at NONE or LOW lets most harmful content in that category reach
#   the model or the user (LOW blocks only content classified with high confidence).
#   Every category - hate, insults, sexual, violence, misconduct - is filtered at
#   MEDIUM or HIGH on prompts and on responses.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-content-filters.html
# custom:
#   id: LLM-GRD-005
#   severity: warning
#   security: true
#   remediation: Raise the category's input and output strength to MEDIUM or HIGH.
#   frameworks:
#     owasp: [LLM05]
#     nist: [MEASURE 2.6]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC02-BP01]
#   applies_to: [aws:bedrock/guardrail:Guardrail]
weak_content_filter contains lib.field_result(g, _filter_field(g, f.type, direction), msg) if {
	some g in lib.resources(_guardrail_type)
	some f in _content_filters(g)
	category := _category_names[f.type]
	some direction, key in {"input": "inputStrength", "output": "outputStrength"}
	strength := object.get(f, key, "NONE")
	strength in {"NONE", "LOW"}
	msg := sprintf(
		"guardrail %s filters %s at %s on %s",
		[trim_prefix(g.name, "guardrail-"), category, strength, direction],
	)
}

# A category without a filter is filtered at NONE both ways.
weak_content_filter contains lib.field_result(g, _filter_field(g, type, direction), msg) if {
	some g in lib.resources(_guardrail_type)
	filters := _content_filters(g)
	some type in object.keys(_category_names) - {t | t := filters[_].type}
	some direction in ["input", "output"]
	msg := sprintf(
		"guardrail %s filters %s at %s on %s",
		[trim_prefix(g.name, "guardrail-"), _category_names[type], "NONE", direction],
	)
}

# A guardrail's content filters: read once per guardrail, not once per category.
_content_filters(g) := object.get(g.inputs, ["contentPolicyConfig", "filtersConfigs"], [])

# The spec field of a content filter's strength in one direction (contentFilters.<category>.<input|output>).
_filter_field(g, type, direction) := concat("/", [g.source, "contentFilters", _filter_keys[type], direction])

_filter_keys := {"HATE": "hate", "INSULTS": "insults", "SEXUAL": "sexual", "VIOLENCE": "violence", "MISCONDUCT": "misconduct"}
