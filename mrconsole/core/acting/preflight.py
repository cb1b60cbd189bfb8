"""Preflight: what the console can know will fail, said before the request leaves.

Each check reads the live state of what the action touches and returns
findings: BLOCKING (Heat will refuse, or the action cannot work), WARNING
(it will go through, with a consequence the operator should accept) and
INFO. Every finding is one line with what to do instead.

Facts behind the checks, from Heat 27 (heat/engine/resources/openstack/
heat/remote_stack.py, heat/engine/service.py). Sent anyway with --force on
the lab, Heat does as said for a suspended constituent and an unreachable
region (tests/lab/test_preflight.py) and for a delete with a region down
(tests/lab/test_outage.py); the CHECK_FAILED replacement is from the source only.
- an update of a master updates every constituent (RemoteStack always
  needs an update), and first validates each OS::Heat::Stack against its
  region: one unreachable constituent region refuses the whole update;
- a suspended constituent refuses the update ("Updating a stack when it is
  suspended is not supported"); one in progress refuses any new action;
- a CHECK_FAILED constituent is replaced, not updated; one whose create failed before its stack existed
  is not created by an update (only when marked unhealthy: CHECK_FAILED);
- deleting a master whose constituent region is down ends DELETE_FAILED,
  with that constituent left behind;
- cancelling a master's update does not cancel the remote updates running;
- a PATCH with a parameter the template does not declare is refused.

Cost: for a PATCH, the stack's template (already read by the planner); for
an action on a master, one read of the master (template, resources) and one
read of each constituent in its own region, concurrently.
"""

from __future__ import annotations

import asyncio

from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.findings import BLOCKING, INFO, MARKED, WARNING, Finding
from mrconsole.core.master.outage import fill_from_cache
from mrconsole.core.master.topology import Topology, read_master
from mrconsole.logs import logger
from mrconsole.template import constraints
from mrconsole.template.heat import constituent_name_pattern


def check_parameters(template: dict, parameters: dict[str, str], hidden: frozenset[str]) -> list[Finding]:
    """A PATCH's parameters against the stack's own template: unknown names and broken constraints."""
    declared = template.get("parameters") if isinstance(template, dict) else None
    declared = declared if isinstance(declared, dict) else {}
    out = []
    for name, value in parameters.items():
        spec = declared.get(name)
        if spec is None:
            out.append(
                Finding(
                    BLOCKING,
                    f"parameter {name} is not declared by the stack's template; Heat would refuse the update",
                    "declared: " + (", ".join(sorted(declared)) or "none"),
                )
            )
            continue
        spec = spec if isinstance(spec, dict) else {}
        for problem in constraints.check(
            str(spec.get("type") or "string"), spec.get("constraints"), value, hidden=name in hidden
        ):
            out.append(Finding(BLOCKING, f"parameter {name}: {problem}", "give a value the template allows"))
    return out


def _cli(action: str, name: str, region: str) -> str:
    return f"mrconsole stack {action} {name} --region {region} --direct"


# Seen on the lab (Heat 27): a check of a suspended stack completes, but moves its
# resources to CHECK_COMPLETE, from which Heat's resume refuses (resource.py resume()).
CHECKED_WHILE_SUSPENDED = (
    "Heat checks it, but a stack checked while suspended can no longer be resumed "
    "(\"State ('CHECK', 'COMPLETE') invalid for resume\")"
)


