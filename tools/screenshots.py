"""Write SVG screenshots of the real console, running against the lab.

    python tools/screenshots.py [--out screenshots] [--lab-dir DIR]

(or `make screenshots`). Brings the lab up if needed, seeds the sample
master, and captures: the overview during a deploy, with one region down,
at 80x24, a stack detail, the events screen with a filter applied, a
re-apply blocked by the preflight and the per-region preview of an update, a rollout held after its
canary and the breakpoints, a master moved while its region is lost, then its old master stale, and a
recorded night replayed at its outage, with a cloud's and a region's label and colour (`--only replay`),
and two clouds in one console, the second one's Keystone stopped (`--only clouds`: a two-cloud lab, `lab up
--clouds 2`, made if the directory has no lab).

`--only fleet` (also part of a full run): the fleet at a glance, 5 regions x 100 stacks from
`lab populate` with no master open, at 80x24, 120x40 and 200x60. It replays the fleet scene that
tests/screens/capture.py captured from a populated lab of its own (`--only fleet` there: a 5-region
lab and 500 creates take minutes), the same data the snapshot tier shows.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from mrconsole.cloud.connection import connect
from mrconsole.cloud.region import Timeouts
from mrconsole.core.live.fleet import Fleet
from mrconsole.core.live.session import ConsoleSession, SessionConfig
from mrconsole.lab.manager import Lab
from mrconsole.lab.options import lab_options
from mrconsole.tui.app import MrConsoleApp
from mrconsole.tui.screens.overview import OverviewScreen

FAST = Timeouts(connect=1.0, read=2.0)


def _app(lab: Lab, master: str, cloud: str | None = None) -> MrConsoleApp:
    async def factory():
        fleet = Fleet(await connect(lab_options(str(lab.dir), cloud=cloud, timeouts=FAST)))
        return ConsoleSession(fleet, master=master, config=SessionConfig())

    return MrConsoleApp(factory)


async def _until(pilot, predicate, limit=30.0):
    for _ in range(int(limit / 0.2)):
        if predicate():
            return True
        await pilot.pause(0.2)
    return False


async def _ready(app, pilot):
    await _until(
        pilot,
        lambda: (
            isinstance(app.screen, OverviewScreen)
            and app.session.master is not None
            and app.session.master.topology is not None
        ),
    )
    await pilot.pause(2.5)


async def _fresh_rollout(lab: Lab, name: str) -> None:
    """(Re)create a master so the overview shows a deploy in progress."""
    from mrconsole.cloud.templates import gather
    from mrconsole.core.master.topology import until_name_free, until_settled
    from mrconsole.lab.seed import example_template

    cloud = await connect(lab_options(str(lab.dir)))
    try:
        client = cloud.region(lab.layout().regions[0])
        existing = await client.find_stack(name)
        if existing is not None:
            # Until its name is free: Heat refuses a create of that name while the old one is deleting (a slow
            # machine), after its delete failed, and even a moment after DELETE_COMPLETE (until_name_free). A
            # failed delete is sent once more; one that still does not end is said in one line.
            for _ in range(2):
                await client.delete_stack(f"{name}/{existing.stack.id}")
                status = (await until_settled(client, existing.stack.id, 180)).stack.status
                if status != "DELETE_FAILED":
                    break
            if status != "DELETE_COMPLETE" or not await until_name_free(client, name, existing.stack.id, 30):
                raise SystemExit(f"screenshots: the old {name!r} stack did not go ({status}): delete it, run again")
        bundle = gather(str(example_template("multi-region")))
        await client.create_stack(name, bundle.template, files=bundle.files)
    finally:
        cloud.close()


async def capture(lab: Lab, out: Path) -> list[Path]:
    written = []

    def save(app, name):
        path = app.save_screenshot(filename=f"{name}.svg", path=str(out))
        written.append(Path(path))

    await _fresh_rollout(lab, "rollout")
    app = _app(lab, "rollout")
    async with app.run_test(size=(132, 40)) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        await _until(
            pilot,
            lambda: (
                app.session.master.topology is not None
                and any(c.stack_id for c in app.session.master.topology.constituents)
            ),
        )
        await pilot.pause(1.5)
        save(app, "overview-deploying")

    app = _app(lab, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(app, pilot)
        save(app, "overview-80x24")

    app = _app(lab, "demo")
    async with app.run_test(size=(132, 40)) as pilot:
        await _ready(app, pilot)
        app.run_command("stack demo")
        await pilot.pause(2.5)
        save(app, "stack-detail")
        await pilot.press("escape")
        await pilot.press("e")
        await pilot.press("slash")
        await _until(pilot, lambda: getattr(app.screen.focused, "id", None) == "events-filter", 5)
        await pilot.press(*"region:RegionTwo", "enter")
        await pilot.pause(0.8)
        save(app, "events-filtered")

    await _preflight_screens(lab, save)
    await _rollout_screens(lab, save)
    if lab.profile(lab.layout()) == "production":
        # Heat there turns an adopt into a create, and the console refuses the move before sending.
        print("move screenshots: `--only move --lab-dir DIR` (a lab whose Heat adopts)", file=sys.stderr)
    else:
        await _move_screens(lab, save)
    await _oncall_screens(lab, save)
    await _reader_screens(lab, save)
    await _replay_screens(lab, save)

    app = _app(lab, "demo")
    async with app.run_test(size=(132, 40)) as pilot:
        await _ready(app, pilot)
        # Down after the console has seen it: its last data stays, dimmed, with its age.
        lab.stop("RegionTwo")
        try:
            await _until(pilot, lambda: app.session.regions["RegionTwo"].stale, 20)
            await pilot.pause(2.5)
            save(app, "overview-region-down")
        finally:
            lab.start("RegionTwo")
    return written


async def capture_only(which: str, out: Path, lab: Lab) -> list[Path]:
    written = []

    def save(app, name):
        written.append(Path(app.save_screenshot(filename=f"{name}.svg", path=str(out))))

    await {
        "move": _move_screens,
        "oncall": _oncall_screens,
        "reader": _reader_screens,
        "replay": _replay_screens,
        "clouds": _clouds_screens,
    }[which](lab, save)
    return written


async def _clouds_screens(lab: Lab, save) -> None:
    """Two clouds in one console (`--lab` on a two-cloud lab): the multi-cloud example's master, its
    application in lab-edge, then lab-edge's Keystone stopped: one item for that cloud in the header."""
    from mrconsole.lab.manager import EDGE_CLOUD

    edge = f"{EDGE_CLOUD}/{lab.edge().layout().regions[0]}"

    async def factory():
        # The default timeouts: a Heat whose Keystone is gone answers 503 after keystonemiddleware's own wait,
        # which FAST's 2 s read timeout would cut into "no answer" (true, but not what this screen shows).
        fleet = Fleet(await connect(lab_options(str(lab.dir))))
        return ConsoleSession(fleet, master="mcl", config=SessionConfig())

    app = MrConsoleApp(factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)
        await _until(pilot, lambda: bool(app.session.regions[edge].by_id), 30)
        await pilot.pause(1.0)
        save(app, "two-clouds")
        lab.stop(f"{EDGE_CLOUD}/keystone")
        try:
            await _until(pilot, lambda: app.session.region_down(edge).startswith("Keystone unreachable"), 60)
            await pilot.pause(3.0)
            save(app, "two-clouds-keystone-down")
        finally:
            lab.start(f"{EDGE_CLOUD}/keystone")


