"""A region's change costs the overview what it names, not a walk of every widget on the screen (at 50
regions the overview holds ~220 widgets, and a DOM query, by id or by type, visits each of them)."""

from __future__ import annotations

import dataclasses

import pytest

from mrconsole.core.live.watch import StackChanges
from mrconsole.tui.app import MrConsoleApp
from mrconsole.tui.screens.overview import OverviewScreen
from mrconsole.tui.widgets.region_pane import RegionColumn, RegionPane
from tests.screens.replay import RegionView, ReplaySession, load, replay_app
from tests.screens.test_screens import _overview, settled


async def test_a_regions_change_reaches_its_pane_without_querying_the_screen(monkeypatch):
    app, scene = replay_app("healthy")
    async with app.run_test(size=(120, 40)) as pilot:
        await _overview(pilot)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        region = scene["region_names"][1]
        view = app.session.regions[region]
        stack = next(iter(view.by_id.values()))
        busy = dataclasses.replace(stack, status="UPDATE_IN_PROGRESS")
        queries: list[tuple] = []
        for name in ("query", "query_one", "query_exactly_one"):
            real = getattr(OverviewScreen, name)
            monkeypatch.setattr(
                OverviewScreen,
                name,
                lambda self, *a, _real=real, **k: queries.append(a) or _real(self, *a, **k),
            )
        view.by_id[stack.id] = busy
        view._ordered = None
        app._on_core_change(StackChanges(region, added=(), changed=(busy,)))
        await settled(pilot)
        assert [q for q in queries if RegionPane in q or any("region-" in str(x) for x in q)] == []
        pane = next(p for p in screen.query(RegionPane) if p.region_name == region)
        assert "UPDATE_IN_PROGRESS" in str(pane.table.get_cell(stack.id, "status"))


def _fleet_of(regions: int) -> MrConsoleApp:
    """The fleet scene's first region copied into `regions` regions (its stacks renamed per region)."""
    scene = load("fleet")
    base = scene["regions"][0]
    names = [f"Region{i:02d}" for i in range(regions)]
    views = []
    for name in names:
        view = RegionView(name)
        for stack in list(base.by_id.values())[:20]:
            copy = dataclasses.replace(stack, region=name, id=f"{name}-{stack.id}")
            view.by_id[copy.id] = copy
        view.fetched_at, view.error = base.fetched_at, None
        views.append(view)
    scene.update(
        region_names=names, regions=views, health=[dataclasses.replace(scene["health"][0], region=n) for n in names]
    )

    async def factory():
        return ReplaySession(scene)

    return MrConsoleApp(factory)


@pytest.mark.parametrize("regions, size", [(0, (120, 40)), (50, (200, 50))], ids=["fleet-120x40", "50-regions-200x50"])
async def test_the_filter_box_moves_no_pane_and_repaints_none(monkeypatch, regions, size):
    """`/` then esc: the box comes over the events log on a layer of its own, so no pane moves or resizes,
    and no repaint touches the panes' column (at 50 regions each such repaint cost the whole column: the
    box docked among the panes took three rows from them, and every layout redrew each table's
    scrollbars, whose cells widen a repaint's crop to the column). The fleet scene: 100 stacks a region,
    so every pane's table scrolls. Fails on the code before (1 changed pane region, 3 other panes repainted),
    and before the box's own layer and the screen's focus without a repaint (the whole screen drawn on open
    and on close; at 50 regions the box as the screen's own child grew its virtual height, and the same)."""
    from textual._compositor import Compositor
    from textual.geometry import Region
    from textual.scrollbar import ScrollBar

    app = _fleet_of(regions) if regions else replay_app("fleet")[0]
    async with app.run_test(size=size) as pilot:
        await _overview(pilot)
        screen = app.screen
        screen.action_focus_stacks()
        await settled(pilot)
        panes = list(screen.query(RegionPane))
        focused = next(p for p in panes if p.table.has_focus)
        if not regions:
            assert any(p.table.show_vertical_scrollbar for p in panes)  # the case that cost most
        before = {p.region_name: p.region for p in panes}
        dirty: list[Region] = []
        bars: list[str] = []
        full: list[Region] = []
        real_update, real_full, real_refresh = (
            Compositor.render_partial_update,
            Compositor.render_full_update,
            ScrollBar.refresh,
        )

        def update(self):
            dirty.extend(self._dirty_regions)
            return real_update(self)

        def full_update(self, *a, **k):
            full.append(self.size.region)
            return real_full(self, *a, **k)

        def refresh(self, *a, **k):
            if any(self in (p.table.vertical_scrollbar, p.table.horizontal_scrollbar) for p in panes):
                bars.append(self.parent.parent.region_name)
            return real_refresh(self, *a, **k)

        monkeypatch.setattr(Compositor, "render_partial_update", update)
        monkeypatch.setattr(Compositor, "render_full_update", full_update)
        monkeypatch.setattr(ScrollBar, "refresh", refresh)
        await pilot.press("slash")
        await settled(pilot)
        assert screen.focused is screen.query_one("#filter")
        assert {p.region_name: p.region for p in panes} == before
        await pilot.press("escape")
        await settled(pilot)
        assert not screen.query_one("#filter").display
        assert {p.region_name: p.region for p in panes} == before
        assert dirty, "nothing was repainted: the test saw no frame"
        # No frame repaints the whole screen (at 50 regions the slowest key of all): neither the box's coming
        # (shown as the screen's own child, at 50 regions it grew the screen's virtual height by the footer's
        # gutter) nor the focus moving to it and back (Textual repaints a screen whose focus changes).
        assert full == []
        # The pane that had the focus gives it to the box and takes it back: its table repaints, no other.
        # Where each pane is on screen: at 50 regions the column scrolls, and a pane scrolled out of it has a
        # region under the column's end (the events log's rows), where the box is.
        column = screen.query_one(RegionColumn).region
        others = [p.region.intersection(column) for p in panes if p is not focused]
        assert [r for r in dirty if any(r.overlaps(o) for o in others)] == []
        assert set(bars) <= {focused.region_name}


