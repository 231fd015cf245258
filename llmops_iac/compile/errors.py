"""Collect compile errors (unsupported combinations) and report them all at the spec lines they come from."""

from __future__ import annotations

from dataclasses import dataclass, field

from llmops_iac.errors import Diagnostic, SpecError
from llmops_iac.spec.load import SourceMap


@dataclass
class CompileErrors:
    """Errors found while compiling; raised together so no half Plan is ever returned."""

    source: SourceMap
    items: list[Diagnostic] = field(default_factory=list)

    def add(self, pointer: str, message: str, hint: str, code: str = "unsupported") -> None:
        file, line, col = self.source.locate(pointer)
        self.items.append(Diagnostic(file=file, line=line, col=col, code=code, message=message, hint=hint, pointer=pointer))

    def raise_if_any(self) -> None:
        if self.items:
            raise SpecError(sorted(self.items, key=lambda d: (d.line, d.col)))
