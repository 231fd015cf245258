"""jsonschema_lite agrees with the reference implementation (the jsonschema package).

The same instances go through both: the examples, the minimal spec with
defaults, and hypothesis mutations of them. Both must agree on valid/invalid
and on where the errors are.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmops_iac.spec.defaults import apply_defaults
from llmops_iac.spec.jsonschema_lite import Validator, dotted
from llmops_iac.spec.validate import schema, validator
from tests.conftest import MINIMAL, example_files

SCHEMA = schema()
REFERENCE = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
_AT_PARENT = {"additionalProperties", "propertyNames", "uniqueItems"}


def reference_locations(instance) -> set[str]:
    out = set()
    for err in REFERENCE.iter_errors(instance):
        stack = [err]
        while stack:  # if/then errors can nest in context for some keywords
            e = stack.pop()
            out.add("/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in e.absolute_path) if e.absolute_path else "")
    return out


def lite_locations(instance) -> set[str]:
    out = set()
    for err in validator().errors(instance):
        ptr = err.pointer
        if err.keyword in _AT_PARENT:
            ptr = ptr.rsplit("/", 1)[0]
        out.add(ptr)
    return out


@functools.lru_cache(maxsize=1)
def _base_instances() -> tuple[dict, ...]:
    out = [copy.deepcopy(MINIMAL), apply_defaults(validator(), MINIMAL)]
    for path in example_files():
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        out.append(data)
        out.append(apply_defaults(validator(), data) if validator().is_valid(data) else data)
    return tuple(out)


def base_instances() -> list[dict]:
    """Fresh copies of the instances every test starts from."""
    return copy.deepcopy(list(_base_instances()))


@pytest.mark.parametrize("index", range(len(base_instances())))
def test_agrees_on_examples(index):
    instance = base_instances()[index]
    assert lite_locations(instance) == reference_locations(instance)
    assert_fast_path_agrees(instance)


def assert_fast_path_agrees(instance):
    """The boolean fast path (is_valid, and errors' shortcut for valid documents) gives the same verdict as the
    error walk and as the jsonschema package."""
    v = validator()
    walked = next(v._eval(v.schema, instance, "", v.schema), None) is None
    assert v.is_valid(instance) == walked == REFERENCE.is_valid(instance)


def test_refuses_keywords_it_does_not_implement():
    with pytest.raises(ValueError, match="not supported"):
        Validator({"type": "object", "oneOf": [{"type": "string"}]})
    with pytest.raises(ValueError, match="local"):
        Validator({"$ref": "https://example.com/other.json"})


def test_dotted_paths():
    assert dotted("/spec/models/chat/variants/0/weight") == "spec.models.chat.variants[0].weight"
    assert dotted("/a~1b/c~0d") == "a/b.c~d"
    assert dotted("") == "(top level)"


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def _enum_strings() -> list[str]:
    out = set()

    def visit(node):
        if isinstance(node, dict):
            for e in node.get("enum", []):
                if isinstance(e, str):
                    out.add(e)
            for v in node.values():
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)

    visit(SCHEMA)
    return sorted(out)


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 200_000), st.floats(-10, 1e6, allow_nan=False),
                         st.sampled_from(_enum_strings()), st.text(max_size=12),
                         st.sampled_from(["2026-02-30", "2027-01-01", "ml.g5.2xlarge", "a@b.co", "x@1", "vpce-0123456789abcdef0"]))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                                 st.dictionaries(st.sampled_from(["provider", "modelId", "name", "x", "weight", "type"]), inner, max_size=3)),
                           max_leaves=6)


@st.composite
def mutated(draw):
    instance = copy.deepcopy(draw(st.sampled_from(base_instances())))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(instance) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = instance
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "modelID", "provider", "description"]))] = draw(json_values)
        else:
            parent.append(draw(json_values))
    return instance


@settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_agrees_on_mutations(instance):
    assert lite_locations(instance) == reference_locations(instance)
    assert_fast_path_agrees(instance)


def test_examples_are_present():
    assert any(Path(p).name == "minimal.yaml" for p in example_files())


@st.composite
def overridden(draw):
    """(base, merged): a valid base document and an RFC 7386 merge of an override patch into it,
    sharing every subtree the patch does not touch, as the loader builds an environment's spec."""
    from llmops_iac.spec.validate import merge_patch

    valid = [b for b in _base_instances() if validator().is_valid(b)]
    base = copy.deepcopy(draw(st.sampled_from(valid)))
    patch: dict = {}
    for _ in range(draw(st.integers(1, 3))):
        keys = [p for p in _paths(base) if p and all(isinstance(k, str) for k in p)]  # merge patches address keys
        path = draw(st.sampled_from(keys))
        node = patch
        for part in path[:-1]:
            node = node.setdefault(part, {}) if isinstance(node.get(part, {}), dict) else node
        node[path[-1]] = draw(st.one_of(st.none(), json_values))  # None deletes the key
    return base, merge_patch(base, patch)


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(overridden())
def test_a_validity_memo_of_the_base_gives_the_same_errors_for_a_merged_document(pair):
    """The memo recorded on the base document lets the merged one skip shared subtrees: the verdict
    and every error must be those of a validation without it (and of the jsonschema package)."""
    from llmops_iac.spec.jsonschema_lite import ValidityMemo

    base, merged = pair
    v = validator()
    memo = ValidityMemo()
    assert list(v.errors(base, memo=memo)) == []
    assert memo.known  # the base's containers were recorded
    memo.recording = False
    with_memo = [(e.pointer, e.keyword, e.message) for e in v.errors(merged, memo=memo)]
    without = [(e.pointer, e.keyword, e.message) for e in v.errors(merged)]
    assert with_memo == without
    assert (not with_memo) == REFERENCE.is_valid(merged)


def test_a_shared_subtree_is_checked_again_against_the_branch_an_override_selects():
    """A memo entry is for one schema node: an override that flips a discriminator puts an unchanged
    (shared) subtree under another branch's schema, which must judge it afresh."""
    from llmops_iac.spec.jsonschema_lite import ValidityMemo
    from llmops_iac.spec.validate import merge_patch

    def branch(kind, n_type):
        return {"if": {"properties": {"kind": {"const": kind}}},
                "then": {"properties": {"payload": {"type": "object", "properties": {"n": {"type": n_type}}}}}}

    v = Validator({"type": "object", "properties": {"kind": {"enum": ["a", "b"]}, "payload": {"type": "object"}},
                   "allOf": [branch("a", "integer"), branch("b", "string")]})
    base = {"kind": "a", "payload": {"n": 1}}
    memo = ValidityMemo()
    assert list(v.errors(base, memo=memo)) == []
    memo.recording = False
    merged = merge_patch(base, {"kind": "b"})
    assert merged["payload"] is base["payload"]  # shared, as in the loader
    assert [(e.pointer, e.keyword) for e in v.errors(merged, memo=memo)] == [("/payload/n", "type")]


# Every shape of compiled check (Validator._compile), not only those the spec schema uses.
SHAPES = {
    "$defs": {
        "tree": {"type": "object", "properties": {"n": {"type": "integer", "default": 0}, "child": {"$ref": "#/$defs/tree"}},
                 "additionalProperties": False},
        "named": {"type": "string", "pattern": "^[a-z]+$"},
    },
    "type": "object",
    "properties": {
        "multi": {"type": ["string", "null", "integer"], "minLength": 2, "minimum": 3},
        "untyped": {"minLength": 1, "maximum": 5, "required": ["a"], "minItems": 1},
        "ints": {"enum": [1, 2, 300]},
        "mixed": {"enum": ["a", 1, True, None, [1], {"k": 1}]},
        "strings": {"type": "string", "enum": ["a", "b"], "maxLength": 1},
        "const_list": {"const": [1, "a"]},
        "const_str": {"const": "x"},
        "const_bool": {"type": "boolean", "const": False},
        "number": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "enum": [1, 2.5, 10]},
        "date": {"type": "string", "format": "date"},
        "unique": {"type": "array", "uniqueItems": True, "maxItems": 4},
        "unique_strings": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
        "names": {"type": "object", "propertyNames": {"$ref": "#/$defs/named"}, "additionalProperties": {"type": "integer"},
                  "minProperties": 1, "maxProperties": 2},
        "tree": {"$ref": "#/$defs/tree"},
        "open": {"properties": {"kind": {"const": "a"}}, "required": ["kind"]},
        "branch": {"type": "object", "allOf": [{"if": {"properties": {"kind": {"const": "a"}}, "required": ["kind"]},
                                                "then": {"required": ["a"]}, "else": {"properties": {"a": False}}}]},
        "nothing": False,
        "anything": True,
        "empty": {},
    },
}
SHAPE_REFERENCE = jsonschema.Draft202012Validator(SHAPES, format_checker=jsonschema.FormatChecker())
shape_values = st.recursive(
    st.one_of(json_scalars, st.sampled_from([1, 2, 300, 1.0, 2.5, 10, "ab", "a", "x", True, False, "2026-02-28", [1, "a"]])),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(["a", "kind", "n", "child", "Bad", "b"]), inner, max_size=3)),
    max_leaves=8)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(SHAPES["properties"])), shape_values, max_size=4))
