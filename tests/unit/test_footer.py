"""The key footer is rebuilt only when the keys it shows change (tui/widgets/footer.py)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.widgets._footer import FooterKey

from mrconsole.tui.widgets.footer import SteadyFooter


class Extra(Input):
    BINDINGS = [Binding("ctrl+y", "noop", "Only here")]


class Base(Screen):
    AUTO_FOCUS = ""  # nothing focused: the screen's own keys
    BINDINGS = [Binding("f2", "events", "Events"), Binding("f3", "journal", "Journal")]

    def __init__(self, footer: type[Footer]):
        super().__init__()
        self.footer = footer

    def compose(self) -> ComposeResult:
        yield Static("base", id="base")
        yield Extra(id="extra")
        yield self.footer()


class Other(Screen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def compose(self) -> ComposeResult:
        yield Static("other")
        yield SteadyFooter()


class Demo(App):
    def __init__(self, footer: type[Footer]):
        super().__init__()
        self.footer = footer

    def on_mount(self) -> None:
        self.push_screen(Base(self.footer))


async def _keys(pilot, app) -> list[FooterKey]:
    for _ in range(50):
        await pilot.pause()
        keys = list(app.screen.query(FooterKey))
        if keys:
            return keys
    return []


@pytest.mark.parametrize("footer, rebuilt", [(Footer, True), (SteadyFooter, False)])
async def test_returning_to_a_screen_with_the_same_keys_rebuilds_nothing(footer, rebuilt):
    """Textual's own Footer mounts new keys on the return (each mount lays the whole screen out again);
    the steady one keeps the ones it has."""
    app = Demo(footer)
    async with app.run_test(size=(100, 20)) as pilot:
        before = await _keys(pilot, app)
        assert {k.description for k in before} >= {"Events", "Journal"}
        app.push_screen(Other())
        await pilot.pause()
        assert "Back" in {k.description for k in await _keys(pilot, app)}
        await pilot.press("escape")
        await _keys(pilot, app)
        for _ in range(20):  # a rebuild comes after a refresh: give it the time it would take
            await pilot.pause()
        after = list(app.screen.query(FooterKey))
        assert {k.description for k in after} == {k.description for k in before}
        assert any(a is not b for a, b in zip(after, before, strict=True)) == rebuilt


async def test_keys_that_change_are_shown():
    app = Demo(SteadyFooter)
    async with app.run_test(size=(100, 20)) as pilot:
        assert "Only here" not in {k.description for k in await _keys(pilot, app)}
        app.screen.query_one("#extra").focus()
        for _ in range(50):
            await pilot.pause()
            if "Only here" in {k.description for k in app.screen.query(FooterKey)}:
                break
        assert "Only here" in {k.description for k in app.screen.query(FooterKey)}


class Focusing(Screen):
    """Opened, its bindings change twice before the first refresh: the first field focused, then the one
    `on_mount` chooses (as the events screen: its filter, then its log)."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Extra(id="field")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#field").focus()


async def test_a_screen_opening_builds_its_keys_once(monkeypatch):
    built = []
    real = SteadyFooter.recompose

    async def counted(self):
        built.append(self.screen)
        await real(self)

    monkeypatch.setattr(SteadyFooter, "recompose", counted)
    app = Demo(SteadyFooter)
    async with app.run_test(size=(100, 20)) as pilot:
        await _keys(pilot, app)
        screen = Focusing()
        app.push_screen(screen)
        for _ in range(50):
            await pilot.pause()
            if "Only here" in {k.description for k in screen.query(FooterKey)}:
                break
        assert "Only here" in {k.description for k in screen.query(FooterKey)}  # the keys after the focus
        assert built.count(screen) == 1
