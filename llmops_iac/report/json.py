"""JSON report (schemas/report.schema.json): stable keys, one entry per spec file."""

from __future__ import annotations

import json

from llmops_iac import __version__
from llmops_iac.pipeline import RunResult

REPORT_VERSION = 1


def to_data(result: RunResult) -> dict:
    """Return the report as JSON-ready data."""
    return {
        "reportVersion": REPORT_VERSION,
        "tool": {"name": "llmops-iac", "version": __version__},
        "command": result.command,
        "stack": result.stack,
        "stages": list(result.stages),
        "ok": result.ok and not result.findings_fail,
        "summary": {
            "specs": len(result.files),
            "valid": sum(1 for f in result.files if f.ok),
            "invalid": sum(1 for f in result.files if not f.ok),
            "errors": result.error_count,
            "warnings": result.warning_count,
        },
        "files": [
            {
                "file": f.path,
                "environment": f.environment,
                "ok": f.ok,
                "sha256": f.loaded.sha256 if f.loaded else None,
                "diagnostics": [d.to_dict() for d in f.diagnostics],
                **({"policy": {"engine": f.policy.engine, "profile": f.policy.profile, "outcomes": f.policy.outcomes,
                               "findings": [x.to_dict() for x in f.policy.findings]}} if f.policy is not None else {}),
            }
            for f in result.files
        ],
        "skipped": list(result.skipped),
    }


def render(result: RunResult) -> str:
    """Return the JSON report of ``result``, pretty-printed."""
    return json.dumps(to_data(result), indent=2, sort_keys=False) + "\n"
