"""The rule catalogue: every rule's METADATA, read from the Rego files (its only source).

A rule's METADATA block (OPA's annotation format: YAML in ``# `` comments right
above the rule) holds its title, description, related resources and, under
``custom``, the stable ID, default severity, remediation, framework references
and the resource types (or ``spec:<section>``) it applies to. llmops-iac joins
a rule's results with its metadata by package and rule name, so no rule types
its own ID or builds its own finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from llmops_iac.errors import InternalError, UsageError
from llmops_iac.file_kinds import skip_note, special_kind
from llmops_iac.resources import data_path, safe_load_yaml

SEVERITIES = ("error", "warning", "note")
RULE_ID = re.compile(r"^[A-Z][A-Z0-9]{1,9}-[A-Z]{2,5}-[0-9]{3}$")
"""What a rule ID is: ``<PREFIX>-<AREA>-<NNN>``. Built-in rules use the prefix ``LLM`` (tests/policy); an organisation's
rules in a --policy-dir may use their own (``ACME-GOV-001``). The spec schema's waiver and the report schema repeat
this pattern (a test holds them equal)."""
OWASP = {f"LLM{n:02d}" for n in range(1, 11)}
FRAMEWORKS = {
    "owasp": "OWASP Top 10 for LLM Applications 2025",
    "nist": "NIST AI RMF 1.0 / AI 600-1",
    "euAiAct": "EU AI Act",
    "awsGenAiLens": "AWS Well-Architected Generative AI Lens",
}
_PACKAGE = re.compile(r"^package[ \t]+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)[ \t]*(?:#.*)?$")
"""A module's first statement, as the catalogue accepts it: ``package a.b.c`` (a comment may follow)."""
_HEAD = re.compile(r"^([a-z][a-z0-9_]*)\s*(?:contains|if|:=|=|\[|\{|\()")

_METADATA_SCHEMA = {
    "title": {"type": "string", "required": True, "empty": False},
    "description": {"type": "string", "required": True, "empty": False},
    "related_resources": {"type": "list", "schema": {"type": "dict", "schema": {
        "ref": {"type": "string", "required": True, "regex": r"^https://\S+$"},
        "description": {"type": "string"}}}},
    "custom": {"type": "dict", "required": True, "schema": {
        "id": {"type": "string", "required": True, "regex": RULE_ID.pattern},
        "severity": {"type": "string", "required": True, "allowed": list(SEVERITIES)},
        "remediation": {"type": "string", "required": True, "empty": False},
        "frameworks": {"type": "dict", "required": True, "keysrules": {"allowed": list(FRAMEWORKS)},
                       "valuesrules": {"type": "list", "minlength": 1, "schema": {"type": "string", "empty": False}}},
        "applies_to": {"type": "list", "required": True, "minlength": 1, "schema": {"type": "string",
                                                                                    "regex": r"^(aws|aws-native):\S+$|^spec:[a-zA-Z]+$|^maturity:assessment$|^cost:estimate$|^evaluation:results$"}},
        "waivable": {"type": "boolean"},
        "security": {"type": "boolean"},
    }},
    "scope": {"type": "string", "allowed": ["rule"]},
}


@dataclass(frozen=True)
class Rule:
    """One rule of the catalogue."""

    id: str
    package: str
    name: str
    title: str
    description: str
    severity: str
    remediation: str
    frameworks: dict[str, list[str]]
    applies_to: tuple[str, ...]
    related: tuple[str, ...]
    file: str
    line: int
    waivable: bool = True
    """False for the rules that govern waivers themselves: a waiver naming one is a finding, and excuses nothing."""
    security: bool = False
    """METADATA ``security: true``: a rule about an attack or an exposure (guardrails, encryption, access, supply chain),
    which code scanning shows as a security alert with a security-severity; other rules (cost, maturity, operations)
    are plain problems there. Built-in rules state it either way (tests/policy); a custom rule that leaves it out is not one."""

    @property
    def area(self) -> str:
        return self.package.rsplit(".", 1)[-1]

    def references(self) -> list[str]:
        """Framework references as ``OWASP LLM01`` style strings."""
        labels = {"owasp": "OWASP", "nist": "NIST", "euAiAct": "EU AI Act", "awsGenAiLens": "AWS GenAI Lens"}
        return [f"{labels[k]} {v}" for k in FRAMEWORKS for v in self.frameworks.get(k, [])]


