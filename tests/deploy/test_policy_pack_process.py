"""The policy pack started as `pulumi preview --policy-pack DIR` starts it, with this test as the engine.

Pulumi boots a Python pack by running ``python -u -m pulumi.policy <engine> .`` with the *pack's*
directory as working directory, from the virtualenv PulumiPolicy.yaml names, with the stack's config
in ``PULUMI_CONFIG`` and ``PULUMI_PROJECT`` / ``PULUMI_STACK`` / ``PULUMI_DRY_RUN`` set and the rest
of the environment (``PWD`` included) inherited; the pack prints its gRPC port, and the engine calls
``AnalyzeStack``. Here the pack directory is a copy (as `pulumi policy publish` ships it), its venv the
one `make policy-pack` makes, and the resources those the program registers under mocks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from llmops_iac.compile import compile_spec
from llmops_iac.deploy import program
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES, ROOT
from tests.deploy.conftest import install_mocks, run_program

PACK_DIR = ROOT / "llmops_iac" / "deploy" / "policypack"
SPEC = "examples/minimal.yaml"
ENVIRONMENT = "sandbox"


def test_the_pack_directory_is_self_contained():
    """What `pulumi policy publish` archives: PulumiPolicy.yaml, a venv inside the pack, the dependencies named."""
    import yaml

    files = sorted(p.name for p in PACK_DIR.iterdir() if p.name not in ("__pycache__", "venv"))
    assert files == [".gitignore", "PulumiPolicy.yaml", "__main__.py", "requirements.txt"], files
    project = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python" and project["version"]
    venv = project["runtime"]["options"]["virtualenv"]
    assert not os.path.isabs(venv) and ".." not in Path(venv).parts, f"virtualenv {venv!r} is outside the pack"
    requirements = {line.split(";")[0].split("=")[0].split(">")[0].split("<")[0].strip().lower()
                    for line in (PACK_DIR / "requirements.txt").read_text().splitlines()
                    if line.strip() and not line.startswith("#")}
    import ast

    tree = ast.parse((PACK_DIR / "__main__.py").read_text())
    imported = {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert all(n.level == 0 for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)), "no relative imports"
    assert "sys" not in imported, "no sys.path games: the pack imports installed packages only"
    assert {name.replace("_", "-") for name in imported} <= requirements, (imported, requirements)


def _resources() -> list[dict]:
    """What the program registers for the stack (the engine would pass the same to AnalyzeStack)."""
    plan = compile_spec(load_spec(str(ROOT / SPEC), environment=ENVIRONMENT)).to_data()
    mocks = install_mocks(stack=ENVIRONMENT, config=_stack_config(plan["region"]))
    run_program(lambda: program.main(project_dir=ROOT))
    return [{"type": a.typ, "name": a.name, "urn": f"urn:pulumi:{ENVIRONMENT}::llmops-iac::{a.typ}::{a.name}",
             "props": json.loads(json.dumps(a.inputs))} for a in mocks.created]


def _stack_config(region: str) -> dict[str, str]:
    return {"llmops-iac:spec": SPEC, "llmops-iac:environment": ENVIRONMENT, "aws:region": region,
            "aws-native:region": region}


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """A copy of the pack directory with the venv `make policy-pack` makes for it."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    target = tmp_path_factory.mktemp("published") / "llmops-iac-pack"
    shutil.copytree(PACK_DIR, target, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    subprocess.run(["make", "-s", "-C", str(ROOT), "policy-pack", f"PACK={target}"], check=True, capture_output=True,
                   timeout=300)
    return target


def _analyze(pack: Path, resources: list[dict], *, pwd: Path, config: dict, stack_config: dict) -> list:
    """Start the pack as Pulumi does, configure it, AnalyzeStack, and return the diagnostics."""
    import grpc
    from google.protobuf import struct_pb2
    from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "LLMOPS_IAC_"))}
    env.update(PULUMI_CONFIG=json.dumps(stack_config), PULUMI_PROJECT="llmops-iac", PULUMI_STACK=ENVIRONMENT,
               PULUMI_DRY_RUN="true", PWD=str(pwd))
    proc = subprocess.Popen([str(pack / "venv" / "bin" / "python"), "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."],
                            cwd=pack, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = proc.stdout.readline().strip()
        assert port.isdigit(), f"the pack did not start: {port!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = analyzer_pb2_grpc.AnalyzerStub(channel)
            policy_config = {}
            for name in ("llmops-iac-mandatory", "llmops-iac-advisory"):
                properties = struct_pb2.Struct()
                properties.update(config)
                level = analyzer_pb2.MANDATORY if "mandatory" in name else analyzer_pb2.ADVISORY
                policy_config[name] = analyzer_pb2.PolicyConfig(enforcementLevel=level, properties=properties)
            stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=policy_config), timeout=60)
            request = analyzer_pb2.AnalyzeStackRequest()
            for r in resources:
                props = struct_pb2.Struct()
                props.update(r["props"])
                request.resources.append(analyzer_pb2.AnalyzerResource(type=r["type"], name=r["name"], urn=r["urn"],
                                                                       properties=props))
            return list(stub.AnalyzeStack(request, timeout=240).diagnostics)
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_the_published_pack_judges_the_stack_from_where_pulumi_runs(pack):
    diagnostics = _analyze(pack, _resources(), pwd=ROOT / "examples", config={},
                           stack_config=_stack_config("us-east-1"))
    assert not [d for d in diagnostics if "could not judge" in d.message], [d.message for d in diagnostics]
    assert not [d for d in diagnostics if d.policyName == "llmops-iac-mandatory"], [d.message for d in diagnostics]


def test_the_published_pack_fails_closed_far_from_any_project(pack, tmp_path):
    diagnostics = _analyze(pack, _resources(), pwd=tmp_path, config={}, stack_config=_stack_config("us-east-1"))
    mandatory = [d for d in diagnostics if d.policyName == "llmops-iac-mandatory"]
    assert len(mandatory) == 1 and "cannot find the Pulumi project 'llmops-iac'" in mandatory[0].message, \
        [d.message for d in diagnostics]
    fixed = _analyze(pack, _resources(), pwd=tmp_path, config={"projectDir": str(ROOT)},
                     stack_config=_stack_config("us-east-1"))
    assert not [d for d in fixed if d.policyName == "llmops-iac-mandatory"], [d.message for d in fixed]
