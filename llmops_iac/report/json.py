"""JSON report (schemas/report.schema.json): stable keys, one entry per spec file.

``summary`` counts input diagnostics and policy findings (active by severity,
waived apart); each file's ``policy`` holds its profile, rule outcomes, counts
and every finding — waived ones included, with ``waived: true`` and the
waiver — each with a ``fingerprint`` that stays the same while rule, file,
pointer and resource do. ``rules`` is the metadata of every rule the run was
judged with.
"""

from __future__ import annotations

import json
from typing import Any

from llmops_iac.pipeline import FileResult, RunResult
from llmops_iac.report import findings as fx

REPORT_VERSION = 1


def _policy(f: FileResult, fail_at: str, root) -> dict[str, Any]:
    p = f.policy
    c = fx.file_counts(f, fail_at)
    return {
        "engine": p.engine,
        "profile": p.profile,
        "environment": p.environment,
        "tier": p.tier,
        "outcomes": dict(p.outcomes),
        "counts": {"active": c.active_total, "waived": c.waived, "bySeverity": dict(c.active),
                   "outcomes": dict(c.outcomes)},
        "findings": [{**x.to_dict(), "fingerprint": fp} for x, fp in zip(p.findings, fx.finding_fingerprints(f, root))],
    }


def _rule(rule: fx.RuleInfo) -> dict[str, Any]:
    return {"title": rule.title, "description": rule.description, "severity": rule.severity, "area": rule.area,
            "remediation": rule.remediation, "frameworks": rule.frameworks, "references": rule.references(),
            "related": list(rule.related)}


def to_data(result: RunResult) -> dict:
    """Return the report as JSON-ready data."""
    root = fx.repo_root()
    fail_at = fx.fail_level(result)
    c = fx.run_counts(result)
    judged = any(f.policy is not None for f in result.files)
    data: dict[str, Any] = {
        "reportVersion": REPORT_VERSION,
        "tool": {"name": fx.TOOL_NAME, "version": fx.tool_version()},
        "command": result.command,
        "stack": result.stack,
        "stages": list(result.stages),
        "ok": result.ok and not result.findings_fail,
        "summary": {
            "specs": c.specs,
            "results": len(result.files),
            "valid": sum(1 for f in result.files if f.ok),
            "invalid": sum(1 for f in result.files if not f.ok),
            "errors": result.error_count,
            "warnings": result.warning_count,
            **({"findings": {"active": c.active_total, "waived": c.waived, "bySeverity": dict(c.active),
                             "failLevel": fail_at, "fail": result.findings_fail,
                             "outcomes": dict(c.outcomes)}} if judged or result.policy_options else {}),
        },
        "files": [
            {
                "file": f.path,
                "environment": f.environment,
                "stack": f.stack,
                "tier": f.tier,
                "ok": f.ok,
                "sha256": f.sha256,
                "diagnostics": [d.to_dict() for d in f.diagnostics],
                **({"policy": _policy(f, fail_at, root)} if f.policy is not None else {}),
            }
            for f in result.files
        ],
        "skipped": list(result.skipped),
    }
    if judged or result.policy_options:
        data["engine"] = result.engine
        data["rules"] = {rid: _rule(r) for rid, r in fx.policy_rules(result).items()}
    return data


def render(result: RunResult) -> str:
    """Return the JSON report of ``result``, pretty-printed."""
    return json.dumps(to_data(result), indent=2, sort_keys=False) + "\n"
