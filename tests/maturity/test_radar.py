"""The HTML radar stays legible at a 420 px wide page: labels inside the viewport, apart, and readable."""

from __future__ import annotations

import itertools

import pytest

from llmops_iac.maturity import render
from llmops_iac.maturity.report_html import RADAR, radar_labels
from tests.maturity import browser
from tests.maturity.helpers import example
from tests.maturity.test_reports import ARTIFACTS, _browser_or_skip

CHAR = 0.62  # a bold sans-serif character is at most ~0.62 em wide on average


def _boxes(names):
    out = []
    for lab in radar_labels([(n, "level 3 of 3") for n in names]):
        w = max(len(t) for t in lab["lines"]) * CHAR * RADAR["label_size"]
        x0 = {"start": lab["x"], "end": lab["x"] - w, "middle": lab["x"] - w / 2}[lab["anchor"]]
        top = lab["y"] - RADAR["label_size"] * 0.8
        out.append((x0, top, x0 + w, top + RADAR["line"] * len(lab["lines"])))
    return out


@pytest.mark.parametrize("names", [
    ["Infrastructure", "CI/CD & lifecycle", "Prompts & UX", "Governance", "Cost", "Organization"],
    ["Twenty-four characters x"] * 6,
    ["Infrastructure & deploy", "CI/CD & lifecycle mgmt", "Prompt engineering & UX", "Governance & compliance",
     "Cost & resources", "Organizational readiness"],
])
def test_label_geometry_fits_the_viewbox_and_labels_do_not_overlap(names):
    boxes = _boxes(names)
    for x0, y0, x1, y1 in boxes:
        assert 0 <= x0 and x1 <= RADAR["width"] and 0 <= y0 and y1 <= RADAR["height"], (x0, y0, x1, y1)
    for a, b in itertools.combinations(boxes, 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_at_420_px_the_labels_render_at_11_px_or_more():
    box = 420 - 2 * 24  # the page's side padding
    assert RADAR["label_size"] * box / RADAR["width"] >= 11
    assert RADAR["tick_size"] * box / RADAR["width"] >= 10


LABELS = """(function(){var vw=document.documentElement.clientWidth;var out=[];
document.querySelectorAll('svg.radar text.label').forEach(function(t){var r=t.getBoundingClientRect();
out.push([r.left,r.top,r.right,r.bottom,parseFloat(getComputedStyle(t).fontSize)*t.ownerSVGElement.getScreenCTM().a]);});
return {vw:vw,scroll:document.documentElement.scrollWidth,labels:out};})()"""


@pytest.mark.parametrize("name", ["minimal", "document-intelligence"])
def test_in_headless_chromium_at_420_px_labels_are_inside_the_viewport_apart_and_readable(name):
    _browser_or_skip()
    ARTIFACTS.mkdir(exist_ok=True)
    page_file = ARTIFACTS / f"maturity-radar-420-{name}.html"
    page_file.write_text(render(example(name), "html"), encoding="utf-8")
    page = browser.render(page_file, screenshot=ARTIFACTS / f"maturity-radar-420-{name}.png", width=420,
                          expressions=(LABELS,))
    got = page.values[LABELS]
    assert got["vw"] == 420
    labels = got["labels"]
    assert len(labels) == 6
    for left, top, right, bottom, size in labels:
        assert 0 <= left and right <= 420, (left, right)
        assert size >= 11, size
    for a, b in itertools.combinations(labels, 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


OVERFLOW = """(function(){var vw=document.documentElement.clientWidth;var out=[];
document.querySelectorAll('body *').forEach(function(e){if(e.closest('.scroll'))return;var r=e.getBoundingClientRect();
if(r.right>vw+0.5||r.left<-0.5){out.push(e.tagName+'.'+String(e.className)+' '+Math.round(r.left)+'..'+Math.round(r.right)+' '
+(e.textContent||'').slice(0,50));}});
return {vw:vw,scroll:document.documentElement.scrollWidth,over:out};})()"""


@pytest.mark.parametrize("name", ["minimal", "document-intelligence", "support-assistant", "self-hosted-llama"])
def test_in_headless_chromium_at_420_px_the_page_does_not_scroll_sideways(name):
    """Only a table in its own scrolling box may be wider than the page; long evidence (file:line:col, resource
    types, JSON pointers) in the criteria table wraps inside its cell."""
    _browser_or_skip()
    ARTIFACTS.mkdir(exist_ok=True)
    page_file = ARTIFACTS / f"maturity-page-420-{name}.html"
    page_file.write_text(render(example(name), "html"), encoding="utf-8")
    page = browser.render(page_file, width=420, expressions=(OVERFLOW,))
    got = page.values[OVERFLOW]
    assert got["vw"] == 420
    assert got["over"] == [] and got["scroll"] <= 420, (got["scroll"], got["over"][:10])
