"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``).

Standard library only: Chromium reads protocol messages from file descriptor 3
and writes to 4, each a JSON object terminated by NUL. ``render()`` opens a
file, waits for the load event, collects every console message, uncaught
exception, log entry (CSP violations, failed loads) and network request the
page makes, evaluates expressions in the page and takes a full-page screenshot.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars")


def available() -> bool:
    return os.access(CHROMIUM, os.X_OK)


@dataclass
class Page:
    """What the page did while loading and what the expressions evaluated to."""

    console: list[dict[str, Any]] = field(default_factory=list)  # Runtime.consoleAPICalled params
    exceptions: list[dict[str, Any]] = field(default_factory=list)  # Runtime.exceptionThrown params
    log: list[dict[str, Any]] = field(default_factory=list)  # Log.entryAdded entries
    requests: list[str] = field(default_factory=list)  # every URL requested
    values: dict[str, Any] = field(default_factory=dict)  # expression -> value
    version: str = ""

    def errors(self) -> list[str]:
        """Every console error or warning, uncaught exception and error/warning log entry, as text."""
        out = [f"console.{m['type']}: " + " ".join(str(a.get("value", a.get("description", ""))) for a in m.get("args", []))
               for m in self.console if m.get("type") in ("error", "warning", "assert")]
        out += [f"exception: {e.get('exceptionDetails', {}).get('text')} "
                f"{e.get('exceptionDetails', {}).get('exception', {}).get('description', '')}" for e in self.exceptions]
        out += [f"log.{e.get('level')} ({e.get('source')}): {e.get('text')}" for e in self.log
                if e.get("level") in ("error", "warning")]
        return out


class _Pipe:
    def __init__(self, proc: subprocess.Popen[bytes], write_fd: int, read_fd: int):
        self.proc, self.write_fd, self.read_fd = proc, write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        reply = self.wait(lambda m: m.get("id") == self.next_id, timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait(self, predicate: Any, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "method" in message:
                    self.events.append(message)
                if predicate(message):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self.read_fd], [], [], remaining)
            if ready:
                chunk = os.read(self.read_fd, 1 << 20)
                if not chunk:
                    raise EOFError(f"Chromium closed the pipe (exit code {self.proc.poll()})")
                self.buffer += chunk


def render(path: Path, *, screenshot: Path | None = None, expressions: tuple[str, ...] = (),
           width: int = 1280, height: int = 900, full_page: bool = True, top: int = 0, timeout: float = 60) -> Page:
    """Open ``path`` in headless Chromium and return what happened.

    With ``screenshot``, write a PNG of the whole page (or, when not ``full_page``, of ``height`` pixels from ``top``).
    """
    profile = tempfile.mkdtemp(prefix="llmops-chromium-")
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    # Move the child's ends out of the way so dup2 onto 3 and 4 cannot clobber them.
    child_in = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
    child_out = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
    os.close(to_chrome_r)
    os.close(from_chrome_w)

    def wire() -> None:
        os.dup2(child_in, 3)
        os.dup2(child_out, 4)

    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                             "--remote-debugging-pipe", "about:blank"],
                            pass_fds=(3, 4), preexec_fn=wire, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(child_in)
    os.close(child_out)
    pipe = _Pipe(proc, to_chrome_w, from_chrome_r)
    page = Page()
    try:
        page.version = pipe.send("Browser.getVersion", timeout=timeout).get("product", "")
        target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            pipe.send(f"{domain}.enable", session=session)
        pipe.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
        pipe.send("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
        pipe.wait(lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == session, timeout)
        if screenshot is not None:
            metrics = pipe.send("Page.getLayoutMetrics", session=session)
            size = metrics.get("cssContentSize") or metrics.get("contentSize")
            shot = pipe.send("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0 if full_page else top, "width": width,
                         "height": min(int(size["height"]), 16000) if full_page else height, "scale": 1}},
                session=session)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        for expression in expressions:  # after the screenshot: expressions may click and filter
            result = pipe.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
            if "exceptionDetails" in result:
                raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('exception', {}).get('description')}")
            page.values[expression] = result.get("result", {}).get("value")
        # Let late console messages and log entries arrive before reading them.
        try:
            pipe.send("Runtime.evaluate", {"expression": "0"}, session=session)
        except Exception:
            pass
        for event in pipe.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled":
                page.console.append(params)
            elif method == "Runtime.exceptionThrown":
                page.exceptions.append(params)
            elif method == "Log.entryAdded":
                page.log.append(params.get("entry", {}))
            elif method == "Network.requestWillBeSent":
                page.requests.append(params.get("request", {}).get("url", ""))
        try:
            pipe.send("Browser.close", timeout=10)
        except (EOFError, TimeoutError, RuntimeError):
            pass
        return page
    finally:
        for fd in (to_chrome_w, from_chrome_r):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
