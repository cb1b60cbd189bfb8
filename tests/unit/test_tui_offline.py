"""The console without a lab: the event filter's terms, a cloud that cannot be reached, a remapped keymap."""

from __future__ import annotations

from datetime import UTC

import pytest

from mrconsole.cloud.errors import CloudError
from mrconsole.core.live.event_filter import EventFilter
from mrconsole.tui.app import MrConsoleApp
from tests.lab.test_tui import until


def test_event_filter_terms():
    from datetime import datetime

    from mrconsole.models import Event

    e = Event("RegionTwo", "i", "demo-db", "1", datetime.now(UTC), "db_server", "CREATE_FAILED", "boom")
    assert EventFilter.parse("region:regiontwo status:failed boom").match(e)
    assert not EventFilter.parse("region:RegionOne").match(e)
    assert EventFilter.parse("stack:demo", failures_only=True).match(e)
    ok = Event("RegionTwo", "i", "demo-db", "2", None, "db_server", "CREATE_COMPLETE")
    assert not EventFilter.parse("", failures_only=True).match(ok)


async def test_cannot_connect_is_shown_not_raised():
    async def factory():
        raise CloudError("unauthorized", "authentication failed: check the credentials in clouds.yaml")

    app = MrConsoleApp(factory)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await until(pilot, lambda: "authentication failed" in str(app.query_one("#connecting").render()), 20)
        await pilot.press("q")
    assert app.return_code in (0, None)


def test_keymap_from_config_remaps_bindings(tmp_path, monkeypatch):
    from mrconsole import config

    path = tmp_path / "config.yaml"
    path.write_text("keys:\n  refresh: f5\n  events: E\nclouds:\n  prod: {read_only: true}\n")
    conf = config.load(path)
    assert conf.keys == {"refresh": "f5", "events": "E"} and conf.read_only("prod")
    path.write_text("keys: [oops]\n")
    with pytest.raises(config.ConfigError):
        config.load(path)
