"""Events as aligned columns, with a failure's reason always whole (tui/widgets/event_log.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mrconsole.models import Event
from mrconsole.tui import clock
from mrconsole.tui.widgets.event_log import Columns, event_text

T = datetime(2026, 11, 26, 15, 38, 9, tzinfo=UTC)
REASON = (
    "ConnectFailure: resources.db_stack: Unable to establish connection to "
    "http://127.0.0.1:8772/v1/stacks/40298f04/actions: Connection refused"
)


def ev(
    stack="demo-db_stack-apr36zcxirn5",
    resource="db_server",
    status="CREATE_COMPLETE",
    reason="state changed",
    region="RegionTwo",
):
    return Event(region, "sid", stack, "eid", T, resource, status, reason)


def test_columns_line_up_whatever_the_names():
    cols = Columns.fit(116, 11)
    lines = [
        event_text(e, cols).plain
        for e in (
            ev(),
            ev(
                stack="demo",
                resource="demo",
                status="UPDATE_COMPLETE",
                reason="Stack UPDATE completed",
                region="RegionOne",
            ),
            ev(resource="a_very_long_resource_name_indeed"),
        )
    ]
    starts = {line.index(s) for line, s in zip(lines, ("CREATE", "UPDATE", "CREATE"), strict=True)}
    assert len(starts) == 1  # the status column is one column
    assert "demo-db_stack-apr36zcxirn5" in lines[0]  # whole at this width
    assert lines[1].split()[3] == "—"  # a stack's own event: no repeated name
    assert "state changed" not in lines[0] and "Stack UPDATE completed" in lines[1]


def test_a_failure_reason_is_never_cut():
    for width in (78, 116, 200):
        text = event_text(ev(status="CHECK_FAILED", reason=REASON), Columns.fit(width, 11)).plain
        assert " ".join(text.split()).count(REASON.split(": ")[-1]) == 1, (width, text)
        assert all(len(line) <= width for line in text.splitlines()), (width, text)
        assert REASON.replace(" ", "") in text.replace(" ", "").replace("\n", "")


def test_at_80_columns_long_names_keep_their_start_and_end():
    text = event_text(ev(), Columns.fit(77, 11)).plain
    assert text.split()[2] == "demo-db_stack-…xirn5"
    assert len(text) <= 77


@pytest.fixture
def today_is_the_28th():
    """The console's clock on the day of the events below, so that no day line comes before them."""
    clock.follow(lambda: datetime(2026, 11, 28, 2, 0, tzinfo=UTC).timestamp())
    yield
    clock.follow(None)


def _at(region: str, second: int, name: str) -> Event:
    """An event of 01:00:SS on the 28th, in `region`."""
    return Event(region, "id", name, f"{region}-{second}", datetime(2026, 11, 28, 1, 0, second, tzinfo=UTC), name,
                 "CREATE_COMPLETE", "")  # fmt: skip


def _log_host(clock):
    """An app holding one EventLog on `clock`."""
    from textual.app import App

    from mrconsole.tui.widgets.event_log import EventLog

    class Host(App):
        def compose(self):
            yield EventLog(id="log", clock=clock)

    return Host()


async def test_the_merged_log_reads_in_event_time_order_and_marks_what_came_too_late(today_is_the_28th):
    from mrconsole.tui.widgets.event_log import HOLD, EventLog

    now = [100.0]
    app = _log_host(lambda: now[0])
    async with app.run_test(size=(140, 20)) as pilot:
        log = app.query_one(EventLog)
        log._started = datetime(2026, 11, 28, 1, 0, 0, tzinfo=UTC).timestamp()  # the log started before these
        log.add([_at("RegionThree", 47, "three")])
        now[0] += 0.2
        log.add([_at("RegionOne", 41, "one")])  # older, arrived later: within the hold, put in its place
        log.flush()
        assert len(log.lines) == 0  # nothing has waited HOLD yet
        now[0] += HOLD
        log.flush()
        await pilot.pause()
        text = [line.text for line in log.lines]
        assert [t[:8] for t in text] == ["01:00:41", "01:00:47"], text
        now[0] += 5
        log.add([_at("RegionTwo", 44, "two")])  # older than what is shown, and past the hold
        now[0] += HOLD
        log.flush()
        await pilot.pause()
        late = log.lines[-1]
        assert late.text.startswith("01:00:44↑") and "RegionTwo" in late.text
        # The mark is the only thing styled apart: the rest of the line keeps its own styles.
        assert [seg.style.color.name for seg in late if seg.text == "↑"] == ["yellow"]
        assert not any(seg.style and seg.style.bold for seg in late if "RegionTwo" in seg.text)
        # History from before the log started is written in the order it comes, and not marked late.
        log.add([_at("RegionOne", 42, "history")], hold=False)
        await pilot.pause()
        log._started = datetime(2026, 11, 28, 1, 0, 50, tzinfo=UTC).timestamp()
        log.add([_at("RegionOne", 43, "old")], hold=False)
        await pilot.pause()
        assert log.lines[-1].text.startswith("01:00:43 ")


