"""Matching base and head findings (llmops_iac/review/compare.py), from the side of a change that wants to look
better than it is: a fixed finding must not hide a new one, a spec that can no longer be judged must not count
as fixed, a waiver added in the change must be shown, and a moved line is not a new finding."""

from __future__ import annotations

from llmops_iac.review.compare import Comparison, Item, Unit, compare, mask, review_spec


def item(rule="LLM-OBS-008", pointer="/spec/models/a", message="model a has no alarm on invocation errors", *,
         line=10, env="prod", severity="error", resource="", waiver=None, file="llmapp.yaml", kind="finding") -> Item:
    return Item(kind, rule, "Every model has an error alarm", severity, message, "add an alarm", file, line, pointer,
                resource, env, env, (), waiver)


def unit(*items: Item, env="prod", judged=True, errors=0, monthly=None, spec="llmapp.yaml") -> Unit:
    return Unit(spec, env, "", judged, errors, list(items), monthly)


def statuses(spec) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in spec.entries:
        out.setdefault(e.status, []).append(e.item.pointer)
    return out


def test_fixing_one_finding_and_adding_another_of_the_same_rule_is_one_new_and_one_resolved():
    base = unit(item(pointer="/spec/models/a", message="model a has no alarm on invocation errors"))
    head = unit(item(pointer="/spec/models/b", message="model b has no alarm on invocation errors"))
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", [head], [base])
    assert statuses(spec) == {"new": ["/spec/models/b"], "resolved": ["/spec/models/a"]}


def test_a_rule_reporting_two_problems_at_one_pointer_is_not_matched_across_them():
    """Same rule, same pointer, another problem: the message's words tell them apart (numbers do not)."""
    base = unit(item(pointer="/spec/guardrails/g", message="guardrail g has no prompt-attack filter"))
    head = unit(item(pointer="/spec/guardrails/g", message="guardrail g has no PII filter"))
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", [head], [base])
    assert sorted(statuses(spec)) == ["new", "resolved"]


def test_a_moved_line_or_changed_numbers_are_the_same_finding():
    base = unit(item(line=10, message="expected monthly cost 3083 USD exceeds the budget of 2500 USD"))
    head = unit(item(line=42, message="expected monthly cost 6930.47 USD exceeds the budget of 2,500 USD"))
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", [head], [base])
    assert statuses(spec) == {"unchanged": ["/spec/models/a"]}
    assert mask("level 0, target 1 (next: MAT-ORG-101)") == mask("level 1, target 2 (next: MAT-ORG-102)")


def test_identities_are_counted_not_just_present():
    same = item(pointer="/spec/maturity/target", message="X is at maturity level 0, below the declared target 1")
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", [unit(same, same, same)], [unit(same, same)])
    assert {k: len(v) for k, v in statuses(spec).items()} == {"unchanged": 2, "new": 1}
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", [unit(same)], [unit(same, same)])
    assert {k: len(v) for k, v in statuses(spec).items()} == {"unchanged": 1, "resolved": 1}


def test_the_environment_and_the_resource_are_part_of_the_identity():
    base = unit(item(env="dev"), env="dev")
    head = [unit(item(env="dev"), env="dev"), unit(item(env="prod"), env="prod")]
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", head, [base])
    assert {e.status: e.item.environment for e in spec.entries} == {"unchanged": "dev", "new": "prod"}
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", [unit(item(resource="r2"))], [unit(item(resource="r1"))])
    assert sorted(statuses(spec)) == ["new", "resolved"]


def test_a_waiver_added_in_the_change_is_shown_never_counted_as_resolved():
    waiver = {"owner": "a@example.com", "expires": "2030-01-01", "reason": "later"}
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", [unit(item(waiver=waiver))], [unit(item())])
    assert [e.status for e in spec.entries] == ["waived"]
    # a new finding waived in the same change
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", [unit(item(waiver=waiver))], [unit()])
    assert [e.status for e in spec.entries] == ["waived"]
    # a waiver removed or expired: the finding is active again
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", [unit(item())], [unit(item(waiver=waiver))])
    assert [e.status for e in spec.entries] == ["unwaived"]


