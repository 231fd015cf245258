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

    def add(self, pointer: str, message: str, hint: str, *, code: str = "unsupported", key: bool = False) -> None:
        file, line, col = self.source.locate(pointer, key=key)
        self.items.append(Diagnostic(file=file, line=line, col=col, code=code, message=message, hint=hint, pointer=pointer))

    def add_collisions(self, collisions: list[tuple[str, str, str]]) -> None:
        """One error per logical name two spec sections both produce, at the second section's name."""
        seen: set[tuple[str, str]] = set()
        for name, first, second in collisions:
            if (first, second) in seen:  # kb "a" and kb "a-role" share two names: one error says it
                continue
            seen.add((first, second))
            if first == second:  # e.g. a model's variants "a" and "a-policy": both autoscaling resources come from one place
                message = f"two resources of {_dotted(second)} compile to the same name {name!r}"
            else:
                where = self.source.locate(first, key=True)[1]
                message = f"{_dotted(second)} and {_dotted(first)} (line {where}) both compile to the resource named {name!r}"
            self.add(second, message, "rename one of the two: their names combine into the same resource name, "
                                      "and one resource would replace the other", code="name-collision", key=True)

    def raise_if_any(self) -> None:
        if self.items:
            raise SpecError(sorted(self.items, key=lambda d: (d.line, d.col)))


def _dotted(pointer: str) -> str:
    """``/spec/guardrails/g`` as the spec's path ``guardrails.g`` (list items as ``[0]``)."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    if parts and parts[0] == "spec":
        parts = parts[1:]
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out or "the spec"
