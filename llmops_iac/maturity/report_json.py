"""The maturity assessment as JSON (schemas/maturity.schema.json)."""

from __future__ import annotations

import json

from llmops_iac.maturity.assess import Assessment


def render(a: Assessment) -> str:
    """Return ``a.to_dict()`` as indented JSON with a trailing newline."""
    return json.dumps(a.to_dict(), indent=2, ensure_ascii=False) + "\n"
