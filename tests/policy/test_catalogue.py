"""The rule catalogue: well-formed IDs and metadata, pass and fail fixtures for every rule, clean examples.

Fixtures live in ``tests/fixtures/rules/<ID>/``: ``pass.yaml`` and ``fail.yaml`` are complete
specs whose first line names the environment they are judged in (``# environment: prod``;
``default`` means no environment). ``fail.yaml`` must make its rule fail and ``pass.yaml`` must
make it pass - not "not applicable", not "off". Edge fixtures ``pass-<case>.yaml`` and
``fail-<case>.yaml`` next to them pin a rule's edges the same way (an exact threshold, a value one
step off); a fail fixture's second line may name the severity its findings must have in its
environment's profile (``# severity: note``).

Some rules check what the compiler always gets right (key rotation, TLS-only bucket policies,
IAM without wildcards...): they guard against a compiler regression and, in the Pulumi policy
pack, against a transformation that changes a resource after compilation. No spec can make them
fail, so their fixture directory also holds ``fail.plan-patch.yaml``: JSON Patch operations
(``replace``, ``add``, ``remove``) applied to the Plan compiled from ``fail.yaml``, where
``/resources/<logical name>/…`` addresses a resource by name. The test checks both halves: the
unpatched Plan passes the rule (the compiler's guarantee), the patched one fails it.

A fixture may have results files next to it, ``<fixture>.eval-results*.json`` (schemas/eval-results.schema.json):
it is judged as `check --eval-results` would judge it with them (LLM-EVL-006/007, and MAT-CICD-204 of the maturity
assessment). tests/evaluation/helpers.py writes them (`python -m tests.evaluation.helpers`).

Fixtures are judged on a fixed date (FIXTURE_TODAY) so the waiver fixtures never age; examples
are judged today, so an expired example waiver fails here as it would in CI. Everything is
judged with the default engine (real OPA in-process, the only one that gives verdicts);
test_differential.py holds regopy to it on every spec fixture and patched Plan, and the patched
Plans' outcomes are compared on both here.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmops_iac.compile import compile_spec
from llmops_iac.pipeline import PolicyOptions, stage_inputs
from llmops_iac.policy import catalog, engine, evaluate, profiles
from llmops_iac.policy.catalog import SEVERITIES
from llmops_iac.spec.validate import load_spec
from tests.conftest import ROOT, example_files

FIXTURES = ROOT / "tests" / "fixtures" / "rules"
RETIRED = ROOT / "policies" / "RETIRED.txt"
FIXTURE_TODAY = dt.date(2026, 6, 1)

AREAS = {
    "guardrails": "GRD", "security": "SEC", "data": "DAT", "cost": "CST", "deployment": "DEP",
    "observability": "OBS", "prompts": "PRM", "evaluation": "EVL", "retrieval": "RET", "governance": "GOV", "maturity": "MAT",
}
REFERENCE_FORMS = {
    "owasp": re.compile(r"^LLM(0[1-9]|10)$"),
    "nist": re.compile(r"^(GOVERN|MAP|MEASURE|MANAGE) [1-9]\d?\.[1-9]\d?$|^(GV|MP|MS|MG)-[1-9]\d?\.[1-9]\d?-\d{3}$"),
    "euAiAct": re.compile(r"^Article [1-9]\d{0,2}$"),
    "awsGenAiLens": re.compile(r"^GEN(OPS|SEC|REL|PERF|COST|SUS)\d{2}-BP\d{2}$"),
}
_ENVIRONMENT = re.compile(r"^# environment: ([a-z][a-z0-9-]{0,15})$")
_SEVERITY = re.compile(r"^# severity: (error|warning|note)$")
_EDGE = re.compile(r"^(pass|fail)-[a-z0-9-]+\.yaml$")
_STRICTNESS = {"off": 0, "note": 1, "warning": 2, "error": 3}

CATALOGUE = catalog.load()
RULES = sorted(CATALOGUE.rules.values(), key=lambda r: r.id)


@pytest.fixture(scope="module")
def judge_engine():
    """The default engine (real OPA in-process): what `check` judges with."""
    e = engine.create()
    e.load(CATALOGUE.modules, {})
    return e


@pytest.fixture(scope="module")
def regopy():
    """regopy through the differential test's harness: held to OPA, never a verdict of `check`."""
    from tests.policy.regopy_harness import RegopyEngine

    e = RegopyEngine()
    e.load(CATALOGUE.modules, {})
    return e


