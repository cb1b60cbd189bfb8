"""A region pane applies the core's changes row by row (pure UI logic: the
pane is fed the same dataclasses the core publishes, no cloud involved)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult

from mrconsole.core.live.session import RegionView
from mrconsole.core.live.watch import StackChanges
from mrconsole.models import Stack
from mrconsole.tui.widgets.region_pane import RegionPane

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def stack(i: int, status: str = "CREATE_COMPLETE", name: str | None = None, minutes: int = 0) -> Stack:
    return Stack(
        "RegionTwo",
        f"id-{i:04d}",
        name or f"fleet-{i:04d}",
        status,
        created_time=T0,
        updated_time=T0 + timedelta(minutes=minutes) if minutes else None,
    )


class PaneApp(App):
    def __init__(self, view: RegionView):
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield RegionPane("RegionTwo")

    def on_mount(self) -> None:
        self.query_one(RegionPane).load(self.view, lambda region, s: None)


def view_of(stacks) -> RegionView:
    view = RegionView("RegionTwo")
    view.apply(StackChanges("RegionTwo", added=tuple(stacks), full=True))
    return view


def changes(view: RegionView, **kw) -> StackChanges:
    ch = StackChanges("RegionTwo", **kw)
    view.apply(ch)
    return ch


def cursor_key(pane: RegionPane) -> str | None:
    return pane.selected_stack_id()


async def test_rows_follow_changes_and_the_cursor_stays_on_its_stack():
    view = view_of(stack(i) for i in range(300))
    app = PaneApp(view)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(RegionPane)
        table = pane.table
        assert table.row_count == 300 and pane.border_subtitle == "300 stacks"
        table.move_cursor(row=table.get_row_index("id-0150"))
        await pilot.pause()
        assert cursor_key(pane) == "id-0150"

        # A new stack sorting before it and a deleted one before it: the cursor
        # stays on the same stack, not on the same row number.
        pane.apply(changes(view, added=(stack(999, name="aaa-new"),), removed=(stack(10),)), view, lambda r, s: None)
        await pilot.pause()
        assert cursor_key(pane) == "id-0150"
        assert table.get_row_index("id-0999") == 0  # kept in name order
        assert table.row_count == 300 and "id-0010" not in [k.value for k in table.rows]

        # A changed stack touches its own cells only.
        calls = []
        original = table.update_cell
        table.update_cell = lambda *a, **k: (calls.append(a[:2]), original(*a, **k))
        pane.apply(changes(view, changed=(stack(42, "SUSPEND_COMPLETE", minutes=5),)), view, lambda r, s: None)
        assert sorted(calls) == [("id-0042", "status"), ("id-0042", "updated")]
        assert "SUSPEND_COMPLETE" in str(table.get_cell("id-0042", "status"))
        # The same state again changes nothing at all.
        calls.clear()
        pane.apply(changes(view, changed=(stack(42, "SUSPEND_COMPLETE", minutes=5),)), view, lambda r, s: None)
        assert calls == []
        assert cursor_key(pane) == "id-0150"


async def test_filter_keeps_the_table_and_the_cursor():
    view = view_of(stack(i) for i in range(300))
    app = PaneApp(view)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(RegionPane)
        table = pane.table
        table.move_cursor(row=table.get_row_index("id-0150"))
        await pilot.pause()
        same_table = table
        pane.set_filter("015", view)  # fleet-0150..0159 (and 0015)
        await pilot.pause()
        assert pane.table is same_table
        assert sorted(k.value for k in table.rows) == sorted([f"id-{i:04d}" for i in range(150, 160)] + ["id-0015"])
        assert cursor_key(pane) == "id-0150"
        assert pane.border_subtitle == "11 of 300 stacks"
        pane.set_filter("0150", view)  # a few rows out: removed one by one
        await pilot.pause()
        assert [k.value for k in table.rows] == ["id-0150"]
        pane.set_filter("", view)
        await pilot.pause()
        assert table.row_count == 300 and cursor_key(pane) == "id-0150"
        # While filtered, a new matching stack appears and a non-matching one does not.
        pane.set_filter("new", view)
        pane.apply(
            changes(view, added=(stack(1000, name="brand-new"), stack(1001, name="other"))), view, lambda r, s: None
        )
        await pilot.pause()
        assert [k.value for k in table.rows] == ["id-1000"]
        assert pane.border_subtitle == "1 of 302 stacks"


async def test_owner_found_later_fills_the_master_cell():
    constituent = stack(7, name="demo-db_stack-abcdefghijkl")
    view = view_of([constituent, stack(8)])
    known: set[str] = set()

    def owner_of(region, s):
        return "demo/db_stack" if "demo" in known and s.name.startswith("demo-") else None

    app = PaneApp(view)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(RegionPane)
        pane.load(view, owner_of)
        assert str(pane.table.get_cell("id-0007", "master")) == ""
        known.add("demo")  # the master's region answered later
        pane.refresh_owners()
        await pilot.pause()
        assert str(pane.table.get_cell("id-0007", "master")) == "demo/db_stack"
        assert str(pane.table.get_cell("id-0008", "master")) == ""


async def test_a_failing_worker_is_a_notification_not_an_exit():
    from mrconsole.tui.app import MrConsoleApp

    async def never():
        await asyncio.sleep(3600)

    app = MrConsoleApp(never)

    async def boom():
        raise RuntimeError("injected worker fault")

    async with app.run_test(size=(80, 24)) as pilot:
        app.run_worker(boom(), group="detail", exit_on_error=False)
        await pilot.pause(0.3)
        assert app.is_running
        assert any("detail failed: RuntimeError: injected worker fault" in n.message for n in app._notifications)


async def test_columns_give_way_by_priority_and_never_cut_the_name_or_the_status():
    """Master goes first, then Updated, then the status's long spelling; the table never scrolls sideways."""
    long = "demo-app_stack-56xhmlgrjp6a"
    view = view_of([stack(1, "ROLLBACK_IN_PROGRESS", long), stack(2)])
    owners = {"id-0001": "demo/app_stack"}

    class Owned(PaneApp):
        def on_mount(self) -> None:
            self.query_one(RegionPane).load(self.view, lambda region, s: owners.get(s.id))

    seen = {}
    for width in (120, 78, 70, 60, 46):
        app = Owned(view)
        async with app.run_test(size=(width, 12)) as pilot:
            await pilot.pause()
            pane = app.query_one(RegionPane)
            table = pane.table
            keys = tuple(c.key.value for c in table.columns.values())
            seen[width] = keys
            row = [str(c) for c in table.get_row("id-0001")]
            assert row[0] == long  # never cut
            assert row[1] in ("ROLLBACK_IN_PROGRESS", "◐ ROLLBACK")  # whole, or its short form
            assert table.virtual_size.width <= table.size.width, (width, keys)
    assert seen[120] == ("name", "status", "updated", "master")
    assert seen[46] == ("name", "short")
    widths = sorted(seen)
    assert all(len(seen[a]) <= len(seen[b]) for a, b in zip(widths, widths[1:], strict=False))


