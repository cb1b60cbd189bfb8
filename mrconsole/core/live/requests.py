"""What this process sent to Heat and Keystone (cloud/request_log.py), as the console's request log (`L`)
and the command line's `--show-requests` show it: one line per request, filtered by region and by outcome.

Cost: a reader takes only the requests after the last one it showed (O(new requests)); the log itself is
bounded (cloud/request_log.py MAX_REQUESTS).
"""

from __future__ import annotations

import re
import time

from mrconsole.cloud.request_log import PROCESS, SentRequest

# Heat's paths carry the project's id after the version: the same in every line, said once as PROJECT.
_PROJECT = re.compile(r"^/v1/[0-9a-f]{32}(?=/|$)")


def sent_since(seq: int = 0) -> list[SentRequest]:
    """The requests after `seq` (0: every one still held), oldest first."""
    return PROCESS.since(seq)


def last_sent() -> int:
    return PROCESS.last


def short_path(path: str) -> str:
    return _PROJECT.sub("/v1/PROJECT", path)


def failed(r: SentRequest) -> bool:
    """No answer, or an answer that refused or failed (4xx, 5xx)."""
    return r.status is None or r.status >= 400


def matching(requests: list[SentRequest], region: str = "", errors_only: bool = False) -> list[SentRequest]:
    return [r for r in requests if (not region or r.region == region) and (not errors_only or failed(r))]


def clock(at: float) -> str:
    """HH:MM:SS.mmm, UTC."""
    return time.strftime("%H:%M:%S", time.gmtime(at)) + f".{int(at * 1000) % 1000:03d}"


def line(r: SentRequest) -> str:
    """`12:00:01.250 RegionOne GET /v1/PROJECT/stacks 200 12 ms req-... (sent as req-...)`."""
    status = str(r.status) if r.status is not None else f"no answer ({r.error})"
    out = f"{clock(r.at)} {r.region or '-'} {r.method} {short_path(r.path)} {status} {r.ms:.0f} ms"
    if r.heat_request_id:
        out += f" {r.heat_request_id}"
    if r.request_id:
        out += f" (sent as {r.request_id})"
    return out
