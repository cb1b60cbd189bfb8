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
        known = cache.find_constituent(fleet.cloud_names, stack.id) if cache is not None else None
        if known is not None:
            return Ownership(None, known.master_name, known.resource, known.master_id, False, unreachable)
        master_name, resource = candidates[0]
        return Ownership(None, master_name, resource, None, False, unreachable)
    return None


@dataclass(frozen=True)
class Claim:
    """Another master that owns this master's constituents and is newer: this one is stale."""

    name: str
    region: str
    master_id: str
    stacks: tuple[str, ...]  # the constituent stack ids both claim


async def owned_elsewhere(fleet, topo, cache) -> Claim | None:
    """Is this master stale, its constituents owned by a newer master (one that was moved: core/master/rehome.py)?

    Every master the topology cache knows that claims one of the same constituent stack ids is read in
    its region (one GET each; none when no other master claims them); a claimant created after this
    master wins. One that no longer exists is forgotten. Cost: one cache query, plus one GET per
    claimant."""
    if cache is None or not topo.constituents:
        return None
    ids = [c.stack_id for c in topo.constituents if c.stack_id]
    rows = cache.claimants(fleet.cloud_names, ids)
    others: dict[str, tuple[str, str, list[str]]] = {}
    for master_id, name, region, stack_id in rows:
        if master_id != topo.master.id:
            others.setdefault(master_id, (name, region, []))[2].append(stack_id)
    mine = topo.master.created_time
    for master_id, (_name, region, stacks) in others.items():
        if region not in fleet.region_names:
            continue
        try:
            other = await fleet.region(region).find_stack(master_id)
        except CloudError:
            continue  # its region does not answer: nothing can be said of it now
        if other is None or other.stack.action == "DELETE":
            cache.forget(fleet.cloud_names, master_id)
            continue
        theirs = other.stack.created_time
        if mine is not None and theirs is not None and theirs > mine:
            return Claim(other.stack.name, region, master_id, tuple(stacks))
    return None
