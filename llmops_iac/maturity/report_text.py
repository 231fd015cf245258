"""The maturity assessment as plain text for a terminal: levels per dimension, practices, roadmap."""

from __future__ import annotations

from llmops_iac.maturity import explain
from llmops_iac.maturity.assess import Assessment
from llmops_iac.maturity.checks import FAIL, MANUAL, NOT_APPLICABLE, PASS


def render(a: Assessment, *, verbose: bool = False) -> str:
    """Return the text report of ``a``; ``verbose`` lists every criterion with its evidence."""
    lv = a.catalogue.level(a.level)
    score = f"{a.score:.1f}/10" if a.score is not None else "n/a"
    state = "met" if a.meets_target else "not met"
    out = [f"{a.spec_file}: {a.app} ({a.environment}): maturity level {a.level} ({lv.name}), score {score}, "
           f"target {a.target} {state}"]
    story = explain.overall(a)
    out.append(f"  level {a.level} means: {lv.description}" + (f" Seeds: {explain.quotes(story.seeds)}" if story.seeds else ""))
    if story.score_note:
        out.append(f"  ({story.score_note})")
    width = max(len(d.dimension.name) for d in a.dimensions)
    for d in a.dimensions:
        s = f"{d.score:4.1f}" if d.score is not None else " n/a"
        mark = "ok" if d.meets_target else "below target"
        blocked = f"  next: {', '.join(r.id for r in d.blocked_by)}" if d.blocked_by and d.achieved < 3 else ""
        note = explain.dimension(a, d).score_mark
        s += f" {note}" if note else ""
        out.append(f"  {d.dimension.name:<{width}}  {d.achieved}/{d.target}  {s}  {mark}{blocked}")
    for d in a.dimensions:
        out += _dimension(a, d)
    out.append("practices (seed 003 section 4.4.2):")
    for sub in a.sub_dimensions:
        out.append("  " + _practice(sub))
    if a.roadmap:
        out.append(f"roadmap to level {a.target}:")
        for step in a.roadmap:
            c = step.result.criterion
            out.append(f"  {step.order}. {c.id} {c.title} (level {c.level}): {step.result.reason}")
            out.append(f"     fix: {c.remediation}")
    if verbose:
        for r in a.criteria:
            mark = {PASS: "pass", FAIL: "FAIL", NOT_APPLICABLE: "n/a ", MANUAL: "hand"}[r.outcome]
            out.append(f"  [{mark}] {r.id} {r.criterion.title}: {r.reason}")
            for item in r.evidence:
                out.append(f"         {item.source.location()}: {item.summary}")
    if a.repository is None:
        out.append("  (no repository evidence: pass --repo PATH to assess CI, CODEOWNERS and repository files)")
    if a.attestations is not None:
        for line, problem in a.attestations.problems():
            where = f"{a.attestations.file}:{line}" if line else a.attestations.file
            out.append(f"  {where}: attestation does not count: {problem}")
    counts = a.counts()
    attested = sum(1 for r in a.criteria if r.attested)
    out.append(f"maturity: {counts[PASS]} pass ({attested} attested), {counts[FAIL]} fail, "
               f"{counts[NOT_APPLICABLE]} not applicable")
    return "\n".join(out) + "\n"


def _dimension(a: Assessment, d) -> list[str]:  # type: ignore[no-untyped-def]
    st = explain.dimension(a, d)
    out = [f"{d.dimension.name}: {st.gate}; score {d.score:.1f}" if d.score is not None else
           f"{d.dimension.name}: {st.gate}; score n/a",
           f"  level {d.achieved} means: {st.meaning}" + (f" Seeds: {explain.quotes(st.seeds)}" if st.seeds else "")]
    if st.score_note:
        out.append(f"  ({st.score_note})")
    for r in st.present:
        out.append(f"  present: {r.id} {r.criterion.title} (level {r.criterion.level}): {explain.evidence_line(r)}")
    if st.next_level is not None:
        seeds = f" Seeds: {explain.quotes(st.next_seeds)}" if st.next_seeds else ""
        out.append(f"  missing for level {st.next_level} ({st.next_meaning}){seeds}")
        for r in st.missing:
            how = "confirm by hand" if r.outcome == MANUAL else r.reason
            out.append(f"    {r.id} {r.criterion.title}: {how}")
    return out


def _practice(sub) -> str:  # type: ignore[no-untyped-def]
    if not sub.applicable:
        return f"{sub.sub.name}: not applicable"
    story = explain.practice(sub)
    line = f"{sub.sub.name}: {sub.state} ({sub.level}/3)"
    if story and story.here:
        line += f', seed 003 level {story.here.seed_level} "{story.here.text}"'
    if sub.blocked_by:
        line += f"; held back by {', '.join(sub.blocked_by)}"
    if story and story.ahead:
        line += f'; next in seed 003: level {story.ahead.seed_level} "{story.ahead.text}"'
    return line
