"""Results of preflight and verify: one pass/fail line per check, JSON-ready, with text and Markdown renderings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES = ("pass", "warn", "fail", "skip")
_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "skip": "SKIP"}


@dataclass
class Check:
    """One check: what was checked, the verdict and why.

    ``status``: pass; warn (works, with a caveat worth reading); fail (will not work, or
    drifted); skip (not applicable or not checkable, with the reason).
    """

    kind: str  # region | quota | model-access | endpoint | guardrail | budget | vector-store | identity
    target: str
    status: str
    reason: str
    resource: str = ""
    source: str = ""
    fix: str = ""
    differences: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "target": self.target, "status": self.status, "reason": self.reason}
        if self.resource:
            out["resource"] = self.resource
        if self.source:
            out["source"] = self.source
        if self.fix:
            out["fix"] = self.fix
        if self.differences:
            out["differences"] = list(self.differences)
        return out


@dataclass
class CheckReport:
    command: str  # preflight | verify
    app: str
    environment: str
    region: str
    checks: list[Check] = field(default_factory=list)
    account: str = ""

    def add(self, check: Check) -> Check:
        self.checks.append(check)
        return check

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    @property
    def ok(self) -> bool:
        """No check failed (warnings and skips do not fail a run)."""
        return self.count("fail") == 0

    def to_dict(self) -> dict[str, Any]:
        return {"reportVersion": 1, "command": self.command, "app": self.app, "environment": self.environment,
                "region": self.region, "account": self.account, "ok": self.ok,
                "summary": {s: self.count(s) for s in STATUSES},
                "checks": [c.to_dict() for c in self.checks]}

    def render_text(self) -> str:
        head = f"{self.command} {self.app} ({self.environment}, {self.region}{', account ' + self.account if self.account else ''})"
        out = [head]
        width = max([len(c.kind) for c in self.checks] + [4])
        for c in self.checks:
            out.append(f"{_MARK[c.status]}  {c.kind:<{width}}  {c.target}: {c.reason}")
            for d in c.differences:
                out.append(f"      - {d}")
            if c.fix and c.status in ("fail", "warn"):
                out.append(f"      fix: {c.fix}")
        out.append(f"{self.command}: {self.count('pass')} passed, {self.count('warn')} warnings, {self.count('fail')} failed, "
                   f"{self.count('skip')} skipped")
        return "\n".join(out) + "\n"

    def render_markdown(self) -> str:
        icon = {"pass": "✅", "warn": "⚠️", "fail": "❌", "skip": "⏭️"}
        out = [f"### llmops-iac {self.command}: {self.app} ({self.environment}, {self.region})", "",
               f"{self.count('pass')} passed · {self.count('warn')} warnings · **{self.count('fail')} failed** · "
               f"{self.count('skip')} skipped", "", "| | check | target | result |", "|---|---|---|---|"]
        for c in self.checks:
            reason = (c.reason + ("<br>" + "<br>".join(c.differences) if c.differences else "")).replace("|", "\\|")
            out.append(f"| {icon[c.status]} | {c.kind} | `{c.target}` | {reason} |")
        out.append("")
        return "\n".join(out)
