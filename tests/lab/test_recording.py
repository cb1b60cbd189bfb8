"""The flight recorder on the lab (#37): a console records a scripted night (a region stopped, its own action
while it is down, the region back, then a rollout in waves); the replay of that recording shows the same
screens at the same moments, and says each action (the check; the rollout's update, releases and cleanup)
when it was taken.

The night has a master of its own (examples/rollout): a worker's session lab is shared by the modules it runs,
and a rollout of the shared master would change what they read.

"The same screens": what each region pane shows (its title with the health mark, its rows: name and status,
its down frame), the master tree's labels and the events the console had, compared between the live console
at a moment and the replayed one sought to that moment. The header's latency is kept in doubling bands by the
recorder and is not compared.
"""

from __future__ import annotations

import asyncio
import time

from mrconsole.core.acting.actions import Target
from mrconsole.core.live.playback import PlaybackSession, Recording
from mrconsole.core.live.recording import Recorder
from mrconsole.tui.app import MrConsoleApp
from mrconsole.tui.screens.overview import OverviewScreen
from mrconsole.tui.widgets.master_tree import MasterTree
from tests.lab.test_tui import FAST, pane, until

NIGHT = "night-roll"


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
    from mrconsole.core.rollout.gate import Gate
    from mrconsole.lab.options import lab_options
    from mrconsole.lab.seed import seed

    await asyncio.to_thread(seed, lab.lab, name=NIGHT, example="rollout", wait=True)
    path = tmp_path / "night.jsonl"
    recorders: list[Recorder] = []

    async def factory():  # as `mrconsole console --record FILE` builds it
        fleet = Fleet(await connect(lab_options(str(lab.dir), timeouts=FAST)))
        session = ConsoleSession(fleet, master=NIGHT, config=SessionConfig())
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
        app3 = app.session.master.topology.constituent("web_three").stack_name
        with lab.fault("RegionTwo", "stop"):
            assert await until(pilot, lambda: app.session.region_down("RegionTwo"), 40)
            await _settle(pilot)
            moments["down"] = (time.time(), _shown(app))
            # Sent by the console's own sender (tui/acting.py acts with it): the recording keeps the action too.
            stack3 = next(s for s in app.session.regions["RegionThree"].stacks if s.name == app3)
            result = await app.session.actions(False).stack_action(Target("RegionThree", app3, stack3.id), "check")
            assert result.ok, result.message

            def checked():  # this stack's check: the worker's lab may hold others already checked
                stacks = app.session.regions["RegionThree"].stacks
                return any(s.name == app3 and s.status == "CHECK_COMPLETE" for s in stacks)

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
        # A rollout in waves, one region at a time, as the rollout screen drives it (tui/screens/rollout.py).
        master = app.session.master.topology.master
        plan = await app.session.plan_rollout(master, {"release": "v2"}, "", 0.0, False)
        assert not plan.blocking, plan.findings
        run = app.session.rollout_run(plan.topology, tuple(w.regions for w in plan.waves), Gate(), False)
        outcome = await run.start(plan)
        assert outcome.ok, outcome

        def rolled():
            names = {c.stack_name for c in plan.topology.constituents}
            shown = [s for v in app.session.regions.values() for s in v.stacks if s.name in names]
            return len(shown) == 3 and all(s.status == "UPDATE_COMPLETE" for s in shown)

        assert await until(pilot, rolled, 60)
        await _settle(pilot)
        moments["rolled"] = (time.time(), _shown(app))
    recorders[0].close()
    assert moments["down"][1]["RegionTwo"][1] and not moments["back"][1]["RegionTwo"][1]
    assert moments["rolled"][1] != moments["back"][1]

    recording = Recording(path)
    assert recording.ended and recording.region_names == ["RegionOne", "RegionTwo", "RegionThree"]
    replay = PlaybackSession(recording)

    async def replayed():
        return replay

    viewer = MrConsoleApp(replayed, read_only=True)
    async with viewer.run_test(size=(120, 40)) as pilot:
        assert await until(pilot, lambda: isinstance(viewer.screen, OverviewScreen), 20)
        # In the order of the night, then back to its start and forth again (a seek back rebuilds).
        for name in ("calm", "down", "acted", "back", "rolled", "down", "calm", "acted"):
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
        # The rollout's update of the master, a release for each wave after the first, and the PATCH that
        # removes its breakpoints at its end (RolloutRun.cleanup: an update that changes no resource).
        replay.seek(moments["back"][0])
        await _settle(pilot)
        viewer._notifications.clear()
        replay.advance(moments["rolled"][0])
        await _settle(pilot)
        said = [str(n.message) for n in viewer._notifications if str(n.message).startswith("then: ")]
        assert [m.split(":")[1].split()[0] for m in said] == ["rollout", "release", "release", "rollout-cleanup"], said
        assert all(f" {NIGHT} in RegionOne: " in m for m in said), said
        # Played, not sought: from the start to the end at speed, the same end.
        replay.seek(recording.start)
        replay.speed, replay.playing = 64.0, True
        assert await until(pilot, lambda: not replay.playing, 30)
        await _settle(pilot)
        assert _shown(viewer)["RegionTwo"] == moments["rolled"][1]["RegionTwo"]
