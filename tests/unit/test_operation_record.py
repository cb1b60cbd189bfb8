"""An operation's record in the master's environment (core/rollout/record.py): what it keeps, what it never
keeps, how it reads what another version (or a hand) wrote, and who may act on it without --take-over."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from mrconsole.core.diagnosis.operations import CURRENT, FAILED_REGION, OUTDATED, standing
from mrconsole.core.rollout import record as rec
from mrconsole.core.rollout.waves import (
    FAILED,
    HELD,
    UPDATED,
    ConstituentState,
    RolloutStatus,
    region_count,
    split_waves,
)
from mrconsole.models import Stack


@pytest.fixture(autouse=True)
def _state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def test_a_record_goes_through_heat_as_json_and_comes_back_the_same():
    r = rec.new_record("rollout", (("RegionOne",), ("RegionTwo", "RegionThree")), "parameters", {"release": "v1"})
    env = {"parameter_defaults": rec.with_record((), r)}
    back = rec.records_in(json.loads(json.dumps(env)))
    assert back == (r,)
    assert r.id.startswith("op-") and "@" in r.by and r.state == rec.RUNNING


def test_a_value_whose_name_says_a_secret_never_enters_the_record():
    r = rec.new_record("rollout", (("A",),), "parameters", {"db_password": "s3cret", "release": "v1"})
    assert r.previous == {"release": "v1"}
    assert "s3cret" not in json.dumps(rec.with_record((), r))


def test_the_newest_record_goes_first_replaces_its_own_id_and_history_is_bounded():
    old = [rec.new_record("rollout", (("A",),), "parameters", {}) for _ in range(rec.HISTORY + 3)]
    records: tuple = ()
    for r in old:
        records = rec.records_in({"parameter_defaults": rec.with_record(records, r)})
    assert len(records) == rec.HISTORY and records[0] == old[-1]
    ended = records[0].ended_as(rec.DONE, {"A": "updated"})
    again = rec.records_in({"parameter_defaults": rec.with_record(records, ended)})
    assert again[0].state == rec.DONE and again[0].results == {"A": "updated"} and len(again) == rec.HISTORY


@pytest.mark.parametrize(
    "value",
    [None, "text", {"a": 1}, [1, "x", None], [{"kind": "rollout"}], [{"id": 3, "kind": "rollout"}]],
    ids=["none", "text", "dict", "scalars", "no-id", "id-not-text"],
)
def test_what_is_not_a_record_is_no_record(value):
    assert rec.records_in({"parameter_defaults": {rec.RECORD_KEY: value}}) == ()


def test_a_record_with_odd_fields_is_read_as_far_as_it_can_be():
    [r] = rec.records_in(
        {"parameter_defaults": {rec.RECORD_KEY: [{"id": "op-1", "kind": "rollout", "waves": "A;B", "results": 3}]}}
    )
    assert r.waves == () and r.results == {} and r.state == rec.RUNNING and r.age() == "at an unknown time"


def test_an_operation_is_its_starters_until_taken_over(tmp_path, monkeypatch):
    mine = rec.new_record("rollout", (("A",),), "parameters", {})
    assert mine.owner == rec.operator_id()
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "another"))  # another operator: another state dir
    assert mine.owner != rec.operator_id()
    assert "another state directory" in mine.whose()  # same user@host, so said why it is not theirs
    taken = mine.taken_over()
    assert taken.owner == rec.operator_id() and taken.taken_over_by == rec.who()
    assert "taken over by" in taken.describe()


def test_the_age_counts_from_the_clock_a_replayed_screen_sets(monkeypatch):
    r = rec.OperationRecord("op-1", "rollout", "a@b", "x", "2026-12-03T10:00:00+00:00")
    start = datetime(2026, 12, 3, 10, tzinfo=UTC).timestamp()
    monkeypatch.setattr(time, "time", lambda: start + 45)
    assert r.age() == "45 s ago"
    assert r.age(start + 30) == "30 s ago" and r.age(start + 600) == "10 min ago" and r.age(start + 7200) == "2.0 h ago"


def _status(states: dict[str, tuple[str, str]], records=()) -> RolloutStatus:
    master = Stack("RegionOne", "m-id", "m", "UPDATE_IN_PROGRESS")
    cons = tuple(
        ConstituentState(name, region, f"{name}-id", name, state, "") for name, (region, state) in states.items()
    )
    return RolloutStatus(master, "holding", cons, (), (), None, "", tuple(records))


def test_a_region_is_outdated_while_a_rollout_has_not_reached_it_and_failed_when_a_constituent_failed():
    running = rec.OperationRecord("op-1", "rollout", "a@b", "x", "2026-12-03T10:00:00+00:00")
    status = _status(
        {"one": ("RegionOne", UPDATED), "two": ("RegionTwo", HELD), "three": ("RegionThree", FAILED)}, [running]
    )
    assert standing(status) == {"RegionOne": CURRENT, "RegionTwo": OUTDATED, "RegionThree": FAILED_REGION}
    ended = running.ended_as(rec.DONE)
    assert standing(_status({"two": ("RegionTwo", HELD)}, [ended])) == {"RegionTwo": CURRENT}


@pytest.mark.parametrize(
    "text, total, count",
    [("0", 5, 0), ("2", 5, 2), ("40%", 5, 2), ("34%", 3, 1), ("33%", 3, 0), ("100%", 20, 20), (" 1 ", 3, 1)],
)
def test_a_count_of_regions_is_a_number_or_a_percentage_rounded_down(text, total, count):
    assert region_count(text, total, "--failure-tolerance") == count


def test_max_concurrent_splits_a_wave_in_order_and_leaves_smaller_ones_alone():
    waves = [("A",), ("B", "C", "D", "E", "F")]
    assert split_waves(waves, 2) == [("A",), ("B", "C"), ("D", "E"), ("F",)]
    assert split_waves(waves, 5) == waves


def test_a_moves_record_joins_the_records_the_old_master_held_and_keeps_its_other_defaults():
    rollout = rec.new_record("rollout", (("A",),), "parameters", {}).ended_as(rec.DONE, {"A": "updated"})
    env = {"parameters": {"x": "1"}, "parameter_defaults": {"other": 2, **rec.with_record((), rollout)}}
    move = rec.adopt_record("move", "from A to B", {"B": "adopted", "A": "abandoned"})
    out = rec.environment_with(env, move)
    assert out["parameters"] == {"x": "1"} and out["parameter_defaults"]["other"] == 2
    assert [r.kind for r in rec.records_in(out)] == ["move", "rollout"]
    assert rec.records_in(out)[0].state == rec.DONE and env["parameter_defaults"] != out["parameter_defaults"]
    assert rec.records_in(rec.environment_with(None, move)) == (move,)


def _entry(n: int, action: str, stack_id: str | None, **parameters):
    from mrconsole.state.journal import JournalEntry

    return JournalEntry(
        n, 1_700_000_000.0 + n, None, "alice", "lab", "A", "m", stack_id, action, parameters, None, "ok", "", False,
        None,
    )  # fmt: skip


def test_the_history_shows_an_operation_once_heat_first_and_an_adopt_that_failed_as_failed():
    from mrconsole.core.diagnosis.operations import _from_journal, _snapshots, _state

    entries = [
        _entry(1, "rehome", "m-new"),  # the adopt that made this master: Heat's move record stands for it
        _entry(2, "rehome", "m-older"),  # not this master's
        _entry(3, "snapshot", "m-new", name="kept"),  # Heat lists it
        _entry(4, "snapshot", "m-new", name="deleted-since"),
        _entry(5, "restore", "m-new"),
    ]
    rows = _from_journal(entries, set(), "m-new", {"move"}, {"kept"})
    assert [(r.kind, r.reason or r.id) for r in rows] == [
        ("move", "journal-2"),
        ("snapshot", "journal-4"),
        ("restore", "journal-5"),
    ]
    # Without a record in Heat (a move an older version made), the journal's row stays.
    assert [r.kind for r in _from_journal(entries[:1], set(), "m-new", set(), set())] == ["move"]

    snaps = _snapshots(
        [{"id": "0123456789", "name": "kept", "status": "COMPLETE", "creation_time": "2026-01-01T00:00:00"}], "A"
    )
    assert [(s.id, s.state, s.started, s.results) for s in snaps] == [
        ("snapshot-01234567", "done", "2026-01-01T00:00:00+00:00", {"A": "COMPLETE"})
    ]

    move = rec.adopt_record("move", "from A to B", {"B": "adopted"})

    def status(master_status: str) -> RolloutStatus:
        return RolloutStatus(Stack("B", "m-new", "m", master_status), "none", (), (), records=(move,))

    assert _state(move, status("ADOPT_FAILED"), move.id) == "failed"
    assert _state(move, status("ADOPT_IN_PROGRESS"), move.id) == "running"
    assert _state(move, status("ADOPT_COMPLETE"), move.id) == rec.DONE
    assert _state(move, status("UPDATE_FAILED"), move.id) == rec.DONE  # a later action's, not the move's
