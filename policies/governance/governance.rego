# Governance: ownership, waivers, and the paper trail around exceptions.
package llmops.governance

import rego.v1

import data.llmops.lib

# METADATA
# title: Waivers are current
# description: >-
#   A waiver past its expiry date no longer excuses anything: the exception it
#   granted has to be fixed or renewed with a reason.
# custom:
#   id: LLM-GOV-001
#   severity: error
#   security: false
#   remediation: Fix the finding the waiver covers, or renew the waiver with a new expiry date and reason.
#   frameworks:
#     nist: [GOVERN 1.5]
#     euAiAct: [Article 17]
#     awsGenAiLens: [GENOPS01-BP01]
#   applies_to: [spec:waivers]
#   waivable: false
expired_waiver contains lib.spec_result(pointer, msg) if {
	some i, w in lib.spec_section("waivers")
	w.expires < input.context.today
	pointer := sprintf("/spec/waivers/%d/expires", [i])
	msg := sprintf("waiver for %s expired on %s (owner %s)", [w.rule, w.expires, lib.printable(w.owner)])
}

# METADATA
# title: The application has an owner
# description: >-
#   Every resource is tagged with the application's owner; left at the schema default
#   "unowned", nobody is paged for its alarms, answers for its findings or approves its
#   waivers.
# related_resources:
#   - ref: https://docs.aws.amazon.com/whitepapers/latest/tagging-best-practices/tagging-best-practices.html
# custom:
#   id: LLM-GOV-002
#   severity: warning
#   security: false
#   remediation: Set metadata.owner to the owning team's address or name.
#   frameworks:
#     nist: [GOVERN 2.1, GOVERN 1.6]
#     euAiAct: [Article 17, Article 26]
#     awsGenAiLens: [GENOPS04-BP02]
#   applies_to: [spec:models]
unowned contains lib.spec_result("/metadata/owner", "the application has no owner (metadata.owner is unowned)") if {
	lib.metadata_field("owner", "unowned") == "unowned"
}

# METADATA
# title: The application has a cost center
# description: >-
#   Spend is allocated by the costCenter tag; left at the schema default "unassigned",
#   the application's models, GPUs and storage land on nobody's budget.
# related_resources:
#   - ref: https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/cost-alloc-tags.html
# custom:
#   id: LLM-GOV-003
#   severity: warning
#   security: false
#   remediation: Set metadata.costCenter to the cost center that pays for the application.
#   frameworks:
#     owasp: [LLM10]
#     nist: [GOVERN 1.6, MANAGE 2.1]
#     euAiAct: [Article 17]
#     awsGenAiLens: [GENCOST02-BP01]
#   applies_to: [spec:models]
unassigned_cost_center contains lib.spec_result("/metadata/costCenter", msg) if {
	lib.metadata_field("costCenter", "unassigned") == "unassigned"
	msg := "the application has no cost center (metadata.costCenter is unassigned)"
}

# METADATA
# title: Production applications aim for operational maturity
# description: >-
#   Maturity target 2 (operational) means versioned prompts, evaluation gates, alarms
#   and runbooks are expected, and the maturity report scores them; an application
#   serving production traffic at target 0 or 1 is a pilot in production.
# related_resources:
#   - ref: https://docs.aws.amazon.com/prescriptive-guidance/latest/gen-ai-lifecycle-operational-excellence/introduction.html
# custom:
#   id: LLM-GOV-004
#   severity: note
#   security: false
#   remediation: Set spec.maturity.target to 2 or 3.
#   frameworks:
#     nist: [GOVERN 1.3, GOVERN 1.4]
#     euAiAct: [Article 17]
#     awsGenAiLens: [GENOPS04-BP02]
#   applies_to: [spec:maturity]
low_maturity_target contains lib.spec_result("/spec/maturity/target", msg) if {
	target := object.get(lib.spec_section("maturity"), "target", 1)
	target < 2
	msg := sprintf("maturity target is %d (operational is 2)", [target])
}

