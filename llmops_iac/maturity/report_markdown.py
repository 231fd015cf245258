"""The maturity assessment as Markdown for a pull-request comment (GitHub/GitLab flavoured).

A headline, one table row per dimension (achieved, target, score), the
sub-dimension states, the roadmap to the target with remediation, and the
criteria with their evidence and the manual checklist folded in ``<details>``.
Stays well under GitHub's 65,536-character comment limit for real specs; the
evidence column is cut to a few items per criterion.
"""

from __future__ import annotations

from llmops_iac.maturity import explain
from llmops_iac.maturity.assess import Assessment, CriterionResult, DimensionResult
from llmops_iac.maturity.checks import FAIL, MANUAL, NOT_APPLICABLE, PASS

ICON = {PASS: "✅", FAIL: "❌", NOT_APPLICABLE: "➖", MANUAL: "📝"}
MAX_EVIDENCE = 3
MARKER = "<!-- llmops-iac:maturity -->"
"""First line of the comment, so a CI step can find and update its previous comment."""


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _status(d: DimensionResult) -> str:
    return "✅" if d.meets_target else "❌"


def render(a: Assessment) -> str:
    """Return the Markdown report of ``a``."""
    out = [MARKER, f"### LLMOps maturity: {a.app} ({a.environment})", ""]
    lv = a.catalogue.level(a.level)
    score = f"{a.score:.1f}/10" if a.score is not None else "n/a"
    if a.meets_target:
        verdict = f"target **{a.target}** ✅ met"
    else:
        behind = ", ".join(d.dimension.name for d in a.dimensions if not d.meets_target)
        verdict = f"target **{a.target}** ❌ not met ({behind} below target)"
    out.append(f"**Level {a.level} · {lv.name}** · score **{score}** · {verdict}")
    out.append("")
    story = explain.overall(a)
    out.append(f"Level {a.level} means: {_cell(lv.description)}" + (f" In the seeds' words: {_cell(explain.quotes(story.seeds))}."
                                                                      if story.seeds else ""))
    if story.score_note:
        out.append(f"<br>Why level and score differ: {_cell(story.score_note)}.")
    out.append("")
    out.append("| Dimension | Achieved | Target | Score | |")
    out.append("|:--|:--|:-:|--:|:-:|")
    for d in a.dimensions:
        s = f"{d.score:.1f}" if d.score is not None else "n/a"
        st = explain.dimension(a, d)
        gate = st.gate.split(": ", 1)[1]
        mark = f" {st.score_mark}" if st.score_mark else ""
        out.append(f"| {_cell(d.dimension.name)} | {d.achieved} {_cell(a.level_name(d.achieved))} ({_cell(gate)}) | {d.target} "
                   f"| {s}{mark} | {_status(d)} |")
    out.append(f"| **Overall** (minimum level, weighted mean score) | **{a.level} {_cell(lv.name)}** | **{a.target}** | "
               f"**{score.split('/')[0]}** | {'✅' if a.meets_target else '❌'} |")
    out.append("")
    out.append("| Practice | State | Seed 003 §4.4.2 | Held back by |")
    out.append("|:--|:--|:--|:--|")
    for s in a.sub_dimensions:
        if not s.applicable:
            out.append(f"| {_cell(s.sub.name)} | not applicable | | |")
            continue
        nxt = ", ".join(s.blocked_by) if s.blocked_by else ("—" if s.level == 3 else "")
        st = explain.practice(s)
        seed = ""
        if st is not None:
            seed = f"level {st.here.seed_level} “{_cell(st.here.text)}”" if st.here else "(between the seed's levels)"
            if st.ahead:
                seed += f"; next: level {st.ahead.seed_level} “{_cell(st.ahead.text)}”"
        out.append(f"| {_cell(s.sub.name)} | {_cell(s.state)} ({s.level}/3) | {seed} | {nxt} |")
    out.append("")
    out += _stories(a)
    out += _roadmap(a)
    counts = a.counts()
    out.append("")
    out.append(f"<details><summary>All criteria and evidence ({len(a.criteria)}: {counts[PASS]} pass, {counts[FAIL]} fail, "
               f"{counts[NOT_APPLICABLE]} not applicable, {counts[MANUAL]} manual)</summary>")
    out.append("")
    for d in a.dimensions:
        s = f"{d.score:.1f}" if d.score is not None else "n/a"
        out.append(f"#### {d.dimension.name}: level {d.achieved} (target {d.target}), score {s}")
        out.append("")
        out.append("| | Criterion | Level | Result | Evidence |")
        out.append("|:-:|:--|:-:|:--|:--|")
        out += [_criterion_row(r) for r in d.criteria if r.outcome != MANUAL]
        out.append("")
    out.append("</details>")
    manual = a.manual()
    if manual:
        out.append("")
        out.append(f"<details><summary>Manual criteria ({len(manual)}): met only by an attestation in "
                   f"{a.catalogue.attestation_file}</summary>")
        out.append("")
        out += [f"- [{'x' if r.attested else ' '}] **{r.id}** {r.criterion.title} (level {r.criterion.level}): {r.reason}"
                for r in manual]
        out.append("")
        out.append("</details>")
    out.append("")
    repo = f" · repository {a.repository.display}" if a.repository else " · no repository evidence (--repo)"
    out.append(f"<sub>{a.spec_file} (sha256 {a.spec_hash}) · assessed {a.today.isoformat()}{repo} · "
               f"maturity catalogue v{a.catalogue.version}</sub>")
    return "\n".join(out) + "\n"


