package llmops.guardrails_test

import rego.v1

import data.llmops.guardrails

# -- builders ---------------------------------------------------------------------------------

_profile(model, guards) := {
	"name": sprintf("model-%s-profile", [model]),
	"type": "aws:bedrock/inferenceProfile:InferenceProfile",
	"source": sprintf("/spec/models/%s", [model]),
	"inputs": {},
	"meta": {"modelId": "anthropic.claude-3-haiku-20240307-v1:0", "guardrails": guards},
}

_endpoint(model, meta) := {
	"name": sprintf("endpoint-%s", [model]),
	"type": "aws:sagemaker/endpoint:Endpoint",
	"source": sprintf("/spec/models/%s", [model]),
	"inputs": {},
	"meta": meta,
}

_kb(name, models) := {
	"name": sprintf("kb-%s", [name]),
	"type": "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase",
	"source": sprintf("/spec/knowledgeBases/%s", [name]),
	"inputs": {},
	"meta": {"models": models},
}

_role_policy(statements) := {
	"name": "app-invoke-role-policy",
	"type": "aws:iam/rolePolicy:RolePolicy",
	"source": "/spec/models",
	"inputs": {"policy": {"fn::toJSON": {"Version": "2012-10-17", "Statement": statements}}},
}

_guardrail(name, inputs, guards) := {
	"name": sprintf("guardrail-%s", [name]),
	"type": "aws:bedrock/guardrail:Guardrail",
	"source": sprintf("/spec/guardrails/%s", [name]),
	"inputs": inputs,
	"meta": {"guards": guards},
}

_input(resources) := {"spec": {}, "plan": {"resources": resources}, "context": {"environment": "default"}}

_invoke(resource) := {
	"Sid": "InvokeA",
	"Effect": "Allow",
	"Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
	"Resource": resource,
}

# The statement, allowed only with a guardrail's version (as the compiler writes it).
_with_guardrail(statement, guardrail) := object.union(statement, {"Condition": {"StringEquals": {
	"bedrock:GuardrailIdentifier": [{"fn::join": ["", [
		{"ref": sprintf("guardrail-%s", [guardrail]), "attr": "guardrailArn"},
		":",
		{"ref": sprintf("guardrail-%s-version", [guardrail]), "attr": "version"},
	]]}],
}}})

_filters(prompt_attack, violence) := {"contentPolicyConfig": {"filtersConfigs": [
	{"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"},
	{"type": "INSULTS", "inputStrength": "HIGH", "outputStrength": "HIGH"},
	{"type": "SEXUAL", "inputStrength": "HIGH", "outputStrength": "HIGH"},
	{"type": "VIOLENCE", "inputStrength": violence, "outputStrength": violence},
	{"type": "MISCONDUCT", "inputStrength": "HIGH", "outputStrength": "HIGH"},
	{"type": "PROMPT_ATTACK", "inputStrength": prompt_attack, "outputStrength": "NONE"},
]}}

# -- LLM-GRD-001 --------------------------------------------------------------------------------

test_fail_model_without_guardrail if {
	guardrails.unguarded_model == {{
		"msg": "model b can be invoked without a guardrail",
		"resource": "model-b-profile",
		"pointer": "/spec/models/b",
	}} with input as _input([_profile("a", ["g"]), _profile("b", [])])
}

test_fail_endpoint_without_guardrail if {
	guardrails.unguarded_model == {{
		"msg": "model llama can be invoked without a guardrail",
		"resource": "endpoint-llama",
		"pointer": "/spec/models/llama",
	}} with input as _input([_endpoint("llama", {"guardrails": []})])
}

test_pass_embedding_endpoint_needs_no_guardrail if {
	guardrails.unguarded_model == set() with input as _input([_endpoint("bge", {"embedding": true})])
}

test_fail_knowledge_base_answers_with_unguarded_model if {
	guardrails.unguarded_model == {
		{"msg": "model b can be invoked without a guardrail", "resource": "model-b-profile", "pointer": "/spec/models/b"},
		{
			"msg": "knowledge base docs answers with model b, which no guardrail guards",
			"resource": "kb-docs",
			"pointer": "/spec/knowledgeBases/docs/models",
			"subject": "b",
		},
	} with input as _input([_profile("a", ["g"]), _profile("b", []), _kb("docs", ["a", "b"])])
}

test_fail_role_invokes_guarded_model_without_its_guardrail if {
	guardrails.unguarded_model == {{
		"msg": "app-invoke-role-policy allows bedrock:InvokeModel on model a without requiring its guardrail (g) through bedrock:GuardrailIdentifier",
		"resource": "app-invoke-role-policy",
		"pointer": "/spec/models",
		"subject": "a",
	}} with input as _input([_profile("a", ["g"]), _role_policy([_invoke([{"ref": "model-a-profile", "attr": "arn"}])])])
}

test_fail_role_invokes_the_foundation_model_directly if {
	statement := _invoke("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0")
	count(guardrails.unguarded_model) == 1 with input as _input([_profile("a", ["g"]), _role_policy([statement])])
}

