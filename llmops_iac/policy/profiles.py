"""Profiles: how strict each rule is in an environment — rule logic stays in Rego, strictness here.

A profile (policies/profiles/<name>.yaml, validated with cerberus) names the
environments it is for and sets rules to error, warning, note or off;
rules it does not name keep the severity of their METADATA. The profile
whose ``environments`` lists the environment being judged applies, else
``default``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from llmops_iac.errors import InternalError, UsageError
from llmops_iac.file_kinds import skip_note, special_kind
from llmops_iac.policy.catalog import RULE_ID, SEVERITIES, Catalogue, Rule, cerberus_errors
from llmops_iac.resources import safe_load_yaml

SCHEMA = {
    "name": {"type": "string", "required": True, "regex": r"^[a-z][a-z0-9-]*$"},
    "description": {"type": "string", "required": True, "empty": False},
    "environments": {"type": "list", "required": True, "schema": {"type": "string", "regex": r"^[a-z][a-z0-9-]{0,15}$"}},
    "rules": {"type": "dict", "required": True, "keysrules": {"type": "string", "regex": RULE_ID.pattern},
              "valuesrules": {"type": "string", "allowed": [*SEVERITIES, "off"]}},
}


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    environments: tuple[str, ...]
    rules: dict[str, str] = field(default_factory=dict)
    file: str = ""

    def severity(self, rule: Rule) -> str:
        """The rule's severity in this profile: error, warning, note or off."""
        return self.rules.get(rule.id, rule.severity)


def load_all(catalogue: Catalogue) -> dict[str, Profile]:
    """Every profile in the policy directories' profiles/ folders; raise InternalError for a bad one.

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
    problems: list[str] = []
    for directory in catalogue.directories:
        for path in sorted(Path(directory, "profiles").glob("*.yaml")):
            kind = special_kind(path)
            if kind is not None:
                catalogue.skipped.append(skip_note(path, kind))
                continue
            try:
                data = safe_load_yaml(path.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError) as exc:
                problems.append(f"{path}: {exc}")
                continue
            v = Validator(SCHEMA)
            if not isinstance(data, dict) or not v.validate(data):
                problems.append(f"{path}: {cerberus_errors(v.errors, data) if isinstance(data, dict) else 'not a mapping'}")
                continue
            unknown = sorted(set(data["rules"]) - set(catalogue.rules))
            if unknown:
                problems.append(f"{path}: unknown rule IDs {unknown}")
                continue
            if data["name"] != path.stem:
                problems.append(f"{path}: name {data['name']!r} must match the file name")
                continue
            out[data["name"]] = Profile(data["name"], data["description"], tuple(data["environments"]), dict(data["rules"]), str(path))
    if "default" not in out:
        problems.append("no default profile (policies/profiles/default.yaml)")
    claimed: dict[str, str] = {}
    for p in out.values():
        for env in p.environments:
            if env in claimed:
                problems.append(f"environment {env!r} is claimed by profiles {claimed[env]!r} and {p.name!r}")
            claimed[env] = p.name
    if problems:
        raise InternalError("policy profiles are invalid:\n  " + "\n  ".join(problems))
    return out


def select(catalogue: Catalogue, environment: str, name: str | None = None) -> Profile:
    """The profile for ``environment`` (or the one named)."""
    profiles = load_all(catalogue)
    if name is not None:
        if name not in profiles:
            raise UsageError(f"--profile {name!r}: no such policy profile; profiles: {', '.join(sorted(profiles))}")
        return profiles[name]
    for p in profiles.values():
        if environment in p.environments:
            return p
    return profiles["default"]
