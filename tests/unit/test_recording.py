"""The flight recorder's logic (core/live/recording.py, playback.py): what is written, what is read back at each
moment, and what a damaged file says. The recorder is fed the changes a live session publishes (here by a
stand-in holding the same views); the lab test (tests/lab/test_recording.py) records a real console."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mrconsole.cloud.health import HealthSnapshot
from mrconsole.core.acting.actions import ActionResult
from mrconsole.core.live.changes import ActionTaken, EventsArrived, HealthChanged, RegionStatus, TimelineRewound
from mrconsole.core.live.codec import CodecError, json_diff, json_patch
from mrconsole.core.live.playback import PlaybackSession, Recording
from mrconsole.core.live.recording import Recorder, RecordingError
from mrconsole.core.live.session import RegionView
from mrconsole.core.live.watch import StackChanges
from mrconsole.models import Event, Stack


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class LiveStandIn:
    """What a Recorder reads of a ConsoleSession: its views, health and master, and its subscribers."""

    cloud_name = "prod"
    region_names = ["R1", "R2"]
    master = None

    def __init__(self):
        self.regions = {r: RegionView(r) for r in self.region_names}
        self._health = {r: HealthSnapshot(r, "up", 40.0, 1000.0, None, None, 1000.0) for r in self.region_names}
        self.listeners = []

    def subscribe(self, cb):
        self.listeners.append(cb)

    def health(self):
        return list(self._health.values())

    def publish(self, change):
        if isinstance(change, StackChanges):
            self.regions[change.region].apply(change)
        for cb in self.listeners:
            cb(change)


def _stack(region, sid, status):
    return Stack(region, sid, f"web-{sid}", status, updated_time=datetime(2026, 12, 3, tzinfo=UTC))


def _night(path, clock):
    live = LiveStandIn()
    rec = Recorder(live, path, clock=clock)
    rec.start()
    clock.t = 1010
    live.publish(StackChanges("R1", added=(_stack("R1", "a", "CREATE_IN_PROGRESS"),)))
    clock.t = 1020
    live._health["R2"] = HealthSnapshot("R2", "down", None, 1000.0, "refused", 1020.0, 1020.0)
    live.publish(HealthChanged("R2"))
    live.regions["R2"].error = "refused"
    live.publish(RegionStatus("R2", "refused"))
    live.publish(HealthChanged("R2"))  # the same state again: not written again
    clock.t = 1030
    live.publish(StackChanges("R1", changed=(_stack("R1", "a", "CREATE_COMPLETE"),)))
    event = Event("R1", "a", "web-a", "e1", datetime(2026, 12, 3, tzinfo=UTC), "web-a", "CREATE_COMPLETE")
    live.publish(EventsArrived((event,)))
    live.publish(ActionTaken(ActionResult("check", "R1", "web-a", "a", True, "accepted", "req-1", 7)))
    clock.t = 1040
    live._health["R2"] = HealthSnapshot("R2", "up", 45.0, 1040.0, None, None, 1040.0)
    live.regions["R2"].error = None
    live.publish(RegionStatus("R2", None))
    live.publish(HealthChanged("R2"))
    live.publish(StackChanges("R1", removed=(_stack("R1", "a", "CREATE_COMPLETE"),)))
    clock.t = 1050
    rec.close()
    return rec


def test_each_change_is_one_line_and_a_repeated_health_state_is_not_written(tmp_path):
    path = tmp_path / "night.jsonl"
    rec = _night(path, Clock())
    kinds = [json.loads(line)["k"] for line in path.read_text().splitlines()]
    assert kinds == ["start", "key", "stacks", "health", "region", "stacks", "events", "action", "region", "health",
                     "stacks", "end"]  # fmt: skip
    assert rec.records == len(kinds) and rec.bytes == path.stat().st_size
    assert path.stat().st_mode & 0o777 == 0o600


def test_playback_shows_each_moment_forward_back_and_by_step(tmp_path):
    path = tmp_path / "night.jsonl"
    _night(path, Clock())
    session = PlaybackSession(Recording(path))
    seen = []
    session.subscribe(seen.append)
    assert session.position == 1000 and session.regions["R1"].by_id == {}

    def at(t):
        return (
            {s.name: s.status for s in session.regions["R1"].stacks},
            session.region_down("R2") != "",
            session.regions["R2"].stale,
            [e.id for e in session.events()],
        )

    session.advance(1025)
    assert at(1025) == ({"web-a": "CREATE_IN_PROGRESS"}, True, True, [])
    assert any(isinstance(c, StackChanges) and c.added for c in seen)
    session.advance(1035)
    assert at(1035) == ({"web-a": "CREATE_COMPLETE"}, True, True, ["e1"])
    [taken] = [c.result for c in seen if isinstance(c, ActionTaken)]
    assert (taken.action, taken.stack_name, taken.ok, taken.request_id) == ("check", "web-a", True, "req-1")
    session.advance(2000)  # clamped to the end
    assert at(2000) == ({}, False, False, ["e1"]) and session.position == 1050
    # Back to the outage: rebuilt from the keyframe; the screens told what differs and that events went back.
    seen.clear()
    session.seek(1021)
    assert at(1021) == ({"web-a": "CREATE_IN_PROGRESS"}, True, True, [])
    assert any(isinstance(c, TimelineRewound) for c in seen)
    assert [s.name for c in seen if isinstance(c, StackChanges) for s in c.added] == ["web-a"]
    # Step by step: one record each, its time the position.
    session.seek(1000)
    steps = []
    while session.step():
        steps.append(session.position)
    assert steps == [1010, 1020, 1020, 1030, 1030, 1030, 1040, 1040, 1040, 1050]
    assert not session.step()


def test_a_recording_cut_short_reads_up_to_its_last_whole_line(tmp_path):
    path = tmp_path / "night.jsonl"
    _night(path, Clock())
    text = path.read_text()
    path.write_text(text[: text.rindex('{"t":1040') + 20])  # killed mid-write
    recording = Recording(path)
    assert not recording.ended and recording.end == 1040
    session = PlaybackSession(recording)
    session.advance(1040)
    assert session.regions["R2"].stale is False


@pytest.mark.parametrize(
    "text, said",
    [
        ("", "not a mrconsole recording"),
        ('{"t": 1, "k": "key"}\n', "no start record"),
        ('{"t": 1, "k": "start", "v": 9}\n{"t": 1, "k": "key"}\n', "recording version 9; this mrconsole reads 1 and 2"),
        ('{"t": 1, "k": "start", "v": 1}\n', "no keyframe"),
        ('{"t": 1, "k": "start", "v": 1}\nnot json\n{"t": 2, "k": "end"}\n', ":2: not a recording's line"),
    ],
)
def test_a_file_that_is_not_a_recording_is_one_line(tmp_path, text, said):
    path = tmp_path / "x.jsonl"
    path.write_text(text)
    with pytest.raises(RecordingError) as info:
        Recording(path)
    assert said in str(info.value) and "\n" not in str(info.value)


def test_a_recording_names_only_mrconsoles_classes(tmp_path):
    path = tmp_path / "x.jsonl"
    bad = {"__dc__": "subprocess:Popen", "args": "true"}
    path.write_text(
        '{"t": 1, "k": "start", "v": 1, "region_names": ["R1"]}\n'
        + json.dumps({"t": 1, "k": "key", "regions": [bad], "health": [], "master": None})
        + "\n"
    )
    with pytest.raises(RecordingError) as info:
        PlaybackSession(Recording(path))
    assert "only hold mrconsole's dataclasses, not subprocess" in str(info.value)


def test_a_replay_reads_nothing_from_heat_and_acts_on_nothing(tmp_path):
    from mrconsole.core.errors import CloudError

    path = tmp_path / "night.jsonl"
    _night(path, Clock())
    session = PlaybackSession(Recording(path))
    with pytest.raises(CloudError, match="not in the recording"):
        import asyncio

        asyncio.run(session.describe("R1", "a"))
    with pytest.raises(CloudError, match="acts on nothing"):
        session.actions(read_only=True)


@pytest.mark.parametrize(
    "argv, said",
    [
        (["replay", "/nonexistent/night.jsonl"], "/nonexistent/night.jsonl: cannot read it"),
        (["record", "/nonexistent/night.jsonl", "--lab"], "/nonexistent/night.jsonl: cannot record there"),
        (["replay", "FILE", "--speed", "100"], "--speed must be between 0.25 and 64"),
    ],
)
def test_the_command_line_refuses_in_one_line(tmp_path, argv, said):
    import subprocess
    import sys

    path = tmp_path / "night.jsonl"
    _night(path, Clock())
    argv = [str(path) if a == "FILE" else a for a in argv]
    done = subprocess.run([sys.executable, "-m", "mrconsole", *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_first_full_keyframe_is_written_once_every_region_has_answered(tmp_path):
    """The start's keyframe holds nothing yet; a seek must not replay the whole first load."""
    path = tmp_path / "load.jsonl"
    live = LiveStandIn()
    clock = Clock()
    rec = Recorder(live, path, clock=clock)
    rec.start()
    clock.t = 1001
    live.regions["R1"].fetched_at = 1001
    live.publish(StackChanges("R1", added=(_stack("R1", "a", "CREATE_COMPLETE"),), full=True))
    live.regions["R2"].fetched_at = 1002
    live.publish(StackChanges("R2", added=(_stack("R2", "b", "CREATE_COMPLETE"),), full=True))
    live.publish(StackChanges("R2", changed=(_stack("R2", "b", "UPDATE_COMPLETE"),)))
    rec.close()
    records = [json.loads(line) for line in path.read_text().splitlines()]
    keys = [r for r in records if r["k"] == "key"]
    assert [r["k"] for r in records] == ["start", "key", "stacks", "stacks", "key", "stacks", "end"]
    assert len(keys[0]["regions"]) == 2 and "web-b" in json.dumps(keys[1]) and "web-b" not in json.dumps(keys[0])


