"""What every Rego engine is and says: the Engine protocol, the error that means "no verdict", the package root.

engine.py chooses and creates an engine; reference.py (OPA in-process) and server.py (an OPA server)
implement it. They all import this module, which imports none of them.
"""

from __future__ import annotations

from typing import Any, Protocol

from llmops_iac.errors import InternalError

ROOT = "llmops"
"""Every policy package lives under data.llmops."""


class EngineError(InternalError):
    """The engine could not give a verdict."""


class Engine(Protocol):
    name: str

    def load(self, modules: dict[str, str], data: dict[str, Any]) -> None:
        """Compile ``modules`` (path → Rego source) with ``data``; raise EngineError if they don't compile."""

    def evaluate(self, input: dict[str, Any]) -> dict[str, Any]:
        """Return ``data.llmops`` for ``input``: {area: {rule: value}}; raise EngineError on any failure."""