async def test_a_time_of_another_day_is_drawn_whole_in_the_updated_column():
    """A stack last changed before today shows MM-DD HH:MM; the column held 8 cells, so `11-26 08:00` was
    drawn `11-26 08`, an hour that reads as a minute or a day."""
    app = PaneApp(view_of([stack(1, minutes=5), stack(2)]))
    async with app.run_test(size=(120, 12)) as pilot:
        await pilot.pause()
        table = app.query_one(RegionPane).table
        shown = str(table.get_cell("id-0001", "updated"))
        assert shown == "11-26 08:05"  # T0 is days before the test's today
        assert table.columns["updated"].width >= len(shown)  # type: ignore[index]


async def test_problems_come_first_and_the_subtitle_counts_them():
    view = view_of(stack(i) for i in range(50))
    app = PaneApp(view)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(RegionPane)
        table = pane.table
        assert pane.border_subtitle == "50 stacks"
        # A stack fails, another starts an update, a third is suspended: they move to the top, in that order,
        # and the cursor stays on its stack.
        table.move_cursor(row=table.get_row_index("id-0020"))
        await pilot.pause()
        pane.apply(
            changes(
                view,
                changed=(stack(30, "UPDATE_IN_PROGRESS"), stack(40, "CHECK_FAILED"), stack(45, "SUSPEND_COMPLETE")),
            ),
            view,
            lambda r, s: None,
        )
        await pilot.pause()
        top = [table.coordinate_to_cell_key((row, 0)).row_key.value for row in range(4)]
        assert top == ["id-0040", "id-0030", "id-0045", "id-0000"], top
        assert pane.border_subtitle == "50 stacks · 1 failed · 1 busy · 1 suspended"
        assert pane.has_class("has-failed") and cursor_key(pane) == "id-0020"
        # The failed one recovers: back in name order, and the counts follow.
        pane.apply(changes(view, changed=(stack(40, "CHECK_COMPLETE"),)), view, lambda r, s: None)
        await pilot.pause()
        assert table.get_row_index("id-0040") == 41 and not pane.has_class("has-failed")  # 2 problems above
        assert pane.border_subtitle == "50 stacks · 1 busy · 1 suspended"
        # Name order on demand (N in the overview), and back.
        pane.set_order(by_name=True)
        pane._count()
        assert table.get_row_index("id-0030") == 30 and pane.border_subtitle.endswith("· by name")
        pane.set_order(by_name=False)
        assert table.get_row_index("id-0030") == 0
        pane.apply(changes(view, removed=(stack(30, "UPDATE_IN_PROGRESS"),)), view, lambda r, s: None)
        assert pane.border_subtitle == "49 stacks · 1 suspended"


