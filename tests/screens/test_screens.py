"""The fast tier: every screen the README shows, at 80x24 and 120x40, from data captured on the lab.

Each scene in tests/screens/data was written by a real ConsoleSession
against the real lab (tests/screens/capture.py); here the app replays it with
no network, so a visual change shows up as an SVG diff in review
(`make snapshots-update` rewrites them). The lab end-to-end tests stay.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from mrconsole.tui.screens.overview import OverviewScreen
from tests.screens.replay import DATA, replay_app

SIZES = [(80, 24), (120, 40)]
LAUNCH_TEMPLATE = "mrconsole/examples/multi-region/master.yaml"


# How long a screen test waits for what it expects before it fails: a bound against a hang, not a speed. The
# fast tier runs beside the lab tier at the lowest CPU priority (Makefile), where 5 s was once not enough to
# open the overview and a test went on to compare another picture.
PATIENCE = 120.0


async def settled(pilot) -> None:
    """Until the app is idle: its workers done and its messages handled, twice over (a handled message may
    start a worker). A condition, not a fixed wait: no test here sleeps a guessed time."""
    for _ in range(3):
        await asyncio.wait_for(pilot.app.workers.wait_for_complete(), PATIENCE)
        await pilot.pause()


async def until(pilot, condition, what: str) -> None:
    """Pause until `condition()` holds; fail saying `what` was not seen within PATIENCE."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {PATIENCE:.0f} s: {what}")
        await pilot.pause(0.05)


def record_notifications(app) -> list[str]:
    """Every message the app says from now on, kept: Textual reaps a notification from `app._notifications`
    once its timeout (5 s by default) has passed on the wall clock, so a test starved of CPU for that long
    (the fast tier beside the lab tier) read an empty list where the console had spoken."""
    said: list[str] = []
    notify = app.notify

    def recording(message, **kwargs):
        said.append(str(message))
        return notify(message, **kwargs)

    app.notify = recording
    return said


async def _overview(pilot):
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, OverviewScreen), "the overview")
    await settled(pilot)


async def _command(pilot, text):
    await _overview(pilot)
    pilot.app.run_command(text)
    await settled(pilot)


def _stack(scene, name):
    return next(s for v in scene["regions"] for s in v.by_id.values() if s.name == name)


