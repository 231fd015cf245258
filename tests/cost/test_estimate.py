"""The monthly estimate: golden estimates per example and environment, the schema, the range rules,
the traffic curve, the split rule, budget flags, fallbacks, rendering, and how long it takes."""

from __future__ import annotations

import copy
import json
import statistics
import time

import jsonschema
import pytest
import yaml

from llmops_iac.compile import compile_spec
import llmops_iac.cost.estimate as E  # noqa: E402
from llmops_iac.cost.estimate import Assumptions, daily_shape, estimate, instance_hours, runs_per_month
from llmops_iac.cost.render import render_markdown, render_text
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES, ROOT, example_files

COST_SCHEMA = json.loads((ROOT / "schemas" / "cost.schema.json").read_text())


def cases():
    out = []
    for path in example_files():
        data = yaml.safe_load(path.read_text())
        envs = [None] + sorted((data.get("spec") or {}).get("environments") or {})
        out += [(path, env) for env in envs]
    return out


def case_id(case):
    return f"{case[0].stem}.{case[1] or 'default'}"


_CACHE: dict = {}


def compiled(path, env=None):
    key = (str(path), env)
    if key not in _CACHE:
        loaded = load_spec(str(path), environment=env)
        _CACHE[key] = (loaded, compile_spec(loaded))
    return _CACHE[key]


