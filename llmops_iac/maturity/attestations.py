"""Attestations: the repository's record that a manual criterion is met, by whom, until when, on what evidence.

A manual criterion (catalogue ``kind: manual``) is met only by an attestation in the file the catalogue names
(``attestations.file``: ``.llmops/attestations.yaml`` at the repository root); its shape is
schemas/attestations.schema.json::

    attestations:
      - criterion: MAT-ORG-204
        who: "@acme/contracts-platform"    # team or person handle, or e-mail
        date: 2026-05-02                   # when it was checked; not in the future
        evidence: docs/roles.md            # a file of this repository (must exist) or an https:// URL
        expires: 2027-05-01                # at most attestations.maxValidityDays after date
        environments: [prod]               # optional: only these environments
        specs: [specs/llmapp.yaml]         # optional: only these spec files (paths from the repository root)

Two kinds of problem, two treatments (DESIGN.md exit codes):
- the file is not readable YAML of that shape (syntax, unknown key, missing field, wrong type): an input error,
  ``SpecError`` (exit 2) with every problem at file:line, as for a spec;
- an entry of the right shape that cannot count (expired, dated in the future, running longer than the catalogue's
  maximum, naming an unknown, retired or automatic criterion, evidence path missing or outside the repository, two
  entries for one criterion in one scope), or a file that is a symbolic link out of the repository: the criterion
  is not met and its reason names the entry's file:line. Nothing here can turn a failure into a pass.
"""

from __future__ import annotations

import datetime as _dt
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmops_iac.errors import Diagnostic, SpecError
from llmops_iac.maturity.catalogue import Catalogue, Criterion
from llmops_iac.resources import load_json
from llmops_iac.spec.files import FileRefError, SpecFiles
from llmops_iac.spec.jsonschema_lite import Validator, dotted
from llmops_iac.spec.load import parse

SCHEMA = ("schemas", "attestations.schema.json")
MAX_BYTES = 1024 * 1024
"""Largest attestation file read; a larger one is an input error."""
MAX_EVIDENCE_BYTES = 1 << 20
"""How much of an evidence file is read to see it is not empty."""
_URL = re.compile(r"^https://[^\s/]+\.[^\s/]+(/\S*)?$")
_validator: Validator | None = None
_EVIDENCE_PROBLEMS = {
    "file-not-found": "does not exist in the repository",
    "file-outside-repository": "is outside the repository",
    "not-a-file": "is not a regular file (a directory or device): name the file that holds the proof",
    "file-in-git-directory": "is inside .git",
    "symlink-loop": "is a loop of symbolic links",
}


@dataclass(frozen=True)
class Entry:
    """One attestation, where it is written, and why it cannot count (``problems`` empty: it can)."""

    index: int
    criterion: str
    who: str
    date: _dt.date
    expires: _dt.date
    evidence: str
    environments: tuple[str, ...] | None
    specs: tuple[str, ...] | None
    line: int
    problems: tuple[str, ...]

    def applies(self, environment: str | None, spec_path: str | None) -> bool:
        """Whether the entry's scope covers this spec in this environment (a scoped entry never covers the unnamed
        base spec or a spec outside the repository)."""
        if self.environments is not None and environment not in self.environments:
            return False
        return self.specs is None or (spec_path is not None and spec_path in self.specs)

    def to_dict(self, file: str) -> dict[str, Any]:
        out: dict[str, Any] = {"criterion": self.criterion, "who": self.who, "date": self.date.isoformat(),
                               "expires": self.expires.isoformat(), "evidence": self.evidence,
                               "location": f"{file}:{self.line}"}
        if self.environments is not None:
            out["environments"] = list(self.environments)
        if self.specs is not None:
            out["specs"] = list(self.specs)
        if self.problems:
            out["problems"] = list(self.problems)
        return out


@dataclass(frozen=True)
class Verdict:
    """A manual criterion's outcome from the attestations: met or not, why, and the entry behind it."""

    met: bool
    reason: str
    entry: Entry | None = None
    line: int = 0


@dataclass(frozen=True)
class Attestations:
    """The attestation file of one repository as read on one day: its entries, or why it counts for nothing."""

    file: str  # repository-relative
    present: bool
    entries: tuple[Entry, ...] = ()
    problem: str = ""  # the whole file counts for nothing (a symbolic link out of the repository)

    def verdict(self, crit: Criterion, environment: str | None, spec_path: str | None) -> Verdict:
        """Whether manual criterion ``crit`` is attested for this spec (``spec_path``, repository-relative) in
        ``environment``; every way it is not says so, at the entry's line."""
        if self.problem:
            return Verdict(False, f"not attested: {self.problem}")
        mine = [e for e in self.entries if e.criterion == crit.id]
        if not mine:
            where = self.file if self.present else f"{self.file} (no such file)"
            return Verdict(False, f"not attested: no entry for {crit.id} in {where}")
        applying = [e for e in mine if e.applies(environment, spec_path)]
        if not applying:
            shown = ", ".join(f"{self.file}:{e.line}" for e in mine)
            scope = f"environment {environment}" if environment else "the base spec"
            return Verdict(False, f"not attested for {scope} of {spec_path or 'a spec outside the repository'}: "
                                  f"the entries for {crit.id} ({shown}) are scoped elsewhere")
        if len(applying) > 1:
            shown = ", ".join(f"{self.file}:{e.line}" for e in applying)
            return Verdict(False, f"not attested: {crit.id} is attested {len(applying)} times for this scope ({shown}); "
                                  "keep one entry per criterion and scope", line=applying[0].line)
        entry = applying[0]
        if entry.problems:
            return Verdict(False, f"attestation at {self.file}:{entry.line} does not count: {'; '.join(entry.problems)}",
                           entry, entry.line)
        return Verdict(True, f"attested by {entry.who} on {entry.date.isoformat()} until {entry.expires.isoformat()}, "
                             f"evidence {entry.evidence} ({self.file}:{entry.line})", entry, entry.line)

    def problems(self) -> list[tuple[int, str]]:
        """Every (line, problem) of the file, for reports: entries that count for nothing, with why."""
        if self.problem:
            return [(0, self.problem)]
        return [(e.line, f"{e.criterion}: {p}") for e in self.entries for p in e.problems]

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "present": self.present, "problem": self.problem or None,
                "entries": [e.to_dict(self.file) for e in self.entries]}


