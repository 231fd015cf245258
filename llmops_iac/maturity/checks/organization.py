"""Checks of the Organizational Readiness dimension (MAT-ORG-*)."""

from __future__ import annotations

from pathlib import Path

from llmops_iac.maturity.checks.registry import FAIL, PASS, Result, _no_repo, _verdict, check
from llmops_iac.maturity.checks.shared import (
    _alarms, _codeowners_missing, _names, _notify, _ownership_items, _plural, _production_label,
)
from llmops_iac.maturity.evidence import Evidence, pointer


@check("MAT-ORG-101")
def owner_named(ev: Evidence) -> Result:
    ptr = "/metadata/owner"
    owner = ev.metadata.get("owner", "unowned")
    item = ev.at(ptr, f"owner {owner}")
    if ev.explicit(ptr) and owner != "unowned":
        return Result(PASS, f"owned by {owner}", (item,))
    return Result(FAIL, "metadata.owner is not set", (item,))


@check("MAT-ORG-102")
def alarms_reach(ev: Evidence) -> Result:
    receivers = _notify(ev.spec.get("monitoring") or {})
    item = ev.at("/spec/monitoring/notify", f"alarm notifications to {_names(receivers)}")
    if receivers:
        return Result(PASS, f"alarms go to {_plural(len(receivers), 'receiver')}", (item,))
    return Result(FAIL, "alarms notify nobody (monitoring.notify is empty)", (item,))


@check("MAT-ORG-201")
def spec_owners(ev: Evidence) -> Result:
    if ev.repo is None:
        return _no_repo("a CODEOWNERS rule for the spec")
    if ev.repo.spec_path is None:
        return Result(FAIL, f"the spec {ev.spec_display} is outside the repository {ev.repo.display}")
    missing = _codeowners_missing(ev)
    if missing:
        return missing
    problems, items = _ownership_items(ev, [(ev.spec_display, Path(ev.loaded.source_path))], want_team=False)
    assert ev.repo.codeowners is not None
    items += [ev.repo_item(ev.repo.codeowners.file, line, f"ignored line: {why}")
              for line, why in ev.repo.codeowners.problems]
    return _verdict(problems, items, f"{ev.repo.spec_path} has code owners")


@check("MAT-ORG-202")
def runbooks(ev: Evidence) -> Result:
    alarms = (ev.spec.get("monitoring") or {}).get("alarms") or []
    if not alarms:
        return Result(FAIL, "no alarms declared, so on-call has nothing to act on",
                      (ev.at("/spec/monitoring", "monitoring.alarms is empty"),))
    problems, items = [], []
    compiled = _alarms(ev)
    for i, alarm in enumerate(alarms):
        url = alarm.get("runbookUrl")
        if url:
            items.append(ev.at(pointer("spec", "monitoring", "alarms", i, "runbookUrl"), f"{alarm['name']}: {url}"))
            ptr = pointer("spec", "monitoring", "alarms", i)
            missing = [a.name for a in compiled if a.source == ptr and url not in str(a.inputs.get("alarmDescription", ""))]
            if missing:
                problems.append(f"the runbook of {alarm['name']} is missing from {_names(missing)}")
        else:
            problems.append(f"alarm {alarm['name']} has no runbook")
            items.append(ev.at(pointer("spec", "monitoring", "alarms", i), f"{alarm['name']}: no runbookUrl"))
    return _verdict(problems, items, f"every alarm ({len(alarms)}) links its runbook")


@check("MAT-ORG-301")
def paging(ev: Evidence) -> Result:
    view = ev.production
    topics = list(((view.spec.get("monitoring") or {}).get("notify") or {}).get("snsTopicArns") or [])
    item = ev.at("/spec/monitoring/notify/snsTopicArns", f"alarm topics in {_production_label(view)}: {_names(topics)}",
                 view=view)
    if topics:
        return Result(PASS, f"production alarms reach {_plural(len(topics), 'SNS topic')}", (item,))
    return Result(FAIL, f"alarms in {_production_label(view)} go to e-mail only (no snsTopicArns)", (item,))


@check("MAT-ORG-302")
def team_owners(ev: Evidence) -> Result:
    if ev.repo is None:
        return _no_repo("team owners of the spec and prompt files in CODEOWNERS")
    missing = _codeowners_missing(ev)
    if missing:
        return missing
    paths = [(ev.spec_display, Path(ev.loaded.source_path))] + [(p.display, p.path) for p in ev.prompts.values()]
    problems, items = _ownership_items(ev, paths, want_team=True)
    return _verdict(problems, items, "a team owns the spec and every prompt file")


@check("MAT-ORG-104")
def human_review(ev: Evidence) -> Result:
    review = ev.spec.get("humanReview")
    if not review:
        return Result(FAIL, "no human review is declared (spec.humanReview): nobody checks critical answers before "
                            "they are acted on", (ev.at("/spec", "spec.humanReview not declared"),))
    problems, items = [], []
    models = ev.models()
    items.append(ev.at("/spec/humanReview/reviewers", f"reviewed by {review['reviewers']}"))
    for i, trigger in enumerate(review["triggers"]):
        what = trigger["when"] + (f" below {trigger['below']:g}" if "below" in trigger else "") + \
            (f" ({trigger['task']})" if "task" in trigger else "")
        model = trigger.get("model")
        if model is not None and model not in models:
            problems.append(f"trigger {i + 1} names model {model}, which the spec does not declare")
        elif trigger["when"] == "task" and not any(trigger["task"] in (m.get("tasks") or ()) for name, m in models.items()
                                                  if model in (None, name)):
            problems.append(f"trigger {i + 1} reviews task {trigger['task']}, which no {'such ' if model else ''}model serves")
        items.append(ev.at(pointer("spec", "humanReview", "triggers", i), f"review on {what} for {model or 'every model'}"))
    receivers = _notify({"notify": review["escalation"]})
    items.append(ev.at("/spec/humanReview/escalation", f"escalates to {_names(receivers)} after "
                                                        f"{review.get('maxHoursToReview', 24)} h"))
    return _verdict(problems, items, f"critical answers go to {review['reviewers']} for review "
                                     f"({_plural(len(review['triggers']), 'trigger')}), escalating to {_names(receivers)}")
