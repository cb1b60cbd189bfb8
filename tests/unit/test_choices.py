"""The action menu offers exactly what fits the stack's state (core/acting/choices.py)."""

from __future__ import annotations

from mrconsole.core.acting.choices import MENU, choices
from mrconsole.models import Stack


def offered(status: str, region_down: str = "") -> set[str]:
    return {c.action for c in choices(Stack("RegionTwo", "id", "web", status), region_down) if c.allowed}


def test_a_complete_stack():
    assert offered("CREATE_COMPLETE") == {"check", "suspend", "update", "reapply", "delete"}
    assert (
        offered("UPDATE_COMPLETE")
        == offered("ROLLBACK_COMPLETE")
        == offered("CHECK_COMPLETE")
        == offered("CREATE_COMPLETE")
    )


def test_a_suspended_stack():
    assert offered("SUSPEND_COMPLETE") == {"resume", "delete"}
    reasons = {c.action: c.reason for c in choices(Stack("R", "id", "web", "SUSPEND_COMPLETE"))}
    assert "resume it first" in reasons["update"] and "unable to resume" in reasons["check"]
    assert reasons["suspend"].endswith("already suspended")
    # A resume that failed (after a check while suspended): both ways out stay offered.
    assert {"resume", "suspend"} <= offered("RESUME_FAILED")


def test_a_stack_in_progress():
    assert offered("UPDATE_IN_PROGRESS") == {"cancel_update", "cancel_without_rollback", "delete"}
    assert offered("CREATE_IN_PROGRESS") == {"cancel_without_rollback", "delete"}
    assert offered("SUSPEND_IN_PROGRESS") == {"delete"}
    assert offered("CHECK_IN_PROGRESS") == {"check", "delete"}  # a new check clears a stuck one
    assert offered("DELETE_IN_PROGRESS") == offered("DELETE_FAILED") == {"delete"}


def test_a_stack_whose_region_is_down():
    assert offered("CREATE_COMPLETE", region_down="connection refused") == set()
    [reason] = {c.reason for c in choices(Stack("RegionTwo", "id", "web", "CREATE_COMPLETE"), "connection refused")}
    assert reason == "RegionTwo is unreachable (connection refused): nothing can be sent"


def test_every_action_is_in_the_menu_with_a_reason_when_it_does_not_fit():
    for status in ("CREATE_COMPLETE", "SUSPEND_COMPLETE", "UPDATE_IN_PROGRESS", "DELETE_FAILED", ""):
        menu = choices(Stack("R", "id", "web", status))
        assert [c.action for c in menu] == list(MENU)
        assert all(c.allowed or c.reason for c in menu)


def test_a_master_is_offered_its_own_screens_and_a_stale_one_the_abandon():
    from mrconsole.core.acting.choices import ABANDON, BREAKPOINTS, MOVE, ROLLOUT, SNAPSHOTS, master_choices

    live = {c.action: c for c in master_choices(Stack("RegionOne", "m-id", "m", "UPDATE_COMPLETE"))}
    assert set(live) == {ROLLOUT, BREAKPOINTS, SNAPSHOTS, MOVE} and all(c.allowed for c in live.values())

    # Its region lost: only the move is left, and it is the way on.
    lost = {c.action: c for c in master_choices(Stack("RegionOne", "m-id", "m", ""), region_down="timed out")}
    assert [a for a, c in lost.items() if c.allowed] == [MOVE]
    assert "RegionOne is unreachable" in lost[ROLLOUT].reason

    stale = master_choices(Stack("RegionOne", "m-id", "m", "UPDATE_COMPLETE"), stale="stale: m in RegionTwo owns them")
    assert stale[0].action == ABANDON and stale[0].allowed
    assert not next(c for c in stale if c.action == ROLLOUT).allowed
