"""A real HTTP server on 127.0.0.1 that speaks the part of OPA's REST API llmops-iac uses — evaluated by real OPA.

Endpoints (as OPA v1 answers them):

- ``GET /health`` → ``{}``
- ``GET /v1/policies`` → ``{"result": [{"id", "raw"}]}``; ``GET|PUT|DELETE /v1/policies/{id}``. A PUT or
  DELETE compiles every module with the change (as OPA does); if they don't compile: HTTP 400
  ``{"code": "invalid_parameter", "message": "error(s) occurred while compiling module(s)",
  "errors": [{"code": "rego_parse_error", "message", "location": {"file": <id>, "row", "col"}}]}``
- ``PUT /v1/data/{path}`` (JSON) → 204
- ``GET /v1/data/{path}`` and ``POST /v1/data/{path}`` with ``{"input": …}`` → ``{"result": …}``, or
  ``{}`` when the document is undefined; an evaluation error → 500 ``{"code": "internal_error", "message":
  "error(s) occurred while evaluating query", "errors": [{"code": "eval_builtin_error", "message", "location"}]}``
  (OPA's ``writer.ErrorAuto`` for a topdown error).

Evaluation runs on the real OPA engine (opa_bindings, OPA v1.20) compiled from the server's modules and data.
That engine always reports builtin errors (division by zero, ``to_number("abc")``) as errors, which a real
server does only when asked with ``?strict-builtin-errors=true`` (otherwise the expression is undefined: a
silent pass). This server cannot be lenient the way OPA is, so it refuses a data query without that parameter
(400): a client that stops asking for it fails every server test.

Faults for tests (``server.fault(mode, methods=…, path=…, times=…)``): ``stall`` (accept, never answer;
bounded by ``stall_seconds``), ``trickle`` (headers, then one body byte every 0.1 s; bounded), ``reset``
(close without an answer), ``status`` (any HTTP status, with an OPA-like error body), ``malformed`` (200 with a
body that is not JSON), ``partial`` (200, Content-Length larger than the bytes sent, then close),
``partial-chunked`` (200, chunked, the last chunk never sent), ``no-result`` (200 ``{}``),
``not-object`` (200 ``{"result": [...]}``), ``rewrite`` (evaluate as usual, then answer 200 with
``rewrite(document)``: bytes are sent as they are, anything else as JSON; ``document`` is ``{"result": …}`` or
``{}``). ``refused_url()`` is a URL on a port nothing listens on.

Everything is bounded: the handler's socket timeout, stalls and trickles end at ``stall_seconds`` or when the
server stops, and ``stop()`` joins every thread. Use the ``opa_server`` fixture (stops at teardown) or
``with running(...) as server``.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

HOST = "127.0.0.1"
_ERROR_LINE = re.compile(r"^(?P<file>\S[^\n]*?):(?P<row>\d+): (?P<code>(?:rego|eval)_\w+): (?P<msg>.*)$")


@dataclass
class Fault:
    mode: str
    methods: frozenset[str] | None = None
    path: str | None = None  # URL path prefix
    times: int | None = None  # None: every matching request
    status: int = 500
    rewrite: Any = None  # mode "rewrite": the answer document -> the body to send
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.methods is not None and method not in self.methods:
            return False
        return self.path is None or path.startswith(self.path)


@dataclass
class Seen:
    """One request the server received (the Authorization header is kept for the token test)."""

    method: str
    path: str
    authorization: str | None
    fault: str | None
    query: str = ""  # the URL's query string


class OpaError(Exception):
    """A module set that does not compile, or an evaluation error, in the server's OPA."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class FakeOpa:
    """OPA's Policy and Data APIs over the real OPA engine. Thread-safe."""

    def __init__(self, *, token: str | None = None, stall_seconds: float = 3.0) -> None:
        from opa_bindings import engine as bindings

        self._b = bindings
        self._lock = threading.RLock()
        self.policies: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self._engine: Any = None
        self.token = token
        self.stall_seconds = stall_seconds
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> "FakeOpa":
        handler = type("Handler", (_Handler,), {"opa": self})
        httpd = ThreadingHTTPServer((HOST, 0), handler)
        httpd.daemon_threads = False
        httpd.block_on_close = True  # server_close() joins every handler thread
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-opa", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            assert not self._thread.is_alive(), "the fake OPA server did not stop"
            self._thread = None
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    # -- faults ---------------------------------------------------------------------------------

    def fault(self, mode: str, *, methods: set[str] | None = None, path: str | None = None, times: int | None = None,
              status: int = 500, rewrite: Any = None) -> Fault:
        f = Fault(mode, frozenset(methods) if methods else None, path, times, status, rewrite)
        with self._lock:
            self.faults.append(f)
        return f

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if f.matches(method, path):
                    f.hits += 1
                    return f
        return None

    # -- OPA ------------------------------------------------------------------------------------

    def _compile(self, policies: dict[str, str], data: dict[str, Any]) -> Any:
        b = self._b
        engine = b.OpaEngine()
        try:
            for pid, raw in sorted(policies.items()):
                try:
                    engine.add_policy(pid, raw)
                except b.OpaError as exc:
                    raise OpaError("parse", exc.message) from None
            if data:
                engine.add_data(data)
            try:
                engine.eval_query("true")
            except b.OpaError as exc:
                raise OpaError("compile", exc.message) from None
        except BaseException:
            engine.close()
            raise
        return engine

    def put_policy(self, pid: str, raw: str) -> None:
        with self._lock:
            engine = self._compile({**self.policies, pid: raw}, self.data)
            self._swap(engine)
            self.policies[pid] = raw

    def delete_policy(self, pid: str) -> None:
        with self._lock:
            rest = {k: v for k, v in self.policies.items() if k != pid}
            engine = self._compile(rest, self.data)
            self._swap(engine)
            self.policies = rest

    def put_data(self, segments: list[str], value: Any) -> None:
        with self._lock:
            data = json.loads(json.dumps(self.data))
            if not segments:
                if not isinstance(value, dict):
                    raise OpaError("data", "the root document must be an object")
                data = value
            else:
                node = data
                for seg in segments[:-1]:
                    node = node.setdefault(seg, {})
                    if not isinstance(node, dict):
                        raise OpaError("data", f"{seg} is not an object")
                node[segments[-1]] = value
            engine = self._compile(self.policies, data)
            self._swap(engine)
            self.data = data

    def _swap(self, engine: Any) -> None:
        if self._engine is not None:
            self._engine.close()
        self._engine = engine

    def query(self, segments: list[str], input: Any, has_input: bool) -> tuple[bool, Any]:
        """(defined, value) of data.<segments>."""
        with self._lock:
            if self._engine is None:
                self._engine = self._compile(self.policies, self.data)
            try:
                return True, self._engine.eval_document(".".join(segments), input if has_input else None)
            except self._b.OpaUndefinedError:
                return False, None
            except self._b.OpaError as exc:
                raise OpaError("eval", exc.message) from None