def _roadmap(a: Assessment) -> list[str]:
    if not a.roadmap:
        if a.meets_target:
            return [f"Every dimension is at or above target {a.target}."]
        return []
    out = [f"#### Roadmap to level {a.target}", ""]
    for step in a.roadmap:
        c = step.result.criterion
        dim = a.catalogue.dimension(c.dimension).name
        out.append(f"{step.order}. **{c.id}** {_cell(c.title)} ({_cell(dim)}, level {c.level})  ")
        out.append(f"   Why: {_cell(step.result.reason)}  ")
        out.append(f"   Fix: {_cell(c.remediation)}")
    return out


def _criterion_row(r: CriterionResult) -> str:
    ev = [f"`{_cell(i.source.location())}` {_cell(i.summary)}" for i in r.evidence[:MAX_EVIDENCE]]
    if len(r.evidence) > MAX_EVIDENCE:
        ev.append(f"(+{len(r.evidence) - MAX_EVIDENCE} more)")
    return (f"| {ICON[r.outcome]} | **{r.id}** {_cell(r.criterion.title)} | {r.criterion.level} | {_cell(r.reason)} | "
            f"{'<br>'.join(ev)} |")


def _stories(a: Assessment) -> list[str]:
    """Each dimension's level in the seeds' words: what it means, what is present, what is missing for the next."""
    out = ["<details><summary>What each level means, what is present and what is missing</summary>", ""]
    for d in a.dimensions:
        st = explain.dimension(a, d)
        score = f"{d.score:.1f}" if d.score is not None else "n/a"
        out.append(f"**{_cell(d.dimension.name)}**: {_cell(st.gate)}; score {score}")
        out.append("")
        seeds = f" Seeds: {_cell(explain.quotes(st.seeds))}" if st.seeds else ""
        out.append(f"- Level {d.achieved} means: {_cell(st.meaning)}{seeds}")
        if st.score_note:
            out.append(f"- Why level and score differ: {_cell(st.score_note)}")
        for r in st.present:
            out.append(f"- ✅ present: **{r.id}** {_cell(r.criterion.title)} (level {r.criterion.level}): "
                       f"{_cell(explain.evidence_line(r))}")
        if st.next_level is not None:
            seeds = f" Seeds: {_cell(explain.quotes(st.next_seeds))}" if st.next_seeds else ""
            out.append(f"- Missing for level {st.next_level} ({_cell(st.next_meaning)}){seeds}")
            for r in st.missing:
                how = "confirm by hand" if r.outcome == MANUAL else r.reason
                out.append(f"  - {ICON[r.outcome]} **{r.id}** {_cell(r.criterion.title)}: {_cell(how)}")
        out.append("")
    out.append("</details>")
    out.append("")
    return out
