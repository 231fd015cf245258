"""What every report format shares: rule metadata, repository-relative paths, fingerprints and counts.

A report covers two kinds of problem, and every format shows both:

* **spec diagnostics** — the input is wrong (schema, references, YAML traps);
  they behave like rules named ``spec/<code>`` at error (or warning) level;
* **policy findings** — a Rego rule failed; *waived* findings are never
  dropped, only marked, and counted apart from the active ones.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote

from llmops_iac.errors import Diagnostic
from llmops_iac.pipeline import FileResult, RunResult

TOOL_NAME = "llmops-iac"
DEFAULT_INFORMATION_URI = "https://github.com/llmops-iac/llmops-iac"
RULES_DOC = "blob/main/docs/rules.md"
"""Where the rule reference (``llmops-iac policy docs``) lives in the repository at :func:`information_uri`."""
SPEC_RULE_PREFIX = "spec/"
SEVERITY_ORDER = ("error", "warning", "note")
FRAMEWORK_LABELS = {"owasp": "OWASP", "nist": "NIST", "euAiAct": "EU AI Act", "awsGenAiLens": "AWS GenAI Lens"}


def tool_version() -> str:
    """The installed llmops-iac version (read at call time, so tests can freeze it)."""
    import llmops_iac

    return llmops_iac.__version__


def information_uri() -> str:
    """Where llmops-iac is documented: the package's Homepage project URL, else the default."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        meta = metadata(TOOL_NAME)
    except (ImportError, PackageNotFoundError):  # pragma: no cover - running from a bare checkout
        return DEFAULT_INFORMATION_URI
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "repository", "source") and url.strip().startswith("https://"):
            return url.strip()
    home = meta.get("Home-page")
    return home if home and home.startswith("https://") else DEFAULT_INFORMATION_URI


def rule_doc_uri(rule_id: str) -> str:
    """The rule's own section of the rule reference: docs/rules.md, whose ``### <ID>`` heading GitHub anchors as
    ``#<id in lower case>`` (llmops_iac/policy/docs.py writes one per rule)."""
    return f"{information_uri().rstrip('/')}/{RULES_DOC}#{rule_id.lower()}"


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class RuleInfo:
    """A rule as reports show it: a policy rule from the catalogue, or a spec diagnostic code."""

    id: str
    title: str
    description: str
    severity: str  # default level: error | warning | note
    remediation: str = ""
    area: str = "spec"
    name: str = ""
    frameworks: dict[str, list[str]] = field(default_factory=dict)
    related: tuple[str, ...] = ()
    kind: str = "policy"  # policy | spec
    security: bool = False  # METADATA security: true (llmops_iac/policy/catalog.py Rule.security)
    help_uri: str | None = None  # the rule's documentation: its section of docs/rules.md (built-in), else its first related link

    def references(self) -> list[str]:
        """Framework references as ``OWASP LLM01`` style strings."""
        return [f"{FRAMEWORK_LABELS.get(k, k)} {v}" for k, values in self.frameworks.items() for v in values]


def _from_rule(rule: Any, builtin: Path | None) -> RuleInfo:
    documented = builtin is not None and _inside(rule.file, builtin)
    return RuleInfo(id=rule.id, title=rule.title, description=rule.description, severity=rule.severity,
                    remediation=rule.remediation, area=rule.area, name=rule.name,
                    frameworks={k: list(v) for k, v in rule.frameworks.items()}, related=tuple(rule.related),
                    security=bool(getattr(rule, "security", False)),
                    help_uri=rule_doc_uri(rule.id) if documented else (rule.related[0] if rule.related else None))


def _inside(file: str, directory: Path) -> bool:
    try:
        Path(file).resolve().relative_to(directory.resolve())
    except (ValueError, OSError):
        return False
    return True


def spec_rule_id(code: str) -> str:
    return SPEC_RULE_PREFIX + code


def spec_rule(code: str, severity: str = "error") -> RuleInfo:
    """The pseudo-rule of a spec diagnostic code (``unknown-key`` → ``spec/unknown-key``)."""
    return RuleInfo(id=spec_rule_id(code), title=f"Spec input: {code.replace('-', ' ')}",
                    description=(f"The spec file is not valid input ({code}): llmops-iac stops before compiling or "
                                 "judging it. Each diagnostic names the key, the constraint and a fix."),
                    severity=severity, area="spec", name=f"spec-{code}", kind="spec")


