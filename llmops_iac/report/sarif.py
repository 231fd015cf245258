"""SARIF 2.1.0 report, for GitHub code scanning (``github/codeql-action/upload-sarif``) and other viewers.

One run; ``tool.driver.rules`` is the policy catalogue plus a ``spec/<code>``
pseudo-rule per spec diagnostic code that occurs. Every finding and diagnostic
is a result at its spec line (URI relative to the repository root). Waived
findings stay in the log with an accepted external suppression, so code
scanning shows them as dismissed instead of forgetting them.
``partialFingerprints`` hash rule, file, environment, pointer, resource and the
rule's subject, never the line, so an edit above a finding does not open a new
alert; every finding of a log has its own (report/findings.py). A result's region
is the line of the field its rule is about. Security rules (METADATA
``security: true``) carry the ``security`` tag and a ``security-severity``;
``helpUri`` is a built-in rule's section of docs/rules.md.
"""

from __future__ import annotations

import json
from typing import Any

from llmops_iac.pipeline import RunResult
from llmops_iac.report import findings as fx

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "llmopsIac/v1"
SRCROOT = "%SRCROOT%"
"""The uriBaseId of every artifact location: the repository root (uri is relative to it, never absolute)."""
SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "note": "2.0"}
"""GitHub's ``security-severity`` (high / medium / low) for a security rule's default level (METADATA
``security: true``); other rules get none and no ``security`` tag, so code scanning lists them as plain problems."""


def _rule_descriptor(rule: fx.RuleInfo) -> dict[str, Any]:
    refs = rule.references()
    text = [rule.description]
    md = [rule.description]
    if rule.remediation:
        text.append(f"Remediation: {rule.remediation}")
        md.append(f"**Remediation:** {rule.remediation}")
    if refs:
        text.append("References: " + "; ".join(refs))
        md.append("**References:**\n" + "\n".join(f"- {fx.FRAMEWORK_LABELS.get(k, k)}: {', '.join(v)}"
                                                   for k, v in rule.frameworks.items()))
    if rule.related:
        text.append("See: " + " ".join(rule.related))
        md.append("**See:** " + " ".join(f"<{u}>" for u in rule.related))
    tags = ["llmops-iac", rule.area] if rule.kind == "spec" else [*(["security"] if rule.security else []), "llmops-iac",
                                                                  rule.area, *refs]
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": _pascal(rule.name or rule.id),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": "\n\n".join(text), "markdown": "\n\n".join(md)},
        "defaultConfiguration": {"level": fx.level(rule.severity)},
        "properties": {"tags": list(dict.fromkeys(tags)), "kind": rule.kind},
    }
    if rule.help_uri:
        descriptor["helpUri"] = rule.help_uri
    if rule.kind == "policy":
        if rule.security:  # code scanning shows it as a security alert; cost, maturity... stay plain problems
            descriptor["properties"]["security-severity"] = SECURITY_SEVERITY[fx.level(rule.severity)]
        descriptor["properties"]["area"] = rule.area
        if rule.frameworks:
            descriptor["properties"]["frameworks"] = rule.frameworks
    return descriptor


def _pascal(name: str) -> str:
    words = [w for w in name.replace("-", "_").replace("/", "_").split("_") if w]
    return "".join(w[:1].upper() + w[1:] for w in words) or name


def _location(path: str, line: int, col: int, root, *, resource: str | None = None) -> dict[str, Any]:
    # relative to the checkout (GitHub code scanning resolves %SRCROOT% to the repository root); the root's local
    # absolute path is deliberately not written in run.originalUriBaseIds
    physical: dict[str, Any] = {"artifactLocation": {"uri": fx.uri(path, root), "uriBaseId": SRCROOT}}
    if line > 0:
        region: dict[str, Any] = {"startLine": line}
        if col > 0:
            region["startColumn"] = col
        physical["region"] = region
    loc: dict[str, Any] = {"physicalLocation": physical}
    if resource:
        loc["logicalLocations"] = [{"name": resource, "kind": "resource"}]
    return loc


def to_data(result: RunResult) -> dict[str, Any]:
    """Return the SARIF log of ``result`` as JSON-ready data."""
    root = fx.repo_root()
    rules = {**fx.policy_rules(result), **fx.diagnostic_rules(result)}
    index = {rid: i for i, rid in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for f in result.files:
        env = fx.environment(f)
        for d in f.diagnostics:
            rid = fx.spec_rule_id(d.code)
            message = d.message + (f"\nFix: {d.hint}" if d.hint else "")
            props: dict[str, Any] = {"kind": "diagnostic", "code": d.code, "environment": env, "pointer": d.pointer}
            if d.constraint:
                props["constraint"] = d.constraint
            results.append({
                "ruleId": rid,
                "ruleIndex": index[rid],
                "kind": "fail",
                "level": fx.level(d.severity),
                "message": {"text": message},
                "locations": [_location(d.file, d.line, d.col, root)],
                "partialFingerprints": {FINGERPRINT_KEY: fx.diagnostic_fingerprint(d, env, root)},
                "properties": props,
            })
        for x, print_ in zip(fx.findings(f), fx.finding_fingerprints(f, root)):
            props = {"kind": "finding", "severity": x.severity, "environment": env, "profile": f.policy.profile,
                     **({"resource": x.resource} if x.resource else {}), "pointer": x.pointer,
                     "remediation": x.remediation, "references": list(x.references), "waived": x.waived}
            item: dict[str, Any] = {
                "ruleId": x.rule_id,
                "ruleIndex": index[x.rule_id],
                "kind": "fail",
                "level": fx.level(x.severity),
                "message": {"text": x.message},
                "locations": [_location(x.file, x.line, x.col, root, resource=x.resource)],
                "partialFingerprints": {FINGERPRINT_KEY: print_},
                "properties": props,
            }
            if x.waived:
                w = x.waived_by
                props["waiver"] = {k: w[k] for k in ("owner", "expires", "reason", "resources") if k in w}
                item["suppressions"] = [{"kind": "external", "status": "accepted",
                                         "justification": " ".join(str(w.get("reason", "")).split()),
                                         "properties": {"owner": w.get("owner"), "expires": w.get("expires")}}]
            results.append(item)
    counts = fx.run_counts(result)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": fx.TOOL_NAME,
            "version": fx.tool_version(),
            "semanticVersion": fx.tool_version(),
            "informationUri": fx.information_uri(),
            "rules": [_rule_descriptor(r) for r in rules.values()],
        }},
        "invocations": [{"executionSuccessful": True, "properties": {"command": result.command}}],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "stack": result.stack,
            "stages": list(result.stages),
            "engine": result.engine,
            "failLevel": fx.fail_level(result),
            "ok": not fx.run_fails(result),
            "specs": counts.specs,
            "inputErrors": counts.input_errors,
            "inputWarnings": counts.input_warnings,
            "activeFindings": counts.active_total,
            "activeBySeverity": dict(counts.active),
            "waivedFindings": counts.waived,
            "ruleOutcomes": dict(counts.outcomes),
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: RunResult) -> str:
    """Return the SARIF 2.1.0 log of ``result``, pretty-printed."""
    return json.dumps(to_data(result), indent=2, ensure_ascii=False) + "\n"
