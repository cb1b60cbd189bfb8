"""A flight recording played back (core/live/recording.py): the console's session, as it was, moment by moment.

`mrconsole replay FILE` opens the console on a `PlaybackSession`: it answers the screens as the live session
did (the regions' stacks, health, the master, the events) at `position`, a moment of the recording, and
publishes the same changes the live session published as time moves on, so every screen that follows
changes moves with it. Nothing is sent anywhere: it acts on nothing (read-only), and what a screen would read
from Heat on demand (a stack's resources, a why) is not in a recording and says so.

Time: `advance(t)` applies the records up to t, O(records applied); `seek(t)` goes back to the last keyframe
before t and applies forward from it, O(records since that keyframe <= KEY_EVERY seconds of them);
`step()` applies the next record. The console's playback keys drive these (tui/app.py).
"""

from __future__ import annotations

import copy
import json
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mrconsole.core.errors import CloudError
from mrconsole.core.live.changes import (
    ActionTaken,
    EventsArrived,
    HealthChanged,
    MasterChanged,
    RegionStatus,
    TimelineRewound,
)
from mrconsole.core.live.codec import CodecError, decode, json_patch
from mrconsole.core.live.events import Timeline
from mrconsole.core.live.recording import READS, RecordingError
from mrconsole.core.live.session import RegionView, auth_error_in, down_in, owner_by_name
from mrconsole.core.live.watch import StackChanges
from mrconsole.core.text import printable

NOT_RECORDED = "not in the recording: a replay shows what the console saw, and reads nothing from Heat"


