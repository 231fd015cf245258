"""The maturity assessment as one self-contained HTML file.

Everything is inline: CSS, a few lines of JavaScript (outcome filter, expand
all) and an SVG radar chart of the six dimensions, achieved against target.
A Content-Security-Policy allows only that style and script (by sha256) and
nothing from the network, so the file renders the same offline, attached to a
CI run or opened from disk, and cannot be made to fetch anything.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from html import escape

from llmops_iac.maturity import explain
from llmops_iac.maturity.assess import Assessment, CriterionResult, DimensionResult, SubDimensionResult
from llmops_iac.maturity.checks import FAIL, MANUAL, NOT_APPLICABLE, PASS

OUTCOME_LABEL = {PASS: "pass", FAIL: "fail", NOT_APPLICABLE: "n/a", MANUAL: "manual"}

CSS = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--pass:#1a7f37;--fail:#cf222e;
--na:#6e7781;--manual:#8250df;--achieved:#0969da;--target:#bc4c00}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1180px;margin:0 auto;padding:0 24px}
header{padding-top:24px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:24px 0 8px}
.sub{color:var(--muted);margin:0}
.headline{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0 0}
.pill{border:1px solid var(--line);border-radius:8px;padding:8px 14px;background:var(--soft)}
.pill b{display:block;font-size:20px}
.pill.ok b{color:var(--pass)}.pill.bad b{color:var(--fail)}
.summary{display:grid;grid-template-columns:minmax(320px,460px) 1fr;gap:24px;align-items:start}
@media (max-width:900px){.summary{grid-template-columns:minmax(0,1fr)}}
.summary>*{min-width:0}
.scroll{overflow-x:auto}
figure{margin:0}
figcaption{color:var(--muted);font-size:12px;text-align:center}
.radar .ring{fill:none;stroke:var(--line)}
.radar .axis{stroke:var(--line)}
.radar{display:block;max-width:460px;margin:0 auto}
.radar .tick{fill:var(--muted);font-size:11.5px;font-weight:400}
.radar .label{fill:var(--fg);font-size:13px;font-weight:600}
.radar .target{fill:none;stroke:var(--target);stroke-width:2;stroke-dasharray:6 4}
.radar .achieved{fill:var(--achieved);fill-opacity:.25;stroke:var(--achieved);stroke-width:2}
.radar .dot{fill:var(--achieved)}
.legend{display:flex;gap:16px;justify-content:center;font-size:12px;color:var(--muted)}
.sw{display:inline-block;width:18px;height:0;border-top:3px solid var(--achieved);vertical-align:middle;margin-right:4px}
.sw.t{border-top:3px dashed var(--target)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600}
td.num{text-align:right;white-space:nowrap}
.bar .bg{fill:var(--soft);stroke:var(--line)}.bar .fg{fill:var(--achieved)}
.st-ok{color:var(--pass);font-weight:600}.st-bad{color:var(--fail);font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px;background:var(--bg)}
.card h4{margin:0 0 2px;font-size:14px}
.card .dim{color:var(--muted);font-size:12px;margin:0 0 8px}
.card ol{list-style:none;margin:0;padding:0}
.card li{padding:2px 0 2px 20px;position:relative;color:var(--muted)}
.card li::before{content:"";position:absolute;left:4px;top:7px;width:9px;height:9px;border-radius:50%;border:2px solid var(--line)}
.card li.reached{color:var(--fg)}
.card li.reached::before{background:var(--achieved);border-color:var(--achieved)}
.card li.current{font-weight:700}
.card .held{font-size:12px;color:var(--muted);margin:8px 0 0}
.card.na{opacity:.6}
ol.roadmap{padding-left:24px}
ol.roadmap li{margin:0 0 12px}
.why{color:var(--muted)}
.badge{display:inline-block;min-width:52px;text-align:center;border-radius:12px;padding:0 8px;font-size:12px;font-weight:600;color:#fff}
.b-pass{background:var(--pass)}.b-fail{background:var(--fail)}.b-not-applicable{background:var(--na)}.b-manual{background:var(--manual)}
.gates{color:var(--muted);font-size:12px;margin:0 0 8px}
.crit-table{table-layout:fixed}
.crit-table td{overflow-wrap:anywhere}
.crit-table th:nth-child(1){width:84px}.crit-table th:nth-child(2){width:30%}.crit-table th:nth-child(3){width:56px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}
details summary{cursor:pointer;color:var(--achieved)}
details ul{margin:6px 0;padding-left:18px}
details p{margin:4px 0}
.filters{display:flex;gap:8px;flex-wrap:wrap;margin:0 0 8px}
.filters button{font:inherit;border:1px solid var(--line);background:var(--soft);border-radius:6px;padding:3px 10px;cursor:pointer}
.filters button[aria-pressed=true]{background:var(--fg);color:#fff}
body[data-show=fail] tr.crit:not(.o-fail),body[data-show=pass] tr.crit:not(.o-pass),
body[data-show=manual] tr.crit:not(.o-manual){display:none}
footer{color:var(--muted);font-size:12px;padding:24px}
.story{margin:8px 0}.story ul{margin:4px 0;padding-left:20px}.story p{margin:4px 0}
a{color:var(--achieved)}
"""

