"""The header says who the console acts as (#34): a role that cannot change stacks always, as a badge;
a member's user and roles only when the line has room. From the token, never a secret."""

from __future__ import annotations

import time

from mrconsole.cloud.health import HealthSnapshot
from mrconsole.models import Identity
from mrconsole.tui.widgets.health import HealthStrip

READER = Identity(user="oncall", project="demo", roles=("reader",), methods=("password",))
MEMBER = Identity(user="demo", project="demo", roles=("member", "reader"), methods=("password",))
HEALTH = [HealthSnapshot(r, "up", 40.0, time.time(), None, None, time.time()) for r in ("RegionOne", "RegionTwo")]


def _line(identity, detail: int) -> str:
    return HealthStrip()._text("lab", HEALTH, {}, False, detail, identity=identity).plain


def test_a_reader_is_said_at_every_width():
    for detail in (2, 1, 0, -1):
        assert " READER " in _line(READER, detail)


def test_a_member_is_named_only_when_there_is_room():
    assert "demo (member, reader)" in _line(MEMBER, 2)
    assert "demo" not in _line(MEMBER, 1) and "READER" not in _line(MEMBER, 1)


def test_unknown_identity_says_nothing():
    assert _line(None, 2).startswith(" lab   ")


def test_a_hostile_user_name_is_text_not_markup():
    hostile = Identity(user="[bold]x[/]", project="p", roles=("member",), methods=())
    assert "[bold]x[/] (member)" in _line(hostile, 2)
