"""What the checks of several dimensions share: wording, spec and Plan lookups, CODEOWNERS ownership."""

from __future__ import annotations

from typing import Any

from llmops_iac.compile import tokens as T
from llmops_iac.maturity.checks.registry import FAIL, Result
from llmops_iac.maturity.evidence import PRODUCTION, Evidence, Item, View


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else f"{n} {word}s"


def _names(names: Any) -> str:
    names = list(names)
    return ", ".join(names) if names else "none"


def _production_label(view: View) -> str:
    if view.name is not None and view.loaded.judged_tier == PRODUCTION:
        return f"production ({view.name})"
    return "the base spec (no production environment declared)"


def _models_by_provider(ev: Evidence, provider: str, view: View | None = None) -> dict[str, dict[str, Any]]:
    return {m: spec for m, spec in sorted(ev.models(view).items()) if spec.get("provider") == provider}


def _gates(ev: Evidence) -> list[tuple[int, dict[str, Any]]]:
    return list(enumerate((ev.spec.get("evaluation") or {}).get("gates") or []))


def _gate_text(gate: dict[str, Any]) -> str:
    bounds = " and ".join(f"{key} {gate[key]}" for key in ("min", "max") if key in gate)
    return f"{gate['metric']} {bounds or '(no threshold)'} on {gate['dataset']} for {gate.get('target') or 'every model'}"


def gate_covers_model(ev: Evidence, gate: dict[str, Any], model: str) -> bool:
    """Whether ``gate`` evaluates ``model``: by name, through one of its prompts, or untargeted."""
    target = gate.get("target")
    if target is None or target == model:
        return True
    if "@" in target:
        prompt_id = target.split("@")[0]
        prompt = (ev.spec.get("prompts") or {}).get(prompt_id) or {}
        system = (ev.models().get(model, {}).get("systemPrompt") or "").split("@")[0]
        return prompt.get("model") == model or system == prompt_id
    return False


def _alarms(ev: Evidence) -> list[Any]:
    return ev.resources(T.METRIC_ALARM)


def _notify(spec_section: dict[str, Any]) -> list[str]:
    notify = spec_section.get("notify") or {}
    return list(notify.get("emails") or []) + list(notify.get("snsTopicArns") or [])


def _ownership_items(ev: Evidence, paths: list[tuple[str, Any]], want_team: bool) -> tuple[list[str], list[Item]]:
    """Whether each path is owned by a rule written for it (not a catch-all such as `*`) that names a GitHub user
    or team (a team when ``want_team``); CODEOWNERS' last matching rule decides, and one without owners unowns."""
    assert ev.repo is not None and ev.repo.codeowners is not None
    owners_file = ev.repo.codeowners.file
    problems, items = [], []
    for label, path in paths:
        rel = ev.repo.relative(path)
        if rel is None:
            problems.append(f"{label} is outside the repository")
            continue
        who = ev.repo.codeowners.owners_of(rel)
        line = who.rules[-1].line if who.rules else 0
        specific = who.specific
        at = specific[-1].line if specific else line
        if not who.matched:
            problems.append(f"no CODEOWNERS rule matches {rel}")
            items.append(ev.repo_item(owners_file, 0, f"{rel}: no rule matches"))
        elif not who.owned:
            problems.append(f"{rel} is explicitly unowned ({owners_file}:{line})")
            items.append(ev.repo_item(owners_file, line, f"{rel}: rule {who.rules[-1].pattern} has no owners"))
        elif not specific:
            problems.append(f"{rel} is owned only by the catch-all rule {who.rules[-1].pattern} ({owners_file}:{line}); "
                            "add a rule for the file or its directory")
            items.append(ev.repo_item(owners_file, line, f"{rel}: only the catch-all {who.rules[-1].pattern} "
                                      f"{' '.join(who.owners)}"))
        elif not who.specific_owners:
            owners = " ".join(o for r in specific for o in r.owners)
            problems.append(f"{rel} is owned by e-mail addresses only ({owners}, {owners_file}:{at}): name a GitHub "
                            "team (@org/team) or user")
            items.append(ev.repo_item(owners_file, at, f"{rel}: {owners} (no GitHub user or team)"))
        elif want_team and not who.specific_teams:
            problems.append(f"{rel} is owned by individuals only ({', '.join(who.specific_owners)}, {owners_file}:{at})")
            items.append(ev.repo_item(owners_file, at, f"{rel}: {' '.join(who.specific_owners)} (no team)"))
        else:
            shown = who.specific_teams if want_team else who.specific_owners
            items.append(ev.repo_item(owners_file, at, f"{rel}: {' '.join(shown)} (rule {specific[-1].pattern})",
                                      owners=list(who.owners)))
    return problems, items


def _codeowners_missing(ev: Evidence) -> Result | None:
    assert ev.repo is not None
    if ev.repo.codeowners is None:
        return Result(FAIL, "the repository has no CODEOWNERS file (.github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS)")
    return None
