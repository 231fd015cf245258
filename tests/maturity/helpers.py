"""Shared helpers for the maturity tests: a fixed assessment date and cached assessments of the examples."""

from __future__ import annotations

import contextlib
import datetime
import functools
import os
from pathlib import Path
from typing import Iterator

from llmops_iac.maturity.assess import Assessment, assess
from llmops_iac.evaluation.results_file import load_all
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES, ROOT

TODAY = datetime.date(2026, 6, 1)
"""The date every test assesses on, so waiver expiry and goldens do not move with the calendar."""

REPOS = ROOT / "tests" / "fixtures" / "repos"
FIXTURE_SPECS = {"mature": REPOS / "mature" / "specs" / "llmapp.yaml", "partial": REPOS / "partial" / "app" / "llmapp.yaml"}
EXAMPLE_NAMES = tuple(p.stem for p in sorted(EXAMPLES.glob("*.yaml")))


@contextlib.contextmanager
def at_root() -> Iterator[None]:
    """Run from the repository root, so file paths in reports are the same wherever pytest started."""
    before = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(before)


@functools.lru_cache(maxsize=None)
def example(name: str, environment: str | None = None) -> Assessment:
    """The assessment of examples/<name>.yaml (no repository evidence)."""
    with at_root():
        return assess(load_spec(f"examples/{name}.yaml", environment=environment), today=TODAY)


@functools.lru_cache(maxsize=None)
def fixture_repo(name: str) -> Assessment:
    """The assessment of the spec in tests/fixtures/repos/<name>, with that directory as the repository."""
    with at_root():
        spec = FIXTURE_SPECS[name].relative_to(ROOT)
        committed = tuple(str(p.relative_to(ROOT)) for p in sorted((REPOS / name / "eval").glob("*.json")))
        return assess(load_spec(str(spec)), repo=f"tests/fixtures/repos/{name}", today=TODAY,
                      eval_results=load_all(committed) if committed else None)


def case(name: str) -> Assessment:
    """``example-<name>`` or ``repo-<name>``."""
    kind, _, rest = name.partition("-")
    return example(rest) if kind == "example" else fixture_repo(rest)


CASES = tuple(f"example-{n}" for n in EXAMPLE_NAMES) + tuple(f"repo-{n}" for n in FIXTURE_SPECS)


def outcomes(a: Assessment) -> dict[str, str]:
    return {r.id: r.outcome for r in a.criteria}


def write_spec(tmp_path: Path, text: str, name: str = "llmapp.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