def test_a_severity_that_rose_is_reported():
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", [unit(item(severity="error"))],
                       [unit(item(severity="warning"))])
    [entry] = spec.entries
    assert entry.status == "severity" and entry.base.severity == "warning" and entry.head.severity == "error"


def test_findings_of_a_spec_the_head_could_not_judge_are_not_resolved():
    """The change breaks the spec: its policies do not run, so every old finding 'disappears'."""
    broken = unit(item(kind="input", rule="spec/unknown-key", pointer="/metadata/colour", message="unknown key"),
                  judged=False, errors=1)
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", [broken], [unit(item())])
    assert statuses(spec) == {"new": ["/metadata/colour"], "unverified": ["/spec/models/a"]}
    assert "input errors" in spec.of("unverified")[0].why


def test_a_deleted_spec_resolves_and_a_spec_no_longer_checked_does_not():
    spec = review_spec("old.yaml", "old.yaml", "deleted", [], [unit(item(file="old.yaml"), spec="old.yaml")])
    assert [(e.status, e.why) for e in spec.entries] == [("resolved", "the spec was deleted")]
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "unchecked", [], [unit(item())], note="no longer checked")
    assert [(e.status, e.why) for e in spec.entries] == [("unverified", "no longer checked")]


def test_an_environment_no_longer_deployed_resolves_its_findings_only_if_the_rest_was_judged():
    base = [unit(item(env="staging"), env="staging"), unit(env="prod")]
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", [unit(env="prod")], base)
    assert [(e.status, e.why) for e in spec.entries] == [("resolved", "environment staging is no longer deployed")]
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", [unit(env="prod", judged=False, errors=1)], base)
    assert [e.status for e in spec.entries] == ["unverified"]


def test_cost_rows_pair_environments_and_show_added_and_removed_ones():
    base = [unit(env="prod", monthly={"minimum": 1, "expected": 2, "maximum": 3}),
            unit(env="staging", monthly={"minimum": 1, "expected": 1, "maximum": 1})]
    head = [unit(env="prod", monthly={"minimum": 1, "expected": 5, "maximum": 9}),
            unit(env="dev", monthly={"minimum": 0, "expected": 1, "maximum": 1})]
    spec = review_spec("llmapp.yaml", "llmapp.yaml", "modified", head, base)
    rows = {r.label: (r.base, r.head) for r in spec.cost}
    assert rows["prod"][1]["expected"] == 5 and rows["prod"][0]["expected"] == 2
    assert rows["staging"][1] is None and rows["dev"][0] is None
    assert all(r.changed for r in spec.cost)
    same = review_spec("llmapp.yaml", "llmapp.yaml", "unchanged", [unit(monthly={"minimum": 1, "expected": 2, "maximum": 3})],
                       [unit(monthly={"minimum": 1, "expected": 2.001, "maximum": 3})])
    assert not same.cost_changed and not same.touched


def test_compare_groups_by_spec_and_failing_needs_an_active_item_at_the_fail_level():
    def status_of(path, in_head, in_base):
        return ("modified" if in_head and in_base else "added" if in_head else "deleted"), "", path if in_base else None

    head = [unit(item(severity="warning", pointer="/w")), unit(item(file="new.yaml"), spec="new.yaml")]
    cmp: Comparison = compare(head, [unit()], base_name="main", sha="a" * 40, fail_level="error", status_of=status_of)
    assert [(s.path, s.change) for s in cmp.specs] == [("llmapp.yaml", "modified"), ("new.yaml", "added")]
    failing = [cmp.failing(e) for e in cmp.of("new")]
    assert failing == [False, True]  # the warning does not fail at fail level error; the error does
    waived = Comparison("main", "a" * 40, [], "warning")
    assert not waived.failing(type(cmp.specs[0].entries[0])("waived", item(waiver={"owner": "x"}), None))