def policy_rules(result: RunResult) -> dict[str, RuleInfo]:
    """Every rule of the policy catalogue the run was judged with, by ID (empty without a policy stage).

    Uses ``result.catalogue`` when the pipeline provides it, else reloads the
    catalogue from the run's policy directories; rules that only appear in
    findings or outcomes (a catalogue that can no longer be read) are rebuilt
    from the findings, so a report never fails for want of metadata.
    """
    cached = getattr(result, "_report_rules", None)
    if cached is not None:
        return cached
    judged = [f.policy for f in result.files if f.policy is not None]
    rules: dict[str, RuleInfo] = {}
    if judged or result.policy_options is not None:
        catalogue = getattr(result, "catalogue", None)
        if catalogue is None:
            try:
                from llmops_iac.policy import catalog

                dirs = list(result.policy_options.policy_dirs) if result.policy_options else []
                catalogue = catalog.load(dirs)
            except Exception:  # noqa: BLE001 - metadata is a nicety; findings carry the essentials
                catalogue = None
        if catalogue is not None:
            from llmops_iac.policy import catalog as _catalog

            builtin = Path(catalogue.directories[0]) if getattr(catalogue, "directories", ()) else _catalog.builtin_dir()
            rules = {rid: _from_rule(rule, builtin) for rid, rule in catalogue.rules.items()}
    for policy in judged:
        for finding in policy.findings:
            if finding.rule_id not in rules:
                rules[finding.rule_id] = RuleInfo(id=finding.rule_id, title=finding.title, description=finding.title,
                                                  severity=finding.severity, remediation=finding.remediation,
                                                  area=finding.rule_id.split("-")[1].lower())
        for rid in policy.outcomes:
            rules.setdefault(rid, RuleInfo(id=rid, title=rid, description=rid, severity="error",
                                           area=rid.split("-")[1].lower() if rid.count("-") == 2 else "policy"))
    rules = dict(sorted(rules.items()))
    try:
        setattr(result, "_report_rules", rules)
    except AttributeError:  # pragma: no cover - a frozen result
        pass
    return rules


def diagnostic_rules(result: RunResult) -> dict[str, RuleInfo]:
    """The pseudo-rules of the spec diagnostic codes that occur in ``result``, by ID."""
    out: dict[str, RuleInfo] = {}
    for f in result.files:
        for d in f.diagnostics:
            rid = spec_rule_id(d.code)
            if rid not in out or d.severity == "error":
                out[rid] = spec_rule(d.code, level(d.severity))
    return dict(sorted(out.items()))


def at_or_above(severity: str, fail_level: str) -> bool:
    """Whether a finding of ``severity`` fails a run at ``fail_level`` (error > warning > note)."""
    return SEVERITY_ORDER.index(level(severity)) <= SEVERITY_ORDER.index(level(fail_level))


def level(severity: str) -> str:
    """A severity as one of error | warning | note."""
    return severity if severity in SEVERITY_ORDER else ("note" if severity in ("info", "hint") else "warning")


# --------------------------------------------------------------------------- paths


