# Invocation paths, the helpers of LLM-GRD-001 and LLM-GRD-007 (guardrails.rego): which resources
# an IAM statement reaches, and who may invoke a SageMaker endpoint and apply its guardrails.
#
# Bedrock applies a guardrail to InvokeModel and Converse when the request names it, and the
# invoke role forces that (IAM condition bedrock:GuardrailIdentifier). A call to
# sagemaker:InvokeEndpoint passes no Bedrock guardrail at all: the application must call
# bedrock:ApplyGuardrail on every prompt and response. So a SageMaker endpoint counts as guarded
# (LLM-GRD-001) only when the spec declares guardrailEnforcement: application on its model and
# every role that may invoke it may call ApplyGuardrail on its guardrails; a declared path is
# still named in every report (LLM-GRD-007, a note), since no one can verify application code here.
#
# This module uses nothing of guardrails.rego (guardrails.rego uses it): an OPA server compiles each
# module as it is written, so two modules of one package that call each other could never be loaded.
package llmops.guardrails

import rego.v1

import data.llmops.lib

# The resources a statement names by reference, and its resources as text: each
# computed once per statement, not once per guarded model and resource.
_refs(statement) := {item.ref |
	some item in lib.as_list(object.get(statement, "Resource", []))
	is_object(item)
}

_texts(statement) := {_text(item) | some item in lib.as_list(object.get(statement, "Resource", []))}

# A resource ARN as text: a string, or the literal parts of an fn::join.
_text(item) := item if is_string(item)

_text(item) := concat("", [p | some p in item["fn::join"][1]; is_string(p)]) if is_object(item)

# SageMaker endpoints of text models that guardrails are listed for.
_guarded_endpoints := [r |
	some r in lib.resources("aws:sagemaker/endpoint:Endpoint")
	lib.is_model_resource(r)
	count(object.get(r, ["meta", "guardrails"], [])) > 0
]

_application_enforced(r) if r.meta.guardrailEnforcement == "application"

# The endpoint's name in AWS (its logical name when the Plan does not know it).
_endpoint_name(r) := r.inputs.name if is_string(r.inputs.name)

_endpoint_name(r) := lib.model_name(r) if not is_string(object.get(r.inputs, "name", null))

# The invocation path of a guarded endpoint and what the application must do on it.
_endpoint_path(r) := sprintf(
	"endpoint %s (model %s) is invoked with sagemaker:InvokeEndpoint%s: %s not applied by the platform; the application must call bedrock:ApplyGuardrail %s on every prompt and response",
	[_endpoint_name(r), lib.model_name(r), _invoked_by(r), _not_applied(r.meta.guardrails), _apply_with(r.meta.guardrails)],
)

_invoked_by(r) := sprintf(" by %s", [lib.join(", ", names)]) if {
	names := _invokers(r)
	count(names) > 0
}

_invoked_by(r) := "" if count(_invokers(r)) == 0

_invokers(r) := sort({_principal_name(policy) |
	some policy in lib.resources_of(lib.identity_policy_types)
	_invokes_endpoint(policy, r)
})

_not_applied(guards) := sprintf("guardrail %s is", [guards[0]]) if count(guards) == 1

_not_applied(guards) := sprintf("guardrails %s are", [lib.join(", ", guards)]) if count(guards) > 1

_apply_with(guards) := sprintf("with it (its ID is the stack output %s)", [_id_outputs(guards)]) if count(guards) == 1

_apply_with(guards) := sprintf("with them (their IDs are the stack outputs %s)", [_id_outputs(guards)]) if count(guards) > 1

_id_outputs(guards) := lib.join(", ", [x |
	some g in guards
	x := sprintf("guardrail.%s.id", [g])
])

# Whether an identity policy allows invoking the endpoint.
_invokes_endpoint(policy, r) if {
	some statement in lib.statements(policy)
	statement.Effect == "Allow"
	some action in lib.as_list(object.get(statement, "Action", []))
	_covers_endpoint_invoke(lower(action))
	_reaches_endpoint(statement, r)
}

_covers_endpoint_invoke(action) if action in {
	"*", "sagemaker:*", "sagemaker:invokeendpoint",
	"sagemaker:invokeendpointwithresponsestream", "sagemaker:invokeendpointasync",
}

_covers_endpoint_invoke(action) if {
	endswith(action, "*")
	startswith("sagemaker:invokeendpoint", trim_suffix(action, "*"))
}

# The statement's resources include the endpoint: a reference to it, "*", an ARN ending
# in /* or in endpoint/<its name> (SageMaker ARNs carry the name in lower case).
_reaches_endpoint(statement, r) if r.name in _refs(statement)

_reaches_endpoint(statement, _) if "*" in _texts(statement)

_reaches_endpoint(statement, _) if strings.any_suffix_match(_texts(statement), "/*")

_reaches_endpoint(statement, r) if {
	suffix := concat("", [":endpoint/", lower(_endpoint_name(r))])
	strings.any_suffix_match({lower(t) | some t in _texts(statement)}, suffix)
}

# Who an identity policy grants to: its role's logical name, else the policy's own.
_principal(policy) := policy.inputs.role.ref if is_string(policy.inputs.role.ref)

_principal(policy) := policy.name if not is_string(object.get(policy.inputs, ["role", "ref"], null))

_principal_name(policy) := lib.join(" ", ["role", name]) if {
	role := lib.resource(policy.inputs.role.ref)
	name := role.inputs.name
	is_string(name)
}

_principal_name(policy) := lib.join(" ", ["policy", policy.name]) if not _role_named(policy)

_role_named(policy) if is_string(lib.resource(policy.inputs.role.ref).inputs.name)

# Whether some policy of the principal allows bedrock:ApplyGuardrail on the guardrail.
_may_apply(principal, guardrail) if {
	some policy in lib.resources_of(lib.identity_policy_types)
	_principal(policy) == principal
	some statement in lib.statements(policy)
	statement.Effect == "Allow"
	some action in lib.as_list(object.get(statement, "Action", []))
	_covers_apply(lower(action))
	_reaches_guardrail(statement, guardrail)
}

_covers_apply(action) if action in {"*", "bedrock:*", "bedrock:applyguardrail"}

_covers_apply(action) if {
	endswith(action, "*")
	startswith("bedrock:applyguardrail", trim_suffix(action, "*"))
}

# The statement's resources include the guardrail: a reference to it, "*", or an ARN ending
# in :guardrail/* (its ID is known only after deploy; any other ARN does not count).
_reaches_guardrail(statement, guardrail) if concat("", ["guardrail-", guardrail]) in _refs(statement)

_reaches_guardrail(statement, _) if "*" in _texts(statement)

_reaches_guardrail(statement, _) if strings.any_suffix_match(_texts(statement), ":guardrail/*")
