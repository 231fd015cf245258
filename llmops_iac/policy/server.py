"""The OPA server engine: push the policies over OPA's REST API once, then POST each input.

``llmops-iac check --opa-url http://127.0.0.1:8181`` (or ``$OPA_URL``) judges
specs on an OPA server instead of in-process. What it does:

- ``load``: PUT each top-level key of the data to ``/v1/data/<key>`` (only when
  there is data), PUT every module to ``/v1/policies/llmops-iac/<path>`` (the
  ``llmops-iac/`` prefix marks the modules this tool owns), DELETE modules under
  that prefix that are no longer in the catalogue (a rule file removed since the
  last run must not keep judging), then verify: the server lists exactly our
  sources, no other module declares a package under ``llmops`` (it would change
  the verdict), and ``GET /v1/data/llmops`` is defined and an object. Data keys
  written by an earlier run are not removed (only policies carry our prefix). OPA compiles
  every module on each PUT, so a module calling a function of one not pushed yet
  is refused; such writes are retried after the others until nothing changes
  (a parse error fails at once). A module that does not compile is an
  EngineError naming file:line and OPA's message.
- ``evaluate``: ``POST /v1/data/llmops?strict-builtin-errors=true`` with
  ``{"input": …}`` and return ``result``.

Builtin errors: without ``strict-builtin-errors=true`` OPA turns a builtin
error (``1 / 0``, ``to_number("abc")``) into an undefined expression — a rule
that silently finds nothing. Every data query (the evaluation and the load
check) asks for it, so the server answers such a rule with HTTP 500 and
OPA's ``eval_builtin_error`` at file:line, as the in-process OPA reports it.
Conflicts (``eval_conflict_error``) are errors either way.

Fail closed: a refused connection, a timeout or a server that stalls, any 4xx
or 5xx, a body that is not JSON, repeats a key in any object (a parser keeping
the last value would let ``"rule": []`` erase a finding) or is cut short
(Content-Length or a chunk not complete), a 200 that carries OPA's error
fields (``errors``, or ``code`` and ``message``), a JSON object without
``result`` (the document is undefined) or a ``result`` that is not an object —
each raises EngineError (exit 3) naming the URL and what happened. The result
itself is then held to the catalogue like every engine's (policy/answer.py).
A verdict is never made up.

Timeouts and retries: ``timeout`` (seconds) bounds each HTTP request as a whole
— connect, send, response headers and body — with a watchdog that closes the
socket at the deadline, so a server trickling bytes cannot hold the run either
(a per-read socket timeout alone restarts with every byte). ``retries`` extra
attempts, with exponential backoff (0.2 s, 0.4 s, …), are made only when they
cannot change what the server did: for the idempotent calls (GET, PUT,
DELETE) on a connection error or a 5xx, and for the evaluation POST only when
the connection failed before the request was sent. A timeout is not retried:
a stalled server is reported, not waited for again.

Authentication: if ``$OPA_TOKEN`` is set, every request carries
``Authorization: Bearer $OPA_TOKEN`` (OPA's ``--authentication=token``). The
token is never printed, logged or put in an error message; credentials in the
URL (``http://user:pass@host``) are refused for the same reason. ``https://``
URLs verify the server certificate with the system trust store.

Why not opa-python-client (a dependency of the package, and the obvious
choice): its API does not fit this contract. Importing it costs ~0.3 s (it
imports requests *and* aiohttp for its async client) against the CLI's budget;
its timeout is requests' per-read timeout, so a trickling server stalls it
without limit; its retries are a urllib3 ``Retry`` fixed at construction
(500/502/504 only, and ``raise_on_status=False`` hands back the last 5xx
response) without the idempotency distinction above; ``update_policy_from_string``
silently rewrites v0-syntax policies when the server rejects them (the server
would then judge a different policy than the in-process engine) and reads error bodies with
``response.json()`` unguarded; ``query_rule`` returns the body without telling
an undefined document from a result; and its URL is host + port only (no path
prefix behind a gateway). The stdlib ``http.client`` gives the exact status,
headers and bytes, which is what failing closed needs.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import threading
import time
import urllib.parse
from typing import Any

from llmops_iac.policy.protocol import ROOT, EngineError

POLICY_PREFIX = "llmops-iac/"
"""Policy IDs of the modules this tool pushes start with this; others are left alone (and checked)."""

MAX_BODY = 64 * 1024 * 1024
"""Largest response body accepted (bytes); a larger one is an error, not a verdict."""

STRICT = "strict-builtin-errors=true"
"""Query string of every Data API query: builtin errors are errors, not undefined (see the module doc)."""

_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)", re.M)
_IMPORTS = re.compile(r"^\s*import\s+data\.", re.M)


class _TransportError(Exception):
    """One HTTP attempt failed before a complete response; ``sent`` says whether the request left."""

    def __init__(self, message: str, *, sent: bool, retryable: bool) -> None:
        super().__init__(message)
        self.sent = sent
        self.retryable = retryable


class OpaServerEngine:
    """Rego evaluation on an OPA server (REST API v1), failing closed on every fault."""

    name = "opa-server"

    def __init__(self, url: str, timeout: float = 10.0, retries: int = 2, *, backoff: float = 0.2,
                 token: str | None = None) -> None:
        """``url``: the server's base URL (``http://127.0.0.1:8181``, a path prefix is kept);
        ``timeout``: seconds for one whole HTTP request; ``retries``: extra attempts (see the module doc);
        ``token``: bearer token (default ``$OPA_TOKEN``)."""
        parts = urllib.parse.urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EngineError(f"OPA server URL {_redact(url)!r} is not an http:// or https:// URL with a host "
                              "(e.g. http://127.0.0.1:8181)")
        if parts.username is not None or parts.password is not None:
            raise EngineError(f"OPA server URL {_redact(url)!r} carries credentials; put a bearer token in $OPA_TOKEN instead")
        if parts.query or parts.fragment:
            raise EngineError(f"OPA server URL {_redact(url)!r} must not have a query or fragment")
        try:
            port = parts.port
        except ValueError:
            raise EngineError(f"OPA server URL {_redact(url)!r} has an invalid port") from None
        if not (timeout > 0) or retries < 0:
            raise EngineError(f"OPA server: timeout must be > 0 and retries >= 0 (got {timeout}, {retries})")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = port or (443 if parts.scheme == "https" else 80)
        self._prefix = parts.path.rstrip("/")
        host = f"[{self._host}]" if ":" in self._host else self._host
        self.url = f"{parts.scheme}://{host}:{self._port}{self._prefix}"
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self._token = token if token is not None else (os.environ.get("OPA_TOKEN") or None)
        self._loaded = False

    # -- the Engine protocol ----------------------------------------------------------------

    def load(self, modules: dict[str, str], data: dict[str, Any]) -> None:
        self._loaded = False
        ids = {POLICY_PREFIX + path.lstrip("/"): path for path in modules}
        if len(ids) != len(modules):
            raise EngineError("two policy modules map to the same OPA policy ID; module paths must differ")
        for key, value in sorted((data or {}).items()):
            self._call("PUT", f"/v1/data/{_quote(key)}", _dumps(value, f"data {key!r}"), expect=(204, 200),
                       doing=f"writing data.{key}")
        existing = self._policies()
        actions: list[tuple[str, str, str | None]] = [
            ("PUT", pid, modules[path]) for pid, path in sorted(ids.items(), key=lambda kv: _order(kv[1], modules[kv[1]]))]
        actions += [("DELETE", pid, None) for pid in sorted(existing) if pid.startswith(POLICY_PREFIX) and pid not in ids]
        self._apply(actions, ids)
        self._verify(modules, ids)
        self._loaded = True

    def evaluate(self, input: dict[str, Any]) -> dict[str, Any]:
        if not self._loaded:
            raise EngineError("evaluate() before load()")
        body = _dumps({"input": input}, "the input document")
        doc = self._call("POST", f"/v1/data/{ROOT}?{STRICT}", body, expect=(200,), doing=f"evaluating data.{ROOT}")
        return self._result(doc, f"POST /v1/data/{ROOT}")

    # -- load steps -------------------------------------------------------------------------

    def _policies(self) -> dict[str, str]:
        """Every module on the server: policy ID → raw source."""
        doc = self._call("GET", "/v1/policies", None, expect=(200,), doing="listing policies")
        items = doc.get("result")
        if not isinstance(items, list) or not all(isinstance(p, dict) and isinstance(p.get("id"), str) for p in items):
            raise EngineError(f"OPA server {self.url}: GET /v1/policies answered without a list of policies "
                              f"(result: {_preview(json.dumps(items))})")
        return {p["id"]: p.get("raw") if isinstance(p.get("raw"), str) else "" for p in items}

    def _apply(self, actions: list[tuple[str, str, str | None]], ids: dict[str, str]) -> None:
        """Run the PUTs/DELETEs; one refused because of a module not written yet is retried after the others."""
        pending = list(actions)
        refused: dict[str, str] = {}
        for _ in range(len(actions) + 1):  # each round completes at least one action, or we stop
            if not pending:
                return
            progress = False
            for action in list(pending):
                method, pid, source = action
                path = f"/v1/policies/{_quote(pid)}"
                body = source.encode("utf-8") if source is not None else None
                status, payload = self._request(method, path, body, content_type="text/plain")
                if status == 200:
                    pending.remove(action)
                    refused.pop(pid, None)
                    progress = True
                    continue
                if status != 400:
                    self._fail_status(method, path, status, payload)
                errors = self._errors(payload, ids)
                if method == "PUT" and any(code == "rego_parse_error" for code, _ in errors):
                    raise EngineError(f"policies do not compile (OPA server {self.url}): "
                                      f"{ids[pid]}:\n  " + "\n  ".join(msg for _, msg in errors))
                refused[pid] = "\n  ".join(msg for _, msg in errors) or _preview(payload)
            if not progress:
                break
        lines = [f"{ids.get(pid, pid)}: {msg}" for pid, msg in sorted(refused.items())]
        raise EngineError(f"policies do not compile (OPA server {self.url}):\n  " + "\n  ".join(lines))

    def _verify(self, modules: dict[str, str], ids: dict[str, str]) -> None:
        on_server = self._policies()
        for pid, path in sorted(ids.items()):
            if on_server.get(pid) != modules[path]:
                raise EngineError(f"OPA server {self.url}: policy {pid} is not what was just written "
                                  "(another client writing the same policies?)")
        foreign = []
        for pid, raw in sorted(on_server.items()):
            if pid in ids:
                continue
            m = _PACKAGE.search(raw or "")
            if m and (m.group(1) == ROOT or m.group(1).startswith(ROOT + ".")):
                foreign.append(f"{pid} (package {m.group(1)})")
        if foreign:
            raise EngineError(f"OPA server {self.url} holds modules llmops-iac did not write that declare packages under "
                              f"{ROOT}: {', '.join(foreign)}; they would change the verdict — delete them or use a "
                              "server of its own")
        doc = self._call("GET", f"/v1/data/{ROOT}?{STRICT}", None, expect=(200,), doing=f"compiling data.{ROOT}")
        self._result(doc, f"GET /v1/data/{ROOT}")

    # -- HTTP ---------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: bytes | None, *, expect: tuple[int, ...], doing: str) -> dict[str, Any]:
        """One API call whose answer must be a status in ``expect`` and (unless 204) a JSON object."""
        status, payload = self._request(method, path, body, content_type="application/json")
        if status not in expect:
            self._fail_status(method, path, status, payload, doing=doing)
        if status == 204:
            return {}
        return self._json(method, path, payload)

    def _request(self, method: str, path: str, body: bytes | None, *, content_type: str) -> tuple[int, bytes]:
        """Send with bounded retries (see the module doc); return (status, body) or raise EngineError."""
        idempotent = method in ("GET", "PUT", "DELETE", "HEAD")
        attempts = 1 + self.retries
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                status, payload = self._once(method, self._prefix + path, body, content_type)
            except _TransportError as exc:
                if not last and exc.retryable and (idempotent or not exc.sent):
                    time.sleep(self.backoff * 2 ** attempt)
                    continue
                tries = f" (after {attempt + 1} attempts)" if attempt else ""
                raise EngineError(f"OPA server {self.url}: {method} {path}: {exc}{tries}") from None
            if status >= 500 and idempotent and not last:
                time.sleep(self.backoff * 2 ** attempt)
                continue
            return status, payload
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, method: str, path: str, body: bytes | None, content_type: str) -> tuple[int, bytes]:
        """One HTTP exchange within ``self.timeout`` seconds in all; raise _TransportError on any transport fault."""
        cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=self.timeout)
        fired = threading.Event()

        def expire() -> None:
            fired.set()
            sock = conn.sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        watchdog = threading.Timer(self.timeout, expire)
        watchdog.daemon = True
        headers = {"Accept": "application/json", "User-Agent": "llmops-iac", "Connection": "close"}
        if body is not None:
            headers["Content-Type"] = content_type
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        sent = False
        watchdog.start()
        try:
            try:
                conn.connect()
            except ConnectionRefusedError:
                raise _TransportError("connection refused (is the OPA server running at this address?)",
                                      sent=False, retryable=True) from None
            except (socket.timeout, TimeoutError):
                raise _TransportError(f"could not connect within {self.timeout:g} s", sent=False, retryable=True) from None
            except OSError as exc:
                raise _TransportError(f"could not connect: {exc.strerror or exc}", sent=False, retryable=True) from None
            try:
                conn.request(method, path, body=body, headers=headers)
                sent = True
                resp = conn.getresponse()
                status = resp.status
                declared = resp.getheader("Content-Length")
            except (socket.timeout, TimeoutError):
                raise _TransportError(f"no complete response within {self.timeout:g} s (the server stalled)",
                                      sent=sent, retryable=False) from None
            except (http.client.HTTPException, OSError) as exc:
                if fired.is_set():
                    raise _TransportError(f"no complete response within {self.timeout:g} s (the server stalled)",
                                          sent=sent, retryable=False) from None
                raise _TransportError(f"the connection failed: {type(exc).__name__}: {exc}", sent=sent,
                                      retryable=True) from None
            try:
                payload = self._read_body(resp)
            except _TransportError:
                raise
            except Exception as exc:  # noqa: BLE001 - mid-body: the answer is incomplete whatever the cause
                if fired.is_set() or isinstance(exc, (socket.timeout, TimeoutError)):
                    raise _TransportError(f"no complete response within {self.timeout:g} s (the server stalled)",
                                          sent=True, retryable=False) from None
                got = f"{len(exc.partial)} bytes, then " if isinstance(exc, http.client.IncompleteRead) else ""
                raise _TransportError(f"the response was cut short ({got}the connection failed mid-body: "
                                      f"{type(exc).__name__})", sent=True, retryable=False) from None
            if fired.is_set():
                raise _TransportError(f"no complete response within {self.timeout:g} s (the server stalled)",
                                      sent=True, retryable=False)
            if declared is not None and declared.strip().isdigit() and len(payload) != int(declared):
                raise _TransportError(f"the response was cut short ({len(payload)} of {int(declared)} bytes of "
                                      "Content-Length)", sent=True, retryable=False)
            return status, payload
        finally:
            watchdog.cancel()
            conn.close()

    @staticmethod
    def _read_body(resp: http.client.HTTPResponse) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = resp.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_BODY:
                raise _TransportError(f"the response is larger than {MAX_BODY // (1024 * 1024)} MiB", sent=True,
                                      retryable=False)
            chunks.append(chunk)
        return b"".join(chunks)

    # -- answers ------------------------------------------------------------------------------

    def _json(self, method: str, path: str, payload: bytes) -> dict[str, Any]:
        try:
            doc = json.loads(payload.decode("utf-8"), parse_constant=_no_constant, object_pairs_hook=_unique_keys)
        except _DuplicateKey as exc:
            raise EngineError(f"OPA server {self.url}: {method} {path}: the answer repeats a key ({exc}); a JSON "
                              "object with a duplicate key has no single meaning, so it is no verdict") from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise EngineError(f"OPA server {self.url}: {method} {path}: the answer is not JSON ({exc}; "
                              f"{len(payload)} bytes: {_preview(payload)})") from None
        if not isinstance(doc, dict):
            raise EngineError(f"OPA server {self.url}: {method} {path}: the answer is a JSON "
                              f"{type(doc).__name__}, not an object: {_preview(payload)}")
        return doc

    def _result(self, doc: dict[str, Any], where: str) -> dict[str, Any]:
        if "errors" in doc or ("code" in doc and "message" in doc):
            detail = "; ".join(msg for _, msg in _error_list(doc, {})) or _preview(json.dumps(doc))
            raise EngineError(f"OPA server {self.url}: {where}: HTTP 200 with an error document, not a verdict: {detail}")
        if "result" not in doc:
            raise EngineError(f"OPA server {self.url}: {where}: data.{ROOT} is undefined (the answer has no "
                              f"\"result\"): no policy under package {ROOT} is loaded on the server")
        value = doc["result"]
        if not isinstance(value, dict):
            raise EngineError(f"OPA server {self.url}: {where}: data.{ROOT} is a {type(value).__name__}, expected an object")
        return value

    def _fail_status(self, method: str, path: str, status: int, payload: bytes, *, doing: str = "") -> None:
        what = f" while {doing}" if doing else ""
        detail = "; ".join(msg for _, msg in self._errors(payload, {})) or _preview(payload)
        if status in (401, 403):
            hint = ("the server wants a bearer token: set $OPA_TOKEN" if not self._token else
                    "the server refused the bearer token in $OPA_TOKEN")
            raise EngineError(f"OPA server {self.url}: {method} {path}: HTTP {status}{what}: {hint} ({detail})")
        if status == 404:
            raise EngineError(f"OPA server {self.url}: {method} {path}: HTTP 404{what}: is this an OPA server "
                              f"(REST API v1)? ({detail})")
        kind = "server error" if status >= 500 else "client error" if status >= 400 else "unexpected status"
        tries = f" (after {1 + self.retries} attempts)" if status >= 500 and method in ("GET", "PUT", "DELETE") and self.retries else ""
        raise EngineError(f"OPA server {self.url}: {method} {path}: HTTP {status} {kind}{what}{tries}: {detail}")

    @staticmethod
    def _errors(payload: bytes, ids: dict[str, str]) -> list[tuple[str, str]]:
        """OPA's error body as (code, 'file:row: code: message') pairs; file is the module path we pushed."""
        try:
            doc = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return []
        return _error_list(doc, ids)


