# Maturity gate: the LLMOps maturity assessment (llmops-iac maturity) as policy.
#
# input.maturity is llmops_iac.maturity.assess.Assessment.policy_input():
# {environment, productionEnvironment, repository, target, overall: {level, score, meetsTarget},
#  dimensions: [{id, name, achieved, target, meetsTarget, score, blockedBy, next}], subDimensions, failing}.
# Without an assessment (the policy stage run without the maturity stage) both rules are not applicable.
package llmops.maturity

import rego.v1

import data.llmops.lib

# METADATA
# title: Production runs at least as a structured pilot
# description: >-
#   An application deployed to production (or to an environment of unknown tier)
#   reaches LLMOps maturity level 1 in every dimension on what llmops-iac itself
#   verifies (the automatic criteria; every level-1 criterion is automatic): it is
#   declared as code with pinned models, versioned prompts, golden datasets with
#   real cases and gates that can fail, guardrail filters, recorded invocations,
#   a budget whose alerts reach people, an owner, and human review of critical
#   decisions. Seed 003 (section 5.3.2) puts its own production case study at this
#   level ("Maturity Level: 1 (targeting Level 2)"); below it is ad hoc.
# related_resources:
#   - ref: https://learn.microsoft.com/en-us/azure/machine-learning/prompt-flow/concept-llmops-maturity
# custom:
#   id: LLM-MAT-003
#   severity: error
#   security: false
#   remediation: >-
#     Run `llmops-iac maturity <spec> --repo .` and fix the level-1 criteria its
#     roadmap lists first, or waive LLM-MAT-003 with a reason, an owner and an expiry.
#   frameworks:
#     nist: [GOVERN 1.4, MANAGE 4.1]
#     euAiAct: [Article 17]
#     awsGenAiLens: [GENOPS04-BP02]
#   applies_to: [maturity:assessment]
production_below_pilot contains lib.about(lib.spec_result("/spec/maturity/target", msg), object.get(d, "id", d.name)) if {
	lib.is_production
	some d in input.maturity.dimensions
	level := object.get(d, "evidenced", 0) # missing: the strictest reading
	level < 1
	msg := sprintf("%s is at maturity level %d in production, below the structured-pilot level 1 (next: %s)", [d.name, level, object.get(d, "evidencedNext", d.next)])
}

# METADATA
# title: Production runs at operational maturity
# description: >-
#   An application deployed to production reaches LLMOps maturity level 2
#   (operational deployment) in every dimension: CI checks every change, gates are
#   judged on measured results of this spec version, environments are separated,
#   alarms have runbooks and owners, and the audit trail is kept long enough.
#   Judged on what llmops-iac itself verifies (the automatic criteria); the manual
#   criteria a repository attests (.llmops/attestations.yaml) count in the maturity
#   level and in LLM-MAT-002. A warning in every tier (issue #15): level 2 needs
#   dated evidence (evaluation results at most 30 days old) that a check without
#   --eval-results cannot see; LLM-MAT-003 is the production gate. A team that
#   wants level 2 as a gate runs `check --fail-level warning` in its deploy job.
# related_resources:
#   - ref: https://learn.microsoft.com/en-us/azure/machine-learning/prompt-flow/concept-llmops-maturity
# custom:
#   id: LLM-MAT-001
#   severity: warning
#   security: false
#   remediation: >-
#     Run `llmops-iac maturity <spec> --repo . --eval-results <results>` and work
#     through its roadmap for the dimensions below level 2.
#   frameworks:
#     nist: [GOVERN 1.4, MANAGE 4.1]
#     euAiAct: [Article 17]
#     awsGenAiLens: [GENOPS04-BP02]
#   applies_to: [maturity:assessment]
production_below_operational contains lib.about(lib.spec_result("/spec/maturity/target", msg), object.get(d, "id", d.name)) if {
	lib.is_production
	some d in input.maturity.dimensions
	level := object.get(d, "evidenced", 0) # missing: the strictest reading
	level < 2
	msg := sprintf("%s is at maturity level %d in production, below the operational level 2 (next: %s)", [d.name, level, object.get(d, "evidencedNext", d.next)])
}

# METADATA
# title: The declared maturity target is met
# description: >-
#   spec.maturity.target is a commitment: every dimension below it is a finding, so
#   a team either reaches the level it declared, lowers the target, or waives the
#   gap with a reason, an owner and an expiry date.
# custom:
#   id: LLM-MAT-002
#   severity: warning
#   security: false
#   remediation: >-
#     Work through the roadmap of `llmops-iac maturity`, lower spec.maturity.target to
#     what the application really is, or waive LLM-MAT-002 until a date.
#   frameworks:
#     nist: [GOVERN 1.5, MANAGE 4.2]
#     euAiAct: [Article 17]
#     awsGenAiLens: [GENOPS04-BP02]
#   applies_to: [maturity:assessment]
target_not_met contains lib.about(lib.spec_result("/spec/maturity/target", msg), object.get(d, "id", d.name)) if {
	some d in input.maturity.dimensions
	d.achieved < d.target
	msg := sprintf("%s is at maturity level %d, below the declared target %d (next: %s)", [d.name, d.achieved, d.target, d.next])
}
