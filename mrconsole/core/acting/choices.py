"""Which actions fit a stack's state: what the action menu offers, and why not the rest.

Heat's own rules (heat/engine/service.py, with convergence, as the lab and
current clouds run it), checked on the lab where they matter:
- update (and re-apply) is refused while the stack's action is SUSPEND or
  DELETE; otherwise it is accepted even mid-operation, where it silently
  supersedes what runs; the menu keeps that for a cancel or a wait.
- cancel needs UPDATE_IN_PROGRESS; cancel without rollback also accepts
  CREATE_IN_PROGRESS.
- resume works only from SUSPEND_COMPLETE or RESUME_FAILED (resource.py
  resume(): any other resource state fails it), suspend from a settled stack.
- check is accepted anywhere, but on a suspended stack it strands it (it
  can no longer be resumed: core/acting/preflight.py); a new check also clears a
  check left stuck IN_PROGRESS.
- delete is always accepted (it stops a running operation first).
Nothing can be sent to a region that does not answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from mrconsole.core.acting.action_table import MENU
from mrconsole.models import Stack
from mrconsole.template.heat import looks_like_constituent

# Offered on a master beyond Heat's own actions: screens of their own, not a request (core/rollout/waves.py).
ROLLOUT, BREAKPOINTS = "rollout", "breakpoints"
MOVE, SNAPSHOTS, ABANDON = "move", "snapshots", "abandon"
RELEASE = "release-constituent"  # offered on a constituent of the open master (core/master/release.py)
IMPORT = "import"  # offered on a stack of its own: the `:import` line, filled in (core/master/gather.py)
# The request each menu entry sends in the stack's own region, as core/acting/permissions.py knows it (Heat's
# policy decides it). A move's adopt goes to another region: its screen's plan asks there.
FIRST_REQUEST = {ROLLOUT: "rollout", MOVE: "abandon", SNAPSHOTS: "snapshot", ABANDON: "abandon", RELEASE: "update",
                 IMPORT: "update"}  # fmt: skip
LABELS = {
    ROLLOUT: "Roll out in waves: region by region, a gate between",
    BREAKPOINTS: "Breakpoints: hooks set and waiting, across regions",
    MOVE: "Move the master to another region (adopt there)",
    SNAPSHOTS: "Snapshots: take, restore, delete (every constituent in its region)",
    ABANDON: "Abandon this stale master: drop it from Heat, its constituents untouched",
    RELEASE: "Release from its master: the master forgets it, the stack stays",
    IMPORT: "Import into a new master (adopt): the : line, filled in with this stack",
}


def master_choices(stack: Stack, region_down: str = "", stale: str = "") -> list[Choice]:
    """Beyond Heat's own actions, on a master: screens of their own. A master whose region does not
    answer can still be moved (from the topology cache); a stale one (another master owns its
    constituents) is offered the abandon, and a rollout of it is refused with why."""
    unreachable = f"{stack.region} is unreachable ({region_down})" if region_down else ""
    out = [
        Choice(ROLLOUT, unreachable or stale),
        Choice(BREAKPOINTS, unreachable),
        Choice(SNAPSHOTS, unreachable),
        Choice(MOVE),
    ]
    if stale:
        out.insert(0, Choice(ABANDON, unreachable))
    return out


def constituent_choices(master: Stack, master_down: str = "", region_down: str = "") -> list[Choice]:
    """On a constituent of the open master: its release, which updates the master in the master's region and
    this stack in place in its own (core/master/release.py); both must answer."""
    if master_down:
        return [Choice(RELEASE, f"{master.name}'s region {master.region} is unreachable ({master_down})")]
    return [Choice(RELEASE, f"its region is unreachable ({region_down}): evict is for a region gone for good"
                    if region_down else "")]  # fmt: skip


def standalone_choices(stack: Stack) -> list[Choice]:
    """On a stack no master owns (not nested, not named as Heat names a remote stack): its import into a new
    master, which takes only a stack at rest (core/master/gather.py says the rest before sending)."""
    if stack.parent or looks_like_constituent(stack.name):
        return []
    at_rest = not stack.in_progress and not stack.failed and stack.action != "DELETE"
    return [Choice(IMPORT, "" if at_rest else f"{stack.status or 'unknown'}: an import takes a stack at rest")]


@dataclass(frozen=True)
class Choice:
    action: str
    reason: str = ""  # why it does not fit; empty when it does

    @property
    def allowed(self) -> bool:
        return not self.reason


def with_refusals(found: list[Choice], refused: dict[str, str]) -> list[Choice]:
    """The menu with what the user's role may not do greyed, with Heat's answer (core/acting/permissions.py);
    `refused` is keyed by request (FIRST_REQUEST), a state's reason kept first."""
    return [
        Choice(c.action, refused[FIRST_REQUEST.get(c.action, c.action)])
        if c.allowed and FIRST_REQUEST.get(c.action, c.action) in refused
        else c
        for c in found
    ]


def requests_of(found: list[Choice]) -> list[str]:
    return [FIRST_REQUEST.get(c.action, c.action) for c in found]


def choices(stack: Stack, region_down: str = "") -> list[Choice]:
    """Every menu action for `stack`, in menu order; `region_down`: why its region cannot be reached."""
    if region_down:
        return [Choice(a, f"{stack.region} is unreachable ({region_down}): nothing can be sent") for a in MENU]
    return [Choice(a, _why_not(a, stack)) for a in MENU]


def _why_not(action: str, stack: Stack) -> str:
    verb, state = stack.action, stack.state
    status = stack.status or "unknown"
    running = state == "IN_PROGRESS"
    if verb == "DELETE" and action != "delete":
        return f"{status}: only a delete can follow a delete"
    if action == "delete":
        return ""
    if action == "cancel_update":
        return "" if status == "UPDATE_IN_PROGRESS" else f"{status}: there is no update to cancel"
    if action == "cancel_without_rollback":
        return (
            ""
            if status in ("UPDATE_IN_PROGRESS", "CREATE_IN_PROGRESS")
            else f"{status}: there is no create or update to cancel"
        )
    if action == "check" and status == "CHECK_IN_PROGRESS":
        return ""  # a new check clears one that is stuck
    if running:
        return f"{status}: wait for it to end, or cancel it"
    if action in ("update", "reapply"):
        return f"{status}: Heat does not update a suspended stack; resume it first" if verb == "SUSPEND" else ""
    if action == "resume":
        return "" if status in ("SUSPEND_COMPLETE", "RESUME_FAILED") else f"{status}: not suspended"
    if action == "suspend":
        return f"{status}: already suspended" if status == "SUSPEND_COMPLETE" else ""
    if action == "check":
        return (
            f"{status}: a check would leave it unable to resume; resume it first"
            if status == "SUSPEND_COMPLETE"
            else ""
        )
    return ""
