"""Lighter installs (issue 13): ``pip install llmops-iac`` gives the check path and nothing it does not use.

The base requirements leave out the Pulumi provider SDKs (the ``deploy`` extra) and sagemaker-core with its
scipy/pandas/numpy stack (its image config is vendored). Proven three ways: the base requirements' dependency
closure over the installed distributions' metadata; pip's own resolution of a plain install (``--dry-run
--report``); and every check-path command run in a subprocess where only the base closure can be imported or
read: any other distribution's module raises ImportError (as if not installed, which a lazy import guarded by
``except ImportError`` would hide, so each attempt is also logged), and an audit hook logs every file opened
inside another distribution (the image config used to be read from sagemaker-core's folder without importing it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.conftest import EXAMPLES, ROOT

PROVIDER_SDKS = {"pulumi", "pulumi-aws", "pulumi-aws-native", "pulumi-policy"}
SCIENTIFIC = {"sagemaker-core", "scipy", "pandas", "numpy"}
ENGINE = "opa-golib-python-bindings"  # installed apart (--no-deps --ignore-requires-python): see README
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed() -> dict[str, metadata.Distribution]:
    return {_norm(d.metadata["Name"]): d for d in metadata.distributions()}


def closure(requirements: list[str], installed: dict[str, metadata.Distribution]) -> set[str]:
    """The distributions ``requirements`` pull in, following the installed distributions' Requires-Dist."""
    seen: set[str] = set()
    todo = [(Requirement(r), "") for r in requirements]
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        name = _norm(req.name)
        for wanted in [""] + sorted(req.extras):
            if (name, wanted) in seen:
                continue
            seen.add((name, wanted))
            assert name in installed, f"{name} (required through {req}) is not installed: run `make install`"
            todo += [(Requirement(r), wanted) for r in installed[name].requires or []]
    return {name for name, _ in seen}


def test_the_base_install_leaves_out_the_provider_sdks_and_the_scipy_stack():
    installed = _installed()
    base = closure(PYPROJECT["dependencies"], installed)
    assert {"click", "pyyaml", "cerberus", "boto3", "detect-secrets"} <= base
    assert base & (PROVIDER_SDKS | SCIENTIFIC) == set(), sorted(base & (PROVIDER_SDKS | SCIENTIFIC))
    # the Pulumi program's requirements name this extra: it must stay, and hold exactly the provider SDKs
    extras = PYPROJECT["optional-dependencies"]
    assert {_norm(Requirement(r).name) for r in extras["deploy"]} == PROVIDER_SDKS
    assert PROVIDER_SDKS <= closure(["llmops-iac[deploy]"], installed)
    # the full development environment (`make install`: .[test,deploy]) still has all of it
    assert (PROVIDER_SDKS | SCIENTIFIC) <= closure(["llmops-iac[test,deploy]"], installed)


def test_pip_resolves_a_plain_install_without_them(tmp_path):
    """pip's resolver, against the package index, for ``pip install .`` into an empty environment."""
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--dry-run",
         "--ignore-installed", "--report", str(report), str(ROOT)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    names = {_norm(item["metadata"]["name"]) for item in json.loads(report.read_text())["install"]}
    assert "llmops-iac" in names and "boto3" in names
    assert names & (PROVIDER_SDKS | SCIENTIFIC) == set(), sorted(names)
    assert len(names) < 25, sorted(names)


# --- the check path imports and reads nothing beyond the base install -------------------------------------------

