"""The flight recorder on the lab (#37): a console records a scripted night (a region stopped, its own action
while it is down, the region back); the replay of that recording shows the same screens at the same moments,
and says the action when it was taken.

"The same screens": what each region pane shows (its title with the health mark, its rows: name and status,
its down frame), the master tree's labels and the events the console had, compared between the live console
at a moment and the replayed one sought to that moment. The header's latency is kept in doubling bands by the
recorder and is not compared.
"""

from __future__ import annotations

import time

from mrconsole.core.acting.actions import Target
from mrconsole.core.live.playback import PlaybackSession, Recording
from mrconsole.core.live.recording import Recorder
from mrconsole.tui.app import MrConsoleApp
from mrconsole.tui.screens.overview import OverviewScreen
from mrconsole.tui.widgets.master_tree import MasterTree
from tests.conftest import MASTER
from tests.lab.test_tui import FAST, pane, until


def _shown(app) -> dict:
    """What the overview shows that a replay must show alike."""
    out: dict = {}
    for region in app.session.region_names:
        p = pane(app, region)
        rows = [tuple(str(c) for c in p.table.get_row_at(i)[:2]) for i in range(p.table.row_count)]
        out[region] = (str(p.border_title), p.has_class("down"), sorted(rows))
    tree = app.screen.query_one(MasterTree)
    out["tree"] = [str(tree.root.label), *sorted(str(n.label) for n in tree.root.children)]
    out["events"] = sorted(e.id for e in app.session.events())
    return out


async def _settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()


async def test_a_recorded_night_replays_with_the_same_screens_at_the_same_moments(lab, tmp_path):
    from mrconsole.cloud.connection import connect
    from mrconsole.core.live.fleet import Fleet
    from mrconsole.core.live.session import ConsoleSession, SessionConfig
    from mrconsole.lab.options import lab_options

    path = tmp_path / "night.jsonl"
    recorders: list[Recorder] = []

    async def factory():  # as `mrconsole console --record FILE` builds it
        fleet = Fleet(await connect(lab_options(str(lab.dir), timeouts=FAST)))
        session = ConsoleSession(fleet, master=MASTER, config=SessionConfig())
        recorders.append(Recorder(session, path))
        recorders[0].start()
        return session

    moments: dict[str, tuple[float, dict]] = {}
    app = MrConsoleApp(factory)
    async with app.run_test(size=(120, 40)) as pilot:

        def ready():
            if not isinstance(app.screen, OverviewScreen) or app.session.master is None:
                return False
            return app.session.master.topology is not None and pane(app, "RegionThree").table.row_count > 0

        assert await until(pilot, ready, 60)
        await _settle(pilot)
        moments["calm"] = (time.time(), _shown(app))
        app3 = next(s.name for s in app.session.regions["RegionThree"].stacks if s.name.startswith(f"{MASTER}-"))
        with lab.fault("RegionTwo", "stop"):
            assert await until(pilot, lambda: app.session.region_down("RegionTwo"), 40)
            await _settle(pilot)
            moments["down"] = (time.time(), _shown(app))
            # Sent by the console's own sender (tui/acting.py acts with it): the recording keeps the action too.
            stack3 = next(s for s in app.session.regions["RegionThree"].stacks if s.name == app3)
            result = await app.session.actions(False).stack_action(Target("RegionThree", app3, stack3.id), "check")
            assert result.ok, result.message

            def checked():
                return any(s.status == "CHECK_COMPLETE" for s in app.session.regions["RegionThree"].stacks)

            assert await until(pilot, checked, 30)
            await _settle(pilot)
            moments["acted"] = (time.time(), _shown(app))
        # Back on screen, not only in health: Heat answers its health probe before the pane's stack list is
        # read again, and until then the pane keeps its stale (down) frame.
        assert await until(
            pilot,
            lambda: not app.session.region_down("RegionTwo") and not pane(app, "RegionTwo").has_class("down"),
            60,
        )
        await _settle(pilot)
        moments["back"] = (time.time(), _shown(app))
    recorders[0].close()
    assert moments["down"][1]["RegionTwo"][1] and not moments["back"][1]["RegionTwo"][1]

    recording = Recording(path)
    assert recording.ended and recording.region_names == ["RegionOne", "RegionTwo", "RegionThree"]
    replay = PlaybackSession(recording)

    async def replayed():
        return replay

    viewer = MrConsoleApp(replayed, read_only=True)
    async with viewer.run_test(size=(120, 40)) as pilot:
        assert await until(pilot, lambda: isinstance(viewer.screen, OverviewScreen), 20)
        # In the order of the night, then back to its start and forth again (a seek back rebuilds).
        for name in ("calm", "down", "acted", "back", "down", "calm", "acted"):
            at, live = moments[name]
            replay.seek(at)
            await _settle(pilot)
            assert _shown(viewer) == live, name
        assert "REPLAY" in str(viewer.screen.query_one("#health").render())
        # The console's own action, said at its moment in the replay.
        replay.seek(moments["down"][0])
        await _settle(pilot)
        viewer._notifications.clear()
        replay.advance(moments["acted"][0])
        await _settle(pilot)
        said = [str(n.message) for n in viewer._notifications]
        assert f"then: check {app3} in RegionThree: accepted" in said, said
        # Played, not sought: from the start to the end at speed, the same end.
        replay.seek(recording.start)
        replay.speed, replay.playing = 64.0, True
        assert await until(pilot, lambda: not replay.playing, 30)
        await _settle(pilot)
        assert _shown(viewer)["RegionTwo"] == moments["back"][1]["RegionTwo"]
