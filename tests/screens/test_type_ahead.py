"""Keys typed in one burst (a fast hand, tmux send-keys, a paste of `:why web`): what follows the key that opens
a line to type in goes into that line, never to the screen behind it. Before, `/pa` opened the overview's filter
and then `a` acted on the selected stack, and `:events failed` opened an empty prompt."""

from __future__ import annotations

from textual import events
from textual.keys import _character_to_key

from mrconsole.tui.screens.actions import ActionMenu
from mrconsole.tui.screens.events import EventsScreen
from mrconsole.tui.screens.overview import OverviewScreen
from tests.screens.replay import replay_app
from tests.screens.test_screens import _overview, settled


def _burst(app, text: str, enter: bool = False) -> None:
    """Every key of `text` queued at once, as a terminal delivers a burst: none is handled before the last
    is read (Pilot.press waits for the app between keys, so it cannot show this)."""
    keys = [(c if c.isalnum() else _character_to_key(c), c) for c in text] + ([("enter", "\r")] if enter else [])
    for key, char in keys:
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_keys_typed_behind_slash_go_into_the_filter_and_act_on_nothing():
    app, scene = replay_app("healthy")
    async with app.run_test(size=(120, 40)) as pilot:
        await _overview(pilot)
        screen = app.screen
        screen.action_focus_stacks()
        await settled(pilot)
        assert screen.selected() is not None  # so `a` would open the action menu on it
        _burst(app, "/ad")
        await settled(pilot)
        assert app.screen is screen and not any(isinstance(s, ActionMenu) for s in app.screen_stack)
        assert screen.query_one("#filter").value == "ad"
        assert screen.name_filter == "ad"


async def test_a_command_typed_behind_colon_runs_with_its_words():
    app, scene = replay_app("healthy")
    async with app.run_test(size=(120, 40)) as pilot:
        await _overview(pilot)
        _burst(app, ":events failed", enter=True)
        await settled(pilot)
        assert isinstance(app.screen, EventsScreen), app.screen
        assert app.screen.filter_text == "failed"


async def test_keys_typed_behind_slash_on_the_events_screen_replace_its_filter_as_typed_later_do():
    app, scene = replay_app("healthy")
    async with app.run_test(size=(120, 40)) as pilot:
        await _overview(pilot)
        app.run_command("events region:nowhere")
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, EventsScreen) and screen.filter_text == "region:nowhere"
        _burst(app, "/fail")
        await settled(pilot)
        assert screen.filter_text == "fail"
        assert isinstance(app.screen, EventsScreen) and not isinstance(app.screen, OverviewScreen)
