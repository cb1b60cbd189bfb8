"""Whether a value can flow between regions now: the data-flow table's state, one rule for every view."""

from __future__ import annotations

WAITING, READY, STALE, BLOCKED = "waiting", "ready", "stale", "blocked"


def flow_state(source, *, region_down: bool = False) -> str:
    """Whether a constituent's outputs can flow: ready, waiting (not there yet), blocked (failed), stale."""
    if source is None:
        return READY
    if source.error or region_down:
        return STALE
    status = source.stack.status if source.stack else source.resource_status
    if status.endswith("_FAILED"):
        return BLOCKED
    if status.endswith("_COMPLETE") and not status.startswith(("DELETE", "INIT")):
        return READY
    return WAITING
