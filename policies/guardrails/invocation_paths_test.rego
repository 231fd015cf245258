package llmops.guardrails_test

import rego.v1

import data.llmops.guardrails

# -- builders (the rest are in guardrails_test.rego) ----------------------------------------------

_sm_endpoint(meta) := {
	"name": "endpoint-llama",
	"type": "aws:sagemaker/endpoint:Endpoint",
	"source": "/spec/models/llama",
	"inputs": {"name": "helpdesk-prod-llama"},
	"meta": meta,
}

_role(name, physical) := {
	"name": name,
	"type": "aws:iam/role:Role",
	"source": "/spec/models",
	"inputs": {"name": physical},
}

_policy(name, role, statements) := {
	"name": name,
	"type": "aws:iam/rolePolicy:RolePolicy",
	"source": "/spec/models",
	"inputs": {
		"role": {"ref": role, "attr": "id"},
		"policy": {"fn::toJSON": {"Version": "2012-10-17", "Statement": statements}},
	},
}

_invoke_endpoint := {
	"Effect": "Allow",
	"Action": ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
	"Resource": {"ref": "endpoint-llama", "attr": "arn"},
}

_apply(guards) := {
	"Effect": "Allow",
	"Action": "bedrock:ApplyGuardrail",
	"Resource": [{"ref": sprintf("guardrail-%s", [g]), "attr": "guardrailArn"} | some g in guards],
}

_declared := {"guardrails": ["helpdesk-guard"], "guardrailEnforcement": "application"}

_undeclared := {"guardrails": ["helpdesk-guard"]}

# The invoke role as the compiler writes it: may invoke the endpoint and apply its guardrail.
_app(meta, statements) := _input([
	_sm_endpoint(meta),
	_role("app-invoke-role", "helpdesk-prod-invoke"),
	_policy("app-invoke-role-policy", "app-invoke-role", statements),
])

_path := concat("", [
	"endpoint helpdesk-prod-llama (model llama) is invoked with sagemaker:InvokeEndpoint by role helpdesk-prod-invoke: ",
	"guardrail helpdesk-guard is not applied by the platform; the application must call bedrock:ApplyGuardrail ",
	"with it (its ID is the stack output guardrail.helpdesk-guard.id) on every prompt and response",
])

# -- LLM-GRD-001: a guardrail SageMaker does not apply guards nothing until the application does ----

test_fail_sagemaker_guardrail_is_not_applied_by_the_platform if {
	guardrails.unguarded_model == {{
		"msg": concat("", [_path, "; once it does, declare guardrailEnforcement: application on the model"]),
		"resource": "endpoint-llama",
		"pointer": "/spec/models/llama/guardrailEnforcement",
	}} with input as _app(_undeclared, [_invoke_endpoint, _apply(["helpdesk-guard"])])
	guardrails.application_guarded_endpoint == set() with input as _app(_undeclared, [_invoke_endpoint, _apply(["helpdesk-guard"])])
}

test_fail_an_enforcement_other_than_application_is_not_a_declaration if {
	meta := {"guardrails": ["helpdesk-guard"], "guardrailEnforcement": "platform"}
	count(guardrails.unguarded_model) == 1 with input as _app(meta, [_invoke_endpoint, _apply(["helpdesk-guard"])])
}

test_pass_declared_application_enforcement_with_permission if {
	inp := _app(_declared, [_invoke_endpoint, _apply(["helpdesk-guard"])])
	guardrails.unguarded_model == set() with input as inp
}

test_fail_role_may_invoke_but_not_apply_the_guardrail if {
	guardrails.unguarded_model == {{
		"msg": "role helpdesk-prod-invoke may invoke endpoint helpdesk-prod-llama with sagemaker:InvokeEndpoint but may not call bedrock:ApplyGuardrail on guardrail helpdesk-guard, so the application cannot apply it",
		"resource": "app-invoke-role-policy",
		"pointer": "/spec/models",
		"subject": "endpoint-llama/helpdesk-guard",
	}} with input as _app(_declared, [_invoke_endpoint])
}

