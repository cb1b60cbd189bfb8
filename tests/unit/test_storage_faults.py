"""Crashes and storage faults (#33): one line and a non-zero exit for a crash, the journal's failures said
as what they mean for the action, an unreadable journal or cache moved aside, no traceback from logging."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from mrconsole.core.acting.actions import ActionError, Actions, Target
from mrconsole.state.journal import Journal
from mrconsole.state.topology_cache import TopologyCache


class _Allowed:  # Heat's policy allows everything here
    async def refusal(self, region, action):
        return None

    async def learn(self, region, action, error):
        return None


class _Fleet:  # pure logic: the action's `call` below stands in for the region's Heat
    name = "c"
    permissions = _Allowed()

    def region(self, name):
        return name


class _Journal(Journal):
    def __init__(self, path, fail: str):
        super().__init__(path)
        self.fail = fail

    def begin(self, **kw):
        if self.fail == "begin":
            raise sqlite3.OperationalError("disk I/O error")
        return super().begin(**kw)

    def finish(self, *a, **kw):
        if self.fail == "finish":
            raise OSError(28, "No space left on device")
        return super().finish(*a, **kw)


async def test_an_action_that_cannot_be_journaled_first_is_not_sent(tmp_path):
    sent = []

    async def call(client, request_id):
        sent.append(request_id)
        return {}

    actions = Actions(_Fleet(), journal=_Journal(tmp_path / "j.sqlite", "begin"))
    with pytest.raises(ActionError) as info:
        await actions._run("check", Target("RegionOne", "web", "id-1"), call)
    assert str(info.value) == "the journal could not be written (disk I/O error): nothing was sent"
    assert sent == []


async def test_an_accepted_action_whose_journal_write_fails_says_heat_has_it(tmp_path):
    async def call(client, request_id):
        return {}

    actions = Actions(_Fleet(), journal=_Journal(tmp_path / "j.sqlite", "finish"))
    result = await actions._run("check", Target("RegionOne", "web", "id-1"), call)
    assert result.ok and result.message == (
        "Heat accepted the action; the journal could not be written (No space left on device)"
    )
    assert "internal error" not in result.message


@pytest.mark.parametrize("kind", ["journal", "cache"])
def test_an_unreadable_journal_or_cache_is_moved_aside_and_a_fresh_one_started(tmp_path, kind):
    path = tmp_path / f"{kind}.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    store = Journal(path) if kind == "journal" else TopologyCache(path)
    assert store.set_aside and ".corrupt-" in store.set_aside
    assert (tmp_path / store.set_aside.rsplit("/", 1)[1]).read_bytes().startswith(b"this is not")
    if kind == "journal":
        entry = store.begin(cloud="c", region="R", stack_name="s", action="check")
        store.finish(entry, "ok")
        assert [e.action for e in store.entries(10)] == ["check"]
    again = Journal(path) if kind == "journal" else TopologyCache(path)
    assert again.set_aside == ""  # readable now: nothing moved


def test_a_full_disk_does_not_put_loggings_traceback_on_the_terminal(capsys):
    from mrconsole.logs import logger

    log = logger()

    class Full(logging.Handler):
        def emit(self, record):
            try:
                raise OSError(28, "No space left on device")
            except OSError:
                self.handleError(record)

    handler = Full()
    log.addHandler(handler)
    try:
        log.error("a line the disk cannot take")
    finally:
        log.removeHandler(handler)
    assert capsys.readouterr().err == ""


async def test_a_crash_is_one_line_logged_whole_and_exits_1(tmp_path, capsys):
    from mrconsole.logs import log_path
    from tests.screens.replay import replay_app

    app, data = replay_app("healthy")
    with pytest.raises(ZeroDivisionError):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.2)
            app.call_later(lambda: 1 / 0)
            await pilot.pause(0.5)
    assert app.return_code == 1
    said = " ".join(capsys.readouterr().err.split())  # what the terminal gets when the app ends, unwrapped
    assert "mrconsole: internal error (see mrconsole.log): division by zero (ZeroDivisionError)" in said
    assert "Traceback" not in said and "locals" not in said, said
    logged = log_path().read_text()
    assert "the console stopped on an unexpected error" in logged and "ZeroDivisionError" in logged


def test_the_console_command_exits_with_the_apps_code(cli, tmp_path, monkeypatch):
    from mrconsole.tui.app import MrConsoleApp

    (tmp_path / "clouds.yaml").write_text(
        "clouds:\n  mrconsole-lab:\n    auth: {auth_url: 'http://127.0.0.1:9/v3'}\n    regions: [RegionOne]\n"
    )
    monkeypatch.setattr(MrConsoleApp, "run", lambda self, *a, **k: setattr(self, "_return_code", 1))
    code, out, err = cli("console", "--lab", "--lab-dir", str(tmp_path))
    assert code == 1, (out, err)