@dataclass
class Catalogue:
    """All rules of the policy directories, by ID; plus every Rego file's path and text."""

    rules: dict[str, Rule] = field(default_factory=dict)
    modules: dict[str, str] = field(default_factory=dict)  # module path → source
    tests: dict[str, str] = field(default_factory=dict)  # _test.rego files
    directories: tuple[str, ...] = ()
    skipped: list[str] = field(default_factory=list)  # notes on FIFOs, sockets, devices found and never opened
    user_modules: set[str] = field(default_factory=set)  # keys of modules and tests that come from a --policy-dir

    def by_rule(self) -> dict[tuple[str, str], Rule]:
        return {(r.package, r.name): r for r in self.rules.values()}

    def packages(self) -> list[str]:
        return sorted({r.package for r in self.rules.values()})


def builtin_dir() -> Path:
    """The built-in policies/ directory."""
    return data_path("policies")


class PolicyDirError(UsageError):
    """A --policy-dir holds a module, rule or profile llmops-iac cannot use: the user's input, exit 2."""


def fail(what: str, builtin: list[str], user: list[str]) -> None:
    """Raise for the problems found, if any: InternalError (exit 3) when the tool's own policies are broken, else
    PolicyDirError (exit 2): what is wrong in a --policy-dir is the user's input, never an internal failure."""
    if builtin:
        raise InternalError(f"{what} invalid:\n  " + "\n  ".join(builtin + user))
    if user:
        raise PolicyDirError(f"{what} invalid (--policy-dir):\n  " + "\n  ".join(user))


def load(directories: list[str] | None = None, *, check_builtin: bool = False) -> Catalogue:
    """Read the built-in policies plus ``directories``; raise for any bad rule or file: PolicyDirError (exit 2)
    when the problem is in one of ``directories`` (the user's), InternalError (exit 3) when it is in the built-ins.

    METADATA in ``directories`` is checked against its schema (cerberus) on every load; the
    built-in policies' METADATA is part of this tool, checked by its test suite
    (``check_builtin=True``, tests/policy) rather than on every run, where it cost ~45 ms of the
    0.5 s a one-spec `check` may take. Everything else (packages, IDs, OWASP IDs) is checked always.
    """
    builtin = builtin_dir()
    dirs = [builtin] + [Path(d) for d in (directories or [])]
    cat = Catalogue(directories=tuple(str(d) for d in dirs))
    builtin_problems: list[str] = []
    problems: list[str] = []  # the user's: what the --policy-dirs hold
    packages: dict[str, str] = {}  # a module's path -> its package
    builtin_packages: set[str] = set()
    for root in dirs:
        if not root.is_dir():
            (builtin_problems if root == builtin else problems).append(f"policy directory {root} does not exist")
            continue
        for path in sorted(root.rglob("*.rego")):
            kind = special_kind(path)
            if kind is not None:
                cat.skipped.append(skip_note(path, kind))
                continue
            rel = f"{root.name}/{path.relative_to(root)}"
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                (builtin_problems if root == builtin else problems).append(f"{path}: cannot read: {exc}")
                continue
            if rel in cat.modules or rel in cat.tests:
                rel = str(path)
            (cat.tests if path.name.endswith("_test.rego") else cat.modules)[rel] = text
            if root != builtin:
                cat.user_modules.add(rel)
            if not path.name.endswith("_test.rego"):
                package = package_of(text)
                if package is not None and root == builtin:
                    builtin_packages.add(package)
                elif package is not None:
                    packages[str(path)] = package
                found = builtin_problems if root == builtin else problems
                for rule in _rules_of(path, text, found, check_schema=check_builtin or root != builtin):
                    if not _under_root(rule.package):
                        found.append(_outside_root(rule))
                    elif rule.id in cat.rules:
                        other = cat.rules[rule.id]
                        found.append(f"{path}:{rule.line}: rule ID {rule.id} is already used by "
                                        f"{other.package}.{other.name} ({other.file}:{other.line})")
                    else:
                        cat.rules[rule.id] = rule
    problems += _shadowing(packages, builtin_packages)
    fail("policy catalogue is", builtin_problems, problems)
    return cat


