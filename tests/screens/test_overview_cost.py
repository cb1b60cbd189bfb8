"""A region's change costs the overview what it names, not a walk of every widget on the screen (at 50
regions the overview holds ~220 widgets, and a DOM query, by id or by type, visits each of them)."""

from __future__ import annotations

import dataclasses

from mrconsole.core.live.watch import StackChanges
from mrconsole.tui.screens.overview import OverviewScreen
from mrconsole.tui.widgets.region_pane import RegionPane
from tests.screens.replay import replay_app
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
