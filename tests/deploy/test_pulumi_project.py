"""Pulumi.yaml works on a fresh machine: `pulumi install` installs exactly what the program needs, and the
config keys the program reads are the ones Pulumi.yaml declares, with types and descriptions.

No Pulumi CLI runs here, so the rules the CLI applies are restated from its documented behaviour
(project file reference; Pulumi's project validation): a project may type or default only keys of its
own namespace; a typed key without a default must be set by every stack; the python runtime with
``toolchain: pip`` and ``virtualenv`` creates the virtual environment and runs
``pip install -r requirements.txt`` in the project directory, and installs nothing without that file.

The same holds for the project `llmops-iac init` writes, whose name is the application's and whose
program reads llmops-iac's keys (like a provider's), which Pulumi.yaml can only describe.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pulumi
import pytest
import yaml

from llmops_iac import __version__
from llmops_iac.compile import compile_spec
from llmops_iac.scaffold import SPEC_FILE, scaffold
from llmops_iac.spec.stacks import CONFIG_KEYS
from llmops_iac.spec.validate import load_spec
from tests.conftest import ROOT
from tests.deploy.conftest import RecordingMocks, assert_plan_deployed, run_program

PROVIDER_KEYS = ("aws:region", "aws-native:region")
"""The provider keys the program reads (program.read_settings): described in Pulumi.yaml's comments, never typed."""


