"""One interface for every Rego engine: load the modules once, evaluate many inputs.

Engines: ``regopy`` (embedded rego-cpp, the default), ``opa`` (the real OPA
engine in-process, opa-golib-python-bindings: the reference), ``opa-server``
(an OPA server's REST Data API). Every failure — a module that does not
compile, an engine exception, a server that is down, slow or answers
garbage — raises EngineError (exit 3): the policy stage never passes by
accident.
"""

from __future__ import annotations

import os
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


def create(name: str | None = None, *, opa_url: str | None = None, timeout: float = 10.0, retries: int = 2) -> Engine:
    """Return the engine to use: an OPA server if ``opa_url`` (or $OPA_URL) is set, else ``name`` (default regopy)."""
    url = opa_url or os.environ.get("OPA_URL")
    if url:
        from llmops_iac.policy.server import OpaServerEngine

        return OpaServerEngine(url, timeout=timeout, retries=retries)
    name = name or "regopy"
    if name == "regopy":
        from llmops_iac.policy.embedded import RegopyEngine

        return RegopyEngine()
    if name == "opa":
        from llmops_iac.policy.reference import OpaEngine

        return OpaEngine()
    raise EngineError(f"unknown policy engine {name!r}; engines: regopy (default), opa, or --opa-url for a server")
