"""Visual regressions (pytest-textual-snapshot) for views that do not depend on live data."""

from __future__ import annotations

from mrconsole.cloud.errors import CloudError
from mrconsole.tui.app import MrConsoleApp
from tests.screens.test_screens import settled


def _offline_app() -> MrConsoleApp:
    async def factory():
        raise CloudError("unauthorized", "authentication failed: check the credentials in clouds.yaml")

    return MrConsoleApp(factory)


def test_cannot_connect_screen(snap_compare):
    async def settle(pilot):
        await settled(pilot)

    assert snap_compare(_offline_app(), terminal_size=(80, 24), run_before=settle)


def test_help_screen(snap_compare):
    async def open_help(pilot):
        await settled(pilot)
        await pilot.press("question_mark")
        await settled(pilot)

    assert snap_compare(_offline_app(), terminal_size=(100, 36), run_before=open_help)