JS = """
'use strict';
(function () {
  var buttons = document.querySelectorAll('button[data-filter]');
  buttons.forEach(function (button) {
    button.addEventListener('click', function () {
      document.body.setAttribute('data-show', button.getAttribute('data-filter'));
      buttons.forEach(function (b) { b.setAttribute('aria-pressed', String(b === button)); });
    });
  });
  var toggle = document.getElementById('expand');
  if (toggle) {
    toggle.addEventListener('click', function () {
      var open = toggle.getAttribute('aria-pressed') !== 'true';
      document.querySelectorAll('tr.crit details').forEach(function (d) { d.open = open; });
      toggle.setAttribute('aria-pressed', String(open));
    });
  }
}());
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


CSP = (f"default-src 'none'; style-src {_sha256(CSS)}; script-src {_sha256(JS)}; "
       "img-src 'none'; base-uri 'none'; form-action 'none'")
"""Only the inline style and script above may run; nothing may be fetched."""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


_CODE = re.compile(r"`([^`]+)`")


def _t(text: object) -> str:
    """Escape ``text`` and show its `backticked` spans as code."""
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", _e(text))


def render(a: Assessment) -> str:
    """Return the HTML report of ``a`` as one self-contained document."""
    lv = a.catalogue.level(a.level)
    score = f"{a.score:.1f}" if a.score is not None else "n/a"
    title = f"LLMOps maturity: {a.app} ({a.environment})"
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">',
        '<meta name="generator" content="llmops-iac maturity">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        '<body data-show="all">',
        "<header>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">{_e(a.spec_file)} · spec sha256 {_e(a.spec_hash)} · assessed {_e(a.today.isoformat())}'
        + (f" · repository {_e(a.repository.display)}" if a.repository else " · no repository evidence (run with --repo)")
        + (f" · production view: {_e(a.production)}" if a.production else "") + "</p>",
        '<div class="headline">',
        f'<div class="pill"><span>Overall level (minimum)</span><b>{a.level} · {_e(lv.name)}</b></div>',
        f'<div class="pill"><span>Score (weighted mean)</span><b>{score} / 10</b></div>',
        f'<div class="pill {"ok" if a.meets_target else "bad"}"><span>Declared target</span>'
        f'<b>{a.target} · {"met" if a.meets_target else "not met"}</b></div>',
        f'<div class="pill"><span>Microsoft LLMOps model</span><b>{_e(_ms(a.catalogue, a.level))}</b></div>',
        "</div>",
        *_overall_story(a),
        "</header>",
        "<main>",
        '<h2 id="dimensions">Dimensions</h2>',
        '<section class="summary">',
        _radar(a),
        _dimension_table(a),
        "</section>",
        '<h2 id="practices">Practices</h2>',
        '<section class="cards">',
        *[_practice(a, s) for s in a.sub_dimensions],
        "</section>",
        *_roadmap(a),
        '<h2 id="criteria">Criteria and evidence</h2>',
        '<div class="filters" role="group" aria-label="Show criteria">',
        '<button type="button" data-filter="all" aria-pressed="true">All</button>',
        '<button type="button" data-filter="fail" aria-pressed="false">Failing</button>',
        '<button type="button" data-filter="pass" aria-pressed="false">Passing</button>',
        '<button type="button" data-filter="manual" aria-pressed="false">Manual</button>',
        '<button type="button" id="expand" aria-pressed="false">Expand all evidence</button>',
        "</div>",
        *[_dimension_section(a, d) for d in a.dimensions],
        '<h2 id="scoring">How levels and scores are computed</h2>',
        f"<p>A dimension reaches level N only when every criterion at levels 1 to N passes and each of those levels "
        f"has a passing one; not-applicable criteria are left out, and manual ones pass only when attested in "
        f"{_e(a.catalogue.attestation_file)}. {_e(a.catalogue.scoring)} Level weights: "
        + ", ".join(f"level {k}: {v:g}" for k, v in sorted(a.catalogue.level_weights.items())) + ".</p>",
        "<table><thead><tr><th>Level</th><th>Name</th><th>Meaning</th><th>Microsoft LLMOps</th></tr></thead><tbody>",
        *[f"<tr><td>{x.level}</td><td>{_e(x.name)}</td><td>{_e(x.description)}</td><td>{_e(_ms(a.catalogue, x.level))}</td></tr>"
          for x in a.catalogue.levels],
        "</tbody></table>",
        "</main>",
        f"<footer>llmops-iac maturity catalogue v{a.catalogue.version}. This file is self-contained and makes no network "
        "requests.</footer>",
        f"<script>{JS}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _ms(cat: object, level: int) -> str:
    from llmops_iac.maturity.catalogue import MS_LLMOPS

    return MS_LLMOPS[cat.level(level).ms_llmops]  # type: ignore[attr-defined]


RADAR = {"width": 420.0, "height": 340.0, "cx": 210.0, "cy": 172.0, "radius": 88.0, "label_at": 3.4,
         "label_size": 13.0, "tick_size": 11.5, "line": 14.0, "wrap": 14}
"""Radar geometry in SVG user units. The SVG scales to its box; at a 420 px page (372 px box) one unit is
0.886 px, so labels render at 11.5 px and every label fits the viewBox (tests/maturity/test_radar.py)."""


def wrap_label(text: str, width: int) -> list[str]:
    """Split ``text`` at spaces into lines of at most ``width`` characters (a longer word stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [text]


def radar_labels(dims: list[tuple[str, str]]) -> list[dict[str, object]]:
    """Where each dimension's label goes: anchor point, text-anchor and lines (name lines, then the level line)."""
    g = RADAR
    n = len(dims)
    out = []
    for i, (name, level_line) in enumerate(dims):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = g["radius"] * g["label_at"] / 3
        lx, ly = g["cx"] + r * math.cos(angle), g["cy"] + r * math.sin(angle)
        anchor = "middle" if abs(lx - g["cx"]) < 5 else ("start" if lx > g["cx"] else "end")
        lines = wrap_label(name, int(g["wrap"])) + [level_line]
        height = g["line"] * len(lines)
        if ly < g["cy"] - 5:  # above the centre: the block ends just above the point
            top = ly - height + g["line"] * 0.75 - 4
        elif ly > g["cy"] + 5:  # below: the block starts just under the point
            top = ly + g["line"] * 0.75 + 2
        else:
            top = ly - height / 2 + g["line"] * 0.75
        out.append({"x": lx, "y": top, "anchor": anchor, "lines": lines})
    return out


def _radar(a: Assessment) -> str:
    """An SVG radar of the dimensions: rings at levels 1-3, achieved (filled) and target (dashed) polygons."""
    g = RADAR
    cx, cy, radius = g["cx"], g["cy"], g["radius"]
    dims = a.dimensions
    n = len(dims)

    def point(i: int, level: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * level / 3
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    def poly(levels: list[float]) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, lv) for i, lv in enumerate(levels)))

    out = ['<figure>',
           f'<svg class="radar" viewBox="0 0 {g["width"]:g} {g["height"]:g}" width="100%" role="img" '
           'aria-labelledby="radar-title radar-desc" xmlns="http://www.w3.org/2000/svg">',
           '<title id="radar-title">Maturity by dimension: achieved against target</title>',
           '<desc id="radar-desc">' + _e("; ".join(f"{d.dimension.name}: level {d.achieved} of target {d.target}"
                                               for d in dims)) + "</desc>"]
    for level in (1, 2, 3):
        out.append(f'<polygon class="ring" points="{poly([level] * n)}"/>')
    for i in range(n):
        x, y = point(i, 3)
        out.append(f'<line class="axis" x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}"/>')
    for level in (1, 2, 3):
        x, y = point(0, level)
        out.append(f'<text class="tick" x="{x + 4:.1f}" y="{y + 12:.1f}">{level}</text>')
    out.append(f'<polygon class="achieved" points="{poly([d.achieved for d in dims])}"/>')
    out.append(f'<polygon class="target" points="{poly([d.target for d in dims])}"/>')  # on top: visible when equal
    for i, d in enumerate(dims):
        x, y = point(i, d.achieved)
        out.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="4"><title>'
                   f'{_e(d.dimension.name)}: level {d.achieved} of target {d.target}</title></circle>')
    labels = radar_labels([(d.dimension.short, f"level {d.achieved} of {d.target}") for d in dims])
    for lab in labels:
        lines = lab["lines"]
        assert isinstance(lines, list)
        x = f'{lab["x"]:.1f}'
        spans = "".join(f'<tspan x="{x}" dy="{0 if k == 0 else g["line"]:g}">{_e(t)}</tspan>'
                        for k, t in enumerate(lines[:-1]))
        spans += f'<tspan class="tick" x="{x}" dy="{g["line"]:g}">{_e(lines[-1])}</tspan>'
        out.append(f'<text class="label" x="{x}" y="{lab["y"]:.1f}" text-anchor="{lab["anchor"]}">{spans}</text>')
    out.append("</svg>")
    out.append('<figcaption><div class="legend"><span><span class="sw"></span>achieved</span>'
               '<span><span class="sw t"></span>target</span></div>Rings are levels 1, 2 and 3; the centre is level 0.'
               "</figcaption>")
    out.append("</figure>")
    return "\n".join(out)