def validator() -> Validator:
    global _validator
    if _validator is None:
        _validator = Validator(load_json(*SCHEMA))
    return _validator


def load(root: Path | str, cat: Catalogue, today: _dt.date, *, display: str | None = None) -> Attestations:
    """Read the attestation file of the repository at ``root`` (a resolved path); raise SpecError (exit 2) when
    it is not an attestation file. ``display`` is how messages name the file (default: repository-relative)."""
    rel = cat.attestation_file
    shown = display or rel
    files = SpecFiles.of_repository(str(root))
    try:
        raw = files.read(rel, "attestation", MAX_BYTES)
    except FileRefError as exc:
        if exc.code == "file-not-found":
            return Attestations(rel, False)
        if exc.code == "file-outside-repository":
            return Attestations(rel, True, problem=f"{rel} is a symbolic link out of the repository; an attestation "
                                                   "file must be a file of the repository itself")
        raise SpecError([Diagnostic(file=shown, line=0, col=0, code=exc.code, message=exc.message, hint=exc.hint)]) from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise SpecError([Diagnostic(file=shown, line=1, col=1, code="bad-encoding",
                                    message=f"{rel} is not UTF-8 text ({exc.reason} at byte {exc.start})",
                                    hint="save the file as UTF-8")]) from None
    data, source = parse(text, shown)
    traps = {ptr: t.yaml11 for ptr, t in source.traps.items()}
    errors = list(validator().errors(data, traps=traps))
    if errors:
        diags = []
        for err in errors:
            file, line, col = source.locate(err.pointer, key=err.at_key)
            diags.append(Diagnostic(file=file, line=line, col=col, code=err.keyword, pointer=err.pointer,
                                    message=f"{dotted(err.pointer) or 'attestation file'}: {err.message}",
                                    hint=err.hint or "see schemas/attestations.schema.json"))
        raise SpecError(diags)
    entries = tuple(_entry(i, item, source.locate(f"/attestations/{i}")[1], cat, today, files)
                    for i, item in enumerate(data["attestations"]))
    return Attestations(rel, True, entries)


def _entry(index: int, item: dict[str, Any], line: int, cat: Catalogue, today: _dt.date, files: SpecFiles) -> Entry:
    cid = item["criterion"]
    date = _dt.date.fromisoformat(item["date"])
    expires = _dt.date.fromisoformat(item["expires"])
    problems: list[str] = []
    crit = cat.criteria.get(cid)
    if crit is None:
        retired = cat.retired.get(cid)
        problems.append(f"{cid} was retired ({retired})" if retired else f"{cid} is not a criterion of the catalogue")
    elif crit.automatic:
        problems.append(f"{cid} is checked automatically from evidence; an attestation cannot stand in for it")
    if date > today:
        problems.append(f"dated {date.isoformat()}, in the future (assessed on {today.isoformat()})")
    if expires <= date:
        problems.append(f"expires {expires.isoformat()}, not after its date {date.isoformat()}")
    elif (expires - date).days > cat.max_attestation_days:
        problems.append(f"runs {(expires - date).days} days ({date.isoformat()} to {expires.isoformat()}), longer than "
                        f"the catalogue's maximum of {cat.max_attestation_days}: attest again rather than for longer")
    if expires < today:
        problems.append(f"expired on {expires.isoformat()}")
    evidence = item["evidence"]
    if _URL.match(evidence):
        if not re.match(r"^https://[^/]+/\S*[^\s/]", evidence):
            problems.append(f"evidence {evidence} names a site, not a document: link the page that shows the practice")
    else:
        try:
            found = files.resolve(evidence, "evidence")
            own = files.resolve(cat.attestation_file, "attestation")
            if found.path == own.path:
                problems.append(f"evidence {evidence} is the attestation file itself: it proves nothing it does not say")
            elif stat.S_ISREG(found.stat.st_mode) and found.stat.st_size <= MAX_EVIDENCE_BYTES:
                body = files.read(evidence, "evidence", MAX_EVIDENCE_BYTES).decode("utf-8", "replace")
                if not any(ch.isalnum() for ch in body):
                    problems.append(f"evidence {evidence} is empty: it shows nothing")
        except FileRefError as exc:  # said without local paths: reports never show them
            problems.append(f"evidence {evidence} " + _EVIDENCE_PROBLEMS.get(exc.code, f"cannot be used ({exc.code})"))
    envs = item.get("environments")
    specs = item.get("specs")
    return Entry(index=index, criterion=cid, who=item["who"], date=date, expires=expires, evidence=evidence,
                 environments=tuple(envs) if envs is not None else None,
                 specs=tuple(s.removeprefix("./") for s in specs) if specs is not None else None,
                 line=line, problems=tuple(problems))
