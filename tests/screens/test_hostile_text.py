"""Text from Heat is data (#33): hostile names, reasons and outputs on every screen, never markup, never raw.

Each lab-captured scene is made hostile (tests/screens/hostile.py: markup, escape sequences, CR, a bidi
override, an emoji, NUL in every name, reason, output and parameter; 10 kB more in every reason) and each
screen the snapshot tier shows is driven to at 80x24, then resized to 120x40. What the compositor would send to the
terminal is read back: no exception (a MarkupError used to end the app), the markup shown as written,
and no control character left for the terminal to obey.
"""

from __future__ import annotations

import time

import pytest

from mrconsole.core.text import printable
from mrconsole.tui.app import MrConsoleApp
from tests.screens.hostile import PAYLOAD, hostile
from tests.screens.replay import ReplaySession
from tests.screens.test_screens import SCREENS, SIZES, _steps, settled

CONTROLS = {chr(c) for c in range(0x20) if c not in (0x0A,)} | {"\x7f", "\u202e"} | {chr(c) for c in range(0x80, 0xA0)}
# Screens that show no text of Heat's users: only what the console itself says.
NO_HEAT_TEXT = {"help", "launch"}  # the launch form shows a local template file


def screen_text(app) -> str:
    """The characters the compositor would write for the top screen, line by line."""
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(segment.text for segment in strip) for strip in update.strips)


@pytest.mark.parametrize("screen, scene", SCREENS, ids=[s for s, _ in SCREENS])
async def test_hostile_text_is_shown_as_data(monkeypatch, screen, scene):
    """At 80x24, then the same screen resized to 120x40 (one app run for both: the tier's time)."""
    data, names = hostile(scene)

    async def factory():
        return ReplaySession(data)

    app = MrConsoleApp(factory)
    monkeypatch.setattr(time, "time", lambda: data["now"])
    shown = {}
    async with app.run_test(size=SIZES[0]) as pilot:
        await _steps(screen, lambda n: names.get(n, n))(pilot)
        shown[SIZES[0]] = screen_text(app)
        await pilot.resize_terminal(*SIZES[1])
        await settled(pilot)
        shown[SIZES[1]] = screen_text(app)
        notes = [n.message for n in app._notifications]
    assert set(SIZES) == set(shown)
    for size, text in shown.items():
        raw = sorted(repr(c) for c in CONTROLS if c in text)
        assert not raw, f"{screen} at {size}: control characters reach the terminal: {raw}"
        if screen not in NO_HEAT_TEXT:
            assert "[/]" in text, f"{screen} at {size}: no hostile text shown literally\n{text}"
    assert not any(c in n for n in notes for c in CONTROLS)


def test_the_payload_is_drawn_visibly_one_character_for_one():
    shown = printable(PAYLOAD)
    assert len(shown) == len(PAYLOAD)
    assert "␛]0;pwned␇␛[2J␍" in shown and shown.endswith("😀␀")
    assert not any(c in shown for c in CONTROLS)
