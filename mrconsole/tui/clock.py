"""The console's "now": the wall clock, or in a replay the moment being played (core/live/playback.py).

Every age on screen ("down 3m", "⟳12s", a stack sorted as recently changed) reads it, so a replay shows
them as they were at that moment, not as seen from today.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], float] | None = None


def now() -> float:
    return _source() if _source is not None else time.time()


def moment() -> datetime:
    """`now()` as a UTC datetime: what decides whether a stack's time is "today" (a replay's day, not the wall's)."""
    return datetime.fromtimestamp(now(), UTC)


def follow(source: Callable[[], float] | None) -> None:
    """Read "now" from `source` (a replay's position), or from the wall clock again (None)."""
    global _source
    _source = source