def _bar(score: float | None) -> str:
    if score is None:
        return "n/a"
    width = max(0.0, min(100.0, score * 10))
    return (f'<svg class="bar" width="100" height="10" viewBox="0 0 100 10" aria-hidden="true">'
            f'<rect class="bg" x="0.5" y="0.5" width="99" height="9" rx="2"/>'
            f'<rect class="fg" x="0.5" y="0.5" width="{max(width - 1, 0):.1f}" height="9" rx="2"/></svg> {score:.1f}')


def _dimension_table(a: Assessment) -> str:
    rows = []
    for d in a.dimensions:
        status = '<span class="st-ok">meets target</span>' if d.meets_target else '<span class="st-bad">below target</span>'
        blocked = ", ".join(f'<a href="#{_e(r.id)}">{_e(r.id)}</a>' for r in d.blocked_by)
        mark = explain.dimension(a, d).score_mark
        note = f'<br><span class="why">{_e(mark)}</span>' if mark else ""
        rows.append(f'<tr><td><a href="#dim-{_e(d.id)}">{_e(d.dimension.name)}</a></td>'
                    f"<td>{d.achieved} · {_e(a.level_name(d.achieved))}</td><td>{d.target}</td>"
                    f'<td class="num">{_bar(d.score)}{note}</td><td>{status}</td><td>{blocked or "—"}</td></tr>')
    rows.append(f"<tr><td><b>Overall</b> (minimum, weighted mean)</td><td><b>{a.level} · {_e(a.level_name(a.level))}</b></td>"
                f'<td><b>{a.target}</b></td><td class="num">{_bar(a.score)}</td>'
                f'<td>{"<span class=st-ok>meets target</span>" if a.meets_target else "<span class=st-bad>below target</span>"}'
                "</td><td></td></tr>")
    return ('<div class="scroll"><table><thead><tr><th>Dimension</th><th>Achieved</th><th>Target</th><th>Score</th><th>Status</th>'
            "<th>Next level blocked by</th></tr></thead><tbody>" + "\n".join(rows) + "</tbody></table></div>")


