"""The benchmark corpus generator and `check --jobs/--timings/--cache` (issue 7)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from llmops_iac.cli import cli
from llmops_iac.pipeline import run

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("bench") / "corpus"
    return out, _generator().generate(out, count=20, seed=11)


def test_generated_specs_validate_and_compile(corpus):
    _, paths = corpus
    assert len(paths) == 20
    result = run("plan", [str(p) for p in paths])
    bad = [(f.path, [str(d) for d in f.errors]) for f in result.files if not f.ok or f.plan is None]
    assert not bad


def test_generator_is_deterministic_and_varied(corpus, tmp_path):
    out, paths = corpus
    again = _generator().generate(tmp_path / "again", count=20, seed=11)
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]
    texts = [p.read_text() for p in paths]
    assert len(set(texts)) == 20
    assert any("provider: sagemaker" in t for t in texts) and any("provider: bedrock" in t for t in texts)


def _check(args: list[str]) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["check", *args])
    return res.exit_code, res.stdout


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_jobs_output_is_identical_to_in_process(corpus, fmt):
    out, _ = corpus
    for target in (str(ROOT / "examples"), str(out)):
        one = _check([target, "--jobs", "1", "--format", fmt])
        two = _check([target, "--jobs", "2", "--format", fmt])
        assert one[0] in (0, 1)
        assert one == two


def test_timings_cover_every_stage_on_stderr():
    res = CliRunner().invoke(cli, ["check", str(ROOT / "examples"), "--jobs", "1", "--timings", "--format", "json"])
    assert res.exit_code in (0, 1)
    assert res.stdout.lstrip().startswith("{")  # the table never goes into JSON output
    for stage in ("load", "validate", "compile", "cost", "maturity", "policy"):
        assert stage in res.stderr


def test_cache_hit_is_identical_and_change_is_a_miss(corpus, tmp_path):
    out, paths = corpus
    cache = str(tmp_path / "cache")
    cold = _check([str(out), "--jobs", "1", "--format", "json", "--cache", cache])
    warm_result = run("check", [str(out)], cache=cache)
    assert all(f.timings == {"cache": 0.0} for f in warm_result.files)
    warm = _check([str(out), "--jobs", "2", "--format", "json", "--cache", cache])
    assert cold == warm
    prompt = next(p for p in sorted(out.rglob("prompts/*.txt")))
    prompt.write_text(prompt.read_text() + "\nchanged\n")
    again = run("check", [str(out)], cache=cache)
    assert sum("cache" not in f.timings for f in again.files) >= 1


# Workers are forked from a fork server (pipeline_parallel.worker_context), not from this process: the crash is
# planted by a module the fork server preloads, so every worker has it (a worker dies on spec 0005).
CRASH_HOOK = """
import os
import llmops_iac.pipeline_stages as pipeline
real = pipeline._check_file
def crash(path, *args, **kwargs):
    if "0005" in path:
        os._exit(9)
    return real(path, *args, **kwargs)
pipeline._check_file = crash
"""
CRASH = """
import sys
import llmops_iac.pipeline_parallel as pipeline_parallel
from llmops_iac.cli import main
pipeline_parallel.WORKER_MODULES.append("crashhook")  # found through PYTHONPATH (the fork server ignores sys.path on 3.11)
sys.argv = ["llmops-iac", "check", sys.argv[1], "--jobs", "2", "--format", "json"]
main()
"""


def test_a_crashing_worker_fails_closed(corpus, tmp_path):
    import subprocess
    import sys

    out, _ = corpus
    (tmp_path / "crashhook.py").write_text(CRASH_HOOK)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", CRASH, str(out)], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=env)
    assert proc.returncode == 3, proc.stderr
    assert "worker" in proc.stderr
    assert proc.stdout == ""
