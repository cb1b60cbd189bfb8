"""Outage mode and recovery: a master's constituents without the master.

- live: the master is readable; its topology is saved to the cache.
- outage: the master's region is unreachable; the topology comes from the
  cache and every constituent is read live from its own region.
- discovered: no cache; constituents are found by Heat's naming pattern
  `<master>-<resource>-<12 chars>` in every reachable region.
When the master returns, `drift` compares what the master records and
intends with what each constituent actually is, and finds orphans.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum

from mrconsole.cloud.errors import CloudError
from mrconsole.core.diagnosis.masking import mask_hidden
from mrconsole.core.master.ownership import Claim, owned_elsewhere
from mrconsole.core.master.rehome_data import keep_quietly
from mrconsole.core.master.topology import (
    Constituent,
    Topology,
    find_stack,
    read_master,
    refresh_constituents,
)
from mrconsole.models import Stack
from mrconsole.state.topology_cache import TopologyCache, from_topology
from mrconsole.template.flow import FlowEdge
from mrconsole.template.heat import constituent_name_pattern, intended_parameters


class MasterMode(StrEnum):
    """How the console knows a master: read live, from the topology cache (its region is down), found by
    its constituents' names, or not at all."""

    LIVE = "live"
    OUTAGE = "outage"
    DISCOVERED = "discovered"
    MISSING = "missing"


LIVE, OUTAGE, DISCOVERED, MISSING = MasterMode.LIVE, MasterMode.OUTAGE, MasterMode.DISCOVERED, MasterMode.MISSING


@dataclass
class MasterState:
    mode: str
    name: str
    topology: Topology | None = None
    master_region: str | None = None
    master_error: str | None = None
    cached_at: float | None = None  # when the cached master data was seen
    unreachable: dict[str, str] = field(default_factory=dict)
    claim: Claim | None = None  # this master is stale: a newer master owns its constituents
    twins: tuple[str, ...] = ()  # other masters of the same name, each said in a line

    @property
    def degraded(self) -> bool:
        return self.mode != LIVE


async def _details(fleet, topology: Topology) -> dict:
    """Each constituent's full read, by stack id: the one the topology read kept, else read now."""
    out = {}

    async def one(c: Constituent):
        if c.detail is not None and c.stack_id:
            out[c.stack_id] = c.detail
        elif c.region in fleet.region_names and c.stack_id:
            try:
                out[c.stack_id] = await fleet.region(c.region).get_stack(c.stack_id)
            except CloudError:
                pass

    await asyncio.gather(*(one(c) for c in topology.constituents))
    return out


async def master_state(fleet, name: str, cache: TopologyCache | None = None, save: bool = True) -> MasterState:
    cache = cache or TopologyCache()
    listings = await fleet.list_stacks()
    unreachable = {r: rs.error.message for r, rs in listings.items() if not rs.ok}
    listed = [s for rs in listings.values() for s in rs.stacks if s.name == name or s.id == name]
    cached = cache.load(fleet.cloud_names, name)
    if listed:
        read: list[Topology] = []
        for master in {s.id: s for s in listed}.values():
            try:
                topo = await read_master(fleet, master.region, master.id)
            except CloudError as exc:
                unreachable.setdefault(master.region, exc.message)
                continue
            fill_from_cache(topo, cache.load(fleet.cloud_names, topo.master.id))
            if save:
                # Written with what each constituent's template hides masked (one template GET each).
                masks = await asyncio.gather(*(mask_hidden(fleet, c) for c in topo.constituents))
                masked = {c.stack_id: m for c, m in zip(topo.constituents, masks, strict=True) if m is not None}
                cache.save(from_topology(topo, await _details(fleet, topo), masked=masked))
                await keep_quietly(fleet, topo, cache)
            read.append(topo)
        # Once every master of that name is in the cache: which of them a newer one overrides.
        found = [(topo, await owned_elsewhere(fleet, topo, cache)) for topo in read]
        if found:
            # Two masters of one name (one moved, the old one back): the one no newer master overrides.
            topo, claim = next((f for f in found if f[1] is None), found[0])
            twins = tuple(
                f"{t.master.name} in {t.master.region} ({t.master.id}) is stale: {c.name} in {c.region} owns "
                f"its constituents; abandon it (mrconsole abandon {t.master.name} --region {t.master.region})"
                for t, c in found
                if t is not topo and c is not None
            )
            return MasterState(LIVE, name, topo, topo.master.region, unreachable=unreachable, claim=claim, twins=twins)
    if cached is not None and (cached.region in unreachable or not listed):
        if cached.region not in unreachable:
            # Its region answers but the master is not there: deleted, not an outage.
            return MasterState(
                MISSING, name, None, cached.region, f"{name} is not in {cached.region}", cached.seen_at, unreachable
            )
        topo = Topology(
            cloud=fleet.name,
            master=Stack(cached.region, cached.master_id, cached.name, cached.status),
            constituents=[
                Constituent(c.resource, c.region, c.stack_id, c.stack_name, c.status) for c in cached.constituents
            ],
            fetched_at=cached.seen_at,
        )

        topo.edges = [FlowEdge(*e) for e in cached.edges]
        await refresh_constituents(fleet, topo)
        return MasterState(
            OUTAGE, name, topo, cached.region, unreachable.get(cached.region), cached.seen_at, unreachable
        )
    if unreachable:
        topo = discover(name, listings)
        if topo.constituents:
            return MasterState(
                DISCOVERED,
                name,
                topo,
                None,
                "the master's region is unknown and no reachable region holds it",
                None,
                unreachable,
            )
    return MasterState(MISSING, name, None, None, f"no stack {name} in any reachable region", None, unreachable)