async def test_events_published_with_no_read_under_way_are_written_at_once_with_what_was_held(today_is_the_28th):
    """The hold waits for an older event from a read still under way; when none was (`settled`), the events
    are written at once, and what was held with them, in time order (#37: HOLD was 0.3 s of a burst's first
    event, and of every lone action's)."""

    from mrconsole.tui.widgets.event_log import EventLog

    now = [100.0]
    app = _log_host(lambda: now[0])
    async with app.run_test(size=(140, 20)) as pilot:
        log = app.query_one(EventLog)
        log._started = datetime(2026, 11, 28, 1, 0, 0, tzinfo=UTC).timestamp()
        log.add([_at("RegionThree", 47, "three")])  # another read was under way: held
        await pilot.pause()
        assert len(log.lines) == 0
        log.add([_at("RegionOne", 41, "one")], settled=True)  # the last read: no time passes on the clock
        await pilot.pause()
        assert [line.text[:8] for line in log.lines] == ["01:00:41", "01:00:47"]
        assert not log._held


async def test_a_line_names_the_day_before_another_days_events_and_where_the_day_changes():
    """Times are HH:MM:SS: yesterday's 22:46 under today's 03:08 read as one night without the day's line."""
    from textual.app import App

    from mrconsole.tui.widgets.event_log import EventLog

    def at(day, hour, name):
        return Event("RegionOne", "id", name, f"{day}-{hour}", datetime(2026, 12, day, hour, 0, 0, tzinfo=UTC), name,
                     "CREATE_COMPLETE", "")  # fmt: skip

    class Host(App):
        def compose(self):
            yield EventLog(id="log")

    clock.follow(lambda: datetime(2026, 12, 7, 3, 10, tzinfo=UTC).timestamp())
    try:
        app = Host()
        async with app.run_test(size=(140, 20)) as pilot:
            log = app.query_one(EventLog)
            log.add([at(6, 22, "late"), at(6, 23, "later"), at(7, 3, "today")], hold=False)
            await pilot.pause()
            text = [line.text.rstrip() for line in log.lines]
            assert text[0] == "── 2026-12-06 UTC ──" and text[3] == "── 2026-12-07 UTC ──", text
            assert [t[:8] for t in text[1:3] + text[4:]] == ["22:00:00", "23:00:00", "03:00:00"], text
            log.clear()
            log.add([at(7, 1, "today"), at(7, 2, "again")], hold=False)  # today's only: no day line
            await pilot.pause()
            assert [line.text[:8] for line in log.lines] == ["01:00:00", "02:00:00"]
    finally:
        clock.follow(None)


async def test_a_line_written_at_the_bottom_is_scrolled_into_view_at_once(today_is_the_28th):
    """The log scrolls as it writes, not after the next repaint (RichLog's own scroll waits for one, and the
    new line reached the terminal a frame late: #37's "written -> on the terminal"); a horizontal scrollbar
    the lines bring still leaves the last line in view once repainted."""
    from mrconsole.tui.widgets.event_log import EventLog

    app = _log_host(lambda: 100.0)
    async with app.run_test(size=(60, 8)) as pilot:
        log = app.query_one(EventLog)
        log.add([_at("RegionOne", s, f"s{s}") for s in range(12)], hold=False)
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y > 0
        log.add([_at("RegionTwo", 30, "new")], hold=False)
        # No repaint between: the view is already at the new end.
        assert log.scroll_y == log.max_scroll_y
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y
        shown = log.scrollable_content_region.height
        assert log.scroll_y + shown >= len(log.lines)