test_fail_apply_allowed_on_another_guardrail_only if {
	count(guardrails.unguarded_model) == 1 with input as _app(_declared, [_invoke_endpoint, _apply(["other"])])
}

test_fail_apply_allowed_by_a_deny if {
	deny := object.union(_apply(["helpdesk-guard"]), {"Effect": "Deny"})
	count(guardrails.unguarded_model) == 1 with input as _app(_declared, [_invoke_endpoint, deny])
}

test_pass_apply_through_wildcards if {
	every statement in [
		{"Effect": "Allow", "Action": "bedrock:ApplyGuardrail", "Resource": "*"},
		{"Effect": "Allow", "Action": "bedrock:Apply*", "Resource": "arn:aws:bedrock:us-east-1:111122223333:guardrail/*"},
		{"Effect": "Allow", "Action": "bedrock:*", "Resource": {"ref": "guardrail-helpdesk-guard", "attr": "guardrailArn"}},
	] {
		guardrails.unguarded_model == set() with input as _app(_declared, [_invoke_endpoint, statement])
	}
}

test_fail_apply_allowed_on_other_resources_only if {
	every statement in [
		{"Effect": "Allow", "Action": "bedrock:ApplyGuardrail", "Resource": "arn:aws:bedrock:us-east-1:111122223333:prompt/*"},
		{"Effect": "Allow", "Action": "bedrock:ApplyGuardrail", "Resource": {"ref": "endpoint-llama", "attr": "arn"}},
		{"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"},
		{"Effect": "Allow", "Action": "bedrock:ApplyGuardrails*", "Resource": "*"},
	] {
		count(guardrails.unguarded_model) == 1 with input as _app(_declared, [_invoke_endpoint, statement])
	}
}

test_pass_apply_granted_by_another_policy_of_the_same_role if {
	inp := _input([
		_sm_endpoint(_declared),
		_role("app-invoke-role", "helpdesk-prod-invoke"),
		_policy("app-invoke-role-policy", "app-invoke-role", [_invoke_endpoint]),
		_policy("app-invoke-role-guardrails", "app-invoke-role", [_apply(["helpdesk-guard"])]),
	])
	guardrails.unguarded_model == set() with input as inp
}

test_fail_apply_granted_to_another_role_only if {
	inp := _input([
		_sm_endpoint(_declared),
		_role("app-invoke-role", "helpdesk-prod-invoke"),
		_role("ops-role", "helpdesk-prod-ops"),
		_policy("app-invoke-role-policy", "app-invoke-role", [_invoke_endpoint]),
		_policy("ops-role-policy", "ops-role", [_apply(["helpdesk-guard"])]),
	])
	count(guardrails.unguarded_model) == 1 with input as inp
}

test_fail_every_guardrail_of_the_endpoint_needs_the_permission if {
	meta := {"guardrails": ["a", "b"], "guardrailEnforcement": "application"}
	found := guardrails.unguarded_model with input as _app(meta, [_invoke_endpoint, _apply(["a"])])
	count(found) == 1
	some f in found
	endswith(f.msg, "on guardrail b, so the application cannot apply it")
}

test_pass_a_role_that_cannot_invoke_the_endpoint_needs_no_permission if {
	other := {"Effect": "Allow", "Action": "sagemaker:InvokeEndpoint", "Resource": "arn:aws:sagemaker:us-east-1:111122223333:endpoint/other"}
	read := {"Effect": "Allow", "Action": "sagemaker:DescribeEndpoint", "Resource": "*"}
	guardrails.unguarded_model == set() with input as _app(_declared, [other, read])
}