def example(name, env=None, **kw):
    loaded, plan = compiled(EXAMPLES / f"{name}.yaml", env)
    return estimate(plan, loaded, **kw)


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_golden_estimate(case, golden):
    path, env = case
    loaded, plan = compiled(path, env)
    data = estimate(plan, loaded).to_dict()
    golden(f"cost/{case_id(case)}.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_estimate_matches_schema_and_adds_up(case):
    path, env = case
    loaded, plan = compiled(path, env)
    est = estimate(plan, loaded)
    data = est.to_dict()
    errors = list(jsonschema.Draft202012Validator(COST_SCHEMA, format_checker=jsonschema.FormatChecker()).iter_errors(data))
    assert errors == [], [(e.json_path, e.message) for e in errors[:5]]
    assert [r["name"] for r in data["resources"]] == sorted(r.name for r in plan.resources.values()), "every resource, once"
    for p in E.POINTS:
        assert data["total"][p] == pytest.approx(sum(r["monthlyUsd"][p] for r in data["resources"]), abs=0.05)
        assert data["total"][p] == pytest.approx(sum(s[p] for s in data["byService"].values()), abs=0.05)
    for r in est.resources:
        for line in r.lines:
            q = line.quantity
            assert 0 <= q["minimum"] <= q["expected"] + 1e-9 <= q["maximum"] + 2e-9, (r.name, line.item, q)
    assert data["overBudget"] == (data["total"]["expected"] > data["budget"]["monthlyUsd"])
    assert data["flags"]["overBudgetAtExpected"] == data["overBudget"]


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_estimate_reads_the_plan_without_changing_it(case):
    """The estimate and the GPU check read the Plan's own inputs (no copy, plan_data): they must not change them,
    nor may what they return share anything a caller could change the Plan through."""
    path, env = case
    loaded, plan = compiled(path, env)
    before = plan.to_data()
    est = estimate(plan, loaded)
    data, policy = est.to_dict(), est.policy_input()
    assert plan.to_data() == before
    assert policy == {k: data[k] for k in ("currency", "total", "budget", "flags", "gpu")}, "one set of values"
    shared = _ids(plan.to_data(copy_values=False)) & (_ids(data) | _ids(policy))
    assert not shared, "the estimate hands out the Plan's own containers"


def _ids(value, out=None):
    """ids of every dict and list inside ``value``."""
    out = set() if out is None else out
    if isinstance(value, (dict, list)):
        out.add(id(value))
        for v in value.values() if isinstance(value, dict) else value:
            _ids(v, out)
    return out


def test_self_hosted_endpoint_range_follows_autoscaling():
    est = example("self-hosted-llama")
    endpoint = est.resource("endpoint-llama3-8b")
    g5, g6 = endpoint.lines
    assert g5.key == "sagemaker/ml.g5.2xlarge" and g6.key == "sagemaker/ml.g6.xlarge"
    # autoscaling 1–4 per variant, 730 hours a month
    assert g5.quantity["minimum"] == 730 and g5.quantity["maximum"] == 4 * 730
    # 20,000 requests a day peaking at 4× (≈ 55/minute): the 90 % variant needs a second instance (30/minute target)
    assert 730 < g5.quantity["expected"] < 2 * 730
    assert g6.quantity["expected"] == 730  # the 10 % variant never exceeds one instance
    assert endpoint.monthly["minimum"] == pytest.approx(730 * (1.515 + 1.127))


def test_bedrock_tokens_at_each_point():
    est = example("support-assistant")
    triage = est.resource("model-triage-profile")
    requests = 4000 * 730 / 24
    assert [line.key for line in triage.lines] == ["bedrock/anthropic.claude-3-haiku-20240307-v1:0/input",
                                                   "bedrock/anthropic.claude-3-haiku-20240307-v1:0/output"]
    inp = triage.lines[0]
    assert inp.quantity["minimum"] == 0
    assert inp.quantity["expected"] == pytest.approx(requests * 2800 / 1000)
    assert inp.quantity["maximum"] == pytest.approx(requests * 3.5 * 2800 / 1000)
    assert triage.monthly["expected"] == pytest.approx(requests * (2.8 * 0.00025 + 0.35 * 0.00125))


def test_split_each_charges_every_model_and_even_divides():
    each = example("document-intelligence")
    even = example("document-intelligence", split="even")
    assert each.traffic["requestsPerModelPerMonth"]["expected"] == pytest.approx(
        4 * even.traffic["requestsPerModelPerMonth"]["expected"], rel=1e-4)
    bedrock_each = each.by_service()["bedrock"]["expected"]
    assert even.by_service()["bedrock"]["expected"] == pytest.approx(bedrock_each / 4)
    assert even.to_dict()["assumptions"]["split"] == "even"
    with pytest.raises(ValueError):
        example("minimal", split="sometimes")


def test_guardrail_text_units_per_policy():
    est = example("support-assistant")
    g = est.resource("guardrail-customer-facing")
    # 2,800 prompt tokens ≈ 11,200 characters = 12 text units, 350 completion tokens = 2
    assert {line.key for line in g.lines} == {"guardrails/content-filters", "guardrails/denied-topics",
                                              "guardrails/sensitive-information", "guardrails/contextual-grounding"}
    requests = 4000 * 730 / 24
    assert g.monthly["expected"] == pytest.approx(requests * 14 * (0.15 + 0.15 + 0.10 + 0.10) / 1000)
    assert any("free" in n for n in g.notes)


def test_opensearch_serverless_floor_depends_on_standby_replicas():
    prod = example("document-intelligence").resource("vs-contracts-index-collection")
    dev = example("document-intelligence", "dev").resource("vs-contracts-index-collection")
    assert prod.lines[0].quantity["minimum"] == 2 * 730 and dev.lines[0].quantity["minimum"] == 1 * 730
    assert prod.lines[0].quantity["maximum"] == 20 * 730
    assert prod.monthly["minimum"] == pytest.approx(2 * 730 * 0.24 + prod.lines[1].usd["minimum"])


def test_knowledge_base_and_s3_vectors_lines():
    est = example("support-assistant")
    kb = est.resource("kb-help-center")
    keys = [line.key for line in kb.lines]
    assert keys.count("bedrock-embedding/amazon.titan-embed-text-v2:0/input") == 3  # queries, re-ingestion, initial
    assert kb.one_off == pytest.approx(10_000_000 / 1000 * 0.00002)
    index = est.resource("vs-help-center-vectors-index")
    assert {line.key for line in index.lines} >= {"s3vectors/storage", "s3vectors/query-requests", "s3vectors/put"}
    assert est.to_dict()["oneOffUsd"] > 0


def test_invocation_logs_scale_with_content_logging(tmp_path):
    text = (EXAMPLES / "support-assistant.yaml").read_text(encoding="utf-8")
    for sub in ("prompts", "evaluation"):
        (tmp_path / sub).mkdir()
        for f in (EXAMPLES / sub).iterdir():
            (tmp_path / sub / f.name).write_bytes(f.read_bytes())
    (tmp_path / "with-text.yaml").write_text(text.replace("includeContent: false", "includeContent: true"), encoding="utf-8")
    with_text = estimate(*reversed(compiled(tmp_path / "with-text.yaml", None)))
    metadata = example("support-assistant")  # includeContent: false
    per_request = lambda est: est.resource("invocation-logs").lines[0].quantity["expected"] / est.traffic["monthlyRequests"]["expected"]
    assert per_request(with_text) > 5 * per_request(metadata)


def test_fixed_items_are_priced_every_month():
    est = example("minimal")
    assert est.resource("kms-key").monthly == {"minimum": 1.0, "expected": 1.0, "maximum": 1.0}
    assert est.resource("dashboard").monthly["minimum"] == 3.0
    assert est.resource("budget").monthly["minimum"] == pytest.approx(0.02 * 730 / 24)


def test_budget_flags():
    loaded, plan = compiled(EXAMPLES / "minimal.yaml")
    data = copy.deepcopy(plan.to_data())
    budget = next(r for r in data["resources"] if r["type"] == "aws:budgets/budget:Budget")
    budget["meta"]["monthlyUsd"] = 1.0
    est = estimate(data)
    assert est.over_budget and est.flags()["overBudgetAtMinimum"] and "OVER BUDGET" in render_text(est)
    budget["inputs"]["notifications"] = [n for n in budget["inputs"]["notifications"] if n["notificationType"] != "FORECASTED"]
    assert estimate(data).flags()["forecastAlertMissing"]
    data["resources"] = [r for r in data["resources"] if r["type"] != "aws:budgets/budget:Budget"]
    est = estimate(data)
    assert est.budget is None and not est.over_budget and est.flags()["budgetMissing"]
    assert any(w["code"] == "budget-missing" for w in est.warnings)


def test_region_without_table_prices_falls_back_and_says_so():
    est = example("document-intelligence")
    data = est.to_dict()
    assert data["region"] == "eu-central-1" and data["flags"]["regionFallback"]
    assert "aoss/ocu-hour" in data["prices"]["fallbackKeys"]
    assert "cloudwatch/logs-ingestion" not in data["prices"]["fallbackKeys"]  # the table has Frankfurt's
    assert any(w["code"] == "price-region-fallback" for w in data["warnings"])
    assert "priced from us-east-1" in render_text(est)


def test_unpriced_items_are_reported_not_invented():
    loaded, plan = compiled(EXAMPLES / "self-hosted-llama.yaml")
    data = copy.deepcopy(plan.to_data())
    cfg = next(r for r in data["resources"] if r["name"] == "endpoint-llama3-8b-config")
    cfg["inputs"]["productionVariants"][1]["instanceType"] = "ml.zz9.xlarge"
    est = estimate(data)
    assert est.flags()["unpricedItems"]
    assert any(w["code"] == "unpriced" and "ml.zz9.xlarge" in w["message"] for w in est.warnings)
    line = next(line for line in est.resource("endpoint-llama3-8b").lines if "zz9" in line.key)
    assert line.to_dict()["unitPriceUsd"] is None and line.usd["minimum"] == 0


def test_live_prices_flow_into_the_estimate():
    loaded, plan = compiled(EXAMPLES / "self-hosted-llama.yaml")
    from llmops_iac.cost.prices import load_prices

    table = load_prices().with_live({"sagemaker/ml.g5.2xlarge": ("us-east-1", 2.0)}, "2026-11-25", ["1 live"])
    est = estimate(plan, prices=table)
    line = est.resource("endpoint-llama3-8b").lines[0]
    assert line.price.basis == "live" and line.quantity["minimum"] * 2.0 == pytest.approx(line.usd["minimum"])
    assert est.to_dict()["prices"]["origin"] == "live"


@pytest.mark.parametrize("peak", [1.0, 1.5, 2.0, 3.0, 3.5, 4.0, 10.0, 100.0])
def test_daily_traffic_curve_has_mean_one_and_the_declared_peak(peak):
    shape = daily_shape(peak)
    assert statistics.fmean(shape) == pytest.approx(1.0, abs=1e-9)
    assert max(shape) == pytest.approx(peak, rel=1e-6)
    assert min(shape) >= 0


def test_instance_hours_are_clamped_to_the_bounds():
    flat = daily_shape(1.0)
    assert instance_hours(0, 1.0, 30, 1, 4, flat, 730) == 730
    assert instance_hours(1440 * 1000, 1.0, 30, 1, 4, flat, 730) == 4 * 730
    assert instance_hours(1440 * 45, 1.0, 30, 1, 4, flat, 730) == 2 * 730  # 45/min at 30/min per instance
    assert instance_hours(1440 * 45, 1.0, None, 2, 4, flat, 730) == 2 * 730  # no scaling policy: the minimum


@pytest.mark.parametrize("expression,runs", [
    (None, 0), ("manual", 0), ("rate(1 day)", 730 / 24), ("rate(6 hours)", 4 * 730 / 24), ("rate(30 minutes)", 48 * 730 / 24),
    ("cron(30 1 * * ? *)", 730 / 24), ("cron(0 2 ? * MON-FRI *)", 5 * 730 / 24 / 7), ("cron(0 6,18 ? * SAT,SUN *)", 2 * 2 * 730 / 24 / 7), ("cron(0 0 1 * ? *)", 730 / 24 / 30.4375),
])
def test_ingestion_runs_per_month(expression, runs):
    assert runs_per_month(expression, 730 / 24) == pytest.approx(runs)


def test_assumptions_are_reported_and_adjustable():
    base = example("support-assistant")
    bigger = example("support-assistant", assumptions=Assumptions(kb_corpus_tokens=1_000_000_000))
    assert base.to_dict()["assumptions"]["kbCorpusTokens"] == 10_000_000
    assert bigger.resource("vs-help-center-vectors-index").monthly["expected"] > \
        base.resource("vs-help-center-vectors-index").monthly["expected"] * 10


def test_text_and_markdown_renderings():
    est = example("self-hosted-llama")
    text = render_text(est)
    assert text.startswith("it-helpdesk-llama (default, us-east-1): monthly cost estimate in USD")
    assert "sagemaker" in text and "total" in text and "within budget" in text
    assert "gpu: endpoint-llama3-8b-model-bf16-g5: Llama-3-8B in bf16 needs ~23 GB of 24 GB" in text
    detail = render_text(est, detail=True)
    assert "endpoint-llama3-8b" in detail
    md = render_markdown(est)
    assert md.startswith("### Cost estimate: it-helpdesk-llama") and "| **total** |" in md and "<details>" in md


def test_estimate_takes_milliseconds_per_example(capsys):
    """Benchmark: the median time of estimate() per example (compile excluded)."""
    timings = {}
    for path in example_files():
        loaded, plan = compiled(path)
        data = plan.to_data()
        estimate(data, loaded)  # warm the price table and the traffic curve
        runs = []
        for _ in range(15):
            t = time.perf_counter()
            estimate(data, loaded).to_dict()
            runs.append(time.perf_counter() - t)
        timings[path.stem] = statistics.median(runs)
    with capsys.disabled():
        print("\nestimate() median per example: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in timings.items()))
    assert max(timings.values()) < 0.25, timings
