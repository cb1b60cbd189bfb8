"""What screens and widgets ask for, sent up as Messages; the app owns the decision.

A screen never calls the app to act, open or troubleshoot: it posts one of
these, and the app's `@on` handler decides (read-only, the action menu, the
plan, the confirmation). A new screen that offers an action posts the same
message; nothing in the app changes.
"""

from __future__ import annotations

from textual.message import Message


class StackMessage(Message):
    """About one stack: where it is and what it is called."""

    def __init__(self, region: str, stack_id: str, name: str):
        super().__init__()
        self.region = region
        self.stack_id = stack_id
        self.name = name


class ActOn(StackMessage):
    """Act on a stack: the action menu, or `action` straight to its plan and confirmation."""

    def __init__(self, region: str, stack_id: str, name: str, action: str = ""):
        super().__init__(region, stack_id, name)
        self.action = action


class OpenStack(StackMessage):
    """Show a stack's detail."""


class Troubleshoot(StackMessage):
    """Show why a stack failed, across regions."""


class ShowOutputs(StackMessage):
    """Show a stack's outputs and, for a master, every constituent's, across regions."""


class ShowResources(StackMessage):
    """Show a stack's resources and, for a master, every constituent's, across regions."""


class FollowMaster(StackMessage):
    """Show this master from now on (one of the masters found)."""
