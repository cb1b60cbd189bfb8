"""Text from Heat is data (#33), on the lab: a real stack whose output is `[/dev/vdb]` and an escape
sequence, a resource marked unhealthy with `[/]` and an escape sequence in its reason; watched in the
console (detail with its events, outputs, resources, journal) and printed by the CLI. Shown literally, drawn
visibly, never obeyed by the terminal; `--format json` keeps Heat's value as it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import TabbedContent

from mrconsole.tui.screens.actions import JournalScreen
from mrconsole.tui.screens.detail import DetailScreen
from mrconsole.tui.screens.oncall import OutputsScreen, ResourcesScreen
from mrconsole.tui.screens.overview import OverviewScreen
from tests.lab.test_tui import make_app, until
from tests.screens.test_hostile_text import CONTROLS, screen_text

TEMPLATE = str(Path(__file__).resolve().parents[1] / "corpus" / "hostile.yaml")
TITLE = "\x1b]0;pwned\x07[/] x[web] [fd00::1]"  # the template's `title` output, as Heat returns it
REASON = "[/] \x1b]0;pwned\x07 bad disk [bold]"
SHOWN_REASON = "[/] ␛]0;pwned␇ bad disk [bold]"
# Where a screen builds its own rich Text from Heat's string, Rich drops BEL, BS, VT, FF and CR before
# the plain widgets see it: not obeyed by the terminal either, only not drawn.
SHOWN_IN_TEXT = ("[/] ␛]0;pwned", " bad disk [bold]")


def _no_controls(text: str) -> bool:
    return not any(c in text for c in CONTROLS - {"\t"})


@pytest.fixture(scope="module")
def hostile_stack(lab, cli):
    code, out, err = cli("stack", "create", "hostile", "-t", TEMPLATE, "--lab", "--region", "RegionTwo", "--wait")
    assert code == 0, err + out
    code, out, err = cli(
        "resource", "mark-unhealthy", "hostile", "disk", "--lab", "--region", "RegionTwo", "--reason", REASON, "--yes"
    )  # fmt: skip
    assert code == 0, err + out
    return "hostile"


def test_hostile_text_from_a_real_stack_printed_by_the_cli(hostile_stack, cli):
    # The CLI: literal brackets, the escape sequence drawn, nothing for the terminal to obey.
    code, out, err = cli("outputs", "hostile", "--lab", "--region", "RegionTwo")
    assert code == 0 and _no_controls(out + err), repr(out + err)
    assert "[/dev/vdb]" in out and "␛]0;pwned␇[/] x[web] [fd00::1]" in out
    code, out, err = cli("events", "hostile", "--lab", "--region", "RegionTwo")
    assert code == 0 and _no_controls(out + err) and f"marked unhealthy: {SHOWN_REASON}" in out, repr(out)
    code, out, err = cli("resource", "show", "hostile", "disk", "--lab", "--region", "RegionTwo")
    assert code == 0 and _no_controls(out + err) and SHOWN_REASON in out, repr(out)
    code, out, err = cli("journal")
    assert code == 0 and _no_controls(out + err), repr(out)
    # JSON: Heat's value as it is (json escapes the control characters).
    code, out, err = cli("outputs", "hostile", "--lab", "--region", "RegionTwo", "--format", "json")
    values = {o["key"]: o["value"] for o in json.loads(out)["outputs"]}
    assert values == {"device": "[/dev/vdb]", "title": TITLE} and "\x1b" not in out


async def test_hostile_text_from_a_real_stack_in_the_console(lab, hostile_stack):
    # The console: each screen that shows it, read back as the terminal would get it.
    app = make_app(lab, master=None)
    async with app.run_test(size=(160, 40)) as pilot:
        assert await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        assert await until(pilot, lambda: app.session.find(hostile_stack) is not None, 30)

        async def shows(command: str, screen_type, *texts: str, tab: str = "") -> None:
            while not isinstance(app.screen, OverviewScreen):
                app.screen.dismiss() if app.screen.is_modal else app.pop_screen()
                await pilot.pause(0.1)
            app.run_command(command) if command != "j" else await pilot.press(command)
            assert await until(pilot, lambda: isinstance(app.screen, screen_type), 20), command
            if tab:  # once the screen has laid out its tabs
                assert await until(pilot, lambda: bool(app.screen.query(TabbedContent)), 20)
                app.screen.query_one(TabbedContent).active = tab
            assert await until(pilot, lambda: all(t in screen_text(app) for t in texts), 30), (
                command,
                screen_text(app),
            )
            assert _no_controls(screen_text(app)), (command, repr(screen_text(app)))

        await shows("stack hostile", DetailScreen, "hostile", "[/dev/vdb]", "[fd00::1]", tab="tab-outputs")
        await shows("outputs hostile", OutputsScreen, "[/dev/vdb]", "␛]0;pwned␇[/] x[web] [fd00::1]")
        await shows("resources hostile", ResourcesScreen, "CHECK_FAILED", "disk")
        await pilot.press("enter")  # the resource under the cursor, with its reason
        assert await until(pilot, lambda: all(t in screen_text(app) for t in SHOWN_IN_TEXT), 20), screen_text(app)
        assert _no_controls(screen_text(app))
        await shows("stack hostile", DetailScreen, *SHOWN_IN_TEXT, tab="tab-events")
        await shows("j", JournalScreen, "mark-unhealthy", "hostile")


async def test_a_name_heat_never_gave_addresses_no_stack(lab):
    """'demo#x' would have gone into the URL as is and asked Heat for 'demo'; now it is quoted, and a
    stack Heat finds under another name is not the one asked for (#33)."""
    from mrconsole.cloud.connection import connect
    from mrconsole.lab.options import lab_options
    from tests.conftest import MASTER

    cloud = await connect(lab_options(str(lab.dir)))
    try:
        client = cloud.region("RegionOne")
        assert (await client.find_stack(MASTER)) is not None
        assert (await client.find_stack(f"{MASTER}#x")) is None
        assert (await client.find_stack(f"{MASTER}?resolve_outputs=false")) is None
    finally:
        cloud.close()
