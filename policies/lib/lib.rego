# Shared helpers for every llmops policy package.
#
# A rule that can fail is a partial set of results built with `result` or
# `spec_result`; it never writes its own ID, severity or remediation: those
# come from the rule's METADATA block, joined by llmops-iac (or the policy
# pack) with the rule's package and name.
#
# Portability: only real OPA gives verdicts, but every rule gives the same result on
# regopy (rego-cpp), which tests/policy/test_differential.py holds to OPA; regopy
# differs from OPA in ways that fail silently:
# - it rejects `some k, v in x` inside a comprehension: comprehensions over
#   objects use `some k` and index instead;
# - it does not enumerate `some k` when `x[k]` only appears inside a function
#   call's arguments: bind it first (`v := x[k]`), then call;
# - `sprintf("%s")` prints the result of `concat`, `lower`, `upper`,
#   `format_int` and `replace` with its quotes: messages join lists with `join`
#   below and name categories from tables; rules do not use `replace` (spec
#   names never need JSON-pointer escaping: the schema allows only a-z, 0-9, -);
# - it scans arrays slowly (about 10 ms per pass over a Plan): rules find
#   resources through `resources` and `resources_of`, which use one index.
# Messages carry names the schema restricts; other spec text goes through
# `printable` (regopy 1.5 does not escape strings in its output; the test's
# regopy harness encodes input strings around that; messages stay plain either way).
package llmops.lib

import rego.v1

# The result of a rule failing on a Plan resource: the finding points at the
# spec line the resource came from.
result(resource, msg) := {"msg": msg, "resource": resource.name, "pointer": resource.source}

# The result of a rule failing on a spec value (JSON pointer into the spec).
spec_result(pointer, msg) := {"msg": msg, "resource": null, "pointer": pointer}

# The result of a rule failing on a Plan resource because of one field of the spec it came
# from: the finding points at that field (a JSON pointer into the spec; a field the spec
# leaves out is shown where it would be written), so a reviewer sees the line to change.
field_result(resource, pointer, msg) := {"msg": msg, "resource": resource.name, "pointer": pointer}

# A result that names what it is about, for a rule that can find several things at one
# pointer and resource (a maturity dimension, a model of a knowledge base): the subject
# tells their fingerprints apart, so code scanning keeps one alert per finding, and stays
# the same while the message's numbers change.
about(result, subject) := object.union(result, {"subject": subject})

# The spec pointer of the field `name` of the model a SageMaker model resource serves: the
# variant's own field when the resource serves a variant that sets it, else the model's.
# (A SageMaker model's source is its model's instanceType, or one of its variants.)
model_field(r, name) := concat("/", [r.source, name]) if _variant_sets(r, name)

model_field(r, name) := concat("/", [_model_pointer(r), name]) if {
	not _variant_sets(r, name)
}

_variant_sets(r, name) if {
	contains(r.source, "/variants/")
	spec_at(concat("/", [r.source, name])) != null
}

_model_pointer(r) := trim_suffix(r.source, "/instanceType") if endswith(r.source, "/instanceType")

_model_pointer(r) := split(r.source, "/variants/")[0] if contains(r.source, "/variants/")

_model_pointer(r) := r.source if {
	not endswith(r.source, "/instanceType")
	not contains(r.source, "/variants/")
}

# The value at a JSON pointer of the spec being judged (environment overrides applied), or
# null. Spec names never need escaping (the schema allows only a-z, 0-9, -).
spec_at(pointer) := object.get(input.spec, [_segment(s) | some s in split(trim_prefix(pointer, "/"), "/")], null)

_segment(s) := to_number(s) if regex.match(`^[0-9]+$`, s)

_segment(s) := s if not regex.match(`^[0-9]+$`, s)

# Positions of the Plan's resources by Pulumi type token. Rules look resources up
# through it instead of scanning input.plan.resources: regopy takes about 10 ms per
# scan of a Plan, and this index is built once per evaluation.
resource_positions[type] := positions if {
	some type in {r.type | some r in input.plan.resources}
	positions := [i | some i; input.plan.resources[i].type == type]
}

