"""A region's watch cadence (no lab): quiet regions looked at less often, and what a look asks."""

from __future__ import annotations

import asyncio

from mrconsole.core.live.watch import RegionWatch, WatchConfig


def test_a_quiet_region_is_looked_at_less_often_and_fast_again_once_it_changes():
    """core/live/watch.py: busy_interval while active (a change in the last quiet_after s, the console
    acted), quiet_interval once quiet, a stack in progress that changes nothing included (#37)."""
    from mrconsole.models import Stack

    class Client:
        region = "R"

    now = [0.0]
    cfg = WatchConfig(busy_interval=1.25, quiet_interval=2.5, quiet_after=30.0)
    w = RegionWatch(Client(), cfg, clock=lambda: now[0])
    assert WatchConfig().quiet_interval == 3.0  # the module's cost formula counts on it
    assert w.interval() == 1.25  # just started
    now[0] = 31.0
    assert w.interval() == 2.5  # quiet
    w.stacks["a"] = Stack("R", "a", "a", "UPDATE_IN_PROGRESS")
    assert w.interval() == 2.5  # in progress for longer than quiet_after, nothing changing: backed off
    assert not w.quiet()  # but not quiet: its looks still ask what is busy (below)
    w.stacks["a"] = Stack("R", "a", "a", "UPDATE_COMPLETE")
    assert w.interval() == 2.5
    w.sweep_soon()  # the console acted here
    assert w.interval() == 1.25
    now[0] = 62.0
    assert w.interval() == 2.5


def test_quiet_looks_share_one_budget_so_idle_cost_stays_flat_past_twenty_regions():
    """core/live/watch.py: quiet looks together ask at most quiet_requests_per_second (a quiet look asks
    1.5 on average): up to 15 regions a quiet region is looked at every quiet_interval, past that less
    often, so the fleet's idle requests stop growing with its regions; an active region is not slowed."""
    from mrconsole.core.live.events import EventStream
    from mrconsole.core.live.watch import QUIET_REQUESTS_PER_LOOK

    class Client:
        region = "R"

    now = [31.0]
    w = RegionWatch(Client(), WatchConfig(), clock=lambda: now[0])
    w._active_until = 30.0  # quiet
    per_minute = {}
    for regions in (1, 5, 15, 20, 50, 100):
        w.fleet_regions = regions
        per_minute[regions] = regions * 60 / w.interval() * QUIET_REQUESTS_PER_LOOK
    assert [round(per_minute[r]) for r in (1, 5, 15)] == [30, 150, 450]  # 30 a region, as before
    assert round(per_minute[20]) == round(per_minute[50]) == round(per_minute[100]) == 450  # flat past 15
    w.fleet_regions = 50
    assert w.interval() == 10.0
    w.sweep_soon()  # the console acted here: fast looks, whatever the fleet's size
    assert w.interval() == WatchConfig().busy_interval

    # The stream tells each watch how many regions share the budget.
    class Fleet:
        def region(self, name):
            c = Client()
            c.region = name

            async def list_stacks(**kw):
                return []

            c.list_stacks = list_stacks
            return c

    stream = EventStream(Fleet())
    for i in range(30):
        stream.follow_region(f"R{i}")
    asyncio.run(stream._watch_all("R0"))
    assert stream.watches["R0"].fleet_regions == 30


