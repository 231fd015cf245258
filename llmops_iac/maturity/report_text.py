"""The maturity assessment as plain text for a terminal: levels per dimension, practices, roadmap."""

from __future__ import annotations

from llmops_iac.maturity.assess import Assessment
from llmops_iac.maturity.checks import FAIL, MANUAL, NOT_APPLICABLE, PASS


def render(a: Assessment, *, verbose: bool = False) -> str:
    """Return the text report of ``a``; ``verbose`` lists every criterion with its evidence."""
    lv = a.catalogue.level(a.level)
    score = f"{a.score:.1f}/10" if a.score is not None else "n/a"
    state = "met" if a.meets_target else "not met"
    out = [f"{a.spec_file}: {a.app} ({a.environment}): maturity level {a.level} ({lv.name}), score {score}, "
           f"target {a.target} {state}"]
    width = max(len(d.dimension.name) for d in a.dimensions)
    for d in a.dimensions:
        s = f"{d.score:4.1f}" if d.score is not None else " n/a"
        mark = "ok" if d.meets_target else "below target"
        blocked = f"  next: {', '.join(r.id for r in d.blocked_by)}" if d.blocked_by and d.achieved < 3 else ""
        out.append(f"  {d.dimension.name:<{width}}  {d.achieved}/{d.target}  {s}  {mark}{blocked}")
    practices = "; ".join(f"{s.sub.name.lower()}: {s.state.lower() if s.applicable else 'n/a'}" for s in a.sub_dimensions)
    out.append(f"  practices: {practices}")
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