def test_masters_are_found_from_the_names_held_and_the_cache():
    from mrconsole.core.master.masters import masters_found
    from mrconsole.state.topology_cache import CachedConstituent, CachedMaster

    def st(region, name, status="CREATE_COMPLETE"):
        return Stack(region, f"id-{region}-{name}", name, status)

    held = [
        st("RegionOne", "web"),
        st("RegionTwo", "web-app-abcdefghijkl"),
        st("RegionThree", "web-db-abcdefghijkm"),
        st("RegionOne", "web-live"),  # a master whose name starts like another's constituent
        st("RegionTwo", "web-live-app-abcdefghijkl", "UPDATE_IN_PROGRESS"),
        st("RegionOne", "bad", "UPDATE_FAILED"),
        st("RegionTwo", "bad-x-abcdefghijkl"),
        st("RegionTwo", "lonely"),
    ]
    away = [CachedConstituent("db", "RegionTwo", "c1", "gone-db-abcdefghijkl")]
    cached = [
        CachedMaster("lab", "m-gone", "gone", "RegionFour", "CREATE_COMPLETE", 2.0, constituents=away),
        CachedMaster("lab", "m-gone-old", "gone", "RegionFour", "CREATE_COMPLETE", 1.0),
        CachedMaster("lab", "m-dead", "dead", "RegionOne", "DELETE_COMPLETE", 1.0),
        CachedMaster("lab", "id-RegionOne-web", "web", "RegionOne", "CREATE_COMPLETE", 1.0),
    ]
    found = masters_found(held, cached)
    assert [(f.name, f.constituents, f.regions, f.source) for f in found] == [
        ("bad", 1, ("RegionTwo",), "lists"),  # problems first
        ("web", 2, ("RegionThree", "RegionTwo"), "lists"),
        ("web-live", 1, ("RegionTwo",), "lists"),
        ("gone", 1, ("RegionTwo",), "cache"),  # its region lists nothing now; deleted ones left out
    ]


async def test_an_unfocused_pane_keeps_its_problems_in_view():
    """(Seen in the 80x24 screenshot: a busy stack sorted first but scrolled out of a one-row pane.)"""
    view = view_of(stack(i) for i in range(40))
    app = PaneApp(view)
    async with app.run_test(size=(100, 12)) as pilot:
        pane = app.query_one(RegionPane)
        table = pane.table
        table.move_cursor(row=table.get_row_index("id-0035"))  # far down: the view scrolls to it
        await pilot.pause()
        assert table.scroll_y > 0
        app.set_focus(None)  # the operator is elsewhere (the tree, another region)
        await pilot.pause()
        pane.apply(changes(view, changed=(stack(2, "UPDATE_FAILED"),)), view, lambda r, s: None)
        await pilot.pause()
        assert table.get_row_index("id-0002") == 0 and table.scroll_y == 0  # the failure is in view
        assert cursor_key(pane) == "id-0002"  # the cursor on it, for when the pane is focused


def test_a_narrow_status_keeps_the_word_failed_and_the_action_otherwise():
    from mrconsole.tui.style import status_short

    assert status_short("CREATE_FAILED").plain == "✖ FAILED"
    assert status_short("DELETE_FAILED").plain == "✖ FAILED"
    assert status_short("UPDATE_IN_PROGRESS").plain == "◐ UPDATE"
    assert status_short("CREATE_COMPLETE").plain == "✔ CREATE"
    assert all(len(status_short(s).plain) <= 10 for s in ("ROLLBACK_IN_PROGRESS", "SNAPSHOT_FAILED", "ADOPT_COMPLETE"))
    assert "red" in str(status_short("CHECK_FAILED").style)