def _practice(a: Assessment, s: SubDimensionResult) -> str:
    dim = a.catalogue.dimension(s.sub.dimension).name
    if not s.applicable:
        return (f'<div class="card na"><h4>{_e(s.sub.name)}</h4><p class="dim">{_e(dim)}</p>'
                f"<p>Not applicable ({_e(s.sub.applicable_when or '')} is empty).</p></div>")
    steps = []
    for state in s.sub.states:
        cls = "reached" if state.level <= s.level else ""
        if state.level == s.level:
            cls += " current"
        steps.append(f'<li class="{cls.strip()}">{state.level} · {_e(state.name)}</li>')
    held = ""
    if s.blocked_by:
        held = ('<p class="held">Held back by ' + ", ".join(f'<a href="#{_e(c)}">{_e(c)}</a>' for c in s.blocked_by) + "</p>")
    st = explain.practice(s)
    seed = f'<p class="held">{_e(st.line)}</p>' if st else ""
    return (f'<div class="card"><h4>{_e(s.sub.name)}: {_e(s.state)}</h4><p class="dim">{_e(dim)}</p>'
            f"<ol>{''.join(steps)}</ol>{held}{seed}</div>")


def _roadmap(a: Assessment) -> list[str]:
    out = [f'<h2 id="roadmap">Roadmap to level {a.target}</h2>']
    if not a.roadmap:
        out.append(f"<p>Every dimension is at or above the declared target ({a.target}).</p>")
        return out
    out.append("<p>The failing criteria of each lagging dimension's next level come first.</p>")
    out.append('<ol class="roadmap">')
    for step in a.roadmap:
        c = step.result.criterion
        dim = a.catalogue.dimension(c.dimension).name
        out.append(f'<li><a href="#{_e(c.id)}"><b>{_e(c.id)}</b></a> {_t(c.title)} <span class="why">({_e(dim)}, level '
                   f"{c.level})</span><br><span class=\"why\">Why: {_t(step.result.reason)}</span><br>Fix: "
                   f"{_t(c.remediation)}</li>")
    out.append("</ol>")
    return out