def test_a_quiet_look_asks_what_changed_never_what_is_busy():
    """core/live/watch.py: in a quiet region nothing is busy, and any start moves updated_time or
    creation_time, so a quiet look asks `updated` (and `created` every other look); an active one
    asks `updated` at every look and `busy` at every other. And a sweep that runs out of pages
    asks for the full list."""

    from mrconsole.core.live.watch import RegionWatch, WatchConfig
    from mrconsole.models import Stack

    asked: list[str] = []

    class Client:
        region = "R"
        changed: list[Stack] = []

        async def list_stacks(self, **kw):
            if (kw.get("filters") or {}).get("status") == "IN_PROGRESS":
                asked.append("busy")
                return []
            if kw.get("sort_keys") in ("updated_time", "creation_time") and kw.get("sort_dir") == "desc":
                asked.append("updated" if kw["sort_keys"] == "updated_time" else "created")
                return list(self.changed) if not kw.get("marker") else []
            asked.append("full")
            return [Stack("R", "a", "a", "CREATE_COMPLETE", created_time=None)]

    now = [0.0]
    cfg = WatchConfig(busy_interval=1.25, quiet_interval=3.0, quiet_after=30.0, sweep_interval=12.0, page=5)
    client = Client()
    w = RegionWatch(client, cfg, clock=lambda: now[0])

    async def looks(n: int) -> list[str]:
        asked.clear()
        for _ in range(n):
            await w.poll()
            now[0] += w.interval()
        return list(asked)

    assert asyncio.run(looks(1)) == ["full"]
    active = asyncio.run(looks(4))
    assert active.count("busy") == 2 and active.count("updated") == 4  # updated every look, busy every other
    now[0] = 100.0
    assert w.quiet()
    quiet = asyncio.run(looks(6))
    assert "busy" not in quiet
    # (a created sweep that fell due while active may come once more)
    assert quiet.count("updated") == 6 and 3 <= quiet.count("created") <= 4
    assert w.interval() == 3.0

    # A change seen in a quiet look makes the region active: the busy question is back.
    from datetime import datetime

    client.changed = [Stack("R", "a", "a", "UPDATE_IN_PROGRESS", updated_time=datetime(2026, 11, 28, 12, 0))]
    asyncio.run(looks(1))
    assert not w.quiet() and w.interval() == 1.25
    assert "busy" in asyncio.run(looks(2))

    # More changes than max_sweep_pages pages: the next look is the full list.
    w2 = RegionWatch(client, WatchConfig(page=1, max_sweep_pages=2), clock=lambda: now[0])
    client.changed = []
    asyncio.run(w2.poll())  # the inventory; its marks
    w2._marks["updated_time"] = datetime(2026, 1, 1)
    client.changed = [Stack("R", "b", "b", "CHECK_COMPLETE", updated_time=datetime(2026, 11, 28, 12, 1))]
    Client.list_stacks_orig = Client.list_stacks

    async def endless(self, **kw):  # every page full and newer than the mark
        asked.append("page")
        return list(self.changed)

    Client.list_stacks = endless
    w2.sweep_soon()
    asyncio.run(w2.poll())
    Client.list_stacks = Client.list_stacks_orig
    asked.clear()
    asyncio.run(w2.poll())
    assert asked == ["full"]


def test_a_stack_in_progress_for_an_hour_is_looked_at_slowly_and_its_end_seen_within_two_looks():
    from mrconsole.core.live.watch import RegionWatch, WatchConfig
    from mrconsole.models import Stack

    asked: list[str] = []

    class Client:
        region = "R"
        busy = [Stack("R", "a", "a", "CREATE_IN_PROGRESS")]

        async def list_stacks(self, **kw):
            filters = kw.get("filters") or {}
            if filters.get("status") == "IN_PROGRESS":
                asked.append("busy")
                return list(self.busy)
            if filters.get("id"):
                asked.append("final")
                return [Stack("R", "a", "a", "CREATE_COMPLETE")]
            if kw.get("sort_dir") == "desc":
                asked.append("sweep")
                return []
            asked.append("full")
            return list(self.busy)

    now = [0.0]
    client = Client()
    w = RegionWatch(client, WatchConfig(busy_interval=1.25, quiet_interval=3.0, quiet_after=30.0), clock=lambda: now[0])

    async def run_for(seconds: float) -> list[tuple[float, object]]:
        end, changes = now[0] + seconds, []
        while now[0] < end:
            changes.append((now[0], await w.poll()))
            now[0] += w.interval()
        return changes

    asyncio.run(run_for(31.0))  # the first list, then active for quiet_after
    asked.clear()
    asyncio.run(run_for(600.0))  # ten minutes of a create that changes nothing
    per_minute = len(asked) / 10
    assert per_minute <= 40, per_minute  # every 1.25 s it was ~77
    assert asked.count("busy") >= 90  # still asked what is busy: every other look
    client.busy = []
    ended = now[0]
    seen = [at for at, c in asyncio.run(run_for(9.0)) if c.changed and c.changed[0].status == "CREATE_COMPLETE"]
    assert seen and seen[0] - ended <= 2 * 3.0, (seen, ended)


