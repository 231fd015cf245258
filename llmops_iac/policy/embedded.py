"""The embedded engine: Microsoft's rego-cpp through regopy, loaded once per process."""

from __future__ import annotations

import json
from typing import Any

from llmops_iac.policy.engine import ROOT, EngineError


class RegopyEngine:
    """rego-cpp in-process. Modules are parsed and checked when loaded (a probe query), then reused."""

    name = "regopy"

    def __init__(self) -> None:
        try:
            import regopy
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise EngineError(f"the embedded Rego engine is not installed ({exc}): pip install regopy") from None
        self._regopy = regopy
        self._interpreter: Any = None

    def load(self, modules: dict[str, str], data: dict[str, Any]) -> None:
        interp = self._regopy.Interpreter()
        try:
            for path, source in sorted(modules.items()):
                interp.add_module(path, source)
            if data:
                interp.add_data(data)
            self._check(interp.query(f"x = data.{ROOT}"), "compiling the policies")
        except self._regopy.RegoError as exc:
            raise EngineError(f"policies do not compile (regopy):\n{_clean(exc)}") from None
        self._interpreter = interp

    def evaluate(self, input: dict[str, Any]) -> dict[str, Any]:
        if self._interpreter is None:
            raise EngineError("evaluate() before load()")
        try:
            self._interpreter.set_input(input)
            out = self._interpreter.query(f"x = data.{ROOT}")
        except self._regopy.RegoError as exc:
            raise EngineError(f"policy evaluation failed (regopy):\n{_clean(exc)}") from None
        except Exception as exc:  # noqa: BLE001 - any engine failure is a failed verdict, never a pass
            raise EngineError(f"policy evaluation failed (regopy): {type(exc).__name__}: {exc}") from None
        return self._check(out, "evaluating the policies")

    def _check(self, out: Any, doing: str) -> dict[str, Any]:
        if not out.ok():
            raise EngineError(f"{doing} failed (regopy): {out}")
        try:
            value = json.loads(str(out.binding("x")))
        except Exception as exc:  # noqa: BLE001
            raise EngineError(f"{doing}: regopy returned an unreadable result ({exc}): {str(out)[:500]}") from None
        if not isinstance(value, dict):
            raise EngineError(f"{doing}: data.{ROOT} is {type(value).__name__}, expected an object")
        return value


def _clean(exc: Exception) -> str:
    return str(exc).strip()[:4000]
