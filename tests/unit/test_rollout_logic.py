"""The rollout's pure logic: waves, what the events say, what the journal recorded (no lab)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mrconsole.core.errors import PlanError
from mrconsole.core.master.topology import Constituent, Topology
from mrconsole.core.rollout.gate import gate_argv
from mrconsole.core.rollout.run import CONTINUE, what_it_does
from mrconsole.core.rollout.stored import PLAN_ACTION, planned_waves
from mrconsole.core.rollout.waves import (
    FAILED,
    HELD,
    RUNNING,
    UPDATED,
    UPDATING,
    WAITING,
    Change,
    ConstituentState,
    RolloutPlan,
    RolloutStatus,
    Wave,
    constituent_states,
    default_waves,
    parse_waves,
    pending_hooks,
)
from mrconsole.models import Event, Stack
from mrconsole.state.journal import JournalEntry

MASTER = Stack("RegionOne", "m-id", "m", "UPDATE_IN_PROGRESS")


def topo() -> Topology:
    return Topology(
        "lab",
        MASTER,
        [
            Constituent("web_one", "RegionOne", "s1", "m-web_one-x"),
            Constituent("web_two", "RegionTwo", "s2", "m-web_two-x"),
            Constituent("web_three", "RegionThree", "s3", "m-web_three-x"),
        ],
    )


def ev(n: int, resource: str, status: str, reason: str = "state changed", physical: str = "") -> Event:
    return Event(
        "RegionOne", "m-id", "m", f"e{n}", datetime(2026, 1, 1, 0, 0, n, tzinfo=UTC), resource, status, reason, physical
    )


def test_waves_parse_and_every_mistake_is_named():
    regions = ["RegionOne", "RegionThree", "RegionTwo"]
    assert parse_waves("RegionTwo;RegionOne,RegionThree", regions) == [("RegionTwo",), ("RegionOne", "RegionThree")]
    for text, says in (
        ("RegionTwo;RegionTwo,RegionOne,RegionThree", "named twice"),
        ("RegionTwo;;RegionOne,RegionThree", "wave 2 is empty"),
        ("RegionTwo; , ;RegionOne,RegionThree", "wave 2 is empty"),
        ("RegionTwo;RegionOne", "RegionThree holds constituents but is in no wave"),
        ("RegionTwo;RegionOne,RegionThree;RegionX", "RegionX holds no constituent"),
    ):
        with pytest.raises(PlanError, match=says) as caught:
            parse_waves(text, regions)
        assert caught.value.usage


def test_default_waves_follow_the_clouds_order_of_regions():
    assert default_waves(["RegionThree", "RegionOne", "RegionTwo"], ["RegionOne", "RegionTwo", "RegionThree"]) == [
        ("RegionOne",),
        ("RegionTwo",),
        ("RegionThree",),
    ]


def test_the_plans_environment_holds_every_wave_after_the_canary_and_frees_a_leftover_on_the_canary():
    t = topo()
    waves = (
        Wave(1, ("RegionOne",), (t.constituents[0],)),
        Wave(2, ("RegionTwo", "RegionThree"), tuple(t.constituents[1:])),
    )
    plan = RolloutPlan(t, Change({"release": "v2"}), waves, (), leftover=("web_one",))
    assert plan.held == ("web_two", "web_three")
    assert plan.environment() == {
        "resource_registry": {
            "resources": {"web_two": {"hooks": "pre-update"}, "web_three": {"hooks": "pre-update"}, "web_one": None}
        }
    }
    assert plan.waves_text() == "RegionOne;RegionTwo,RegionThree"
    assert "2 wave(s)" in plan.lines()[0]


def test_states_come_from_the_master_events_of_its_current_update_only():
    events = [
        ev(1, "m", "UPDATE_IN_PROGRESS", "Stack UPDATE started", "m-id"),
        ev(2, "web_one", "UPDATE_FAILED"),
        ev(3, "m", "UPDATE_FAILED", "failed", "m-id"),
        # the current update: what came before belongs to another one
        ev(4, "m", "UPDATE_IN_PROGRESS", "Stack UPDATE started", "m-id"),
        ev(5, "web_one", "UPDATE_IN_PROGRESS"),
        ev(6, "web_two", "CREATE_COMPLETE", "UPDATE paused until Hook pre-update is cleared"),
        ev(7, "web_three", "CREATE_COMPLETE", "UPDATE paused until Hook pre-update is cleared"),
        ev(8, "web_one", "UPDATE_COMPLETE"),
        # a hook's events keep the old status: the reason decides
        ev(9, "web_two", "CREATE_COMPLETE", "Hook pre-update is cleared"),
    ]
    start, states = constituent_states(events, MASTER, topo())
    assert start is not None and start.id == "e4"
    assert {k: v[0] for k, v in states.items()} == {"web_one": UPDATED, "web_two": UPDATING, "web_three": HELD}
    assert constituent_states(events[:3], MASTER, topo())[1]["web_one"][0] == FAILED


def test_pending_hooks_are_the_pauses_nothing_followed():
    events = [
        ev(1, "a", "CREATE_COMPLETE", "UPDATE paused until Hook pre-update is cleared"),
        ev(2, "b", "INIT_COMPLETE", "CREATE paused until Hook pre-create is cleared"),
        ev(3, "a", "CREATE_COMPLETE", "Hook pre-update is cleared"),
    ]
    assert pending_hooks(events) == {"b": ("pre-create", "CREATE paused until Hook pre-create is cleared")}


def test_the_journal_gives_back_the_waves_and_the_values_before():
    def entry(action, message, params, stack_id="m-id"):
        return JournalEntry(
            1, 0.0, 0.0, "u", "lab", "RegionOne", "m", stack_id, action, params, None, "ok", message, False, None
        )

    entries = [
        entry("release", "accepted", {"resource": "web_two"}),
        entry(PLAN_ACTION, "waves RegionTwo;RegionOne,RegionThree · parameters · release=v2", {"release": "v1"}),
        entry(PLAN_ACTION, "waves RegionOne · parameters · x", {}),
    ]
    assert planned_waves(entries, "m-id") == (
        (("RegionTwo",), ("RegionOne", "RegionThree")),
        "parameters",
        {"release": "v1"},
    )
    assert planned_waves(entries, "other") == ((), "", {})


def test_a_gate_command_that_cannot_run_is_refused(tmp_path):
    assert gate_argv("true --flag 'a b'")[1:] == ["--flag", "a b"]
    with pytest.raises(PlanError, match="no such command"):
        gate_argv("no-such-command-mrconsole")
    plain = tmp_path / "gate"
    plain.write_text("#!/bin/sh\n")
    with pytest.raises(PlanError, match="not executable"):
        gate_argv(str(plain))
    with pytest.raises(PlanError, match="empty"):
        gate_argv("  ")
    with pytest.raises(PlanError, match="quotation"):
        gate_argv("true 'open")


def _status(web_one: str, web_two: str, web_three: str) -> RolloutStatus:
    cons = tuple(
        ConstituentState(c.resource, c.region or "", c.stack_id, c.stack_name, state)
        for c, state in zip(topo().constituents, (web_one, web_two, web_three), strict=True)
    )
    return RolloutStatus(
        MASTER, RUNNING, cons, ("web_three", "web_two"), (("RegionOne",), ("RegionTwo", "RegionThree"))
    )


def test_a_change_sent_again_releases_the_held_wave_else_the_one_a_dead_engine_left_updating():
    # Killed with the canary updating (nothing held yet): the canary's wave; the later one stays held.
    assert _status(UPDATING, WAITING, WAITING).resend_wave == 1
    assert _status(WAITING, WAITING, WAITING).resend_wave == 1
    # Killed with the second wave released and updating.
    assert _status(UPDATED, UPDATING, WAITING).resend_wave == 2
    # A held wave is the one a continue releases, sent again or not.
    assert _status(UPDATED, HELD, HELD).resend_wave == 2
    # Every constituent updated, the master never marked complete: the last wave (no breakpoint is left).
    assert _status(UPDATED, UPDATED, UPDATED).resend_wave == 2
    said = " ".join(what_it_does(CONTINUE, _status(UPDATED, UPDATING, WAITING), {}, "parameters", force=True))
    assert "waves 1-2 without breakpoints" in said and "wave 2 (RegionTwo, RegionThree)" in said
    assert "takes over" in said


def test_a_change_sent_again_frees_every_wave_up_to_the_one_released_and_holds_the_rest():
    """A PATCH merges the environment: an earlier wave's breakpoint left in it would hold that wave again in
    the new update, which would never end (found by the fault matrix's 3-wave cells)."""
    import asyncio
    from types import SimpleNamespace

    from mrconsole.core.acting.actions import ActionResult
    from mrconsole.core.rollout.run import RolloutRun

    sent: list[dict] = []

    class Region:
        async def events(self, *a, **kw):
            return []

        async def get_stack(self, *a, **kw):
            return SimpleNamespace(stack=SimpleNamespace(in_progress=False, name="x"))

    class Actions:
        async def rollout_update(self, target, env, action="rollout"):
            sent.append(env)
            return ActionResult(action, target.region, target.name, target.id, True, "accepted", "req-1", 1)

    fleet = SimpleNamespace(region=lambda name: Region())
    waves = (("RegionOne",), ("RegionTwo",), ("RegionThree",))
    run = RolloutRun(fleet, Actions(), topo(), waves)
    run.master_status = "UPDATE_FAILED"
    asyncio.run(run.release(run.waves[2]))  # the last wave
    assert sent[-1]["resource_registry"]["resources"] == {"web_one": None, "web_two": None, "web_three": None}
    asyncio.run(run.release(run.waves[1]))  # the middle one: the last stays held
    assert sent[-1]["resource_registry"]["resources"] == {
        "web_one": None,
        "web_two": None,
        "web_three": {"hooks": "pre-update"},
    }


def test_a_rollback_of_a_held_update_waits_for_a_released_constituent_to_end_before_it_cancels(monkeypatch):
    """A constituent released by hand may still be updating when the operator rolls back: the master's cancel
    is sent only once the master's events say it ended and no constituent is in progress in its region (the
    order is what is pinned here; the lab test test_rollout.py::test_held_rollout_rolled_back_by_heat...
    drives the rollback on Heat)."""
    import asyncio
    from types import SimpleNamespace

    from mrconsole.core.acting.actions import ActionResult
    from mrconsole.core.rollout import run as run_module
    from mrconsole.core.rollout.run import RolloutRun

    said: list[str] = []
    reads = {"s2": 2}  # web_two's own stack answers UPDATE_IN_PROGRESS twice more, then UPDATE_COMPLETE
    master_events = [[], [], [ev(9, "web_two", "UPDATE_COMPLETE")]]  # its resource in the master: 2 looks

    class Region:
        async def events(self, *a, **kw):
            said.append("master events")
            return master_events.pop(0) if master_events else []

        async def get_stack(self, stack_id, *a, **kw):
            busy = reads.get(stack_id, 0) > 0
            if busy:
                reads[stack_id] -= 1
            said.append(f"read {stack_id} {'busy' if busy else 'quiet'}")
            return SimpleNamespace(stack=SimpleNamespace(in_progress=busy, name=f"m-{stack_id}"))

    class Actions:
        async def stack_action(self, target, action):
            said.append(action)
            return ActionResult(action, target.region, target.name, target.id, True, "accepted", "req-1", 1)

        async def record(self, *a, **kw):
            return None

    async def no_pause(_seconds):
        return None

    async def rolled_back():
        run.master_status = "ROLLBACK_COMPLETE"

    monkeypatch.setattr(run_module.asyncio, "sleep", no_pause)
    run = RolloutRun(SimpleNamespace(region=lambda name: Region()), Actions(), topo(), (("RegionOne",), ("RegionTwo",)))
    held = _status(UPDATED, UPDATING, HELD)
    run.adopt(held, None)
    run._until_rollback_ends = rolled_back  # Heat's part: the lab test's
    outcome = asyncio.run(run.rollback({"release": "v1"}, "parameters", held))
    assert "ROLLBACK_COMPLETE" in outcome.message
    cancel = said.index("cancel_update")
    assert said[:3] == ["master events"] * 3, said  # the master first: web_two UPDATING until its third look
    regions = [x for x in said[3:cancel] if x.startswith("read")]
    assert regions.count("read s2 busy") == 2 and regions[-3:] == ["read s1 quiet", "read s2 quiet", "read s3 quiet"]


def test_an_update_failed_only_by_heats_template_clean_up_says_so_and_where_to_look():
    """Heat's reason when its clean-up of the previous template fails on MariaDB (tests/lab/test_database.py
    makes Heat give it): the rollout says the clean-up failed, not the update, and names `why`."""
    import asyncio
    from types import SimpleNamespace

    from mrconsole.core.rollout.run import RolloutRun
    from tests.unit.test_explain import PURGE_REASON

    async def ended():
        return None

    run = RolloutRun(SimpleNamespace(region=lambda name: None), None, topo(), (("RegionOne",),))
    run._until_master_ends = ended  # Heat's part: the lab test's
    run.master_status, run.master_reason = "UPDATE_FAILED", PURGE_REASON
    outcome = asyncio.run(run._finish())
    assert outcome.message.startswith(f"{MASTER.name}'s update ended UPDATE_FAILED; Heat's clean-up after the update")
    assert outcome.message.endswith(f"mrconsole why {MASTER.name} --region {MASTER.region}")
    run.master_reason = "Resource UPDATE failed: resources.web_two: Went to status UPDATE_FAILED"
    assert asyncio.run(run._finish()).message == f"{MASTER.name}'s update ended UPDATE_FAILED"
    run.reasons["web_two"] = PURGE_REASON  # a constituent's own clean-up, as the master's event said it
    assert "Heat's clean-up after the update failed" in asyncio.run(run._finish()).message
