"""One region's stack inventory, kept current at a cost that grows with change.

What Heat 27 offers, checked against the lab (tests/lab/test_watch.py holds it):
- `updated_time` is set when suspend, resume, check, update (PATCH or full)
  and delete *start*; a create leaves it empty, and the end of an action
  does not move it;
- `creation_time` orders new stacks;
- the list filter `status=IN_PROGRESS` returns exactly the stacks with an
  action running, whatever the action;
- `show_deleted=True` keeps a deleted stack in the list as DELETE_COMPLETE,
  with the `updated_time` of its delete.

So one region is watched with small questions instead of a full list. A
look comes every `busy_interval` while the region is active (something
changed in the last `quiet_after` seconds, or the console acted there), every
`quiet_interval` once it has been quiet that long, stacks in progress or not:
at 20 regions the idle looks were most of the console's CPU (a request costs
~2.2 ms of CPU on a pool thread in heatclient, keystoneauth, requests and TLS,
~0.7 ms on the event loop: tests/bench/bench_idle.py), and quiet regions share
one request budget (below). The interval runs from one look's start to the
next's (core/live/events.py), and a look's questions are asked together, so
it lasts its slowest answer: under load a look took a good part of a second,
which sequential questions and a wait counted from the look's end added to
the first sight of an action started elsewhere (#37). A stack being looked
at (a detail screen, `events --follow STACK`) has its own cadence
(core/live/events.py focus).
The questions:

- *busy* (active, every other look): `status=IN_PROGRESS`. Any action that runs
  longer than a look is seen starting here, whatever its kind, creates
  included. A stack that was busy and no longer is gets its final state from
  one more list filtered by those ids (deleted ones included).
- *updated* (every look): the most recently
  updated stacks, deleted included, newest first, a `page` at a time, back to
  the newest value the previous look saw. Every action but a create moves
  `updated_time` when it starts, so actions quicker than a look (a suspend, a
  check, a delete) are seen here; however many changed, it pages on until it
  reaches what it had already seen, so nothing is skipped (past
  `max_sweep_pages`, the next look is the full list).
- *created* (active, every `sweep_interval`; quiet, every other look): the
  same for `creation_time`, for creates quicker than a look (a stack of
  `OS::Heat::None`).
- *reconcile* (every `reconcile_interval`, at start, and when the region
  returns from an outage): the full list, paginated by `page_full`. It is
  the only request whose size grows with the number of stacks. Each page is
  one request (cloud/region.py list_stacks): floor(N/page_full) + 1, and one
  more, empty, when the last page holds `CAPPED_AT_LEAST` (100) or more (the
  check for a cloud that cuts long lists): one request below 100 stacks.
  Written ceil(N/page_full) below.

A quiet region has no stack in progress, and a stack can only start being
busy by a create (a new `creation_time`) or by an action that stamps
`updated_time` (every other action: update, suspend, resume, check,
snapshot, restore, delete; heat/engine/stack.py), so there the busy question
would tell nothing the other two do not: a quiet look asks *updated*, and
*created* every other look. The first change in a quiet region is seen
within `quiet_interval` (a create within twice that), then the region is
active again. (Before: quiet looks alternated busy and updated, so an update
waited up to twice `quiet_interval`, for about the same requests; and an
active look asked it every other time, so a change waited up to 2.5 s there.)

Cost per region, with B busy stacks, C stacks changed since the last sweep
and N stacks in all (sizes in stacks returned), L the look interval:

    active (L = busy_interval), nothing changing:
        60/L * ceil(max(C, 1)/page) + 30/L * (1 + [B finished]) + 60/sweep_interval
        + 60/reconcile_interval * ceil(N/page_full)
        = 48 + 24 + 5 + 0.1*ceil(N/1000) = 77 + 0.1*ceil(N/1000)
      (a region is active only for `quiet_after` after its last change; the first-event
      figure, p50 <= 0.8 s for an action started elsewhere, needs the updated question at
      every 1.25 s look there)
    quiet (L = Lq, nothing in progress or changed for `quiet_after`), with R the regions watched and
    Lq = max(quiet_interval, R * 1.5 / quiet_requests_per_second) = max(3, 0.2 * R):
        60/L + 30/L + 60/reconcile_interval * ceil(N/page_full)
        = 90/Lq + 0.1*ceil(N/1000): 30 per region up to 15 regions (Lq = 3 s), then 450/R
      so the whole fleet's quiet looks ask min(30 * R, 450) requests a minute: flat past 15
      regions. A request costs ~2.2 ms of CPU on a pool thread and ~0.7 ms on the event loop
      (tests/bench/bench_idle.py, 50 regions every 3 s: 7.4 % of a core; budget 10/s: 3.3 %),
      so with the budget an idle console costs about the same at any size (50 regions: 2.5-3.2 %
      of a core in two runs, the 3 % target not reliably met).
      (a quiet region's first change is seen within Lq: 4 s at 20 regions, 10 s at 50)
    in progress, nothing changed for `quiet_after` (L = Lq: a long create):
        60/L + 30/L * (1 + [B finished]) + 60/sweep_interval + 60/reconcile_interval * ceil(N/page_full)
        = 20 + 10 + 5 + 0.1*ceil(N/1000) = 35 + 0.1*ceil(N/1000) at Lq = 3 s
      (its end seen within 2 * Lq = 6 s up to 15 regions; before, such a region was looked at every
      busy_interval for as long as the stack ran: 77 requests/min)
    in a wave (changes seen in WAVE_REGIONS regions or more within `quiet_after`: another operator's
    rollout, a master's update reaching its constituents, a check of the whole fleet), until `quiet_after`
    after the wave's last change, a quiet region is looked at every
        Lw = min(Lq, max(busy_interval, R * 1.5 / wave_requests_per_second)) = 1.25 s up to 20 regions
      so the quiet regions together ask at most 24 requests a second during a wave, whatever R (2.5 s at 40
      regions, 3.1 s at 50): a wave's cost is at most 24 * (its length + quiet_after) requests; with
      nothing changing, none (core/live/events.py EventStream._note_change)
    for `settle` seconds after a change, C counts every stack updated in the
    `settle` seconds before the newest change (late commits are read back).
    size of an idle request: 0 (busy) or at most `page` (updated, created)
    stacks, whatever N is.

Ordering by `updated_time` relies on the database sorting an empty value
last in descending order (sqlite and MySQL do; PostgreSQL does not, and
there the busy list and the reconcile still find every change).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mrconsole.models import Stack
from mrconsole.trace import trace


@dataclass(frozen=True)
class StackChanges:
    """What one poll of a region found changed (typed, for the console to apply)."""

    region: str
    added: tuple[Stack, ...] = ()
    changed: tuple[Stack, ...] = ()
    removed: tuple[Stack, ...] = ()  # their last known state
    full: bool = False  # the result of a full list (reconcile)
    previous: dict[str, Stack] = field(default_factory=dict, compare=False)  # id -> before

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


@dataclass
class WatchConfig:
    busy_interval: float = 1.25
    quiet_interval: float = 3.0  # a look, once the region has been quiet for quiet_after
    # The fleet's quiet looks together ask at most this many requests a second: past 15 regions a quiet
    # region is looked at less often than `quiet_interval`, so what an idle console costs stays flat in
    # regions instead of growing with them (a request costs ~3 ms of CPU in heatclient, keystoneauth,
    # requests, http.client and the event loop, measured on the lab: the module's cost formula).
    quiet_requests_per_second: float = 7.5
    # During a wave (above), the quiet regions' looks together ask at most this many: the rest of a fleet-wide
    # action is seen at about the busy cadence, not a quiet region's first change 4-10 s late (#37's burst).
    wave_requests_per_second: float = 24.0
    quiet_after: float = 30.0
    sweep_interval: float = 12.0
    reconcile_interval: float = 600.0
    # A look usually needs one row to see it reached what it saw before: small
    # pages keep idle answers small; more pages only when more changed.
    page: int = 5
    # The reconcile: one answer up to this many stacks (Heat answers 500 in ~1 s).
    page_full: int = 1000
    max_sweep_pages: int = 50
    # A stack's updated_time is stamped when its action starts but becomes
    # visible only when that write commits, which can be later than a newer
    # stamp's (a writer queued on the database: the lab's sqlite waits up to
    # 30 s). For this long after the newest value moved, a sweep reads back
    # this far below it instead of stopping at what it saw.
    settle: float = 30.0


# Upstream Heat's stack list has no cap (heat/db/api.py stack_get_all pages by the limit asked), but a
# cloud's proxy or a vendor's Heat may cut a long answer (a default of 100 has been documented): a full-list
# page of at least this many rows, shorter than asked, is taken for such a cut and the list goes on from its
# last row. One more request, empty on upstream Heat, and only in a region of 100 stacks or more.
CAPPED_AT_LEAST = 100

# A quiet look asks `updated`, and `created` every other time (RegionWatch.poll).
QUIET_REQUESTS_PER_LOOK = 1.5


async def _nothing() -> dict[str, Stack]:
    return {}


def _state(s: Stack) -> tuple:
    return (s.status, s.updated_time, s.status_reason)


class RegionWatch:
    """The inventory of one region and the questions that keep it current."""

    def __init__(self, client, config: WatchConfig | None = None, clock=time.monotonic):
        self.client = client
        self.region = client.region
        self.config = config or WatchConfig()
        self.stacks: dict[str, Stack] = {}
        self.loaded = False
        self._clock = clock
        self._next_sweep = 0.0
        self._next_reconcile = 0.0
        self.requests = 0
        self._looks = 0
        self._everything = False  # the next look asks every question
        self._gone: set[str] = set()  # deleted ids already accounted for
        self._marks: dict[str, datetime | None] = {}  # sort key -> newest value at the last look
        self._at_mark: dict[str, set[str]] = {}  # sort key -> ids seen at that value
        self._mark_moved: dict[str, float] = {}  # sort key -> when its mark last moved (clock)
        self._active_until = clock() + self.config.quiet_after  # fast looks until then; a console just opened
        self.fleet_regions = 1  # how many regions the console watches (the stream sets it): the quiet budget
        self.wave_until = 0.0  # the fleet is in a wave until then (the stream sets it): quicker quiet looks

    @property
    def busy_ids(self) -> list[str]:
        return [sid for sid, s in self.stacks.items() if s.in_progress]

    def reconcile_soon(self) -> None:
        """After an outage or a refresh asked for by the operator."""
        self._next_reconcile = 0.0

    def sweep_soon(self) -> None:
        """After the console itself acted: the next look asks every question."""
        self._everything = True
        self._active_until = self._clock() + self.config.quiet_after

    def quiet(self) -> bool:
        """Nothing in progress, nothing changed for `quiet_after`, the console did not act here. O(N)."""
        return self._clock() >= self._active_until and not any(s.in_progress for s in self.stacks.values())

    def interval(self) -> float:
        """Seconds to the next look: fast while something changed in the last `quiet_after` (or the console
        acted here), slower after that, a stack still in progress or not: one that runs for an hour (a
        slow server, a stuck wait condition) changes nothing a look could see until it ends, and its end is
        still seen by the busy question within two slow looks (#37)."""
        return self.quiet_every() if self.quiet_cadence() else self.config.busy_interval

    def quiet_cadence(self) -> bool:
        """Whether looks come at the quiet interval now (nothing changed for `quiet_after`, the console did
        not act here), a stack in progress or not."""
        return self._clock() >= self._active_until

    def quiet_every(self) -> float:
        """A quiet region's look interval: `quiet_interval`, or longer when the fleet's quiet looks would
        otherwise ask more than `quiet_requests_per_second` together (R regions: R * 1.5 / budget s); during
        a wave, quicker: R * 1.5 / wave budget, never quicker than busy_interval."""
        shared = self.fleet_regions * QUIET_REQUESTS_PER_LOOK / max(self.config.quiet_requests_per_second, 0.1)
        every = max(self.config.quiet_interval, shared)
        if self._clock() < self.wave_until:
            wave = self.fleet_regions * QUIET_REQUESTS_PER_LOOK / max(self.config.wave_requests_per_second, 0.1)
            every = min(every, max(self.config.busy_interval, wave))
        return every

    async def _list(self, **kwargs) -> list[Stack]:
        self.requests += 1
        return await self.client.list_stacks(**kwargs)

    async def poll(self) -> StackChanges:
        """One round of questions that are due. Raises CloudError if the region fails."""
        now = self._clock()
        if not self.loaded or now >= self._next_reconcile:
            return await self._reconcile(now)
        everything, self._everything = self._everything, False
        self._looks += 1
        # A quiet region has nothing busy to see finish, and any start moves one of the two marks
        # (the module's note): it skips the busy question and asks `created` every other look.
        quiet = not everything and self.quiet()
        ask_busy = not quiet and (everything or self._looks % 2 == 0)
        ask_created = everything or now >= self._next_sweep or (quiet and self._looks % 2 == 0)
        if ask_created:
            self._next_sweep = now + self.config.sweep_interval
        # The questions go together (the region's pool has threads for them): a look takes its slowest
        # answer, not their sum, and an action started elsewhere shows that much sooner (#37). Each
        # answer is awaited before any fails the look: none is left running to move a mark after it.
        answers = await asyncio.gather(
            self._busy() if ask_busy else _nothing(),
            self._sweep("updated_time"),
            self._sweep("creation_time") if ask_created else _nothing(),
            return_exceptions=True,
        )
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
        seen: dict[str, Stack] = {}
        for answer in answers:  # the busy question's answer first: it is the freshest for what it names
            seen.update((sid, s) for sid, s in answer.items() if sid not in seen)  # type: ignore[union-attr]
        changes = self._apply(seen, full=False)
        if changes:
            self._active_until = self._clock() + self.config.quiet_after
        return changes

    async def _busy(self) -> dict[str, Stack]:
        """The stacks in progress, and the final state of those that were and no longer are."""
        seen = {s.id: s for s in await self._list(filters={"status": "IN_PROGRESS"})}
        finished = [sid for sid in self.busy_ids if sid not in seen]
        if finished:
            # Their final state (deleted ones come back as DELETE_COMPLETE).
            for s in await self._list(filters={"id": finished}, show_deleted=True):
                seen[s.id] = s
            for sid in finished:
                if sid not in seen:  # purged, or never listable again: gone
                    seen[sid] = Stack(self.region, sid, self.stacks[sid].name, "DELETE_COMPLETE")
        return seen

    async def _sweep(self, sort_key: str) -> dict[str, Stack]:
        """The stacks whose `sort_key` moved since the last look at it, newest first.

        Heat orders by the database's own (sub-second) time, so the rows come
        in the order things happened. The sweep stops at the first row older
        than the newest value the last look saw (the mark), or at a row at the
        mark that the last look already saw unchanged: everything after it
        happened before that look. Until then it pages on, however many
        changed, so none is skipped.
        """
        attr = "updated_time" if sort_key == "updated_time" else "created_time"
        mark = self._marks.get(sort_key)
        at_mark = self._at_mark.get(sort_key, set())
        # While a late commit may still appear, read back `settle` below the mark.
        floor = mark
        if mark is not None and self._clock() - self._mark_moved.get(sort_key, -1e9) < self.config.settle:
            floor = mark - timedelta(seconds=self.config.settle)
        newest = mark
        scanned: list[Stack] = []
        found: dict[str, Stack] = {}
        marker = None
        for _ in range(self.config.max_sweep_pages):
            page = await self._list(
                sort_keys=sort_key, sort_dir="desc", limit=self.config.page, marker=marker, show_deleted=True
            )
            reached_old = False
            for s in page:
                key = getattr(s, attr)
                known = self.stacks.get(s.id)
                if floor is not None:
                    if key is None or key < floor:
                        reached_old = True
                        break
                    if (
                        floor == mark
                        and key == mark
                        and s.id in at_mark
                        and (known is None or _state(known) == _state(s))
                    ):
                        reached_old = True
                        break
                scanned.append(s)
                if key is not None and (newest is None or key > newest):
                    newest = key
                if known is None:
                    if s.id not in self._gone:
                        found[s.id] = s  # new (or created and deleted between two looks)
                elif _state(known) != _state(s):
                    found[s.id] = s
            if reached_old or mark is None or len(page) < self.config.page:
                break
            marker = page[-1].id
        else:
            # More changed than `max_sweep_pages` pages hold: what lies between is read by the full list.
            self._next_reconcile = 0.0
        latest = {s.id for s in scanned if getattr(s, attr) == newest}
        self._at_mark[sort_key] = latest | at_mark if newest == mark else latest
        if newest != mark:
            self._mark_moved[sort_key] = self._clock()
        self._marks[sort_key] = newest
        return found

    @staticmethod
    def first_question(config: WatchConfig) -> dict:
        """The first request of a region's first look (the full list's first page), as `list_stacks` takes
        it: what the console's start asks ahead (core/live/head_start.py)."""
        return {"limit": config.page_full, "sort_keys": "creation_time", "sort_dir": "asc"}

    async def _reconcile(self, now: float) -> StackChanges:
        listed: dict[str, Stack] = {}
        marker = None
        while True:
            page = await self._list(**self.first_question(self.config), **({"marker": marker} if marker else {}))
            listed.update((s.id, s) for s in page)
            if len(page) < min(self.config.page_full, CAPPED_AT_LEAST):
                break  # the last page: shorter than any cap a cloud's stack list has
            marker = page[-1].id
        first = not self.loaded
        self.loaded = True
        if first:
            trace("region-listed", self.region, len(listed))  # the start's split (tests/bench/bench_idle.py)
        for key, attr in (("updated_time", "updated_time"), ("creation_time", "created_time")):
            values = [getattr(s, attr) for s in listed.values() if getattr(s, attr) is not None]
            if values and (self._marks.get(key) is None or max(values) > self._marks[key]):
                self._marks[key] = max(values)
                self._at_mark[key] = {s.id for s in listed.values() if getattr(s, attr) == max(values)}
        self._next_reconcile = now + self.config.reconcile_interval
        self._next_sweep = now + self.config.sweep_interval
        seen = dict(listed)
        for sid, s in self.stacks.items():
            if sid not in listed:
                seen[sid] = Stack(self.region, sid, s.name, "DELETE_COMPLETE")
        changes = self._apply(seen, full=True)
        if first:
            # The first list is the inventory itself, not a change of it.
            return StackChanges(self.region, added=tuple(self.stacks.values()), full=True)
        return changes

    def _apply(self, seen: dict[str, Stack], full: bool) -> StackChanges:
        added, changed, removed, previous = [], [], [], {}
        for sid, s in seen.items():
            known = self.stacks.get(sid)
            if s.status == "DELETE_COMPLETE":
                self._gone.add(sid)
                if known is not None:
                    del self.stacks[sid]
                    removed.append(s if s.name else known)
                    previous[sid] = known
                continue
            if known is None:
                self.stacks[sid] = s
                added.append(s)
            elif _state(known) != _state(s):
                self.stacks[sid] = s
                changed.append(s)
                previous[sid] = known
        return StackChanges(self.region, tuple(added), tuple(changed), tuple(removed), full, previous)