def _gates_line(d: DimensionResult) -> str:
    parts = []
    for lv in d.levels:
        mark = "passed" if lv.passed and lv.level <= d.achieved else ("passed (held by a lower level)" if lv.passed else "failed")
        parts.append(f"level {lv.level} {mark} ({lv.counts[PASS]} pass, {lv.counts[FAIL]} fail, "
                     f"{lv.counts[NOT_APPLICABLE]} n/a, {lv.counts[MANUAL]} manual)")
    return " · ".join(parts)


def _dimension_section(a: Assessment, d: DimensionResult) -> str:
    score = f"{d.score:.1f}" if d.score is not None else "n/a"
    rows = "\n".join(_criterion_row(r) for r in d.criteria)
    return (f'<section id="dim-{_e(d.id)}"><h3>{_e(d.dimension.name)}: level {d.achieved} · {_e(a.level_name(d.achieved))} '
            f"(target {d.target}) · score {score}</h3>"
            f'<p class="gates">{_e(d.dimension.description)} {_e(_gates_line(d))}</p>'
            + _story(a, d) +
            '<table class="crit-table"><thead><tr><th>Result</th><th>Criterion</th><th>Level</th><th>Finding and evidence</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></section>")


def _criterion_row(r: CriterionResult) -> str:
    c = r.criterion
    evidence = "".join(f"<li><code>{_e(i.source.location())}</code> {_e(i.summary)}</li>" for i in r.evidence)
    sources = ", ".join(f"{_e(s.source)}: <code>{_e(s.path)}</code>" for s in c.evidence)
    refs = ", ".join(_e(x) for x in c.reference_labels())
    count = f"{len(r.evidence)} evidence item{'s' if len(r.evidence) != 1 else ''}" if r.evidence else "details"
    return (f'<tr id="{_e(c.id)}" class="crit o-{_e(r.outcome)}"><td><span class="badge b-{_e(r.outcome)}">'
            f"{_e(OUTCOME_LABEL[r.outcome])}</span></td><td><b>{_e(c.id)}</b><br>{_t(c.title)}</td><td>{c.level}</td>"
            f"<td>{_t(r.reason)}<details><summary>{count}</summary>"
            + (f"<ul>{evidence}</ul>" if evidence else "")
            + f"<p><b>Checks:</b> {_t(c.checks)}</p><p><b>Sources:</b> {sources}</p>"
            f"<p><b>Fix:</b> {_t(c.remediation)}</p><p><b>References:</b> {refs}</p></details></td></tr>")


def _overall_story(a: Assessment) -> list[str]:
    st = explain.overall(a)
    out = [f'<p class="story">Level {a.level} means: {_e(st.meaning)}'
           + (f" In the seeds' words: {_e(explain.quotes(st.seeds))}." if st.seeds else "") + "</p>"]
    if st.score_note:
        out.append(f'<p class="story why">Why level and score differ: {_e(st.score_note)}.</p>')
    return out


def _story(a: Assessment, d: DimensionResult) -> str:
    """The dimension's level in the seeds' words, the practices present (with evidence) and missing for the next."""
    st = explain.dimension(a, d)
    out = [f'<div class="story"><p><b>{_e(st.gate)}.</b> Level {d.achieved} means: {_e(st.meaning)}'
           + (f" Seeds: {_e(explain.quotes(st.seeds))}" if st.seeds else "") + "</p>"]
    if st.score_note:
        out.append(f'<p class="why">Why level and score differ: {_e(st.score_note)}.</p>')
    if st.present:
        out.append("<p>Present:</p><ul>" + "".join(
            f'<li><a href="#{_e(r.id)}">{_e(r.id)}</a> {_t(r.criterion.title)} (level {r.criterion.level}): '
            f"{_e(explain.evidence_line(r))}</li>" for r in st.present) + "</ul>")
    if st.next_level is not None:
        out.append(f"<p>Missing for level {st.next_level} ({_e(st.next_meaning)})"
                   + (f" Seeds: {_e(explain.quotes(st.next_seeds))}" if st.next_seeds else "") + ":</p>")
        out.append("<ul>" + "".join(
            f'<li><a href="#{_e(r.id)}">{_e(r.id)}</a> {_t(r.criterion.title)}: '
            f"{_t('confirm by hand' if r.outcome == MANUAL else r.reason)}</li>" for r in st.missing) + "</ul>")
    out.append("</div>")
    return "".join(out)