async def _replay_screens(lab: Lab, save) -> None:
    """A night recorded on the lab (RegionTwo stopped, then back), replayed paused at the outage, in a
    config that labels the cloud and RegionTwo and colours them (`mrconsole replay FILE`)."""
    import tempfile

    from mrconsole.config import UserConfig
    from mrconsole.core.live.playback import PlaybackSession, Recording
    from mrconsole.core.live.recording import Recorder

    path = Path(tempfile.mkdtemp(prefix="mrconsole-shot-")) / "night.jsonl"
    recorders = []

    async def factory():
        fleet = Fleet(await connect(lab_options(str(lab.dir), timeouts=FAST)))
        session = ConsoleSession(fleet, master="demo", config=SessionConfig())
        recorders.append(Recorder(session, path))
        recorders[0].start()
        return session

    app = MrConsoleApp(factory)
    async with app.run_test(size=(132, 40)) as pilot:
        await _ready(app, pilot)
        lab.stop("RegionTwo")
        try:
            await _until(pilot, lambda: app.session.region_down("RegionTwo"), 40)
            await pilot.pause(3.0)
            outage = time.time()
        finally:
            lab.start("RegionTwo")
        await _until(pilot, lambda: not app.session.region_down("RegionTwo"), 60)
    recorders[0].close()
    replay = PlaybackSession(Recording(path))
    looks = {"label": "LAB", "colour": "red", "regions": {"RegionTwo": {"label": "eu-west", "colour": "gold"}}}

    async def replayed():
        return replay

    viewer = MrConsoleApp(replayed, read_only=True, user_config=UserConfig(clouds={replay.cloud_name: looks}))
    async with viewer.run_test(size=(132, 40)) as pilot:
        await _until(pilot, lambda: isinstance(viewer.screen, OverviewScreen))
        replay.seek(outage)
        await pilot.pause(1.0)
        save(viewer, "replay-outage")


