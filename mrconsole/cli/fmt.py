"""Small text formatting shared by the command line and the console."""

from __future__ import annotations

from datetime import datetime, timezone


def when(t: datetime | None) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if t else "-"


def age(t: datetime | float | None, now: float | None = None) -> str:
    if t is None:
        return "-"
    import time

    ts = t.timestamp() if isinstance(t, datetime) else t
    secs = max(0, int((now or time.time()) - ts))
    if secs < 60:
        return f"{secs}s"
    if secs < 3600:
        return f"{secs // 60}m{secs % 60:02d}s"
    if secs < 86400:
        return f"{secs // 3600}h{(secs % 3600) // 60:02d}m"
    return f"{secs // 86400}d"


def short_when(t: datetime | None, now: datetime | None = None) -> str:
    """HH:MM:SS today (UTC), else MM-DD HH:MM: narrow enough for an 80-column pane."""
    if t is None:
        return "-"
    t = t.astimezone(timezone.utc)
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return t.strftime("%H:%M:%S") if t.date() == now.date() else t.strftime("%m-%d %H:%M")
