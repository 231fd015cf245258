# Evaluation: production changes pass gates that measure what matters for this application.
package llmops.evaluation

import rego.v1

import data.llmops.lib

# Every gate metric (the schema's enum): which way is better and the range its values take.
# A gate needs a minimum on a higher-is-better metric and a maximum on a lower-is-better one;
# refusal-rate is neither: high is right on a red-team set and wrong on a golden set. Scores
# and rates lie in [0, 1]; latency and cost are at least 0 and have no ceiling. A bound at or
# beyond the range (a min at the floor, a max at the ceiling) holds for every result.
_metrics := {
	"faithfulness": {"better": "higher", "floor": 0, "ceiling": 1},
	"answer-relevance": {"better": "higher", "floor": 0, "ceiling": 1},
	"context-precision": {"better": "higher", "floor": 0, "ceiling": 1},
	"context-recall": {"better": "higher", "floor": 0, "ceiling": 1},
	"correctness": {"better": "higher", "floor": 0, "ceiling": 1},
	"toxicity": {"better": "lower", "floor": 0, "ceiling": 1},
	"pii-leakage": {"better": "lower", "floor": 0, "ceiling": 1},
	"refusal-rate": {"better": "either", "floor": 0, "ceiling": 1},
	"latency-p95-ms": {"better": "lower", "floor": 0},
	"cost-per-request-usd": {"better": "lower", "floor": 0},
}

_higher_is_better := {m | some m; _metrics[m].better == "higher"}

_lower_is_better := {m | some m; _metrics[m].better == "lower"}

_gates := object.get(lib.spec_section("evaluation"), "gates", [])

_required_for := object.get(lib.spec_section("evaluation"), "requiredFor", [])

# Whether a gate evaluates a model: it targets the model, its system prompt, or nothing.
_covers(gate, _, _) if not gate.target

_covers(gate, name, _) if gate.target == name

_covers(gate, _, model) if {
	prompt := object.get(model, "systemPrompt", "")
	prompt != ""
	gate.target in {prompt, split(prompt, "@")[0]}
}

# METADATA
# title: Production deployments require the evaluation gates
# description: >-
#   Gates only protect the environments listed in evaluation.requiredFor. Production
#   must be one of them, so a change that fails its gates cannot be promoted there.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/evaluation.html
# custom:
#   id: LLM-EVL-001
#   severity: warning
#   security: false
#   remediation: Add prod (the production environment's name) to evaluation.requiredFor.
#   frameworks:
#     owasp: [LLM09]
#     nist: [MEASURE 2.3, MEASURE 2.5, MANAGE 1.1]
#     euAiAct: [Article 9, Article 15]
#     awsGenAiLens: [GENOPS01-BP01, GENOPS04-BP02]
#   applies_to: [spec:models]
gates_not_required contains lib.spec_result("/spec/evaluation/requiredFor", msg) if {
	count({e | some e in _required_for; e in lib.production_environments}) == 0
	msg := "evaluation gates are not required for any production environment"
}

gates_not_required contains lib.spec_result("/spec/evaluation/requiredFor", msg) if {
	lib.is_production
	count({e | some e in _required_for; e in lib.production_environments}) > 0
	not input.context.environment in _required_for
	msg := sprintf("evaluation gates are not required for environment %s", [input.context.environment])
}

# METADATA
# title: Every model is evaluated by a gate
# description: >-
#   A model (or its system prompt) without a gate reaches production unmeasured: no
#   quality, safety, latency or cost threshold stands between a regression and users.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/evaluation.html
# custom:
#   id: LLM-EVL-002
#   severity: warning
#   security: false
#   remediation: >-
#     Add an evaluation.gates entry whose target is the model or its system prompt
#     (id@version).
#   frameworks:
#     owasp: [LLM09]
#     nist: [MEASURE 2.3, MEASURE 2.5]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENOPS01-BP01, GENPERF01-BP01]
#   applies_to: [spec:models]
ungated_model contains lib.spec_result(pointer, msg) if {
	models := lib.spec_section("models")
	some name
	model := models[name]
	not _gated(name, model)
	pointer := sprintf("/spec/models/%s", [name])
	msg := sprintf("model %s is not evaluated by any gate", [name])
}

_gated(name, model) if {
	some gate in _gates
	_covers(gate, name, model)
}

# METADATA
# title: Retrieval-augmented answers are gated on faithfulness and relevance
# description: >-
#   A model that answers from a knowledge base can retrieve the right passages and still
#   invent or wander: its gates measure faithfulness (answers supported by the retrieved
#   context) and answer relevance.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/evaluation-kb.html
# custom:
#   id: LLM-EVL-003
#   severity: warning
#   security: false
#   remediation: >-
#     Add faithfulness and answer-relevance gates (min thresholds) targeting the model or
#     its system prompt.
#   frameworks:
#     owasp: [LLM09, LLM08]
#     nist: [MEASURE 2.5, MEASURE 2.3]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENOPS01-BP01, GENPERF04-BP01]
#   applies_to: [spec:knowledgeBases]
missing_rag_gate contains lib.about(lib.spec_result(pointer, msg), metric) if {
	kbs := lib.spec_section("knowledgeBases")
	models := lib.spec_section("models")
	some kb
	knowledge_base := kbs[kb]
	some i, name in object.get(knowledge_base, "models", [])
	some metric in ["faithfulness", "answer-relevance"]
	not _gated_on(metric, name, object.get(models, name, {}))
	pointer := sprintf("/spec/knowledgeBases/%s/models/%d", [kb, i])
	msg := sprintf("model %s answers from knowledge base %s without a %s gate", [name, kb, metric])
}