# -- the master as patches (version 2) -------------------------------------------------------------------------
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from("abcd"), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(old=_json, new=_json)
def test_a_patch_turns_one_document_into_the_other_and_is_left_as_it_was(old, new):
    ops = json_diff(old, new)
    kept = json.dumps(ops)
    assert json_patch(json.loads(json.dumps(old)), ops) == new
    assert json.dumps(ops) == kept  # applied, not consumed: a seek back applies it again
    assert (ops == []) == (old == new)


@pytest.mark.parametrize(
    "ops",
    [[[["topology", "nope"], 1]], [[["a", 5], 1]], [[["a", "x", "y"], 1]], [["not", "a", "pair"]], [[[{}], 1]]],
)
def test_a_patch_that_does_not_fit_is_a_codec_error(ops):
    with pytest.raises(CodecError):
        json_patch({"a": [1, 2], "topology": {"x": 1}}, ops)


def test_the_night_recorded_again_writes_the_master_as_patches_and_replays_the_same(tmp_path):
    """The snapshot tier's night (tests/screens/data/night.jsonl: a rollout, the master read every few seconds)
    replayed into a Recorder, as a live session would feed it: the master is written whole once, then as
    patches, in under a fifth of the bytes it takes written whole at each change, and the replay of the new
    file holds the same master at every moment the master changed, forward, by seek and after a seek back."""
    import dataclasses

    from mrconsole.core.live.codec import encode
    from tests.screens.replay import DATA

    night = Recording(DATA / "night.jsonl")
    play = PlaybackSession(night)
    now = [night.start]
    path = tmp_path / "again.jsonl"
    recorder = Recorder(play, path, clock=lambda: now[0])
    recorder.start()
    masters = []
    for record in night.records[night.keys[0] + 1 :]:
        now[0] = record["t"]
        play.advance(record["t"])
        if record["k"].startswith("master") and play.master is not None:
            masters.append((record["t"], encode(dataclasses.replace(play.master, analysis=None))))
    recorder.close()

    again = Recording(path)
    assert again.head["v"] == 2
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert sum(r["k"] == "master-patch" for r in lines) >= 30, [r["k"] for r in lines]
    written = sum(len(json.dumps(r, separators=(",", ":"))) for r in lines if r["k"] in ("master", "master-patch"))
    whole = sum(len(json.dumps(m, separators=(",", ":"))) for _, m in masters)
    assert written * 5 < whole, (written, whole)
    replay = PlaybackSession(again)
    assert len(masters) >= 40
    for t, master in masters:
        replay.seek(t)
        assert encode(dataclasses.replace(replay.master, analysis=None)) == master, t
    # Forward after a seek back: the patches were not spent by the first pass.
    replay.seek(again.start)
    replay.advance(masters[-1][0])
    assert encode(dataclasses.replace(replay.master, analysis=None)) == masters[-1][1]