def _error_list(doc: Any, ids: dict[str, str]) -> list[tuple[str, str]]:
    """OPA's error document (``{code, message, errors: [{code, message, location}]}``) as
    (code, 'file:row: code: message') pairs; file is the module path we pushed."""
    if not isinstance(doc, dict):
        return []
    out = []
    errors = doc.get("errors")
    for err in errors if isinstance(errors, list) else []:
        if not isinstance(err, dict):
            continue
        loc = err.get("location") if isinstance(err.get("location"), dict) else {}
        file = str(loc.get("file") or "")
        file = ids.get(file, file[len(POLICY_PREFIX):] if file.startswith(POLICY_PREFIX) else file)
        where = f"{file}:{loc.get('row')}: " if file and loc.get("row") else (f"{file}: " if file else "")
        out.append((str(err.get("code", "")), f"{where}{err.get('code', 'error')}: {err.get('message', '')}".strip()))
    if not out and (doc.get("code") or doc.get("message")):
        out.append((str(doc.get("code", "")), f"{doc.get('code', 'error')}: {doc.get('message', '')}"))
    return out


class _DuplicateKey(ValueError):
    """A JSON object of the answer repeats a key."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads``'s object_pairs_hook: the object, or _DuplicateKey naming the first repeated key."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(f"duplicate key {key!r} in an object with keys {_preview(', '.join(k for k, _ in pairs), 120)}")
            seen.add(key)
    return out


def _order(path: str, source: str) -> tuple[int, str]:
    """Push modules that import no other data first (libraries), so fewer writes are refused and retried."""
    return (len(_IMPORTS.findall(source)), path)


def _quote(path: str) -> str:
    return urllib.parse.quote(path, safe="/")


def _dumps(value: Any, what: str) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise EngineError(f"{what} cannot be sent to the OPA server as JSON: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _preview(payload: bytes | str, limit: int = 300) -> str:
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
    text = " ".join(text.split())
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def _redact(url: str) -> str:
    """The URL without any user:password@ part (never echo a secret)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    netloc = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))
