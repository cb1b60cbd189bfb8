"""The action menu offers exactly what fits the stack's state (core/choices.py)."""

from __future__ import annotations

from mrconsole.core.choices import MENU, choices
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
