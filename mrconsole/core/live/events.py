"""Live multi-region event streams: incremental, adaptive, merged.

Two ways to know what changed in a region:
- *all stacks* (the console, `events --all-regions`): a `RegionWatch` keeps
  the region's inventory current with small questions (see core/live/watch.py)
  and says which stacks were added, changed or removed;
- *given stacks* (`events STACK`, `stack ... --wait`): one stack list
  filtered to their ids every `watch_interval`.

Events are read only for stacks that need it:
- a stack with an action running, every `fast_interval`, backing off to
  `quiet_interval` while it stays quiet (a slow resource) and back to fast
  as soon as anything moves;
- a stack the watch saw change, at once;
- a stack the console itself just acted on (`kick`), at once;
- a stack being looked at (`focus`: one named stack followed, a stack's
  detail open in the console): one stack list per region filtered to the
  focused ids every FOLLOW_ONE s, so that an action started elsewhere shows
  within a fraction of a second, at O(regions of focused stacks) requests;
- nothing else: an idle stack costs no event request at all.
Every event request asks only for what follows the last event id seen
(ascending, `marker`). A stack with no marker yet (the console started
after its history) is read newest first down to the stack's own event for
its previous state (or, if that was purged, its previous changed time):
only what is new, with no priming request at start.

Cost per region, with B stacks in progress (q of them quiet) and C stacks
changed per minute, on top of the watch's own cost:

    event requests/min = 60/fast_interval * (B - q) + 60/quiet_interval * q + C

Guarantees: every event once (deduplicated by id), in time order within
the timeline, a gap event when Heat may have dropped some (a purged
marker makes Heat answer from the start). A region that goes down keeps
its markers and resumes from them.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import math
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError
from mrconsole.core.live.watch import RegionWatch, StackChanges, WatchConfig
from mrconsole.errors import INTERNAL_MESSAGE, InternalError
from mrconsole.logs import logger
from mrconsole.models import Event, Stack
from mrconsole.trace import trace, tracing

# After the console acts on a stack: poll it this often, for at most this
# long, until the action's first event shows.
KICK_INTERVAL = 0.1
KICK_WINDOW = 5.0
# A stack being looked at (`events --follow STACK`, `--wait`, a detail screen): its own short cadence.
# Half of it is the mean wait for an action started elsewhere, on top of Heat's own answer times.
FOLLOW_ONE = 0.15

# A wave: changes seen in this many regions or more within the watch's `quiet_after` (core/live/watch.py). One
# region's change says nothing of the others; two say an action is going through the fleet (another operator's
# rollout, a master's update reaching its constituents), and the rest of it is wanted as soon as it comes.
WAVE_REGIONS = 2


def next_look(started: float, ended: float, interval: float) -> float:
    """When a region's next look is due: `interval` from this one's start, not its end (under load a look
    takes a good part of a second, which the wait used to add to the first sight of an action, #37), and
    never sooner than half an interval after its end, so a slow region is not asked back to back."""
    return max(started + interval, ended + interval / 2)


def on_slot(earliest: float, interval: float, slot: float) -> float:
    """The first time at or after `earliest` that is `slot` plus a whole number of `interval`s."""
    return slot + math.ceil((earliest - slot) / interval) * interval


@dataclass
class StreamConfig:
    fast_interval: float = 1.0  # stacks with an action running
    quiet_interval: float = 8.0  # ... that have been quiet for a while
    idle_interval: float = 15.0  # given stacks, only when their watch cannot run
    watch_interval: float = 1.2  # given stacks: the filtered list
    nested_depth: int = 0
    buffer_size: int = 50_000
    page_limit: int = 200
    all_stacks: bool = False  # follow every stack in the regions (new ones too)
    backlog_discovered: bool = True  # read the whole history of stacks already there at start
    watch: WatchConfig = field(default_factory=WatchConfig)

    @classmethod
    def following_one(cls, **kwargs) -> StreamConfig:
        """Given stacks looked at now (`events --follow STACK`, `--wait`): everything on FOLLOW_ONE."""
        return cls(fast_interval=FOLLOW_ONE, watch_interval=FOLLOW_ONE, **kwargs)


@dataclass
class Followed:
    region: str
    name: str
    id: str
    marker: str | None = None
    status: str = ""
    updated: datetime | None = None
    due: float = 0.0  # monotonic time of the next event poll
    primed: bool = False  # first poll done
    gone: bool = False  # deleted: polled one last time, then dropped
    last_polled: float = 0.0
    pending: bool = True  # its status changed and its events are not read yet
    backlog: bool = True  # read its history, or only what happens from now on
    # Without a marker and without backlog: read back to this stack-level status...
    boundary: str | None = None
    boundary_time: datetime | None = None  # ...or, if it was purged, to this time
    boundary_before: datetime | None = None  # the boundary happened before this (the new action's start)
    include_boundary: bool = False  # an action running at start: show it from its beginning
    quiet: int = 0  # polls in a row that found nothing
    hot_until: float = 0.0  # just acted on: poll fast until its first event shows

    @property
    def key(self) -> tuple[str, str]:
        return (self.region, self.id)

    @property
    def in_progress(self) -> bool:
        # A stack gone from the list (deleted) has no action left running.
        return not self.gone and self.status.endswith("_IN_PROGRESS")

    @property
    def unread(self) -> bool:
        """There before the console looked, never read: no marker to go on from."""
        return self.primed and self.marker is None and not self.backlog

    def read_back_to(
        self, status: str | None, since: datetime | None = None, before: datetime | None = None, inclusive: bool = False
    ) -> None:
        """What is new starts after the stack's own `status` event older than
        `before` (or, if that was purged, after `since`); `inclusive` shows that
        event too (an action already running: from its start)."""
        self.boundary, self.boundary_time = status or None, since
        self.boundary_before, self.include_boundary = before, inclusive

    def boundary_reached(self) -> None:
        self.read_back_to(None)


class Timeline:
    """The merged stream: deduplicated by event id, ordered by time then arrival, bounded."""

    def __init__(self, capacity: int = 50_000):
        self.capacity = capacity
        self._items: list[tuple] = []  # (time, arrival, event)
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
    return Event(
        region=f.region,
        stack_id=f.id,
        stack_name=f.name,
        id=f"gap-{uuid.uuid4()}",
        time=datetime.now(UTC),
        resource_name=f.name,
        status="GAP",
        status_reason=reason,
        kind="gap",
    )


class EventStream:
    def __init__(self, fleet, config: StreamConfig | None = None, clock=time.monotonic):
        self.fleet = fleet
        self.config = config or StreamConfig()
        self.timeline = Timeline(self.config.buffer_size)
        self._followed: dict[tuple[str, str], Followed] = {}
        self._active: dict[str, set[tuple[str, str]]] = {}  # region -> keys that need polling
        self._regions: set[str] = set()
        self._listeners: list[Callable[[list[Event]], None]] = []
        self._stack_listeners: list[Callable[[StackChanges], None]] = []
        self._region_listeners: list[Callable[[str, str | None, float], None]] = []
        self._clock = clock
        self.requests: dict[str, int] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self.watches: dict[str, RegionWatch] = {}
        self.region_errors: dict[str, str | None] = {}
        self._loaded: set[str] = set()  # regions whose first inventory is in
        self._focused: dict[str, dict[str, int]] = {}  # region -> stack id -> how many look at it
        self._slots: dict[str, float] = {}  # region -> its quiet looks' place in their interval (0..1)
        self._changed_at: dict[str, float] = {}  # region -> when a look last found a change there
        self._wave_until = 0.0  # the fleet is in a wave until then (_note_change)
        self._hurry: set[str] = set()  # quiet regions whose next look is brought forward by a wave
        self._reading = 0  # event reads being asked now, in every region (settled())

    # -- what to follow ------------------------------------------------------
    def follow(
        self, region: str, name: str, stack_id: str, status: str = "", updated=None, backlog: bool = True
    ) -> Followed:
        key = (region, stack_id)
        existing = self._followed.get(key)
        if existing is None:
            f = Followed(region, name, stack_id, status=status, updated=updated, backlog=backlog)
            self._followed[key] = f
            self._regions.add(region)
            self._activate(f)
        elif backlog and not existing.backlog:
            # Found first by the watch (history skipped); now its history is wanted.
            f = existing
            f.backlog, f.marker, f.primed, f.due, f.pending = True, None, False, 0.0, True
            self._activate(f)
        else:
            return existing
        self._wake_region(region)
        return f

    def follow_region(self, region: str) -> None:
        self._regions.add(region)

    def followed(self) -> list[Followed]:
        return list(self._followed.values())

    def get(self, region: str, stack_id: str) -> Followed | None:
        return self._followed.get((region, stack_id))

    def _activate(self, f: Followed) -> None:
        self._active.setdefault(f.region, set()).add(f.key)

    def _wake_region(self, region: str) -> None:
        if region in self._wake:
            self._wake[region].set()

    def kick(self, region: str, stack_id: str, name: str = "") -> None:
        """The console just acted on this stack: read its events now, not at the next look."""
        f = self._followed.get((region, stack_id))
        if f is None:
            if not name:
                return
            f = self.follow(region, name, stack_id, status="", backlog=True)
        f.due, f.pending, f.quiet = 0.0, True, 0
        # Heat may write the action's first event a moment after it answered.
        f.hot_until = self._clock() + KICK_WINDOW
        if f.unread:
            # Everything after its state before this action, whose events are
            # from this second on (Heat keeps whole seconds).
            f.read_back_to(f.status, since=f.updated, before=datetime.now(UTC).replace(microsecond=0))
        self._activate(f)
        watch = self.watches.get(region)
        if watch is not None:
            watch.sweep_soon()
        self._wake_region(region)

    def focus(self, region: str, stack_id: str) -> None:
        """Someone looks at this stack now: watch it every FOLLOW_ONE s (in all-stacks mode, the region's
        watch is slower). Counted: each focus() is undone by one unfocus()."""
        ids = self._focused.setdefault(region, {})
        ids[stack_id] = ids.get(stack_id, 0) + 1
        self._wake_region(region)

    def focused(self) -> dict[str, set[str]]:
        """The stacks looked at now, by region."""
        return {region: set(ids) for region, ids in self._focused.items() if ids}

    def unfocus(self, region: str, stack_id: str) -> None:
        ids = self._focused.get(region, {})
        if ids.get(stack_id, 0) > 1:
            ids[stack_id] -= 1
        else:
            ids.pop(stack_id, None)

    def refresh(self) -> None:
        """The operator asked: reconcile every region now."""
        for watch in self.watches.values():
            watch.reconcile_soon()
        for region in self._regions:
            self._wake_region(region)

    def subscribe(self, callback) -> None:
        """callback(list[Event]) with each batch of new events."""
        self._listeners.append(callback)

    def subscribe_stacks(self, callback) -> None:
        """callback(StackChanges) whenever a region's inventory changed (all-stacks mode)."""
        self._stack_listeners.append(callback)

    def subscribe_regions(self, callback) -> None:
        """callback(region, error or None, answered_at) after each look at a region."""
        self._region_listeners.append(callback)

    def _publish(self, events: list[Event]) -> None:
        fresh = self.timeline.add(events)
        if fresh and tracing():
            for e in fresh:
                if e.resource_name == e.stack_name:  # a stack's own event: one per action, a milestone
                    trace("event-read", e.region, e.stack_name, e.status)
        if fresh:
            for cb in list(self._listeners):
                cb(fresh)

    # -- running -------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Follow until stop is set: one task per region, none waits on another."""
        tasks: dict[str, asyncio.Task] = {}
        try:
            while not stop.is_set():
                for region in list(self._regions):
                    task = tasks.get(region)
                    if task is not None and task.done() and not task.cancelled() and task.exception():
                        # Only a failure outside the loop's own guard gets here: start it again.
                        logger().error("the loop for region %s ended", region, exc_info=task.exception())
                        task = None
                    if task is None:
                        self._wake.setdefault(region, asyncio.Event())
                        tasks[region] = asyncio.create_task(self._region_loop(region, stop))
                try:
                    await asyncio.wait_for(stop.wait(), 0.5)
                except TimeoutError:
                    pass
        finally:
            for t in tasks.values():
                t.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)

    async def poll_once(self) -> None:
        """One round for every region (used for a non-following read)."""
        await asyncio.gather(*(self._poll_region(r, force=True) for r in list(self._regions)))

    def _watch_interval(self, region: str) -> float:
        if not self.config.all_stacks:
            return self.config.watch_interval
        watch = self.watches.get(region)
        return watch.interval() if watch is not None else self.config.watch.busy_interval

    async def _region_loop(self, region: str, stop: asyncio.Event) -> None:
        next_watch = 0.0
        next_focus = 0.0
        failures = 0
        while not stop.is_set():
            now = self._clock()
            watched_ok = True
            if region in self._hurry:
                self._hurry.discard(region)
                next_watch = min(next_watch, self._hurried_look(region, now))
            try:
                if now >= next_watch:
                    watched_ok = await self._watch(region)
                    next_watch = self._next_watch(region, now, self._clock())
                    next_focus = self._clock() + FOLLOW_ONE  # just looked at every stack, these too
                elif self._focused.get(region) and now >= next_focus:
                    await self._watch_focused(region)
                    next_focus = self._clock() + FOLLOW_ONE
                await self._poll_region(region, watch_ok=watched_ok)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a bug must not end the stream: logged, shown, retried
                # Our bug, not the region's: its traceback to the log (once: the region client has
                # logged one met in a call), one line on screen, retried with backoff. The region's
                # health is not touched, so it is not shown down for it.
                failures += 1
                if not isinstance(exc, InternalError):
                    logger().exception("the loop for region %s failed (%d in a row)", region, failures)
                self._region_answered(region, INTERNAL_MESSAGE)
                next_watch = self._clock() + min(30.0, self._watch_interval(region) * 2 ** min(failures, 5))
            due = [self._followed[k].due for k in self._active.get(region, ())]
            if self._focused.get(region):
                due.append(next_focus)
            wake_at = min([next_watch, *due])
            delay = max(0.02, wake_at - self._clock())
            wake = self._wake.setdefault(region, asyncio.Event())
            try:
                await asyncio.wait_for(wake.wait(), delay)
            except TimeoutError:
                pass
            wake.clear()

    def _next_watch(self, region: str, started: float, ended: float) -> float:
        """When the region's next look is due (next_look). A quiet region's looks keep to a slot of their
        own in the shared interval, the regions' slots evenly apart, so that R quiet regions are looked at
        one after another rather than together: every region's first list ends at the same moment at
        start (core/live/head_start.py), and with one interval for all (the quiet budget) their looks
        then came together for as long as they stayed quiet, 1.5 R requests at once every interval (at
        50 regions 75 every 10 s: cursor keys waited 50-130 ms in those bursts, tests/bench/bench_idle.py).
        In its slot a quiet look still comes every interval (the first within 1.5 intervals of the region
        going quiet). Cost: O(1) a look; O(R log R) when the regions followed change."""
        interval = self._watch_interval(region)
        watch = self.watches.get(region)
        if watch is None or not watch.quiet_cadence():
            return next_look(started, ended, interval)
        return on_slot(ended + interval / 2, interval, self._slot(region) * interval)

    def _slot(self, region: str) -> float:
        """The region's place in the quiet looks' interval (0..1), the regions evenly apart."""
        if len(self._slots) != len(self._regions):
            self._slots = {r: i / len(self._regions) for i, r in enumerate(sorted(self._regions))}
        return self._slots.get(region, 0.0)

    def _hurried_look(self, region: str, now: float) -> float:
        """A quiet region's next look once a wave starts: the first of its slots at the wave's interval from
        now (within one interval), so the fleet's looks stay spread out."""
        interval = self._watch_interval(region)
        return on_slot(now, interval, self._slot(region) * interval)

    def _note_change(self, region: str) -> None:
        """A look found a change in this region. Changes in WAVE_REGIONS regions within `quiet_after` make a
        wave: every region's quiet looks quicken (RegionWatch.quiet_every, at most the wave budget's requests
        a second together) until `quiet_after` after the last change, and the quiet regions' next looks are
        brought forward. Cost: O(R) a change; the requests a wave costs are in core/live/watch.py."""
        now = self._clock()
        window = self.config.watch.quiet_after
        self._changed_at[region] = now
        for r, at in list(self._changed_at.items()):
            if at < now - window:
                del self._changed_at[r]
        if len(self._changed_at) < WAVE_REGIONS:
            return
        starting = now >= self._wave_until
        self._wave_until = now + window
        for r, watch in self.watches.items():
            watch.wave_until = self._wave_until
            if starting and r != region and watch.quiet_cadence():
                self._hurry.add(r)
                self._wake_region(r)
        if starting:
            trace("wave", region, len(self._changed_at))

    def _count(self, region: str) -> None:
        self.requests[region] = self.requests.get(region, 0) + 1

    def _region_answered(self, region: str, error: str | None) -> None:
        failed_before = self.region_errors.get(region)
        self.region_errors[region] = error
        if failed_before and error is None and region in self.watches:
            self.watches[region].reconcile_soon()  # back from an outage: catch up once
        for cb in list(self._region_listeners):
            cb(region, error, time.time())

    async def _watch(self, region: str) -> bool:
        if self.config.all_stacks:
            return await self._watch_all(region)
        return await self._watch_given(region)

    async def _watch_all(self, region: str) -> bool:
        watch = self.watches.get(region)
        if watch is None:
            watch = self.watches[region] = RegionWatch(self.fleet.region(region), self.config.watch, clock=self._clock)
        watch.fleet_regions = len(self._regions)  # the quiet looks' shared budget (core/live/watch.py)
        before, started = watch.requests, time.monotonic()
        try:
            changes = await watch.poll()
        except CloudError as exc:
            self._region_answered(region, exc.message)
            return False
        finally:
            self.requests[region] = self.requests.get(region, 0) + watch.requests - before
        if tracing():
            trace("look", region, f"{time.monotonic() - started:.3f}")  # its questions, asked together
        first = changes.full and region not in self._loaded
        self._apply(changes, first=first)
        if changes and not changes.full:
            self._note_change(region)
        self._region_answered(region, None)
        return True

    async def discover(self) -> None:
        """One look at every region now (finds the stacks to follow in all-stacks mode)."""
        await asyncio.gather(*(self._watch(r) for r in list(self._regions)))

    def _apply(self, changes: StackChanges, first: bool) -> None:
        now = self._clock()
        region = changes.region
        if first:
            self._loaded.add(region)
        for s in changes.added:
            if (region, s.id) in self._followed:
                f = self._followed[(region, s.id)]
                self._changed(f, s, now, f.status)
                continue
            if first and not self.config.backlog_discovered:
                # There before we looked: no history, and nothing to read until
                # it changes, except an action already running (shown from its start).
                f = Followed(
                    region,
                    s.name,
                    s.id,
                    status=s.status,
                    updated=s.updated_time,
                    backlog=False,
                    primed=True,
                    pending=False,
                    due=float("inf"),
                )
                self._followed[f.key] = f
                if s.in_progress:
                    f.read_back_to(s.status, inclusive=True)
                    f.pending, f.due = True, now
                    self._activate(f)
            else:
                # New since we looked (or history wanted): all of it is news.
                f = self.follow(region, s.name, s.id, status=s.status, updated=s.updated_time, backlog=True)
                f.due = now
        for s in changes.changed:
            known = self._followed.get((region, s.id))
            if known is None:
                self.follow(region, s.name, s.id, status=s.status, backlog=True).due = now
                continue
            before = changes.previous.get(s.id)
            self._changed(
                known, s, now, before.status if before else known.status, before.changed_time if before else None
            )
        for s in changes.removed:
            gone = self._followed.get((region, s.id))
            if gone is None:
                continue
            f = gone
            if f.unread and f.boundary is None:
                f.read_back_to(f.status)
            f.gone, f.pending, f.due = True, True, now
            self._activate(f)
        if changes:
            for cb in list(self._stack_listeners):
                cb(changes)

    def _changed(
        self, f: Followed, s: Stack, now: float, previous_status: str, previous_time: datetime | None = None
    ) -> None:
        if f.unread:
            # What is new starts after its previous state. The previous state
            # may be the new one too (a check after a check): its event then
            # counts only if older than the new action's start.
            f.read_back_to(previous_status, since=previous_time, before=s.updated_time)
        f.status, f.updated = s.status, s.updated_time
        f.pending, f.due, f.quiet = True, now, 0
        self._activate(f)
        if tracing():
            trace("stack-seen", f.region, f.name, s.status)

    async def _watch_given(self, region: str) -> bool:
        """One stack list for the region, filtered to the stacks followed there."""
        client = self.fleet.region(region)
        mine = {f.id: f for f in self._followed.values() if f.region == region}
        if not mine:
            return True
        self._count(region)
        try:
            stacks: list[Stack] = await client.list_stacks(filters={"id": list(mine)})
        except CloudError as exc:
            self._region_answered(region, exc.message)
            return False
        self._region_answered(region, None)
        now = self._clock()
        listed = {s.id: s for s in stacks}
        for s in stacks:
            f = mine[s.id] if s.id in mine else None
            if f is None:
                continue
            changed = (s.status, s.updated_time) != (f.status, f.updated)
            if changed:
                f.pending, f.quiet = True, 0
            if changed or s.in_progress:
                # Completion events land just after the status flips: poll now.
                if changed or f.due > now + self.config.fast_interval:
                    f.due = now
                self._activate(f)
            f.status, f.updated = s.status, s.updated_time
        for sid, f in mine.items():
            if sid not in listed and f.primed and not f.gone:
                # Deleted (or filtered away): read what is left once, then stop.
                f.gone, f.pending, f.due = True, True, now
                self._activate(f)
        return True

    async def _watch_focused(self, region: str) -> None:
        """One stack list filtered to the stacks looked at in the region; a change is read at once.
        (A failure here is the region's watch's to say: it looks again on its own cadence.)"""
        ids = [sid for sid in self._focused.get(region, {}) if (region, sid) in self._followed]
        if not ids:
            return
        self._count(region)
        try:
            stacks: list[Stack] = await self.fleet.region(region).list_stacks(filters={"id": ids})
        except CloudError:
            return
        now = self._clock()
        for s in stacks:
            f = self._followed.get((region, s.id))
            if f is not None and (s.status, s.updated_time) != (f.status, f.updated):
                self._changed(f, s, now, f.status, f.updated)

    async def _read_events(self, region: str, *args, **kwargs) -> list[Event]:
        """One page of a stack's events, counted while it is asked (settled())."""
        self._reading += 1
        try:
            return await self.fleet.region(region).events(*args, **kwargs)
        finally:
            self._reading -= 1

    def settled(self) -> bool:
        """No region's events are being read now: nothing older than what was just published is on its way,
        so a log may write it at once instead of holding it for a slower region's (tui/widgets/event_log.py).
        O(1)."""
        return self._reading == 0

    async def _poll_region(self, region: str, force: bool = False, watch_ok: bool = True) -> None:
        now = self._clock()
        active = self._active.setdefault(region, set())
        keys = [f.key for f in self._followed.values() if f.region == region] if force else list(active)
        for key in keys:
            f = self._followed[key]
            if f.gone and f.primed and not f.pending:
                active.discard(key)
                continue
            if not force and f.primed and f.due > now:
                continue
            fresh = await self._poll_stack(f)
            if fresh is None:
                return  # the region is failing: keep markers, try again next round
            f.last_polled = self._clock()
            f.quiet = 0 if fresh else f.quiet + 1
            if fresh:
                f.hot_until = 0.0
            if not f.gone and f.last_polled < f.hot_until:
                f.due = f.last_polled + KICK_INTERVAL
            elif f.gone:
                f.due = float("inf")
                active.discard(key)
            elif f.in_progress:
                interval = self.config.fast_interval if f.quiet < 5 else self.config.quiet_interval
                f.due = f.last_polled + interval
            elif watch_ok:
                f.due = float("inf")  # the watch will say when it changes
                active.discard(key)
            else:
                f.due = f.last_polled + self.config.idle_interval

    async def _poll_stack(self, f: Followed) -> int | None:
        """Read what is new for one stack; the number of new events, None if the region failed."""
        if not f.primed and not f.backlog:
            # Given stacks without history: stand on the newest event.
            return await self._stand_on_newest(f)
        if f.unread:
            return await self._read_since_boundary(f)
        batch: list[Event] = []
        while True:
            self._count(f.region)
            asked_after = f.marker
            try:
                page = await self._read_events(
                    f.region,
                    f.name,
                    f.id,
                    marker=f.marker,
                    limit=self.config.page_limit,
                    sort_dir="asc",
                    nested_depth=self.config.nested_depth or None,
                )
            except CloudError as exc:
                if exc.kind == errors.NOT_FOUND:
                    f.gone = f.primed = True
                    f.pending = False
                    break
                if batch:
                    self._publish(batch)
                return None
            if asked_after and page and self.timeline.seen(page[0].id):
                # Heat ignores a marker it no longer knows and answers from the
                # start: the event we stood on was purged, so others may be too.
                batch.append(
                    gap_event(
                        f,
                        "events may have been missed: the last event seen is gone "
                        "(purged or replaced); the stream resumed after it",
                    )
                )
            batch.extend(page)
            if page:
                f.marker = page[-1].id
            if len(page) < self.config.page_limit:
                break
        return self._done(f, batch)

    def _done(self, f: Followed, batch: list[Event]) -> int:
        f.primed = True
        f.pending = False
        own = [e for e in batch if e.kind == "event" and e.resource_name == f.name]
        if f.gone and own:
            f.status = own[-1].status  # e.g. DELETE_COMPLETE: the list no longer says it
        if batch:
            self._publish(batch)
        return len(batch)

    async def _stand_on_newest(self, f: Followed) -> int | None:
        self._count(f.region)
        try:
            newest = await self._read_events(f.region, f.name, f.id, limit=1, sort_dir="desc")
        except CloudError as exc:
            if exc.kind != errors.NOT_FOUND:
                return None
            newest = []
        f.marker = newest[0].id if newest else None
        f.primed, f.pending = True, False
        return 0

    async def _read_since_boundary(self, f: Followed) -> int | None:
        """Newest first, down to the stack's own event for its previous state."""
        collected: list[Event] = []
        newest: str | None = None
        marker = None
        for _ in range(20):
            self._count(f.region)
            try:
                page = await self._read_events(
                    f.region,
                    f.name,
                    f.id,
                    marker=marker,
                    limit=self.config.page_limit,
                    sort_dir="desc",
                    nested_depth=self.config.nested_depth or None,
                )
            except CloudError as exc:
                if exc.kind == errors.NOT_FOUND:
                    f.gone = True
                    break
                return None
            if newest is None and page:
                newest = page[0].id
            stop = False
            for e in page:
                if self._is_boundary(f, e):
                    if f.include_boundary:
                        collected.append(e)
                    stop = True
                    break
                if f.boundary_time and e.time and e.time < f.boundary_time:
                    stop = True
                    break
                collected.append(e)
            if stop or len(page) < self.config.page_limit:
                break
            marker = page[-1].id
        f.marker = newest or f.marker
        f.boundary_reached()
        collected.reverse()
        return self._done(f, collected)

    def _is_boundary(self, f: Followed, e: Event) -> bool:
        return (
            f.boundary is not None
            and e.status == f.boundary
            and e.resource_name == f.name
            and e.physical_id in ("", f.id)
            and (f.boundary_before is None or e.time is None or e.time < f.boundary_before)
        )

    # -- state for callers ---------------------------------------------------
    def stats(self) -> dict:
        return {"events": len(self.timeline), "dropped": self.timeline.dropped, "requests": dict(self.requests)}