def package_of(text: str) -> str | None:
    """The package a Rego module declares: its first statement (after blank and comment lines), when that is
    ``package a.b.c``; None otherwise (OPA would read another package, or none: the catalogue refuses it)."""
    for line in text.lstrip("\ufeff").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _PACKAGE.match(stripped)
        return m.group(1) if m else None
    return None


def _under_root(package: str) -> bool:
    from llmops_iac.policy.protocol import ROOT

    return package == ROOT or package.startswith(ROOT + ".")


def _outside_root(rule: Rule) -> str:
    from llmops_iac.policy.protocol import ROOT

    return (f"{rule.file}:{rule.line}: rule {rule.name} ({rule.id}) is in package {rule.package}, outside {ROOT}: "
            f"llmops-iac evaluates data.{ROOT} only, so it would never run; declare a package under it "
            f"(e.g. package {ROOT}.{rule.package.split('.')[0]})")


def _shadowing(packages: dict[str, str], builtin_packages: set[str]) -> list[str]:
    """A --policy-dir module may add rules, never change the built-in ones: Rego merges every module of a package,
    so one in a built-in package (or in ``llmops`` itself) could add a body to a built-in helper and make a rule
    find nothing. Sub-packages (``llmops.retrieval.acme``) and packages of its own are the user's."""
    from llmops_iac.policy.protocol import ROOT

    builtin = builtin_packages | {ROOT}
    return [f"{path}: package {package} is a built-in package of llmops-iac; a --policy-dir module may add rules but not "
            f"change the built-in ones: declare a package of its own (e.g. package {ROOT}.acme)"
            for path, package in sorted(packages.items()) if package in builtin]


def _rules_of(path: Path, text: str, problems: list[str], check_schema: bool = True) -> list[Rule]:
    package = package_of(text)
    if package is None:
        problems.append(f"{path}: no package declaration: the first statement must be `package a.b.c` (no brackets)")
        return []
    lines = text.splitlines()
    out: list[Rule] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "# METADATA":
            i += 1
            continue
        start = i + 1
        block: list[str] = []
        i += 1
        while i < len(lines) and lines[i].startswith("#"):
            block.append(lines[i][2:] if lines[i].startswith("# ") else lines[i][1:])
            i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        head = _HEAD.match(lines[i]) if i < len(lines) else None
        if head is None:
            problems.append(f"{path}:{start}: METADATA block is not followed by a rule")
            continue
        try:
            meta = safe_load_yaml("\n".join(block)) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)  # where the construct began
            at = start + 1 + mark.line if mark is not None and 0 <= mark.line < len(block) else start
            problems.append(f"{path}:{at}: METADATA of {head.group(1)} is not valid YAML: {_yaml_problem(exc, start + 1)}")
            continue
        if not isinstance(meta, dict):
            problems.append(f"{path}:{start}: METADATA of {head.group(1)} is not a mapping (title, description, custom...)")
            continue
        if check_schema:
            from cerberus import Validator

            validator = Validator(_METADATA_SCHEMA)
            if not validator.validate(meta):
                at = start + 1 + _key_line(block, _first_error_path(validator.errors), default=-1)
                problems.append(f"{path}:{at}: METADATA of {head.group(1)}: {cerberus_errors(validator.errors, meta)}")
                continue
        custom = meta["custom"]
        if not RULE_ID.fullmatch(custom["id"]):  # cerberus (and JSON Schema) let "$" match before a final newline
            problems.append(f"{path}:{start + 1 + _key_line(block, ['custom', 'id'], default=-1)}: METADATA of "
                            f"{head.group(1)}: custom.id {custom['id']!r} is not <PREFIX>-<AREA>-<NNN> ({RULE_ID.pattern})")
            continue
        bad = sorted(set(custom["frameworks"].get("owasp", [])) - OWASP)
        if bad:
            at = start + 1 + _key_line(block, ["custom", "frameworks", "owasp"], default=-1)
            problems.append(f"{path}:{at}: METADATA of {head.group(1)}: unknown OWASP LLM Top 10 (2025) IDs {bad}")
            continue
        out.append(Rule(
            id=custom["id"], package=package, name=head.group(1), title=meta["title"].strip(),
            description=" ".join(meta["description"].split()), severity=custom["severity"],
            remediation=" ".join(custom["remediation"].split()), frameworks={k: list(v) for k, v in custom["frameworks"].items()},
            applies_to=tuple(custom["applies_to"]), related=tuple(r["ref"] for r in meta.get("related_resources", [])),
            file=str(path), line=i + 1, waivable=custom.get("waivable", True) is not False,
            security=custom.get("security", False) is True,
        ))
    return out