async def _reader_screens(lab: Lab, save) -> None:
    """The on-call reader's console (`--lab --os-cloud mrconsole-lab-reader`): the master's action menu,
    with what the role cannot do greyed from Heat's own answers."""
    from mrconsole.tui.screens.actions import ActionMenu

    app = _app(lab, "demo", cloud="mrconsole-lab-reader")
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)
        m = app.session.master.topology.master
        app.act_on(m.region, m.id, m.name)
        await _until(pilot, lambda: isinstance(app.screen, ActionMenu), 10)

        def greyed() -> bool:
            menus = app.screen.query("#menu")
            return bool(menus) and any(o.disabled and "your role" in str(o.prompt) for o in menus.first().options)

        await _until(pilot, greyed, 30)
        await pilot.pause(0.5)
        save(app, "action-menu-reader")


async def _constituent_action(lab: Lab, action: str, resource: str) -> None:
    """Suspend or resume one of demo's constituents directly (out of band), and wait."""
    from mrconsole.core.acting.actions import Actions, Target
    from mrconsole.core.master.topology import read_master

    fleet = Fleet(await connect(lab_options(str(lab.dir))))
    try:
        topo = await read_master(fleet, lab.layout().regions[0], "demo")
        c = topo.constituent(resource)
        await Actions(fleet).stack_action(Target(c.region, c.stack_name, c.stack_id), action)
        for _ in range(120):
            detail = await fleet.region(c.region).get_stack(c.stack_id)
            if not detail.stack.in_progress:
                return
            await asyncio.sleep(0.5)
    finally:
        fleet.close()


async def _confirm_on_demo(app, pilot, action: str) -> None:
    """The console up on demo, and the confirmation of `action` on the master open."""
    from mrconsole.tui.screens.actions import ConfirmScreen

    await _ready(app, pilot)
    m = app.session.find("demo")
    app.act_on(m.region, m.id, m.name, action)
    await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#confirm"), 30)


async def _preflight_screens(lab: Lab, save) -> None:
    """A blocked re-apply (a constituent suspended) and the per-region preview of an update."""
    await _constituent_action(lab, "suspend", "db_stack")
    try:
        app = _app(lab, "demo")
        async with app.run_test(size=(132, 40)) as pilot:
            await _confirm_on_demo(app, pilot, "reapply")
            await pilot.pause(0.5)
            save(app, "preflight-blocked")
        # The action menu of the suspended constituent: what fits its state, the rest greyed with why.
        app = _app(lab, "demo")
        async with app.run_test(size=(80, 24)) as pilot:
            await _ready(app, pilot)
            c = app.session.master.topology.constituent("db_stack")
            app.act_on(c.region, c.stack_id, c.stack_name)
            await _until(pilot, lambda: type(app.screen).__name__ == "ActionMenu", 10)
            await pilot.pause(0.3)
            save(app, "action-menu-suspended")
    finally:
        await _constituent_action(lab, "resume", "db_stack")
    app = _app(lab, "demo")
    async with app.run_test(size=(132, 40)) as pilot:
        await _confirm_on_demo(app, pilot, "update")
        app.screen.query_one("#patch-params").value = "app_replicas=4"
        app.screen.query_one("#preview").press()
        await _until(pilot, lambda: "RegionThree" in str(app.screen.query_one("#plan-preview").render()), 30)
        await pilot.pause(0.3)
        save(app, "update-preview")