test_fail_invocation_through_wildcards_and_arns if {
	every statement in [
		{"Effect": "Allow", "Action": "sagemaker:Invoke*", "Resource": "*"},
		{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:sagemaker:us-east-1:111122223333:endpoint/*"},
		{"Effect": "Allow", "Action": "sagemaker:InvokeEndpointAsync", "Resource": "arn:aws:sagemaker:us-east-1:111122223333:endpoint/HELPDESK-prod-llama"},
	] {
		count(guardrails.unguarded_model) == 1 with input as _app(_declared, [statement])
	}
}

test_fail_an_embedding_endpoint_is_not_judged if {
	meta := {"guardrails": ["helpdesk-guard"], "embedding": true}
	guardrails.unguarded_model == set() with input as _app(meta, [_invoke_endpoint])
	guardrails.application_guarded_endpoint == set() with input as _app(meta, [_invoke_endpoint])
}

# -- LLM-GRD-007: a declared path is named in every report -----------------------------------------

test_fail_declared_path_is_a_note_naming_the_path if {
	guardrails.application_guarded_endpoint == {{
		"msg": concat("", [_path, "; the spec declares that it does (guardrailEnforcement: application), which llmops-iac cannot verify"]),
		"resource": "endpoint-llama",
		"pointer": "/spec/models/llama/guardrailEnforcement",
	}} with input as _app(_declared, [_invoke_endpoint, _apply(["helpdesk-guard"])])
}

test_pass_no_note_without_a_declaration_or_a_guardrail if {
	guardrails.application_guarded_endpoint == set() with input as _app(_undeclared, [_invoke_endpoint])
	none := {"guardrails": [], "guardrailEnforcement": "application"}
	guardrails.application_guarded_endpoint == set() with input as _app(none, [_invoke_endpoint])
	guardrails.application_guarded_endpoint == set() with input as _input([_profile("a", ["g"])])
}

test_note_names_every_invoker_and_guardrail if {
	meta := {"guardrails": ["a", "b"], "guardrailEnforcement": "application"}
	inp := _input([
		_sm_endpoint(meta),
		_role("app-invoke-role", "helpdesk-prod-invoke"),
		_role("ops-role", "helpdesk-prod-ops"),
		_policy("app-invoke-role-policy", "app-invoke-role", [_invoke_endpoint, _apply(["a", "b"])]),
		_policy("ops-role-policy", "ops-role", [_invoke_endpoint, _apply(["a", "b"])]),
	])
	[note] := [n.msg | some n in guardrails.application_guarded_endpoint] with input as inp
	contains(note, "by role helpdesk-prod-invoke, role helpdesk-prod-ops: guardrails a, b are not applied by the platform")
	contains(note, "with them (their IDs are the stack outputs guardrail.a.id, guardrail.b.id)")
}

test_note_without_an_invoker_names_the_endpoint if {
	inp := _input([_sm_endpoint(_declared)])
	[note] := [n.msg | some n in guardrails.application_guarded_endpoint] with input as inp
	startswith(note, "endpoint helpdesk-prod-llama (model llama) is invoked with sagemaker:InvokeEndpoint: guardrail helpdesk-guard")
}

test_note_names_a_managed_policy_and_the_logical_name_of_an_unnamed_endpoint if {
	endpoint := {
		"name": "endpoint-llama",
		"type": "aws:sagemaker/endpoint:Endpoint",
		"source": "/spec/models/llama",
		"inputs": {},
		"meta": _declared,
	}
	managed := {
		"name": "invoke-llama",
		"type": "aws:iam/policy:Policy",
		"source": "/spec/models",
		"inputs": {"policy": {"fn::toJSON": {"Statement": [_invoke_endpoint, _apply(["helpdesk-guard"])]}}},
	}
	[note] := [n.msg | some n in guardrails.application_guarded_endpoint] with input as _input([endpoint, managed])
	startswith(note, "endpoint llama (model llama) is invoked with sagemaker:InvokeEndpoint by policy invoke-llama: ")
	guardrails.unguarded_model == set() with input as _input([endpoint, managed])
}