# -- IDs and metadata --------------------------------------------------------------------------------------

def test_there_are_rules_in_every_area():
    assert {r.area for r in RULES} == set(AREAS)
    assert len(RULES) >= 32


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_id_names_the_area(rule):
    assert re.fullmatch(rf"LLM-{AREAS[rule.area]}-\d{{3}}", rule.id), (
        f"{rule.package}.{rule.name} is in area {rule.area}: its ID must be LLM-{AREAS[rule.area]}-NNN, not {rule.id}")
    assert rule.package == f"llmops.{rule.area}"
    assert Path(rule.file).name == f"{rule.area}.rego" and Path(rule.file).parent.name == rule.area


def test_builtin_metadata_meets_its_schema():
    """`check` skips the cerberus pass over the built-in METADATA (it is part of the tool): this is where
    it is checked, and where a bad block fails with its file:line."""
    checked = catalog.load(check_builtin=True)
    assert sorted(checked.rules) == sorted(r.id for r in RULES)


def test_metadata_of_extra_directories_is_always_checked(tmp_path):
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "acme.rego").write_text(
        "package acme\n\nimport rego.v1\n\n# METADATA\n# title: T\n# custom:\n#   id: ACME-001\n"
        "#   severity: fatal\n\nbad contains 1 if false\n")
    with pytest.raises(catalog.PolicyDirError, match=r"acme\.rego:7: METADATA of bad"):  # the user's input: exit 2
        catalog.load([str(tmp_path)])