async def _rollout_screens(lab: Lab, save) -> None:
    """A rollout started from the console's own form, held after its canary by a gate that fails; then
    the master's breakpoints; then rolled back from the same screen."""
    from mrconsole.lab.seed import seed
    from mrconsole.tui.screens.modals import AskScreen
    from mrconsole.tui.screens.rollout import RolloutScreen

    await asyncio.to_thread(seed, lab, name="web", example="rollout", wait=True)
    app = _app(lab, "web")
    async with app.run_test(size=(132, 40)) as pilot:
        await _ready(app, pilot)
        await pilot.press("W")
        await _until(pilot, lambda: isinstance(app.screen, RolloutScreen) and app.screen.status is not None)
        screen = app.screen
        screen.query_one("#rollout-params").value = f"release=v{int(time.time()) % 100000}"  # a new value each run
        screen.query_one("#rollout-gate").value = "sh -c 'echo smoke test: 3 of 5 checks failed; exit 1'"
        await pilot.press("f5")
        await _until(pilot, lambda: isinstance(app.screen, AskScreen), 30)
        await pilot.press("y")
        await _until(pilot, lambda: screen.busy, 10)
        await _until(pilot, lambda: not screen.busy, 120)
        await pilot.pause(1.0)
        for field in screen.query("Input"):
            field.cursor_blink = False
        save(app, "rollout")
        await pilot.press("escape")
        await pilot.press("B")
        await _until(pilot, lambda: len(getattr(app.screen, "points", [])) > 0, 30)
        await pilot.pause(0.5)
        save(app, "breakpoints")
        await pilot.press("escape")
        await pilot.press("W")
        await _until(pilot, lambda: isinstance(app.screen, RolloutScreen) and app.screen.status is not None)
        await pilot.press("b")
        await _until(pilot, lambda: isinstance(app.screen, AskScreen), 30)
        await pilot.press("y")
        await _until(pilot, lambda: not app.screen.busy and app.screen.status.phase == "none", 120)


async def _gone(lab: Lab, name: str) -> None:
    """Delete every stack named `name` in the lab, and wait until Heat has."""
    fleet = Fleet(await connect(lab_options(str(lab.dir))))
    try:
        for region in fleet.region_names:
            found = await fleet.region(region).find_stack(name)
            if found is None:
                continue
            await fleet.region(region).delete_stack(f"{name}/{found.stack.id}")
            for _ in range(240):
                if await fleet.region(region).find_stack(found.stack.id) is None:
                    break
                await asyncio.sleep(0.5)
    finally:
        fleet.close()


async def _move_screens(lab: Lab, save) -> None:
    """A master's region lost: the move's preview in the console, the move; the region back: the old
    master stale in a console opened on it, and abandoned from its action menu."""
    from mrconsole.lab.seed import seed
    from mrconsole.tui.screens.actions import ActionMenu
    from mrconsole.tui.screens.master_ops import RehomeScreen
    from mrconsole.tui.screens.modals import AskScreen

    await _gone(lab, "shop")  # a master of an earlier run (moved to RegionTwo) would stand in the way
    await asyncio.to_thread(seed, lab, name="shop", wait=True)
    app = _app(lab, "shop")
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)  # the console keeps what a move needs, while the region answers
        lab.stop("RegionOne")
        try:
            await _until(pilot, lambda: app.session.master.error is not None, 60)
            await _until(pilot, lambda: app.session.regions["RegionOne"].stale, 30)
            await pilot.press("M")
            await _until(pilot, lambda: isinstance(app.screen, RehomeScreen))
            screen = app.screen
            for field in screen.query("Input"):
                field.cursor_blink = False
            screen.query_one("#rehome-preview").press()
            await _until(pilot, lambda: screen.plan is not None, 30)
            await pilot.pause(0.5)
            save(app, "move-master")
            await pilot.press("f5")
            await _until(pilot, lambda: isinstance(app.screen, AskScreen), 10)
            await pilot.press("y")
            await _until(pilot, lambda: "is now the master" in str(screen.query_one("#rehome-plan").render()), 120)
        finally:
            lab.start("RegionOne")
    app = _app(lab, "shop")
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(app, pilot)
        await _until(pilot, lambda: bool(app.session.master.owned_by), 90)
        await pilot.pause(1.0)
        save(app, "stale-master")
        old = app.session.master.topology.master
        app.act_on(old.region, old.id, old.name)
        await _until(pilot, lambda: isinstance(app.screen, ActionMenu), 10)
        await pilot.pause(0.3)
        save(app, "stale-master-menu")
        await pilot.press("enter")  # Abandon, the first entry
        await _until(pilot, lambda: isinstance(app.screen, AskScreen), 10)
        await pilot.press("y")
        await pilot.pause(3.0)


