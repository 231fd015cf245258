"""Diagnostics and the errors that carry them; the exit codes of DESIGN.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3

_NO_VALUE = object()


@dataclass(frozen=True)
class Diagnostic:
    """One problem with an input file, located at file:line:col.

    ``pointer`` is the RFC 6901 JSON pointer of the offending value ("" for the
    whole document), ``code`` a stable kebab-case identifier (``unknown-key``),
    ``message`` what is wrong, ``hint`` how to fix it.
    """

    file: str
    line: int
    col: int
    code: str
    message: str
    hint: str = ""
    pointer: str = ""
    value: Any = field(default=_NO_VALUE, compare=False)
    constraint: str = ""
    severity: str = "error"

    @property
    def has_value(self) -> bool:
        return self.value is not _NO_VALUE

    def location(self) -> str:
        """Return ``file:line:col`` (line and col are 1-based; 0 means unknown)."""
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"

    def to_dict(self) -> dict[str, Any]:
        """Return the diagnostic as JSON-ready data (schemas/diagnostics.schema.json)."""
        out: dict[str, Any] = {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "code": self.code,
            "pointer": self.pointer,
            "message": self.message,
            "hint": self.hint,
        }
        if self.constraint:
            out["constraint"] = self.constraint
        if self.has_value:
            out["value"] = _jsonable(self.value)
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return repr(value)


class LlmopsError(Exception):
    """Base of every error the CLI turns into an exit code."""

    exit_code = EXIT_INTERNAL


class SpecError(LlmopsError):
    """The input is wrong: one or more diagnostics, exit code 2."""

    exit_code = EXIT_INPUT

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = list(diagnostics)
        first = self.diagnostics[0] if self.diagnostics else None
        super().__init__(f"{first.location()}: {first.message}" if first else "invalid input")


class UsageError(LlmopsError):
    """A bad option or argument that is not about a spec file, exit code 2."""

    exit_code = EXIT_INPUT


class InternalError(LlmopsError):
    """An engine or I/O failure; never a pass, exit code 3."""

    exit_code = EXIT_INTERNAL