def _way_out(stack) -> str:
    """What ends the running action: a cancel for an update or a create; for a check, another one (Heat 27
    leaves a master CHECK_IN_PROGRESS for good when a constituent's region was down during its check:
    seen on the production lab; a new check clears it); otherwise waiting."""
    where = f"{stack.name} --region {stack.region}"
    # An engine that went down leaves its stack IN_PROGRESS for good: Heat 27 resets only stacks without
    # convergence at start (service.py reset_stack_status); a new update (a re-apply) starts a traversal that
    # takes over from the dead engine ("Worker went down during resource ...": seen in tests/chaos/).
    dead = f"; if {stack.region}'s Heat went down during it, it never ends: re-apply with --force takes over"
    if stack.status == "UPDATE_IN_PROGRESS":
        return f"wait for it to end, or cancel it: mrconsole stack cancel {where}" + dead
    if stack.status == "CREATE_IN_PROGRESS":
        return f"wait for it to end, or stop it: mrconsole stack cancel {where} --no-rollback" + dead
    if stack.status == "CHECK_IN_PROGRESS":
        return f"wait, or check it again (a new check clears one left running): mrconsole stack check {where}"
    return "wait for it to end"


def check_stack(stack, action: str) -> list[Finding]:
    """What the target's own state means for `action`, on any stack."""
    ref = stack.name
    # Running (an update held at a breakpoint, say): Heat 27 takes a new action in the middle of it, and
    # the two then tangle (seen on the lab: a suspend taken during a held update, whose cancel Heat then
    # refused "when stack is SUSPEND_IN_PROGRESS"). The action menu keeps the same rule (core/acting/choices.py).
    if (
        stack.status.endswith("_IN_PROGRESS")
        and action not in ("delete", "cancel_update", "cancel_without_rollback")
        and not (action == "check" and stack.status == "CHECK_IN_PROGRESS")
    ):
        return [
            Finding(
                BLOCKING,
                f"{ref} is {stack.status}: Heat would start this {action.replace('_', ' ')} in the middle of it",
                _way_out(stack),
            )
        ]
    if action == "check" and stack.status == "SUSPEND_COMPLETE":
        return [
            Finding(
                BLOCKING,
                f"{ref} is SUSPEND_COMPLETE: {CHECKED_WHILE_SUSPENDED}",
                f"resume it first: {_cli('resume', ref, stack.region)}",
            )
        ]
    if action == "resume" and stack.status == "RESUME_FAILED" and "invalid for resume" in stack.status_reason:
        return [
            Finding(
                BLOCKING,
                f"{ref} cannot be resumed as it is: its resources left SUSPEND "
                "(it was checked or changed while suspended), and Heat resumes only suspended resources",
                f"suspend it again, then resume: {_cli('suspend', ref, stack.region)}, "
                f"then {_cli('resume', ref, stack.region)}",
            )
        ]
    return []