async def _oncall_screens(lab: Lab, save) -> None:
    """The sample master's outputs with RegionThree down (stale, with their age), then its resources."""
    from mrconsole.tui.screens.oncall import OutputsScreen, ResourcesScreen

    app = _app(lab, "demo")
    async with app.run_test(size=(120, 32)) as pilot:
        await _ready(app, pilot)
        await pilot.press("o")  # a live read keeps the values in the topology cache
        await _until(pilot, lambda: isinstance(app.screen, OutputsScreen))
        await _until(pilot, lambda: app.screen.query_one("#out-table").row_count > 0, 30)
        await pilot.press("escape")
        lab.stop("RegionThree")
        try:
            await _until(pilot, lambda: app.session.regions["RegionThree"].stale, 30)
            await pilot.press("o")
            await _until(pilot, lambda: isinstance(app.screen, OutputsScreen))
            await _until(pilot, lambda: app.screen.query_one("#out-table").row_count > 0, 30)
            await pilot.pause(0.5)
            save(app, "outputs")
            await pilot.press("escape")
        finally:
            lab.start("RegionThree")
        await _until(pilot, lambda: not app.session.regions["RegionThree"].stale, 60)
        await pilot.press("R")
        await _until(pilot, lambda: isinstance(app.screen, ResourcesScreen))
        await _until(pilot, lambda: app.screen.query_one("#res-table").row_count > 0, 30)
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause(1.5)
        save(app, "resources")


async def capture_fleet(out: Path) -> list[Path]:
    from unittest import mock

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for its tests package
    from tests.screens.replay import replay_app

    written = []
    for cols, rows in ((80, 24), (120, 40), (200, 60)):
        app, data = replay_app("fleet")
        now = data["now"]
        with mock.patch("time.time", lambda now=now: now):  # ages count from the capture
            async with app.run_test(size=(cols, rows)) as pilot:
                await _until(pilot, lambda app=app: isinstance(app.screen, OverviewScreen))
                await pilot.pause(1.0)
                written.append(Path(app.save_screenshot(filename=f"fleet-{cols}x{rows}.svg", path=str(out))))
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tools/screenshots.py")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--lab-dir", default=None)
    parser.add_argument(
        "--only", choices=("move", "oncall", "fleet", "reader", "replay", "clouds"), help="only these screenshots"
    )
    args = parser.parse_args(argv)
    from mrconsole.lab.seed import seed

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "fleet"):
        for path in asyncio.run(capture_fleet(out)):
            print(path)
        if args.only:
            return 0

    lab = Lab(args.lab_dir)
    print(f"lab: {lab.dir}", file=sys.stderr)
    # A move needs a Heat that adopts: under re-authentication by trusts (the production profile) Heat
    # creates copies instead, and the console refuses the move (README, the production profile).
    profile = "production-no-reauth" if args.only == "move" and not lab.exists() else None
    if args.only == "clouds":
        if not lab.exists():
            lab.up(progress=lambda m: print(f"lab: {m}", file=sys.stderr), clouds=2, regions=["RegionOne", "RegionTwo"])
        lab.up(progress=lambda m: print(f"lab: {m}", file=sys.stderr))
        print(seed(lab, name="mcl", example="multi-cloud"), file=sys.stderr)
    else:
        lab.up(progress=lambda m: print(f"lab: {m}", file=sys.stderr), profile=profile)
        print(seed(lab, name="demo", wait=True), file=sys.stderr)
    for path in asyncio.run(capture(lab, out) if not args.only else capture_only(args.only, out, lab)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
