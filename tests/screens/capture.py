"""Capture the scenes the screen snapshots replay, from the real lab.

    python -m tests.screens.capture [--lab-dir DIR]      (or `make scenes`)

Brings the lab up, drives it into each state the README shows, runs a real
ConsoleSession until it has seen that state, and writes the session's data
to tests/screens/data/<scene>.json. Journal and topology cache go to a
temporary state directory, so the journal scene holds only these actions.
The lab is this run's own, under the temporary state directory, and is
brought down at the end. Run it again when the core's dataclasses or the lab's behaviour change;
then `make snapshots-update` and review the SVG diff.
"""

from __future__ import annotations

import os
import tempfile

os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="mrconsole-scenes-")

import argparse
import asyncio
import dataclasses
import json
import sys
import time
from pathlib import Path

from mrconsole.cloud.connection import connect
from mrconsole.cloud.region import Timeouts
from mrconsole.cloud.templates import gather
from mrconsole.core.acting.actions import Actions, Target
from mrconsole.core.live.fleet import Fleet
from mrconsole.core.live.session import ConsoleSession, SessionConfig
from mrconsole.lab.manager import Lab
from mrconsole.lab.options import lab_options
from mrconsole.lab.seed import example_template, seed
from tests.screens.replay import DATA, save, scene_of

FAST = Timeouts(connect=1.0, read=2.0)

# A master whose RegionTwo constituent fails: the why scene follows it there.
BROKEN = {
    "heat_template_version": "2018-08-31",
    "resources": {
        "db_stack": {
            "type": "OS::Heat::Stack",
            "properties": {
                "context": {"region_name": "RegionTwo"},
                "template": json.dumps(
                    {
                        "heat_template_version": "2018-08-31",
                        "resources": {
                            "volume": {
                                "type": "OS::Heat::TestResource",
                                "properties": {"fail": True, "value": "quota exceeded for volumes (on purpose)"},
                            }
                        },
                    }
                ),
            },
        }
    },
}


def log(message: str) -> None:
    print(f"scenes: {message}", file=sys.stderr, flush=True)


async def _until(predicate, limit: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.3)
    raise SystemExit(f"scenes: gave up waiting for {what or predicate}")


class Live:
    """A real ConsoleSession against the lab, as the console runs it."""

    def __init__(self, lab: Lab, master: str | None):
        self.lab, self.master = lab, master

    async def __aenter__(self) -> ConsoleSession:
        fleet = Fleet(await connect(lab_options(str(self.lab.dir), timeouts=FAST)))
        self.session = ConsoleSession(fleet, master=self.master, config=SessionConfig())
        self.session.start()
        await _until(lambda: all(v.fetched_at for v in self.session.regions.values()), 60, "every region")
        if self.master:
            await _until(lambda: self.session.master.topology is not None, 60, "the master")
        await asyncio.sleep(3.0)  # events of what was just seen
        return self.session

    async def __aexit__(self, *exc) -> None:
        await self.session.stop()


async def _wait_status(fleet: Fleet, region: str, ref: str, limit: float = 180.0) -> str:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        detail = await fleet.region(region).get_stack(ref)
        if not detail.stack.in_progress:
            return detail.stack.status
        await asyncio.sleep(1.0)
    raise SystemExit(f"scenes: {ref} still in progress after {limit:.0f}s")


async def _delete_if_there(fleet: Fleet, region: str, name: str) -> None:
    found = await fleet.region(region).find_stack(name)
    if found is None:
        return
    await fleet.region(region).delete_stack(f"{name}/{found.stack.id}")
    for _ in range(240):
        if await fleet.region(region).find_stack(found.stack.id) is None:
            return
        await asyncio.sleep(0.5)


