"""The console's live state: regions, their stacks, a master, health, events.

The TUI reads this and subscribes to its changes; it never calls the cloud
itself. Every loop here runs as its own task (one refresh per region, the
health monitor, the event stream), so a frozen region delays nothing else.
The next refresh of a region is scheduled when its last one ends.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from mrconsole.cloud.errors import CloudError
from mrconsole.core.events import EventStream, StreamConfig
from mrconsole.core.fleet import Fleet
from mrconsole.core.follow import MasterFollow
from mrconsole.core.topology import Topology, find_stack, read_master, refresh_constituents
from mrconsole.models import Stack


@dataclass
class RegionView:
    """What the console knows of one region: last good stacks, and if stale, why."""

    region: str
    stacks: tuple[Stack, ...] = ()
    fetched_at: float | None = None     # wall clock of the last successful list
    error: str | None = None            # the last refresh's failure, if it failed

    @property
    def stale(self) -> bool:
        return self.error is not None


@dataclass
class MasterView:
    name: str
    region: str | None = None
    topology: Topology | None = None
    error: str | None = None
    fetched_at: float | None = None
    resources: dict[str, list] = field(default_factory=dict)   # stack id -> its resources
    mode: str = "live"           # live, outage (from the cache) or discovered (by name)
    analysis: object = None      # template analysis when opened with --template


@dataclass
class SessionConfig:
    refresh_interval: float = 5.0
    master_refresh_interval: float = 5.0
    # The console follows every stack in every region, showing history only
    # for the master and its constituents.
    stream: StreamConfig = field(default_factory=lambda: StreamConfig(all_stacks=True, backlog_discovered=False))


class ConsoleSession:
    def __init__(self, fleet: Fleet, master: str | None = None, config: SessionConfig | None = None,
                 cache=None):
        from mrconsole.state.topology_cache import TopologyCache

        self.fleet = fleet
        self.cache = cache or TopologyCache()
        self.config = config or SessionConfig()
        self.regions: dict[str, RegionView] = {r: RegionView(r) for r in fleet.region_names}
        self.master: MasterView | None = MasterView(master) if master else None
        self.stream = EventStream(fleet, self.config.stream)
        self._master_follow: MasterFollow | None = None
        self._listeners = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._wake = asyncio.Event()
        for region in fleet.region_names:
            self.stream.follow_region(region)
            client = fleet.region(region)
            client.health.subscribe(lambda snap: self._changed("health"))

    # -- observers -----------------------------------------------------------
    def subscribe(self, callback) -> None:
        """callback(kind) with kind in: regions, master, health, events."""
        self._listeners.append(callback)

    def _changed(self, kind: str) -> None:
        for cb in list(self._listeners):
            cb(kind)

    @property
    def cloud_name(self) -> str:
        return self.fleet.name

    def health(self):
        return self.fleet.health()

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> None:
        self.stream.subscribe(lambda batch: self._changed("events"))
        self._tasks = [asyncio.create_task(self._region_loop(r)) for r in self.fleet.region_names]
        self._tasks.append(asyncio.create_task(self.fleet.monitor_health(self._stop)))
        self._tasks.append(asyncio.create_task(self.stream.run(self._stop)))
        if self.master:
            self._tasks.append(asyncio.create_task(self._master_loop()))

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.fleet.close()

    def refresh_now(self) -> None:
        self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    # -- regions -------------------------------------------------------------
    async def refresh_region(self, region: str) -> None:
        view = self.regions[region]
        try:
            stacks = await self.fleet.region(region).list_stacks()
        except CloudError as exc:
            view.error = exc.message
        else:
            view.stacks, view.fetched_at, view.error = tuple(stacks), time.time(), None
        self._changed("regions")

    async def _region_loop(self, region: str) -> None:
        while not self._stop.is_set():
            await self.refresh_region(region)
            await self._sleep(self.config.refresh_interval)
            if self._wake.is_set():
                await asyncio.sleep(0)  # let every region loop see the wake-up
                self._wake.clear()

    # -- the master ----------------------------------------------------------
    async def _fallback_master(self) -> bool:
        """The master cannot be read: use the cache (or discovery) with live constituents."""
        from mrconsole.core.outage import DISCOVERED, MISSING, OUTAGE, master_state

        m = self.master
        state = await master_state(self.fleet, m.name, self.cache, save=False)
        if state.mode not in (OUTAGE, DISCOVERED):
            m.error = state.master_error or f"stack {m.name} not found"
            return state.mode != MISSING
        m.topology, m.region, m.mode = state.topology, state.master_region, state.mode
        m.error = state.master_error or "the master's region is unreachable"
        m.fetched_at = state.cached_at
        if self._master_follow is None:
            self._master_follow = MasterFollow(self.fleet, self.stream, m.topology)
        else:
            for c in m.topology.constituents:
                self._master_follow._add(c.region, c.stack_name, c.stack_id, c.status)
        await self._read_resources(m.topology, include_master=False)
        return True

    async def refresh_master(self) -> None:
        m = self.master
        if m is None:
            return
        try:
            if m.region is None or m.mode != "live":
                found, failed = await find_stack(self.fleet, m.name)
                if not found:
                    await self._fallback_master()
                    self._changed("master")
                    return
                if m.mode != "live":
                    m.topology, m.mode = None, "live"   # the master is back: read it afresh
                    self._changed("recovered")
                m.region = found[0].stack.region
            if m.topology is None:
                m.topology = await read_master(self.fleet, m.region, m.name)
                self._master_follow = MasterFollow(self.fleet, self.stream, m.topology)
            else:
                fresh = await read_master(self.fleet, m.region, m.topology.master.id)
                m.topology.master = fresh.master
                m.topology.parameters = fresh.parameters
                m.topology.edges = fresh.edges
                known = {c.resource: c for c in m.topology.constituents}
                for c in fresh.constituents:
                    if c.resource in known and c.stack is None and known[c.resource].stack is not None:
                        c.stack, c.stack_name = known[c.resource].stack, known[c.resource].stack_name
                m.topology.constituents = fresh.constituents
                m.topology.master_resources = fresh.master_resources
                await self._master_follow.refresh(fresh.master_resources)
            if m.error and m.topology is not None:
                self._changed("recovered")           # its region answered again
            m.error, m.fetched_at = None, time.time()
            await self._read_resources(m.topology)
            self._save_cache(m.topology)
        except CloudError as exc:
            m.error = exc.message
            if m.topology is not None:
                # The master's region is unreachable: its constituents are
                # still read live from their own regions.
                await refresh_constituents(self.fleet, m.topology)
                await self._read_resources(m.topology, include_master=False)
            else:
                await self._fallback_master()
        self._changed("master")

    def _save_cache(self, topo: Topology) -> None:
        from mrconsole.state.topology_cache import from_topology

        try:
            self.cache.save(from_topology(topo))
        except Exception:  # noqa: BLE001 - a full disk must not stop the console
            pass

    async def _read_resources(self, topo: Topology, include_master: bool = True) -> None:
        """Resources of the master and of each constituent, each in its own region."""
        m = self.master
        if include_master:
            m.resources[topo.master.id] = topo.master_resources   # read with the master already
        targets = [(c.region, c.stack) for c in topo.constituents if c.stack is not None]

        async def one(region, stack):
            try:
                m.resources[stack.id] = await self.fleet.region(region).resources(stack)
            except CloudError:
                pass  # keep what was read before

        await asyncio.gather(*(one(r, s) for r, s in targets))

    async def _master_loop(self) -> None:
        while not self._stop.is_set():
            await self.refresh_master()
            busy = self._master_follow is not None and self._master_follow.master_busy()
            await self._sleep(1.0 if busy else self.config.master_refresh_interval)

    # -- queries for views ---------------------------------------------------
    def owner_of(self, region: str, stack: Stack) -> str | None:
        """Which master owns a stack, if the console knows."""
        m = self.master
        if m and m.topology:
            for c in m.topology.constituents:
                if c.stack_id == stack.id:
                    return f"{m.topology.master.name}/{c.resource}"
        # Otherwise Heat's naming says it: <master>-<resource>-<12 chars>,
        # where <master> is a stack the console can see.
        parts = stack.name.rsplit("-", 1)
        if len(parts) == 2 and len(parts[1]) == 12:
            head = parts[0]
            for candidate in self._stack_names():
                if head.startswith(candidate + "-") and candidate != stack.name:
                    return f"{candidate}/{head[len(candidate) + 1:]}"
        return None

    def _stack_names(self) -> set[str]:
        return {s.name for view in self.regions.values() for s in view.stacks}

    def all_stacks(self) -> list[Stack]:
        return [s for view in self.regions.values() for s in view.stacks]

    def find(self, name_or_id: str) -> Stack | None:
        for s in self.all_stacks():
            if s.name == name_or_id or s.id == name_or_id:
                return s
        return None


@dataclass
class StackDescription:
    detail: object                       # StackDetail
    resources: list = field(default_factory=list)
    template_text: str = ""
    events: list = field(default_factory=list)
    owner: str | None = None             # "master/resource" when this is a constituent
    constituents: list = field(default_factory=list)   # when this is the master
    errors: list[str] = field(default_factory=list)


async def describe(session: ConsoleSession, region: str, stack_id: str) -> StackDescription:
    """Everything the stack detail screen shows, read concurrently in the stack's region."""
    import yaml

    from mrconsole.cloud.convert import mask_parameters

    client = session.fleet.region(region)
    detail = await client.get_stack(stack_id)
    stack = detail.stack
    results = await asyncio.gather(client.resources(stack, nested_depth=2), client.template(stack),
                                   client.events(stack.name, stack.id, sort_dir="asc"),
                                   return_exceptions=True)
    desc = StackDescription(detail=detail)
    resources, template, events = results
    for r in results:
        if isinstance(r, CloudError):
            desc.errors.append(r.message)
    if isinstance(resources, list):
        desc.resources = resources
    if isinstance(events, list):
        desc.events = events
    if isinstance(template, dict):
        params = template.get("parameters") or {}
        hidden = {k for k, v in params.items() if isinstance(v, dict) and v.get("hidden")}
        desc.detail = type(detail)(stack=detail.stack, parameters=mask_parameters(detail.parameters, hidden),
                                   outputs=detail.outputs, timeout_mins=detail.timeout_mins,
                                   disable_rollback=detail.disable_rollback)
        desc.template_text = yaml.safe_dump(template, sort_keys=False, default_flow_style=False)
    desc.owner = session.owner_of(region, stack)
    m = session.master
    if m and m.topology and m.topology.master.id == stack.id:
        desc.constituents = list(m.topology.constituents)
    return desc
