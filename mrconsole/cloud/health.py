"""Per-region health: a small state machine fed by every call.

Pure logic (no I/O), so its rules are tested directly. A region is:
- up: the last call succeeded and latency is normal;
- degraded: it answers, but slowly or with recent failures;
- down: the last call could not reach it (refused, timed out, 5xx).
While down, probes retry with capped exponential backoff; while degraded,
a probe re-checks every `recheck_secs` until the region is up again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum


class Health(StrEnum):
    """A region's state, as every view names it."""

    UNKNOWN = "unknown"
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


UNKNOWN, UP, DEGRADED, DOWN = Health.UNKNOWN, Health.UP, Health.DEGRADED, Health.DOWN

# A region whose smoothed latency reaches this is slow: degraded, and said so ("slow: 2.6 s per request").
SLOW_MS = 2000.0


def is_slow(latency_ms: float | None, slow_ms: float = SLOW_MS) -> bool:
    return latency_ms is not None and latency_ms >= slow_ms


@dataclass(frozen=True)
class HealthSnapshot:
    region: str
    state: str
    latency_ms: float | None
    last_success: float | None  # wall-clock seconds
    last_error: str | None
    down_since: float | None
    last_checked: float | None

    @property
    def slow(self) -> bool:
        """Answering, slowly: the one rule the pane, `status` and the state machine share."""
        return is_slow(self.latency_ms)


class RegionHealth:
    def __init__(
        self,
        region: str,
        slow_ms: float = SLOW_MS,
        window: int = 3,
        backoff_start: float = 1.0,
        backoff_cap: float = 30.0,
        recheck_secs: float = 5.0,
        clock=time.time,
    ):
        self.region = region
        self.slow_ms = slow_ms
        self.window = window
        self.backoff_start = backoff_start
        self.backoff_cap = backoff_cap
        self.recheck_secs = recheck_secs
        self._clock = clock
        self.state: Health = UNKNOWN
        self.latency_ms: float | None = None
        self.last_success: float | None = None
        self.last_error: str | None = None
        self.down_since: float | None = None
        self.last_checked: float | None = None
        self._recent: list[bool] = []
        self._backoff = backoff_start
        self.next_probe: float = 0.0
        self._listeners: list = []

    def subscribe(self, callback) -> None:
        """callback(snapshot) on every state change."""
        self._listeners.append(callback)

    def _remember(self, ok: bool) -> None:
        self._recent.append(ok)
        del self._recent[: -self.window]

    def record_success(self, latency_ms: float) -> None:
        now = self._clock()
        self.last_checked = now
        self.last_success = now
        # Smoothed latency: recent calls weigh most, one slow call does not flip state.
        if self.latency_ms is None:
            self.latency_ms = latency_ms
        else:
            self.latency_ms = 0.7 * self.latency_ms + 0.3 * latency_ms
        self._remember(True)
        self._backoff = self.backoff_start
        self.down_since = None
        if is_slow(self.latency_ms, self.slow_ms) or not all(self._recent):
            # Keep checking a degraded region, so it returns to up by itself
            # even when nothing else is calling it.
            self.next_probe = now + self.recheck_secs
            self._set(DEGRADED)
        else:
            self._set(UP)

    def record_failure(self, message: str) -> None:
        now = self._clock()
        self.last_checked = now
        self.last_error = message
        self._remember(False)
        if self.state != DOWN:
            self.down_since = now
            self._backoff = self.backoff_start
        else:
            self._backoff = min(self._backoff * 2, self.backoff_cap)
        self.next_probe = now + self._backoff
        self._set(DOWN)

    def probe_due(self) -> bool:
        return self.state in (DOWN, DEGRADED) and self._clock() >= self.next_probe

    def _set(self, state: Health) -> None:
        changed = state != self.state
        self.state = state
        if changed:
            snap = self.snapshot()
            for cb in list(self._listeners):
                cb(snap)

    def snapshot(self) -> HealthSnapshot:
        return HealthSnapshot(
            region=self.region,
            state=self.state,
            latency_ms=self.latency_ms,
            last_success=self.last_success,
            last_error=self.last_error,
            down_since=self.down_since,
            last_checked=self.last_checked,
        )