# METADATA
# title: Waivers expire within the profile's horizon
# description: >-
#   A waiver is a temporary, owned exception. One that runs past the horizon the
#   environment's profile sets (90 days in production, 180 in staging, 365 in
#   development; `waiverHorizonDays` in policies/profiles/) is a policy change nobody
#   reviews - `expires: 9999-12-31` is the usual form. Such a waiver excuses nothing
#   until it is renewed within the horizon, and this rule itself cannot be waived.
# related_resources:
#   - ref: https://airc.nist.gov/airmf-resources/playbook/govern/
# custom:
#   id: LLM-GOV-005
#   severity: error
#   security: false
#   remediation: Set the waiver's expires to at most the profile's horizon from today (90 days in production), and renew it with a fresh reason when it runs out.
#   frameworks:
#     nist: [GOVERN 1.5, MANAGE 1.3]
#     euAiAct: [Article 17]
#     awsGenAiLens: [GENOPS01-BP01]
#   applies_to: [spec:waivers]
#   waivable: false
long_waiver contains lib.spec_result(pointer, msg) if {
	some i, w in lib.spec_section("waivers")
	w.expires > _horizon
	pointer := sprintf("/spec/waivers/%d/expires", [i])
	msg := sprintf(
		"waiver for %s runs until %s, past the %d-day horizon of this environment (latest allowed: %s)",
		[w.rule, w.expires, _horizon_days, _horizon],
	)
}

_horizon_days := object.get(input.context, "waiverHorizonDays", 0)

# The latest expiry date the profile allows (today plus its horizon, as YYYY-MM-DD, worked out by
# llmops-iac); a context without it allows no future expiry at all.
_horizon := object.get(input.context, "waiverExpiresBy", input.context.today)

# METADATA
# title: Waivers name a rule that exists and can be waived
# description: >-
#   A waiver for a rule ID that no loaded policy defines excuses nothing and hides a
#   typo (LLM-GRD-01 for LLM-GRD-001) until the real finding appears in production; a
#   waiver of a rule that governs waivers (expired, too long, this one) would let a
#   waiver excuse itself. Both are findings that cannot be waived, and the waiver
#   excuses nothing.
# custom:
#   id: LLM-GOV-007
#   severity: error
#   security: false
#   remediation: Correct the waiver's rule to the ID of the finding it accepts (see `llmops-iac policy docs` or docs/rules.md), or remove the waiver; waivers of LLM-GOV-001, LLM-GOV-005 and LLM-GOV-007 are never accepted.
#   frameworks:
#     nist: [GOVERN 1.5]
#     euAiAct: [Article 17]
#     awsGenAiLens: [GENOPS01-BP01]
#   applies_to: [spec:waivers]
#   waivable: false
bad_waiver_rule contains lib.spec_result(pointer, msg) if {
	known := {r | some r in input.context.rules}
	some i, w in lib.spec_section("waivers")
	not w.rule in known
	pointer := sprintf("/spec/waivers/%d/rule", [i])
	msg := sprintf("waiver %d names %s, which no loaded policy defines", [i, lib.printable(w.rule)])
}

bad_waiver_rule contains lib.spec_result(pointer, msg) if {
	unwaivable := {r | some r in input.context.unwaivableRules}
	some i, w in lib.spec_section("waivers")
	w.rule in unwaivable
	pointer := sprintf("/spec/waivers/%d/rule", [i])
	msg := sprintf("waiver %d names %s, a rule that governs waivers and cannot be waived", [i, w.rule])
}

# METADATA
# title: The application's purpose is documented
# description: >-
#   What the application does, for whom, and with which data is the starting point of
#   every risk assessment, transparency notice and incident review; metadata.description
#   records it next to the infrastructure it explains.
# related_resources:
#   - ref: https://airc.nist.gov/airmf-resources/playbook/map/
# custom:
#   id: LLM-GOV-006
#   severity: warning
#   security: false
#   remediation: Describe the application's purpose, users and data in metadata.description.
#   frameworks:
#     nist: [MAP 1.1]
#     euAiAct: [Article 11, Article 13]
#     awsGenAiLens: [GENOPS04-BP02]
#   applies_to: [spec:models]
undocumented_purpose contains lib.spec_result("/metadata/description", msg) if {
	trim_space(lib.metadata_field("description", "")) == ""
	msg := "the application has no description of its purpose (metadata.description)"
}