def _errors_of(message: str, code: str) -> list[dict[str, Any]]:
    """OPA's '1 error occurred: f:3: rego_parse_error: msg' as the REST API's errors list."""
    out = []
    body = message.replace("bundle activation failed: ", "")
    body = re.sub(r"^\d+ errors? occurred:\s*", "", body)
    for line in body.splitlines():
        m = _ERROR_LINE.match(line.strip())
        if m:
            out.append({"code": m["code"], "message": m["msg"],
                        "location": {"file": m["file"], "row": int(m["row"]), "col": 1}})
    return out or [{"code": f"rego_{code}_error", "message": body.strip()}]


class _Handler(BaseHTTPRequestHandler):
    opa: FakeOpa
    protocol_version = "HTTP/1.1"
    timeout = 5  # seconds to read a request: a silent client can't hold a thread

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    # -- plumbing -------------------------------------------------------------------------------

    def _send(self, status: int, body: Any = None) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(raw)
        self.close_connection = True

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        opa = self.opa
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        fault = opa._take_fault(self.command, path)
        opa.seen.append(Seen(self.command, path, self.headers.get("Authorization"), fault.mode if fault else None,
                             split.query))
        body = self._body()
        if fault is not None and fault.mode != "rewrite" and self._fault(fault):
            return
        self._rewrite = fault.rewrite if fault is not None and fault.mode == "rewrite" else None
        self._query = urllib.parse.parse_qs(split.query)
        if opa.token is not None and path != "/health" and self.headers.get("Authorization") != f"Bearer {opa.token}":
            return self._send(401, {"code": "unauthorized", "message": "missing or invalid bearer token"})
        try:
            self._route(path, body)
        except OpaError as exc:
            if exc.code in ("parse", "compile"):
                self._send(400, {"code": "invalid_parameter", "message": "error(s) occurred while compiling module(s)",
                                 "errors": _errors_of(exc.message, exc.code)})
            elif exc.code == "data":
                self._send(400, {"code": "invalid_parameter", "message": exc.message})
            else:
                self._send(500, {"code": "internal_error", "message": "error(s) occurred while evaluating query",
                                 "errors": _errors_of(exc.message, exc.code)})

    def _route(self, path: str, body: bytes) -> None:
        opa, method = self.opa, self.command
        if path == "/health" and method == "GET":
            return self._send(200, {})
        if path in ("/v1/policies", "/v1/policies/") and method == "GET":
            with opa._lock:
                items = [{"id": k, "raw": v} for k, v in sorted(opa.policies.items())]
            return self._send(200, {"result": items})
        if path.startswith("/v1/policies/"):
            pid = urllib.parse.unquote(path[len("/v1/policies/"):])
            if method == "GET":
                with opa._lock:
                    raw = opa.policies.get(pid)
                if raw is None:
                    return self._not_found(f"policy id {pid!r}")
                return self._send(200, {"result": {"id": pid, "raw": raw}})
            if method == "PUT":
                try:
                    raw = body.decode("utf-8")
                except UnicodeDecodeError:
                    return self._send(400, {"code": "invalid_parameter", "message": "body is not UTF-8"})
                opa.put_policy(pid, raw)
                return self._send(200, {})
            if method == "DELETE":
                if pid not in opa.policies:
                    return self._not_found(f"policy id {pid!r}")
                opa.delete_policy(pid)
                return self._send(200, {})
        if path == "/v1/data" or path.startswith("/v1/data/"):
            segments = [urllib.parse.unquote(s) for s in path[len("/v1/data"):].split("/") if s]
            if method == "PUT":
                try:
                    value = json.loads(body)
                except ValueError as exc:
                    return self._send(400, {"code": "invalid_parameter", "message": f"body is not JSON: {exc}"})
                opa.put_data(segments, value)
                return self._send(204)
            if method in ("GET", "POST"):
                if self._query.get("strict-builtin-errors") != ["true"]:
                    return self._send(400, {"code": "invalid_parameter", "message": "this test server evaluates "
                                            "builtin errors strictly only: ask with ?strict-builtin-errors=true"})
                has_input, input = False, None
                if method == "POST" and body.strip():
                    try:
                        doc = json.loads(body)
                    except ValueError as exc:
                        return self._send(400, {"code": "invalid_parameter", "message": f"body is not JSON: {exc}"})
                    if not isinstance(doc, dict):
                        return self._send(400, {"code": "invalid_parameter", "message": "body must be an object"})
                    has_input, input = "input" in doc, doc.get("input")
                defined, value = opa.query(segments, input, has_input)
                answer = {"result": value} if defined else {}
                if self._rewrite is not None:
                    out = self._rewrite(answer)
                    raw = out if isinstance(out, bytes) else json.dumps(out).encode()
                    return self._raw(200, raw, len(raw))
                return self._send(200, answer)
        return self._not_found(f"{method} {path}")

    def _not_found(self, what: str) -> None:
        self._send(404, {"code": "resource_not_found", "message": f"storage_not_found_error: {what}"})

    # -- faults ---------------------------------------------------------------------------------

    def _fault(self, fault: Fault) -> bool:
        """Misbehave as ``fault`` says; True if the request was consumed."""
        opa = self.opa
        mode = fault.mode
        self.close_connection = True
        if mode == "stall":
            opa.stopping.wait(opa.stall_seconds)
            return True
        if mode == "reset":
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if mode == "status":
            self._send(fault.status, {"code": "internal_error" if fault.status >= 500 else "invalid_parameter",
                                      "message": f"injected HTTP {fault.status}"})
            return True
        if mode == "malformed":
            raw = b"<html><body>502 Bad Gateway</body></html>"
            self._raw(200, raw, len(raw))
            return True
        if mode == "no-result":
            self._send(200, {})
            return True
        if mode == "not-object":
            self._send(200, {"result": ["governance", "guardrails"]})
            return True
        if mode == "partial":
            raw = json.dumps({"result": {"guardrails": {"unguarded_model": []}}}).encode()
            self._raw(200, raw[: len(raw) // 2], len(raw))
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if mode == "partial-chunked":
            raw = b'{"result": {"guardrails": '
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(raw), raw))
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if mode == "trickle":
            raw = json.dumps({"result": {}}).encode() + b" " * 1000
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            deadline = time.monotonic() + opa.stall_seconds
            try:
                for byte in raw:
                    if time.monotonic() > deadline or opa.stopping.wait(0.1):
                        break
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            except OSError:
                pass
            return True
        raise AssertionError(f"unknown fault mode {mode!r}")

    def _raw(self, status: int, raw: bytes, length: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(raw)
        self.wfile.flush()

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch()

    do_PUT = do_POST = do_DELETE = do_GET


@contextlib.contextmanager
def running(**kwargs: Any) -> Iterator[FakeOpa]:
    """A started fake OPA server, stopped on exit."""
    server = FakeOpa(**kwargs).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def opa_server() -> Iterator[FakeOpa]:
    """A fake OPA server on 127.0.0.1 (ephemeral port), stopped at teardown."""
    with running() as server:
        yield server


def refused_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (the port was bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    return f"http://{HOST}:{port}"


# -- inputs and comparison shared by the engine tests ------------------------------------------------------

ROOT_DIR = __import__("pathlib").Path(__file__).resolve().parents[2]
EXAMPLES_DIR = ROOT_DIR / "examples"
RULE_FIXTURES_DIR = ROOT_DIR / "tests" / "fixtures" / "rules"
EXAMPLE_DATES = ("2020-01-01", "2100-01-01")
"""Examples are judged on two days: before and after every waiver's expiry."""
FIXTURE_DATE = "2026-06-01"
"""Rule fixtures are judged on the day the catalogue tests use (their waivers are written for it)."""
_ENVIRONMENT = re.compile(r"^#\s*environment:\s*([a-z][a-z0-9-]*)\s*$")


@dataclass(frozen=True)
class Case:
    """One input document for the engines: an example (per environment, per day) or a rule fixture."""

    id: str
    document: dict[str, Any] = field(compare=False, repr=False)


def _compiled(path: Any, env: str | None) -> tuple[Any, Any] | None:
    from llmops_iac.compile import compile_spec
    from llmops_iac.errors import LlmopsError
    from llmops_iac.spec.validate import load_spec

    try:
        loaded = load_spec(str(path), environment=env)
        return loaded, compile_spec(loaded)
    except LlmopsError:
        return None  # a fixture meant to be rejected before the policy stage


def _document(loaded: Any, plan: Any, day: str, plan_data: dict[str, Any] | None = None) -> dict[str, Any]:
    import datetime as dt

    from llmops_iac.policy.evaluate import build_input

    doc = build_input(loaded, plan, stack=None, today=dt.date.fromisoformat(day))
    if plan_data is not None:
        doc["plan"] = plan_data
    return doc


def _environments(path: Any, data: dict[str, Any]) -> list[str | None]:
    """The fixture's own environment (its '# environment: X' first line), else the base and every declared one."""
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    m = _ENVIRONMENT.match(first)
    if m:
        return [None if m.group(1) == "default" else m.group(1)]
    return [None] + sorted(((data.get("spec") or {}).get("environments") or {}))


def _spec_cases(path: Any, label: str, days: tuple[str, ...]) -> list[Case]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - a fixture that is not YAML is not a spec: skip
        return []
    if not isinstance(data, dict) or data.get("kind") != "LLMApplication":
        return []
    out = []
    for env in _environments(path, data):
        compiled = _compiled(path, env)
        if compiled is None:
            continue
        loaded, plan = compiled
        for day in days:
            out.append(Case(f"{label}:{env or 'default'}@{day}", _document(loaded, plan, day)))
        patch = path.with_name(path.stem + ".plan-patch.yaml")
        if patch.is_file():
            ops = yaml.safe_load(patch.read_text(encoding="utf-8")) or []
            patched = apply_patch(plan.to_data(), ops)
            out.append(Case(f"{label}+{patch.name}:{env or 'default'}@{days[0]}", _document(loaded, plan, days[0], patched)))
    return out


def apply_patch(data: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """JSON Patch (add, remove, replace) on Plan data; /resources/<name> selects the resource by logical name."""
    import copy

    data = copy.deepcopy(data)
    for op in ops:
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in op["path"][1:].split("/")]
        if tokens[0] == "resources" and len(tokens) > 1:
            tokens[1] = str([r["name"] for r in data["resources"]].index(tokens[1]))
        parent: Any = data
        for t in tokens[:-1]:
            parent = parent[int(t)] if isinstance(parent, list) else parent[t]
        last = tokens[-1]
        if op["op"] == "remove":
            del parent[int(last) if isinstance(parent, list) else last]
        elif op["op"] in ("add", "replace") and isinstance(parent, list):
            if op["op"] == "add":
                parent.insert(len(parent) if last == "-" else int(last), op["value"])
            else:
                parent[int(last)] = op["value"]
        elif op["op"] in ("add", "replace"):
            parent[last] = op["value"]
        else:
            raise ValueError(f"unsupported patch operation {op!r}")
    return data


_CASES: list[Case] | None = None


def policy_cases() -> list[Case]:
    """Every example (each declared environment, two days) and every rule fixture under tests/fixtures/rules/
    (specs in their environment, with their plan patch if they have one; JSON input documents as they are).
    Computed once per process."""
    global _CASES
    if _CASES is not None:
        return _CASES
    out: list[Case] = []
    for path in sorted(EXAMPLES_DIR.glob("*.yaml")):
        out += _spec_cases(path, f"examples/{path.name}", EXAMPLE_DATES)
    if RULE_FIXTURES_DIR.is_dir():
        for path in sorted(RULE_FIXTURES_DIR.rglob("*")):
            if not path.is_file() or path.name.endswith(".plan-patch.yaml"):
                continue
            label = str(path.relative_to(ROOT_DIR / "tests" / "fixtures"))
            if path.suffix in (".yaml", ".yml"):
                out += _spec_cases(path, label, (FIXTURE_DATE,))
            elif path.suffix == ".json":
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if isinstance(data, dict) and isinstance(data.get("input"), dict):
                    out.append(Case(label, data["input"]))
                elif isinstance(data, dict) and {"spec", "plan", "context"} <= set(data):
                    out.append(Case(label, data))
    _CASES = out
    return out


_RESULTS: dict[str, dict[str, tuple[str, Any]]] = {}


def in_process_results(engine: str) -> dict[str, tuple[str, Any]]:
    """case id → ("ok", data.llmops) or ("error", message) from ``engine`` (opa, or regopy: the differential
    test's harness, strict builtin errors) with the built-in policies, for every case; computed once per process
    (regopy takes ~0.2 s per input)."""
    if engine not in _RESULTS:
        from llmops_iac.policy import catalog
        from llmops_iac.policy.engine import EngineError
        from llmops_iac.policy.reference import OpaEngine
        from tests.policy.regopy_harness import RegopyEngine

        eng: Any = RegopyEngine() if engine == "regopy" else OpaEngine()
        eng.load(catalog.load().modules, {})
        results: dict[str, tuple[str, Any]] = {}
        for case in policy_cases():
            try:
                results[case.id] = ("ok", eng.evaluate(case.document))
            except EngineError as exc:
                results[case.id] = ("error", str(exc))
        if engine == "opa":
            eng.close()
        _RESULTS[engine] = results
    return _RESULTS[engine]


def normalise(value: Any) -> Any:
    """Engine output made comparable: integral floats as ints (1.0 == 1), every list sorted canonically
    (a Rego set comes back as a list in an engine-specific order; arrays are sorted too, so an order-only
    difference between engines is not reported here — see ``order_differences``)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((normalise(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def differences(a: Any, b: Any, path: str = "data.llmops") -> list[str]:
    """Where two normalised documents differ: 'path: only in A: …' / 'path: A … != B …' (first 20)."""
    out: list[str] = []

    def walk(x: Any, y: Any, p: str) -> None:
        if len(out) >= 20:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                if k not in y:
                    out.append(f"{p}.{k}: only in the first: {json.dumps(x[k])[:400]}")
                elif k not in x:
                    out.append(f"{p}.{k}: only in the second: {json.dumps(y[k])[:400]}")
                else:
                    walk(x[k], y[k], f"{p}.{k}")
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (u, v) in enumerate(zip(x, y)):
                walk(u, v, f"{p}[{i}]")
        elif x != y or type(x) is not type(y):
            out.append(f"{p}: {json.dumps(x)[:400]} != {json.dumps(y)[:400]}")

    walk(a, b, path)
    return out
