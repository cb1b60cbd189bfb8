"""The palette's stacks and actions, and the looks from the config (#37), on scenes captured from the lab."""

from __future__ import annotations

import re
import time

import pytest
from textual.command import CommandPalette

from mrconsole.config import UserConfig
from mrconsole.tui.app import MrConsoleApp
from mrconsole.tui.palette import StackCommands, actions_for
from mrconsole.tui.screens.detail import DetailScreen
from mrconsole.tui.widgets.region_pane import RegionPane
from tests.screens.hostile import PAYLOAD, hostile
from tests.screens.replay import ReplaySession, load
from tests.screens.test_hostile_text import CONTROLS, screen_text
from tests.screens.test_screens import _overview, settled

LOOKS = {
    "mrconsole-lab": {
        "label": "LAB-PROD",
        "colour": "red",
        "regions": {"RegionTwo": {"label": "eu-west", "colour": "#ffd700"}},
    }
}


def _app(scene, monkeypatch, **kwargs) -> MrConsoleApp:
    async def factory():
        return ReplaySession(scene)

    monkeypatch.setattr(time, "time", lambda: scene["now"])
    return MrConsoleApp(factory, **kwargs)


async def _hits(app, query: str):
    provider = StackCommands(app.screen)
    return [hit async for hit in provider.search(query)]


async def test_the_header_and_each_pane_wear_the_clouds_and_regions_looks(monkeypatch):
    app = _app(load("healthy"), monkeypatch, user_config=UserConfig(clouds=LOOKS))
    async with app.run_test(size=(120, 40)) as pilot:
        await _overview(pilot)
        header = app.screen.query_one("#health").render()
        assert str(header).startswith(" LAB-PROD ") and "mrconsole-lab" not in str(header)
        label = next(span for span in header.spans if span.start == 0)
        assert label.style.background.hex[:7] == "#FF0000" and label.style.foreground.hex[:7] == "#FFFFFF"
        two, one = (app.screen.query_one(f"#region-{r}", RegionPane) for r in ("RegionTwo", "RegionOne"))
        assert "RegionTwo · eu-west" in str(two.border_title)
        assert two.styles.border_title_background.hex[:7] == "#FFD700"
        assert two.styles.border_title_color.hex[:7] == "#000000"  # black reads on gold
        # RegionOne has no look of its own: it wears the cloud's colour, and its own name only.
        assert one.styles.border_title_background.hex[:7] == "#FF0000" and "·" not in str(one.border_title)
        assert "LAB-PROD" in screen_text(app) and "RegionTwo · eu-west" in screen_text(app)