SITECUSTOMIZE = '''
import json, os, sys

with open(os.environ["LIGHT_INSTALL_RULES"], encoding="utf-8") as _fh:
    _RULES = json.load(_fh)
_BLOCKED = frozenset(_RULES["modules"])
_DIRS = tuple(_RULES["dirs"])
_LOG = os.environ["LIGHT_INSTALL_LOG"]


def _note(what):
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()} {what}\\n")


class _NotInstalled:
    """Modules of distributions a plain install does not have: not found, as if absent (and logged)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] in _BLOCKED:
            _note(f"import {name}")
            raise ModuleNotFoundError(f"No module named {name!r} (not in the base install)", name=name)
        return None


def _audit(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].startswith(_DIRS):
        _note(f"open {args[0]}")


sys.meta_path.insert(0, _NotInstalled)
sys.addaudithook(_audit)
with open(os.environ["LIGHT_INSTALL_STARTS"], "a", encoding="utf-8") as _fh:  # every process runs guarded
    _fh.write(json.dumps(sys.argv) + "\\n")
'''


@pytest.fixture(scope="module")
def base_only(tmp_path_factory) -> tuple[dict[str, str], Path, Path]:
    """An environment (for subprocesses) in which only the base install, the OPA engine and the standard
    library can be imported or read; returns it, the log of what was attempted beyond that, and the log of
    the processes that ran guarded."""
    installed = _installed()
    allowed = closure(PYPROJECT["dependencies"], installed) | {"llmops-iac", ENGINE}
    modules: set[str] = set()
    for module, dists in metadata.packages_distributions().items():
        if not {_norm(d) for d in dists} & allowed:
            modules.add(module)
    assert {"pulumi", "pulumi_aws", "pulumi_aws_native", "pulumi_policy", "sagemaker", "scipy", "pandas",
            "numpy"} <= modules
    dirs: set[str] = set()
    keep: set[str] = set()
    for name, dist in installed.items():
        tops = {str(f).split("/")[0] for f in dist.files or [] if not str(f).startswith("..")}
        roots = {os.path.realpath(dist.locate_file(t)) for t in tops if t not in ("__pycache__",)}
        (keep if name in allowed else dirs).update(roots)
    dirs -= keep  # a folder two distributions share (none today) stays readable
    root = tmp_path_factory.mktemp("base-only")
    (root / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    rules = root / "rules.json"
    rules.write_text(json.dumps({"modules": sorted(modules), "dirs": sorted(d + os.sep for d in dirs)}))
    log, starts = root / "attempts.log", root / "starts.log"
    env = {k: v for k, v in os.environ.items() if k not in ("OPA_URL", "LLMOPS_IAC_DEBUG")}
    env.update(PYTHONPATH=str(root), LIGHT_INSTALL_RULES=str(rules), LIGHT_INSTALL_LOG=str(log),
               LIGHT_INSTALL_STARTS=str(starts))
    return env, log, starts


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """20 copies of the examples (with their prompt and dataset files): enough for `check --jobs 2` to start
    worker processes (pipeline.PARALLEL_FROM)."""
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(EXAMPLES / "prompts", root / "prompts")
    shutil.copytree(EXAMPLES / "evaluation", root / "evaluation")
    examples = sorted(EXAMPLES.glob("*.yaml"))
    for i in range(20):
        shutil.copy(examples[i % len(examples)], root / f"{examples[i % len(examples)].stem}-{i:02d}.yaml")
    return root


CHECK_PATH = {
    "validate": (["validate", *map(str, sorted(EXAMPLES.glob("*.yaml")))], {0}),
    "plan": (["plan", str(EXAMPLES / "self-hosted-llama.yaml"), "--format", "json", "--out", "-"], {0}),
    "check": (["check", str(EXAMPLES), "--jobs", "1"], {0, 1}),
    "check-jobs-2": (["check", "CORPUS", "--jobs", "2", "--format", "sarif"], {0, 1}),  # the workers too
    "policy-check": (["policy", "check", str(EXAMPLES / "self-hosted-llama.yaml")], {0, 1}),
    "policy-test": (["policy", "test"], {0}),
    "cost": (["cost", str(EXAMPLES / "self-hosted-llama.yaml")], {0, 1}),
    "maturity": (["maturity", str(EXAMPLES / "support-assistant.yaml"), "--stack", "prod"], {0, 1}),
    "schema": (["schema"], {0}),
}


@pytest.mark.parametrize(("args", "codes"), CHECK_PATH.values(), ids=CHECK_PATH)
def test_the_check_path_needs_nothing_beyond_the_base_install(base_only, corpus, args, codes):
    env, log, starts = base_only
    log.unlink(missing_ok=True)
    starts.unlink(missing_ok=True)
    args = [str(corpus) if a == "CORPUS" else a for a in args]
    command = [sys.executable, "-c", "import sys; from llmops_iac.cli import main; sys.argv[0] = 'llmops-iac'; main()"]
    result = subprocess.run([*command, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    attempts = log.read_text(encoding="utf-8") if log.exists() else ""
    assert attempts == "", f"beyond the base install:\n{attempts}"
    assert result.returncode in codes, (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr
    started = [json.loads(line) for line in starts.read_text(encoding="utf-8").splitlines()]
    assert started[0][0] == "-c" and started[0][1:] == args
    if "--jobs" in args and args[args.index("--jobs") + 1] != "1":
        # the fork server (and multiprocessing's resource tracker) started guarded; the workers are forked from it
        assert len(started) >= 2 and all(argv == ["-c"] for argv in started[1:]), started


def test_the_guard_itself_catches_an_import_and_a_read(base_only):
    """The environment above would notice: importing pulumi fails and is logged, and so is reading a file of
    sagemaker-core's (what the image resolver did before its config was vendored)."""
    env, log, _ = base_only
    log.unlink(missing_ok=True)
    code = ("import importlib.metadata as m\n"
            "try:\n    import pulumi_aws\nexcept ImportError as e:\n    print('BLOCKED', e)\n"
            "f = m.distribution('sagemaker-core').locate_file('sagemaker/core/image_uri_config/vllm.json')\n"
            "open(f).close()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "BLOCKED No module named 'pulumi_aws' (not in the base install)" in result.stdout
    attempts = log.read_text(encoding="utf-8")
    assert " import pulumi_aws\n" in attempts and "sagemaker/core/image_uri_config/vllm.json" in attempts, attempts


# --- the OPA engine: a plain install plus the one command the error names -------------------------------------


def test_without_the_engine_check_exits_3_naming_the_one_command_that_installs_it(tmp_path):
    """opa-golib-python-bindings cannot be a dependency (it declares Requires-Python >= 3.14 and runs on 3.11),
    so a plain `pip install llmops-iac` has no engine: `check` is no verdict (exit 3), and its last line is
    the command for the interpreter that runs llmops-iac. That command resolves to the engine on this Python."""
    import shlex

    from llmops_iac.policy.reference import INSTALL
    from tests.conftest import console_script

    shim = tmp_path / "opa_bindings"  # as if not installed
    shim.mkdir()
    (shim / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'opa_bindings'\")\n")
    env = {k: v for k, v in os.environ.items() if k not in ("OPA_URL", "LLMOPS_IAC_DEBUG")}
    env["PYTHONPATH"] = str(tmp_path)
    result = subprocess.run([str(console_script()), "check", str(EXAMPLES / "minimal.yaml")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    command = result.stderr.rstrip("\n").splitlines()[-1].strip()
    interpreter = Path(console_script().read_text(encoding="utf-8").splitlines()[0].removeprefix("#!"))
    assert command == f"{shlex.quote(str(interpreter))} -m {INSTALL}", result.stderr
    # the command itself: pip accepts it and installs exactly the engine (dry run, against the package index)
    report = tmp_path / "report.json"
    argv = [*shlex.split(command), "--dry-run", "--ignore-installed", "--quiet", "--report", str(report)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    installs = [(i["metadata"]["name"], i["metadata"]["version"]) for i in json.loads(report.read_text())["install"]]
    assert installs == [("opa-golib-python-bindings", "0.4.4")]