def check_constituents(topo: Topology, action: str, lost: dict | None = None) -> list[Finding]:
    """What each constituent's state means for `action` on its master. `lost`: per constituent without a
    stack id, the stacks its region holds under its name (see lost_stacks)."""
    out = []
    master = topo.master.name
    for c in topo.constituents:
        where = f"{c.resource} ({c.stack_name or c.stack_id or 'not created'}) in {c.region or 'an unknown region'}"
        if c.stack is None and not c.stack_id and c.resource_status.endswith("_FAILED") and action in UPDATES:
            out.append(_never_created(topo, c, (lost or {}).get(c.resource, [])))
            continue
        if c.stack is None:
            if c.error and c.region:
                if action in ("update", "reapply"):
                    out.append(
                        Finding(
                            BLOCKING,
                            f"{c.region} is unreachable ({c.error}): Heat validates every constituent in its "
                            f"own region first, so it would refuse the update of {master}",
                            f"wait for {c.region}; constituents in reachable regions can be acted on directly "
                            f"(suspend, resume, check, update with --direct)",
                        )
                    )
                elif action == "delete":
                    out.append(
                        Finding(
                            WARNING,
                            f"{where} will be left behind: {c.region} is unreachable ({c.error}), so the "
                            f"delete of {master} will end DELETE_FAILED",
                            f"delete again when {c.region} is back (mrconsole drift {master} lists orphans)",
                        )
                    )
                elif action == "check":
                    out.append(
                        Finding(
                            BLOCKING,
                            f"{c.region} is unreachable ({c.error}): the check of {master} fails on "
                            f"{c.resource}, which stays CHECK_FAILED in {master}, so its next update replaces "
                            f"{c.stack_name or c.resource} (a new stack, the old one deleted); Heat can also leave "
                            f"{master} stuck CHECK_IN_PROGRESS until it is checked again",
                            f"wait for {c.region}; check the constituents in reachable regions directly",
                        )
                    )
                else:
                    out.append(
                        Finding(
                            WARNING,
                            f"{c.region} is unreachable ({c.error}): the {action} of {master} "
                            f"will fail on {c.resource}",
                            f"wait for {c.region}",
                        )
                    )
            continue
        status = c.stack.status
        ref = c.stack.name
        if c.stack.in_progress and action in ("cancel_update", "cancel_without_rollback"):
            out.append(
                Finding(
                    WARNING,
                    f"{where} is {status}: cancelling {master} does not cancel what already runs in {c.region}",
                    f"cancel it too: {_cli('cancel', ref, c.region or '?')}",
                )
            )
        elif c.stack.in_progress:
            out.append(
                Finding(
                    BLOCKING,
                    f"{where} is {status}: Heat refuses a new action while one runs",
                    f"wait for it, or cancel it ({_cli('cancel', ref, c.region or '?')})"
                    + (
                        f"; if {c.region}'s Heat went down during it, it never ends: re-apply with --force takes "
                        "over (a new traversal there)"
                        if action in UPDATES
                        else ""
                    ),
                )
            )
        elif status.startswith("SUSPEND_") and action in ("update", "reapply"):
            out.append(
                Finding(
                    BLOCKING,
                    f"{where} is {status}: Heat does not update a suspended stack, so the "
                    f"update of {master} would fail in {c.region}",
                    f"resume it first: {_cli('resume', ref, c.region or '?')}",
                )
            )
        elif status == "SUSPEND_COMPLETE" and action == "check":
            out.append(
                Finding(
                    BLOCKING,
                    f"{where} is SUSPEND_COMPLETE: {CHECKED_WHILE_SUSPENDED}",
                    f"resume it first: {_cli('resume', ref, c.region or '?')}",
                )
            )
        elif (
            c.resource_status == "CHECK_FAILED"
            and action in ("update", "reapply")
            and c.resource_status_reason.startswith(MARKED)
        ):
            # Marked unhealthy on purpose (core/diagnosis/resources.py): the replacement is what was asked for.
            out.append(
                Finding(
                    WARNING,
                    f"{c.resource} was marked unhealthy ({c.resource_status_reason}): Heat replaces it, "
                    f"creating a new stack in {c.region} and deleting {ref}",
                )
            )
        elif c.resource_status == "CHECK_FAILED" and action in ("update", "reapply"):
            out.append(
                Finding(
                    BLOCKING,
                    f"{c.resource} is CHECK_FAILED in {master} (its last check failed): "
                    f"Heat will replace it, creating a new stack in {c.region} and deleting {ref}",
                    f"check {master} again now that {c.region} answers "
                    f"(mrconsole stack check {master} --region {topo.master.region}): a passing check "
                    "clears it; or --force to replace it",
                )
            )
        elif status.endswith("_FAILED") and action in ("update", "reapply"):
            out.append(
                Finding(
                    WARNING,
                    f"{where} is {status}: Heat will try to update it again",
                    f"mrconsole why {ref} --region {c.region} shows why it failed",
                )
            )
        elif action == "resume" and not status.startswith("SUSPEND_"):
            out.append(Finding(INFO, f"{where} is {status}, not suspended"))
    return out


UPDATES = ("update", "reapply")


