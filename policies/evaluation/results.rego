# Evaluation results: gates judged on measured values (`check --eval-results`, issue #15).
#
# input.evaluation is present only when results files are given: {specHash: this environment's Plan specHash,
# datasets: {name: sha256 of the dataset file now, or null}, results: [{file, specHash, environment, createdAt,
# harness, datasets: {name: sha256 when evaluated}, gates: [{metric, dataset, target, value, cases, errors}]}]}
# (llmops_iac/evaluation/policy_input.py). A measurement counts for a gate only when its results are for this
# spec hash and the dataset's current hash, it has at least one case and no errored case; the verdict is
# recomputed here from the value and the spec's bounds, never read from the harness.
#
# Gates are required where evaluation.requiredFor names the environment, and in every environment judged as
# production (a tier the spec does not declare is production): unknown means strict.
#
# This module uses nothing of evaluation.rego (an OPA server compiles each module as it is written).
package llmops.evaluation

import rego.v1

import data.llmops.lib

_results_gates := object.get(lib.spec_section("evaluation"), "gates", [])

_results_required_for := object.get(lib.spec_section("evaluation"), "requiredFor", [])

_results_apply if input.context.environment in _results_required_for

_results_apply if lib.is_production

# The measurements of a gate made on this spec hash and the dataset's current bytes.
_current(gate) := [object.union(m, {"file": r.file, "harness": r.harness}) |
	some r in input.evaluation.results
	r.specHash == input.evaluation.specHash
	now := input.evaluation.datasets[gate.dataset]
	is_string(now)
	object.get(r.datasets, gate.dataset, null) == now
	some m in r.gates
	m.metric == gate.metric
	m.dataset == gate.dataset
	m.target == object.get(gate, "target", null)
]

_complete(m) if {
	m.cases > 0
	m.errors == 0
}

_label(gate) := sprintf("%s on %s, target %s", [gate.metric, gate.dataset, gate.target]) if gate.target

_label(gate) := sprintf("%s on %s", [gate.metric, gate.dataset]) if not gate.target

# METADATA
# title: Required gates pass on measured results
# description: >-
#   With evaluation results (check --eval-results), every gate required in this environment is judged on
#   the value measured for this spec and the dataset's current content: a value below the gate's min or
#   above its max fails, whatever the harness reported as pass or fail.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/model-evaluation-report-s3.html
#   - ref: https://www.promptfoo.dev/docs/configuration/outputs
# custom:
#   id: LLM-EVL-006
#   severity: error
#   security: false
#   remediation: >-
#     Fix the regression (model, prompt or retrieval) and evaluate again, or, if the threshold is wrong,
#     change the gate in review; never edit the results.
#   frameworks:
#     owasp: [LLM09]
#     nist: [MEASURE 2.3, MEASURE 2.5, MANAGE 1.1]
#     euAiAct: [Article 9, Article 15]
#     awsGenAiLens: [GENOPS01-BP01, GENOPS04-BP02]
#   applies_to: [evaluation:results]
gate_fails_measured contains lib.spec_result(pointer, msg) if {
	_results_apply
	some i, gate in _results_gates
	some m in _current(gate)
	_complete(m)
	reasons := array.concat(
		[sprintf("below its min %v", [gate.min]) | is_number(gate.min); m.value < gate.min],
		[sprintf("above its max %v", [gate.max]) | is_number(gate.max); m.value > gate.max],
	)
	count(reasons) > 0
	pointer := sprintf("/spec/evaluation/gates/%d", [i])
	msg := sprintf("gate %d (%s) measured %v on %d cases, %s (%s, %s %s)", [
		i, _label(gate), m.value, m.cases, concat(" and ", reasons), m.file, m.harness.name, m.harness.version,
	])
}

# METADATA
# title: Required gates have a current measurement
# description: >-
#   With evaluation results (check --eval-results), a gate required in this environment must be measured
#   for this spec (its specHash) on the dataset as it is now (its sha256), on at least one case with no
#   case the harness failed to score. Results for another spec version, a dataset edited since, a gate
#   no file measures or measured on nothing leave the gate unjudged, and an unjudged required gate fails.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/model-evaluation-report-s3.html
# custom:
#   id: LLM-EVL-007
#   severity: error
#   security: false
#   remediation: >-
#     Evaluate this version of the spec on the current dataset (llmops-iac eval ingest or eval run, per
#     environment that requires the gates) and pass every results file to --eval-results.
#   frameworks:
#     owasp: [LLM09]
#     nist: [MEASURE 2.3, MEASURE 2.13, MANAGE 1.1]
#     euAiAct: [Article 9, Article 15]
#     awsGenAiLens: [GENOPS01-BP01, GENOPS04-BP02]
#   applies_to: [evaluation:results]
gate_unmeasured contains lib.spec_result(pointer, msg) if {
	_results_apply
	input.evaluation
	some i, gate in _results_gates
	not _measured(gate)
	pointer := sprintf("/spec/evaluation/gates/%d", [i])
	msg := sprintf("gate %d (%s) has no current measurement: %s", [i, _label(gate), _why(gate)])
}

_measured(gate) if {
	some m in _current(gate)
	_complete(m)
}

_same_spec := [r | some r in input.evaluation.results; r.specHash == input.evaluation.specHash]

_why(gate) := msg if {
	not is_string(input.evaluation.datasets[gate.dataset])
	msg := sprintf("dataset %s can't be read, so no result can be for its content", [gate.dataset])
} else := msg if {
	count(_same_spec) == 0
	hashes := concat(", ", sort({r.specHash | some r in input.evaluation.results}))
	msg := sprintf("no results are for this spec (spec hash %s); the results are for %s", [input.evaluation.specHash, hashes])
} else := msg if {
	count([r | some r in _same_spec; object.get(r.datasets, gate.dataset, null) == input.evaluation.datasets[gate.dataset]]) == 0
	evaluated := {h | some r in _same_spec; h := r.datasets[gate.dataset]}
	count(evaluated) > 0
	msg := sprintf("dataset %s changed since it was evaluated (sha256 now %s, evaluated %s)", [
		gate.dataset, input.evaluation.datasets[gate.dataset], concat(", ", sort(evaluated)),
	])
} else := msg if {
	some m in _current(gate)
	m.cases < 1
	msg := sprintf("it was measured on 0 cases (%s)", [m.file])
} else := msg if {
	some m in _current(gate)
	m.errors > 0
	msg := sprintf("%d of its cases errored in the harness (%s): it is not measured on the whole dataset", [m.errors, m.file])
} else := "no results file measures it"
