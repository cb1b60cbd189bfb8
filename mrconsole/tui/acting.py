"""The one way the console changes something: a screen posts `Perform`, this module asks, sends and reports.

A screen that would change a stack, a snapshot, a resource or a rollout describes the change (`Change`: the
question, what it does in every region, the regions it touches) and the send, and awaits `perform(...)`. The
app hands the message to `carry_out`, which asks in one order everywhere:

1. a change that reaches a read-only region (config) refused; the protected regions it touches, typed
   (core/acting/protect.py);
2. then a yes (AskScreen), a name typed to confirm, or a line of input the send takes (a signal's data);
3. then sends, and says a refusal or a region's error in one notification.

The screen gets an `Outcome` back and shows what it needs of it in place. Stack actions from the action menu
(`ActOn`) are planned and confirmed here too (`act_on_stack`). No screen pushes a question or calls the
session's acting methods itself: tests/unit/test_structure.py reads the console's source to prove it.
"""

from __future__ import annotations

from mrconsole.core.acting import protect
from mrconsole.core.acting.actions import ActionError, ReadOnlyError
from mrconsole.core.acting.plan import execute
from mrconsole.core.errors import CloudError, PlanError
from mrconsole.core.rollout.run import RolloutError
from mrconsole.models import Stack
from mrconsole.tui.messages import Change, Outcome, Perform, Send, said_of
from mrconsole.tui.planning import planned
from mrconsole.tui.screens.actions import ConfirmScreen
from mrconsole.tui.screens.modals import AskScreen, TypeScreen

# What the core says when it refuses or a region fails: reported, never a traceback.
REFUSALS = (PlanError, ActionError, ReadOnlyError, RolloutError)


async def carry_out(app, message: Perform) -> None:
    """Run by the app in a worker: ask, send, report; the answer goes back on the message's future."""

    try:
        outcome = await _carry_out(app, message.change, message.send)
    except BaseException:
        if not message.future.done():
            message.future.cancel()
        raise
    if not message.future.done():
        message.future.set_result(outcome)


async def _carry_out(app, change: Change, send: Send) -> Outcome:
    lines = list(change.lines)
    session = app.connected()
    refused = protect.read_only_refusal(session.read_only_regions, change.regions, change.subject)
    if refused:
        app.notify(refused, severity="warning", timeout=8)
        return Outcome(False)
    protected = protect.touched(session.protected, list(change.regions))
    if protected:
        typed = await app.push_screen_wait(TypeScreen(f"{change.subject}: protected", lines, protect.prompt(protected)))
        refused = protect.refusal(protected, typed, change.subject)
        if refused:
            app.notify(refused, severity="warning", timeout=8)
            return Outcome(False)
    entry = ""
    if change.asked:
        answered, entry = await _ask(app, change, lines)
        if not answered:
            return Outcome(False)
    try:
        value = await send(session, entry)
    except (*REFUSALS, CloudError) as exc:
        _say_refused(app, exc)
        return Outcome(True, error=exc)
    if change.report is not None:
        said, ok = change.report(value)
        app.notify(said, severity="information" if ok else "error", timeout=10)
    return Outcome(True, value)


async def _ask(app, change: Change, lines: list[str]) -> tuple[bool, str]:
    """(answered yes, what was typed): a name typed to confirm, a line of input, or a yes."""
    entry = ""
    if change.typed_name:
        entry = await app.push_screen_wait(TypeScreen(change.question, lines, f"type {change.typed_name} to confirm"))
        if entry != change.typed_name:
            app.notify(f"that is not {change.typed_name}: nothing was sent", severity="warning")
            return False, ""
    elif change.entry:
        entry = await app.push_screen_wait(TypeScreen(change.question, lines, change.entry))
        if not entry:
            return False, ""
    elif not await app.push_screen_wait(AskScreen(change.question, lines)):
        if change.declined:
            app.notify(change.declined)
        return False, ""
    return True, entry


def _say_refused(app, exc: BaseException) -> None:
    """A refusal of the core, or a region's error, in one notification."""
    said = f"{exc.region}: {exc.message}" if isinstance(exc, CloudError) else str(exc)
    app.notify(said, severity="error", timeout=10)


async def act_on_stack(app, region: str, stack_id: str, name: str, action: str) -> None:
    """A stack action from the menu: the core's plan, its confirmation (ConfirmScreen: the parameters, a name
    or regions typed, through the master or not), an optional snapshot first, then the action."""
    session = app.connected()
    stack = session.stack(region, stack_id) or Stack(region, stack_id, name, "")
    try:
        plan = await planned(
            app, f"{action.replace('_', ' ')} {stack.name}", session.plan_action(action, region, stack, app.read_only)
        )
    except PlanError as exc:
        app.notify(str(exc), severity="error", timeout=8)
        return
    screen = ConfirmScreen(plan)
    answer = await app.push_screen_wait(screen)
    if not answer:
        app.notify(f"{action.replace('_', ' ')} cancelled: nothing was sent")
        return
    if plan.action == "update":
        plan = plan.with_parameters(screen.parameters)
    try:
        if screen.snapshot_first and not plan.blocking:
            app.notify(f"snapshotting {plan.stack.name} first: the {action} is sent once it is COMPLETE")
            snap = await session.take_snapshot(plan.stack, action, app.read_only)
            app.notify(f"snapshot {snap['name']} COMPLETE", timeout=5)
        result = await execute(
            session.actions(app.read_only),
            plan,
            through_master=answer == "master",
            confirmation=screen.typed_name,
            typed_region=screen.typed_region,
        )
    except (*REFUSALS, CloudError) as exc:
        _say_refused(app, exc)
        return
    # Actions tells the session, which reads this stack's events now.
    said, ok = said_of(result, f"{result.action} {result.stack_name} in {result.region}: accepted")
    app.notify(said, severity="information" if ok else "error", timeout=5 if ok else 10)