async def capture(lab: Lab) -> None:
    fleet = Fleet(await connect(lab_options(str(lab.dir))))
    actions = Actions(fleet)
    try:
        # The why scene's failed master, and an out-of-band change for drift.
        await _delete_if_there(fleet, "RegionOne", "broken")
        await _delete_if_there(fleet, "RegionOne", "rollout")
        created = await actions.create(Target("RegionOne", "broken"), gather_dict(BROKEN), {})
        log(f"broken: {await _wait_status(fleet, 'RegionOne', created.stack_id)}")
        async with Live(lab, "demo") as s:
            app_stack = s.master.topology.constituent("app_stack")
        await actions.update(
            Target("RegionThree", app_stack.stack_name, app_stack.stack_id), None, {"replicas": "3"}, existing=True
        )
        log(f"demo app_stack out of band: {await _wait_status(fleet, 'RegionThree', app_stack.stack_id)}")
    finally:
        fleet.close()

    async with Live(lab, "demo") as s:
        demo = s.master.topology.master
        broken = s.find("broken")
        reads = {
            "describe": {demo.id: await s.describe(demo.region, demo.id)},
            "why": {broken.id: await s.why(broken.region, broken.id)},
            "drift": {"demo": await s.drift("demo")},
            "journal": await s.journal(200),
        }
        save(DATA / "healthy.json", scene_of(s, time.time(), **reads))
        log("healthy (with detail, why, drift and journal reads)")

    async with Live(lab, "demo") as s:
        lab.stop("RegionTwo")
        try:
            await _until(lambda: s.regions["RegionTwo"].stale, 30, "RegionTwo stale")
            await asyncio.sleep(3.0)
            save(DATA / "region-down.json", scene_of(s, time.time()))
            log("region down")
        finally:
            lab.start("RegionTwo")

    async with Live(lab, "demo") as s:
        lab.stop("RegionOne")
        try:
            # A running console keeps the master it read, marked unreachable (the banner);
            # a console started during the outage reads it from the cache (test_outage).
            await _until(
                lambda: s.master.error is not None and s.regions["RegionOne"].stale, 60, "the master unreachable"
            )
            await asyncio.sleep(3.0)
            save(DATA / "outage.json", scene_of(s, time.time()))
            log("outage")
        finally:
            lab.start("RegionOne")

    fleet = Fleet(await connect(lab_options(str(lab.dir))))
    try:
        bundle = gather(str(example_template("multi-region")))
        await Actions(fleet).create(Target("RegionOne", "rollout"), bundle, {})
        async with Live(lab, "rollout") as s:
            await _until(
                lambda: any(c.stack is not None and c.stack.in_progress for c in s.master.topology.constituents),
                60,
                "a constituent deploying",
            )
            await asyncio.sleep(1.0)
            save(DATA / "deploying.json", scene_of(s, time.time()))
            log("deploying")
        await _wait_status(fleet, "RegionOne", "rollout")
    finally:
        fleet.close()


async def capture_rollout(lab: Lab) -> None:
    """A rollout of examples/rollout held after its canary (its gate failed): the rollout screen, the
    breakpoints list and the tree's held marks. Rolled back at the end."""
    from mrconsole.core.diagnosis.operations import operations
    from mrconsole.core.rollout.gate import Gate
    from mrconsole.core.rollout.run import RolloutRun
    from mrconsole.core.rollout.stored import rollout_state
    from mrconsole.core.rollout.waves import Change, breakpoints, plan_rollout

    fleet = Fleet(await connect(lab_options(str(lab.dir))))
    actions = Actions(fleet)
    try:
        await _delete_if_there(fleet, "RegionOne", "web")
        await asyncio.to_thread(seed, lab, name="web", example="rollout", wait=True)
        plan = await plan_rollout(fleet, "RegionOne", "web", Change({"release": "v2"}))
        waves = tuple(w.regions for w in plan.waves)
        run = RolloutRun(fleet, actions, plan.topology, waves, Gate(command="false"))
        log(f"rollout: {(await run.start(plan)).message}")
        async with Live(lab, "web") as s:
            await _until(lambda: len(s.master.held) == 2, 30, "the held constituents in the master's events")
            master = s.master.topology.master
            topo, status = await rollout_state(fleet, "RegionOne", "web")
            reads = {
                "rollout_state": {master.id: (topo, status)},
                "breakpoints": {master.id: await breakpoints(fleet, topo)},
                "operations": {master.id: await operations(fleet, "RegionOne", "web")},
            }
            save(DATA / "rollout.json", scene_of(s, time.time(), **reads))
            log("rollout held")
        run.adopt(status, None)
        log(f"rolled back: {(await run.rollback({}, 'parameters', status)).message}")
    finally:
        fleet.close()


