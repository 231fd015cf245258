"""The default engine: the real OPA (v1.20) in-process, through opa-golib-python-bindings.

It is the engine OPA users run and the only in-process one that gives verdicts (an OPA
server is the other: policy/server.py); ``llmops-iac policy test`` runs the ``_test.rego``
files with it too. OPA reports a rule that fails at evaluation — a builtin error
(``1 / 0``, ``to_number("abc")``: ``eval_builtin_error``) or conflicting values
(``eval_conflict_error``) — as an error at file:line, which ``evaluate`` turns into an
EngineError (exit 3). The package is installed apart from the rest (``make install``
adds it): it declares Requires-Python >= 3.14 but runs on 3.11, so pip must be told::

    pip install --no-deps --ignore-requires-python opa-golib-python-bindings==0.4.4

Loading adds every module (a parse error names file:line at once), merges the
data, then compiles everything with a probe evaluation of ``data.llmops``
without input: type errors, unknown functions and conflicting rules surface
there, before any spec is judged. The prepared query is cached by the
bindings, so each ``evaluate`` only evaluates.
"""

from __future__ import annotations

from typing import Any

from llmops_iac.policy.protocol import ROOT, EngineError

INSTALL = "pip install --no-deps --ignore-requires-python opa-golib-python-bindings==0.4.4"
"""How to install the bindings; :func:`install_command` is the exact command for this interpreter."""


def install_command() -> str:
    """The one command that installs the bindings where this llmops-iac runs: ``<this python> -m pip install ...``
    (a bare ``pip`` on PATH may belong to another Python, e.g. under pipx or an unactivated venv)."""
    import shlex
    import sys

    return f"{shlex.quote(sys.executable)} -m {INSTALL}" if sys.executable else INSTALL


GOGC = "400"
"""The Go garbage collector's target for the embedded OPA, unless GOGC is already set.

Every evaluation turns a ~50 kB input into OPA values and drops them: with Go's default (100)
the collector runs several times per spec. 400 cut the engine's time per spec by ~30 % for
~20 MB more resident memory (bench/RESULTS.md). Go reads it from the environment the process was
started with, not from ``os.environ``: `check --jobs` starts its workers with it (pipeline_parallel.worker_context).
"""


def import_bindings() -> Any:
    """Return the ``opa_bindings.engine`` module, or raise EngineError naming the install command."""
    try:
        from opa_bindings import engine
    except Exception as exc:  # noqa: BLE001 - ImportError, or a native library that fails to load (OSError)
        raise EngineError(f"the OPA engine (opa-golib-python-bindings) is not available ({type(exc).__name__}: {exc}), "
                          f"and no OPA server was given (--opa-url); install the engine with:\n"
                          f"  {install_command()}") from None
    return engine


class OpaEngine:
    """The real OPA engine in-process. Modules are compiled when loaded (a probe query), then reused."""

    name = "opa"

    def __init__(self) -> None:
        self._bindings = import_bindings()
        self._engine: Any = None

    def load(self, modules: dict[str, str], data: dict[str, Any]) -> None:
        b = self._bindings
        try:
            engine = b.OpaEngine()
        except Exception as exc:  # noqa: BLE001 - the native library failed to start
            raise EngineError(f"the OPA engine failed to start: {type(exc).__name__}: {exc}") from None
        try:
            for path, source in sorted(modules.items()):
                try:
                    engine.add_policy(path, source)
                except b.OpaError as exc:
                    text = _message(exc)
                    raise EngineError(f"policies do not compile (opa): {text if path in text else f'{path}: {text}'}") from None
            if data:
                try:
                    engine.add_data(data)
                except b.OpaError as exc:
                    raise EngineError(f"policy data could not be loaded (opa): {_message(exc)}") from None
            self._document(engine, None, "compiling the policies")
        except EngineError:
            engine.close()
            raise
        if self._engine is not None:
            self._engine.close()
        self._engine = engine

    def evaluate(self, input: dict[str, Any]) -> dict[str, Any]:
        if self._engine is None:
            raise EngineError("evaluate() before load()")
        return self._document(self._engine, input, "evaluating the policies")

    def close(self) -> None:
        """Release the native engine (also done when the object is collected)."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def _document(self, engine: Any, input: Any, doing: str) -> dict[str, Any]:
        b = self._bindings
        try:
            value = engine.eval_document(ROOT, input)
        except b.OpaUndefinedError:
            raise EngineError(f"{doing} failed (opa): data.{ROOT} is undefined — no policy declares a package "
                              f"under {ROOT}") from None
        except b.OpaError as exc:
            what = "policies do not compile" if exc.code in ("prepare_error", "parse_error", "compile_error") else f"{doing} failed"
            raise EngineError(f"{what} (opa):\n{_message(exc)}") from None
        except Exception as exc:  # noqa: BLE001 - any engine failure is a failed verdict, never a pass
            raise EngineError(f"{doing} failed (opa): {type(exc).__name__}: {exc}") from None
        if not isinstance(value, dict):
            raise EngineError(f"{doing}: data.{ROOT} is {type(value).__name__}, expected an object")
        return value


def _message(exc: Any) -> str:
    """OPA's own message ('1 error occurred: policies/x.rego:5: rego_parse_error: …'), trimmed."""
    text = str(getattr(exc, "message", "") or exc).strip()
    for prefix in ("bundle activation failed: ",):
        text = text.replace(prefix, "")
    return text[:4000]