async def test_a_layout_arranges_the_screen_once_and_keeps_its_map_as_the_full_map(monkeypatch):
    """At 50 regions, `/` then esc: each layout arranges the screen's ~170 widgets once (tui/compositor.py). On
    Textual's own compositor the box (not on screen when the layout was asked for) left the map marked invalid,
    and the first widget to repaint had the whole screen arranged again: two arrangements a layout. And the map
    a layout keeps is the one Textual would build for its full map (the pinned Textual still builds it so)."""
    from textual._compositor import Compositor

    app = _fleet_of(50)
    async with app.run_test(size=(200, 50)) as pilot:
        await _overview(pilot)
        screen = app.screen
        counts = {"reflow": 0, "arrange": 0}
        real_reflow, real_arrange = Compositor.reflow, Compositor._arrange_root

        def reflow(self, *a, **k):
            counts["reflow"] += 1
            return real_reflow(self, *a, **k)

        def arrange(self, *a, **k):
            counts["arrange"] += 1
            return real_arrange(self, *a, **k)

        monkeypatch.setattr(Compositor, "reflow", reflow)
        monkeypatch.setattr(Compositor, "_arrange_root", arrange)
        await pilot.press("slash")
        await settled(pilot)
        await pilot.press("escape")
        await settled(pilot)
        assert counts["reflow"] >= 2  # the box shown, then hidden: a layout each
        assert counts["arrange"] == counts["reflow"]
        compositor = screen._compositor
        kept = dict(compositor.full_map)
        fresh, _widgets = real_arrange(compositor, compositor.root, compositor.size, visible_only=False)
        assert kept == fresh


async def test_opening_and_closing_a_screen_arranges_the_overview_not_at_all_and_repaints_it_once(monkeypatch):
    """A screen opened over the overview: Textual laid out the overview beneath it again, at the same size
    (the new screen's first Resize). esc: Textual repaints the overview as it comes back, then, removing the
    closed screen from the app, laid it out and repainted it whole a second time (at 50 regions ~220 widgets
    arranged and 200x50 cells drawn again for nothing: the closed screen was not on screen). Fails on the code
    before (a layout per open; 2 full repaints and a layout per esc); the overview after is what a fresh full
    repaint draws, and a real resize beneath a screen still lays it out."""
    from textual._compositor import Compositor
    from textual.screen import Screen

    app = _fleet_of(50)
    async with app.run_test(size=(200, 50)) as pilot:
        await _overview(pilot)
        overview = app.screen
        overview.action_focus_stacks()
        await settled(pilot)
        full: list[str] = []
        layouts: list[str] = []
        real_full, real_layout = Compositor.render_full_update, Screen._refresh_layout

        def full_update(self, *a, **k):
            full.append(type(app.screen).__name__)
            return real_full(self, *a, **k)

        def refresh_layout(self, *a, **k):
            layouts.append(type(self).__name__)
            return real_layout(self, *a, **k)

        monkeypatch.setattr(Compositor, "render_full_update", full_update)
        monkeypatch.setattr(Screen, "_refresh_layout", refresh_layout)
        for key in ("j", "question_mark", "e"):
            layouts.clear()
            await pilot.press(key)
            await settled(pilot)
            assert app.screen is not overview, key
            assert "OverviewScreen" not in layouts, key  # opening: the overview beneath is not laid out again
            full.clear()
            layouts.clear()
            await pilot.press("escape")
            await settled(pilot)
            assert app.screen is overview, key
            assert (full, layouts) == (["OverviewScreen"], []), key
        drawn = app.export_screenshot()
        overview.refresh()
        await settled(pilot)
        assert app.export_screenshot() == drawn
        await pilot.press("j")
        await settled(pilot)
        layouts.clear()
        await pilot.resize_terminal(160, 45)
        await settled(pilot)
        assert "OverviewScreen" in layouts  # beneath the journal, at its new size
        await pilot.press("escape")
        await settled(pilot)
        assert overview.size == (160, 45)
