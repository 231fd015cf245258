"""The maturity assessment as JSON (schemas/maturity.schema.json)."""

from __future__ import annotations

import json

from llmops_iac.maturity import explain
from llmops_iac.maturity.assess import Assessment


def render(a: Assessment) -> str:
    """Return ``a.to_dict()``, with each level's explanation (explain.annotate), as indented JSON."""
    return json.dumps(explain.annotate(a.to_dict(), a), indent=2, ensure_ascii=False) + "\n"
