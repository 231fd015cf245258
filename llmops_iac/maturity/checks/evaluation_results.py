"""The check of MAT-CICD-204: gates are judged on measured results (`maturity --eval-results`, issue #15).

Evaluation practice counts only from results that measure *this* application as it is: for the spec hash of
the production view (the specHash its Plan's resources are tagged with), on each dataset as its file is now
(sha256), made within the catalogue's window (the criterion's ``maxAgeDays``), from a file inside the spec's
repository, on at least one case with none errored, and within the gate's bounds. Declared gates with no such
result are a test suite (level 1), not automated evaluation (level 2: seed 003, section 4.4.2, Evaluation).
"""

from __future__ import annotations

import os

from llmops_iac.maturity.checks.registry import FAIL, Result, _verdict, check
from llmops_iac.maturity.checks.shared import _gate_text, _gates, _plural
from llmops_iac.maturity.evidence import Evidence, pointer
from llmops_iac.shown_paths import shown_path

CRITERION = "MAT-CICD-204"


def _window() -> int:
    from llmops_iac.maturity.catalogue import load

    days = load().criteria[CRITERION].max_age_days
    return int(days) if days else 1  # the catalogue sets it (tests hold it there); missing means the strictest


def _production_hash(ev: Evidence) -> str:
    view = ev.production.loaded
    if view is ev.loaded:
        return ev.plan.spec_hash
    from llmops_iac.compile import compile_spec

    return compile_spec(view).spec_hash


@check(CRITERION)
def gates_judged_on_results(ev: Evidence) -> Result:
    gates = _gates(ev)
    if not gates:
        return Result(FAIL, "no evaluation gates declared, so nothing is judged on measured results",
                      (ev.at("/spec/evaluation", "spec.evaluation.gates is empty"),))
    if ev.evaluation is None:
        return Result(FAIL, f"no evaluation results given: {_plural(len(gates), 'gate')} declared but not judged on "
                            "measured values (evaluate with `llmops-iac eval`, then pass --eval-results)",
                      (ev.at("/spec/evaluation/gates", f"{_plural(len(gates), 'gate')} without measured results"),))
    from llmops_iac.evaluation.metrics import fails
    from llmops_iac.evaluation.policy_input import current_datasets

    spec_hash = _production_hash(ev)
    datasets = current_datasets(ev.production.loaded)
    window = _window()
    root = os.path.realpath(ev.loaded.spec_files().root)
    usable, problems, items = [], [], []
    for rf in ev.evaluation:
        age = (ev.today - rf.created.date()).days
        shown = shown_path(rf.path)
        where = f"{shown} ({rf.data['createdAt']})"
        if not (rf.real == root or rf.real.startswith(root.rstrip("/") + "/")):
            problems.append(f"{shown} is outside the spec's repository: evidence is what the repository holds")
        elif rf.data["spec"]["specHash"] != spec_hash:
            problems.append(f"{where} is for spec hash {rf.data['spec']['specHash']}, not this spec's {spec_hash}")
        elif age > window:
            problems.append(f"{where} is {age} days old; results count for {window} days")
        else:
            usable.append(rf)
    for i, gate in gates:
        text = _gate_text(gate)
        found = [(rf, m) for rf in usable for m in rf.data["gates"]
                 if (m["metric"], m["dataset"], m.get("target")) == (gate["metric"], gate["dataset"], gate.get("target"))]
        now = datasets.get(gate["dataset"])
        current = [(rf, m) for rf, m in found if now is not None and rf.data["datasets"][m["dataset"]]["sha256"] == now]
        if not found:
            problems.append(f"gate {i} ({text}) has no current result")
        elif not current:
            problems.append(f"gate {i} ({text}): dataset {gate['dataset']} changed since it was evaluated")
        facts = ev.datasets.get(gate["dataset"])
        size = facts.cases if facts is not None and not facts.problem else None
        for rf, m in current:
            if size is None or m["cases"] < max(size, 1):
                problems.append(f"gate {i} ({text}) measured on {m['cases']} of the dataset's "
                                f"{size if size is not None else 'unknown number of'} well-formed cases "
                                f"({shown_path(rf.path)}): results count only when every case was run")
            elif m["errors"] > 0:
                problems.append(f"gate {i} ({text}) measured on {m['cases']} cases with {m['errors']} errored ({shown_path(rf.path)})")
            elif fails(m["value"], gate.get("min"), gate.get("max")):
                problems.append(f"gate {i} ({text}) fails: measured {m['value']:g} on {m['cases']} cases ({shown_path(rf.path)})")
            else:
                items.append(ev.at(pointer("spec", "evaluation", "gates", i),
                                   f"gate {i}: {gate['metric']} {m['value']:g} on {m['cases']} cases ({shown_path(rf.path)}, "
                                   f"{rf.data['createdAt'][:10]})", value=m["value"], cases=m["cases"]))
    for rf in ev.evaluation:
        items.append(ev.repo_item(shown_path(rf.path), 0, f"results of {rf.data['harness']['name']} {rf.data['harness']['version']}, "
                                              f"{rf.data['createdAt']}"))
    return _verdict(problems, items, f"{_plural(len(gates), 'gate')} judged on results for spec hash {spec_hash}, "
                                     f"none older than {window} days")

