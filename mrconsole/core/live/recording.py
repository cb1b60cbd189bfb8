"""The flight recorder: what the console saw, written as it happens, for the post-mortem.

`mrconsole record FILE` (headless) and `mrconsole console --record FILE` attach a `Recorder` to the live
session. It writes one JSON line per record (core/live/codec.py: the core's own dataclasses), flushed at least
once a second, so a recording cut short by a crash or a kill is readable up to its last second:

    {"k": "start", "t": T, "v": 1, "cloud": ..., "region_names": [...], "master": NAME}
    {"k": "key", "t": T, "regions": [RegionView...], "health": [...], "master": MasterView}
                          at the start, once every region has answered, then every KEY_EVERY s
    {"k": "stacks", "t": T, "region": R, "up": [Stack...], "rm": [id...], "fetched_at": ..., "error": ...}
    {"k": "region", "t": T, "region": R, "error": ..., "fetched_at": ...}
    {"k": "health", "t": T, "health": [HealthSnapshot...]}       when a region's state or latency band moved
    {"k": "events", "t": T, "events": [Event...]}
    {"k": "master", "t": T, "master": MasterView}                the master's view, whole (the first, another)
    {"k": "master-patch", "t": T, "ops": [[path, value]...]}     the values of it that changed (codec.json_diff)
    {"k": "master-at", "t": T, "fetched_at": T'}                 read again, unchanged
    {"k": "action", "t": T, "result": ActionResult}              the console's own action, and Heat's answer
    {"k": "end", "t": T}

Cost: O(what changed) per change (a region's changed stacks, the new events), and O(regions) per change until
every region has answered once; a quiet cloud writes only its keyframes (each O(stacks), every KEY_EVERY
seconds) and a health line when a latency doubles or halves.
Nothing is read from Heat for it: the recorder sees what the session already has. Secrets: what the
session holds is what the screens show (hidden parameters are Heat's `******`); no token is in it.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from pathlib import Path
from typing import IO, Any

from mrconsole.core.live.changes import ActionTaken, EventsArrived, HealthChanged, MasterChanged, RegionStatus
from mrconsole.core.live.codec import encode, json_diff
from mrconsole.core.live.watch import StackChanges

VERSION = 2  # 2: the master as patches ("master-patch"); a version-1 file is read all the same
READS = (1, 2)
KEY_EVERY = 600.0  # seconds between keyframes: a seek replays at most this much
FLUSH_EVERY = 1.0  # seconds: what a crash may lose at most
PATCH_AT_MOST = 2  # a master's patch is written when it is under 1/PATCH_AT_MOST of the whole view


class RecordingError(Exception):
    one_line = True


def _band(latency_ms: float | None) -> int | None:
    """Latency in doubling bands: a recording keeps the header's figure within a factor of two."""
    return None if latency_ms is None else int(math.log2(max(latency_ms, 1.0)))


