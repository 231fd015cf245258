"""Reports of `llmops-iac policy test`: text, json (schemas/policy-test.schema.json) and JUnit XML.

Imported by the CLI to list its formats, so it imports nothing of llmops-iac at module level.

Each ``render(results, verbose)`` takes the test results of llmops_iac.policy.testing, in file order.
JUnit: one ``<testsuite>`` per test package, one ``<testcase>`` per test rule (``classname`` = package,
``name`` = rule, with its file and line): ``fail`` and ``undefined`` are ``<failure>`` (their ``type``),
``error`` is ``<error>``; every count attribute equals its children, as in the check report (report/junit.py).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any, Callable, Sequence

TOOL_NAME = "llmops-iac"

FORMATS = ("text", "json", "junit")
"""What `policy test` can write: on standard output (--format) and to files (--output FORMAT=PATH)."""

REPORT_VERSION = 1


def counts(results: Sequence[Any]) -> dict[str, Any]:
    by = {o: 0 for o in ("pass", "fail", "error", "undefined")}
    for r in results:
        by[r.outcome] = by.get(r.outcome, 0) + 1
    return {"tests": len(results), "passed": by["pass"], "failed": len(results) - by["pass"], "byOutcome": by}


def render_text(results: Sequence[Any], verbose: bool = False) -> str:
    """A line per failing test (and per passing one with ``verbose``), then ``N passed, M failed``."""
    lines = []
    for r in results:
        if r.outcome != "pass" or verbose:
            lines.append(f"{r.outcome.upper():9} {r.package}.{r.name}  ({r.file}:{r.line}, {r.duration * 1000:.1f} ms)")
            if r.message:
                lines.append(f"          {r.message}")
    c = counts(results)
    lines.append(f"{c['passed']} passed, {c['failed']} failed")
    return "\n".join(lines) + "\n"


def to_data(results: Sequence[Any]) -> dict[str, Any]:
    import llmops_iac

    c = counts(results)
    return {
        "reportVersion": REPORT_VERSION,
        "tool": {"name": TOOL_NAME, "version": llmops_iac.__version__},
        "ok": bool(results) and c["failed"] == 0,
        "summary": c,
        "tests": [{"package": r.package, "name": r.name, "file": r.file, "line": r.line, "outcome": r.outcome,
                   "message": r.message, "durationMs": round(r.duration * 1000, 3)} for r in results],
    }


def render_json(results: Sequence[Any], verbose: bool = False) -> str:
    return json.dumps(to_data(results), indent=2) + "\n"


def render_junit(results: Sequence[Any], verbose: bool = False) -> str:
    from llmops_iac.report.junit import _clean

    root = ET.Element("testsuites", {"name": f"{TOOL_NAME} policy test"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suites: dict[str, ET.Element] = {}
    numbers: dict[str, dict[str, int]] = {}
    for r in results:
        if r.package not in suites:
            suites[r.package] = ET.SubElement(root, "testsuite", {"name": r.package})
            numbers[r.package] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        n = numbers[r.package]
        case = ET.SubElement(suites[r.package], "testcase", {"classname": r.package, "name": r.name, "file": r.file,
                                                                 "line": str(r.line), "time": f"{r.duration:.6f}"})
        n["tests"] += 1
        if r.outcome in ("fail", "undefined"):
            ET.SubElement(case, "failure", {"message": r.message or r.outcome, "type": r.outcome}).text = \
                f"{r.file}:{r.line}: {r.package}.{r.name}: {r.message or r.outcome}"
            n["failures"] += 1
        elif r.outcome != "pass":  # error, or any outcome this version does not know: never a pass
            ET.SubElement(case, "error", {"message": r.message or r.outcome, "type": r.outcome}).text = \
                f"{r.file}:{r.line}: {r.package}.{r.name}: {r.message or r.outcome}"
            n["errors"] += 1
    for package, suite in suites.items():
        for key, value in numbers[package].items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{sum(r.duration for r in results if r.package == package):.6f}")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{sum(r.duration for r in results):.6f}")
    _clean(root)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def renderers() -> dict[str, Callable[[Sequence[Any], bool], str]]:
    return {"text": render_text, "json": render_json, "junit": render_junit}
