"""The compiler's self-checks fire on a broken Plan: dangling references, cycles, duplicate and
non-kebab-case logical names; and the fast paths behind them find what the plain ones do."""

from __future__ import annotations

import pytest
import yaml

from llmops_iac.compile import check_graph, compile_spec
from llmops_iac.compile import tokens as T
from llmops_iac.compile.plan import Plan, add_ref_names, join, ref, refs_in, to_json
from llmops_iac.errors import InternalError
from llmops_iac.spec.validate import load_spec
from tests.conftest import example_files

TAGS = {"app": "a", "environment": "dev"}


def empty_plan() -> Plan:
    return Plan(app="a", environment="dev", region="us-east-1", spec_file="a.yaml", spec_hash="0" * 12, tags=dict(TAGS))


def test_a_sound_plan_passes_in_dependency_order():
    p = empty_plan()
    p.add("key", T.KMS_KEY, {"description": "k"}, "/")
    p.add("role", T.IAM_ROLE, {"name": "r", "policy": to_json({"Statement": [{"Resource": [ref("key", "arn")]}]})}, "/")
    p.add("alias", T.KMS_ALIAS, {"targetKeyId": ref("key", "keyId")}, "/", depends_on=["role"])
    p.outputs["roleArn"] = ref("role", "arn")
    assert check_graph(p) == ["key", "role", "alias"]


@pytest.mark.parametrize("inputs,depends_on", [
    ({"x": ref("nope", "arn")}, ()),
    ({"policy": to_json({"Statement": [{"Resource": [join(ref("nope", "arn"), "/*")]}]})}, ()),
    ({"attr": "arn", "ref": "nope"}, ()),  # the inputs themselves shaped like a reference
    ({"name": "n"}, ["nope"]),
])
def test_a_dangling_reference_is_a_compiler_bug(inputs, depends_on):
    p = empty_plan()
    p.add("key", T.KMS_KEY, {"description": "k"}, "/")
    p.add("user", T.IAM_ROLE_POLICY, inputs, "/", depends_on=depends_on)
    with pytest.raises(InternalError, match=r"resource user refers to unknown resource\(s\) nope$"):
        check_graph(p)


def test_every_dangling_name_of_a_resource_is_listed():
    p = empty_plan()
    p.add("user", T.IAM_ROLE, {"a": [ref("zz", "arn"), ref("bb", "arn")]}, "/", depends_on=["cc"])
    with pytest.raises(InternalError, match=r"unknown resource\(s\) bb, cc, zz$"):
        check_graph(p)


def test_a_dangling_output_is_a_compiler_bug():
    p = empty_plan()
    p.add("key", T.KMS_KEY, {"description": "k"}, "/")
    p.outputs["a"] = ref("key", "arn")
    p.outputs["b"] = join("x", ref("gone", "arn"))
    with pytest.raises(InternalError, match="output b refers to unknown resource gone"):
        check_graph(p)


@pytest.mark.parametrize("links", [
    {"a": ["b"], "b": ["a"]},
    {"a": ["a"]},
    {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]},
])
@pytest.mark.parametrize("by_ref", [True, False])
def test_a_cycle_is_a_compiler_bug(links, by_ref):
    p = empty_plan()
    for name, targets in links.items():
        if by_ref:
            p.add(name, T.SNS_TOPIC, {"deps": [{"v": ref(t, "arn")} for t in targets]}, "/")
        else:
            p.add(name, T.SNS_TOPIC, {}, "/", depends_on=targets)
    with pytest.raises(InternalError, match="dependency cycle among a, b|dependency cycle among a"):
        check_graph(p)


@pytest.mark.parametrize("name", ["Kms-key", "kms_key", "1key", "", "a" * 129])
def test_a_logical_name_must_be_kebab_case(name):
    with pytest.raises(ValueError, match="is not lower-case kebab-case"):
        empty_plan().add(name, T.KMS_KEY, {}, "/")


def test_a_logical_name_is_used_once():
    """A second resource of a taken name never replaces the first: it is recorded as a collision, which
    compile_spec reports as an input error at the spec line (two sections' names combine into one)."""
    p = empty_plan()
    p.add("key", T.KMS_KEY, {}, "/spec/a")
    assert p.add("key", T.SNS_TOPIC, {}, "/spec/b") == "key"
    assert p.get("key").type == T.KMS_KEY and p.get("key").source == "/spec/a"
    assert p.collisions == [("key", "/spec/a", "/spec/b")]


def test_tags_are_sorted_merged_and_follow_changes_to_the_plan_tags():
    p = empty_plan()
    p.add("a", T.KMS_KEY, {"tags": {"zeta": "1", "app": "own"}}, "/")
    p.add("b", T.KMS_KEY, {"tags": None}, "/")
    p.tags["extra"] = "x"
    p.add("c", T.KMS_KEY, {}, "/")
    p.add("d", T.KMS_ALIAS, {}, "/")
    assert list(p.get("a").inputs["tags"].items()) == [("app", "own"), ("environment", "dev"), ("zeta", "1")]
    assert list(p.get("b").inputs["tags"].items()) == [("app", "a"), ("environment", "dev")]
    assert list(p.get("c").inputs["tags"].items()) == [("app", "a"), ("environment", "dev"), ("extra", "x")]
    assert "tags" not in p.get("d").inputs
    assert p.get("b").inputs["tags"] is not p.get("c").inputs["tags"]
    p.get("b").inputs["tags"]["app"] = "changed"  # each resource owns its tags
    p.add("e", T.KMS_KEY, {}, "/")
    assert p.get("e").inputs["tags"]["app"] == "a"


def _example_inputs():
    for path in example_files():
        data = yaml.safe_load(path.read_text())
        for env in [None] + sorted((data.get("spec") or {}).get("environments") or {}):
            plan = compile_spec(load_spec(str(path), environment=env))
            yield from (r.inputs for r in plan.resources.values())
            yield plan.outputs


ODD = [
    {"ref": "a", "attr": "x", "more": ref("b", "y")},  # three keys: not a reference, so its values are searched
    {"ref": "a"},
    [ref("a", "x"), [ref("b", "y"), ("tuple", ref("c", "z"))], {"k": 1, "f": 2.0, "t": True, "n": None}],
    {"attr": "y", "ref": "b"},
]


@pytest.mark.parametrize("value", ODD)
def test_add_ref_names_finds_what_refs_in_finds_in_odd_shapes(value):
    found: set[str] = set()
    add_ref_names((value,), found)
    assert found == {r["ref"] for r in refs_in(value)}


def test_add_ref_names_finds_what_refs_in_finds_in_every_example_plan():
    count = 0
    for inputs in _example_inputs():
        found: set[str] = set()
        add_ref_names((inputs,), found)
        assert found == {r["ref"] for r in refs_in(inputs)}
        count += len(found)
    assert count > 100
