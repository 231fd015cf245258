"""`check --cache DIR` reads entries as data: a planted entry can neither run code nor is it built from
anything but llmops-iac's own result types (issue #12: no pass that was not earned).

The attacker writes the cache directory (a CI cache restored from an untrusted run): an entry at the right
key whose pickle calls ``os.system`` used to run it when the spec was checked, and its result — whatever it
said — was reported.
"""

from __future__ import annotations

import glob
import os
import pickle
import shutil
from pathlib import Path

from llmops_iac.pipeline import run

ROOT = Path(__file__).resolve().parents[1]


class _Planted:
    """Unpickles as ``os.system(command)``."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def _warm_cache(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    spec = tmp_path / "app" / "minimal.yaml"
    spec.parent.mkdir()
    shutil.copy(ROOT / "examples" / "minimal.yaml", spec)
    cache = tmp_path / "cache"
    run("check", [str(spec)], cache=str(cache))
    entries = glob.glob(str(cache / "*" / "*.pickle"))
    assert len(entries) == 1
    return spec, cache, entries


def test_a_planted_entry_that_runs_code_is_a_miss_and_never_runs(tmp_path):
    spec, cache, entries = _warm_cache(tmp_path)
    marker = tmp_path / "pwned"
    with open(entries[0], "wb") as fh:
        pickle.dump(([], _Planted(f"touch {marker}")), fh)
    result = run("check", [str(spec)], cache=str(cache))
    assert not marker.exists(), "the planted cache entry ran code"
    assert all("cache" not in f.timings for f in result.files)  # judged again, not read from the entry


def test_a_planted_entry_naming_a_function_of_the_package_is_a_miss(tmp_path):
    spec, cache, entries = _warm_cache(tmp_path)

    class _CallsOurs:
        def __reduce__(self):
            from llmops_iac import output_paths
            return (output_paths.usable_cache, ("/nonexistent-dir-x",))  # a package function, not a result type

    with open(entries[0], "wb") as fh:
        pickle.dump(([], [_CallsOurs()]), fh)
    result = run("check", [str(spec)], cache=str(cache))
    assert all("cache" not in f.timings for f in result.files)


def test_an_honest_entry_is_still_a_hit(tmp_path):
    spec, cache, _ = _warm_cache(tmp_path)
    result = run("check", [str(spec)], cache=str(cache))
    assert result.files and all(f.timings == {"cache": 0.0} for f in result.files)