def _project(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _qualified(project: dict, key: str) -> str:
    return key if ":" in key else f"{project['name']}:{key}"


def pulumi_rules(project: dict) -> list[str]:
    """What Pulumi refuses in a project file's config block (its project validation), restated."""
    problems = []
    name = project["name"]
    for key, decl in (project.get("config") or {}).items():
        own = ":" not in key or key.startswith(name + ":")
        if not isinstance(decl, dict):
            continue  # shorthand: a default (own key) or a value (other namespace)
        if "default" in decl and "value" in decl:
            problems.append(f"{key}: both default and value")
        if own:
            if decl.get("type") not in ("string", "integer", "boolean", "array", None):
                problems.append(f"{key}: unknown type {decl.get('type')!r}")
            if decl.get("type") == "string" and "default" in decl and not isinstance(decl["default"], str):
                problems.append(f"{key}: default is not a string")
        else:
            if "type" in decl:
                problems.append(f"{key} is not namespaced by the project and should not define a type")
            if "default" in decl:
                problems.append(f"{key} is not namespaced by the project and should not define a default value")
            if "value" not in decl:
                problems.append(f"{key} is namespaced and must provide an attribute 'value'")
    return problems


def read_config_keys() -> set[str]:
    """Every config key llmops_iac/deploy/ reads: ``X.get/require…("key")`` where X is ``pulumi.Config(NS)`` or a name
    bound to one in the same module."""
    from llmops_iac.spec.stacks import PROJECT

    def namespace(call: ast.AST) -> str | None:
        if not (isinstance(call, ast.Call) and getattr(call.func, "attr", getattr(call.func, "id", "")) == "Config"):
            return None
        if not call.args:
            return "<project>"
        arg = call.args[0]
        if isinstance(arg, ast.Constant):
            return arg.value
        return PROJECT if isinstance(arg, ast.Name) and arg.id == "PROJECT" else f"<{ast.unparse(arg)}>"

    reads: set[str] = set()
    for path in (ROOT / "llmops_iac" / "deploy").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bound = {t.id: namespace(n.value) for n in ast.walk(tree) if isinstance(n, ast.Assign) and namespace(n.value)
                 for t in n.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr.startswith(("get", "require"))):
                continue
            owner = node.func.value
            ns = namespace(owner) or (bound.get(owner.id) if isinstance(owner, ast.Name) else None)
            if ns is None:
                continue
            key = node.args[0] if node.args else None
            reads.add(f"{ns}:{key.value if isinstance(key, ast.Constant) else '<' + ast.unparse(key) + '>'}")
    return reads


def test_the_program_reads_exactly_the_known_keys():
    """The reader above finds what read_settings uses; if the program learns a key, this test (and Pulumi.yaml) follow.
    The capacity carry-over also reads the aws provider's own settings (profile, assumed roles, endpoints: the keys
    of provider_session.PROVIDER_KEYS, through one loop), which the provider documents; they are optional."""
    from llmops_iac.deploy.provider_session import PROVIDER_KEYS as SESSION_KEYS

    reads = read_config_keys()
    assert "aws:<k>" in reads  # the loop over SESSION_KEYS in program.deploy
    assert reads - {"aws:<k>"} == set(CONFIG_KEYS) | set(PROVIDER_KEYS)
    assert {f"aws:{k}" for k in SESSION_KEYS} >= {k for k in PROVIDER_KEYS if k.startswith("aws:")}


# --- this repository's Pulumi.yaml ------------------------------------------------------------------------------------

def test_every_key_the_program_reads_is_declared_with_type_and_description_and_vice_versa():
    project = _project(ROOT / "Pulumi.yaml")
    assert project["name"] == "llmops-iac"
    declared = {_qualified(project, k): v for k, v in (project.get("config") or {}).items()}
    own = {k for k in read_config_keys() if k.startswith(project["name"] + ":")}
    assert set(declared) == own == set(CONFIG_KEYS)
    for key, decl in declared.items():
        assert isinstance(decl, dict) and decl.get("type") == "string", key
        assert isinstance(decl.get("description"), str) and len(decl["description"]) > 20, key
    text = (ROOT / "Pulumi.yaml").read_text(encoding="utf-8")
    for key in PROVIDER_KEYS:
        assert re.search(rf"^#\s+{re.escape(key)}\s+string", text, re.M), f"{key} is not described"
    assert pulumi_rules(project) == []


def test_every_stack_sets_what_pulumi_will_require_with_the_declared_types():
    project = _project(ROOT / "Pulumi.yaml")
    required = {_qualified(project, k) for k, v in project["config"].items() if "default" not in v}
    assert required == {"llmops-iac:spec"}
    stacks = sorted((ROOT / project["stackConfigDir"]).glob("Pulumi.*.yaml"))
    assert stacks
    for stack in stacks:
        config = _project(stack)["config"]
        assert required <= set(config), stack.name
        for key in project["config"]:
            if _qualified(project, key) in config:
                assert isinstance(config[_qualified(project, key)], str), (stack.name, key)
        assert "aws:region" in config, stack.name  # the program requires it (read_settings)


def test_the_environment_default_pulumi_applies_means_the_stack_name():
    """Pulumi passes Pulumi.yaml's default ("") when a stack leaves the key out: the program takes the stack name."""
    from llmops_iac.deploy import program

    default = _project(ROOT / "Pulumi.yaml")["config"]["llmops-iac:environment"]["default"]
    plan = compile_spec(load_spec(str(ROOT / "examples" / "support-assistant.yaml"), environment="prod")).to_data()
    mocks = _mocks("llmops-iac", "prod", {"llmops-iac:spec": "examples/support-assistant.yaml",
                                         "llmops-iac:environment": default, "aws:region": plan["region"],
                                         "aws-native:region": plan["region"]})
    exports = run_program(lambda: program.main(project_dir=ROOT))
    assert_plan_deployed(plan, mocks, exports)


def test_pulumi_install_installs_this_checkout_with_its_deploy_extra():
    project = _project(ROOT / "Pulumi.yaml")
    options = project["runtime"]["options"]
    assert project["runtime"]["name"] == "python"
    assert options == {"toolchain": "pip", "virtualenv": ".venv"}
    assert _requirements(ROOT / "requirements.txt") == ["-e .[deploy]"]
    main = ROOT / project.get("main", ".") / "__main__.py"
    assert main.is_file()


def _requirements(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]


# --- what the program needs, and what llmops-iac[deploy] installs ----------------------------------------------------

def _closure(requirement: str, extras: frozenset[str] = frozenset(), seen: set[str] | None = None) -> set[str]:
    """The normalised names of the distributions `pip install requirement[extras]` installs (from installed metadata)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen = set() if seen is None else seen
    name = canonicalize_name(requirement)
    key = f"{name}[{','.join(sorted(extras))}]"
    if key in seen:
        return seen
    seen.add(key)
    seen.add(name)
    for line in md.requires(name) or []:
        req = Requirement(line)
        wanted = [{"extra": e} for e in extras] or [{"extra": ""}]
        if req.marker is None or any(req.marker.evaluate(env) for env in wanted):
            _closure(req.name, frozenset(req.extras), seen)
    return {s for s in seen if "[" not in s}


def _distribution_of_files() -> dict[str, str]:
    """Installed file path -> normalised distribution name."""
    from packaging.utils import canonicalize_name

    owner = {}
    for dist in md.distributions():
        for f in dist.files or []:
            owner[os.path.realpath(dist.locate_file(f))] = canonicalize_name(dist.metadata["Name"])
    return owner


_RUN = r"""
import json, os, sys
import pulumi
from pulumi.runtime import settings
from tests.deploy.conftest import RecordingMocks

before = set(sys.modules)
opened = set()
sys.addaudithook(lambda event, args: opened.add(os.path.realpath(os.fsdecode(args[0])))
                 if event == "open" and args and isinstance(args[0], (str, bytes)) else None)
from llmops_iac.deploy import program
for spec, env, region in json.loads(sys.argv[1]):
    settings.reset_options()
    pulumi.runtime.set_all_config({"llmops-iac:spec": spec, "llmops-iac:environment": env, "aws:region": region,
                                   "aws-native:region": region})
    pulumi.runtime.set_mocks(RecordingMocks(), project="llmops-iac", stack=env, preview=False)
    @pulumi.runtime.test
    def run():
        program.main(describe=lambda name: {"ProductionVariants": []})
    run()
files = {os.path.realpath(m.__file__) for name, m in list(sys.modules.items())
         if name not in before and getattr(m, "__file__", None)}
print(json.dumps(sorted(files | opened)))
"""


def test_what_the_program_loads_is_installed_by_llmops_iac_deploy():
    """Every distribution whose code or data the program loads, for every example and environment, or that a module it
    reaches imports (lazy imports included), is in what `pip install llmops-iac[deploy]` installs."""
    from packaging.utils import canonicalize_name

    cases = []
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        envs = list((yaml.safe_load(path.read_text(encoding="utf-8"))["spec"].get("environments") or {"dev": {}}))
        for env in envs:
            region = compile_spec(load_spec(str(path), environment=env)).to_data()["region"]
            cases.append((str(path.relative_to(ROOT)), env, region))
    done = subprocess.run([sys.executable, "-c", _RUN, json.dumps(cases)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    owner = _distribution_of_files()
    loaded = {owner[p] for p in json.loads(done.stdout) if p in owner}
    packages = md.packages_distributions()
    imported = {canonicalize_name(d) for top in _static_imports() for d in packages.get(top, [top])}
    needed = (loaded | imported) - {"llmops-iac"}
    installed = _closure("llmops-iac", frozenset({"deploy"}))
    assert {"pulumi", "pulumi-aws", "pulumi-aws-native", "boto3", "pyyaml"} <= needed
    assert needed <= installed, f"the program needs {sorted(needed - installed)}, which llmops-iac[deploy] does not install"


def _static_imports() -> set[str]:
    """Top-level third-party modules imported anywhere (lazily too) in the llmops_iac modules the program reaches."""
    todo, seen, third = ["llmops_iac.deploy.program", "llmops_iac.deploy.capacity", "llmops_iac.deploy.adapter"], set(), set()
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        base = ROOT / Path(*mod.split("."))
        path = base / "__init__.py" if (base / "__init__.py").exists() else base.with_suffix(".py")
        if not path.exists():
            continue
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                parts = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                module = ".".join(parts + ([node.module] if node.module else []))
                names = [module] + [f"{module}.{a.name}" for a in node.names]
            for name in names:
                top = name.split(".")[0]
                if top == "llmops_iac":
                    pieces = name.split(".")
                    todo += [".".join(pieces[:i]) for i in range(1, len(pieces) + 1)]
                elif top not in sys.stdlib_module_names and top != "__future__":
                    third.add(top)
    return third


# --- the project `llmops-iac init` writes ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def new_project(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("pulumi") / "chat-helper"
    scaffold(str(target))
    return target


def test_the_new_projects_pulumi_yaml_is_valid_for_pulumi_and_describes_every_key(new_project):
    project = _project(new_project / "Pulumi.yaml")
    assert project["name"] == "chat-helper"  # its own stacks, never another application's
    assert pulumi_rules(project) == []
    assert not project.get("config"), "llmops-iac's keys are not the project's namespace: Pulumi refuses types there"
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    assert project["stackConfigDir"] == "stacks"
    text = (new_project / "Pulumi.yaml").read_text(encoding="utf-8")
    for key in sorted(read_config_keys() - {"aws:<k>"}):  # the optional aws provider settings: the provider's docs
        assert re.search(rf"^#\s+{re.escape(key)}\s+string", text, re.M), f"{key} is not described"
    assert _requirements(new_project / "requirements.txt") == [f"llmops-iac[deploy]=={__version__}"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_new_project_deploys_every_plan_resource_from_its_own_files(new_project, stack, monkeypatch):
    """The stack file's config, the project's __main__.py, run from the project directory as `pulumi up` runs it."""
    config = {k: str(v) for k, v in _project(new_project / "stacks" / f"Pulumi.{stack}.yaml")["config"].items()}
    plan = compile_spec(load_spec(str(new_project / SPEC_FILE), environment=stack,
                                  region=config["aws:region"])).to_data()
    mocks = _mocks("chat-helper", stack, config)
    monkeypatch.chdir(new_project)
    exports = run_program(lambda: runpy.run_path(str(new_project / "__main__.py"), run_name="__main__"))
    assert_plan_deployed(plan, mocks, exports)
    assert any(r["type"].startswith("aws-native:") for r in plan["resources"]), "the stack's aws-native:region is used"


def _mocks(project: str, stack: str, config: dict[str, str]) -> RecordingMocks:
    from pulumi.runtime import settings

    settings.reset_options()
    pulumi.runtime.set_all_config(dict(config))
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)
    return mocks
