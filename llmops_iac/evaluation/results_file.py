"""Reading a results file for `check --eval-results` and `maturity --eval-results`: strictly, or exit 2.

A results file is evidence, so it is held to more than its schema (schemas/eval-results.schema.json):
- it must resolve inside the git repository that holds it (a symbolic link out of it, or into .git, is
  refused: evidence is what the repository holds, the rules of llmops_iac/spec/files.py);
- strict JSON: no NaN or Infinity, no duplicate keys; every value where the schema says;
- every gate metric one of the spec schema's; no gate measured twice in one file; ``createdAt`` a real
  date-time, not in the future.
Any problem is a diagnostic at file:line (exit 2): a results file that cannot be read as written never
judges a gate, and is never silently skipped.
"""

from __future__ import annotations

from llmops_iac.shown_paths import shown_path

import datetime as dt
import functools
import os
from dataclasses import dataclass
from typing import Any

from llmops_iac.errors import Diagnostic, SpecError
from llmops_iac.evaluation.inputs import decode, problem

MAX_RESULTS_BYTES = 16 * 1024 * 1024
FUTURE_SKEW = dt.timedelta(minutes=5)
"""How far in the future a createdAt may be (clock skew between the machine that ran it and this one)."""


@dataclass(frozen=True)
class ResultsFile:
    """One checked results file: its path as given, its real path, and its data."""

    path: str
    real: str
    data: dict[str, Any]

    @property
    def created(self) -> dt.datetime:
        return parse_time(self.data["createdAt"])

    def policy_data(self) -> dict[str, Any]:
        """What the policy engine sees of this file (input.evaluation.results[])."""
        d = self.data
        return {
            "file": shown_path(self.path),
            "specHash": d["spec"]["specHash"],
            "environment": d["spec"]["environment"],
            "createdAt": d["createdAt"],
            "harness": {"name": d["harness"]["name"], "version": d["harness"]["version"]},
            "datasets": {name: entry["sha256"] for name, entry in d["datasets"].items()},
            "gates": [{"metric": g["metric"], "dataset": g["dataset"], "target": g.get("target"), "value": g["value"],
                       "cases": g["cases"], "errors": g["errors"]} for g in d["gates"]],
        }


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    from llmops_iac.resources import load_json
    from llmops_iac.spec.jsonschema_lite import Validator

    return Validator(load_json("schemas", "eval-results.schema.json"))


def _gate_metrics() -> set[str]:
    from llmops_iac.spec.validate import schema

    return set(schema()["$defs"]["gate"]["properties"]["metric"]["enum"])


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def load(path: str, *, now: dt.datetime | None = None) -> ResultsFile:
    """Read and check the results file at ``path``; raise SpecError (exit 2) listing what is wrong."""
    from llmops_iac.spec.files import FileRefError, SpecFiles
    from llmops_iac.spec.load import parse

    absolute = os.path.abspath(path)
    files = SpecFiles(os.path.join(os.path.dirname(absolute), ".llmops-iac-eval-results"))
    try:
        raw = files.read(os.path.basename(absolute), "evaluation results", MAX_RESULTS_BYTES)
        real = files.resolve(os.path.basename(absolute), "evaluation results").path
    except FileRefError as exc:
        raise SpecError([problem(path, 0, exc.code, exc.message, exc.hint)]) from None
    text = decode(raw, path, "evaluation results file")
    data, source = parse(text, path if path.endswith(".json") else path + ".json")

    def at(pointer: str, code: str, message: str, hint: str) -> Diagnostic:
        _, line, col = source.locate(pointer)
        return problem(path, line, code, message, hint, pointer, col)

    found = []
    for err in _validator().errors(data):
        found.append(at(err.pointer, f"schema-{err.keyword}", f"{err.pointer or '/'}: {err.message}", err.hint or
                        "write the file as schemas/eval-results.schema.json describes (llmops-iac eval writes it)"))
        if len(found) >= 20:
            break
    if found:
        raise SpecError(found)
    metrics = _gate_metrics()
    seen: dict[tuple[str, str, str | None], int] = {}
    for i, gate in enumerate(data["gates"]):
        if gate["metric"] not in metrics:
            found.append(at(f"/gates/{i}/metric", "unknown-metric", f"gate {i}: {gate['metric']!r} is not a gate metric",
                            "use one of " + ", ".join(sorted(metrics))))
        if gate["dataset"] not in data["datasets"]:
            found.append(at(f"/gates/{i}/dataset", "unknown-dataset", f"gate {i} is on dataset {gate['dataset']!r}, which "
                            "the file's datasets do not hash", "one results file holds one dataset's measurements"))
        if gate.get("target") != data.get("target"):
            found.append(at(f"/gates/{i}", "target-mismatch", f"gate {i} targets {gate.get('target')!r}, the file "
                            f"{data.get('target')!r}", "one results file holds one target's measurements"))
        key = (gate["metric"], gate["dataset"], gate.get("target"))
        if key in seen:
            found.append(at(f"/gates/{i}", "duplicate-gate", f"gate {i} measures {key[0]} on {key[1]} again (gate "
                            f"{seen[key]} already does): which value holds is unknown", "keep one measurement per gate"))
        seen.setdefault(key, i)
    try:
        created = parse_time(data["createdAt"])
    except ValueError:
        found.append(at("/createdAt", "bad-date", f"createdAt {data['createdAt']!r} is not a real date and time",
                        "write YYYY-MM-DDThh:mm:ssZ"))
    else:
        current = now or dt.datetime.now(dt.timezone.utc)
        if created > current + FUTURE_SKEW:
            found.append(at("/createdAt", "future-date", f"createdAt {data['createdAt']} is in the future",
                            "results can't be from later than now: write when they were made"))
    if found:
        raise SpecError(found)
    return ResultsFile(path=path, real=real, data=data)


def load_all(paths: tuple[str, ...] | list[str], *, now: dt.datetime | None = None) -> tuple[ResultsFile, ...]:
    """Every results file, each checked; two files with the same measurement of one spec hash are refused."""
    problems: list[Diagnostic] = []
    out: list[ResultsFile] = []
    for path in paths:
        try:
            out.append(load(path, now=now))
        except SpecError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise SpecError(problems)
    owners: dict[tuple[Any, ...], str] = {}
    for rf in out:
        for g in rf.data["gates"]:
            key = (rf.data["spec"]["specHash"], rf.data["datasets"][g["dataset"]]["sha256"], g["metric"], g["dataset"],
                   g.get("target"))
            if key in owners and owners[key] != rf.real:
                problems.append(problem(rf.path, 0, "duplicate-gate", f"{g['metric']} on {g['dataset']} is measured by "
                                        f"{owners[key]} too, for the same spec and dataset", "pass one of them"))
            owners.setdefault(key, rf.real)
    if problems:
        raise SpecError(problems)
    return tuple(out)
