"""Serve a WSGI app on 127.0.0.1 with threads, writing an access log.

Both Heat and Keystone run under this server in the lab. The access log is
what lets a benchmark read the real API cost of any client: one line per
request with time, method, path, status, duration (ms) and response bytes.
"""

from __future__ import annotations

import socketserver
import threading
import time
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from mrconsole.lab.faults import FaultLayer, FaultWatch


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # Heat keeps connections short; a generous backlog avoids refusals when
    # a test fans out to every region at once.
    request_queue_size = 128
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    """wsgiref logs every request to stderr; the access log replaces that."""

    faults: FaultWatch | None = None

    def log_message(self, format, *args):  # wsgiref names it so
        pass

    def handle(self):
        # `lab fault COMPONENT reset`: read the request, then close without a word (faults.py).
        fault = self.faults.current() if self.faults else None
        if fault is not None and fault.mode == "reset":
            self.rfile.readline(65537)
            self.close_connection = True
            return
        super().handle()


class AccessLog:
    """WSGI middleware appending `time method path status duration_ms bytes`."""

    def __init__(self, app, path: str):
        self._app = app
        self._lock = threading.Lock()
        self._file = open(path, "a", buffering=1, encoding="utf-8")

    def __call__(self, environ, start_response):
        started = time.time()
        status_holder = {}
        # Read the path before the app runs: paste's urlmap rewrites it.
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING")
        if query:
            path = f"{path}?{query}"

        def _start_response(status, headers, exc_info=None):
            status_holder["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        size = 0
        try:
            body = self._app(environ, _start_response)
            # Materialise so the duration covers the work, not just the headers.
            chunks = list(body)
            if hasattr(body, "close"):
                body.close()
            size = sum(len(c) for c in chunks)
            return chunks
        finally:
            method, status = environ.get("REQUEST_METHOD", "-"), status_holder.get("status", "-")
            line = f"{started:.3f} {method} {path} {status} {(time.time() - started) * 1000.0:.1f} {size}\n"
            with self._lock:
                self._file.write(line)


def serve(app, port: int, access_log: str) -> None:
    """The component's directory (the access log's) also holds its fault switch (faults.py)."""
    watch = FaultWatch(Path(access_log).parent)
    handler = type("Handler", (_QuietHandler,), {"faults": watch})
    server = make_server(
        "127.0.0.1",
        port,
        AccessLog(FaultLayer(app, watch), access_log),
        server_class=_ThreadingWSGIServer,
        handler_class=handler,
    )
    server.serve_forever()