def test_ids_are_unique():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))  # catalog.load also refuses a duplicate
    names = [(r.package, r.name) for r in RULES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_metadata_is_complete(rule):
    assert rule.title and rule.description and rule.remediation
    assert rule.severity in SEVERITIES
    assert rule.applies_to
    assert rule.frameworks, f"{rule.id} cites no framework"
    assert "nist" in rule.frameworks and "awsGenAiLens" in rule.frameworks, f"{rule.id}: cite NIST AI RMF and the GenAI Lens"
    for framework, references in rule.frameworks.items():
        for ref in references:
            assert REFERENCE_FORMS[framework].match(ref), f"{rule.id}: {framework} reference {ref!r} is malformed"


def test_every_area_has_its_tests():
    for area in AREAS:
        test_file = ROOT / "policies" / area / f"{area}_test.rego"
        assert test_file.is_file(), f"{test_file} is missing"
        assert re.search(rf"^package llmops\.{area}_test$", test_file.read_text(encoding="utf-8"), re.M)


# -- retired IDs -------------------------------------------------------------------------------------------

def _retired() -> list[str]:
    ids = []
    for line in RETIRED.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            ids.append(line.split()[0])
    return ids


def test_retired_ids_are_never_reused():
    assert RETIRED.is_file(), "policies/RETIRED.txt lists retired rule IDs (it may be empty, but it must exist)"
    retired = _retired()
    for rid in retired:
        assert catalog.RULE_ID.match(rid), f"RETIRED.txt: {rid!r} is not a rule ID"
    reused = sorted(set(retired) & set(CATALOGUE.rules))
    assert not reused, f"retired rule IDs are in use again: {reused}; give the rule a new ID"


# -- profiles ----------------------------------------------------------------------------------------------

def test_production_is_at_least_as_strict_as_every_other_profile():
    profs = profiles.load_all(CATALOGUE)
    prod = profs["production"]
    for other in profs.values():
        for rule in RULES:
            assert _STRICTNESS[prod.severity(rule)] >= _STRICTNESS[other.severity(rule)], \
                f"{rule.id} is {other.severity(rule)} in {other.name} but {prod.severity(rule)} in production"
        assert prod.waiver_horizon_days <= other.waiver_horizon_days
    assert any(_STRICTNESS[prod.severity(r)] > _STRICTNESS[profs["development"].severity(r)] for r in RULES)


def test_each_tier_has_its_profile_and_unknown_tiers_get_production():
    assert profiles.select(CATALOGUE, "production").name == "production"
    assert profiles.select(CATALOGUE, "staging").name == "staging"
    assert profiles.select(CATALOGUE, "development").name == "development"
    for unknown in ("", "prod", "live", "sandbox", "Production"):
        assert profiles.select(CATALOGUE, unknown).name == "production"


# -- rule data ---------------------------------------------------------------------------------------------

def test_gpu_allow_lists_follow_the_compilers_instance_table(judge_engine):
    """LLM-CST-003's allow-lists (data in policies/cost/cost.rego): outside development every GPU type the
    compiler knows; in development a subset of them."""
    from llmops_iac.compile import instances

    loaded = load_spec(str(ROOT / "examples" / "minimal.yaml"))
    lists = judge_engine.evaluate(evaluate.build_input(loaded, compile_spec(loaded), stack=None))["cost"]["_gpu_allowlist"]
    assert sorted(lists["other"]) == instances.known_gpu_types()
    assert set(lists["development"]) <= set(lists["other"])


# -- fixtures ----------------------------------------------------------------------------------------------

def _environment(path: Path) -> str | None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    m = _ENVIRONMENT.match(first)
    assert m, f"{path}: the first line must be '# environment: <name>' (or default)"
    return None if m.group(1) == "default" else m.group(1)


class _PatchedPlan:
    """A compiled Plan whose data (what the rules read) has been patched."""

    def __init__(self, plan: Any, data: dict[str, Any]):
        self._plan, self._data = plan, data

    def to_data(self, *, copy_values: bool = True) -> dict[str, Any]:
        return copy.deepcopy(self._data)

    def policy_data(self) -> dict[str, Any]:
        return copy.deepcopy(self._data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._plan, name)


def _tokens(pointer: str) -> list[str]:
    assert pointer.startswith("/"), pointer
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _apply(data: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply JSON Patch operations; /resources/<name> selects the resource with that logical name."""
    data = copy.deepcopy(data)
    for op in ops:
        tokens = _tokens(op["path"])
        if tokens[0] == "resources" and len(tokens) > 1:
            names = [r["name"] for r in data["resources"]]
            assert tokens[1] in names, f"patch {op['path']}: the Plan has no resource {tokens[1]!r}"
            tokens[1] = str(names.index(tokens[1]))
        parent: Any = data
        for t in tokens[:-1]:
            parent = parent[int(t)] if isinstance(parent, list) else parent[t]
        last = tokens[-1]
        key: Any = int(last) if isinstance(parent, list) else last
        if op["op"] == "remove":
            del parent[key]
        elif op["op"] == "replace":
            assert (key < len(parent)) if isinstance(parent, list) else (key in parent), f"patch {op['path']}: nothing to replace"
            parent[key] = op["value"]
        elif op["op"] == "add":
            if isinstance(parent, list):
                parent.insert(len(parent) if last == "-" else int(last), op["value"])
            else:
                parent[key] = op["value"]
        else:
            raise AssertionError(f"unsupported patch operation {op['op']!r}")
    return data


def _fixture_options(path: Path) -> PolicyOptions:
    """How `check` would run on a fixture: on FIXTURE_TODAY, with the ``<fixture>.eval-results*.json`` files next to
    it as --eval-results (the results rules LLM-EVL-006/007, and MAT-CICD-204 of the assessment)."""
    results = tuple(str(p) for p in sorted(path.parent.glob(f"{path.stem}.eval-results*.json")))
    second = (path.read_text(encoding="utf-8").splitlines() + ["", ""])[1]
    m = re.match(r"^# repository: (\S+)\s*$", second)
    repo = str(path.parent / m.group(1)) if m else None
    return PolicyOptions(today=FIXTURE_TODAY, eval_results=results, repo=repo)


def _outcome(eng, path: Path, rule_id: str, patch: Path | None = None):
    loaded = load_spec(str(path), environment=_environment(path))
    plan = compile_spec(loaded)
    if patch is not None:
        ops = yaml.safe_load(patch.read_text(encoding="utf-8"))
        plan = _PatchedPlan(plan, _apply(plan.to_data(), ops))
    # as `check` judges: with the maturity assessment, evidence from this repository (or from the fixture's own,
    # when its second line is `# repository: <directory relative to the fixture>`) and its results file, if any
    extra = stage_inputs(loaded, compile_spec(loaded), _fixture_options(path))
    result = evaluate.judge(eng, CATALOGUE, loaded, plan, today=FIXTURE_TODAY, **extra)
    findings = [f.message for f in result.findings if f.rule_id == rule_id]
    return result.outcomes[rule_id], findings


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_has_fixtures(rule):
    for name in ("pass.yaml", "fail.yaml"):
        assert (FIXTURES / rule.id / name).is_file(), f"{rule.id} needs tests/fixtures/rules/{rule.id}/{name}"


def test_every_fixture_directory_names_a_rule():
    orphans = sorted(d.name for d in FIXTURES.iterdir() if d.is_dir() and not d.name.startswith("_")
                     and d.name not in CATALOGUE.rules)
    assert not orphans, f"fixture directories for rules that do not exist: {orphans}"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_pass_fixture_passes(judge_engine, rule):
    outcome, findings = _outcome(judge_engine, FIXTURES / rule.id / "pass.yaml", rule.id)
    assert outcome == "pass", f"{rule.id} pass.yaml: outcome {outcome}, findings {findings}"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_fail_fixture_fails(judge_engine, rule):
    fixture = FIXTURES / rule.id / "fail.yaml"
    patch = FIXTURES / rule.id / "fail.plan-patch.yaml"
    if patch.is_file():
        outcome, findings = _outcome(judge_engine, fixture, rule.id)
        assert outcome == "pass", f"{rule.id} fail.yaml without its plan patch should pass (the compiler's guarantee): {findings}"
        outcome, findings = _outcome(judge_engine, fixture, rule.id, patch)
    else:
        outcome, findings = _outcome(judge_engine, fixture, rule.id)
    assert outcome == "fail", f"{rule.id} fail.yaml: outcome {outcome}"
    assert findings


EDGES = sorted(p for p in FIXTURES.glob("*/*.yaml") if _EDGE.match(p.name))


@pytest.mark.parametrize("path", EDGES, ids=[f"{p.parent.name}/{p.stem}" for p in EDGES])
def test_edge_fixture(judge_engine, path):
    rule_id = path.parent.name
    assert rule_id in CATALOGUE.rules, f"{path}: no rule {rule_id}"
    loaded = load_spec(str(path), environment=_environment(path))
    plan = compile_spec(loaded)
    extra = stage_inputs(loaded, compile_spec(loaded), _fixture_options(path))
    result = evaluate.judge(judge_engine, CATALOGUE, loaded, plan, today=FIXTURE_TODAY, **extra)
    findings = [f for f in result.findings if f.rule_id == rule_id]
    if path.name.startswith("pass-"):
        assert result.outcomes[rule_id] == "pass", f"{path.name}: {[f.message for f in findings]}"
        return
    assert result.outcomes[rule_id] == "fail" and findings, f"{path.name}: outcome {result.outcomes[rule_id]}"
    second = path.read_text(encoding="utf-8").splitlines()[1]
    severity = _SEVERITY.match(second)
    if severity:
        assert {f.severity for f in findings} == {severity.group(1)}, f"{path.name}: {[(f.severity, f.message) for f in findings]}"


PATCHED = [r for r in RULES if (FIXTURES / r.id / "fail.plan-patch.yaml").is_file()]


@pytest.mark.parametrize("rule", PATCHED, ids=[r.id for r in PATCHED])
def test_patched_fixture_fails_on_regopy_too(judge_engine, regopy, rule):
    """The differential test compares the raw answers on every spec fixture and patched Plan; here the outcomes."""
    fixture = FIXTURES / rule.id / "fail.yaml"
    patch = FIXTURES / rule.id / "fail.plan-patch.yaml"
    assert _outcome(regopy, fixture, rule.id, patch) == _outcome(judge_engine, fixture, rule.id, patch)


# -- examples ----------------------------------------------------------------------------------------------

def _example_cases() -> list[tuple[Path, str | None]]:
    """Every environment `check` judges: the declared ones (the base spec only when none is declared)."""
    cases = []
    for path in example_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        envs = sorted(((data.get("spec") or {}).get("environments") or {}))
        cases += [(path, env) for env in envs] or [(path, None)]
    return cases


@pytest.mark.parametrize("path,env", _example_cases(), ids=[f"{p.stem}:{e or 'default'}" for p, e in _example_cases()])
def test_examples_pass_every_error_level_rule(judge_engine, path, env):
    loaded = load_spec(str(path), environment=env)
    plan = compile_spec(loaded)
    result = evaluate.judge(judge_engine, CATALOGUE, loaded, plan, **stage_inputs(loaded, plan))
    errors = [f"{f.rule_id} {f.message}" for f in result.active() if f.severity == "error"]
    assert not errors, f"{path.name} ({env or 'default'}, profile {result.profile}) fails error-level rules:\n  " + "\n  ".join(errors)
