"""Is this stack a constituent of some master, and is that master reachable?

Heat names a remote stack `<master>-<resource>-<12 chars>` and records its id
as the master resource's physical id. Acting directly on a constituent of a
reachable master creates drift (the operator is offered the master instead);
with the master's region down it is out-of-band, and journaled as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mrconsole.cloud.errors import CloudError
from mrconsole.models import Stack
from mrconsole.template.heat import REMOTE_STACK, name_splits


@dataclass
class Ownership:
    master: Stack | None = None  # the master, when it could be read
    master_name: str | None = None
    resource: str | None = None
    master_id: str | None = None
    master_reachable: bool = False
    unreachable: list[str] = field(default_factory=list)


async def owner_of(fleet, stack: Stack, cache=None) -> Ownership | None:
    candidates = name_splits(stack.name)
    if not candidates:
        return None
    listings = await fleet.list_stacks()
    unreachable = [r for r, rs in listings.items() if not rs.ok]
    by_name = {s.name: s for rs in listings.values() for s in rs.stacks}
    for master_name, resource in candidates:
        master = by_name.get(master_name)
        if master is None:
            continue
        try:
            resources = await fleet.region(master.region).resources(master)
        except CloudError:
            return Ownership(master, master_name, resource, master.id, False, unreachable)
        for r in resources:
            if r.type == REMOTE_STACK and r.physical_id == stack.id:
                return Ownership(master, master_name, r.name, master.id, True, unreachable)
    if unreachable:
        # The master may live in a region we cannot see: the topology cache knows.
        known = cache.find_constituent(fleet.name, stack.id) if cache is not None else None
        if known is not None:
            return Ownership(None, known.master_name, known.resource, known.master_id, False, unreachable)
        master_name, resource = candidates[0]
        return Ownership(None, master_name, resource, None, False, unreachable)
    return None
