"""Internals behind large runs: GOGC in the workers' start environment, work chunks, the repository
snapshot of maturity evidence, environment views of a loaded spec, and compact `check` results."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
import yaml

from llmops_iac import pipeline, pipeline_parallel
from llmops_iac.compile import compile_spec
from llmops_iac.errors import SpecError
from llmops_iac.maturity import evidence
from llmops_iac.maturity import repo as repo_mod
from llmops_iac.policy.reference import GOGC
from llmops_iac.report import renderers
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES, ROOT
from tests.maturity.helpers import TODAY

# -- 1. GOGC reaches the workers' *start* environment ------------------------------------------------

# The worker runs builtins.exec (picklable by reference; a function of a `-c` script is not) and reports
# GOGC as found in /proc/self/environ: the environment the process was started with, which is what Go reads.
WORKER_CODE = """\
raw = open("/proc/self/environ", "rb").read().split(b"\\0")
env = dict(item.split(b"=", 1) for item in raw if b"=" in item)
q.put(env.get(b"GOGC", b"<unset>").decode())
"""
PARENT_CODE = f"""\
import multiprocessing, os
from llmops_iac import pipeline_parallel
context = pipeline_parallel.worker_context()
assert context.get_start_method() == "forkserver", context.get_start_method()
q = context.Queue()
p = context.Process(target=exec, args=({WORKER_CODE!r}, {{"q": q}}))
p.start()
seen = q.get(timeout=50)
p.join(50)
print("parent", os.environ.get("GOGC"), "worker", seen, "exit", p.exitcode)
"""


def worker_gogc(gogc: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "GOGC"}
    if gogc is not None:
        env["GOGC"] = gogc
    done = subprocess.run([sys.executable, "-c", PARENT_CODE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_worker_context_starts_workers_with_gogc_in_their_environment():
    assert GOGC == "400"
    assert worker_gogc(None) == "parent 400 worker 400 exit 0"


def test_worker_context_keeps_a_gogc_the_user_set():
    assert worker_gogc("250") == "parent 250 worker 250 exit 0"


# -- 2. chunks of work --------------------------------------------------------------------------------

@pytest.mark.parametrize("count, jobs", [(1000, 2), (1000, 8), (17, 4), (100, 3), (5, 16), (1, 2)])
def test_chunks_cover_every_file_once_in_order_and_stay_small(count, jobs):
    indexed = [(i, f"spec-{i}.yaml") for i in range(count)]
    chunks = pipeline_parallel.split(indexed, jobs)
    assert [item for chunk in chunks for item in chunk] == indexed
    assert all(1 <= len(chunk) <= 16 for chunk in chunks)


def test_chunks_split_the_tail_so_workers_finish_together():
    chunks = pipeline_parallel.split([(i, f"spec-{i}.yaml") for i in range(1000)], 2)
    sizes = [len(c) for c in chunks]
    assert sizes[-1] < sizes[0] and sizes[-2] < sizes[0]
    assert sizes == sorted(sizes, reverse=True)  # big chunks first, the small ones only at the end
    assert sum(1 for s in sizes if s < sizes[0]) >= 2 * 2  # enough small tail chunks for every worker


def test_chunks_of_one_file_and_of_none():
    assert pipeline_parallel.split([(0, "a.yaml")], 4) == [[(0, "a.yaml")]]
    assert pipeline_parallel.split([], 4) == []


# -- 3. the repository snapshot of maturity evidence -------------------------------------------------

CHECKING_CI = "on: [pull_request]\njobs:\n  check:\n    runs-on: ubuntu-latest\n    steps:\n      - run: llmops-iac check .\n"
OTHER_CI = "on: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n"


@pytest.fixture
def repo(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(CHECKING_CI, encoding="utf-8")
    shutil.copy(EXAMPLES / "minimal.yaml", tmp_path / "llmapp.yaml")
    loaded = load_spec(str(tmp_path / "llmapp.yaml"))
    plan = compile_spec(loaded)

    def ci():
        """The CI facts of a fresh collection of the spec's evidence: {path: (checks, their trigger lines)}."""
        facts = evidence.collect(loaded, plan, repo=tmp_path, today=TODAY).repo.ci
        return {c.path: ([r.text for r in c.of("check")], [t.line for r in c.of("check") for t in r.triggers])
                for c in facts}

    def change():
        (tmp_path / ".github" / "workflows" / "ci.yml").write_text(OTHER_CI, encoding="utf-8")
        (tmp_path / ".github" / "workflows" / "extra.yml").write_text(CHECKING_CI, encoding="utf-8")

    return ci, change