def test_compiled_checks_agree_with_the_error_walk_on_every_shape(instance):
    v = Validator(SHAPES)
    walked = next(v._eval(v.schema, instance, "", v.schema), None) is None
    assert v.is_valid(instance) == walked == SHAPE_REFERENCE.is_valid(instance)
    for name, value in instance.items():  # each node alone, its value as the whole instance
        node = SHAPES["properties"][name]
        assert v.is_valid(value, node) == (next(v._eval(node, value, "", node if isinstance(node, dict) else {}), None) is None)


def test_a_recursive_ref_is_checked_and_filled_at_every_depth():
    v = Validator(SHAPES)
    deep = {"tree": {"child": {"child": {"n": 2}}}}
    assert v.is_valid(deep)
    assert not v.is_valid({"tree": {"child": {"child": {"n": "2"}}}})
    assert apply_defaults(v, deep) == {"tree": {"n": 0, "child": {"n": 0, "child": {"n": 2}}}}


def test_a_container_default_is_a_fresh_filled_copy_at_each_use():
    schema = {"$defs": {"box": {"type": "object", "properties": {
        "inner": {"type": "object", "default": {}, "properties": {"size": {"type": "integer", "default": 1}}}}}},
              "type": "object", "properties": {"a": {"$ref": "#/$defs/box"}, "b": {"$ref": "#/$defs/box"}}}
    v = Validator(schema)
    first = apply_defaults(v, {"a": {}, "b": {}})
    assert first == {"a": {"inner": {"size": 1}}, "b": {"inner": {"size": 1}}}
    assert first["a"]["inner"] is not first["b"]["inner"]
    first["a"]["inner"]["size"] = 5
    assert apply_defaults(v, {"a": {}})["a"]["inner"] == {"size": 1}
    assert schema["$defs"]["box"]["properties"]["inner"]["default"] == {}
