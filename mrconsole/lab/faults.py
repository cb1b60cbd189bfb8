"""HTTP faults in front of a lab component, on its own loopback port.

`mrconsole lab fault COMPONENT MODE` writes COMPONENT/fault.json in the lab
directory; the component's server (wsgi_server.py) reads it on every request
(one stat, and a read when it changed) and misbehaves as a real proxy, load
balancer or overloaded API would. Heat's own calls to another region go
through that region's port too, so a fault is seen by every client alike.

Modes:
- html502        every request answered 502 with an HTML page (a proxy's)
- truncate       the real answer, its JSON body cut in the middle
- garbage        200 with a body that is not JSON
- slow:SECONDS   every answer delayed
- reset          the connection closed without an answer
- flaky:PERCENT  that share of requests answered 503 (at random)
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

MODES = ("html502", "truncate", "garbage", "slow", "reset", "flaky")
FAULT_FILE = "fault.json"

_HTML_502 = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    b"</center><hr><center>nginx</center></body></html>\n"
)


@dataclass(frozen=True)
class Fault:
    mode: str
    value: float = 0.0  # slow: seconds; flaky: percent

    def __str__(self) -> str:
        return f"{self.mode}:{self.value:g}" if self.mode in ("slow", "flaky") else self.mode


def parse(text: str) -> Fault:
    """`html502`, `slow:4.8`, `flaky:30`...; ValueError with one line otherwise."""
    mode, _, arg = text.strip().partition(":")
    if mode not in MODES:
        raise ValueError(
            f"unknown fault {text!r} (one of: html502, truncate, garbage, slow:SECONDS, reset, "
            "flaky:PERCENT, expire-tokens for keystone, or clear)"
        )
    if mode in ("slow", "flaky"):
        try:
            value = float(arg)
        except ValueError:
            raise ValueError(f"{mode} needs a number: {mode}:{'SECONDS' if mode == 'slow' else 'PERCENT'}") from None
        if not (0 < value <= (600 if mode == "slow" else 100)):
            raise ValueError(f"{mode}:{arg}: out of range ({'0-600 s' if mode == 'slow' else '0-100 %'})")
        return Fault(mode, value)
    if arg:
        raise ValueError(f"{mode} takes no value")
    return Fault(mode)


def write(component_dir: Path, fault: Fault | None) -> None:
    path = component_dir / FAULT_FILE
    if fault is None:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"mode": fault.mode, "value": fault.value}))
    os.replace(tmp, path)  # a server never reads half a file


def read(component_dir: Path) -> Fault | None:
    try:
        data = json.loads((component_dir / FAULT_FILE).read_text())
        return Fault(str(data["mode"]), float(data.get("value", 0)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class FaultWatch:
    """The current fault of one component, re-read only when its file changes."""

    def __init__(self, component_dir: Path):
        self.dir = component_dir
        self._stamp: float | None = None
        self.fault: Fault | None = None

    def current(self) -> Fault | None:
        try:
            stamp = (self.dir / FAULT_FILE).stat().st_mtime_ns
        except OSError:
            self._stamp, self.fault = None, None
            return None
        if stamp != self._stamp:
            self._stamp, self.fault = stamp, read(self.dir)
        return self.fault


_HTML_503 = b"<html><body><h1>503 Service Unavailable</h1></body></html>\n"


def _answer(start_response, status: str, content_type: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


class FaultLayer:
    """WSGI middleware for every mode but `reset` (that one needs the socket: wsgi_server's handler)."""

    def __init__(self, app, watch: FaultWatch):
        self._app = app
        self._watch = watch

    def __call__(self, environ, start_response):
        fault = self._watch.current()
        if fault is None or fault.mode == "reset":
            return self._app(environ, start_response)
        if fault.mode == "slow":
            time.sleep(fault.value)
            return self._app(environ, start_response)
        if fault.mode == "flaky" and random.random() * 100 >= fault.value:
            return self._app(environ, start_response)
        if fault.mode == "html502":
            return _answer(start_response, "502 Bad Gateway", "text/html", _HTML_502)
        if fault.mode == "flaky":
            return _answer(start_response, "503 Service Unavailable", "text/html", _HTML_503)
        if fault.mode == "garbage":
            return _answer(start_response, "200 OK", "application/json", b"\x00\x13garbage, not JSON \xff\xfe\n")
        return self._truncated(environ, start_response)

    def _truncated(self, environ, start_response):
        held = {}

        def hold(status, headers, exc_info=None):
            held["status"], held["headers"] = status, headers
            return lambda data: None

        result = self._app(environ, hold)
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
        cut = body[: max(1, len(body) // 2)] if body else body
        headers = [(k, v) for k, v in held.get("headers", []) if k.lower() != "content-length"]
        start_response(held.get("status", "200 OK"), [*headers, ("Content-Length", str(len(cut)))])
        return [cut]
