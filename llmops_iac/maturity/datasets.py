"""Evaluation datasets as maturity evidence: each declared dataset's file read and every case judged.

A dataset is read through the spec's file resolver (inside its repository, no
symlink out of it, capped in size), one JSON object a line. Each case is judged
against the catalogue's evidence bars for the dataset's task (evidence_bars.py):
an input and a reference field, neither empty, an input not seen before and, in a
red-team set, a known attack category. What comes out is ``DatasetFacts``: the
well-formed cases, the malformed ones by line with why, and the categories covered.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from llmops_iac.maturity.catalogue import bars
from llmops_iac.maturity.evidence_bars import DEFAULT_TASK, RED_TEAM, SHOWN_CASES, Bars, judge_case
from llmops_iac.maturity.repo import MAX_FILE_BYTES, memo
from llmops_iac.spec.files import FileRefError, SpecFiles

if TYPE_CHECKING:
    from llmops_iac.spec.validate import LoadedSpec

MEMO_DATASET_BYTES = 1024 * 1024
"""Datasets up to this size are read whole and remembered by content within a snapshot; larger ones are streamed."""


@dataclass(frozen=True)
class DatasetFacts:
    """A declared evaluation dataset, its file and the verdict on each case.

    ``cases`` counts well-formed cases; ``malformed`` lists (line, why) of the others;
    ``invalid_lines`` the lines that are not JSON objects at all; ``categories`` the
    attack categories a red-team set covers; ``task`` the task its cases were judged as.
    """

    name: str
    file: str
    path: Path
    display: str
    cases: int
    invalid_lines: tuple[int, ...]
    problem: str = ""
    task: str = DEFAULT_TASK
    malformed: tuple[tuple[int, str], ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Verdict:
    cases: int
    invalid: tuple[int, ...]
    malformed: tuple[tuple[int, str], ...]
    categories: tuple[str, ...]


def task_of(name: str, declared: str | None, gates: Iterable[dict[str, Any]]) -> str:
    """The task a dataset's cases are judged as: red-team when a refusal-rate gate measures it, else as declared."""
    if any(g.get("dataset") == name and g.get("metric") == "refusal-rate" for g in gates):
        return RED_TEAM
    return declared or DEFAULT_TASK


def collect(loaded: "LoadedSpec", files: SpecFiles, shown: Path) -> dict[str, DatasetFacts]:
    """The declared evaluation datasets and their cases, read through ``files`` (the spec's resolver)."""
    evaluation = loaded.data["spec"].get("evaluation") or {}
    gates = evaluation.get("gates") or []
    base = Path(files.base_dir)
    b = bars()
    out = {}
    for name, ds in sorted((evaluation.get("datasets") or {}).items()):
        task = task_of(name, ds.get("task"), gates)
        verdict, problem = _Verdict(0, (), (), ()), ""
        try:
            raw_fh, found = files.open(ds["file"], "dataset")
            with raw_fh:
                size = found.stat.st_size
                if size > MAX_FILE_BYTES:
                    problem = f"is over {MAX_FILE_BYTES // (1024 * 1024)} MiB; not read"
                else:
                    known = _known(raw_fh, task, b) if size <= MEMO_DATASET_BYTES else None
                    if known is None:
                        raw_fh.seek(0)
                        with io.TextIOWrapper(raw_fh, encoding="utf-8") as fh:
                            verdict = _judge(fh, task, b)  # a file that stops decoding is a problem, not credit
                    else:
                        verdict = known
        except FileRefError as exc:
            problem = f"cannot be read: {exc.message}"
        except (OSError, UnicodeDecodeError) as exc:
            problem = f"cannot be read: {getattr(exc, 'strerror', None) or exc}"
        out[name] = DatasetFacts(name=name, file=ds["file"], path=base / ds["file"], display=(shown / ds["file"]).as_posix(),
                                 cases=verdict.cases, invalid_lines=verdict.invalid, problem=problem, task=task,
                                 malformed=verdict.malformed, categories=verdict.categories)
    return out


def _known(fh: Any, task: str, b: Bars) -> _Verdict | None:
    """The verdict on a dataset within ``repository_snapshot()``, or None: read it line by line.

    A content judged before in the snapshot as the same task (datasets are often copied from
    app to app) is not parsed again. Raises OSError.
    """
    cache = memo()
    if cache is None:
        return None
    raw = fh.read(MEMO_DATASET_BYTES + 1)
    if len(raw) > MEMO_DATASET_BYTES:  # it grew since it was checked: read it line by line
        return None
    key = ("cases", task, hashlib.sha256(raw).digest())
    found = cache.get(key)
    if found is None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # the line-by-line reader says how far it got
            return None
        # the lines a text-mode reader yields (universal newlines); a trailing empty piece is blank
        found = cache[key] = _judge(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), task, b)
    return found


def _judge(lines: Iterable[str], task: str, b: Bars) -> _Verdict:
    cases, invalid, malformed, seen, categories = 0, [], [], {}, set()
    for number, record in _records(lines):
        why, key, category = judge_case(record, task, b)
        if why == "not a JSON object":
            invalid.append(number)
        if not why and key in seen:
            why = f"duplicate input (line {seen[key]})"
        if why:
            malformed.append((number, why))
            continue
        seen[key] = number
        cases += 1
        if category:
            categories.add(category)
    return _Verdict(cases, tuple(invalid), tuple(malformed), tuple(sorted(categories)))


def _records(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON or None) of each non-blank line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except ValueError:
            yield number, None


def dataset_problems(ds: DatasetFacts, level: int, bars_: Bars) -> list[str]:
    """Why ``ds`` does not count for a criterion of ``level`` (empty when it does)."""
    b = bars_
    if ds.problem:
        return [f"dataset {ds.name} ({ds.display}) {ds.problem}"]
    problems = []
    if ds.malformed:
        shown = ", ".join(f"{ds.display}:{line}: {why}" for line, why in ds.malformed[:SHOWN_CASES])
        more = f", and {len(ds.malformed) - SHOWN_CASES} more" if len(ds.malformed) > SHOWN_CASES else ""
        problems.append(f"dataset {ds.name} has {len(ds.malformed)} malformed case(s) ({ds.task} fields): {shown}{more}")
    need = b.minimum_cases[level]
    if ds.cases < need:
        problems.append(f"dataset {ds.name} ({ds.display}) has {ds.cases} well-formed cases; level {level} needs {need}")
    if ds.task == RED_TEAM and len(ds.categories) < b.minimum_categories:
        covered = ", ".join(ds.categories) or "none"
        problems.append(f"red-team dataset {ds.name} covers {len(ds.categories)} attack category ({covered}); "
                        f"a red-team set needs {b.minimum_categories}")
    return problems
