"""AppSpec mirrors the schema exactly: the schema stays the one source of truth."""

from __future__ import annotations

import collections.abc
import typing

import pytest

from llmops_iac.spec import model
from llmops_iac.spec.defaults import apply_defaults
from llmops_iac.spec.model import AppSpec, build, camel, snake
from llmops_iac.spec.validate import load_spec, schema, validator
from tests.conftest import MINIMAL, example_files

SCHEMA = schema()


def resolve(node):
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].split("/")[-1]]
    return node


def has_default(node) -> bool:
    return "default" in node or ("$ref" in node and has_default(SCHEMA["$defs"][node["$ref"].split("/")[-1]]))


def pairs(tp, node, where):
    """Yield (dataclass, schema object, location) for every dataclass reachable from tp."""
    node = resolve(node)
    if tp in model._DISCRIMINATED:
        for provider, cls in model._DISCRIMINATED[tp].items():
            branch = next(c["then"] for c in node["allOf"] if c["if"]["properties"]["provider"]["const"] == provider)
            yield from pairs(cls, branch, f"{where}[{provider}]")
        return
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        for arg in typing.get_args(tp):
            if arg is not type(None):
                yield from pairs(arg, node, where)
        return
    if origin is tuple:
        yield from pairs(typing.get_args(tp)[0], node["items"], f"{where}[]")
        return
    if origin is collections.abc.Mapping:
        yield from pairs(typing.get_args(tp)[1], node["additionalProperties"], f"{where}{{}}")
        return
    if model.is_record(tp):
        yield tp, node, where
        hints = typing.get_type_hints(tp, vars(model))
        for fname in tp._fields:
            sub = node["properties"].get(camel(fname))
            if sub is not None:
                yield from pairs(hints[fname], sub, f"{where}.{camel(fname)}")


def test_dataclasses_mirror_the_schema():
    problems = []
    checked = 0
    for cls, node, where in pairs(AppSpec, SCHEMA, "root"):
        props = set(node["properties"]) - ({"environments"} if cls is model.Spec else set())
        fields = {camel(f) for f in cls._fields}
        if props != fields:
            problems.append(f"{where} ({cls.__name__}): schema-only {sorted(props - fields)}, class-only {sorted(fields - props)}")
        hints = typing.get_type_hints(cls, vars(model))
        required = set(node.get("required", ()))
        for fname in cls._fields:
            key = camel(fname)
            if key not in node["properties"]:
                continue
            optional = type(None) in typing.get_args(hints[fname])
            branch_default = any("default" in c.get("then", {}).get("properties", {}).get(key, {}) for c in node.get("allOf", []))
            always_present = key in required or has_default(node["properties"][key]) or branch_default
            if optional == always_present:
                problems.append(f"{where}.{key}: Optional is {optional} but the key is {'always' if always_present else 'not always'} present")
        checked += 1
    assert problems == []
    assert checked >= 40


def test_names_round_trip():
    assert camel("sns_topic_arns") == "snsTopicArns" and snake("snsTopicArns") == "sns_topic_arns"


def test_minimal_spec_builds_with_defaults():
    app = build(apply_defaults(validator(), MINIMAL))
    assert app.metadata.name == "demo"
    chat = app.spec.models["default"]
    assert isinstance(chat, model.BedrockModel) and chat.cross_region_inference == "none"
    assert app.spec.guardrails["default"].content_filters.prompt_attack.input == "HIGH"
    with pytest.raises(AttributeError):
        app.metadata.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        app.spec.models["x"] = chat  # type: ignore[index]


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_every_example_builds(path):
    loaded = load_spec(str(path))
    assert isinstance(loaded.spec, AppSpec)
    assert loaded.spec.metadata.name == loaded.data["metadata"]["name"]