def test_a_version_1_recording_still_reads(tmp_path):
    """Version 1 wrote the master whole at every change; its files replay as they did."""
    from mrconsole.core.live.codec import encode
    from mrconsole.core.live.session import MasterView

    master = encode(MasterView(name="web", region="R1"))
    path = tmp_path / "v1.jsonl"
    lines = [
        {"t": 1, "k": "start", "v": 1, "cloud": "prod", "region_names": ["R1"], "master": "web"},
        {"t": 1, "k": "key", "regions": [encode(RegionView("R1"))], "health": [], "master": None},
        {"t": 2, "k": "master", "master": master},
        {"t": 3, "k": "master-at", "fetched_at": 3.0},
        {"t": 4, "k": "end"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    replay = PlaybackSession(Recording(path))
    replay.advance(3)
    assert replay.master is not None and (replay.master.name, replay.master.fetched_at) == ("web", 3.0)


def test_a_keyframe_met_going_forward_is_the_base_of_the_patches_after_it(tmp_path):
    """The session changes its master in place and publishes MasterChanged once it has read all of it; a
    keyframe written in between (here the first full one, when the last region answers) holds the master as
    it is then, and the recorder's next patch follows that keyframe. A replay going forward through the
    keyframe must take its master too, or the patch does not fit (stop 56's CI: IndexError in a master-patch)."""
    import dataclasses

    from mrconsole.core.live.changes import MasterChanged
    from mrconsole.core.live.codec import encode
    from mrconsole.core.live.session import MasterView
    from mrconsole.models import Resource

    def res(name, status):
        return Resource("R1", "s1", "web", name, "OS::Heat::Stack", status)

    path = tmp_path / "inplace.jsonl"
    live = LiveStandIn()
    clock = Clock()
    live.master = MasterView(name="web", region="R1", resources={"s1": [res("one", "CREATE_COMPLETE")]})
    rec = Recorder(live, path, clock=clock)
    rec.start()
    clock.t = 1001
    live.master.resources["s1"] = [res("one", "UPDATE_IN_PROGRESS"), res("two", "CREATE_IN_PROGRESS")]
    for region in live.region_names:  # not yet published: the last region's answer writes the full keyframe
        live.regions[region].fetched_at = 1001
        live.publish(StackChanges(region, added=(_stack(region, f"x{region}", "CREATE_COMPLETE"),), full=True))
    clock.t = 1002
    live.publish(MasterChanged("web"))
    clock.t = 1003
    live.master.resources["s1"] = [res("one", "UPDATE_COMPLETE"), res("two", "CREATE_COMPLETE")]
    live.publish(MasterChanged("web"))
    rec.close()
    kinds = [json.loads(line)["k"] for line in path.read_text().splitlines()]
    assert kinds.count("key") == 2 and "master-patch" in kinds, kinds
    want = encode(dataclasses.replace(live.master, analysis=None))

    forward = PlaybackSession(Recording(path))
    forward.advance(1003)
    assert encode(dataclasses.replace(forward.master, analysis=None)) == want
    stepped = PlaybackSession(Recording(path))
    while stepped.step():
        pass
    assert encode(dataclasses.replace(stepped.master, analysis=None)) == want