# All Plan resources of a Pulumi type token.
resources(type) := [input.plan.resources[i] | some i in object.get(resource_positions, type, [])]

# All Plan resources of any of a set of type tokens.
resources_of(types) := [input.plan.resources[i] |
	some type in types
	some i in object.get(resource_positions, type, [])
]

# The Plan resource with a logical name.
resource(name) := r if {
	some r in input.plan.resources
	r.name == name
}

# Whether the Plan has a resource of a Pulumi type token.
has_resource_type(type) if count(object.get(resource_positions, type, [])) > 0

# Every environment judged as production: the spec declares their tier production, or
# declares no tier for them (llmops_iac/spec/tiers.py: unknown means strict), and the
# environment being judged when it is production.
production_environments contains e if some e in object.get(input.context, "productionEnvironments", [])

production_environments contains input.context.environment if is_production

# Whether the environment being judged is production. Its tier comes from
# spec.environments.<name>.tier, never from its name; a missing, null or unknown
# tier is production (unknown means strict).
is_production if not object.get(input.context, "tier", null) in {"staging", "development"}

# Whether the environment being judged declared the development tier.
is_development if input.context.tier == "development"

# A section of the resolved spec (defaults applied), or {} when it is absent.
spec_section(name) := object.get(input.spec, ["spec", name], {})

# A metadata field of the spec, or `default_value` when it is absent.
metadata_field(name, default_value) := object.get(input.spec, ["metadata", name], default_value)

# The data classification the spec declares (the schema default is internal).
classification := metadata_field("dataClassification", "internal")

# Whether the application handles confidential or restricted data.
is_sensitive if classification in {"confidential", "restricted"}

# The IAM statements of a policy resource (its fn::toJSON document), always as a list.
statements(policy_resource) := as_list(policy_resource.inputs.policy["fn::toJSON"].Statement)

# The items joined by a separator, as a string `sprintf` prints as it is (see the
# portability note: `trim_prefix` gives regopy's `concat` result a plain string).
join(separator, items) := trim_prefix(concat(separator, items), "")

# A value that is one item or a list, as a list.
as_list(x) := x if is_array(x)

as_list(x) := [x] if not is_array(x)

# Whether a Plan value is a reference to resource `name` (any attribute).
is_ref_to(value, name) if {
	is_object(value)
	value.ref == name
}

# Whether a Plan value contains a reference to resource `name` anywhere inside it.
refers_to(value, name) if {
	walk(value, [_, node])
	is_ref_to(node, name)
}

# The logical names of the Plan's KMS keys (the application's customer-managed key).
app_key_names := {r.name | some r in resources("aws:kms/key:Key")}

# Whether a Plan value is a reference to the ARN or ID of one of the Plan's KMS keys.
is_app_key(value) if {
	is_object(value)
	value.attr in {"arn", "keyId", "id"}
	value.ref in app_key_names
}

# A model's logical name in the spec, from its inference profile or endpoint resource.
model_name(r) := trim_suffix(trim_prefix(r.name, "model-"), "-profile") if {
	r.type == "aws:bedrock/inferenceProfile:InferenceProfile"
}

model_name(r) := trim_prefix(r.name, "endpoint-") if r.type == "aws:sagemaker/endpoint:Endpoint"

# Resource types through which models are invoked, and IAM identity-policy types.
model_types := {"aws:bedrock/inferenceProfile:InferenceProfile", "aws:sagemaker/endpoint:Endpoint"}

identity_policy_types := {"aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"}

# Whether a resource is how a text model is invoked: a Bedrock inference profile, or a
# SageMaker endpoint that does not serve an embedding model.
is_model_resource(r) if {
	r.type in model_types
	not object.get(r, ["meta", "embedding"], false)
}

# Free text as it may appear in a message: unchanged when it holds only plain
# characters, else a placeholder (see the portability note above).
printable(text) := text if regex.match(`^[A-Za-z0-9 @._:/+=,()#%&!?'~*-]*$`, text)

printable(text) := "(text not shown)" if not regex.match(`^[A-Za-z0-9 @._:/+=,()#%&!?'~*-]*$`, text)
