"""The flight recorder in the snapshot tier (#37): a night recorded on the lab by the recorder the console runs
(`tests/screens/capture.py` capture_night, on a master of its own from examples/rollout: calm, RegionTwo
stopped, a check the console sent in RegionThree while it was down, RegionTwo back, a rollout in waves to its
end), replayed by `mrconsole replay`'s session and sought to each moment. Each
moment is an SVG snapshot at 80x24 and 120x40: what the operator saw then, as review sees it. The lab tier
(tests/lab/test_recording.py) compares the same moments with the live console's own screens.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mrconsole.core.live.playback import PlaybackSession, Recording
from mrconsole.tui.app import MrConsoleApp
from tests.screens.replay import DATA
from tests.screens.test_screens import SIZES, _overview, record_notifications, settled

ROOT = Path(__file__).resolve().parents[2]
MOMENTS: dict[str, float] = json.loads((DATA / "night-moments.json").read_text())


def _replay(moment: str) -> tuple[MrConsoleApp, PlaybackSession]:
    # The file as an operator names it from the checkout: the screen says its path, the same on every machine
    # (an absolute one differs between a checkout and CI's clean clone).
    recording = Recording(DATA / "night.jsonl")
    recording.path = Path(os.path.relpath(recording.path, ROOT))
    replay = PlaybackSession(recording)  # paused, as `replay --paused` opens it

    async def factory():
        return replay

    return MrConsoleApp(factory, read_only=True), replay


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("moment", ["calm", "down", "acted", "back", "rolled"])
def test_the_recorded_night_at_each_moment(snap_compare, size, moment):
    app, replay = _replay(moment)

    async def sought(pilot):
        await _overview(pilot)
        replay.seek(MOMENTS[moment])
        await settled(pilot)

    assert snap_compare(app, terminal_size=size, run_before=sought)


async def test_the_night_holds_what_its_moments_say():
    """The recording is the night the snapshots claim: RegionTwo down at `down` and `acted` only, the
    console's own check in RegionThree between `down` and `acted`, and between `back` and `rolled` the
    rollout's update of the master, a release per later wave and its cleanup, its three constituents updated
    at the end."""
    recording = Recording(DATA / "night.jsonl")
    assert recording.ended and recording.start <= MOMENTS["calm"] < MOMENTS["rolled"] <= recording.end
    app, replay = _replay("calm")
    notes = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await _overview(pilot)
        down = {}
        for moment in ("calm", "down", "acted", "back", "rolled"):
            replay.seek(MOMENTS[moment])
            await settled(pilot)
            down[moment] = bool(replay.region_down("RegionTwo"))
        assert down == {"calm": False, "down": True, "acted": True, "back": False, "rolled": False}
        replay.seek(MOMENTS["down"])
        await settled(pilot)
        notes.clear()
        replay.advance(MOMENTS["acted"])
        await settled(pilot)
        said = list(notes)
        assert any(m.startswith("then: check ") and "in RegionThree: accepted" in m for m in said), said
        replay.seek(MOMENTS["back"])
        await settled(pilot)
        notes.clear()
        replay.advance(MOMENTS["rolled"])
        await settled(pilot)
        said = [m for m in notes if m.startswith("then: ")]
        assert [m.split()[1] for m in said] == ["rollout", "release", "release", "rollout-cleanup"], said
        assert all(m.endswith(" in RegionOne: accepted") for m in said), said
        constituents = [s for v in replay.regions.values() for s in v.stacks if s.name.startswith("night-web_")]
        assert len(constituents) == 3 and {s.status for s in constituents} == {"UPDATE_COMPLETE"}, constituents


async def test_two_master_outputs_reading_one_value_are_two_rows_that_say_which():
    """examples/rollout's master reads web_two's release in two outputs (`releases` and `release_two`): the data
    flow names the output each row feeds, in its table and in its narrow one-line form."""
    from mrconsole.tui.widgets.master_tree import TABLE_FROM, DataFlow

    for size in ((200, 60), (80, 24)):
        app, replay = _replay("rolled")
        async with app.run_test(size=size) as pilot:
            await _overview(pilot)
            replay.seek(MOMENTS["rolled"])
            await settled(pilot)
            flow = app.screen.query_one(DataFlow)
            assert len(set(flow.rows)) == len(flow.rows) == 4, flow.rows
            into = sorted(r[2] for r in flow.rows if r[1] == "RegionTwo web_two")
            assert into == ["RegionOne master output release_two", "RegionOne master output releases"], flow.rows
            assert (flow.size.width < TABLE_FROM) == (size == (80, 24)), flow.size  # 80x24: one line each
            if size == (80, 24):
                lines = str(flow.render()).splitlines()
                assert len(set(lines)) == len(lines) == 4, lines
                assert any("→master.release_two" in line for line in lines), lines


async def test_a_replay_dates_stacks_by_its_own_day_not_the_wall_clocks(monkeypatch):
    """Played two days after it was recorded, a stack changed on the recording's day still reads as that
    day's HH:MM:SS (the replay's "now"), not as an old MM-DD date seen from the wall clock's today."""
    import time

    from textual.widgets import DataTable

    from mrconsole.tui.widgets.region_pane import RegionPane

    recording = Recording(DATA / "night.jsonl")
    monkeypatch.setattr(time, "time", lambda: recording.end + 2 * 86400)
    app, replay = _replay("calm")
    async with app.run_test(size=(120, 40)) as pilot:
        await _overview(pilot)
        replay.seek(MOMENTS["calm"])
        await settled(pilot)
        cells = []
        for pane in app.screen.query(RegionPane):
            table = pane.query_one(DataTable)
            if "updated" in [str(c.key.value) for c in table.columns.values()]:
                cells += [str(table.get_cell(key, "updated")) for key in table.rows]
        assert cells, "no pane shows an updated column at 120x40"
        assert all(len(c) == 8 and c.count(":") == 2 for c in cells if c != "-"), cells
