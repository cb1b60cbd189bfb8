"""Scale against the real lab: a fleet created under concurrent load, a region
watch that misses no change of any kind, events of 50 stacks changing at once
exactly once, and a frozen region that costs the others nothing.

Last in the run on purpose (it leaves a fleet in RegionThree).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest

from mrconsole.cloud.connection import authenticate, connect
from mrconsole.cloud.region import Timeouts
from mrconsole.core.live.events import EventStream, StreamConfig
from mrconsole.core.live.fleet import Fleet
from mrconsole.core.live.watch import RegionWatch, WatchConfig
from mrconsole.lab.options import lab_options

REGION = "RegionThree"
FAST = Timeouts(connect=1.0, read=5.0)


def _template(value: str = "a", wait: dict | None = None, fail: bool = False) -> dict:
    props: dict = {"value": value}
    if wait:
        props["action_wait_secs"] = wait
    if fail:
        props["fail"] = True
    return {
        "heat_template_version": "2021-04-16",
        "resources": {"r": {"type": "OS::Heat::TestResource", "properties": props}, "n": {"type": "OS::Heat::None"}},
    }


async def _fleet(lab, timeouts=FAST) -> Fleet:
    fleet = Fleet(await connect(lab_options(str(lab.dir), timeouts=timeouts)))
    await authenticate(fleet.cloud)
    return fleet


async def _gone(client, name: str, stack_id: str, limit: float = 60.0) -> None:
    """Until Heat's lists no longer hold the deleted stack: Heat shows DELETE_COMPLETE by id a moment before
    it drops the row from its lists (topology.until_name_free's note)."""
    from mrconsole.core.master.topology import until_name_free

    assert await _settle(client, stack_id, limit) == "DELETE_COMPLETE"
    assert await until_name_free(client, name, stack_id, limit)


async def _settle(client, stack_id: str, limit: float = 60.0) -> str:
    for _ in range(int(limit / 0.25)):
        detail = await client.find_stack(stack_id)
        if detail is None:
            return "DELETE_COMPLETE"
        if not detail.stack.in_progress:
            return detail.stack.status
        await asyncio.sleep(0.25)
    raise AssertionError(f"{stack_id} still in progress after {limit}s")


@pytest.fixture(scope="module")
def fleet_stacks(lab):
    """60 stacks in RegionThree, created 8 at a time: none may fail (sqlite under load)."""
    from mrconsole.lab.populate import populate

    report = populate(lab.lab, stacks=60, regions=[REGION], masters=0, concurrency=8, busy_seconds=5)
    assert report.failed == []
    assert report.created + report.existing == 60
    counts = report.statuses[REGION]
    # The mix: 6 fail on purpose, 5 suspended, 2 long histories updated, the rest complete.
    assert counts["CREATE_FAILED"] == 6
    assert counts["SUSPEND_COMPLETE"] == 5
    assert counts["UPDATE_COMPLETE"] == 2
    assert sum(counts.values()) >= 60
    heat_log = (lab.dir / REGION / "heat.log").read_text(errors="replace")
    assert "database is locked" not in heat_log
    return report


def test_populate_again_creates_nothing(lab, fleet_stacks):
    from mrconsole.lab.populate import populate

    again = populate(lab.lab, stacks=60, regions=[REGION], masters=0, concurrency=8, busy_seconds=5)
    assert again.created == 0 and again.existing == 60 and again.ok


def test_populate_refuses_bad_input_in_one_line(cli, lab):
    code, _, err = cli("lab", "populate", "--concurrency", "0", "--dir", str(lab.dir))
    assert code == 1 and "concurrency" in err and "Traceback" not in err
    code, _, err = cli("lab", "populate", "--regions", "Nowhere", "--dir", str(lab.dir))
    assert code == 1 and "Nowhere" in err and len(err.strip().splitlines()) == 1


def test_watch_misses_no_change_of_any_kind(lab, fleet_stacks):
    """Each action runs entirely between two looks; the next look reports it."""

    async def scenario():
        fleet = await _fleet(lab)
        client = fleet.region(REGION)
        watch = RegionWatch(client, WatchConfig(sweep_interval=3600, reconcile_interval=3600, page=5))
        try:
            first = await watch.poll()
            assert first.full and len(first.added) >= 60

            async def look():
                watch.sweep_soon()
                return await watch.poll()

            name = f"watch-{uuid.uuid4().hex[:6]}"
            sid = (await client.create_stack(name, _template()))["id"]
            assert await _settle(client, sid) == "CREATE_COMPLETE"
            seen = {}
            ch = await look()
            assert [s.status for s in ch.added if s.id == sid] == ["CREATE_COMPLETE"]

            steps = [
                ("suspend", lambda: client.stack_action(sid, "suspend"), "SUSPEND_COMPLETE"),
                ("resume", lambda: client.stack_action(sid, "resume"), "RESUME_COMPLETE"),
                ("check", lambda: client.stack_action(sid, "check"), "CHECK_COMPLETE"),
                ("patch", lambda: client.update_stack(sid, existing=True, parameters={}), "UPDATE_COMPLETE"),
                ("full update", lambda: client.update_stack(sid, template=_template("b")), "UPDATE_COMPLETE"),
                (
                    "failed update",
                    lambda: client.update_stack(sid, template=_template("c", fail=True)),
                    "UPDATE_FAILED",
                ),
            ]
            for label, act, expected in steps:
                await act()
                assert await _settle(client, sid) == expected, label
                ch = await look()
                seen[label] = [s.status for s in ch.changed if s.id == sid]
                assert seen[label] == [expected], (label, seen)
                assert watch.stacks[sid].status == expected

            await client.delete_stack(sid)
            assert await _settle(client, sid) == "DELETE_COMPLETE"
            ch = await look()
            assert [s.id for s in ch.removed] == [sid]
            assert sid not in watch.stacks

            # A stack created and deleted between two looks leaves nothing behind.
            brief = (await client.create_stack(f"{name}-brief", _template()))["id"]
            await _settle(client, brief)
            await client.delete_stack(brief)
            await _settle(client, brief)
            await look()
            assert brief not in watch.stacks

            # A failed create is a change too.
            bad = (await client.create_stack(f"{name}-bad", _template(fail=True)))["id"]
            assert await _settle(client, bad) == "CREATE_FAILED"
            ch = await look()
            assert [s.status for s in ch.added if s.id == bad] == ["CREATE_FAILED"]
            await client.delete_stack(bad)
            await _gone(client, f"{name}-bad", bad)  # nothing left in progress for the next test's lists
        finally:
            fleet.close()

    asyncio.run(scenario())


def test_a_quiet_watch_sees_every_kind_of_start_without_the_busy_question(lab, fleet_stacks):
    """Heat decides (core/live/watch.py's note): from a quiet region (nothing in progress), every action
    moves updated_time or creation_time when it starts, so quiet looks (updated; created every other
    look) see each one, quick or long, and never ask which stacks are busy."""

    async def scenario():
        fleet = await _fleet(lab)
        client = fleet.region(REGION)
        watch = RegionWatch(client, WatchConfig(quiet_after=0.0, sweep_interval=3600, reconcile_interval=3600))
        asked = []
        real_list = watch._list

        async def recorded(**kwargs):
            asked.append(kwargs)
            return await real_list(**kwargs)

        watch._list = recorded
        try:
            for _ in range(240):  # the fleet's own long actions (populate's busy stacks) are over
                if not await client.list_stacks(filters={"status": "IN_PROGRESS"}):
                    break
                await asyncio.sleep(0.25)
            await watch.poll()  # the inventory
            assert watch.quiet()

            async def quiet_looks():
                changes = []
                for _ in range(2):  # `created` comes every other look
                    assert watch.quiet()
                    ch = await watch.poll()
                    changes += [*ch.added, *ch.changed, *ch.removed]
                return changes

            name = f"quiet-{uuid.uuid4().hex[:6]}"
            sid = (await client.create_stack(name, _template()))["id"]
            assert await _settle(client, sid) == "CREATE_COMPLETE"
            assert [s.status for s in await quiet_looks() if s.id == sid] == ["CREATE_COMPLETE"]
            steps = [
                ("suspend", lambda: client.stack_action(sid, "suspend"), "SUSPEND_COMPLETE"),
                ("resume", lambda: client.stack_action(sid, "resume"), "RESUME_COMPLETE"),
                ("check", lambda: client.stack_action(sid, "check"), "CHECK_COMPLETE"),
                ("update", lambda: client.update_stack(sid, template=_template("b")), "UPDATE_COMPLETE"),
            ]
            for label, act, expected in steps:
                await act()
                assert await _settle(client, sid) == expected, label
                assert [s.status for s in await quiet_looks() if s.id == sid] == [expected], label
            # A long action is seen starting by a quiet look; the region is then active.
            await client.update_stack(sid, template=_template("c", wait={"update": 4}))
            for _ in range(20):
                if watch.stacks[sid].in_progress:
                    break
                assert watch.quiet()
                await watch.poll()
                await asyncio.sleep(0.25)
            assert watch.stacks[sid].status == "UPDATE_IN_PROGRESS" and not watch.quiet()
            assert not any((k.get("filters") or {}).get("status") == "IN_PROGRESS" for k in asked)
            assert await _settle(client, sid) == "UPDATE_COMPLETE"
            await client.delete_stack(sid)
            assert await _settle(client, sid) == "DELETE_COMPLETE"
            for _ in range(4):
                await watch.poll()
            assert sid not in watch.stacks
        finally:
            fleet.close()

    asyncio.run(scenario())


def test_watch_sees_long_actions_start_and_end_without_a_sweep(lab, fleet_stacks):
    """The busy question alone (no sweep, no full list) sees an action start and end."""

    async def scenario():
        fleet = await _fleet(lab)
        client = fleet.region(REGION)
        watch = RegionWatch(client, WatchConfig(sweep_interval=3600, reconcile_interval=3600))
        try:
            name = f"long-{uuid.uuid4().hex[:6]}"
            sid = (await client.create_stack(name, _template(wait={"update": 4})))["id"]
            await _settle(client, sid)
            await watch.poll()  # the inventory, with it
            requests_before = watch.requests
            await client.update_stack(sid, template=_template("z", wait={"update": 4}))
            statuses = []
            for _ in range(60):
                ch = await watch.poll()
                statuses += [s.status for s in ch.changed if s.id == sid]
                if statuses and statuses[-1] == "UPDATE_COMPLETE":
                    break
                await asyncio.sleep(0.5)
            assert statuses[0] == "UPDATE_IN_PROGRESS" and statuses[-1] == "UPDATE_COMPLETE"
            # One busy list per look, plus one list by id when it finished: never a full list.
            polls = watch.requests - requests_before
            assert polls <= 62
            await client.delete_stack(sid)
            # Gone before the next test: its lists, a moment apart, must hold the same stacks (a delete
            # still running here ended between them in a clean clone's run).
            await _gone(client, name, sid)
        finally:
            fleet.close()

    asyncio.run(scenario())


def test_a_page_shorter_than_its_limit_is_one_request_and_the_whole_list(lab, fleet_stacks):
    """heatclient's StackManager.list with a limit asks again from a short page's last row (it takes a short
    page for a server's cap): on Heat, whose list has no cap, that second request was always empty, and
    every region's first list and every look at a region holding fewer stacks than a page paid it. One page
    is one request now (cloud/region.py list_stacks), and it holds every stack the unlimited list does; Heat
    answers the next page from its last row with nothing (so the watch may stop at a short page)."""
    from mrconsole.cloud import request_log

    async def scenario():
        fleet = await _fleet(lab)
        client = fleet.region(REGION)
        try:
            every = await client.list_stacks()
            assert len(every) >= 60
            before = request_log.PROCESS.last
            page = await client.list_stacks(limit=len(every) + 5, sort_keys="creation_time", sort_dir="asc")
            sent = [r for r in request_log.PROCESS.since(before) if r.region == REGION]
            assert [r.path.rsplit("/", 1)[-1] for r in sent] == ["stacks"]  # one request (two before)
            assert {s.id for s in page} == {s.id for s in every}
            after = await client.list_stacks(limit=5, marker=page[-1].id, sort_keys="creation_time", sort_dir="asc")
            assert after == []
        finally:
            fleet.close()

    asyncio.run(scenario())


def test_the_consoles_first_lists_asked_ahead_are_its_first_looks_and_a_late_one_is_asked_again(lab, fleet_stacks):
    """core/live/head_start.py: the console opens the cloud and asks each region's first full list on a
    thread while its screen is built; each region's first look takes that answer (no request of its own),
    and holds what a list asked now holds. An answer asked longer than AHEAD_FRESH ago is not taken: the
    look asks again."""
    from mrconsole.cloud import region as region_module
    from mrconsole.cloud import request_log
    from mrconsole.core.live.head_start import HeadStart

    async def first_looks(fresh: float) -> tuple[dict[str, set[str]], list[str]]:
        head = HeadStart(lab_options(str(lab.dir), timeouts=FAST), WatchConfig())
        cloud = await head.cloud()
        fleet = Fleet(cloud)
        try:
            await asyncio.to_thread(head._thread.join)
            for client in cloud.regions.values():  # every answer in, so that what follows is the look's own
                for future, _ in client._ahead.values():
                    await asyncio.wrap_future(future)
            before = request_log.PROCESS.last
            old = region_module.AHEAD_FRESH
            region_module.AHEAD_FRESH = fresh
            try:
                seen = {}
                for name, client in cloud.regions.items():
                    watch = RegionWatch(client, WatchConfig())
                    changes = await watch.poll()
                    seen[name] = {s.id for s in changes.added}
            finally:
                region_module.AHEAD_FRESH = old
            sent = [r.region for r in request_log.PROCESS.since(before) if r.path.endswith("/stacks")]
            now = {name: {s.id for s in await client.list_stacks()} for name, client in cloud.regions.items()}
            assert seen == now  # the answer asked ahead is the region's inventory
            return seen, sent
        finally:
            fleet.close()

    from mrconsole.core.live.watch import CAPPED_AT_LEAST

    seen, sent = asyncio.run(first_looks(fresh=10.0))
    assert len(seen[REGION]) >= 60 and set(seen) == set(lab.regions)
    # Every region's first look took the answer asked ahead (a region of 100 stacks or more asks one more
    # page, empty: the check for a cloud that cuts long lists).
    longer = Counter(r for r in seen if len(seen[r]) >= CAPPED_AT_LEAST)
    assert Counter(sent) == longer
    _, sent = asyncio.run(first_looks(fresh=0.0))
    assert Counter(sent) == Counter(lab.regions) + longer  # too old: each region asked again


def test_watch_pages_through_more_changes_than_a_page(lab, fleet_stacks):
    async def scenario():
        fleet = await _fleet(lab)
        client = fleet.region(REGION)
        watch = RegionWatch(client, WatchConfig(sweep_interval=3600, reconcile_interval=3600, page=4))
        try:
            await watch.poll()
            ids = [s.id for s in watch.stacks.values() if s.status == "CREATE_COMPLETE"][:11]
            await asyncio.gather(*(client.stack_action(i, "check") for i in ids))
            for i in ids:
                await _settle(client, i)
            watch.sweep_soon()
            ch = await watch.poll()
            assert {s.id for s in ch.changed} >= set(ids)
            assert all(watch.stacks[i].status == "CHECK_COMPLETE" for i in ids)
        finally:
            fleet.close()

    asyncio.run(scenario())


def test_fifty_stacks_changing_at_once_lose_and_repeat_no_event(lab, fleet_stacks):
    async def scenario():
        # 50 actions queue behind the region's 4 client threads: a deadline
        # that counts the queue must allow for it (a loaded run needed >7 s).
        fleet = await _fleet(lab, Timeouts(connect=2.0, read=60.0))
        client = fleet.region(REGION)
        stream = EventStream(fleet, StreamConfig(all_stacks=True, backlog_discovered=False))
        stream.follow_region(REGION)
        published = Counter()
        stream.subscribe(lambda batch: published.update(e.id for e in batch))
        stop = asyncio.Event()
        task = asyncio.create_task(stream.run(stop))
        try:
            for _ in range(100):
                if REGION in stream.watches and stream.watches[REGION].loaded:
                    break
                await asyncio.sleep(0.1)
            targets = sorted(
                (
                    s
                    for s in stream.watches[REGION].stacks.values()
                    if s.status in ("CREATE_COMPLETE", "CHECK_COMPLETE", "UPDATE_COMPLETE")
                ),
                key=lambda s: s.name,
            )[:50]
            assert len(targets) == 50
            await asyncio.gather(*(client.stack_action(s.id, "check") for s in targets))
            for s in targets:
                await _settle(client, s.id)
            # Every event of every check, read afresh, must have reached the stream.
            expected = set()
            for s in targets:
                # Newest first, down to this check's own start.
                for e in await client.events(s.name, s.id, sort_dir="desc", limit=50):
                    expected.add(e.id)
                    if e.status == "CHECK_IN_PROGRESS" and e.resource_name == s.name:
                        break
            # A bound, not a timing: on a loaded 2-core machine the last quiet stacks are
            # looked at up to 8 s apart, behind 50 reads queued on 4 client threads.
            for _ in range(240):
                if expected <= set(published):
                    break
                await asyncio.sleep(0.25)
            missing = expected - set(published)
            detail = [
                (e.stack_name, e.resource_name, e.status, e.time)
                for s in targets
                for e in await client.events(s.name, s.id, sort_dir="desc", limit=50)
                if e.id in missing
            ]
            assert not missing, f"{len(missing)} of {len(expected)} events never reached the stream: {detail}"
            assert max(published.values()) == 1  # none published twice
            assert len(expected) >= 50 * 4  # stack + 2 resources, in progress and complete
        finally:
            stop.set()
            await task
            fleet.close()

    asyncio.run(scenario())


def test_frozen_region_costs_the_others_nothing(lab, fleet_stacks):
    """While RegionTwo hangs, RegionThree's events arrive before RegionTwo's call even times out."""

    async def scenario():
        fleet = await _fleet(lab, Timeouts(connect=2.0, read=40.0))
        client = fleet.region(REGION)
        stream = EventStream(fleet, StreamConfig(all_stacks=True, backlog_discovered=False))
        for r in ("RegionTwo", REGION):
            stream.follow_region(r)
        answers = []
        stream.subscribe_regions(lambda region, error, at: answers.append((region, error)))
        got = []
        stream.subscribe(lambda batch: got.extend(e for e in batch if e.region == REGION))
        stop = asyncio.Event()
        task = asyncio.create_task(stream.run(stop))
        try:
            for _ in range(100):
                if all(r in stream.watches and stream.watches[r].loaded for r in ("RegionTwo", REGION)):
                    break
                await asyncio.sleep(0.1)
            with lab.fault("RegionTwo", "freeze"):
                calls = fleet.region("RegionTwo").calls
                for _ in range(100):  # RegionTwo's next look has started: it hangs now
                    if fleet.region("RegionTwo").calls > calls:
                        break
                    await asyncio.sleep(0.05)
                answers.clear()
                name = f"thaw-{uuid.uuid4().hex[:6]}"
                sid = (await client.create_stack(name, _template()))["id"]
                for _ in range(250):
                    if any(
                        e.stack_id == sid and e.status == "CREATE_COMPLETE" and e.resource_name == name for e in got
                    ):
                        break
                    await asyncio.sleep(0.1)
                # RegionThree went on answering and its create was streamed whole...
                assert any(e.stack_id == sid for e in got)
                assert (REGION, None) in answers
                # ...while RegionTwo had not even failed yet: its one call was still hanging.
                assert not any(r == "RegionTwo" for r, _ in answers)
        finally:
            stop.set()
            await task
            fleet.close()

    asyncio.run(scenario())


def test_a_failing_loop_is_logged_shown_and_restarted(lab, monkeypatch):
    """An unexpected exception inside a region's loop: one line for the operator,
    the traceback in the log file, and the loop goes on by itself."""
    from mrconsole.logs import log_path

    real_poll = RegionWatch.poll
    calls = Counter()

    async def flaky_poll(self):
        calls[self.region] += 1
        if self.region == "RegionTwo" and calls[self.region] <= 2:
            raise RuntimeError("injected fault in the watch")
        return await real_poll(self)

    monkeypatch.setattr(RegionWatch, "poll", flaky_poll)

    async def scenario():
        fleet = await _fleet(lab)
        stream = EventStream(fleet, StreamConfig(all_stacks=True, backlog_discovered=False))
        for r in ("RegionOne", "RegionTwo"):
            stream.follow_region(r)
        seen = []
        stream.subscribe_regions(lambda region, error, at: seen.append((region, error)))
        stop = asyncio.Event()
        task = asyncio.create_task(stream.run(stop))
        try:
            for _ in range(200):
                if stream.watches.get("RegionTwo") and stream.watches["RegionTwo"].loaded:
                    break
                await asyncio.sleep(0.1)
            assert stream.watches["RegionTwo"].loaded  # restarted and recovered by itself
        finally:
            stop.set()
            await task
            fleet.close()
        return seen

    seen = asyncio.run(scenario())
    errors = [e for r, e in seen if r == "RegionTwo" and e]
    assert errors and all(e == "internal error (see mrconsole.log)" for e in errors)  # never "unreachable"
    assert ("RegionTwo", None) in seen  # then answered normally
    assert all(e is None for r, e in seen if r == "RegionOne")  # the other region never noticed
    log = log_path().read_text()
    assert "the loop for region RegionTwo failed" in log and "Traceback" in log and "injected fault" in log