async def capture_moved(lab: Lab) -> None:
    """examples/multi-region's master moved while its region is down: the move's preview (from the topology
    cache alone), then the old master back and stale. The stale master is abandoned at the end."""
    from mrconsole.core.master.rehome import execute_rehome, plan_rehome
    from mrconsole.core.master.rehome_data import keep_adopt_data
    from mrconsole.core.master.topology import read_master
    from mrconsole.state.topology_cache import TopologyCache, from_topology

    fleet = Fleet(await connect(lab_options(str(lab.dir), timeouts=FAST)))
    actions = Actions(fleet)
    cache = TopologyCache()
    try:
        for region in ("RegionOne", "RegionTwo"):
            await _delete_if_there(fleet, region, "shop")
        await asyncio.to_thread(seed, lab, name="shop", example="multi-region", wait=True)
        topo = await read_master(fleet, "RegionOne", "shop")
        cache.save(from_topology(topo))
        await keep_adopt_data(fleet, topo, cache)
        async with Live(lab, "shop") as s:
            lab.stop("RegionOne")
            try:
                await _until(lambda: s.master.error is not None and s.regions["RegionOne"].stale, 60, "shop lost")
                plan = await plan_rehome(s.fleet, "shop", "RegionTwo", cache)
                await asyncio.sleep(2.0)
                # The adopt data holds the master's template as Heat has it, a hidden parameter's default
                # included: the screen shows none of it, and a scene kept in the repository must not.
                shown = dataclasses.replace(plan, adopt=dataclasses.replace(plan.adopt, data={}))
                save(DATA / "moved.json", scene_of(s, time.time(), rehome_plan={"shop": shown}))
                log(f"move preview: {plan.source}")
                new_id, said = await execute_rehome(actions, plan, cache)
                log(said)
            finally:
                lab.start("RegionOne")
        async with Live(lab, "shop") as s:
            await _until(lambda: bool(s.master.owned_by), 90, "the old master marked stale")
            await asyncio.sleep(2.0)
            save(DATA / "stale.json", scene_of(s, time.time()))
            log(f"stale: {s.master.owned_by}")
            old = s.master.topology.master
        await actions.abandon(Target(old.region, old.name, old.id))
    finally:
        fleet.close()


async def capture_oncall(lab: Lab) -> None:
    """The sample master's resources across regions, then its outputs with RegionThree down (stale, from
    the topology cache that the session keeps)."""
    from mrconsole.core.diagnosis.outputs import outputs_across
    from mrconsole.core.diagnosis.resources import resources_across

    async with Live(lab, "demo") as s:
        demo = s.master.topology.master
        resources = await resources_across(s.fleet, demo.region, f"{demo.name}/{demo.id}")
        await outputs_across(s.fleet, demo.region, f"{demo.name}/{demo.id}", s.cache)  # kept in the cache
        if not await s.snapshots(demo):  # the snapshots screen's list: one the console took
            log(f"snapshot: {(await s.take_snapshot(demo, 'update', False))['status']}")
        snapshots = await s.snapshots(demo)
        lab.stop("RegionThree")
        try:
            await _until(lambda: s.regions["RegionThree"].stale, 30, "RegionThree stale")
            outputs = await outputs_across(s.fleet, demo.region, f"{demo.name}/{demo.id}", s.cache)
            await asyncio.sleep(1.0)
            save(
                DATA / "oncall.json",
                scene_of(
                    s,
                    time.time(),
                    outputs={demo.id: outputs},
                    resources={demo.id: resources},
                    snapshots={demo.id: snapshots},
                ),
            )
            log(f"oncall: {sum(1 for r in outputs.rows if r.state != 'live')} outputs not live")
        finally:
            lab.start("RegionThree")


NIGHT = "night"  # the recorded night's master (examples/rollout)


def _now() -> float:
    """A moment as the recorder stamps its records (to the millisecond): the last one is then never after
    the recording's end."""
    return round(time.time(), 3)


FLEET_REGIONS = ["RegionOne", "RegionTwo", "RegionThree", "RegionFour", "RegionFive"]


