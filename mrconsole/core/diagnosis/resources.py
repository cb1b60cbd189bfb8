"""Resources across regions: a master's, and through each OS::Heat::Stack its constituent's, in its region.

Also the two resource operations on-call staff reach for, each planned before anything is sent:
- mark unhealthy (PATCH .../resources/{name} `mark_unhealthy`): Heat marks the resource CHECK_FAILED
  and the stack's next update, even a re-apply, replaces it (Resource._needs_update raises
  UpdateReplace for CHECK_FAILED). On a master's OS::Heat::Stack that replaces the *whole constituent
  stack* in its region (a new stack, the old one deleted), so the plan asks for that region's name typed;
- signal (POST .../resources/{name}/signal) with data, to a resource that takes signals (a wait
  condition handle and the like); Heat refuses one that does not (ResourceActionNotSupported).

Cost: `resources_across`: the master's read (3 requests) and one resource list per reachable constituent
(concurrently); a resource's detail: 2 requests; a mark or signal plan: the stack's GET and resource
list, and for a master the master's read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.actions import ActionResult, Actions, Target
from mrconsole.core.acting.findings import BLOCKING, MARKED, WARNING, Checked, Finding
from mrconsole.core.errors import PlanError
from mrconsole.core.master.ownership import owner_of
from mrconsole.core.master.topology import Topology, read_master, refresh_constituents
from mrconsole.models import HIDDEN, Resource, ResourceDetail, Stack
from mrconsole.template.heat import REMOTE_STACK

# Resource types whose plugin handles a signal (heat/engine/resources: handle_signal), as Heat 27 has them.
SIGNALLED = frozenset(
    {
        "OS::Heat::WaitConditionHandle",
        "OS::Heat::SwiftSignalHandle",
        "OS::Heat::ScalingPolicy",
        "OS::Heat::SoftwareDeployment",
        "OS::Heat::SoftwareDeploymentGroup",
        "OS::Heat::StructuredDeployment",
        "OS::Heat::SoftwareDeployments",
        "AWS::CloudFormation::WaitConditionHandle",
        "AWS::AutoScaling::ScalingPolicy",
    }
)


@dataclass(frozen=True)
class ResourceRow:
    level: str  # "master", or the constituent's resource in the master
    resource: Resource


@dataclass
class ResourcesView:
    master: Stack
    rows: list[ResourceRow] = field(default_factory=list)
    unread: dict[str, str] = field(default_factory=dict)  # constituent resource -> why its resources are not here


async def resources_across(fleet, region: str, name: str, nested_depth: int = 0) -> ResourcesView:
    """The master's resources, then each constituent's in its region. A region that does not answer is
    said per constituent (its resources are not guessed)."""
    try:
        topo = await read_master(fleet, region, name)
    except CloudError as exc:
        raise PlanError(f"{name} in {region}: {exc.message}") from None
    master = topo.master
    view = ResourcesView(master)
    if nested_depth:
        own = await fleet.region(region).resources(master, nested_depth=nested_depth)
    else:
        own = topo.master_resources or await fleet.region(region).resources(master)
    view.rows += [ResourceRow("master", r) for r in own]
    await refresh_constituents(fleet, topo)

    async def one(c):
        if c.stack is None:
            view.unread[c.resource] = c.error or "no stack"
            return []
        try:
            found = await fleet.region(c.region).resources(c.stack, nested_depth=nested_depth)
        except CloudError as exc:
            view.unread[c.resource] = exc.message
            return []
        return [ResourceRow(c.resource, r) for r in found]

    for rows in await asyncio.gather(*(one(c) for c in topo.constituents)):
        view.rows += rows
    return view


# Attributes that carry credentials (a wait condition handle's token and signal URL with its password, a
# key pair's private key) or a generated secret (OS::Heat::RandomString's value): never shown.
_SECRET_WORDS = ("password", "token", "secret", "private_key", "curl_cli", "signal")
_SECRET_OF_TYPE = {"OS::Heat::RandomString": {"value"}}


def mask_attributes(resource_type: str, attributes: dict) -> dict:
    secret = _SECRET_OF_TYPE.get(resource_type, set())
    return {
        k: (HIDDEN if k in secret or any(w in k.lower() for w in _SECRET_WORDS) else v) for k, v in attributes.items()
    }


async def resource_detail(fleet, region: str, stack: str, resource: str) -> ResourceDetail:
    """A resource as Heat shows it, its secret attributes masked."""
    client = fleet.region(region)
    try:
        found = await client.get_stack(stack, outputs=False)
        detail = await client.resource(found.stack, resource)
    except CloudError as exc:
        raise PlanError(f"{resource} of {stack} in {region}: {exc.message}") from None
    return replace(detail, attributes=mask_attributes(detail.resource.type, detail.attributes))


@dataclass(frozen=True)
class ResourcePlan(Checked):
    """What marking a resource unhealthy, or signalling it, will do; and what must be typed."""

    action: str  # "mark-unhealthy" or "signal"
    target: Target
    resource: Resource
    effect: tuple[str, ...]
    findings: tuple[Finding, ...] = ()
    confirm: str = ""  # a region's name to type (a constituent stack replaced), else a yes/no


async def _stack_and_resource(fleet, region: str, stack: str, name: str) -> tuple[Stack, Resource, list[Resource]]:
    if region not in fleet.region_names:
        raise PlanError(f"region {region!r} is not in cloud {fleet.name}", usage=True)
    client = fleet.region(region)
    try:
        # Without outputs: only its id and status are needed (a master's would ask every constituent region).
        found = await client.get_stack(stack, outputs=False)
        resources = await client.resources(found.stack)
    except CloudError as exc:
        if exc.kind == errors.NOT_FOUND:
            raise PlanError(f"no stack {stack} in {region}", usage=True) from None
        raise PlanError(f"{region} is unreachable ({exc.message}): nothing was sent") from None
    match = next((r for r in resources if r.name == name), None)
    if match is None:
        names = ", ".join(sorted(r.name for r in resources)) or "none"
        raise PlanError(f"{found.stack.name} has no resource {name} (it has: {names})", usage=True)
    return found.stack, match, resources


async def plan_mark_unhealthy(fleet, region: str, stack: str, name: str, read_only: bool = False) -> ResourcePlan:
    if read_only:
        raise PlanError("read-only mode: mark-unhealthy is not allowed; nothing was sent")
    st, res, _ = await _stack_and_resource(fleet, region, stack, name)
    findings: list[Finding] = []
    if st.in_progress:
        findings.append(Finding(BLOCKING, f"{st.name} is {st.status}: wait for it", f"mrconsole stack show {st.name}"))
    target = Target(region, st.name, st.id)
    if res.type == REMOTE_STACK:
        topo: Topology = await read_master(fleet, region, f"{st.name}/{st.id}")
        await refresh_constituents(fleet, topo)  # the constituent's name, from its region
        c = topo.constituent(name)
        where = (c.region if c else None) or "?"
        stack_name = (c.stack_name if c else None) or res.physical_id
        replaced = (
            f"  Heat creates a new stack in {where}, then deletes {stack_name} ({res.physical_id}) there, with "
            "everything it created."
            if res.physical_id
            # Its create failed before the stack existed (Heat 27 never creates it on a plain update: preflight).
            else f"  It never got a stack ({res.status}): Heat creates it in {where}; nothing is deleted."
        )
        effect = (
            f"{name} is an OS::Heat::Stack of master {st.name}: its next update (even a re-apply) replaces the "
            f"whole constituent stack in {where}:",
            replaced,
        )
        # The region whose stack is replaced is typed; the master's own when the constituent's is unknown.
        confirm = where if where in fleet.region_names else region
        return ResourcePlan("mark-unhealthy", target, res, effect, tuple(findings), confirm=confirm)
    effect_lines = [
        f"The next update of {st.name} (even a re-apply) replaces {name} ({res.type}) in {region}: a new one is "
        f"created, then {res.physical_id or 'the old one'} is deleted."
    ]
    try:
        owner = await owner_of(fleet, st)
    except CloudError:
        owner = None
    if owner is not None and owner.master is not None:
        effect_lines.append(
            f"{st.name} is a constituent of master {owner.master.name} ({owner.master.region}): the master's next "
            "update updates it, and so replaces the resource."
        )
    return ResourcePlan("mark-unhealthy", target, res, tuple(effect_lines), tuple(findings))


async def execute_mark(actions: Actions, plan: ResourcePlan, confirmation: str, reason: str) -> ActionResult:
    if plan.blocking:
        raise PlanError(f"mark-unhealthy refused before sending: {plan.blocking[0].message}")
    if plan.confirm and confirmation != plan.confirm:
        raise PlanError(f"that is not {plan.confirm}: nothing was marked")
    # The reason starts with MARKED so that the master's update preflight tells a deliberate mark from a
    # failed check (core/acting/preflight.py).
    text = f"{MARKED}: {reason}" if reason else MARKED
    return await actions.mark_unhealthy(plan.target, plan.resource.name, text)


async def plan_signal(
    fleet, region: str, stack: str, name: str, read_only: bool = False, data: dict | None = None
) -> ResourcePlan:
    if read_only:
        raise PlanError("read-only mode: signal is not allowed; nothing was sent")
    st, res, _ = await _stack_and_resource(fleet, region, stack, name)
    findings: list[Finding] = []
    hook = (data or {}).get("unset_hook")
    if hook:
        # A breakpoint's release: Heat takes it on any resource (Resource.signal clears the hook before it looks
        # for a handler), and refuses it on one not paused there ("The hook ... is not defined"). A pause is an
        # event, never the resource's status: its newest event says (1 request).
        try:
            newest = await fleet.region(region).events(
                st.name, st.id, sort_dir="desc", limit=1, filters={"resource_name": name}
            )
        except CloudError:
            newest = []  # not known: Heat's answer says
        if newest and f"paused until Hook {hook} is cleared" not in newest[0].status_reason:
            findings.append(
                Finding(
                    BLOCKING,
                    f"{name} is not paused at {hook} ({res.status}): Heat would refuse the release",
                    f"mrconsole breakpoints {st.name} --region {region} lists where it is held",
                )
            )
        effect = (f"Heat clears the {hook} breakpoint of {name} ({res.type}) of {st.name} in {region}: it goes on.",)
        return ResourcePlan("signal", Target(region, st.name, st.id), res, effect, tuple(findings))
    if res.type not in SIGNALLED:
        findings.append(
            Finding(
                BLOCKING,
                f"{name} is of type {res.type}, which takes no signal: Heat would refuse it",
                "signal the handle (OS::Heat::WaitConditionHandle and the like), not what waits on it",
            )
        )
    elif res.status.endswith("_FAILED"):
        findings.append(Finding(WARNING, f"{name} is {res.status}: Heat may ignore the signal"))
    effect = (f"Heat signals {name} ({res.type}) of {st.name} in {region} with the data given.",)
    return ResourcePlan("signal", Target(region, st.name, st.id), res, effect, tuple(findings))


async def execute_signal(actions: Actions, plan: ResourcePlan, data: dict | None) -> ActionResult:
    if plan.blocking:
        raise PlanError(f"signal refused before sending: {plan.blocking[0].message}")
    return await actions.signal(plan.target, plan.resource.name, data)