def _steps(scene_name, name=lambda n: n):
    """What to do after the overview is up, for each README state (`name`: how a scene's names were
    changed, for the hostile-text tier)."""

    async def nothing(pilot):
        await _overview(pilot)

    async def detail(pilot):
        await _command(pilot, f"stack {name('demo')}")

    async def events(pilot):
        await _overview(pilot)
        await pilot.press("e")
        await settled(pilot)

    async def why(pilot):
        await _command(pilot, f"why {name('broken')}")

    async def drift(pilot):
        await _command(pilot, f"drift {name('demo')}")

    async def launch(pilot):
        await _overview(pilot)
        pilot.app.action_launch(LAUNCH_TEMPLATE)
        await settled(pilot)
        pilot.app.screen.query_one("#launch-name").value = "shop"
        await pilot.app.screen.load()
        await pilot.pause()
        # A blinking cursor would make the picture depend on the instant it is taken.
        for field in pilot.app.screen.query("Input"):
            field.cursor_blink = False
        pilot.app.screen.query_one("#launch-template").focus()  # the top of the form, every time
        await settled(pilot)

    async def journal(pilot):
        await _overview(pilot)
        await pilot.press("j")
        await settled(pilot)

    async def rollout(pilot):
        await _command(pilot, f"rollout {name('web')}")
        await settled(pilot)

    async def breakpoints(pilot):
        await _command(pilot, f"breakpoints {name('web')}")
        await settled(pilot)

    async def operations(pilot):
        await _command(pilot, f"operations {name('web')}")
        await settled(pilot)

    async def move(pilot):
        await _command(pilot, "move")
        screen = pilot.app.screen
        for field in screen.query("Input"):
            field.cursor_blink = False
        button = screen.query_one("#rehome-preview")
        button.press()
        await settled(pilot)
        # A pressed button wears `-active` for a moment of its own timer (Textual's press effect): a loaded CI
        # worker drew it mid-effect once. The picture is of the preview, after the press has faded.
        await until(pilot, lambda: not button.has_class("-active"), "the button's press effect over")
        await settled(pilot)

    async def stale_menu(pilot):
        await _overview(pilot)
        master = pilot.app.session.master.topology.master
        pilot.app.act_on(master.region, master.id, master.name)
        await settled(pilot)

    async def outputs(pilot):
        await _command(pilot, f"outputs {name('demo')}")
        await settled(pilot)

    async def resources(pilot):
        await _command(pilot, f"resources {name('demo')}")
        await settled(pilot)

    async def protected(pilot):
        # The healthy scene as a console whose config protects RegionTwo sees it.
        await _overview(pilot)
        app = pilot.app
        app.session.protected = frozenset({"RegionTwo"})
        for region in app.session.region_names:
            app.screen._show_region(region)
        app.screen.query_one("#health")._show_session()
        await settled(pilot)

    async def snapshots(pilot):
        await _command(pilot, f"snapshots {name('demo')}")
        await settled(pilot)

    async def masters(pilot):
        await _overview(pilot)
        await pilot.press("m")
        await settled(pilot)

    async def help_screen(pilot):
        await _overview(pilot)
        await pilot.press("question_mark")
        await settled(pilot)

    return {
        "healthy": nothing,
        "deploying": nothing,
        "region-down": nothing,
        "outage": nothing,
        "detail": detail,
        "events": events,
        "why": why,
        "drift": drift,
        "launch": launch,
        "journal": journal,
        "help": help_screen,
        "rollout-held": nothing,
        "rollout": rollout,
        "breakpoints": breakpoints,
        "operations": operations,
        "move": move,
        "stale": nothing,
        "stale-menu": stale_menu,
        "outputs": outputs,
        "resources": resources,
        "protected": protected,
        "fleet": nothing,
        "snapshots": snapshots,
        "masters": masters,
    }[scene_name]


# (screen, the scene whose data it shows)
SCREENS = [
    ("healthy", "healthy"),
    ("deploying", "deploying"),
    ("region-down", "region-down"),
    ("outage", "outage"),
    ("detail", "healthy"),
    ("events", "healthy"),
    ("why", "healthy"),
    ("drift", "healthy"),
    ("launch", "healthy"),
    ("journal", "healthy"),
    ("help", "healthy"),
    ("rollout-held", "rollout"),
    ("rollout", "rollout"),
    ("breakpoints", "rollout"),
    ("operations", "rollout"),
    ("move", "moved"),
    ("stale", "stale"),
    ("stale-menu", "stale"),
    ("outputs", "oncall"),
    ("resources", "oncall"),
    ("protected", "healthy"),
    ("snapshots", "oncall"),
    ("masters", "fleet"),
]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen, scene", SCREENS, ids=[s for s, _ in SCREENS])
def test_screen(snap_compare, monkeypatch, screen, scene, size):
    app, data = replay_app(scene)
    # Ages on screen ("12s ago") count from the moment of capture.
    monkeypatch.setattr(time, "time", lambda: data["now"])
    assert snap_compare(app, terminal_size=size, run_before=_steps(screen))


FLEET_SIZES = [(80, 24), (120, 40), (200, 60)]


