"""JUnit XML report, for CI test-result views (GitLab, Jenkins, Azure DevOps, test-reporter actions).

One ``<testsuite>`` per spec file (``name`` = ``file [environment]``); in it,
one ``<testcase name="llmops-iac.validate">`` for the spec's input diagnostics
(a failure when it has errors) and one ``<testcase>`` per policy rule
(``classname`` = the rule's policy area, ``name`` = ``<ID> <title>``): a
``<failure>`` holding every active finding of the rule when they are at or above
``--fail-level``, so the report fails exactly when the run does (exit 1); active
findings below it are a ``<skipped message="… below --fail-level …">`` holding
every finding — GitLab and Jenkins show a skipped test's message and text, and
GitLab shows nothing of a passing one's output — with the property
``belowFailLevel``. ``<skipped>`` is also a rule that is not applicable or off;
waived findings are testcase properties and ``<system-out>``, never failures.
Each testcase has at most one failure or skipped child, and every count
attribute equals its children.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from llmops_iac.pipeline import RunResult
from llmops_iac.report import findings as fx

VALIDATE_CASE = "llmops-iac.validate"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot carry (control characters, lone surrogates); replaced by U+FFFD."""


def _clean(tree: ET.Element) -> None:
    for el in tree.iter():
        if el.text:
            el.text = _NOT_XML.sub("\ufffd", el.text)
        for key, value in el.attrib.items():
            el.set(key, _NOT_XML.sub("\ufffd", value))


def _finding_text(x: Any) -> str:
    lines = [f"{fx.location(x.file, x.line, x.col)}: {x.severity}[{x.rule_id}]: {x.message}"]
    if x.resource:
        lines.append(f"  resource: {x.resource}")
    if x.pointer:
        lines.append(f"  pointer: {x.pointer}")
    if x.waived:
        lines.append(f"  {fx.waiver_text(x)}")
    else:
        lines.append(f"  fix: {x.remediation}")
    if x.references:
        lines.append(f"  references: {', '.join(x.references)}")
    return "\n".join(lines)


def _diagnostic_text(d: Any) -> str:
    lines = [f"{d.location()}: {d.severity}[{d.code}]: {d.message}"]
    if d.hint:
        lines.append(f"  fix: {d.hint}")
    return "\n".join(lines)


def _summary_message(items: list[Any], attr: str = "message") -> str:
    first = getattr(items[0], attr)
    return first if len(items) == 1 else f"{len(items)} findings; first: {first}"


def _case(suite: ET.Element, classname: str, name: str, path: str, line: int | None = None) -> ET.Element:
    attrs = {"classname": classname, "name": name, "file": path, "time": "0"}
    if line and line > 0:
        attrs["line"] = str(line)
    return ET.SubElement(suite, "testcase", attrs)


def _properties(parent: ET.Element, props: list[tuple[str, str]]) -> None:
    if props:
        box = ET.SubElement(parent, "properties")
        for name, value in props:
            ET.SubElement(box, "property", {"name": name, "value": value})


def to_element(result: RunResult) -> ET.Element:
    """Return the ``<testsuites>`` element of ``result``."""
    rules = fx.policy_rules(result)
    fail_at = fx.fail_level(result)
    repo = fx.repo_root()
    root = ET.Element("testsuites", {"name": fx.TOOL_NAME})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for f in result.files:
        env = fx.environment(f)
        path = fx.repo_path(f.path, repo)
        suite = ET.SubElement(root, "testsuite", {"name": f"{path} [{env}]"})
        props = [("file", path), ("environment", env), ("tool.version", fx.tool_version())]
        if f.policy is not None:
            props += [("profile", f.policy.profile), ("engine", f.policy.engine), ("failLevel", fail_at)]
        counts = fx.file_counts(f, fail_at)
        props += [("findings.active", str(counts.active_total)), ("findings.waived", str(counts.waived)),
                  ("rules.notApplicable", str(counts.outcomes.get("not-applicable", 0))),
                  ("rules.off", str(counts.outcomes.get("off", 0)))]
        _properties(suite, props)
        n = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

        # spec input: one testcase, a failure when the file has errors
        case = _case(suite, "llmops-iac", VALIDATE_CASE, path, 1)
        n["tests"] += 1
        errors = f.errors
        warnings = [d for d in f.diagnostics if d.severity != "error"]
        if errors:
            failure = ET.SubElement(case, "failure", {
                "message": errors[0].message if len(errors) == 1 else f"{len(errors)} input errors; first: {errors[0].message}",
                "type": "error"})
            failure.text = "\n".join(_diagnostic_text(d) for d in f.diagnostics)
            n["failures"] += 1
        elif warnings:
            ET.SubElement(case, "system-out").text = "\n".join(_diagnostic_text(d) for d in warnings)

        if f.policy is not None:
            grouped = fx.by_rule(f.policy.findings)
            for rid, outcome in sorted(f.policy.outcomes.items()):
                rule = rules.get(rid) or fx.RuleInfo(id=rid, title=rid, description=rid, severity="error")
                items = grouped.get(rid, [])
                active = [x for x in items if not x.waived]
                waived = [x for x in items if x.waived]
                line = (active or waived)[0].line if items else None
                case = _case(suite, rule.area, f"{rid} {rule.title}", path, line)
                n["tests"] += 1
                case_props = [("severity", items[0].severity if items else rule.severity), ("outcome", outcome)]
                if active and not any(fx.at_or_above(x.severity, fail_at) for x in active):
                    case_props.append(("belowFailLevel", "true"))
                case_props += [("waived", f"{fx.location(x.file, x.line, x.col)}: {fx.waiver_text(x)}") for x in waived]
                _properties(case, case_props)
                failing = [x for x in active if fx.at_or_above(x.severity, fail_at)]
                if failing:
                    worst = min(failing, key=lambda x: fx.SEVERITY_ORDER.index(fx.level(x.severity)))
                    failure = ET.SubElement(case, "failure", {"message": _summary_message(active), "type": worst.severity})
                    failure.text = "\n".join(_finding_text(x) for x in active)
                    n["failures"] += 1
                elif active:  # below the fail level: shown, not failed (the run does not fail for them either)
                    worst = min(active, key=lambda x: fx.SEVERITY_ORDER.index(fx.level(x.severity)))
                    skipped = ET.SubElement(case, "skipped", {
                        "message": f"{fx.plural(len(active), fx.level(worst.severity))} below --fail-level {fail_at}, "
                                   f"not failing this run: {_summary_message(active)}"})
                    skipped.text = "\n".join(_finding_text(x) for x in active)
                    n["skipped"] += 1
                elif outcome in ("not-applicable", "off"):
                    why = ("not applicable: nothing this rule applies to exists in the application" if outcome == "not-applicable"
                           else f"off in profile {f.policy.profile}")
                    ET.SubElement(case, "skipped", {"message": why})
                    n["skipped"] += 1
                if waived:
                    ET.SubElement(case, "system-out").text = "\n".join(_finding_text(x) for x in waived)
        for key, value in n.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    _clean(root)
    return root


def render(result: RunResult) -> str:
    """Return the JUnit XML report of ``result``."""
    root = to_element(result)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
