"""regopy (Microsoft's rego-cpp) wrapped like an engine, for the differential test only: it gives no verdicts.

llmops-iac judges with real OPA only (policy/engine.py says why regopy may not); this harness lets
tests/policy/test_differential.py hold regopy to OPA on every example and rule fixture and record where the
two disagree. ``RegopyEngine(strict=True)`` (the default) sets ``Interpreter.strict_built_in_errors``, the
closest regopy comes to OPA: without it a builtin error is "undefined" (a silent pass).

regopy 1.5 writes strings that came from the input into its JSON output
without escaping them: a backslash, a double quote or a control character in a
spec value (a PII regex, a waiver reason) breaks the output or — worse —
changes it (``x", "forged": "y`` adds a key). So every input string is
encoded before evaluation — ``\\``, ``"`` and control characters become a
private-use escape (U+E000 followed by one private-use character; U+E000
itself is escaped too) — and the output is decoded back. Rules see those
characters as private-use ones, which matters only to a rule inspecting
backslashes or quotes in spec text; the differential test against real OPA
covers every fixture and example.
"""

from __future__ import annotations

import json
from typing import Any

from llmops_iac.policy.engine import ROOT, EngineError


class RegopyEngine:
    """rego-cpp in-process. Modules are parsed and checked when loaded (a probe query), then reused."""

    name = "regopy"

    def __init__(self, *, strict: bool = True) -> None:
        try:
            import regopy
        except ImportError as exc:  # pragma: no cover - in the package's `test` extra
            raise EngineError(f"regopy is not installed ({exc}): pip install -e '.[test]'") from None
        self._regopy = regopy
        self._strict = strict
        self._interpreter: Any = None

    def _new(self) -> Any:
        interp = self._regopy.Interpreter()
        interp.strict_built_in_errors = self._strict
        return interp

    def load(self, modules: dict[str, str], data: dict[str, Any]) -> None:
        interp = self._new()
        try:
            for path, source in sorted(modules.items()):
                interp.add_module(path, source)
            if data:
                interp.add_data(data)
            self._check(interp.query(f"x = data.{ROOT}"), "compiling the policies")
        except self._regopy.RegoError as exc:
            raise EngineError(f"policies do not compile (regopy):\n{_clean(exc)}") from None
        except EngineError:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. regopy failing to parse its own error output
            culprit = self._culprit(modules)
            raise EngineError(f"policies do not compile (regopy): {culprit or f'{type(exc).__name__}: {_clean(exc)}'}") from None
        self._interpreter = interp

    def _culprit(self, modules: dict[str, str]) -> str | None:
        """Find the module that breaks compilation by loading each with the shared lib modules alone."""
        shared = {p: s for p, s in modules.items() if "/lib/" in p or p.startswith("lib/")}
        for path in sorted(set(modules) - set(shared)):
            interp = self._new()
            try:
                for p, src in sorted({**shared, path: modules[path]}.items()):
                    interp.add_module(p, src)
                out = interp.query(f"x = data.{ROOT}")
                if not out.ok():
                    return f"{path}: {_raw(out)}"
            except Exception as exc:  # noqa: BLE001
                return f"{path}: {type(exc).__name__}: {_clean(exc)[:500]}"
        return None

    def evaluate(self, input: dict[str, Any]) -> dict[str, Any]:
        if self._interpreter is None:
            raise EngineError("evaluate() before load()")
        try:
            self._interpreter.set_input(encode(input))
            out = self._interpreter.query(f"x = data.{ROOT}")
        except self._regopy.RegoError as exc:
            raise EngineError(f"policy evaluation failed (regopy):\n{_clean(exc)}") from None
        except Exception as exc:  # noqa: BLE001 - any engine failure is a failed verdict, never a pass
            raise EngineError(f"policy evaluation failed (regopy): {type(exc).__name__}: {exc}") from None
        return decode(self._check(out, "evaluating the policies"))

    def _check(self, out: Any, doing: str) -> dict[str, Any]:
        try:
            ok = out.ok()
        except Exception:  # noqa: BLE001 - regopy parses its own error text as JSON and fails
            ok = False
        if not ok:
            raise EngineError(f"{doing} failed (regopy): {_raw(out)}")
        try:
            value = json.loads(str(out.binding("x")))
        except Exception as exc:  # noqa: BLE001
            raise EngineError(f"{doing}: regopy returned an unreadable result ({exc}): {str(out)[:500]}") from None
        if not isinstance(value, dict):
            raise EngineError(f"{doing}: data.{ROOT} is {type(value).__name__}, expected an object")
        return value


def _raw(out: Any) -> str:
    try:
        return str(out.node if hasattr(out, "node") else out).strip()[:4000]
    except Exception:  # noqa: BLE001
        return "(unreadable engine output)"


def _clean(exc: Exception) -> str:
    return str(exc).strip()[:4000]


_ESC = "\ue000"
_SPECIAL = {"\\": "\ue001", '"': "\ue002", _ESC: _ESC}
_UNSPECIAL = {v: k for k, v in _SPECIAL.items()}


def _encode_str(text: str) -> str:
    if not any(c in _SPECIAL or c < " " or "\x7f" <= c <= "\x9f" for c in text):
        return text
    out = []
    for c in text:
        if c in _SPECIAL:
            out.append(_ESC + _SPECIAL[c])
        elif c < " " or "\x7f" <= c <= "\x9f":
            out.append(_ESC + chr(0xE100 + ord(c)))
        else:
            out.append(c)
    return "".join(out)


def _decode_str(text: str) -> str:
    if _ESC not in text:
        return text
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == _ESC and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_UNSPECIAL.get(nxt) or chr(ord(nxt) - 0xE100))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def encode(value: Any) -> Any:
    """Return ``value`` with every string (keys too) made safe for regopy's output."""
    if isinstance(value, str):
        return _encode_str(value)
    if isinstance(value, dict):
        return {_encode_str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    """Undo :func:`encode` on an engine result."""
    if isinstance(value, str):
        return _decode_str(value)
    if isinstance(value, dict):
        return {_decode_str(k): decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value
