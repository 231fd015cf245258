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
#   remediation: Fix the finding the waiver covers, or renew the waiver with a new expiry date and reason.
#   frameworks:
#     nist: [GOVERN 1.5]
#     euAiAct: [Article 17]
#     awsGenAiLens: [GENOPS01-BP01]
#   applies_to: [spec:waivers]
expired_waiver contains lib.spec_result(sprintf("/spec/waivers/%d/expires", [i]), sprintf("waiver for %s expired on %s (owner %s)", [w.rule, w.expires, w.owner])) if {
	some i, w in input.spec.spec.waivers
	w.expires < input.context.today
}
