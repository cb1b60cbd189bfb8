"""Plain-text renderings shared by the command line and the console: times, ages, event lines."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from mrconsole.models import Event

COLOURS = {"FAILED": "\033[1;31m", "IN_PROGRESS": "\033[33m", "COMPLETE": "\033[32m", "GAP": "\033[1;35m"}
RESET = "\033[0m"


def when(t: datetime | None) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if t else "-"


def age(t: datetime | float | None, now: float | None = None) -> str:
    if t is None:
        return "-"

    ts = t.timestamp() if isinstance(t, datetime) else t
    secs = max(0, int((now or time.time()) - ts))
    if secs < 60:
        return f"{secs}s"
    if secs < 3600:
        return f"{secs // 60}m{secs % 60:02d}s"
    if secs < 86400:
        return f"{secs // 3600}h{(secs % 3600) // 60:02d}m"
    return f"{secs // 86400}d"


def duration(seconds: float) -> str:
    """How long, in the unit an operator reads at a glance: 45s, 12 min, 3 h."""
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def short_when(t: datetime | None, now: datetime | None = None) -> str:
    """HH:MM:SS today (UTC), else MM-DD HH:MM: narrow enough for an 80-column pane."""
    if t is None:
        return "-"
    t = t.astimezone(UTC)

    # One clock for every age and date on screen: time.time (a replayed screen fixes it).
    now = (now or datetime.fromtimestamp(time.time(), UTC)).astimezone(UTC)
    return t.strftime("%H:%M:%S") if t.date() == now.date() else t.strftime("%m-%d %H:%M")


def event_line(e: Event, colour: bool) -> str:
    """One event as a log line (ANSI colours on a terminal)."""
    t = e.time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if e.time else "-"
    status = e.status
    if colour:
        state = "GAP" if e.kind == "gap" else next((k for k in COLOURS if status.endswith(k)), None)
        if state:
            status = f"{COLOURS[state]}{status}{RESET}"
    return f"{t}  {e.region}  {e.stack_name}  {e.resource_name}  {status}  {e.status_reason}".rstrip()


def parse_duration(text: str) -> float:
    """`30s`, `10m`, `2h`, `1d` (a bare number is seconds) as seconds; ValueError with one line otherwise."""

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text or "")
    if not match:
        raise ValueError(f"{text!r}: expected a duration such as 30s, 10m, 2h or 1d")
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2) or "s"]
