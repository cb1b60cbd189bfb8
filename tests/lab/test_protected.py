"""Protected regions against the lab: every change to a stack there asks for the region's name typed,
on the command line and in the console; the header and the region's pane say so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mrconsole.state.journal import Journal
from tests.conftest import journal_mark, journal_since

SIMPLE = Path(__file__).resolve().parents[1] / "corpus" / "simple.yaml"
MASTER_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "multi-region" / "master.yaml")


@pytest.fixture
def protected_two(tmp_path, monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text("clouds:\n  mrconsole-lab:\n    regions:\n      RegionTwo: {protected: true}\n")
    monkeypatch.setenv("MRCONSOLE_CONFIG", str(config))
    return config


@pytest.fixture(scope="module")
def guarded(lab, cli):
    code, _, err = cli("stack", "create", "guarded", "-t", str(SIMPLE), "--lab", "--region", "RegionTwo", "--wait")
    assert code == 0, err
    code, _, err = cli("stack", "create", "pm", "-t", MASTER_T, "--lab", "--region", "RegionOne", "--wait")
    assert code == 0, err
    return "guarded"


def test_the_command_line_demands_the_protected_region_typed(lab, cli, guarded, protected_two):
    before = journal_mark()
    code, out, err = cli("stack", "check", "guarded", "--lab", "--region", "RegionTwo", "--yes")
    assert code == 2 and "RegionTwo" in err and "protected" in err and "--confirm-region RegionTwo" in err, err
    code, out, err = cli(
        "stack", "check", "guarded", "--lab", "--region", "RegionTwo", "--yes", "--confirm-region", "RegionOne"
    )
    assert code == 2 and "nothing was sent" in err
    assert journal_since(before) == []  # refused before anything was journaled or sent

    # A master's re-apply changes its constituents: one of them is in RegionTwo.
    code, out, err = cli("stack", "reapply", "pm", "--lab", "--region", "RegionOne", "--preview", "--format", "json")
    assert json.loads(out)["protected"] == ["RegionTwo"], out
    code, out, err = cli("stack", "reapply", "pm", "--lab", "--region", "RegionOne", "--yes")
    assert code == 2 and "RegionTwo" in err
    # A change in an unprotected region only is not asked about.
    code, out, err = cli("resource", "signal", "pm", "db_stack", "--lab", "--region", "RegionOne", "--preview")
    assert "protected" not in err

    code, out, err = cli(
        "stack", "check", "guarded", "--lab", "--region", "RegionTwo", "--yes", "--confirm-region", "RegionTwo"
    )
    assert code == 0 and "accepted" in out, err + out
    assert Journal().entries(1)[0].action == "check" and Journal().entries(1)[0].stack_name == "guarded"


async def test_the_console_frames_the_region_and_asks_for_its_name(lab, guarded, protected_two):
    from mrconsole.cloud.connection import connect
    from mrconsole.config import load
    from mrconsole.core.live.fleet import Fleet
    from mrconsole.core.live.session import ConsoleSession, SessionConfig
    from mrconsole.lab.options import lab_options
    from mrconsole.tui.app import MrConsoleApp
    from mrconsole.tui.screens.actions import ActionMenu, ConfirmScreen
    from mrconsole.tui.screens.overview import OverviewScreen
    from tests.lab.test_tui import FAST, pane, until
    from tests.lab.test_tui_actions import _select

    async def factory():
        fleet = Fleet(await connect(lab_options(str(lab.dir), timeouts=FAST)))
        protected = load().protected(fleet.name, fleet.region_names)
        return ConsoleSession(fleet, config=SessionConfig(), protected=protected)

    app = MrConsoleApp(factory)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await until(
            pilot, lambda: isinstance(app.screen, OverviewScreen) and _select(app, "RegionTwo", "guarded")
        )
        assert "PROTECTED: RegionTwo" in str(app.screen.query_one("#health").render())
        assert pane(app, "RegionTwo").has_class("protected") and not pane(app, "RegionOne").has_class("protected")
        assert "PROTECTED" in str(pane(app, "RegionTwo").border_title)
        await pilot.press("a")
        assert isinstance(app.screen, ActionMenu)
        await pilot.press("enter")  # check
        assert await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#confirm"))
        before = journal_mark()
        app.screen.query_one("#typed-region").value = "RegionOne"
        app.screen.query_one("#confirm").press()
        assert await until(
            pilot, lambda: "RegionTwo (protected)" in str(app.screen.query_one("#confirm-error").render()), 10
        )
        assert isinstance(app.screen, ConfirmScreen) and journal_since(before) == []
        app.screen.query_one("#typed-region").value = "RegionTwo"
        app.screen.query_one("#confirm").press()
        assert await until(pilot, lambda: journal_mark() > before, 20)
    entry = Journal().entries(1)[0]
    assert (entry.action, entry.stack_name, entry.region) == ("check", "guarded", "RegionTwo")


# -- read-only regions (config: regions.R.read_only): looked at, never changed from here -----------------


@pytest.fixture
def read_only_two(tmp_path, monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text("clouds:\n  mrconsole-lab:\n    regions:\n      RegionTwo: {read_only: true}\n")
    monkeypatch.setenv("MRCONSOLE_CONFIG", str(config))
    return config


def _events(cli, stack: str, region: str) -> int:
    code, out, err = cli("events", stack, "--lab", "--region", region, "-f", "json")
    assert code == 0, err
    return len([json.loads(line) for line in out.splitlines() if line.strip()])  # one event per line


def test_a_read_only_region_is_never_changed_from_the_command_line(lab, cli, guarded, read_only_two):
    """A direct action there, the same with --force, a master's change that reaches it and a rollout are each
    refused whole, before anything leaves (Heat's events unchanged); a change elsewhere still goes."""
    events_before = _events(cli, "guarded", "RegionTwo")
    before = journal_mark()
    for extra in ((), ("--force",)):
        code, out, err = cli("stack", "check", "guarded", "--lab", "--region", "RegionTwo", "--yes", *extra)
        assert code == 1 and "RegionTwo" in err and "read-only in the config" in err and "nothing" in err, err
    # The master is in RegionOne, but Heat passes a re-apply on to its constituent in RegionTwo.
    code, out, err = cli("stack", "reapply", "pm", "--lab", "--region", "RegionOne", "--preview", "-f", "json")
    assert json.loads(out)["read_only"] == ["RegionTwo"] and json.loads(out)["blocked"], out
    code, out, err = cli("stack", "reapply", "pm", "--lab", "--region", "RegionOne", "--yes")
    assert code == 1 and "RegionTwo, read-only in the config" in err, err
    code, out, err = cli("rollout", "pm", "--lab", "--region", "RegionOne", "--reapply", "--yes")
    assert code != 0 and "RegionTwo" in err and "read-only" in err, err
    entries = journal_since(before)
    assert entries and {e.outcome for e in entries} == {"refused"}, [(e.action, e.outcome) for e in entries]
    assert _events(cli, "guarded", "RegionTwo") == events_before  # Heat saw nothing

    # Only the config's read-only regions: a change in RegionOne alone still goes (the master's own resource).
    code, out, err = cli("resource", "signal", "pm", "db_stack", "--lab", "--region", "RegionOne", "--preview")
    assert "read-only" not in err, err


async def test_the_console_frames_a_read_only_region_and_greys_its_actions(lab, guarded, read_only_two):
    from mrconsole.cloud.connection import connect
    from mrconsole.config import load
    from mrconsole.core.live.fleet import Fleet
    from mrconsole.core.live.session import ConsoleSession, SessionConfig
    from mrconsole.lab.options import lab_options
    from mrconsole.tui.app import MrConsoleApp
    from mrconsole.tui.screens.actions import ActionMenu
    from mrconsole.tui.screens.overview import OverviewScreen
    from tests.lab.test_tui import FAST, pane, until
    from tests.lab.test_tui_actions import _select

    async def factory():
        fleet = Fleet(await connect(lab_options(str(lab.dir), timeouts=FAST)))
        fleet.permissions.read_only = load().read_only_regions(fleet.name, fleet.region_names)
        return ConsoleSession(fleet, config=SessionConfig())

    app = MrConsoleApp(factory)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await until(
            pilot, lambda: isinstance(app.screen, OverviewScreen) and _select(app, "RegionTwo", "guarded")
        )
        assert "READ-ONLY" in str(pane(app, "RegionTwo").border_title)
        assert "READ-ONLY" not in str(pane(app, "RegionOne").border_title)
        before = journal_mark()
        await pilot.press("a")
        assert isinstance(app.screen, ActionMenu)
        options = app.screen.query_one("#menu").options
        changes = [o for o in options if o.id in ("check", "suspend", "update", "delete")]  # what its state allows
        assert changes and all(o.disabled and "read-only" in str(o.prompt) for o in changes), [
            (o.id, str(o.prompt), o.disabled) for o in options
        ]
        await pilot.press("escape")
        # The same action named in the palette (`check guarded`: app.act_on with the action): said, not sent.
        stack = next(s for s in app.session.regions["RegionTwo"].by_id.values() if s.name == "guarded")
        app.act_on("RegionTwo", stack.id, "guarded", "check")
        assert await until(pilot, lambda: any("read-only" in n.message for n in app._notifications), 10)
        assert journal_since(before) == []
