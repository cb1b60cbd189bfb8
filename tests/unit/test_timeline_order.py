"""The merged timeline's order, de-duplication and bound (no lab)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mrconsole.core.live.events import Timeline
from mrconsole.models import Event


def _event(i: int, t: int, region="R") -> Event:
    return Event(
        region=region,
        stack_id="s",
        stack_name="s",
        id=f"e{i}",
        time=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=t),
        resource_name="r",
        status="CREATE_COMPLETE",
    )


def test_timeline_orders_by_time_then_arrival_and_dedupes():
    tl = Timeline(100)
    assert [e.id for e in tl.add([_event(1, 5), _event(2, 1)])] == ["e1", "e2"]
    assert tl.add([_event(1, 5), _event(3, 5)]) == [_event(3, 5)]
    assert [e.id for e in tl.events()] == ["e2", "e1", "e3"]


def test_timeline_is_bounded_and_counts_drops():
    tl = Timeline(10)
    tl.add([_event(i, i) for i in range(25)])
    assert len(tl) == 10 and tl.dropped == 15
    assert [e.id for e in tl.events()][0] == "e15"
