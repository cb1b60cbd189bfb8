"""Every HTTP request this process sent to Heat and Keystone, as it was answered (#37): the console's `L`
screen and the command line's `--show-requests` read it.

Recorded by a `requests` response hook on each keystoneauth session (cloud/connection.py), so what is seen
is what went on the wire: the method, the path, the status, the time to answer, Heat's own request id
(`x-openstack-request-id`: what its logs carry) and the id the console gave an action (its
`X-OpenStack-Request-ID` global request id, the one the journal records). A request that got no answer
(connection refused, reset, timed out) is recorded by the region client that sent it
(cloud/region.py), with its error. Never a header's or a body's content: no token, no password.

Bounded: the newest MAX_REQUESTS, held in memory only; a reader asks for what came after the last it
saw (`since`), so reading costs O(new requests), never O(all).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_REQUESTS = 5000


@dataclass(frozen=True)
class SentRequest:
    seq: int  # 1, 2, ... in the order they were answered, for this process
    at: float  # when the answer came (time.time())
    region: str  # the region whose client sent it ("" when none: the first login)
    method: str
    path: str  # the URL's path (no query string: a filter may hold a name, never needed here)
    status: int | None  # None: no answer
    ms: float
    heat_request_id: str = ""  # the answering service's x-openstack-request-id
    request_id: str = ""  # the global request id the console sent (an action's, in the journal)
    error: str = ""  # why there was no answer


_context = threading.local()  # the region (and the action's request id) of the request this thread sends


class RequestLog:
    """The bounded record (thread-safe: requests are sent from each region's worker threads)."""

    def __init__(self, limit: int = MAX_REQUESTS):
        self._items: deque[SentRequest] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self._seq = 0

    def add(self, **fields) -> SentRequest:
        with self._lock:
            self._seq += 1
            item = SentRequest(self._seq, time.time(), **fields)
            self._items.append(item)
        return item

    @property
    def last(self) -> int:
        return self._seq

    def since(self, seq: int = 0) -> list[SentRequest]:
        """The requests after `seq` that are still held, oldest first. Cost: O(new requests)."""
        with self._lock:
            if seq >= self._seq:
                return []
            new = min(self._seq - seq, len(self._items))
            return list(self._items)[-new:]


# One per process: the console and a command each send from one.
PROCESS = RequestLog()


def answered(response, *args, **kwargs) -> None:
    """The `requests` response hook: one record per answer (a redirect's too). Nothing is raised from here:
    a record that cannot be made loses one row, never the request."""
    try:
        request = response.request
        headers = request.headers or {}
        PROCESS.add(
            region=getattr(_context, "region", ""),
            method=str(request.method or "?"),
            path=urlsplit(str(request.url or "")).path,
            status=int(response.status_code),
            ms=response.elapsed.total_seconds() * 1000.0,
            heat_request_id=str(response.headers.get("x-openstack-request-id") or ""),
            request_id=str(headers.get("X-OpenStack-Request-ID") or ""),
        )
        _context.answers = getattr(_context, "answers", 0) + 1
    except Exception:  # noqa: BLE001 - a record is never worth a failed request (see the docstring)
        return


def watch(session) -> None:
    """Record every answer to a keystoneauth session's requests (once per session)."""
    hooks = session.session.hooks.setdefault("response", [])
    if answered not in hooks:
        hooks.append(answered)


class sending:
    """While a region's worker thread sends: which region, and whether anything was answered."""

    def __init__(self, region: str, request_id: str | None = None):
        self.region, self.request_id = region, request_id or ""

    def __enter__(self) -> sending:
        _context.region = self.region
        _context.answers = 0
        return self

    @property
    def answered(self) -> bool:
        return getattr(_context, "answers", 0) > 0

    def unanswered(self, what: str, seconds: float, error: str) -> None:
        """A request that got no answer at all: the path is not known here, `what` says which call it was."""
        PROCESS.add(
            region=self.region,
            method="-",
            path=what,
            status=None,
            ms=seconds * 1000.0,
            request_id=self.request_id,
            error=error,
        )

    def __exit__(self, *exc) -> None:
        _context.region = ""