class Recording:
    """A recording file read back: its start record, its records in order, where its keyframes are. A last line
    cut short (the recorder was killed mid-write) is left out; anything else malformed is a one-line error."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise RecordingError(f"{self.path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
        records: list[dict[str, Any]] = []
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                if number == len(lines):
                    break  # cut short by a kill: everything before it stands
                raise RecordingError(f"{self.path}:{number}: not a recording's line") from None
            if not isinstance(record, dict) or not isinstance(record.get("t"), (int, float)) or "k" not in record:
                raise RecordingError(f"{self.path}:{number}: not a recording's line")
            records.append(record)
        if not records or records[0]["k"] != "start":
            raise RecordingError(f"{self.path}: not a mrconsole recording (no start record)")
        if records[0].get("v") not in READS:
            raise RecordingError(
                f"{self.path}: recording version {records[0].get('v')!r}; this mrconsole reads "
                + " and ".join(str(v) for v in READS)
            )
        self.head = records[0]
        self.records = records[1:]
        self.times = [r["t"] for r in self.records]
        self.keys = [i for i, r in enumerate(self.records) if r["k"] == "key"]
        if not self.keys:
            raise RecordingError(f"{self.path}: no keyframe: nothing to show")
        self.start = self.records[self.keys[0]]["t"]
        self.end = self.records[-1]["t"]
        self.ended = self.records[-1]["k"] == "end"

    @property
    def cloud(self) -> str:
        return str(self.head.get("cloud", ""))

    @property
    def region_names(self) -> list[str]:
        return [str(r) for r in self.head.get("region_names", [])]


class PlaybackSession:
    """The core's live view, from a recording (mypy checks it against `Session`: `_VIEW` below)."""

    def __init__(self, recording: Recording):
        self.recording = recording
        self.cache_error = ""
        self.protected: frozenset[str] = frozenset()
        self.read_only_regions: frozenset[str] = frozenset()
        self.identity = None
        self.playing = False
        self.speed = 1.0
        self._listeners: list[Callable[[Any], None]] = []
        self._reset_state()
        self.position = recording.start
        self._next = 0
        self._apply_until(recording.start, publish=False)

    # -- the state at `position` ------------------------------------------------------
    def _reset_state(self) -> None:
        self.regions: dict[str, RegionView] = {r: RegionView(r) for r in self.recording.region_names}
        self._health: list = []
        self.master = None
        self._master_doc: Any = None  # the master's view as recorded (encoded): what a patch applies to
        self._timeline = Timeline()
        self._names: Counter | None = None

    def _load_key(self, index: int) -> None:
        record = self.recording.records[index]
        try:
            regions = decode(record["regions"])
            self._health = decode(record["health"])
            self._take_master(record.get("master"))
        except (CodecError, KeyError, TypeError) as exc:
            raise RecordingError(f"{self.recording.path}: a keyframe is damaged ({exc})") from None
        self.regions = {v.region: v for v in regions}
        self._names = None
        for view in self.regions.values():
            view._ordered = None
        self._next = index + 1

    def _apply(self, record: dict[str, Any], publish: bool) -> None:
        kind = record["k"]
        change: Any = None
        try:
            if kind == "stacks":
                view = self.regions.setdefault(record["region"], RegionView(record["region"]))
                up = decode(record["up"])
                added = tuple(s for s in up if s.id not in view.by_id)
                changed = tuple(s for s in up if s.id in view.by_id)
                removed = tuple(view.by_id[i] for i in record["rm"] if i in view.by_id)
                for s in removed:
                    del view.by_id[s.id]
                for s in up:
                    view.by_id[s.id] = s
                view._ordered = None
                self._names = None
                view.fetched_at, view.error = record.get("fetched_at"), record.get("error")
                change = StackChanges(record["region"], added, changed, removed)
            elif kind == "region":
                view = self.regions.setdefault(record["region"], RegionView(record["region"]))
                view.error, view.fetched_at = record.get("error"), record.get("fetched_at")
                change = RegionStatus(record["region"], record.get("error"))
            elif kind == "health":
                before = {h.region: h for h in self._health}
                self._health = decode(record["health"])
                moved = [h.region for h in self._health if before.get(h.region) != h]
                if publish:
                    for region in moved:
                        self._publish(HealthChanged(region))
            elif kind == "events":
                events = decode(record["events"])
                self._timeline.add(events)
                change = EventsArrived(tuple(events))
            elif kind == "master":
                change = self._take_master(record.get("master"))
            elif kind == "master-patch":
                # O(what changed) to patch, O(the view) to decode: as the live session builds a new view.
                self._master_doc = json_patch(self._master_doc, record["ops"])
                self.master = decode(self._master_doc)
                change = MasterChanged(self.master.name if self.master else "")
            elif kind == "action":
                change = ActionTaken(decode(record["result"]))
            elif kind == "master-at":
                if self.master is not None:
                    self.master.fetched_at = record.get("fetched_at")
                    if isinstance(self._master_doc, dict):
                        self._master_doc["fetched_at"] = record.get("fetched_at")
                    change = MasterChanged(self.master.name)
            elif kind == "key":
                change = self._keyframe_in_place(record)
        except (CodecError, KeyError, TypeError) as exc:
            raise RecordingError(f"{self.recording.path}: a {kind} record is damaged ({exc})") from None
        if publish and change is not None:
            self._publish(change)

    def _keyframe_in_place(self, record: dict[str, Any]) -> MasterChanged | None:
        """A keyframe met while moving forward: its regions are the state already built (the recorder wrote
        each stack change before it), so only their fetch times are taken. Its master is taken whole when it
        differs from ours: the session changes its master in place and says so once it has read all of it, so
        a keyframe written in between holds a master no record announced, and the recorder's next patch
        follows that one. O(the keyframe) to compare; a MasterChanged when the master moved."""
        for view in decode(record["regions"]):
            mine = self.regions.get(view.region)
            if mine is not None:
                mine.fetched_at, mine.error = view.fetched_at, view.error
        doc = record.get("master")
        return None if doc == self._master_doc else self._take_master(doc)

    def _take_master(self, doc: Any) -> MasterChanged:
        """The master's view whole, as recorded: a copy, since the patches that follow change it in place."""
        self._master_doc = copy.deepcopy(doc)
        self.master = decode(self._master_doc)
        return MasterChanged(self.master.name if self.master else "")

    def _apply_until(self, t: float, publish: bool) -> int:
        records = self.recording.records
        applied = 0
        while self._next < len(records) and records[self._next]["t"] <= t:
            self._apply(records[self._next], publish)
            self._next += 1
            applied += 1
        self.position = max(self.position, t) if publish else t
        return applied

    # -- moving in time ---------------------------------------------------------------
    def advance(self, t: float) -> int:
        """Forward to `t` (clamped to the recording's end), publishing each change. Returns records applied."""
        t = min(t, self.recording.end)
        if t < self.position:
            self.seek(t)
            return 0
        applied = self._apply_until(t, publish=True)
        if self.position >= self.recording.end:
            self.playing = False
        return applied

    def step(self) -> bool:
        """The next record, and the position at its time. False at the end."""
        records = self.recording.records
        if self._next >= len(records):
            self.playing = False
            return False
        record = records[self._next]
        self._apply(record, True)
        self._next += 1
        self.position = record["t"]
        return True

    def seek(self, t: float) -> None:
        """Anywhere in the recording: rebuilt from the last keyframe before it; the screens are told what
        differs from what they show (each region's stacks, every region's health, the master, the events)."""
        t = max(self.recording.start, min(t, self.recording.end))
        before = {r: dict(v.by_id) for r, v in self.regions.items()}
        key = self.recording.keys[max(0, bisect_right([self.recording.times[k] for k in self.recording.keys], t) - 1)]
        self._load_key(key)
        self._timeline = Timeline()
        # Events are not in keyframes (a buffer of them would be the file's bulk): every one up to t.
        for record in self.recording.records[: bisect_right(self.recording.times, t)]:
            if record["k"] == "events":
                self._timeline.add(decode(record["events"]))
        records = self.recording.records
        while self._next < len(records) and records[self._next]["t"] <= t:
            if records[self._next]["k"] != "events":
                self._apply(records[self._next], publish=False)
            self._next += 1
        self.position = t
        for region, view in self.regions.items():
            old = before.get(region, {})
            added = tuple(s for i, s in view.by_id.items() if i not in old)
            changed = tuple(s for i, s in view.by_id.items() if i in old and old[i] != s)
            removed = tuple(s for i, s in old.items() if i not in view.by_id)
            self._publish(StackChanges(region, added, changed, removed))
            self._publish(RegionStatus(region, view.error))
            self._publish(HealthChanged(region))
        self._publish(MasterChanged(self.master.name if self.master else ""))
        self._publish(TimelineRewound())

    # -- what is known now ------------------------------------------------------------
    @property
    def cloud_name(self) -> str:
        return self.recording.cloud

    @property
    def region_names(self) -> list[str]:
        return self.recording.region_names

    @property
    def auth_error(self) -> str:
        return auth_error_in(self.regions)

    @property
    def notices(self) -> list[str]:
        return [f"replaying {printable(str(self.recording.path))}: read-only; p plays, . steps, [ ] seek a minute"]

    def health(self):
        return list(self._health)

    def down_regions(self) -> dict[str, str]:
        return down_in(self.health())

    def region_down(self, region: str) -> str:
        return self.down_regions().get(region, "")

    def refused(self, region: str, requests) -> tuple[dict[str, str], list[str]]:
        return {r: "a replay acts on nothing" for r in requests}, []

    async def ask_refused(self, region: str, requests) -> dict[str, str]:
        return self.refused(region, requests)[0]

    def stack(self, region, stack_id):
        view = self.regions.get(region)
        return view.by_id.get(stack_id) if view else None

    def find(self, name_or_id):
        return next((s for v in self.regions.values() for s in v.stacks if name_or_id in (s.name, s.id)), None)

    def owner_of(self, region, stack):
        """Asked once per row shown: the name counts are made once per change of the stacks, not per row."""
        if self._names is None:
            self._names = Counter(s.name for v in self.regions.values() for s in v.by_id.values())
        return owner_by_name(self.master, self._names, stack)

    def events(self):
        return self._timeline.events()

    def stream_stats(self) -> dict:
        return {"events": len(self._timeline.events()), "dropped": 0}

    # -- life: time is driven by the console's playback keys --------------------------
    def subscribe(self, callback) -> None:
        self._listeners.append(callback)

    def _publish(self, change) -> None:
        for cb in list(self._listeners):
            cb(change)

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        self.playing = False

    def refresh_now(self) -> None:
        pass

    def look_at(self, region: str, stack_id: str) -> None:
        pass

    def look_away(self, region: str, stack_id: str) -> None:
        pass

    def follow_master(self, name, region=None):
        raise CloudError("unsupported", NOT_RECORDED)

    def actions(self, read_only: bool):
        raise CloudError("unsupported", "a replay acts on nothing")

    def __getattr__(self, name: str):
        """Every read a screen would make of Heat on demand (describe, why, outputs, ...): said, not faked."""
        if name.startswith("_"):
            raise AttributeError(name)

        async def not_recorded(*args, **kwargs):
            raise CloudError("unsupported", NOT_RECORDED)

        return not_recorded