def fill_from_cache(topo: Topology, cached) -> None:
    """What Heat no longer says (an emptied template, a region down), the cache remembers."""
    if cached is None:
        return
    known = {c.resource: c for c in cached.constituents}
    for c in topo.constituents:
        k = known.get(c.resource)
        if k is None or (c.stack_id and k.stack_id and c.stack_id != k.stack_id):
            continue
        c.region = c.region or k.region
        c.stack_name = c.stack_name or k.stack_name
        if c.stack is None and not c.error and c.region and c.stack_id:
            c.error = "its region could not be read"


def discover(name: str, listings) -> Topology:
    """Constituents by name alone, each clearly marked as discovered."""
    pattern = constituent_name_pattern(name)
    constituents = []
    for region, rs in listings.items():
        for s in rs.stacks:
            m = pattern.match(s.name)
            if m:
                constituents.append(
                    Constituent(
                        resource=m.group(1),
                        region=region,
                        stack_id=s.id,
                        stack_name=s.name,
                        resource_status="",
                        stack=s,
                        discovered=True,
                    )
                )
    master = Stack(region="?", id="", name=name, status="UNKNOWN", status_reason="not reachable")
    return Topology(cloud="", master=master, constituents=sorted(constituents, key=lambda c: c.resource))


# -- recovery -----------------------------------------------------------------


@dataclass
class Difference:
    what: str  # status, updated_time, parameter <name>, output <key>
    master_says: str
    actual: str


@dataclass
class ConstituentDrift:
    resource: str
    region: str | None
    stack_name: str | None
    stack_id: str | None
    differences: list[Difference] = field(default_factory=list)
    error: str | None = None

    @property
    def drifted(self) -> bool:
        return bool(self.differences)


@dataclass
class Orphan:
    region: str
    stack_name: str
    stack_id: str
    status: str
    resource: str


@dataclass
class Suggestion:
    action: str  # check, update, delete
    region: str
    stack: str
    why: str
    command: str


@dataclass
class DriftReport:
    master: Stack | None
    constituents: list[ConstituentDrift] = field(default_factory=list)
    orphans: list[Orphan] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    unreachable: dict[str, str] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.orphans and not any(c.drifted for c in self.constituents)


async def drift(fleet, name: str, cache: TopologyCache | None = None) -> DriftReport:
    cache = cache or TopologyCache()
    found, failed = await find_stack(fleet, name)
    if not found:
        where = f"; unreachable: {', '.join(failed)}" if failed else ""
        raise CloudError("not_found", f"master {name} not found in any reachable region{where}")
    master = found[0]
    report = DriftReport(master=master.stack, unreachable={r: e.message for r, e in failed.items()})
    topo = await read_master(fleet, master.stack.region, master.stack.id)
    report.constituents = await constituent_drifts(fleet, topo, cache)
    referenced = {c.stack_id for c in topo.constituents if c.stack_id}
    pattern = constituent_name_pattern(master.stack.name)
    listings = await fleet.list_stacks()
    # Another master whose name starts like this one's ("web-live" beside "web") names its constituents
    # `web-live-<resource>-<12>`, which this master's pattern also matches: theirs, not orphans of this one.
    others = [
        constituent_name_pattern(st.name)
        for rs in listings.values()
        for st in rs.stacks
        if st.name != master.stack.name and st.name.startswith(master.stack.name + "-")
    ]
    for region, rs in listings.items():
        if not rs.ok:
            report.unreachable.setdefault(region, rs.error.message)
        for st in rs.stacks:
            m = pattern.match(st.name)
            if not m or st.id in referenced or st.status.startswith("DELETE_COMPLETE"):
                continue
            if any(o.match(st.name) for o in others):
                continue
            report.orphans.append(Orphan(region, st.name, st.id, st.status, m.group(1)))
    _suggest(report)
    return report


