"""LLMOps maturity: a criteria catalogue (data), evidence from spec, Plan and repository, gated levels, reports.

    from llmops_iac.maturity.assess import assess
    from llmops_iac.maturity import render

    a = assess(loaded, plan, repo=".")          # an Assessment
    a.level, a.score, a.meets_target, a.roadmap, a.to_dict()
    render(a, "markdown")                       # or "html", "json", "text"

catalogue.yaml holds the criteria, checks/ one check per automatic
criterion (a module per dimension), evidence.py the collectors, assess.py
how levels and scores are computed; schemas/maturity.schema.json is the
JSON shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmops_iac.maturity.assess import Assessment

FORMATS = ("text", "json", "markdown", "html")


def render(assessment: "Assessment", fmt: str) -> str:
    """Return ``assessment`` rendered as ``fmt`` (one of FORMATS)."""
    if fmt == "text":
        from llmops_iac.maturity.report_text import render as text
        return text(assessment)
    if fmt == "json":
        from llmops_iac.maturity.report_json import render as as_json
        return as_json(assessment)
    if fmt == "markdown":
        from llmops_iac.maturity.report_markdown import render as markdown
        return markdown(assessment)
    if fmt == "html":
        from llmops_iac.maturity.report_html import render as html
        return html(assessment)
    raise ValueError(f"unknown maturity report format {fmt!r}; expected one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "render"]