def check_writable(path: Path | str) -> None:
    """Before a console starts: the file can be made (0600) where asked, or one line saying why not."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError as exc:
        raise RecordingError(f"{path}: cannot record there ({exc.strerror})") from None


class Recorder:
    def __init__(self, session, path: Path | str, clock=time.time):
        self.session = session
        self.path = Path(path)
        self._clock = clock
        self._out: IO[str] | None = None
        self._flushed = 0.0
        self._keyed = 0.0
        self._bands: dict[str, tuple] = {}
        self._master_doc: Any = None  # the master's view as last written (encoded), what a patch follows
        self._loaded = False  # every region listed once: the keyframe a seek starts from is written then
        self.records = 0
        self.bytes = 0

    # -- life --------------------------------------------------------------------
    def start(self) -> None:
        """Open the file (private: it holds what the screens showed) and write the start and a keyframe."""
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as exc:
            raise RecordingError(f"{self.path}: cannot record there ({exc.strerror})") from None
        self._out = os.fdopen(fd, "w", encoding="utf-8")
        s = self.session
        master = s.master.name if s.master is not None else None
        self._write({"k": "start", "v": VERSION, "cloud": s.cloud_name, "region_names": list(s.region_names),
                     "master": master})  # fmt: skip
        self._key()
        s.subscribe(self.on_change)

    def close(self) -> None:
        if self._out is None:
            return
        self._write({"k": "end"})
        self._out.close()
        self._out = None

    # -- what the session said -----------------------------------------------------
    def on_change(self, change) -> None:
        """Each change the session publishes, O(its size)."""
        if self._out is None:
            return
        now = self._clock()
        if isinstance(change, StackChanges):
            view = self.session.regions.get(change.region)
            self._write(
                {
                    "k": "stacks",
                    "region": change.region,
                    "up": encode(list(change.added + change.changed)),
                    "rm": [s.id for s in change.removed],
                    "fetched_at": view.fetched_at if view else None,
                    "error": view.error if view else None,
                }
            )
        elif isinstance(change, RegionStatus):
            view = self.session.regions.get(change.region)
            self._write(
                {"k": "region", "region": change.region, "error": change.error,
                 "fetched_at": view.fetched_at if view else None}
            )  # fmt: skip
        elif isinstance(change, HealthChanged):
            self._health(change.region)
        elif isinstance(change, EventsArrived) and change.events:
            self._write({"k": "events", "events": encode(list(change.events))})
        elif isinstance(change, MasterChanged):
            self._master()
        elif isinstance(change, ActionTaken):
            self._write({"k": "action", "result": encode(change.result)})
        if not self._loaded and all(v.fetched_at is not None for v in self.session.regions.values()):
            # The start's keyframe holds what the console knew before its first look (nothing): the first
            # full one is written as soon as every region has answered, so a seek never replays the whole load.
            self._loaded = True
            self._key()
        elif now - self._keyed >= KEY_EVERY:
            self._key()
        if now - self._flushed >= FLUSH_EVERY and self._out is not None:
            self._out.flush()
            self._flushed = now

    def _health(self, region: str) -> None:
        snaps = self.session.health()
        mine = next((h for h in snaps if h.region == region), None)
        if mine is None:
            return
        band = (mine.state, _band(mine.latency_ms), mine.last_error, mine.down_since)
        if self._bands.get(region) == band:
            return
        self._bands[region] = band
        self._write({"k": "health", "health": encode(list(snaps))})

    def _master(self) -> None:
        """The master's view, as what moved since the one written before: its read time alone (a master is
        read every few seconds and mostly unchanged: "master-at"), the values that changed ("master-patch",
        core/live/codec.py json_diff), or whole when a patch would not be much smaller (another master, the
        first read). O(its size) to compare; O(what changed) written."""
        doc = self._encoded_master()
        before, self._master_doc = self._master_doc, doc
        if doc is not None and before is not None:
            ops = json_diff(before, doc)
            if all(path == ["fetched_at"] for path, _ in ops):
                self._write({"k": "master-at", "fetched_at": doc.get("fetched_at")})
                return
            patch = json.dumps(ops, separators=(",", ":"))
            if len(patch) * PATCH_AT_MOST < len(json.dumps(doc, separators=(",", ":"))):
                self._write({"k": "master-patch", "ops": ops})
                return
        self._write({"k": "master", "master": doc})

    def _encoded_master(self) -> Any:
        """The master's view as the recorder writes it: without its template analysis (`--template`)."""
        m = self.session.master
        return encode(dataclasses.replace(m, analysis=None)) if m else None

    def _key(self) -> None:
        s = self.session
        self._keyed = self._clock()
        self._master_doc = self._encoded_master()
        for h in s.health():
            self._bands[h.region] = (h.state, _band(h.latency_ms), h.last_error, h.down_since)
        self._write(
            {
                "k": "key",
                "regions": encode([dataclasses.replace(v) for v in s.regions.values()]),
                "health": encode(list(s.health())),
                "master": self._master_doc,
            }
        )

    def _write(self, record: dict[str, Any]) -> None:
        if self._out is None:
            return
        line = json.dumps({"t": round(self._clock(), 3), **record}, separators=(",", ":")) + "\n"
        self._out.write(line)
        self.records += 1
        self.bytes += len(line.encode())