async def capture_night(lab: Lab) -> None:
    """A scripted night, recorded as `mrconsole console --record` records it (core/live/recording.py), on a
    master of its own (examples/rollout): calm, RegionTwo stopped, a check sent by the console in RegionThree
    while it is down, RegionTwo back, then a rollout in waves (one region at a time) to its end. Writes the
    recording (night.jsonl) and the moments the snapshot tier replays it at (night-moments.json)."""
    from mrconsole.core.live.recording import Recorder
    from mrconsole.core.rollout.gate import Gate

    fleet = Fleet(await connect(lab_options(str(lab.dir))))
    try:
        await _delete_if_there(fleet, "RegionOne", NIGHT)
    finally:
        fleet.close()
    await asyncio.to_thread(seed, lab, name=NIGHT, example="rollout", wait=True)
    path = DATA / "night.jsonl"
    path.unlink(missing_ok=True)
    moments: dict[str, float] = {}
    async with Live(lab, NIGHT) as s:
        recorder = Recorder(s, path)
        recorder.start()
        try:
            await asyncio.sleep(3.0)
            moments["calm"] = _now()
            lab.stop("RegionTwo")
            try:
                await _until(lambda: s.regions["RegionTwo"].stale, 40, "RegionTwo stale")
                await asyncio.sleep(2.0)
                moments["down"] = _now()
                web_three = s.master.topology.constituent("web_three")
                target = Target("RegionThree", web_three.stack_name, web_three.stack_id)
                result = await s.actions(False).stack_action(target, "check")
                log(f"night: check of {web_three.stack_name}: {result.message}")
                await _until(
                    lambda: any(x.status == "CHECK_COMPLETE" for x in s.regions["RegionThree"].stacks), 30, "checked"
                )
                await asyncio.sleep(2.0)
                moments["acted"] = _now()
            finally:
                lab.start("RegionTwo")
            await _until(lambda: not s.regions["RegionTwo"].stale, 60, "RegionTwo back")
            await asyncio.sleep(3.0)
            moments["back"] = _now()
            plan = await s.plan_rollout(s.master.topology.master, {"release": "v2"}, "", 0.0, False)
            run = s.rollout_run(plan.topology, tuple(w.regions for w in plan.waves), Gate(), False)
            log(f"night: rollout: {(await run.start(plan)).message}")
            names = {c.stack_name for c in plan.topology.constituents}
            await _until(
                lambda: sum(x.status == "UPDATE_COMPLETE" for v in s.regions.values() for x in v.stacks
                            if x.name in names) == len(names), 60, "rolled out",
            )  # fmt: skip
            await asyncio.sleep(3.0)
            moments["rolled"] = _now()
        finally:
            recorder.close()
    (DATA / "night-moments.json").write_text(json.dumps(moments, indent=1) + "\n")
    log(f"night: {path.stat().st_size} bytes, moments {sorted(moments)}")


def capture_fleet(root: Path) -> None:
    """The fleet at a glance: 5 regions x 100 stacks from `lab populate` (every state, masters), no master
    open (the masters found). A lab of its own: five regions, any free ports."""
    from mrconsole.lab.populate import populate

    lab = Lab(root / "fleet-lab")
    lab.up(regions=FLEET_REGIONS, base_port=0, progress=log)
    try:
        report = populate(lab, stacks=100, masters=2, concurrency=8, busy_seconds=900, progress=log)
        log(f"fleet: {report.created} created, {len(report.failed)} creates failed")

        async def run() -> None:
            async with Live(lab, None) as s:
                await _until(lambda: all(len(v.by_id) >= 100 for v in s.regions.values()), 60, "every region full")
                await s.masters_found()
                await asyncio.sleep(2.0)
                scene = scene_of(s, time.time())
                scene["events"] = scene["events"][-300:]  # what the log shows; the fleet's whole history is MBs
                save(DATA / "fleet.json", scene)

        asyncio.run(run())
    finally:
        lab.down(purge=True)


def gather_dict(template: dict):
    """A template held as data, as a bundle core.acting.actions can send."""
    from mrconsole.cloud.templates import TemplateBundle

    return TemplateBundle(template=template)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.screens.capture")
    parser.add_argument("--lab-dir", default=None)
    parser.add_argument(
        "--only",
        choices=("lab", "rollout", "moved", "oncall", "night", "fleet"),
        help="capture only this scene (lab: every scene but the fleet's, which has a lab of its own)",
    )
    args = parser.parse_args(argv)
    if args.only == "fleet":
        capture_fleet(Path(os.environ["XDG_STATE_HOME"]))
        return 0
    lab = Lab(Path(args.lab_dir) if args.lab_dir else None)
    log(f"lab: {lab.dir}")
    # The scenes include a moved master: a Heat that adopts (under re-authentication by trusts, the
    # production profile, Heat creates copies and the console refuses the move). Trusts, HTTPS, MariaDB.
    lab.up(progress=log, profile=None if lab.exists() else "production-no-reauth")
    try:
        log(seed(lab, name="demo", wait=True))
        DATA.mkdir(parents=True, exist_ok=True)
        if args.only in (None, "lab"):
            asyncio.run(capture(lab))
        if args.only in (None, "lab", "rollout"):
            asyncio.run(capture_rollout(lab))
        if args.only in (None, "lab", "moved"):
            asyncio.run(capture_moved(lab))
        if args.only in (None, "lab", "oncall"):
            asyncio.run(capture_oncall(lab))
        if args.only in (None, "lab", "night"):
            asyncio.run(capture_night(lab))
    finally:
        lab.down()  # this run's own lab (its state dir is temporary)
    if args.only is None:
        capture_fleet(Path(os.environ["XDG_STATE_HOME"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
