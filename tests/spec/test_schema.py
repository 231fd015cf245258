"""The published schema itself: valid 2020-12, closed, described, and its defaults valid."""

from __future__ import annotations

import json

import jsonschema
import pytest

from llmops_iac.resources import data_path
from llmops_iac.spec.defaults import apply_defaults
from llmops_iac.spec.jsonschema_lite import Validator
from llmops_iac.spec.validate import schema, validator
from tests.conftest import MINIMAL

SCHEMA = schema()


def walk(node, where="#"):
    """Yield (location, subschema) for every subschema of the document."""
    if not isinstance(node, dict):
        return
    yield where, node
    for key in ("properties", "$defs"):
        for name, sub in node.get(key, {}).items():
            yield from walk(sub, f"{where}/{key}/{name}")
    for key in ("additionalProperties", "propertyNames", "items", "if", "then", "else"):
        if isinstance(node.get(key), dict):
            yield from walk(node[key], f"{where}/{key}")
    for i, sub in enumerate(node.get("allOf", [])):
        yield from walk(sub, f"{where}/allOf/{i}")


def in_condition(where: str) -> bool:
    """Subschemas inside if/then narrow another schema's property; they aren't properties of their own."""
    return "/if" in where or "/then/properties" in where


def test_schema_is_valid_json_schema_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_schema_file_is_the_one_served():
    with open(data_path("schemas", "llmapp.schema.json"), encoding="utf-8") as fh:
        assert json.load(fh) == SCHEMA


def test_every_property_has_a_description():
    missing = []
    for where, node in walk(SCHEMA):
        for name, sub in node.get("properties", {}).items():
            if not in_condition(where) and "description" not in sub:
                missing.append(f"{where}/properties/{name}")
    assert missing == []


def test_every_object_is_closed():
    """additionalProperties: false everywhere, except maps keyed by name and provider dispatchers,
    whose every branch is itself closed."""
    open_objects = []
    for where, node in walk(SCHEMA):
        if node.get("type") != "object" or in_condition(where):
            continue
        if where.startswith("#/properties/spec/properties/environments/additionalProperties/properties/"):
            continue  # a merge patch: the merged spec is validated against the closed schema, see test_environments
        if node.get("additionalProperties") is False:
            continue
        if isinstance(node.get("additionalProperties"), dict) and "propertyNames" in node:
            continue  # a map: its values are checked by additionalProperties
        if isinstance(node.get("additionalProperties"), dict) and "properties" not in node:
            continue  # a string-to-string map such as container.environment
        branches = [c["then"] for c in node.get("allOf", []) if "then" in c]
        provider = node.get("properties", {}).get("provider", {})
        if branches and node.get("required") == ["provider"] and all(
                SCHEMA["$defs"][b["$ref"].split("/")[-1]].get("additionalProperties") is False for b in branches) \
                and len(branches) == len(provider.get("enum", [])):
            continue
        open_objects.append(where)
    assert open_objects == []


def test_every_default_is_valid_for_its_own_schema():
    v = Validator(SCHEMA)
    checked = 0
    for where, node in walk(SCHEMA):
        if "default" in node:
            errors = list(v.errors(node["default"], node))
            assert errors == [], where
            checked += 1
    assert checked > 40


def test_three_field_spec_is_valid_and_means_a_secure_application():
    assert validator().is_valid(MINIMAL)
    full = apply_defaults(validator(), MINIMAL)
    assert validator().is_valid(full)
    spec = full["spec"]
    assert spec["models"]["default"]["provider"] == "bedrock"
    guard = spec["guardrails"]["default"]
    assert "appliesTo" not in guard  # every model and knowledge base
    filters = guard["contentFilters"]
    assert {k: v["input"] for k, v in filters.items()} == dict.fromkeys(filters, "HIGH")
    assert {p["type"] for p in guard["pii"] if p["action"] == "block"} >= {"US_SOCIAL_SECURITY_NUMBER", "CREDIT_DEBIT_CARD_NUMBER"}
    assert spec["monitoring"]["invocationLogging"]["enabled"] is True
    assert spec["monitoring"]["logRetentionDays"] >= 180
    assert spec["budgets"]["monthlyUsd"] > 0 and spec["budgets"]["alertThresholdsPercent"]
    assert spec["maturity"]["target"] == 1
    reference = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    assert list(reference.iter_errors(full)) == []


@pytest.mark.parametrize("model,dims", [("amazon.titan-embed-text-v2:0", 1024), ("amazon.titan-embed-text-v1", 1536),
                                        ("cohere.embed-english-v3", 1024)])
def test_embedding_dimensions_default_from_the_model(model, dims):
    spec = dict(MINIMAL, spec={"embeddings": {"e": {"provider": "bedrock", "modelId": model}}})
    assert apply_defaults(validator(), spec)["spec"]["embeddings"]["e"]["dimensions"] == dims


def test_profile_only_models_require_a_cross_region_profile():
    spec = dict(MINIMAL, spec={"models": {"m": {"provider": "bedrock", "modelId": "anthropic.claude-sonnet-4-20250514-v1:0"}}})
    errors = list(validator().errors(apply_defaults(validator(), spec)))
    assert [(e.pointer, e.keyword) for e in errors] == [("/spec/models/m/crossRegionInference", "enum")]


def test_every_bedrock_embedding_model_has_its_dimensions():
    ids = SCHEMA["$defs"]["bedrockEmbeddingModelId"]["enum"]
    branches = {c["if"]["properties"]["modelId"]["const"]: c["then"]["properties"]["dimensions"]
                for c in SCHEMA["$defs"]["bedrockEmbedding"]["allOf"]}
    assert set(branches) == set(ids)
    assert all(b["default"] in b["enum"] for b in branches.values())