def _never_created(topo: Topology, c, lost: list) -> Finding:
    """A constituent without a stack id whose create failed (its region down when it was sent, or the master's
    engine down before it kept the id): Heat 27's RemoteStack replaces only a CHECK_FAILED resource on an
    update (remote_stack.py _needs_update), and updates nothing without a stack id, then fails reading it
    ("The Stack (None) could not be found": seen on the lab, tests/lab/test_preflight.py). Marked unhealthy,
    the update creates it. A stack of it already in its region (the engine went down after sending the create:
    seen in tests/chaos/) is not the master's any more: named, to delete once the new one exists."""
    master, region = topo.master.name, topo.master.region
    where = c.region or "?"
    left = ""
    if lost:
        names = ", ".join(f"{s.name} ({s.status})" for s in lost)
        left = (
            f"; {where} holds {names}, made by it and no longer the master's: an orphan once the new one exists, "
            f"delete it then (mrconsole drift {master} lists it)"
        )
    if c.resource_status == "CHECK_FAILED":
        return Finding(WARNING, f"{c.resource} has no stack id: this update creates its stack in {where}{left}")
    return Finding(
        BLOCKING,
        f"{c.resource} never got its stack id in {where} ({c.resource_status}: "
        f"{c.resource_status_reason[:160]}): Heat does not create it on an update of {master}, which would fail "
        f"on it (The Stack (None) could not be found){left}",
        f"mark it unhealthy, then send this again: mrconsole resource mark-unhealthy {master} {c.resource} "
        f"--region {region}",
    )


async def lost_stacks(fleet, topo: Topology) -> dict[str, list]:
    """Per constituent without a stack id, the stacks its region holds under Heat's name for it
    (MASTER-RESOURCE-SUFFIX). Cost: one stack list per such region (none when every constituent has an id)."""
    missing = [c for c in topo.constituents if not c.stack_id and c.region]
    if not missing:
        return {}
    pattern = constituent_name_pattern(topo.master.name)
    lists = await asyncio.gather(*(fleet.region(r).list_stacks() for r in {c.region for c in missing}),
                                 return_exceptions=True)  # fmt: skip
    found: dict[str, list] = {}
    for stacks in lists:
        if isinstance(stacks, BaseException):
            continue  # unreachable: said by the constituent's own finding
        for st in stacks:
            m = pattern.match(st.name)
            if m and any(c.resource == m.group(1) and c.region == st.region for c in missing):
                found.setdefault(m.group(1), []).append(st)
    return found


async def check_master(
    fleet, region: str, stack_id: str, action: str, cache=None
) -> tuple[Topology | None, list[Finding]]:
    """Read the stack as a master; findings for its constituents (none when it has none).

    A constituent whose region is down is named from the topology cache."""

    try:
        topo = await read_master(fleet, region, stack_id)
    except CloudError as exc:
        return None, [
            Finding(WARNING, f"could not read {stack_id} in {region} to check its constituents: {exc.message}")
        ]
    findings: list[Finding] = []
    if cache is not None and topo.constituents:
        try:
            fill_from_cache(topo, await asyncio.to_thread(cache.load, fleet.cloud_names, topo.master.id))
        except Exception as exc:  # noqa: BLE001 - a damaged cache must not stop a preflight: said, and logged
            logger().exception("topology cache for %s unreadable", topo.master.name)
            findings.append(
                Finding(
                    WARNING,
                    f"the topology cache could not be read ({type(exc).__name__}; see "
                    "mrconsole.log): constituents that do not answer are not checked from it",
                )
            )
    if not topo.constituents:
        return topo, findings
    lost = await lost_stacks(fleet, topo) if action in UPDATES else {}
    return topo, findings + check_constituents(topo, action, lost)


def drift_findings(constituents, action: str) -> list[Finding]:
    """Out-of-band changes the master's update will overwrite, field by field (outage.ConstituentDrift)."""
    out = []
    for c in constituents:
        for d in c.differences:
            if d.what in ("status", "updated_time"):
                continue
            verb = "will undo" if action == "reapply" else "will overwrite"
            out.append(
                Finding(
                    INFO if action == "reapply" else WARNING,
                    f"{c.resource} in {c.region}: {d.what} was changed out of band "
                    f"(master says {d.master_says}, actual {d.actual}); this {action} {verb} it",
                )
            )
    return out