def _yaml_problem(exc: yaml.YAMLError, first_line: int) -> str:
    """PyYAML's problem in words, its marks as lines of the Rego file (the block's first line is ``first_line``)."""
    parts = []
    for text, mark in ((getattr(exc, "context", None), getattr(exc, "context_mark", None)),
                       (getattr(exc, "problem", None), getattr(exc, "problem_mark", None))):
        if text:
            parts.append(f"{text} (line {first_line + mark.line})" if mark is not None else str(text))
    return "; ".join(parts) or " ".join(str(exc).split())


def _first_error_path(errors: Any) -> list[str]:
    """The keys leading to cerberus's first error (``["custom", "severity"]``)."""
    path: list[str] = []
    while True:
        if isinstance(errors, list):
            errors = next((e for e in errors if isinstance(e, dict)), None)
        if not isinstance(errors, dict) or not errors:
            return path
        key = next(iter(errors))
        path.append(str(key))
        errors = errors[key]


def _key_line(block: list[str], keys: list[str], default: int) -> int:
    """The index in ``block`` of the line holding the last of ``keys``, each looked for below the one before (the
    deepest that exists, if not all do); ``default`` when not even the first is there."""
    found, at = default, 0
    for key in keys:
        pattern = re.compile(rf"^\s*(?:-\s+)?{re.escape(key)}\s*:")
        hit = next((k for k in range(at, len(block)) if pattern.match(block[k])), None)
        if hit is None:
            break
        found, at = hit, hit + 1
    return found


def cerberus_errors(errors: Any, document: Any, prefix: str = "") -> str:
    """Flatten cerberus's nested error dict into ``path: problem (got value)`` phrases."""
    parts: list[str] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            child = document.get(key) if isinstance(document, dict) else (
                document[key] if isinstance(document, list) and isinstance(key, int) and key < len(document) else None)
            path = f"{prefix}.{key}" if prefix else str(key)
            parts.append(cerberus_errors(value, child, path))
    elif isinstance(errors, list):
        for item in errors:
            if isinstance(item, (dict, list)):
                parts.append(cerberus_errors(item, document, prefix))
            else:
                shown = f" (got {document!r})" if document is not None and not isinstance(document, (dict, list)) else ""
                parts.append(f"{prefix}: {item}{shown}")
    return "; ".join(p for p in parts if p)


def rule_data(cat: Catalogue) -> dict[str, Any]:
    """The catalogue as data (for data.json of the OPA bundle and the policy pack)."""
    return {rid: {"package": r.package, "rule": r.name, "title": r.title, "severity": r.severity,
                  "remediation": r.remediation, "frameworks": r.frameworks, "appliesTo": list(r.applies_to),
                  "waivable": r.waivable, "security": r.security}
            for rid, r in sorted(cat.rules.items())}