BEFORE = {".github/workflows/ci.yml": (["llmops-iac check ."], [1])}
AFTER = {".github/workflows/ci.yml": ([], []), ".github/workflows/extra.yml": BEFORE[".github/workflows/ci.yml"]}


def test_snapshot_scans_each_repository_once(repo, monkeypatch):
    ci, change = repo
    scans = []
    scan = repo_mod._read
    monkeypatch.setattr(repo_mod, "_read", lambda root: scans.append(root) or scan(root))
    with repo_mod.repository_snapshot():
        assert ci() == BEFORE
        change()
        assert ci() == BEFORE  # the snapshot, not the changed file
    assert len(scans) == 1
    assert repo_mod._snapshot is None


def test_without_snapshot_every_assessment_reads_the_repository(repo):
    ci, change = repo
    assert repo_mod._snapshot is None
    assert ci() == BEFORE
    change()
    assert ci() == AFTER


def test_nested_snapshot_keeps_the_outer_one(repo):
    ci, change = repo
    with repo_mod.repository_snapshot():
        outer = repo_mod._snapshot
        assert ci() == BEFORE
        with repo_mod.repository_snapshot():
            assert repo_mod._snapshot is outer
            change()
            assert ci() == BEFORE
        assert repo_mod._snapshot is outer  # the inner block's end does not end the outer snapshot
        assert ci() == BEFORE
    assert repo_mod._snapshot is None
    assert ci() == AFTER


# -- 4. environment views of a loaded spec -----------------------------------------------------------

SUPPORT = EXAMPLES / "support-assistant.yaml"


def test_view_equals_loading_for_that_environment():
    loaded = load_spec(str(SUPPORT))
    assert loaded.environment is None
    prod = loaded.view("prod")
    direct = load_spec(str(SUPPORT), environment="prod")
    assert prod.environment == direct.environment == "prod"
    assert prod.data == direct.data and prod.data != loaded.data
    assert loaded.view("prod") is prod
    assert loaded.view(None) is loaded


def test_view_is_built_once_and_own_environment_is_the_spec_itself():
    dev = load_spec(str(SUPPORT), environment="dev")
    assert dev.view("dev") is dev
    prod = dev.view("prod")  # not built by the loader (it was given an environment): resolved here
    assert prod.data == load_spec(str(SUPPORT), environment="prod").data
    assert dev.view("prod") is prod


def test_declared_environments_are_the_overrides_as_written():
    written = yaml.safe_load(SUPPORT.read_text(encoding="utf-8"))["spec"]["environments"]
    assert sorted(written) == ["dev", "prod"]
    assert load_spec(str(SUPPORT)).declared_environments == written
    assert load_spec(str(SUPPORT), environment="prod").declared_environments == written
    assert "environments" not in load_spec(str(SUPPORT)).data["spec"]


def test_view_of_an_environment_with_invalid_overrides_raises(tmp_path):
    path = tmp_path / "llmapp.yaml"
    path.write_text("apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata: {name: hello-llm}\n" + textwrap.dedent("""\
        spec:
          environments:
            dev:
              monitoring: {logRetentionDays: 30}
            prod:
              monitoring: {logRetentionDays: "a year"}
        """), encoding="utf-8")
    with pytest.raises(SpecError):
        load_spec(str(path))  # every environment is checked without one
    dev = load_spec(str(path), environment="dev")
    with pytest.raises(SpecError) as caught:
        dev.view("prod")
    assert any("logRetentionDays" in d.message for d in caught.value.diagnostics)
    assert "prod" not in dev._views


# -- 5. compact results of `check` -------------------------------------------------------------------

MINIMAL = EXAMPLES / "minimal.yaml"


def test_check_keeps_only_what_reports_show(monkeypatch):
    monkeypatch.chdir(ROOT)
    digest = hashlib.sha256(MINIMAL.read_bytes()).hexdigest()
    result = pipeline.run("check", [str(MINIMAL)], policy=pipeline.PolicyOptions(today=TODAY))
    (f,) = result.files
    assert f.ok and f.policy is not None
    assert (f.loaded, f.plan, f.maturity, f.cost) == (None, None, None, None)
    assert f.sha256 == digest
    (reported,) = json.loads(renderers()["json"](result))["files"]
    assert reported["sha256"] == digest
    (planned,) = pipeline.run("plan", [str(MINIMAL)]).files
    assert planned.loaded is not None and planned.plan is not None and planned.sha256 == digest
