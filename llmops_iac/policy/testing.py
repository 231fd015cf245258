"""Run the policies' own tests (``*_test.rego``) with the real OPA engine: ``llmops-iac policy test``.

A test is a rule whose name starts with ``test_``, written at the start of a
line of a ``_test.rego`` file; it passes when it evaluates to ``true``
(``opa test``'s rule). They run on the real OPA engine, the one that judges
(opa-golib-python-bindings; EngineError with the install command if it is
missing). Every policy module and every test module are compiled together
once; a module that does not compile is an EngineError (exit 3), not a
failed test.

Outcomes: ``pass`` (true), ``fail`` (false or any other value), ``undefined``
(a condition of the test's body did not hold — counted as a failure, as
``opa test`` does) and ``error`` (evaluation raised, e.g. a conflict).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from llmops_iac.policy.catalog import Catalogue, PolicyDirError
from llmops_iac.policy.engine import EngineError, blame
from llmops_iac.policy.reference import import_bindings

OUTCOMES = ("pass", "fail", "error", "undefined")

_PACKAGE = re.compile(r"^package\s+([A-Za-z_][\w.]*)\s*$", re.M)
_TEST_HEAD = re.compile(r"^(test_[A-Za-z0-9_]*)(?=\s*(?:if\b|:=|=|\{|contains\b|$))", re.M)


@dataclass(frozen=True)
class TestResult:
    """One test rule's outcome."""

    __test__ = False  # not a pytest test class

    package: str
    name: str
    file: str
    line: int
    outcome: str  # pass | fail | error | undefined
    message: str
    duration: float  # seconds

    @property
    def passed(self) -> bool:
        return self.outcome == "pass"


def discover(catalogue: Catalogue) -> list[tuple[str, str, str, int]]:
    """Every test rule of the catalogue's test files: (package, name, file, line), in file order, each once."""
    out: list[tuple[str, str, str, int]] = []
    for path, text in sorted(catalogue.tests.items()):
        m = _PACKAGE.search(text)
        if not m:
            error = PolicyDirError if path in catalogue.user_modules else EngineError
            raise error(f"{path}: no package declaration; a _test.rego file needs one")
        package = m.group(1)
        seen: set[str] = set()
        for head in _TEST_HEAD.finditer(text):
            name = head.group(1)
            if name in seen:  # a test written as several rule bodies is one test
                continue
            seen.add(name)
            out.append((package, name, path, text.count("\n", 0, head.start()) + 1))
    return out


def run_tests(catalogue: Catalogue) -> list[TestResult]:
    """Evaluate every test rule; raise EngineError if OPA is missing or the modules do not compile (PolicyDirError,
    exit 2, when what does not compile is a --policy-dir's and the built-in modules and tests compile without it)."""
    bindings = import_bindings()
    tests = discover(catalogue)
    try:
        engine = _load(bindings, catalogue)
    except EngineError as exc:
        raise blame(catalogue, exc, lambda: _load(bindings, catalogue, builtin_only=True).close()) from None
    try:
        for package in dict.fromkeys(t[0] for t in tests):  # prepare each package's query once, untimed
            try:
                engine.eval_query(_query(package), {"name": ""})
            except bindings.OpaError:
                pass  # reported per test below
        return [_run(bindings, engine, *test) for test in tests]
    finally:
        engine.close()


def _query(package: str) -> str:
    """One query per package, the test's name as input: OPA prepares (compiles) a query once per distinct
    string (~0.1 s here), so a query per test would cost that for every test. The test itself runs with an
    empty input (``with input as {}``), as ``opa test`` runs it without one."""
    return f"name := input.name; x := data.{package}[name] with input as {{}}"


def _load(bindings: Any, catalogue: Catalogue, builtin_only: bool = False) -> Any:
    engine = bindings.OpaEngine()
    try:
        for path, source in sorted({**catalogue.modules, **catalogue.tests}.items()):
            if builtin_only and path in catalogue.user_modules:
                continue
            try:
                engine.add_policy(path, source)
            except bindings.OpaError as exc:
                raise EngineError(f"policies do not compile (opa): {path}: {exc.message}") from None
        try:
            engine.eval_query("true")  # compiles every module: type errors surface here, not as failed tests
        except bindings.OpaError as exc:
            raise EngineError(f"policies do not compile (opa):\n{exc.message.replace('bundle activation failed: ', '')}") from None
    except BaseException:
        engine.close()
        raise
    return engine


def _run(bindings: Any, engine: Any, package: str, name: str, file: str, line: int) -> TestResult:
    start = time.perf_counter()
    try:
        rows = engine.eval_query(_query(package), {"name": name})
    except bindings.OpaError as exc:
        outcome, message = "error", f"{exc.code}: {exc.message}"
    except Exception as exc:  # noqa: BLE001 - an engine failure is an error outcome, never a pass
        outcome, message = "error", f"{type(exc).__name__}: {exc}"
    else:
        value = rows[0].get("x") if len(rows) == 1 else None
        if not rows:
            outcome, message = "undefined", f"{name} is undefined: a condition in its body did not hold"
        elif len(rows) > 1:
            outcome, message = "error", f"{name} has {len(rows)} values"
        elif value is True:
            outcome, message = "pass", ""
        else:
            outcome, message = "fail", f"{name} evaluated to {value!r}, not true"
    return TestResult(package, name, file, line, outcome, message, time.perf_counter() - start)
