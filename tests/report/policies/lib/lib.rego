# Shared helpers for every llmops policy package.
#
# A rule that can fail is a partial set of results built with `result` or
# `spec_result`; it never writes its own ID, severity or remediation: those
# come from the rule's METADATA block, joined by llmops-iac (or the policy
# pack) with the rule's package and name.
package llmops.lib

import rego.v1

# The result of a rule failing on a Plan resource: the finding points at the
# spec line the resource came from.
result(resource, msg) := {"msg": msg, "resource": resource.name, "pointer": resource.source}

# The result of a rule failing on a spec value (JSON pointer into the spec).
spec_result(pointer, msg) := {"msg": msg, "resource": null, "pointer": pointer}

# All Plan resources of a Pulumi type token.
resources(type) := [r | some r in input.plan.resources; r.type == type]

# The Plan resource with a logical name.
resource(name) := r if {
	some r in input.plan.resources
	r.name == name
}

# Whether the environment being judged is production.
is_production if object.get(input.context, "tier", "production") == "production"

# The IAM statements of a role policy resource (its fn::toJSON document).
statements(policy_resource) := policy_resource.inputs.policy["fn::toJSON"].Statement

# A value that is one item or a list, as a list.
as_list(x) := x if is_array(x)

as_list(x) := [x] if not is_array(x)