async def test_the_palette_offers_every_stack_and_every_action_and_asks_first(monkeypatch):
    scene = load("healthy")
    stacks = [s for v in scene["regions"] for s in v.by_id.values()]
    app = _app(scene, monkeypatch, user_config=UserConfig(aliases={"failed": "events status:failed"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await _overview(pilot)
        assert await _hits(app, "") == []  # nothing typed: the palette asks discover() instead
        target = stacks[0]
        found = await _hits(app, target.name)
        opened = [h for h in found if h.text == f"{target.name} · {target.region}"]
        assert opened and opened[0].help.startswith(target.status)
        acts = await _hits(app, f"susp {target.name}")
        assert f"Suspend {target.name} · {target.region}" in {h.text for h in acts}
        assert all(h.text.startswith("Suspend ") for h in acts)
        assert {h.text.split(" ")[0] for h in await _hits(app, f"cancel {target.name}")} == {"Cancel"}
        assert [h.text for h in await _hits(app, "faile")] == ["failed"]  # the alias, as written
        assert [h.text for h in await _hits(app, "RegionThr")][0] == "Region RegionThree"
        # Chosen: the stack's detail opens.
        opened[0].command()
        await settled(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.stack_id == target.id
        # An action chosen goes through act_on: the menu's checks and a confirmation, never straight to Heat.
        app.pop_screen()
        await settled(pilot)
        calls = []
        monkeypatch.setattr(app, "act_on", lambda *a: calls.append(a))
        next(h for h in await _hits(app, f"del {target.name}") if target.region in h.text).command()
        assert calls == [(target.region, target.id, target.name, "delete")]


async def test_read_only_offers_no_action(monkeypatch):
    scene = load("healthy")
    name = next(s for v in scene["regions"] for s in v.by_id.values()).name
    app = _app(scene, monkeypatch, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await _overview(pilot)
        assert not [h for h in await _hits(app, f"delete {name}") if h.text.startswith("Delete")]


async def test_hostile_names_in_the_palette_are_data(monkeypatch):
    data, names = hostile("healthy")
    app = _app(data, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await _overview(pilot)
        hits = await _hits(app, "demo")
        assert hits and all(not (set(str(h.prompt)) & CONTROLS) for h in hits)
        assert any("[/]x[bold]b" in str(h.prompt) for h in hits), [str(h.prompt) for h in hits]
        app.action_command_palette()
        await settled(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"demo")
        for _ in range(100):  # the palette searches on a timer of its own: until its hits are drawn
            await settled(pilot)
            text = screen_text(app)
            if "[/]x[bold]b" in text:
                break
        assert "[/]x[bold]b" in text and not [c for c in CONTROLS if c in text]


def test_action_words():
    assert actions_for("del") == ["delete"]
    assert actions_for("cancel") == ["cancel_update", "cancel_without_rollback"]
    assert actions_for("") == [] and actions_for("x") == []
    assert PAYLOAD  # the hostile payload is the one the hostile tier uses


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_looks_and_themes(snap_compare, monkeypatch, size, theme):
    """The fleet (five regions, compact panes at 80x24 too) with a cloud's and a region's look, in a dark and a
    light theme: the labels, the colours and the state frames together."""
    scene = load("fleet")
    regions = list(scene["region_names"])
    looks = {
        scene["cloud"]: {
            **LOOKS["mrconsole-lab"],
            "regions": {regions[1]: LOOKS["mrconsole-lab"]["regions"]["RegionTwo"]},
        }
    }
    app = _app(scene, monkeypatch, user_config=UserConfig(clouds=looks), theme=theme)
    assert snap_compare(app, terminal_size=size, run_before=_overview)


def _fills(svg: str, word: str) -> set[str]:
    """The colours a screenshot draws `word` in (each span's class names its fill in the SVG's style)."""
    fills = dict(re.findall(r"\.(terminal-[\w-]+) \{ fill: (#[0-9a-f]{6})", svg))
    classes = re.findall(r'<text class="([\w-]+)"[^>]*>[^<]*' + word, svg)
    return {fills[c] for c in classes if c in fills}


async def test_statuses_follow_the_theme(monkeypatch):
    """Failed and complete stacks drawn in the theme's own error and success, and in the next theme's when
    the operator switches (ctrl+p > theme), never the terminal palette's red and green (a failed stack
    under the cursor is in the cursor's colours)."""
    app = _app(load("fleet"), monkeypatch, theme="nord")
    async with app.run_test(size=(120, 40)) as pilot:
        await _overview(pilot)
        for theme in ("nord", "textual-light", "gruvbox"):
            app.theme = theme
            await settled(pilot)
            tones = app.current_theme.to_color_system().generate()
            error, success = tones["error"].lower(), tones["success"].lower()
            palette = app._ansi_base[0 if app.current_theme.dark else 1].ansi_colors
            red, green = ("#{:02x}{:02x}{:02x}".format(*palette[i]) for i in (1, 2))
            svg = app.export_screenshot()
            failed, complete = _fills(svg, "_FAILED"), _fills(svg, "_COMPLETE")
            assert error in failed and red not in failed, (theme, failed)
            assert success in complete and green not in complete, (theme, complete)