def repo_root(start: str | os.PathLike[str] | None = None) -> Path:
    """The repository root: the nearest directory at or above ``start`` (default: cwd) holding ``.git``.

    Outside a repository it is the current directory. SARIF URIs, workflow
    command ``file=`` paths and the locations of the Markdown and JUnit reports
    are relative to it, as GitHub expects.
    """
    here = Path(start or os.getcwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    return Path(os.getcwd()).resolve()


def repo_path(path: str, root: Path | None = None) -> str:
    """``path`` relative to the repository root with forward slashes; unchanged (but /-separated) outside it."""
    return _repo_path(path, root or repo_root(), os.getcwd())


@functools.lru_cache(maxsize=4096)
def _repo_path(path: str, root: Path, cwd: str) -> str:
    # every finding of a file asks for the same path: resolving symlinks once per file is enough
    absolute = Path(path if os.path.isabs(path) else os.path.join(cwd, path)).resolve()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return Path(path).as_posix()


def uri(path: str, root: Path | None = None) -> str:
    """A SARIF ``artifactLocation.uri``: the repository-relative path, percent-encoded."""
    return quote(repo_path(path, root), safe="/-._~")


def fingerprint(*parts: Any) -> str:
    """A stable hash of ``parts`` (rule, repository path, pointer, resource, environment)."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def finding_fingerprint(finding: Any, environment: str | None, root: Path | None = None) -> str:
    """Rule, repository path, pointer, resource, environment and (when the rule gives one) subject: never the line,
    so an edit above a finding keeps its alert. A finding without a subject hashes as it did before subjects."""
    subject = getattr(finding, "subject", "")
    return fingerprint("finding", finding.rule_id, repo_path(finding.file, root), finding.pointer, finding.resource,
                       environment or "", *([subject] if subject else []))


_DIGITS = re.compile(r"[0-9]+")


def finding_fingerprints(f: FileResult, root: Path | None = None) -> list[str]:
    """The fingerprint of each finding of ``f`` (in ``f.policy.findings`` order), one per finding.

    Code scanning merges results that share a fingerprint into one alert, so findings that :func:`finding_fingerprint`
    cannot tell apart (a rule that finds two things at one pointer and resource and names no subject: a custom rule)
    are told apart by their message with its numbers left out (so a changed count keeps the alert), and then by
    their order (message, line).
    """
    items = findings(f)
    env = environment(f)
    prints = [finding_fingerprint(x, env, root) for x in items]
    groups: dict[str, list[int]] = {}
    for i, fp in enumerate(prints):
        groups.setdefault(fp, []).append(i)
    for fp, members in groups.items():
        if len(members) < 2:
            continue
        by_text: dict[str, list[int]] = {}
        for i in members:
            by_text.setdefault(_DIGITS.sub("#", items[i].message), []).append(i)
        for text, same in by_text.items():
            same.sort(key=lambda i: (items[i].message, items[i].line, items[i].col))
            for n, i in enumerate(same):
                prints[i] = fingerprint(fp, text, *([n] if len(same) > 1 else []))
    return prints


def diagnostic_fingerprint(d: Diagnostic, environment: str | None, root: Path | None = None) -> str:
    return fingerprint("diagnostic", d.code, repo_path(d.file, root), d.pointer, d.message, environment or "")


# --------------------------------------------------------------------------- per file


def environment(f: FileResult) -> str:
    """The environment a file was judged in: its stack's, else the policy verdict's, else ``default``."""
    if f.environment:
        return f.environment
    if f.policy is not None and getattr(f.policy, "environment", None):
        return f.policy.environment
    if f.plan is not None and getattr(f.plan, "environment", None):
        return f.plan.environment
    return "default"


def file_fails(f: FileResult, fail_level: str) -> bool:
    """Whether this file makes the run fail: an input error, or an active finding at or above ``fail_level``."""
    return not f.ok or (f.policy is not None and f.policy.fails_at(fail_level))


def fail_level(result: RunResult) -> str:
    return result.policy_options.fail_level if result.policy_options else "error"


def run_fails(result: RunResult) -> bool:
    return not result.ok or result.findings_fail


@dataclass
class Counts:
    """How much of what: input diagnostics, active findings by severity, waived findings, rule outcomes."""

    specs: int = 0
    results: int = 0  # spec × environment results: a spec is judged once per environment a deploy can reach
    invalid: int = 0
    failing: int = 0
    input_errors: int = 0
    input_warnings: int = 0
    active: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SEVERITY_ORDER})
    waived: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: {"pass": 0, "fail": 0, "not-applicable": 0, "off": 0})

    @property
    def active_total(self) -> int:
        return sum(self.active.values())

    def add(self, other: "Counts") -> None:
        self.specs += other.specs
        self.results += other.results
        self.invalid += other.invalid
        self.failing += other.failing
        self.input_errors += other.input_errors
        self.input_warnings += other.input_warnings
        self.waived += other.waived
        for k, v in other.active.items():
            self.active[k] = self.active.get(k, 0) + v
        for k, v in other.outcomes.items():
            self.outcomes[k] = self.outcomes.get(k, 0) + v


def file_counts(f: FileResult, fail_at: str = "error") -> Counts:
    c = Counts(specs=1, results=1, invalid=0 if f.ok else 1, failing=1 if file_fails(f, fail_at) else 0)
    for d in f.diagnostics:
        if d.severity == "error":
            c.input_errors += 1
        else:
            c.input_warnings += 1
    if f.policy is not None:
        for finding in f.policy.findings:
            if finding.waived:
                c.waived += 1
            else:
                c.active[level(finding.severity)] += 1
        for outcome in f.policy.outcomes.values():
            c.outcomes[outcome] = c.outcomes.get(outcome, 0) + 1
    return c


def run_counts(result: RunResult) -> Counts:
    total = Counts()
    for f in result.files:
        total.add(file_counts(f, fail_level(result)))
    total.specs = len({f.path for f in result.files})
    return total


def specs_phrase(c: Counts) -> str:
    """``3 specs`` or, when specs were judged in several environments, ``3 specs in 7 environments``."""
    return plural(c.specs, "spec") + (f" in {plural(c.results, 'environment')}" if c.results != c.specs else "")


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def severity_phrase(active: dict[str, int]) -> str:
    """``2 errors, 1 warning`` — the non-zero severities, worst first (``no findings`` when none)."""
    parts = [plural(n, s) for s in SEVERITY_ORDER if (n := active.get(s, 0))]
    return ", ".join(parts) if parts else "no findings"


def findings(f: FileResult) -> list[Any]:
    return list(f.policy.findings) if f.policy is not None else []


def outcome_ids(f: FileResult, outcome: str) -> list[str]:
    return sorted(rid for rid, o in (f.policy.outcomes.items() if f.policy is not None else ()) if o == outcome)


def by_rule(items: Iterable[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for item in items:
        out.setdefault(item.rule_id, []).append(item)
    return out


def location(file: str, line: int, col: int = 0) -> str:
    """``file:line:col`` (``file:line`` without a column, ``file`` without a line)."""
    if line <= 0:
        return file
    return f"{file}:{line}:{col}" if col > 0 else f"{file}:{line}"


def waiver_text(finding: Any) -> str:
    """``waived until 2099-12-31 by owner: reason``."""
    w = finding.waived_by or {}
    text = f"waived until {w.get('expires', '?')} by {w.get('owner', '?')}: {' '.join(str(w.get('reason', '')).split())}"
    scope = w.get("resources")
    return text + (f" (resources: {', '.join(scope)})" if scope else "")