_gated_on(metric, name, model) if {
	some gate in _gates
	gate.metric == metric
	_covers(gate, name, model)
}

# METADATA
# title: Applications that handle non-public data are gated on safety
# description: >-
#   An application whose data is not public is gated on toxicity or PII leakage, so a
#   model or prompt change that starts leaking personal data or producing harmful answers
#   is stopped before release.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/evaluation.html
# custom:
#   id: LLM-EVL-004
#   severity: warning
#   security: false
#   remediation: Add a toxicity or pii-leakage gate (a max threshold) on a red-team or golden dataset.
#   frameworks:
#     owasp: [LLM02, LLM05]
#     nist: [MEASURE 2.6, MEASURE 2.10]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENOPS01-BP01, GENSEC02-BP01]
#   applies_to: [spec:models]
no_safety_gate contains lib.spec_result("/spec/evaluation/gates", msg) if {
	lib.classification != "public"
	count([g | some g in _gates; g.metric in {"toxicity", "pii-leakage"}]) == 0
	msg := sprintf("the application handles %s data but has no toxicity or pii-leakage gate", [lib.classification])
}

# METADATA
# title: Gates bound their metric in the right direction, within its range
# description: >-
#   A gate with only a maximum on a higher-is-better metric (faithfulness, relevance,
#   context precision and recall, correctness), or only a minimum on a lower-is-better
#   one (toxicity, PII leakage, latency, cost), passes the regressions it exists to stop.
#   So does a bound no result can cross: a min at or below the metric's floor (min 0 on
#   faithfulness), a max at or above its ceiling (max 1 on toxicity, a 0-1 rate), or a
#   refusal-rate gate with neither a min above 0 nor a max below 1. The ranges are a
#   table in policies/evaluation/evaluation.rego.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/evaluation.html
# custom:
#   id: LLM-EVL-005
#   severity: error
#   security: false
#   remediation: >-
#     Give the gate a min for higher-is-better metrics, a max for lower-is-better ones,
#     inside the metric's range (scores and rates between 0 and 1).
#   frameworks:
#     owasp: [LLM09]
#     nist: [MEASURE 2.13]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENOPS01-BP01]
#   applies_to: [spec:evaluation]
misdirected_gate contains lib.spec_result(pointer, msg) if {
	some i, gate in _gates
	gate.metric in _higher_is_better
	not "min" in object.keys(gate)
	pointer := sprintf("/spec/evaluation/gates/%d", [i])
	msg := sprintf("gate %d on %s has no minimum: higher is better for this metric", [i, gate.metric])
}

misdirected_gate contains lib.spec_result(pointer, msg) if {
	some i, gate in _gates
	gate.metric in _lower_is_better
	not "max" in object.keys(gate)
	pointer := sprintf("/spec/evaluation/gates/%d", [i])
	msg := sprintf("gate %d on %s has no maximum: lower is better for this metric", [i, gate.metric])
}

misdirected_gate contains lib.spec_result(pointer, msg) if {
	some i, gate in _gates
	range := _metrics[gate.metric]
	range.better == "higher"
	is_number(gate.min)
	gate.min <= range.floor
	pointer := sprintf("/spec/evaluation/gates/%d/min", [i])
	msg := sprintf("gate %d on %s has min %v: every result passes (%s is never below %v)", [i, gate.metric, gate.min, gate.metric, range.floor])
}

misdirected_gate contains lib.spec_result(pointer, msg) if {
	some i, gate in _gates
	range := _metrics[gate.metric]
	range.better == "lower"
	is_number(gate.max)
	is_number(range.ceiling)
	gate.max >= range.ceiling
	pointer := sprintf("/spec/evaluation/gates/%d/max", [i])
	msg := sprintf("gate %d on %s has max %v: every result passes (%s is never above %v)", [i, gate.metric, gate.max, gate.metric, range.ceiling])
}

misdirected_gate contains lib.spec_result(pointer, msg) if {
	some i, gate in _gates
	range := _metrics[gate.metric]
	range.better == "either"
	not _binds_min(gate, range)
	not _binds_max(gate, range)
	pointer := sprintf("/spec/evaluation/gates/%d", [i])
	msg := sprintf(
		"gate %d on %s has no min above %v and no max below %v: every result passes",
		[i, gate.metric, range.floor, range.ceiling],
	)
}

# A bound some result can fail: a min above the floor, a max below the ceiling.
_binds_min(gate, range) if {
	is_number(gate.min)
	gate.min > range.floor
}

_binds_max(gate, range) if {
	is_number(gate.max)
	gate.max < range.ceiling
}

# -- Gates judged on measured results (`check --eval-results`, issue #15) --------------------------------------
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

_results_apply if input.context.environment in _required_for

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
	some i, gate in _gates
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
	some i, gate in _gates
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
