"""One interface for every Rego engine: load the modules once, evaluate many inputs.

Engines: ``opa`` (the real OPA engine in-process, opa-golib-python-bindings:
the reference, and the default when it is installed), ``regopy`` (Microsoft's
rego-cpp, the embedded fallback that a plain ``pip install`` always has),
``opa-server`` (an OPA server's REST Data API).

Why real OPA is the default when present, although rego-cpp is the engine
every install has: on this project's 56 rules it judges a spec in ~15 ms where
regopy takes ~300 ms (20×; the 1,000-spec benchmark is impossible on regopy),
and it is the engine whose decisions are the reference. opa-golib-python-bindings
declares Requires-Python >= 3.14 although it runs on 3.11, so it cannot be a
dependency: `make install` adds it with ``--no-deps --ignore-requires-python``. Every failure — a module that does not
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
    if name is None:
        name = "opa" if _opa_available() else "regopy"
    if name == "regopy":
        from llmops_iac.policy.embedded import RegopyEngine

        return RegopyEngine()
    if name == "opa":
        from llmops_iac.policy.reference import OpaEngine

        return OpaEngine()
    raise EngineError(f"unknown policy engine {name!r}; engines: opa (default when installed), regopy, or --opa-url for a server")


def _opa_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("opa_bindings") is not None
