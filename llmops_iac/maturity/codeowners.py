"""CODEOWNERS: find the file, parse it, and answer "who owns this path?" the way GitHub does.

Semantics (GitHub's "About code owners", plus GitLab sections):

- The first of ``.github/CODEOWNERS``, ``CODEOWNERS``, ``docs/CODEOWNERS`` that
  exists is used (GitLab also reads ``.gitlab/CODEOWNERS``).
- A line is ``PATTERN OWNER...``; ``#`` starts a comment. Owners are ``@user``,
  ``@org/team`` or an e-mail address.
- Patterns follow gitignore rules, except that ``!`` negation, ``[ ]``
  character ranges and a ``\\#`` escape are not supported: such lines are
  reported and skipped, as GitHub skips them.
- A pattern without a slash, or with only a trailing one, matches at any
  depth; any other slash anchors it to the repository root. A pattern that
  matches a directory owns everything below it, except that a last segment
  that is only ``*`` (``docs/*``) matches direct children only. ``**`` matches
  any number of directories. Paths are case-sensitive.
- The last matching line wins. A matching line with no owners leaves the path
  explicitly unowned.
- GitLab sections (``[Name]``, ``^[Name]``, ``[Name][2] @default``) are
  independent: the last match of each section applies and the owners of all
  sections add up; a line without owners inside a section gets the section's
  default owners.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from llmops_iac.spec.files import FileRefError, SpecFiles

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
"""Where CODEOWNERS is looked for, in order; the first that exists is used."""

MAX_BYTES = 3 * 1024 * 1024  # GitHub ignores CODEOWNERS files over 3 MB
CATCH_ALL_PROBES = ("zz-unrelated", "zz-unrelated.zz", "zz/zz/zz-unrelated", "zz/zz/zz-unrelated.zz")
"""Paths no rule is written for: a rule matching one of them is a catch-all."""
_OWNER = re.compile(r"^(@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+)$")
_SECTION = re.compile(r"^\^?\[(?P<name>[^\]]+)\](?:\[(?P<approvals>[0-9]+)\])?(?P<owners>(?:\s+\S+)*)\s*$")


@dataclass(frozen=True)
class Rule:
    """One pattern line of CODEOWNERS."""

    pattern: str
    owners: tuple[str, ...]
    line: int
    section: str = ""
    regex: re.Pattern[str] = field(default=re.compile(r"(?!)"), compare=False, repr=False)

    def matches(self, path: str) -> bool:
        return self.regex.match(path) is not None

    @property
    def catch_all(self) -> bool:
        """Whether the rule owns files it was not written for: any root file or any file at any depth (``*``,
        ``**``, ``/**``, ``**/*``, ``/*``). Such a rule alone is no ownership of the spec or a prompt."""
        return any(self.matches(probe) for probe in CATCH_ALL_PROBES)


@dataclass(frozen=True)
class Ownership:
    """Who owns one path: the owners and the rule(s) that decided it (empty when no rule matched)."""

    path: str
    owners: tuple[str, ...]
    rules: tuple[Rule, ...]

    @property
    def matched(self) -> bool:
        return bool(self.rules)

    @property
    def owned(self) -> bool:
        return bool(self.owners)

    @property
    def teams(self) -> tuple[str, ...]:
        return tuple(o for o in self.owners if o.startswith("@") and "/" in o)

    @property
    def specific(self) -> tuple[Rule, ...]:
        """The deciding rules written for this path (or a directory of it), not catch-alls."""
        return tuple(r for r in self.rules if not r.catch_all)

    @property
    def specific_owners(self) -> tuple[str, ...]:
        """The GitHub users and teams (``@...``) named by the specific rules; e-mail owners are not counted
        (whether an address is a GitHub account, or a team, cannot be told from the file)."""
        out: list[str] = []
        for rule in self.specific:
            out += [o for o in rule.owners if o.startswith("@") and o not in out]
        return tuple(out)

    @property
    def specific_teams(self) -> tuple[str, ...]:
        return tuple(o for o in self.specific_owners if "/" in o)


@dataclass(frozen=True)
class CodeOwners:
    """A parsed CODEOWNERS file: its repository-relative path, rules in file order, and skipped lines."""

    file: str
    rules: tuple[Rule, ...]
    problems: tuple[tuple[int, str], ...] = ()
    github: "CodeOwners | None" = None
    """The same file as GitHub reads it (no sections), where GitLab could read it too (CODEOWNERS, docs/): a path
    is owned only by owners both hosts would ask (the stricter reading)."""

    def owners_of(self, path: str) -> Ownership:
        """Return who owns ``path`` (repository-relative, forward slashes)."""
        mine = self._owners_of(path)
        if self.github is None:
            return mine
        theirs = self.github._owners_of(path)
        both = tuple(o for o in mine.owners if o in theirs.owners)
        return Ownership(path=mine.path, owners=both, rules=mine.rules if both else theirs.rules)

    def _owners_of(self, path: str) -> Ownership:
        path = path.lstrip("/")
        last: dict[str, Rule] = {}
        for rule in self.rules:
            if rule.matches(path):
                last[rule.section] = rule
        owners: list[str] = []
        for rule in last.values():
            owners += [o for o in rule.owners if o not in owners]
        return Ownership(path=path, owners=tuple(owners), rules=tuple(last.values()))


def find(root: Path) -> Path | None:
    """Return the CODEOWNERS file GitHub would use in the repository at ``root``, or None."""
    for rel in LOCATIONS:
        candidate = root / rel
        if candidate.is_file():
            return candidate
    return None


def load(root: Path) -> CodeOwners | None:
    """Parse the repository's CODEOWNERS, or return None when it has none.

    A file that cannot be read is returned with no rules and the reason as a problem.
    """
    path = find(root)
    if path is None:
        return None
    rel = path.relative_to(root).as_posix()
    try:  # read as a spec's files are: a link out of the repository, a FIFO or a device is a problem, never opened
        text = SpecFiles.of_repository(str(root)).read(rel, "CODEOWNERS", MAX_BYTES).decode("utf-8")
    except FileRefError as exc:
        if exc.code == "file-too-large":
            return CodeOwners(rel, (), ((0, f"{rel} is over 3 MB; GitHub ignores it"),))
        return CodeOwners(rel, (), ((0, f"{rel} cannot be read: {exc.message}"),))
    except UnicodeDecodeError as exc:
        return CodeOwners(rel, (), ((0, f"{rel} cannot be read: {exc}"),))
    if rel.startswith(".github/"):  # GitHub's own location: GitHub's reading only (a [Section] line is invalid)
        return parse(text, rel, sections=False)
    if rel.startswith(".gitlab/"):
        return parse(text, rel)
    found = parse(text, rel)
    return CodeOwners(found.file, found.rules, found.problems, github=parse(text, rel, sections=False))


def parse(text: str, file: str = "CODEOWNERS", *, sections: bool = True) -> CodeOwners:
    """Parse CODEOWNERS ``text``; lines GitHub would skip are reported, not used. ``sections``: read GitLab's
    ``[Section]`` headers (GitHub has none: it ignores such a line, and the rules after it stay in one list)."""
    rules: list[Rule] = []
    problems: list[tuple[int, str]] = []
    section, defaults = "", ()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("\\#"):
            problems.append((number, "a pattern cannot start with an escaped # in CODEOWNERS (the line is ignored)"))
            continue
        if (line.startswith("[") or line.startswith("^[")) and not sections:
            problems.append((number, "a [Section] header is GitLab's: GitHub ignores the line"))
            continue
        if line.startswith("[") or line.startswith("^["):
            m = _SECTION.match(line.split(" #", 1)[0].rstrip())
            if not m:
                problems.append((number, f"malformed section header {line!r}"))
                continue
            section = m["name"].strip()
            defaults = tuple(m["owners"].split())
            continue
        tokens = _split(line)
        pattern, owners = tokens[0], []
        for token in tokens[1:]:
            if token.startswith("#"):
                break
            owners.append(token)
        problem = _pattern_problem(pattern)
        if problem is None:
            bad = [o for o in owners if not _OWNER.match(o)]
            if bad:
                problem = f"invalid owner {bad[0]!r} (expected @user, @org/team or an e-mail address)"
        if problem:
            problems.append((number, f"{problem} (the line is ignored)"))
            continue
        if not owners and section:
            owners = list(defaults)
        rules.append(Rule(pattern=pattern, owners=tuple(owners), line=number, section=section, regex=compile_pattern(pattern)))
    return CodeOwners(file=file, rules=tuple(rules), problems=tuple(problems))


def _split(line: str) -> list[str]:
    """Split on unescaped whitespace (``\\ `` keeps a space inside a pattern)."""
    tokens, current, escaped = [], "", False
    for ch in line:
        if escaped:
            current += "\\" + ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch.isspace():
            if current:
                tokens.append(current)
                current = ""
        else:
            current += ch
    if escaped:
        current += "\\"
    if current:
        tokens.append(current)
    return tokens


def _pattern_problem(pattern: str) -> str | None:
    if pattern.startswith("!"):
        return "negated patterns (!) are not supported in CODEOWNERS"
    unescaped = re.sub(r"\\.", "", pattern)
    if "[" in unescaped or "]" in unescaped:
        return "character ranges ([ ]) are not supported in CODEOWNERS"
    if "***" in pattern:
        return "a pattern cannot contain three consecutive asterisks"
    return None


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Return the regular expression a CODEOWNERS ``pattern`` matches repository paths with."""
    if pattern == "/":
        return re.compile(r"(?!)")
    segments = pattern.split("/")
    if segments[0] == "":
        segments = segments[1:]  # leading slash: anchored at the root
    elif len(segments) == 1 or (len(segments) == 2 and segments[1] == ""):
        if segments[0] != "**":
            segments = ["**"] + segments  # no inner slash: matches at any depth
    if len(segments) > 1 and segments[-1] == "":
        segments[-1] = "**"  # trailing slash: everything below the directory
    last = len(segments) - 1
    out = []
    slash = False
    for i, seg in enumerate(segments):
        if seg == "**":
            if i == 0 and i == last:
                out.append(r".+")
            elif i == 0:
                out.append(r"(?:.+/)?")
                slash = False
            elif i == last:
                out.append(r"/.*")
            else:
                out.append(r"(?:/.+)?")
                slash = True
            continue
        if slash:
            out.append("/")
        if seg == "*":
            out.append(r"[^/]+")  # a lone * is one path segment, never a directory's contents
        else:
            out.append(_segment(seg))
            if i == last:
                out.append(r"(?:/.*)?")  # a file, or a directory and everything below it
        slash = True
    return re.compile("^" + "".join(out) + "$")


def _segment(seg: str) -> str:
    out, escaped = [], False
    for ch in seg:
        if escaped:
            out.append(re.escape(ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "*":
            out.append(r"[^/]*")
        elif ch == "?":
            out.append(r"[^/]")
        else:
            out.append(re.escape(ch))
    return "".join(out)
