"""The dated price table: its shape (cerberus), completeness against the schema and the accelerator table, lookups."""

from __future__ import annotations

import copy
import json

import pytest

from llmops_iac.compile import instances
from llmops_iac.cost import prices as P
from llmops_iac.errors import InternalError
from tests.conftest import ROOT

SPEC_SCHEMA = json.loads((ROOT / "schemas" / "llmapp.schema.json").read_text())


@pytest.fixture(scope="module")
def table():
    return P.load_prices()


@pytest.fixture(scope="module")
def raw():
    return json.loads(open(P.DATA_FILE, encoding="utf-8").read())


def test_table_shape_is_valid(raw):
    assert P.validate_table(raw) == []


def test_every_price_names_its_source_url_and_retrieval_date(raw):
    for key, entry in raw["prices"].items():
        source = raw["sources"][entry["source"]]
        assert source["url"].startswith("https://"), key
        assert source["name"], key
        assert entry["retrieved"] <= raw["asOf"], f"{key} retrieved after the table's date"
        if entry["basis"] == "estimate":
            assert entry.get("note"), f"{key}: an estimate says why"


@pytest.mark.parametrize("model_id", SPEC_SCHEMA["$defs"]["bedrockTextModelId"]["enum"])
def test_every_bedrock_text_model_the_schema_allows_has_input_and_output_prices(table, model_id):
    inp, out = table.bedrock_tokens(model_id, "us-east-1")
    assert inp is not None and out is not None, f"{model_id} has no on-demand price: add it to llmops_iac/cost/data/prices.json"
    assert inp.usd > 0 and out.usd > 0
    assert (table.entry(f"bedrock/{model_id}/input") or {}).get("pricingApiModel"), "needed to match live prices"


@pytest.mark.parametrize("model_id", SPEC_SCHEMA["$defs"]["bedrockEmbeddingModelId"]["enum"])
def test_every_bedrock_embedding_model_the_schema_allows_has_a_price(table, model_id):
    price = table.embedding_tokens(model_id, "us-east-1")
    assert price is not None and price.usd > 0, f"{model_id} has no embedding price"


def test_no_priced_bedrock_model_is_unknown_to_the_schema(table):
    allowed = set(SPEC_SCHEMA["$defs"]["bedrockTextModelId"]["enum"])
    assert P.bedrock_model_ids(table) == allowed
    assert P.embedding_model_ids(table) == set(SPEC_SCHEMA["$defs"]["bedrockEmbeddingModelId"]["enum"])


@pytest.mark.parametrize("instance_type", sorted(instances.TABLE))
def test_every_accelerated_instance_type_has_a_sagemaker_price(table, instance_type):
    price = table.instance_hour(instance_type, "us-east-1")
    assert price is not None and price.usd > 0 and price.unit == "instance-hour"


def test_required_families_are_priced(table):
    for family in ("g5", "g6", "g6e", "p4d", "p5", "inf2"):
        assert any(k.startswith(f"sagemaker/ml.{family}.") for k in table.keys()), family


def test_vector_store_observability_and_fixed_prices_exist(table):
    for key in ("aoss/ocu-hour", "aoss/storage", "s3vectors/storage", "s3vectors/put", "s3vectors/query-requests",
                "s3vectors/query-data-first-100k", "cloudwatch/logs-ingestion", "cloudwatch/logs-storage",
                "cloudwatch/dashboard", "cloudwatch/alarm-metric", "kms/key", "s3/standard-storage",
                "guardrails/content-filters", "guardrails/denied-topics", "guardrails/sensitive-information",
                "guardrails/contextual-grounding", "bedrock-kb/knowledge-base", "budgets/budget-day"):
        assert table.get(key, "us-east-1") is not None, key
    facts = table.facts
    assert facts["aossMinimumOcus"]["withStandbyReplicas"] == {"indexing": 1.0, "search": 1.0}
    assert facts["aossMinimumOcus"]["withoutStandbyReplicas"] == {"indexing": 0.5, "search": 0.5}
    assert table.hours_per_month == 730


def test_region_lookup_and_explicit_fallback(table):
    east = table.instance_hour("ml.g5.2xlarge", "us-east-1")
    west = table.instance_hour("ml.g5.2xlarge", "us-west-2")
    frankfurt = table.instance_hour("ml.g5.2xlarge", "eu-central-1")
    assert not east.fallback and not west.fallback
    assert frankfurt.fallback and frankfurt.region == "us-east-1" and frankfurt.requested_region == "eu-central-1"
    assert frankfurt.to_dict()["fallbackFor"] == "eu-central-1"
    logs = table.get("cloudwatch/logs-ingestion", "eu-central-1")
    assert not logs.fallback and logs.usd > table.get("cloudwatch/logs-ingestion", "us-east-1").usd
    kms = table.get("kms/key", "ap-southeast-2")
    assert kms.region == "*" and not kms.fallback
    assert table.get("no/such-price", "us-east-1") is None


def test_a_broken_table_is_reported_field_by_field(raw):
    bad = copy.deepcopy(raw)
    bad["prices"]["sagemaker/ml.g5.2xlarge"]["usd"]["us-east-1"] = -1
    bad["prices"]["sagemaker/ml.g5.xlarge"]["source"] = "nowhere"
    bad["prices"]["sagemaker/ml.g6.xlarge"]["retrieved"] = "last week"
    del bad["prices"]["sagemaker/ml.g6e.xlarge"]["unit"]
    bad["prices"]["kms/key"]["basis"] = "estimate"
    bad["prices"]["kms/key"].pop("note")
    errors = "\n".join(P.validate_table(bad))
    for fragment in ("ml.g5.2xlarge", "'nowhere' is not one of sources", "ml.g6.xlarge", "ml.g6e.xlarge", "kms/key"):
        assert fragment in errors


def test_loading_a_broken_table_fails_closed(tmp_path, raw):
    bad = copy.deepcopy(raw)
    bad["prices"]["sagemaker/ml.g5.2xlarge"]["usd"] = {"us-east-1": "cheap"}
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(InternalError, match="malformed"):
        P.load_prices(str(path))
    path.write_text("{not json")
    with pytest.raises(InternalError, match="cannot read"):
        P.load_prices(str(path))


def test_live_overlay_marks_its_figures(table):
    live = table.with_live({"sagemaker/ml.g5.2xlarge": ("eu-central-1", 1.9)}, "2026-11-25", ["1 live price"])
    price = live.instance_hour("ml.g5.2xlarge", "eu-central-1")
    assert price.usd == 1.9 and price.basis == "live" and not price.fallback
    assert live.origin == "live" and live.live_notes == ("1 live price",)
    assert table.instance_hour("ml.g5.2xlarge", "eu-central-1").usd == 1.515  # the loaded table is untouched
