"""Profiles: how strict each rule is in an environment — rule logic stays in Rego, strictness here.

A profile (policies/profiles/<name>.yaml, validated with cerberus) names the
environment tiers it is for (production, staging, development: see
llmops_iac/spec/tiers.py) and sets rules to error, warning, note or off;
rules it does not name keep the severity of their METADATA. Every tier is
claimed by exactly one profile. An environment of unknown tier is judged as
production, so the production profile must be the strictest: for every rule
at least as severe as any other profile, and its waiver horizon no longer.

``--profile NAME`` can only make a verdict stricter: each rule gets the more
severe of the tier's profile and the named one (and the shorter waiver horizon).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from llmops_iac.errors import UsageError
from llmops_iac.file_kinds import skip_note, special_kind
from llmops_iac.policy.catalog import RULE_ID, SEVERITIES, Catalogue, Rule, cerberus_errors, fail
from llmops_iac.resources import safe_load_yaml
from llmops_iac.spec.tiers import STRICTEST, TIERS

SCHEMA = {
    "name": {"type": "string", "required": True, "regex": r"^[a-z][a-z0-9-]*$"},
    "description": {"type": "string", "required": True, "empty": False},
    "tiers": {"type": "list", "required": True, "schema": {"type": "string", "allowed": list(TIERS)}},
    "waiverHorizonDays": {"type": "integer", "min": 1, "max": 3650},
    "rules": {"type": "dict", "required": True, "keysrules": {"type": "string", "regex": RULE_ID.pattern},
              "valuesrules": {"type": "string", "allowed": [*SEVERITIES, "off"]}},
}

DEFAULT_WAIVER_HORIZON_DAYS = 90
"""How far ahead a waiver may expire when a profile sets no horizon (production's default)."""

STRICTNESS = {"off": 0, "note": 1, "warning": 2, "error": 3}


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    tiers: tuple[str, ...]
    rules: dict[str, str] = field(default_factory=dict)
    file: str = ""
    waiver_horizon_days: int = DEFAULT_WAIVER_HORIZON_DAYS

    def severity(self, rule: Rule) -> str:
        """The rule's severity in this profile: error, warning, note or off."""
        return self.rules.get(rule.id, rule.severity)


def load_all(catalogue: Catalogue) -> dict[str, Profile]:
    """Every profile in the policy directories' profiles/ folders; raise for a bad one (catalog.fail: exit 2 for a
    --policy-dir's, exit 3 for the built-in ones).

    Read once per catalogue: judging many specs reuses them.
    """
    cached = getattr(catalogue, "_profiles", None)
    if cached is not None:
        return cached
    profiles = _read_all(catalogue)
    catalogue._profiles = profiles  # type: ignore[attr-defined]
    return profiles


def _read_all(catalogue: Catalogue) -> dict[str, Profile]:
    from cerberus import Validator

    out: dict[str, Profile] = {}
    builtin: list[str] = []  # problems of the tool's own profiles (exit 3)
    problems: list[str] = []  # problems of a --policy-dir's profiles: the user's input (exit 2)
    builtin_dir = catalogue.directories[0] if catalogue.directories else None
    for directory in catalogue.directories:
        found = builtin if directory == builtin_dir else problems
        for path in sorted(Path(directory, "profiles").glob("*.yaml")):
            kind = special_kind(path)
            if kind is not None:
                catalogue.skipped.append(skip_note(path, kind))
                continue
            try:
                data = safe_load_yaml(path.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError) as exc:
                found.append(f"{path}: {exc}")
                continue
            v = Validator(SCHEMA)
            if not isinstance(data, dict) or not v.validate(data):
                found.append(f"{path}: {cerberus_errors(v.errors, data) if isinstance(data, dict) else 'not a mapping'}")
                continue
            unknown = sorted(set(data["rules"]) - set(catalogue.rules))
            if unknown:
                found.append(f"{path}: unknown rule IDs {unknown}")
                continue
            if data["name"] != path.stem:
                found.append(f"{path}: name {data['name']!r} must match the file name")
                continue
            if data["name"] in out:
                found.append(f"{path}: profile {data['name']!r} is also defined in {out[data['name']].file}")
                continue
            out[data["name"]] = Profile(data["name"], data["description"], tuple(data["tiers"]), dict(data["rules"]), str(path),
                                        data.get("waiverHorizonDays", DEFAULT_WAIVER_HORIZON_DAYS))
    def users(*names: str) -> list[str]:
        return builtin if all(_in(out[n].file, builtin_dir) for n in names) else problems

    claimed: dict[str, str] = {}
    for p in out.values():
        for tier in p.tiers:
            if tier in claimed:
                users(claimed[tier], p.name).append(f"tier {tier!r} is claimed by profiles {claimed[tier]!r} "
                                                    f"({out[claimed[tier]].file}) and {p.name!r} ({p.file})")
            claimed[tier] = p.name
    for tier in TIERS:
        if tier not in claimed:
            builtin.append(f"no profile claims tier {tier!r} (add it to a profile's tiers)")
    if not problems and not builtin:
        production = out[claimed[STRICTEST]]
        for p in out.values():
            if p is not production:
                users(p.name, production.name).extend(_laxer_than_production(catalogue, p, production))
    fail("policy profiles are", builtin, problems)
    return out


def _in(file: str, directory: str | None) -> bool:
    return directory is not None and Path(directory, "profiles") == Path(file).parent


def _laxer_than_production(catalogue: Catalogue, p: Profile, production: Profile) -> list[str]:
    """Where profile ``p`` is stricter than production's: unknown tiers get production, so it must be the strictest."""
    problems = []
    for rule in catalogue.rules.values():
        if STRICTNESS[p.severity(rule)] > STRICTNESS[production.severity(rule)]:
            problems.append(f"{rule.id} is {p.severity(rule)} in profile {p.name!r} but {production.severity(rule)} in "
                            f"{production.name!r}: the production profile must be the strictest")
    if p.waiver_horizon_days < production.waiver_horizon_days:
        problems.append(f"profile {p.name!r} allows waivers {p.waiver_horizon_days} days ahead, production "
                        f"{production.waiver_horizon_days}: the production profile must be the strictest")
    return problems


def select(catalogue: Catalogue, tier: str, name: str | None = None) -> Profile:
    """The profile for an environment of ``tier`` (unknown: production's); with ``name``, the stricter of the two
    for every rule — an option never makes a verdict more lenient."""
    profiles = load_all(catalogue)
    claimed = {t: p for p in profiles.values() for t in p.tiers}
    base = claimed.get(tier) or claimed[STRICTEST]
    if name is None or name == base.name:
        return base
    if name not in profiles:
        raise UsageError(f"--profile {name!r}: no such policy profile; profiles: {', '.join(sorted(profiles))}")
    return stricter(catalogue, base, profiles[name])


def stricter(catalogue: Catalogue, a: Profile, b: Profile) -> Profile:
    """A profile at least as strict as both: each rule at the more severe of the two, the shorter waiver horizon."""
    rules = {}
    for rule in catalogue.rules.values():
        sa, sb = a.severity(rule), b.severity(rule)
        rules[rule.id] = sa if STRICTNESS[sa] >= STRICTNESS[sb] else sb
    return Profile(name=f"{a.name}+{b.name}", description=f"the stricter of {a.name} and {b.name} for every rule",
                   tiers=a.tiers, rules=rules, file="", waiver_horizon_days=min(a.waiver_horizon_days, b.waiver_horizon_days))
