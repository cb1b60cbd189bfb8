"""Every action the console and the CLI can take, in one table: what it is called, whether it changes
anything, whether it can go through a master, and what it needs confirmed.

The action menu (core/acting/choices.py), the planner (core/acting/plan.py), the sender and
journal (core/acting/actions.py), the console's labels and the CLI all take what they
need from here; an action added here appears in each, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    """In the action menu's order (create is never on a stack's menu)."""

    CHECK = "check"
    SUSPEND = "suspend"
    RESUME = "resume"
    UPDATE = "update"
    REAPPLY = "reapply"
    CANCEL_UPDATE = "cancel_update"
    CANCEL_WITHOUT_ROLLBACK = "cancel_without_rollback"
    DELETE = "delete"
    CREATE = "create"


NAME, NOTHING = "name", ""  # what a confirmation needs: the stack's name typed, or a plain yes


@dataclass(frozen=True)
class ActionInfo:
    label: str  # the console's menu
    verb: str  # "{verb} {stack} in {region}?"
    mutates: bool = True  # refused in read-only mode
    stack_action: bool = False  # Heat's POST .../actions (not a create, update or delete)
    via_master: bool = False  # the same action on a constituent's master reaches every constituent
    on_a_master: bool = False  # its constituents decide whether Heat accepts it (the preflight reads them)
    in_menu: bool = True  # offered on an existing stack
    confirm: str = NOTHING


TABLE: dict[Action, ActionInfo] = {
    Action.CHECK: ActionInfo(
        "Check: verify every resource", "check", stack_action=True, via_master=True, on_a_master=True
    ),
    Action.SUSPEND: ActionInfo("Suspend", "suspend", stack_action=True, via_master=True, on_a_master=True),
    Action.RESUME: ActionInfo("Resume", "resume", stack_action=True, via_master=True, on_a_master=True),
    Action.UPDATE: ActionInfo("Update: change some parameters (PATCH)", "update", on_a_master=True),
    Action.REAPPLY: ActionInfo(
        "Re-apply: update with its own template and parameters",
        "re-apply the template and parameters of",
        on_a_master=True,
    ),
    Action.CANCEL_UPDATE: ActionInfo(
        "Cancel update (roll back)", "cancel the update of", stack_action=True, via_master=True, on_a_master=True
    ),
    Action.CANCEL_WITHOUT_ROLLBACK: ActionInfo(
        "Cancel update without rollback",
        "cancel (without rollback) the update of",
        stack_action=True,
        via_master=True,
        on_a_master=True,
    ),
    Action.DELETE: ActionInfo("Delete (type the name to confirm)", "delete", on_a_master=True, confirm=NAME),
    Action.CREATE: ActionInfo("Create", "create", in_menu=False),
}

MENU: tuple[Action, ...] = tuple(a for a in Action if TABLE[a].in_menu)
STACK_ACTIONS: tuple[Action, ...] = tuple(a for a in Action if TABLE[a].stack_action)
MUTATIONS: tuple[Action, ...] = tuple(a for a in Action if TABLE[a].mutates)
VIA_MASTER: tuple[Action, ...] = tuple(a for a in Action if TABLE[a].via_master)
ON_A_MASTER: tuple[Action, ...] = tuple(a for a in Action if TABLE[a].on_a_master)


def info(action: str) -> ActionInfo | None:
    try:
        return TABLE[Action(action)]
    except ValueError:
        return None
