"""What screens and widgets ask for, sent up as Messages; the app owns the decision.

A screen never calls the app to act, open or troubleshoot: it posts one of
these, and the app's `@on` handler decides (read-only, the action menu, the
plan, the confirmation). A new screen that offers an action posts the same
message; nothing in the app changes.

A change (`Perform`, through `perform`) is carried out by tui/acting.py: the
screen says what to ask and hands over the send, and gets an `Outcome` back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from textual.message import Message

from mrconsole.core.live.view import Acting


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


# -- changes: asked, sent and reported by tui/acting.py ---------------------------------
Send = Callable[[Acting, str], Awaitable[Any]]  # given the session's acting side and what was typed ("" for a yes)


@dataclass(frozen=True)
class Change:
    """What the operator is asked before a change is sent."""

    question: str  # "Move the master?"
    lines: Sequence[str]  # what it does, in every region
    subject: str  # "move of demo": in the protected regions' prompt and refusal
    regions: Sequence[str] = ()  # the regions it changes (the protected ones must be typed)
    typed_name: str = ""  # a name typed to confirm instead of a yes
    entry: str = ""  # a placeholder: a line of input the send takes instead of a yes
    declined: str = ""  # said when the answer is no
    asked: bool = True  # False: nothing to ask (a refusal the core journals without sending anything)
    report: Callable[[Any], tuple[str, bool]] | None = None  # (what to say, ok) of the send's value


@dataclass(frozen=True)
class Outcome:
    sent: bool  # the send ran (it may still have been refused or failed: error)
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.sent and self.error is None


class Perform(Message):
    """A screen asks for a change; the app carries it out (`carry_out`) and answers on `future`."""

    def __init__(self, change: Change, send: Send, future: asyncio.Future):
        super().__init__()
        self.change, self.send, self.future = change, send, future


async def perform(widget, change: Change, send: Send) -> Outcome:
    """Post the change from `widget` (a screen) and wait for what became of it."""

    future: asyncio.Future = asyncio.get_running_loop().create_future()
    widget.post_message(Perform(change, send, future))
    return await future


def said_of(result, accepted: str) -> tuple[str, bool]:
    """An ActionResult as one line: `accepted` when Heat took it, Heat's or the core's message when not."""
    return (accepted if result.ok else result.message), bool(result.ok)
