"""A running master and its constituents, found through Heat itself.

The master's template (one request) names each OS::Heat::Stack resource's
region; its resources (one request) give each constituent's stack id; each
constituent is then read in its own region, concurrently.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError
from mrconsole.models import Stack, StackDetail
from mrconsole.template.flow import FlowEdge, data_edges
from mrconsole.template.heat import REMOTE_STACK, regional_resources, resolve_region


@dataclass
class Constituent:
    resource: str
    region: str | None
    stack_id: str | None
    stack_name: str | None = None
    resource_status: str = ""  # what the master's resource records
    resource_status_reason: str = ""
    stack: Stack | None = None  # the constituent as its own region reports it
    error: str | None = None  # why `stack` could not be read
    discovered: bool = False  # found by name, not through the master
    # The whole read (parameters, outputs) behind `stack`, kept so that drift and previews do not read
    # the constituent a second time (refresh_constituents fills it).
    detail: StackDetail | None = field(default=None, repr=False, compare=False)

    @property
    def status(self) -> str:
        return self.stack.status if self.stack else self.resource_status


@dataclass
class Topology:
    cloud: str
    master: Stack
    constituents: list[Constituent] = field(default_factory=list)
    edges: list[FlowEdge] = field(default_factory=list)
    fetched_at: float = field(default_factory=time.time)
    parameters: dict[str, str] = field(default_factory=dict)
    master_resources: list = field(default_factory=list)  # as read with the master, reused by callers
    specs: dict[str, dict] = field(default_factory=dict)  # each OS::Heat::Stack's template spec, as read
    timeout_mins: int | None = None  # the master's own (Heat's default when None: 60)

    def constituent(self, resource: str) -> Constituent | None:
        return next((c for c in self.constituents if c.resource == resource), None)

    def regions(self) -> list[str]:
        """The master's region and each constituent's: where a change of the master reaches."""
        return [self.master.region, *(c.region for c in self.constituents if c.region)]

    def stacks(self) -> list[tuple[str, str, str]]:
        """(region, name, id) of the master and every readable constituent."""
        out = [(self.master.region, self.master.name, self.master.id)]
        for c in self.constituents:
            if c.region and c.stack_id and c.stack_name:
                out.append((c.region, c.stack_name, c.stack_id))
        return out


async def template_or_none(fleet, stack: Stack) -> dict | None:
    """The stack's template as Heat keeps it, or None when its region cannot say (a preflight reads on)."""
    try:
        return await fleet.region(stack.region).template(stack)
    except CloudError:
        return None


async def until_settled(client, ref: str, limit: float, poll: float = 0.5) -> StackDetail:
    """The stack read (without outputs) every `poll` s until no action is in progress, or `limit` s have
    passed; its last read. Cost: one GET per poll while it runs."""
    deadline = time.monotonic() + limit
    detail: StackDetail = await client.get_stack(ref, outputs=False)
    while detail.stack.in_progress and time.monotonic() < deadline:
        await asyncio.sleep(poll)
        detail = await client.get_stack(ref, outputs=False)
    return detail


async def until_name_free(client, name: str, stack_id: str | None, limit: float, poll: float = 0.25) -> bool:
    """Whether Heat let go of `name` in the client's region within `limit` s: a lookup by name no longer finds
    the stack `stack_id` (a stack of that name made since is another's, and the name was free for it).

    A deleted (or abandoned) stack keeps its name a moment after DELETE_COMPLETE: Heat sets the status, then
    deletes the row (heat/engine/stack.py Stack.purge_db), and a create of that name between the two is
    refused, "The Stack (NAME) already exists" (0.1-0.3 s on the lab's MariaDB, seen by name as DELETE_COMPLETE:
    tests/lab/test_actions.py). By id Heat shows a deleted stack for ever; by name it does not. Cost: one GET
    per `poll` while the name is held, none once it is free."""
    deadline = time.monotonic() + limit
    while True:
        found = await client.find_stack(name, outputs=False)
        if found is None or (stack_id is not None and found.stack.id != stack_id):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(poll)


async def read_master(fleet, region: str, name_or_id: str) -> Topology:
    client = fleet.region(region)
    detail: StackDetail = await client.get_stack(name_or_id, outputs=False)
    master = detail.stack
    template, resources = await asyncio.gather(client.template(master), client.resources(master))
    specs = regional_resources(template)
    by_name = {r.name: r for r in resources}
    constituents = []
    for name, spec in specs.items():
        res = by_name.get(name)
        constituents.append(
            Constituent(
                resource=name,
                region=resolve_region(spec, detail.parameters, master.region),
                stack_id=(res.physical_id or None) if res else None,
                resource_status=res.status if res else "",
                resource_status_reason=res.status_reason if res else "",
            )
        )
    # A delete (even a failed one) replaces the master's template with an empty
    # one in Heat's convergence engine; the resources still name what is left.
    for r in resources:
        if r.type == REMOTE_STACK and r.name not in specs and r.stack_id == master.id:
            constituents.append(
                Constituent(
                    resource=r.name,
                    region=await locate(fleet, r.physical_id) if r.physical_id else None,
                    stack_id=r.physical_id or None,
                    resource_status=r.status,
                    resource_status_reason=r.status_reason,
                )
            )
    topo = Topology(
        cloud=fleet.name,
        master=master,
        constituents=constituents,
        edges=data_edges(template),
        parameters=detail.parameters,
        master_resources=resources,
        specs=specs,
        timeout_mins=detail.timeout_mins,
    )
    await refresh_constituents(fleet, topo)
    return topo


async def locate(fleet, stack_id: str) -> str | None:
    """The region holding a stack id, asking every region at once."""

    async def one(region):
        try:
            await fleet.region(region).get_stack(stack_id, outputs=False)
            return region
        except CloudError:
            return None

    found = [r for r in await asyncio.gather(*(one(r) for r in fleet.region_names)) if r]
    return found[0] if found else None


async def refresh_constituents(fleet, topo: Topology) -> None:
    async def one(c: Constituent):
        if not c.region or not c.stack_id:
            return
        if c.region not in fleet.region_names:
            c.error = f"region {c.region} is not in cloud {fleet.name}"
            return
        try:
            # name/id spares Heat's redirect from a bare id (one request, not two).
            ref = f"{c.stack_name}/{c.stack_id}" if c.stack_name else c.stack_id
            detail = await fleet.region(c.region).get_stack(ref)
            c.stack, c.stack_name, c.error, c.detail = detail.stack, detail.stack.name, None, detail
        except CloudError as exc:
            c.error = exc.message if exc.kind != errors.NOT_FOUND else "the remote stack no longer exists"

    await asyncio.gather(*(one(c) for c in topo.constituents))


async def find_stack(
    fleet, name_or_id: str, regions: list[str] | None = None, outputs: bool = True
) -> tuple[list[StackDetail], dict]:
    """Look a stack up by name or id in every (given) region, concurrently.

    Returns the matches and the per-region errors of regions that could not
    be asked, so a caller can tell 'not found' from 'not reachable'.
    `outputs=False`: the matches without their outputs (cloud/region.py get_stack): a master's outputs
    make its Heat ask its constituents' regions, and a frozen one holds the answer until a timeout.
    """
    names = regions or fleet.region_names
    found, failed = [], {}

    async def one(region):
        try:
            detail = await fleet.region(region).find_stack(name_or_id, outputs=outputs)
            if detail is not None:
                found.append(detail)
        except CloudError as exc:
            failed[region] = exc

    await asyncio.gather(*(one(r) for r in names))
    found.sort(key=lambda d: names.index(d.stack.region))
    return found, failed
