"""Serve a WSGI app on 127.0.0.1 with threads, writing an access log.

Both Heat and Keystone run under this server in the lab. The access log is
what lets a benchmark read the real API cost of any client: one line per
request with time, method, path, status, duration (ms) and response bytes.
"""

from __future__ import annotations

import os
import socketserver
import sys
import threading
import time
from pathlib import Path
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

from mrconsole.lab.faults import FaultLayer, FaultWatch


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # A generous backlog avoids refusals when a test fans out to every region at once.
    request_queue_size = 128
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):  # a client gone, a handshake refused: its own affair
            return
        super().handle_error(request, client_address)


class _Body:
    """A request's body as the app sees it: at most Content-Length bytes, so that what the app
    leaves unread can be drained before the next request on the same connection."""

    def __init__(self, rfile, length: int):
        self._rfile = rfile
        self.left = length

    def read(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self._rfile.read(size) if size else b""
        self.left -= len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self._rfile.readline(size) if size else b""
        self.left -= len(data)
        return data

    def readlines(self, hint: int = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self):
        return iter(self.readline, b"")


class _KeptServerHandler(ServerHandler):
    # HTTP/1.1: the answer says the connection stays open (wsgiref answers 1.0 and closes).
    http_version = "1.1"
    sent_length = False  # the answer said its length: the connection can carry the next request

    def close(self):
        # wsgiref forgets the headers on close; what the connection needs is read first.
        self.sent_length = self.headers is not None and "Content-Length" in self.headers
        super().close()


class _QuietHandler(WSGIRequestHandler):
    """One connection, several requests (HTTP/1.1 keep-alive), as a production heat-api behind
    Apache or uWSGI keeps them: wsgiref's own handler answers one request and closes, which made
    every client request in the lab open a TCP connection (~15 % of a client's CPU per request,
    py-spy on the 20-region bench). wsgiref logs every request to stderr; the access log replaces that."""

    protocol_version = "HTTP/1.1"
    timeout = 75.0  # an idle kept connection is closed after this, freeing its thread
    # wsgiref writes the headers and the body in two sends: with Nagle's algorithm the body waited
    # for the client's delayed ACK, 40 ms added to every answer (6 ms in Heat, 50 ms at the client).
    disable_nagle_algorithm = True
    faults: FaultWatch | None = None

    def log_message(self, format, *args):  # wsgiref names it so
        pass

    def get_environ(self):
        environ = super().get_environ()
        if hasattr(self.request, "do_handshake"):  # served over TLS: the URLs Heat builds (redirects) say https
            environ["wsgi.url_scheme"] = "https"
            environ["HTTPS"] = "on"
        return environ

    def setup(self):
        # TLS: the handshake in this connection's thread, not in the accepting loop, so a client that
        # never completes it (a frozen one) holds only its own thread.
        self.request.settimeout(self.timeout)
        if hasattr(self.request, "do_handshake"):
            try:
                self.request.do_handshake()
            except (OSError, ValueError):
                self.request.close()
                raise ConnectionAbortedError("TLS handshake failed") from None
        super().setup()

    def handle(self):
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self):
        try:
            self.raw_requestline = self.rfile.readline(65537)
            # `lab fault COMPONENT reset`: read the request, then close without a word (faults.py).
            fault = self.faults.current() if self.faults else None
            if fault is not None and fault.mode == "reset":
                self.close_connection = True
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(414)
                self.close_connection = True
                return
            if not self.parse_request():  # an error was answered
                self.close_connection = True
                return
            chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = 0
                self.close_connection = True
            body = _Body(self.rfile, length)
            stdin = self.rfile if chunked else body  # wsgiref hands its stdin to the app as wsgi.input
            handler = _KeptServerHandler(stdin, self.wfile, self.get_stderr(), self.get_environ(), multithread=True)
            handler.request_handler = self  # backpointer for logging
            handler.run(self.server.get_app())
            if chunked or not handler.sent_length:
                self.close_connection = True  # the answer's end is its connection's end
            else:
                while body.left and body.read(65536):  # what the app left unread
                    pass
            self.wfile.flush()
        except (TimeoutError, ConnectionError):
            self.close_connection = True


def _client(user_agent: str) -> str:
    """The first product of a User-Agent, without its version, as one printable word ("-" if none)."""
    first = user_agent.split(" ", 1)[0].split("/", 1)[0]
    word = "".join(c for c in first if c.isascii() and c.isprintable() and not c.isspace())[:40]
    return word or "-"


class AccessLog:
    """WSGI middleware appending `time method path status duration_ms bytes cpu_ms client`.

    cpu_ms is the CPU the request's own thread spent on it (its wait for the GIL not counted): the API's
    own cost (middleware, token validation, policy, the answer's JSON); what Heat's engine does for it
    runs in an engine thread (RPC) and is not in it. client is the User-Agent's first product
    ("mrconsole" for the console's logins, "python-heatclient" for any heatclient, the console's and a
    Heat's calling another region's alike), or "-": who a component's requests come from (#35)."""

    def __init__(self, app, path: str):
        self._app = app
        self._lock = threading.Lock()
        self._file = open(path, "a", buffering=1, encoding="utf-8")

    def __call__(self, environ, start_response):
        started, cpu_started = time.time(), time.thread_time()
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
            # One block: the server can then send its length, and keep the connection.
            whole = b"".join(chunks)
            size = len(whole)
            return [whole]
        finally:
            method, status = environ.get("REQUEST_METHOD", "-"), status_holder.get("status", "-")
            cpu_ms = (time.thread_time() - cpu_started) * 1000.0
            client = _client(environ.get("HTTP_USER_AGENT", ""))
            line = (
                f"{started:.3f} {method} {path} {status} {(time.time() - started) * 1000.0:.1f} {size} "
                f"{cpu_ms:.1f} {client}\n"
            )
            with self._lock:
                self._file.write(line)


def serve(app, port: int, access_log: str, tls: tuple[str, str] | None = None) -> None:
    """The component's directory (the access log's) also holds its fault switch (faults.py).
    `tls`: (certificate, key) files: HTTPS, as the production profile's endpoints are (lab/tls.py)."""
    watch = FaultWatch(Path(access_log).parent)
    handler = type("Handler", (_QuietHandler,), {"faults": watch})
    try:
        server = make_server(
            "127.0.0.1",
            port,
            AccessLog(FaultLayer(app, watch), access_log),
            server_class=_ThreadingWSGIServer,
            handler_class=handler,
        )
    except OSError as exc:
        # Ended here, not by the exception: Heat's engine threads (not daemons) would keep a process that
        # never answers alive, and `lab up` would wait its whole timeout for it instead of saying at once
        # that it failed (lab/manager.py _wait_ready reads a stopped process).
        print(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}", file=sys.stderr, flush=True)
        os._exit(1)
    if tls is not None:
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    server.serve_forever()