def test_a_looks_questions_go_together_and_a_failed_one_leaves_none_running():
    """core/live/watch.py: the busy, updated and created questions are in flight at once (a look lasts
    its slowest answer, #37); when one fails, the look fails only after the others answered, so no
    sweep moves its mark after the failure was reported."""
    from mrconsole.cloud.errors import UNAVAILABLE, CloudError
    from mrconsole.models import Stack

    state = {"in_flight": 0, "most": 0, "fail": False}

    class Client:
        region = "R"

        async def list_stacks(self, **kw):
            state["in_flight"] += 1
            state["most"] = max(state["most"], state["in_flight"])
            for _ in range(3):  # the others get to start meanwhile
                await asyncio.sleep(0)
            state["in_flight"] -= 1
            if state["fail"] and kw.get("sort_keys") == "creation_time" and kw.get("sort_dir") == "desc":
                raise CloudError(UNAVAILABLE, "no answer", "R")
            if kw.get("sort_dir") == "desc" or kw.get("filters"):
                return []
            return [Stack("R", "a", "a", "CREATE_COMPLETE")]

    w = RegionWatch(Client(), WatchConfig(), clock=lambda: 0.0)
    asyncio.run(w.poll())  # the inventory
    w.sweep_soon()  # the next look asks every question
    asyncio.run(w.poll())
    assert state["most"] == 3
    state.update(most=0, fail=True)
    w.sweep_soon()
    try:
        asyncio.run(w.poll())
    except CloudError as exc:
        assert exc.message == "no answer"
    else:
        raise AssertionError("the failed question did not fail the look")
    assert state["in_flight"] == 0 and state["most"] == 3


def test_the_next_look_is_due_an_interval_after_the_last_ones_start_never_back_to_back():
    from mrconsole.core.live.events import next_look

    assert next_look(10.0, 10.4, 1.25) == 11.25  # a 0.4 s look: still every 1.25 s
    assert next_look(10.0, 12.0, 1.25) == 12.625  # a look slower than the interval: half of it after its end


def test_the_full_list_stops_at_a_short_page_and_goes_on_past_a_cut_one():
    """core/live/watch.py _reconcile: each page is one request (cloud/region.py list_stacks); a page shorter
    than CAPPED_AT_LEAST is the last (one request for a region of fewer stacks: the start's first list), a
    longer page shorter than asked may be a cloud's cut, and the list goes on from its last row."""
    from mrconsole.core.live.watch import CAPPED_AT_LEAST
    from mrconsole.models import Stack

    class Client:
        region = "R"

        def __init__(self, stacks: int, cap: int | None):
            self.all = [Stack("R", f"s{i:04}", f"s{i:04}", "CREATE_COMPLETE") for i in range(stacks)]
            self.cap = cap
            self.asked: list[int] = []

        async def list_stacks(self, limit=None, marker=None, **kwargs):
            self.asked.append(limit)
            start = 0 if marker is None else [s.id for s in self.all].index(marker) + 1
            n = min(limit or len(self.all), self.cap or len(self.all))
            return self.all[start : start + n]

    def first_look(stacks: int, cap: int | None) -> tuple[int, int]:
        client = Client(stacks, cap)
        watch = RegionWatch(client, WatchConfig(page_full=1000))
        changes = asyncio.run(watch.poll())
        return len(changes.added), len(client.asked)

    assert CAPPED_AT_LEAST == 100
    assert first_look(20, None) == (20, 1)  # the usual region: one request
    assert first_look(0, None) == (0, 1)
    assert first_look(99, None) == (99, 1)
    assert first_look(250, None) == (250, 2)  # might have been cut: one more, empty
    assert first_look(250, 100) == (250, 3)  # a cloud that cuts at 100: every stack all the same
    assert first_look(2500, None) == (2500, 4)  # 1000, 1000, 500 (might be cut), then the empty one


class _Region:
    """A region's client that is never asked: the tests below only plan looks."""

    def __init__(self, region: str):
        self.region = region


class _Regions:
    def region(self, name: str) -> _Region:
        return _Region(name)


def test_quiet_regions_look_one_after_another_not_all_at_once():
    """core/live/events.py _next_watch: every region's first list ends at one moment at start (the head
    start), and quiet regions share one interval, so their looks came together, 1.5 R requests at once
    every interval (cursor keys waited 50-130 ms in those bursts at 50 regions). A quiet region's look
    keeps to its own slot, the slots evenly apart; an active region keeps its busy cadence from its look."""
    from mrconsole.core.live.events import EventStream, StreamConfig, on_slot

    assert on_slot(10.0, 10.0, 3.0) == 13.0
    assert on_slot(13.0, 10.0, 3.0) == 13.0
    assert on_slot(13.5, 10.0, 3.0) == 23.0

    now = [100.0]
    stream = EventStream(_Regions(), StreamConfig(all_stacks=True), clock=lambda: now[0])
    names = [f"Region{i:02}" for i in range(50)]
    for name in names:
        stream.follow_region(name)
        watch = stream.watches[name] = RegionWatch(_Region(name), stream.config.watch, clock=lambda: now[0])
        watch.fleet_regions = len(names)
        watch._active_until = 0.0  # quiet
    interval = stream.watches[names[0]].interval()
    assert interval == 10.0  # 50 regions share the quiet budget (the test above)
    # Every region looked at the same moment (the start): their next looks are spread over the interval.
    due = sorted(stream._next_watch(name, 100.0, 100.2) for name in names)
    gaps = [b - a for a, b in zip(due, due[1:], strict=False)]
    assert max(gaps) - min(gaps) < 1e-9 and abs(gaps[0] - interval / len(names)) < 1e-9
    assert all(100.2 + interval / 2 <= d < 100.2 + 1.5 * interval for d in due)
    # In its slot a region's looks then come every interval.
    first = stream._next_watch(names[7], 100.0, 100.2)
    assert stream._next_watch(names[7], first, first + 0.3) == first + interval
    # An active region is not held to a slot: its next look is busy_interval after this one's start.
    stream.watches[names[7]].sweep_soon()
    assert stream._next_watch(names[7], 200.0, 200.3) == 200.0 + stream.config.watch.busy_interval


