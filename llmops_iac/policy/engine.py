"""One interface for every Rego engine: load the modules once, evaluate many inputs.

Engines that give verdicts are real OPA only: ``opa`` (OPA in-process through
opa-golib-python-bindings, the default) and ``opa-server`` (an OPA server's
REST Data API, ``--opa-url`` or ``$OPA_URL``).

regopy (Microsoft's rego-cpp) was the embedded fallback and may no longer give
a verdict: it turns builtin errors (``1 / 0``, ``to_number("abc")``) into
"undefined" — a rule that silently finds nothing — unless told to be strict,
and even then it disagrees with OPA on numbers past 32 bits (``sprintf("%d")``
wraps) and on strings of Unicode whitespace (``trim_space``). ``--engine
regopy`` is therefore a usage error, and nothing falls back to it. A
differential test (tests/policy/test_differential.py) still holds it to OPA
and records where it disagrees, so a future release that fixes those can be
reconsidered.

opa-golib-python-bindings declares Requires-Python >= 3.14 although it runs on
3.11, so it cannot be a dependency: `make install` adds it with ``--no-deps
--ignore-requires-python``. Without it and without an OPA server, the policy
stage is an EngineError naming the install command — never a pass. Every
failure — a module that does not compile, a rule that fails at evaluation, an
engine exception, a server that is down, slow or answers garbage, an answer
that lacks a loaded rule (policy/answer.py) — raises EngineError (exit 3).
"""

from __future__ import annotations

import os
from typing import Any, Callable

from llmops_iac.errors import UsageError
from llmops_iac.policy.protocol import ROOT, Engine, EngineError  # noqa: F401 - the engines' interface, re-exported

ENGINES = ("opa",)
"""In-process engines that give verdicts (``--engine``); ``--opa-url`` selects an OPA server."""

REGOPY_REFUSED = (
    "--engine regopy: regopy (rego-cpp) cannot give verdicts: it cannot report evaluation errors the way OPA does "
    "(a division by zero or to_number on text becomes a rule that silently finds nothing), and it disagrees with "
    "OPA on numbers past 32 bits and on strings of Unicode whitespace. Use the default engine (real OPA in-process: "
    "--engine opa) or an OPA server (--opa-url URL)")
"""Why ``--engine regopy`` is refused (exit 2): the CLI and :func:`create` say the same."""


def create(name: str | None = None, *, opa_url: str | None = None, timeout: float = 10.0, retries: int = 2) -> Engine:
    """Return the engine to use: an OPA server if ``opa_url`` (or $OPA_URL) is set, else OPA in-process.

    ``name`` ``regopy`` is a UsageError (exit 2, :data:`REGOPY_REFUSED`); any other name than ``opa`` or None too.
    OPA in-process without its bindings installed is an EngineError (exit 3) with the install command."""
    if name == "regopy":
        raise UsageError(REGOPY_REFUSED)
    if name is not None and name not in ENGINES:
        raise UsageError(f"unknown policy engine {name!r}; engines: opa (the default), or --opa-url URL for an OPA server")
    url = opa_url or os.environ.get("OPA_URL")
    if url:
        from llmops_iac.policy.server import OpaServerEngine

        return OpaServerEngine(url, timeout=timeout, retries=retries)
    from llmops_iac.policy.reference import OpaEngine

    return OpaEngine()


def load_policies(eng: Engine, catalogue: Any) -> None:
    """Load the catalogue's modules into ``eng``. A module that does not compile is an engine failure (exit 3) unless
    it is a --policy-dir's and the built-in policies compile without those: then it is the user's input (exit 2)."""
    try:
        eng.load(catalogue.modules, {})
    except EngineError as exc:
        builtin = {k: v for k, v in catalogue.modules.items() if k not in catalogue.user_modules}
        raise blame(catalogue, exc, lambda: eng.load(builtin, {})) from None


def blame(catalogue: Any, exc: EngineError, builtin_only: Callable[[], Any]) -> Exception:
    """The error to raise for ``exc``, an engine failure while loading the catalogue: a PolicyDirError (exit 2) when it
    is a compile error, the catalogue has --policy-dir modules and ``builtin_only()`` (loading without them) succeeds;
    else ``exc`` itself."""
    from llmops_iac.policy.catalog import PolicyDirError

    if not catalogue.user_modules or "do not compile" not in str(exc):
        return exc
    try:
        builtin_only()
    except EngineError:
        return exc
    return PolicyDirError(f"{exc}\n(a --policy-dir module: the built-in policies compile without the --policy-dir ones)")