async def constituent_drifts(fleet, topo: Topology, cache: TopologyCache | None) -> list[ConstituentDrift]:
    """What each constituent differs in from what its master (already read) records and intends.

    Cost: one read per readable constituent in its own region, and one small
    events read of the master for a constituent updated after its resource."""
    master = topo.master
    client = fleet.region(master.region)
    details = await _details(fleet, topo)
    cached = await asyncio.to_thread(cache.load, fleet.cloud_names, master.id) if cache is not None else None
    cached_by_resource = {c.resource: c for c in cached.constituents} if cached else {}
    outputs_of = {
        c.resource: {o.key: o.value for o in details[c.stack_id].outputs}
        for c in topo.constituents
        if c.stack_id in details
    }
    by_name = {r.name: r for r in topo.master_resources}
    out = []
    for c in topo.constituents:
        d = ConstituentDrift(c.resource, c.region, c.stack_name, c.stack_id, error=c.error)
        out.append(d)
        res = by_name.get(c.resource)
        actual = details.get(c.stack_id)
        if res is None or actual is None:
            continue
        s = actual.stack
        if s.status != res.status:
            d.differences.append(Difference("status", res.status, s.status))
        if s.updated_time and res.updated_time and s.updated_time > res.updated_time:
            # The master's own update of a constituent starts a moment after the
            # master's resource does: drift only if it came after the master finished.
            finished = await _last_finished(client, master, c.resource)
            if finished is None or s.updated_time > finished:
                d.differences.append(
                    Difference("updated_time", (finished or res.updated_time).isoformat(), s.updated_time.isoformat())
                )
        intended = intended_parameters(topo.specs.get(c.resource, {}), topo.parameters, outputs_of)
        for key, value in intended.items():
            have = actual.parameters.get(key)
            if have is not None and have != "******" and str(have) != value:
                d.differences.append(Difference(f"parameter {key}", value, str(have)))
        before = cached_by_resource.get(c.resource)
        if before and before.stack_id == c.stack_id:
            now_outputs = outputs_of.get(c.resource, {})
            for key, value in before.outputs.items():
                if key in now_outputs and now_outputs[key] != value:
                    d.differences.append(Difference(f"output {key}", str(value), str(now_outputs[key])))
    return out


async def _last_finished(client, master: Stack, resource: str):
    """When the master last finished acting on one of its resources (its newest
    complete or failed event), or None when it is acting on it now or cannot say.
    One small events read, only for a constituent updated after its resource."""
    try:
        events = await client.events(
            master.name, master.id, sort_dir="desc", limit=3, filters={"resource_name": resource}
        )
    except CloudError:
        return None
    newest = events[0] if events else None
    if newest is None or newest.status.endswith("_IN_PROGRESS"):
        return None
    return newest.time


def _suggest(report: DriftReport) -> None:
    m = report.master
    if m is None:
        return
    if any(c.drifted for c in report.constituents):
        report.suggestions.append(
            Suggestion(
                "check",
                m.region,
                m.name,
                "verify the master against its constituents",
                f"mrconsole stack check {m.name} --region {m.region}",
            )
        )
        report.suggestions.append(
            Suggestion(
                "reapply",
                m.region,
                m.name,
                "re-apply the master's template and parameters to every constituent",
                f"mrconsole stack reapply {m.name} --region {m.region}",
            )
        )
    for o in report.orphans:
        report.suggestions.append(
            Suggestion(
                "delete",
                o.region,
                o.stack_name,
                f"left behind by {m.name} (no longer referenced)",
                f"mrconsole stack delete {o.stack_name} --region {o.region}",
            )
        )
