"""Reports: golden Markdown/HTML/JSON/text per example, the JSON schema, a self-contained HTML file that
renders in headless Chromium without console errors or network requests (screenshot kept in test-artifacts/)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path

import jsonschema
import pytest

from llmops_iac.maturity import FORMATS, render
from llmops_iac.maturity.checks import FAIL
from llmops_iac.maturity.report_html import CSP, CSS, JS
from tests.conftest import ROOT
from tests.maturity import browser
from tests.maturity.helpers import CASES, EXAMPLE_NAMES, case, example

SCHEMA = json.loads((ROOT / "schemas" / "maturity.schema.json").read_text(encoding="utf-8"))
ARTIFACTS = ROOT / "test-artifacts"
SUFFIX = {"markdown": "md", "html": "html", "json": "json", "text": "txt"}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_reports_of_each_example(name, fmt, golden):
    golden(f"maturity/{name}.{SUFFIX[fmt]}", render(example(name), fmt))


@pytest.mark.parametrize("name", ["mature", "partial"])
@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_golden_reports_of_the_fixture_repositories(name, fmt, golden):
    golden(f"maturity/repo-{name}.{SUFFIX[fmt]}", render(case(f"repo-{name}"), fmt))


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", CASES)
def test_json_matches_the_schema(name):
    data = json.loads(render(case(name), "json"))
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []
    assert data["overall"]["level"] == min(d["achieved"] for d in data["dimensions"])
    assert {c["id"] for c in data["criteria"]} >= {s["criterion"] for s in data["roadmap"]}


def test_the_schema_rejects_what_the_assessment_never_writes():
    data = json.loads(render(example("minimal"), "json"))
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for broken in (
        {**data, "overall": {**data["overall"], "level": 4}},
        {**data, "criteria": [{**data["criteria"][0], "outcome": "skipped"}]},
        {**data, "surprise": True},
    ):
        assert list(validator.iter_errors(broken))


@pytest.mark.parametrize("name", CASES)
def test_markdown_fits_a_pull_request_comment_and_lists_the_roadmap(name):
    a = case(name)
    md = render(a, "markdown")
    assert len(md) < 65536
    assert md.startswith("<!-- llmops-iac:maturity -->\n")
    for d in a.dimensions:
        assert f"| {d.dimension.name} | {d.achieved} " in md
    for step in a.roadmap:
        assert f"{step.order}. **{step.result.id}**" in md


@pytest.mark.parametrize("name", CASES)
def test_html_is_self_contained(name):
    html = render(case(name), "html")
    assert not re.search(r"<(link|img|iframe|object|embed|base)\b", html, re.I)
    assert not re.search(r"\s(src|srcset|action|formaction)=", html, re.I)
    assert re.findall(r'\shref="([^"]*)"', html) and all(h.startswith("#") for h in re.findall(r'\shref="([^"]*)"', html))
    assert "url(" not in CSS and "@import" not in CSS
    assert not re.search(r"\sstyle=", html), "inline style attributes would be blocked by the CSP"
    # The CSP allows exactly the inline style and script, by hash.
    for text in (CSS, JS):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in CSP
    assert f"<style>{CSS}</style>" in html and f"<script>{JS}</script>" in html
    assert html.count("<style>") == 1 and html.count("<script>") == 1
    assert "default-src 'none'" in CSP


def test_the_radar_chart_is_inline_svg_with_achieved_and_target_polygons():
    a = example("support-assistant")
    html = render(a, "html")
    svg = html[html.index('<svg class="radar"'):html.index("</svg>", html.index('<svg class="radar"'))]
    assert svg.count('class="ring"') == 3 and svg.count('class="target"') == 1 and svg.count('class="achieved"') == 1
    assert svg.count('class="dot"') == len(a.dimensions) == 6
    for d in a.dimensions:
        assert f">{d.dimension.short}</tspan>" in svg.replace("&amp;", "&") or d.dimension.short.split()[0] in svg


def _browser_or_skip() -> None:
    if not browser.available():
        if os.environ.get("LLMOPS_REQUIRE_CHROMIUM"):
            pytest.fail(f"Chromium is required (LLMOPS_REQUIRE_CHROMIUM) but {browser.CHROMIUM} is missing: "
                        "apt-get install -y chromium")
        pytest.skip(f"{browser.CHROMIUM} is not installed (Debian: apt-get install -y chromium)")


VISIBLE = "Array.from(document.querySelectorAll('tr.crit')).filter(function (r) { return r.offsetParent !== null; }).length"
CHECKS_IN_PAGE = {
    "polygons": "document.querySelectorAll('svg.radar polygon').length",
    "dots": "document.querySelectorAll('svg.radar circle.dot').length",
    "rows": "document.querySelectorAll('tr.crit').length",
    "styled": "getComputedStyle(document.querySelector('.badge')).color",
    "radar_width": "document.querySelector('svg.radar').getBoundingClientRect().width",
    "failing": "(function () { document.querySelector('button[data-filter=fail]').click(); return " + VISIBLE + "; }())",
    "expanded": "(function () { document.getElementById('expand').click(); "
                "return document.querySelectorAll('tr.crit details[open]').length; }())",
    "all": "(function () { document.querySelector('button[data-filter=all]').click(); return " + VISIBLE + "; }())",
}


@pytest.mark.parametrize("name", CASES)
def test_html_renders_in_headless_chromium_without_console_errors(name):
    _browser_or_skip()
    a = case(name)
    ARTIFACTS.mkdir(exist_ok=True)
    page_file = ARTIFACTS / f"maturity-{name}.html"
    page_file.write_text(render(a, "html"), encoding="utf-8")
    shot = ARTIFACTS / f"maturity-{name}.png"
    page = browser.render(page_file, screenshot=shot, expressions=tuple(CHECKS_IN_PAGE.values()))
    values = {k: page.values[v] for k, v in CHECKS_IN_PAGE.items()}
    assert page.errors() == []
    assert page.requests == [page_file.resolve().as_uri()], "the report must not fetch anything"
    assert values["polygons"] == 5 and values["dots"] == 6
    assert values["rows"] == len(a.criteria)
    assert values["styled"] == "rgb(255, 255, 255)", "the stylesheet did not apply (CSP hash?)"
    assert values["radar_width"] > 250
    assert values["failing"] == sum(1 for r in a.criteria if r.outcome == FAIL)
    assert values["expanded"] == len(a.criteria) and values["all"] == len(a.criteria)
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if name == "example-support-assistant":
        (ARTIFACTS / "maturity.png").write_bytes(shot.read_bytes())


def test_render_rejects_an_unknown_format():
    with pytest.raises(ValueError, match="unknown maturity report format"):
        render(example("minimal"), "pdf")


def test_text_report_names_levels_roadmap_and_the_missing_repository():
    text = render(example("support-assistant"), "text")
    assert "maturity level 1 (Structured pilot), score 4.8/10, target 2 not met" in text
    assert "roadmap to level 2:" in text and "MAT-CICD-201" in text
    assert "--repo PATH" in text
    verbose = __import__("llmops_iac.maturity.report_text", fromlist=["render"]).render(example("minimal"), verbose=True)
    assert "[FAIL] MAT-CICD-101" in verbose and "[FAIL] MAT-INF-303 Recovery is rehearsed: not attested" in verbose


def test_reports_are_deterministic():
    a = example("document-intelligence")
    for fmt in FORMATS:
        assert render(a, fmt) == render(a, fmt)


def test_artifacts_directory_is_git_ignored():
    assert "/test-artifacts/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert Path(ARTIFACTS).name == "test-artifacts"


def test_every_schema_property_is_described():
    missing = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, sub in (node.get("properties") or {}).items():
                if not isinstance(sub, dict) or "description" not in sub:
                    missing.append(f"{path}/properties/{key}")
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}/{i}")

    walk(SCHEMA, "")
    assert missing == []