test_fail_wildcard_action_on_every_model if {
	statement := {"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}
	count(guardrails.unguarded_model) == 1 with input as _input([_profile("a", ["g"]), _role_policy([statement])])
}

test_fail_condition_names_another_guardrail if {
	statement := _with_guardrail(_invoke([{"ref": "model-a-profile", "attr": "arn"}]), "other")
	count(guardrails.unguarded_model) == 1 with input as _input([_profile("a", ["g"]), _role_policy([statement])])
}

test_pass_role_requires_the_guardrail if {
	statement := _with_guardrail(_invoke([
		{"ref": "model-a-profile", "attr": "arn"},
		"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
	]), "g")
	inp := _input([_profile("a", ["g"]), _kb("docs", ["a"]), _role_policy([statement])])
	guardrails.unguarded_model == set() with input as inp
}

test_pass_other_actions_need_no_condition if {
	statement := {"Effect": "Allow", "Action": "bedrock:GetPrompt", "Resource": "*"}
	guardrails.unguarded_model == set() with input as _input([_profile("a", ["g"]), _role_policy([statement])])
}

# -- LLM-GRD-002 --------------------------------------------------------------------------------

test_fail_prompt_attack_filter_below_high if {
	guardrails.weak_prompt_attack_filter == {{
		"msg": "guardrail g filters prompt attacks at MEDIUM on input, not HIGH",
		"resource": "guardrail-g",
		"pointer": "/spec/guardrails/g/contentFilters/promptAttack/input",
	}} with input as _input([_guardrail("g", _filters("MEDIUM", "HIGH"), {})])
}

test_fail_prompt_attack_filter_missing if {
	guardrails.weak_prompt_attack_filter == {{
		"msg": "guardrail g filters prompt attacks at NONE on input, not HIGH",
		"resource": "guardrail-g",
		"pointer": "/spec/guardrails/g/contentFilters/promptAttack/input",
	}} with input as _input([_guardrail("g", {}, {})])
}

test_pass_prompt_attack_filter_high if {
	guardrails.weak_prompt_attack_filter == set() with input as _input([_guardrail("g", _filters("HIGH", "HIGH"), {})])
}

# -- LLM-GRD-003 --------------------------------------------------------------------------------

_classified(classification, resources) := object.union(
	_input(resources),
	{"spec": {"metadata": {"dataClassification": classification}}},
)

test_fail_confidential_guardrail_without_pii if {
	guardrails.missing_pii_filter == {{
		"msg": "guardrail g of a confidential application filters no PII",
		"resource": "guardrail-g",
		"pointer": "/spec/guardrails/g/pii",
	}} with input as _classified("confidential", [_guardrail("g", {}, {})])
}

test_pass_restricted_guardrail_with_a_pii_regex if {
	inputs := {
		"sensitiveInformationPolicyConfig": {
			"regexesConfigs": [{"name": "Employee", "pattern": "EMP-[0-9]{6}", "action": "BLOCK"}],
		},
	}
	guardrails.missing_pii_filter == set() with input as _classified("restricted", [_guardrail("g", inputs, {})])
}

test_pass_internal_guardrail_without_pii if {
	guardrails.missing_pii_filter == set() with input as _classified("internal", [_guardrail("g", {}, {})])
}

# -- LLM-GRD-004 --------------------------------------------------------------------------------

_grounding(grounding, relevance) := {"contextualGroundingPolicyConfig": {"filtersConfigs": [
	{"type": "GROUNDING", "threshold": grounding},
	{"type": "RELEVANCE", "threshold": relevance},
]}}

test_fail_knowledge_base_guardrail_without_grounding if {
	guardrails.missing_grounding_check == {{
		"msg": "guardrail g guards retrieval-augmented answers (knowledge base docs, model a) without a contextual grounding check",
		"resource": "guardrail-g",
		"pointer": "/spec/guardrails/g/contextualGrounding",
	}} with input as _input([_guardrail("g", {}, {"models": ["a"], "knowledgeBases": ["docs"]}), _kb("docs", ["a"])])
}

test_fail_answering_model_guardrail_without_grounding if {
	guardrails.missing_grounding_check == {{
		"msg": "guardrail g guards retrieval-augmented answers (model a) without a contextual grounding check",
		"resource": "guardrail-g",
		"pointer": "/spec/guardrails/g/contextualGrounding",
	}} with input as _input([_guardrail("g", {}, {"models": ["a"], "knowledgeBases": []}), _kb("docs", ["a"])])
}

test_fail_relevance_filter_missing if {
	filters := {"contextualGroundingPolicyConfig": {"filtersConfigs": [{"type": "GROUNDING", "threshold": 0.8}]}}
	inp := _input([_guardrail("g", filters, {"knowledgeBases": ["docs"]}), _kb("docs", [])])
	count(guardrails.missing_grounding_check) == 1 with input as inp
}

# A threshold of 0 is a check that blocks nothing: LLM-GRD-006's finding, not a second one here.
test_pass_zero_relevance_threshold_is_judged_by_grd_006 if {
	inp := _input([_guardrail("g", _grounding(0.8, 0), {"knowledgeBases": ["docs"]}), _kb("docs", [])])
	guardrails.missing_grounding_check == set() with input as inp
	count(guardrails.weak_grounding_threshold) == 1 with input as inp
}

test_pass_grounding_checked if {
	inp := _input(
		[_guardrail("g", _grounding(0.8, 0.7), {"models": ["a"], "knowledgeBases": ["docs"]}), _kb("docs", ["a"])],
	)
	guardrails.missing_grounding_check == set() with input as inp
}

test_pass_guardrail_outside_retrieval if {
	inp := _input([_guardrail("g", {}, {"models": ["b"], "knowledgeBases": []}), _kb("docs", ["a"])])
	guardrails.missing_grounding_check == set() with input as inp
}

# -- LLM-GRD-006 --------------------------------------------------------------------------------

_weak(grounding, relevance) := found if {
	found := guardrails.weak_grounding_threshold with input as _input([_guardrail("g", _grounding(grounding, relevance), {})])
}

test_fail_grounding_threshold_zero_blocks_nothing if {
	_weak(0, 0.75) == {{
		"msg": "guardrail g has grounding threshold 0: it blocks nothing",
		"resource": "guardrail-g",
		"pointer": "/spec/guardrails/g/contextualGrounding/grounding",
	}}
}

test_fail_relevance_threshold_under_the_floor if {
	_weak(0.75, 0.49) == {{
		"msg": "guardrail g has relevance threshold 0.49, under 0.5: it lets through answers it scores as more likely irrelevant than relevant",
		"resource": "guardrail-g",
		"pointer": "/spec/guardrails/g/contextualGrounding/relevance",
	}}
}

test_fail_both_thresholds_low if {
	count(_weak(0.01, 0.2)) == 2
}

# The floor itself blocks: exactly 0.5 passes, just under fails (pins >= against >).
test_pass_thresholds_at_the_floor if {
	_weak(0.5, 0.5) == set()
}

test_fail_just_under_the_floor if {
	count(_weak(0.4999, 0.5)) == 1
}

test_pass_thresholds_high if {
	_weak(0.99, 0.75) == set()
}

# Judged wherever a guardrail declares the check, whether or not it guards retrieval.
test_fail_guardrail_outside_retrieval_with_low_threshold if {
	inp := _input([_guardrail("g", _grounding(0, 0.9), {"models": ["b"], "knowledgeBases": []}), _kb("docs", ["a"])])
	count(guardrails.weak_grounding_threshold) == 1 with input as inp
	guardrails.missing_grounding_check == set() with input as inp
}

test_pass_guardrail_without_grounding_check if {
	guardrails.weak_grounding_threshold == set() with input as _input([_guardrail("g", {}, {})])
}

test_fail_filter_that_only_reports if {
	filters := {"contextualGroundingPolicyConfig": {"filtersConfigs": [
		{"type": "GROUNDING", "threshold": 0.9, "action": "NONE"},
		{"type": "RELEVANCE", "threshold": 0.9, "enabled": false},
	]}}
	guardrails.weak_grounding_threshold == {
		{"msg": "guardrail g has grounding threshold 0.9 but action NONE: it blocks nothing", "resource": "guardrail-g", "pointer": "/spec/guardrails/g/contextualGrounding/grounding"},
		{"msg": "guardrail g has relevance threshold 0.9 but is disabled: it blocks nothing", "resource": "guardrail-g", "pointer": "/spec/guardrails/g/contextualGrounding/relevance"},
	} with input as _input([_guardrail("g", filters, {})])
}

# Odd values are findings, never evaluation errors: a missing, null or text threshold blocks nothing.
test_fail_odd_thresholds_without_error if {
	filters := {"contextualGroundingPolicyConfig": {"filtersConfigs": [
		{"type": "GROUNDING"},
		{"type": "RELEVANCE", "threshold": "0.9"},
	]}}
	count(guardrails.weak_grounding_threshold) == 2 with input as _input([_guardrail("g", filters, {})])
}

# -- LLM-GRD-005 --------------------------------------------------------------------------------

test_fail_content_filter_low if {
	guardrails.weak_content_filter == {
		{"msg": "guardrail g filters violence at LOW on input", "resource": "guardrail-g", "pointer": "/spec/guardrails/g/contentFilters/violence/input"},
		{"msg": "guardrail g filters violence at LOW on output", "resource": "guardrail-g", "pointer": "/spec/guardrails/g/contentFilters/violence/output"},
	} with input as _input([_guardrail("g", _filters("HIGH", "LOW"), {})])
}

test_fail_content_filters_missing if {
	count(guardrails.weak_content_filter) == 10 with input as _input([_guardrail("g", {}, {})])
}

test_pass_content_filters_medium if {
	guardrails.weak_content_filter == set() with input as _input([_guardrail("g", _filters("HIGH", "MEDIUM"), {})])
}
