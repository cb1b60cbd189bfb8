"""Live multi-region event streams: incremental, adaptive, merged.

Cost model, per region:
- one cheap *watch* request every `watch_interval` (the stack list, filtered
  to the stacks followed there), which notices any stack whose status or
  updated time changed;
- event requests only for stacks that are IN_PROGRESS (every
  `fast_interval`) or that the watch just saw change; idle stacks are not
  polled otherwise (or every `idle_interval` if the watch cannot run);
- every event request asks only for what follows the last event id seen
  (ascending order, `marker`), so no event is fetched twice.
An idle region therefore costs 60/watch_interval requests a minute.

A region that goes down keeps its markers; when it returns, polling resumes
from them. Where events may have been lost (marker gone, stack replaced),
a gap event says so.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError
from mrconsole.models import Event, Stack


@dataclass
class StreamConfig:
    fast_interval: float = 1.0      # IN_PROGRESS stacks
    idle_interval: float = 15.0     # idle stacks, only when the watch is unavailable
    watch_interval: float = 1.2     # the cheap per-region change detector
    nested_depth: int = 0
    buffer_size: int = 50_000
    page_limit: int = 200
    all_stacks: bool = False        # follow every stack in the regions (new ones too)
    backlog_discovered: bool = True # read the history of stacks found by the watch


@dataclass
class Followed:
    region: str
    name: str
    id: str
    marker: str | None = None
    status: str = ""
    updated: object = None
    due: float = 0.0                # monotonic time of the next event poll
    primed: bool = False            # first poll done
    gone: bool = False              # deleted: polled one last time, then dropped
    last_polled: float = 0.0
    pending: bool = True            # its status changed and its events are not read yet
    backlog: bool = True            # read its history, or only what happens from now on

    @property
    def key(self) -> tuple[str, str]:
        return (self.region, self.id)

    @property
    def in_progress(self) -> bool:
        # A stack gone from the list (deleted) has no action left running.
        return not self.gone and self.status.endswith("_IN_PROGRESS")


class Timeline:
    """The merged stream: deduplicated by event id, ordered by time then arrival, bounded."""

    def __init__(self, capacity: int = 50_000):
        self.capacity = capacity
        self._items: list[tuple] = []      # (time, arrival, event)
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._arrival = itertools.count()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def events(self) -> list[Event]:
        return [item[2] for item in self._items]

    def seen(self, event_id: str) -> bool:
        return event_id in self._seen

    def add(self, events: list[Event]) -> list[Event]:
        """Insert; returns the events that were new."""
        fresh = []
        for e in events:
            if e.id in self._seen:
                continue
            self._seen[e.id] = None
            ts = e.time.timestamp() if e.time else time.time()
            bisect.insort(self._items, (ts, next(self._arrival), e), key=lambda it: (it[0], it[1]))
            fresh.append(e)
        overflow = len(self._items) - self.capacity
        if overflow > 0:
            del self._items[:overflow]
            self.dropped += overflow
        # The id memory is bounded too; ids older than twice the buffer are
        # behind every marker and cannot come back.
        while len(self._seen) > 2 * self.capacity:
            self._seen.popitem(last=False)
        return fresh


def gap_event(f: Followed, reason: str) -> Event:
    return Event(region=f.region, stack_id=f.id, stack_name=f.name, id=f"gap-{uuid.uuid4()}",
                 time=datetime.now(timezone.utc), resource_name=f.name, status="GAP",
                 status_reason=reason, kind="gap")


class EventStream:
    def __init__(self, fleet, config: StreamConfig | None = None, clock=time.monotonic):
        self.fleet = fleet
        self.config = config or StreamConfig()
        self.timeline = Timeline(self.config.buffer_size)
        self._followed: dict[tuple[str, str], Followed] = {}
        self._regions: set[str] = set()
        self._listeners = []
        self._clock = clock
        self.requests: dict[str, int] = {}
        self._wake: dict[str, asyncio.Event] = {}

    # -- what to follow ------------------------------------------------------
    def follow(self, region: str, name: str, stack_id: str, status: str = "", updated=None,
               backlog: bool = True) -> None:
        key = (region, stack_id)
        existing = self._followed.get(key)
        if existing is None:
            self._followed[key] = Followed(region, name, stack_id, status=status, updated=updated,
                                           backlog=backlog)
            self._regions.add(region)
        elif backlog and not existing.backlog:
            # Found first by the watch (history skipped); now its history is wanted.
            existing.backlog, existing.marker, existing.due = True, None, 0.0
        else:
            return
        if region in self._wake:
            self._wake[region].set()

    def follow_region(self, region: str) -> None:
        self._regions.add(region)

    def followed(self) -> list[Followed]:
        return list(self._followed.values())

    def subscribe(self, callback) -> None:
        """callback(list[Event]) with each batch of new events."""
        self._listeners.append(callback)

    def _publish(self, events: list[Event]) -> None:
        fresh = self.timeline.add(events)
        if fresh:
            for cb in list(self._listeners):
                cb(fresh)

    # -- running -------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Follow until stop is set: one task per region, none waits on another."""
        tasks = {}
        try:
            while not stop.is_set():
                for region in list(self._regions):
                    if region not in tasks:
                        self._wake[region] = asyncio.Event()
                        tasks[region] = asyncio.create_task(self._region_loop(region, stop))
                try:
                    await asyncio.wait_for(stop.wait(), 0.5)
                except asyncio.TimeoutError:
                    pass
        finally:
            for t in tasks.values():
                t.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)

    async def poll_once(self) -> None:
        """One round for every region (used for a non-following read)."""
        await asyncio.gather(*(self._poll_region(r, force=True) for r in list(self._regions)))

    async def _region_loop(self, region: str, stop: asyncio.Event) -> None:
        next_watch = 0.0
        while not stop.is_set():
            now = self._clock()
            watched_ok = True
            try:
                if now >= next_watch:
                    watched_ok = await self._watch(region)
                    next_watch = self._clock() + self.config.watch_interval
                await self._poll_region(region, watch_ok=watched_ok)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - one bad answer must not end the stream
                next_watch = self._clock() + self.config.watch_interval
            due = [f.due for f in self._followed.values() if f.region == region and not f.gone]
            wake_at = min([next_watch, *due]) if due else next_watch
            delay = max(0.05, wake_at - self._clock())
            wake = self._wake.setdefault(region, asyncio.Event())
            wake.clear()
            try:
                await asyncio.wait_for(wake.wait(), delay)
            except asyncio.TimeoutError:
                pass

    def _count(self, region: str) -> None:
        self.requests[region] = self.requests.get(region, 0) + 1

    async def _watch(self, region: str) -> bool:
        """One stack list for the region: who changed, who is in progress, who is new."""
        client = self.fleet.region(region)
        mine = {f.id: f for f in self._followed.values() if f.region == region}
        filters = None if self.config.all_stacks else {"id": list(mine)}
        if not self.config.all_stacks and not mine:
            return True
        self._count(region)
        try:
            stacks: list[Stack] = await client.list_stacks(filters=filters)
        except CloudError:
            return False
        now = self._clock()
        listed = {s.id: s for s in stacks}
        for s in stacks:
            f = mine.get(s.id)
            if f is None:
                if self.config.all_stacks:
                    self.follow(region, s.name, s.id, status="", updated=None,
                                backlog=self.config.backlog_discovered)
                    f = self._followed[(region, s.id)]
                    f.due = now
                continue
            changed = (s.status, s.updated_time) != (f.status, f.updated)
            if changed:
                f.pending = True
            if changed or s.in_progress:
                # Completion events land just after the status flips: poll now.
                if changed or f.due > now + self.config.fast_interval:
                    f.due = now
            f.status, f.updated = s.status, s.updated_time
        for sid, f in mine.items():
            if sid not in listed and f.primed and not f.gone:
                # Deleted (or filtered away): read what is left once, then stop.
                f.gone = True
                f.pending = True
                f.due = now
        return True

    async def _poll_region(self, region: str, force: bool = False, watch_ok: bool = True) -> None:
        now = self._clock()
        for f in [f for f in self._followed.values() if f.region == region]:
            if f.gone and f.primed and f.last_polled >= f.due:
                continue
            if not force and f.primed and f.due > now:
                continue
            ok = await self._poll_stack(f)
            if not ok:
                return  # the region is failing: keep markers, try again next round
            f.last_polled = self._clock()
            if f.gone:
                f.due = float("inf")
            elif f.in_progress:
                f.due = f.last_polled + self.config.fast_interval
            elif watch_ok:
                f.due = float("inf")  # the watch will say when it changes
            else:
                f.due = f.last_polled + self.config.idle_interval

    async def _poll_stack(self, f: Followed) -> bool:
        client = self.fleet.region(f.region)
        if not f.primed and not f.backlog:
            # Stand on its newest event without showing history.
            self._count(f.region)
            try:
                newest = await client.events(f.name, f.id, limit=1, sort_dir="desc")
            except CloudError as exc:
                if exc.kind != errors.NOT_FOUND:
                    return False
                newest = []
            f.marker = newest[0].id if newest else None
            f.primed, f.pending = True, False
            return True
        batch: list[Event] = []
        while True:
            self._count(f.region)
            asked_after = f.marker
            try:
                page = await client.events(f.name, f.id, marker=f.marker, limit=self.config.page_limit,
                                           sort_dir="asc", nested_depth=self.config.nested_depth or None)
            except CloudError as exc:
                if exc.kind == errors.NOT_FOUND:
                    f.gone = True
                    f.primed = True
                    break
                if batch:
                    self._publish(batch)
                return False
            if asked_after and page and self.timeline.seen(page[0].id):
                # Heat ignores a marker it no longer knows and answers from the
                # start: the event we stood on was purged, so others may be too.
                batch.append(gap_event(f, "events may have been missed: the last event seen is gone "
                                          "(purged or replaced); the stream resumed after it"))
            batch.extend(page)
            if page:
                f.marker = page[-1].id
            if len(page) < self.config.page_limit:
                break
        f.primed = True
        f.pending = False
        own = [e for e in batch if e.kind == "event" and e.resource_name == f.name]
        if f.gone and own:
            f.status = own[-1].status   # e.g. DELETE_COMPLETE: the list no longer says it
        if batch:
            self._publish(batch)
        return True

    async def discover(self) -> None:
        """One watch per region now (finds the stacks to follow in all-stacks mode)."""
        await asyncio.gather(*(self._watch(r) for r in list(self._regions)))

    # -- state for callers ---------------------------------------------------
    def stats(self) -> dict:
        return {"events": len(self.timeline), "dropped": self.timeline.dropped,
                "requests": dict(self.requests)}