def test_changes_in_two_regions_make_a_wave_that_quickens_the_quiet_ones_within_a_budget():
    """core/live/events.py _note_change: one region's change leaves the others at their quiet cadence; a
    second region's within quiet_after makes a wave (an action going through the fleet): every quiet region
    is looked at every R * 1.5 / wave budget s (never quicker than busy_interval), its next look brought
    forward, until quiet_after after the wave's last change (#37's burst: a quiet region's first check was
    seen 4 s late at 20 regions). With nothing changing a wave costs nothing."""
    from mrconsole.core.live.events import EventStream, StreamConfig
    from mrconsole.core.live.watch import QUIET_REQUESTS_PER_LOOK

    def fleet_in_a_wave(regions: int, wave_interval: float) -> None:
        now = [100.0]
        stream = EventStream(_Regions(), StreamConfig(all_stacks=True), clock=lambda: now[0])
        names = [f"Region{i:02}" for i in range(regions)]
        for name in names:
            stream.follow_region(name)
            watch = stream.watches[name] = RegionWatch(_Region(name), stream.config.watch, clock=lambda: now[0])
            watch.fleet_regions = regions
            watch._active_until = 0.0  # quiet
        quiet = stream.watches[names[5]].interval()
        assert quiet == max(3.0, regions * 0.2)

        stream._note_change(names[0])  # one region: no wave
        assert stream.watches[names[5]].interval() == quiet and not stream._hurry
        now[0] += 20.0
        stream._note_change(names[1])  # a second within quiet_after: a wave
        assert stream.watches[names[5]].interval() == wave_interval
        assert stream._hurry == set(names) - {names[1]}  # names[0] is quiet again by now: hurried too
        # The fleet's quiet looks together within the wave budget.
        per_second = regions * QUIET_REQUESTS_PER_LOOK / stream.watches[names[5]].interval()
        assert per_second <= stream.config.watch.wave_requests_per_second + 1e-9
        # A hurried look comes within one wave interval, in the region's slot: the regions' looks spread out.
        hurried = sorted(stream._hurried_look(r, now[0]) for r in names)
        assert now[0] <= hurried[0] and hurried[-1] < now[0] + wave_interval
        assert len(set(hurried)) == regions
        # Until quiet_after after the last change, then quiet again; a lone change later makes none.
        now[0] += 29.0
        assert stream.watches[names[5]].interval() == wave_interval
        now[0] += 1.5
        assert stream.watches[names[5]].interval() == quiet
        stream._hurry.clear()
        now[0] += 40.0
        stream._note_change(names[2])
        assert stream.watches[names[5]].interval() == quiet and not stream._hurry

    fleet_in_a_wave(20, 1.25)
    fleet_in_a_wave(50, 3.125)


def test_the_stream_is_settled_only_while_no_events_are_being_read():
    """core/live/events.py EventStream.settled: true with no read of events under way in any region, false
    while one is asked (the log then holds what arrives for it: tui/widgets/event_log.py)."""
    from mrconsole.core.live.events import EventStream

    seen: list[bool] = []
    release = asyncio.Event()

    class Client:
        region = "R"

        async def events(self, *args, **kwargs):
            seen.append(stream.settled())
            await release.wait()
            return []

    class Fleet:
        def region(self, name):
            return Client()

    stream = EventStream(Fleet())

    async def scenario():
        assert stream.settled()
        reads = [asyncio.create_task(stream._read_events("R", "s", "id")) for _ in range(2)]
        await asyncio.sleep(0)
        assert not stream.settled()
        release.set()
        await asyncio.gather(*reads)
        assert stream.settled()

    asyncio.run(scenario())
    assert seen == [False, False]  # each read counted while it is asked