@pytest.mark.parametrize("size", FLEET_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_fleet(snap_compare, monkeypatch, size):
    """5 regions x 100 stacks from `lab populate`, no master open: the fleet at a glance."""
    app, data = replay_app("fleet")
    monkeypatch.setattr(time, "time", lambda: data["now"])
    assert snap_compare(app, terminal_size=size, run_before=_steps("fleet"))


@pytest.mark.parametrize("size", FLEET_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_region_and_a_failed_stack_of_each_are_on_screen(monkeypatch, size):
    """At every size: each region's name and summary are inside the column's visible area, and so is its
    first row, a failed stack (the fleet scene has failed stacks in every region)."""
    from mrconsole.tui.widgets.region_pane import FAILED, RegionColumn, RegionPane, kind_of

    app, data = replay_app("fleet")
    monkeypatch.setattr(time, "time", lambda: data["now"])
    async with app.run_test(size=size) as pilot:
        await _overview(pilot)
        await settled(pilot)
        column = app.screen.query_one(RegionColumn)
        visible = column.region
        panes = list(app.screen.query(RegionPane))
        assert [p.region_name for p in panes] == data["region_names"] and len(panes) == 5
        for pane in panes:
            box = pane.region
            assert box.height >= 2 and visible.contains_region(box), (size, pane.region_name, box, visible)
            view = app.session.regions[pane.region_name]
            first = view.by_id[pane.table.coordinate_to_cell_key((0, 0)).row_key.value]
            assert kind_of(first) == FAILED, (pane.region_name, first.name, first.status)
            assert pane.region_name in (pane.border_title or "") and "failed" in pane.summary()
        if size == (80, 24):
            assert all(p.compact for p in panes)  # no room for borders: one head line each


def test_replayed_scenes_hold_what_the_readme_shows():
    """The captured data is the state each snapshot claims to show."""
    from tests.screens.replay import load

    healthy = load("healthy")
    assert all(v.error is None for v in healthy["regions"]) and healthy["master"].mode == "live"
    assert _stack(healthy, "broken").status == "CREATE_FAILED"
    assert healthy["why"][_stack(healthy, "broken").id].root is not None
    assert not healthy["drift"]["demo"].clean
    assert healthy["journal"] and healthy["events"]
    down = load("region-down")
    assert [v.region for v in down["regions"] if v.stale] == ["RegionTwo"]
    outage = load("outage")
    assert outage["master"].error and [v.region for v in outage["regions"] if v.stale] == ["RegionOne"]
    deploying = load("deploying")
    assert deploying["master"].topology.master.in_progress
    assert any(s.in_progress for v in deploying["regions"] for s in v.by_id.values() if s.name != "rollout")
    rollout = load("rollout")
    assert rollout["master"].held == {"web_two": "pre-update", "web_three": "pre-update"}
    topo, status = next(iter(rollout["rollout_state"].values()))
    assert status.phase == "holding" and status.held == ("web_two", "web_three")
    points, _unread = next(iter(rollout["breakpoints"].values()))
    assert {p.resource for p in points if p.pending} == {"web_two", "web_three"}
    # No secret was captured: the hidden parameter's default is masked in the template text.
    text = next(iter(healthy["describe"].values())).template_text
    assert "default: '******'" in text and "s3cret" not in (DATA / "healthy.json").read_text()
    moved = load("moved")
    plan = moved["rehome_plan"]["shop"]
    assert not plan.old_reachable and "topology cache" in plan.source and not plan.blocking
    assert {r for r, *_ in plan.constituents} == {"db_stack", "app_stack"}
    assert [v.region for v in moved["regions"] if v.stale] == ["RegionOne"]
    stale = load("stale")
    assert stale["master"].region == "RegionOne" and "RegionTwo owns its constituents" in stale["master"].owned_by
    for scene in ("moved", "stale"):
        assert "s3cret" not in (DATA / f"{scene}.json").read_text()
    oncall = load("oncall")
    view = next(iter(oncall["outputs"].values()))
    assert {r.state for r in view.rows if r.region == "RegionThree"} == {"stale"}
    assert {r.state for r in view.rows if r.region != "RegionThree"} == {"live"}
    listed = next(iter(oncall["resources"].values()))
    assert {row.level for row in listed.rows} == {"master", "db_stack", "app_stack"}
