"""The console's live state: regions, their stacks, a master, health, events.

The TUI reads this and subscribes to its changes; it never calls the cloud
itself. Every loop here runs as its own task (one refresh per region, the
health monitor, the event stream), so a frozen region delays nothing else.
The next refresh of a region is scheduled when its last one ends.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from mrconsole.cloud.convert import mask_parameters
from mrconsole.cloud.errors import CloudError
from mrconsole.cloud.health import DEGRADED, DOWN, UP
from mrconsole.core.acting.actions import ActionResult, Actions, Target, recent_journal
from mrconsole.core.acting.create import CreatePlan, plan_create
from mrconsole.core.acting.launch import preview_by_region
from mrconsole.core.acting.plan import ActionPlan, plan_action
from mrconsole.core.acting.preview import preview_update
from mrconsole.core.diagnosis.masking import apply_masks, mask_hidden, masked_outputs
from mrconsole.core.diagnosis.operations import OperationsView, operations
from mrconsole.core.diagnosis.outputs import OutputsView, outputs_across
from mrconsole.core.diagnosis.resources import (
    ResourcePlan,
    ResourcesView,
    execute_mark,
    execute_signal,
    plan_mark_unhealthy,
    plan_signal,
    resource_detail,
    resources_across,
)
from mrconsole.core.diagnosis.timeline import DEFAULT_SINCE_SECONDS, incident_timeline, save
from mrconsole.core.diagnosis.why import why
from mrconsole.core.live.changes import (
    ActionTaken,
    EventsArrived,
    HealthChanged,
    IdentityKnown,
    MasterChanged,
    MasterRecovered,
    RegionStatus,
)
from mrconsole.core.live.events import EventStream, StreamConfig
from mrconsole.core.live.fleet import Fleet
from mrconsole.core.live.follow import MasterFollow
from mrconsole.core.live.watch import StackChanges
from mrconsole.core.master.gather import ImportPlan, Wanted, execute_import, plan_import
from mrconsole.core.master.masters import FoundMaster, masters_found
from mrconsole.core.master.outage import DISCOVERED, LIVE, MISSING, OUTAGE, drift, master_state
from mrconsole.core.master.ownership import owned_elsewhere
from mrconsole.core.master.rehome import RehomePlan, execute_rehome, plan_rehome
from mrconsole.core.master.rehome_data import keep_quietly, version_of
from mrconsole.core.master.release import ReleasePlan, execute_release, plan_release
from mrconsole.core.master.snapshots import RestorePlan, plan_restore, snapshot_name, take_snapshot
from mrconsole.core.master.topology import Topology, find_stack, read_master, refresh_constituents
from mrconsole.core.rollout.gate import Gate
from mrconsole.core.rollout.run import RolloutRun
from mrconsole.core.rollout.stored import journaled_plan, rollout_state
from mrconsole.core.rollout.waves import (
    Breakpoint,
    Change,
    RolloutPlan,
    RolloutStatus,
    breakpoints,
    hook_waited_at,
    plan_rollout,
)
from mrconsole.errors import INTERNAL_MESSAGE, InternalError
from mrconsole.logs import logger
from mrconsole.models import HIDDEN, Event, Identity, ResourceDetail, Stack
from mrconsole.state.journal import Journal
from mrconsole.state.outages import Outages
from mrconsole.state.topology_cache import TopologyCache, from_topology, keeping_values
from mrconsole.template.heat import hidden_parameters, name_splits


@dataclass
class RegionView:
    """What the console knows of one region: its stacks, and if stale, why.

    Kept current by the changes the region's watch reports, never re-listed
    for a view; `stacks` (ordered by name) is rebuilt only after a change.
    """

    region: str
    by_id: dict[str, Stack] = field(default_factory=dict)
    fetched_at: float | None = None  # wall clock of the last answer from the region
    error: str | None = None  # the last look's failure, if it failed
    _ordered: tuple[Stack, ...] | None = field(default=None, repr=False)

    @property
    def stale(self) -> bool:
        return self.error is not None

    @property
    def stacks(self) -> tuple[Stack, ...]:
        if self._ordered is None:
            self._ordered = tuple(sorted(self.by_id.values(), key=lambda s: (s.name, s.id)))
        return self._ordered

    def apply(self, changes: StackChanges) -> None:
        for s in changes.added + changes.changed:
            self.by_id[s.id] = s
        for s in changes.removed:
            self.by_id.pop(s.id, None)
        self._ordered = None


@dataclass
class MasterView:
    name: str
    region: str | None = None
    topology: Topology | None = None
    error: str | None = None
    fetched_at: float | None = None
    resources: dict[str, list] = field(default_factory=dict)  # stack id -> its resources
    mode: str = LIVE  # core/master/outage.py MasterMode: live, outage (from the cache) or discovered
    analysis: object = None  # template analysis when opened with --template
    # Constituent resource -> the hook its update waits at (a rollout's breakpoint), from the master's
    # events as they arrive (core/rollout.pending_hooks): no request of its own.
    held: dict[str, str] = field(default_factory=dict)
    held_in: dict[tuple[str, str], str] = field(default_factory=dict)  # (constituent id, resource) -> hook
    owned_by: str = ""  # said when a newer master (moved elsewhere) owns these constituents: this one is stale


@dataclass
class SessionConfig:
    master_refresh_interval: float = 5.0  # while the master cannot be read
    master_idle_interval: float = 60.0  # a safety net; changes wake the loop at once
    # The console follows every stack in every region, showing history only
    # for the master and its constituents.
    stream: StreamConfig = field(default_factory=lambda: StreamConfig(all_stacks=True, backlog_discovered=False))


AUTH_FAILED = "authentication failed"


class ConsoleSession:
    """Cost: the regions' watches and event reads (core/live/watch.py, core/live/events.py)
    plus, with a master, one master read: every second while it or a constituent runs, every
    `master_refresh_interval` while it cannot be read, every `master_idle_interval` otherwise, and
    at once when one of its stacks changes or a region holding one goes away or comes back.
    Nothing here lists every stack on a timer."""

    def __init__(
        self,
        fleet: Fleet,
        master: str | None = None,
        config: SessionConfig | None = None,
        cache=None,
        protected: frozenset[str] = frozenset(),
    ):

        self.fleet = fleet
        self.protected = protected  # regions the config protects: changes there ask for their names typed
        self.cache = cache or TopologyCache()
        self._actions: dict[bool, Actions] = {}  # by read-only mode (actions())
        self._outages = None  # state/outages.py, opened at the first window
        self.cache_error = ""  # why the topology cache could not be written, if it could not
        # An unreadable journal or cache was moved aside at start (state/sqlite.create): said, once.
        for what, aside in (("topology cache", self.cache.set_aside), ("journal", Journal().set_aside)):
            if aside:
                self.cache_error = f"the {what} was unreadable: moved aside to {aside}, a fresh one started"
        self._outage_open: dict[str, bool] = {}  # region -> whether this session wrote an open window
        self.config = config or SessionConfig()
        self.regions: dict[str, RegionView] = {r: RegionView(r) for r in fleet.region_names}
        self.master: MasterView | None = MasterView(master) if master else None
        self.stream = EventStream(fleet, self.config.stream)
        self._master_follow: MasterFollow | None = None
        self._listeners: list[Callable[[object], None]] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._wake = asyncio.Event()
        self._names: Counter[str] = Counter()  # stack names in every region, for owner_of
        self._kept_version = ""  # the master's version whose adopt data and owners were last checked
        self._held_seen: dict[tuple[str, str], datetime] = {}  # (stack id, resource) -> its newest event's time
        self._masks: dict[tuple[str, str], set[str]] = {}  # (stack id, updated) -> outputs that read a secret
        self.identity: Identity | None = None  # who the console acts as (user, roles), once Keystone said
        for region in fleet.region_names:
            self.stream.follow_region(region)
            client = fleet.region(region)
            client.health.subscribe(lambda snap, r=region: self._on_health(r, snap))
        self.stream.subscribe_stacks(self._on_stacks)
        self.stream.subscribe_regions(self._on_region)
        self.stream.subscribe(self._on_events)

    # -- observers -----------------------------------------------------------
    def subscribe(self, callback) -> None:
        """callback(change), change one of the dataclasses in core/live/changes.py."""
        self._listeners.append(callback)

    def _on_events(self, batch) -> None:
        """Events as they arrive: the breakpoints an action waits at, in the master (`held`) and in each
        constituent (`held_in`). O(batch)."""
        m = self.master
        if m is not None:
            topo = m.topology
            constituents = {c.stack_id for c in topo.constituents if c.stack_id} if topo else set()
            for e in batch:
                # The master's history may arrive before its first read: known by name until then.
                in_master = e.stack_id == topo.master.id if topo else e.stack_name == m.name
                if not in_master and e.stack_id not in constituents:
                    continue
                key = (e.stack_id, e.resource_name)
                # History may arrive after newer events (a backfill): an older event never undoes a newer one.
                last = self._held_seen.get(key)
                if e.time is not None and last is not None and e.time < last:
                    continue
                if e.time is not None:
                    self._held_seen[key] = e.time
                hook = hook_waited_at(e)
                if in_master and hook:
                    m.held[e.resource_name] = hook
                elif in_master:
                    m.held.pop(e.resource_name, None)
                elif hook:
                    m.held_in[key] = hook
                else:
                    m.held_in.pop(key, None)
        self._publish(EventsArrived(tuple(batch), settled=self.stream.settled()))

    def _publish(self, change) -> None:
        for cb in list(self._listeners):
            cb(change)

    def _on_health(self, region: str, snap) -> None:
        """Each move in or out of DOWN is an outage window for the incident timeline (core/diagnosis/timeline.py),
        written off the event loop. A region's first answer also closes a window a previous session
        left open; after that, `up` is written only when this session opened one."""
        if snap.state == DOWN and not self._outage_open.get(region):
            self._outage_open[region] = True
            self._record(lambda o: o.down(self.fleet.name, region, snap.last_error or "", snap.down_since))
        elif snap.state in (UP, DEGRADED) and self._outage_open.get(region, True):
            self._outage_open[region] = False
            self._record(lambda o: o.up(self.fleet.name, region, snap.last_checked))
        self._publish(HealthChanged(region))

    def _record(self, write) -> None:
        def run():
            try:
                if self._outages is None:
                    self._outages = Outages()
                write(self._outages)
            except Exception:  # noqa: BLE001 - a full disk must not stop the console from showing the outage
                # The outage is on screen either way; only the timeline's record of it is lost: say so in the log.
                logger().exception("outage window for %s not recorded", self.fleet.name)

        try:
            asyncio.get_running_loop().run_in_executor(None, run)
        except RuntimeError:  # no loop (a caller outside the console): write now
            run()

    def _on_stacks(self, changes: StackChanges) -> None:
        view = self.regions.get(changes.region)
        if view is None:
            return
        for s in changes.removed:
            if s.id in view.by_id:
                self._names[view.by_id[s.id].name] -= 1
        for s in changes.added:
            if s.id not in view.by_id:
                self._names[s.name] += 1
        view.apply(changes)
        ids = self._master_ids()
        if ids and any(s.id in ids for s in changes.added + changes.changed + changes.removed):
            self._wake.set()  # the master or a constituent moved: read the tree now
        self._publish(changes)

    def _on_region(self, region: str, error: str | None, answered_at: float) -> None:
        view = self.regions.get(region)
        if view is None:
            return
        before = view.error
        view.error = error
        if error is None:
            view.fetched_at = answered_at
        if before != error:
            if self._holds_master(region):
                # The master's region, or a constituent's, went away or came back: re-read the master now, so
                # that the tree says a constituent is unreachable (or no longer) when its pane does, not up to
                # `master_idle_interval` later.
                self._wake.set()
            self._publish(RegionStatus(region, error))

    def _holds_master(self, region: str) -> bool:
        """Whether the followed master or one of its constituents is in this region. O(constituents)."""
        m = self.master
        if m is None:
            return False
        if region == m.region:
            return True
        return m.topology is not None and any(c.region == region for c in m.topology.constituents)

    @property
    def cloud_name(self) -> str:
        return self.fleet.name

    @property
    def region_names(self) -> list[str]:
        return self.fleet.region_names

    def events(self) -> list[Event]:
        """The merged timeline, in time order."""
        return self.stream.timeline.events()

    def stream_stats(self) -> dict:
        return self.stream.stats()

    def actions(self, read_only: bool) -> Actions:
        """What the console acts through (core/acting/actions.py): an accepted action wakes this session's
        reading of that stack's events. One per mode, so its in-flight set refuses a double submission
        from wherever it comes."""
        if read_only not in self._actions:
            self._actions[read_only] = Actions(
                self.fleet,
                read_only=read_only,
                on_accepted=self.acted,
                on_result=lambda result: self._publish(ActionTaken(result)),
            )
        return self._actions[read_only]

    def health(self):
        return self.fleet.health()

    async def export_timeline(self, since_seconds: float = DEFAULT_SINCE_SECONDS):
        """The master's incident timeline (core/diagnosis/timeline.py), saved as markdown: (path, entry count)."""

        if self.master is None:
            raise LookupError("no master is followed: open the console with --stack MASTER")
        timeline = await incident_timeline(self.fleet, self.master.name, since_seconds)
        return await asyncio.to_thread(save, timeline), len(timeline.entries)

    @property
    def auth_error(self) -> str:
        """Why Keystone refuses this session's credentials now (empty when it does not): regions that
        answer with 401 are not down, the cloud is not authenticated (cloud/errors.py UNAUTHORIZED)."""
        return auth_error_in(self.regions)

    def down_regions(self) -> dict[str, str]:
        """Each region that cannot be reached now, with why."""
        return down_in(self.health())

    def region_down(self, region: str) -> str:
        """Why `region` cannot be reached now (empty when it can): what the action menu greys out for."""
        return self.down_regions().get(region, "")

    @property
    def notices(self) -> list[str]:
        """What the operator is told once at start (TLS verification off)."""
        return list(self.fleet.cloud.notices)

    @property
    def read_only_regions(self) -> frozenset[str]:
        """Regions the config makes read-only: looked at, never changed from here."""
        return self.fleet.permissions.read_only

    def refused(self, region: str, requests) -> tuple[dict[str, str], list[str]]:
        """What the user's role may not do in `region`, as far as is known without a request, and the
        requests not asked yet (core/acting/permissions.py)."""
        return self.fleet.permissions.known_refusals(region, requests)

    async def ask_refused(self, region: str, requests) -> dict[str, str]:
        """Ask Heat's policy in `region` for each request not asked yet (one request each, once a session)."""
        await self.fleet.permissions.refusals((region, r) for r in requests)
        return self.refused(region, requests)[0]

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self.fleet.monitor_health(self._stop)),
            asyncio.create_task(self.stream.run(self._stop)),
        ]
        if self.master:
            self._tasks.append(asyncio.create_task(self._master_loop(), name="master-loop"))
        self._tasks.append(asyncio.create_task(self._learn_identity(), name="identity"))

    async def _learn_identity(self) -> None:
        """Who the console is, for the header: read from the token the session holds (no request of its
        own once a region was asked). Keystone not answering leaves it unknown; nothing waits on it.
        Cost: one token read at start, retried every 5 s (at most 12 times) while Keystone is down."""
        for _ in range(12):
            try:
                self.identity = await self.fleet.cloud.identity()
                if self.identity is not None:
                    self._publish(IdentityKnown())
                return
            except CloudError as exc:  # every Keystone failure arrives as one (cloud/connection._authenticate)
                logger().debug("identity not known yet: %s", exc.kind)
            if await self._stopped_within(5.0):
                return

    async def _stopped_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._stop.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.fleet.close()

    def refresh_now(self) -> None:
        """The operator asked: reconcile every region and re-read the master now."""
        self.stream.refresh()
        self._wake.set()

    def look_at(self, region: str, stack_id: str) -> None:
        """A screen shows this stack now: its changes are looked for every FOLLOW_ONE s (core/live/events.py),
        so an action started elsewhere shows within a fraction of a second. Undone by look_away()."""
        self.stream.focus(region, stack_id)

    def look_away(self, region: str, stack_id: str) -> None:
        self.stream.unfocus(region, stack_id)

    def acted(self, region: str, stack_id: str, name: str = "") -> None:
        """The console just sent an action: show its first events without waiting for a look."""
        self.stream.kick(region, stack_id, name)
        if self.master and self.master.topology and self.master.topology.master.id == stack_id:
            self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass
        self._wake.clear()

    # -- the master ----------------------------------------------------------
    async def _fallback_master(self) -> bool:
        """The master cannot be read: use the cache (or discovery) with live constituents."""

        m = self.master
        assert m is not None
        state = await master_state(self.fleet, m.name, self.cache, save=False)
        if state.mode == LIVE and state.topology is not None:
            # Listed and read in its region after the lookup by name failed there (its region answered that
            # late): live, not missing. The caller reads it as any live master.
            m.region, m.mode, m.error = state.master_region, LIVE, None
            return True
        if state.mode not in (OUTAGE, DISCOVERED):
            m.error = state.master_error or f"stack {m.name} not found"
            return state.mode != MISSING
        topo = state.topology
        assert topo is not None  # outage and discovered modes always carry one
        m.topology, m.region, m.mode = topo, state.master_region, state.mode
        m.error = state.master_error or "the master's region is unreachable"
        m.fetched_at = state.cached_at
        if self._master_follow is None:
            self._master_follow = MasterFollow(self.fleet, self.stream, topo)
        else:
            for c in topo.constituents:
                self._master_follow._add(c.region, c.stack_name, c.stack_id, c.status)
        await self._read_resources(topo, include_master=False)
        return True

    async def refresh_master(self) -> None:
        m = self.master
        if m is None:
            return
        try:
            if m.region is None or m.mode != LIVE:
                # Without its outputs: resolving them makes the master's Heat ask every constituent's region,
                # so one frozen constituent region made the master's own lookup time out (it was then said
                # "not found" though its region listed it).
                was = m.mode
                found, failed = await find_stack(self.fleet, m.name, outputs=False)
                if not found:
                    await self._fallback_master()  # may find it live after all (its region answered late)
                    if not (m.mode == LIVE and m.region is not None and m.error is None):
                        self._publish(MasterChanged(m.name))
                        return
                m.mode = LIVE
                if was != LIVE:
                    m.topology = None  # the master is back: read it afresh
                    self._publish(MasterRecovered(m.name))
                if found:
                    m.region = found[0].stack.region
            if m.region is None:
                return
            if m.topology is None:
                m.topology = await read_master(self.fleet, m.region, m.name)
                self._master_follow = MasterFollow(self.fleet, self.stream, m.topology)
            else:
                current = m.topology.master
                fresh = await read_master(self.fleet, m.region, f"{current.name}/{current.id}")
                m.topology.master = fresh.master
                m.topology.parameters = fresh.parameters
                m.topology.edges = fresh.edges
                known = {c.resource: c for c in m.topology.constituents}
                for c in fresh.constituents:
                    if c.resource in known and c.stack is None and known[c.resource].stack is not None:
                        c.stack, c.stack_name = known[c.resource].stack, known[c.resource].stack_name
                m.topology.constituents = fresh.constituents
                m.topology.master_resources = fresh.master_resources
                if self._master_follow is not None:
                    await self._master_follow.refresh(fresh.master_resources)
            if m.error and m.topology is not None:
                self._publish(MasterRecovered(m.name))  # its region answered again
            m.error, m.fetched_at = None, time.time()
            # Said now, in the step that changed it: the reads below await, and a screen drawn meanwhile
            # would show a master the recording (core/live/recording.py) has not been told of yet. Cost: one
            # more O(master) comparison in the tree and the recorder per refresh (a short `master-at` line).
            self._publish(MasterChanged(m.name))
            await self._read_resources(m.topology)
            await self._learn_masks(m.topology)
            await asyncio.to_thread(self._save_cache, m.topology)  # sqlite: off the event loop
            await self._keep_for_a_move(m)
        except CloudError as exc:
            m.error = exc.message
            if m.topology is not None:
                # The master's region is unreachable: its constituents are
                # still read live from their own regions.
                await refresh_constituents(self.fleet, m.topology)
                await self._read_resources(m.topology, include_master=False)
            else:
                await self._fallback_master()
        self._publish(MasterChanged(m.name))

    async def _keep_for_a_move(self, m: MasterView) -> None:
        """What a move needs (core/master/rehome_data.py), and whether a newer master owns these constituents:
        both only when the master changed (an export and a GET per claimant then, nothing otherwise)."""
        topo = m.topology
        if topo is None or not topo.constituents:
            return
        version = version_of(topo)
        if version == self._kept_version:
            return
        self._kept_version = version
        await keep_quietly(self.fleet, topo, self.cache)
        # Each constituent's outputs and parameters too (C GETs, once per change of the master), so that
        # outputs of a region that stops answering later are shown from the cache, with their age; an
        # output that reads a hidden parameter of its template is masked first (C template GETs more).
        try:
            await refresh_constituents(self.fleet, topo)
            await self._learn_masks(topo)
            await asyncio.to_thread(self._save_cache, topo)
        except Exception:  # noqa: BLE001 - a failed read or write must not stop the console: logged
            logger().exception("constituents of %s not kept in the cache", topo.master.name)
        try:
            claim = await owned_elsewhere(self.fleet, topo, self.cache)
        except Exception:  # noqa: BLE001 - a damaged cache must not stop the console: logged
            logger().exception("who else owns %s's constituents: not read", topo.master.name)
            claim = None
        m.owned_by = (
            f"stale: {claim.name} in {claim.region} owns its constituents (created later); "
            f"abandon this one, never delete it"
            if claim
            else ""
        )

    async def _learn_masks(self, topo: Topology) -> None:
        """Which outputs of each constituent read a hidden parameter of its template, masked in what the
        session holds and writes (#33). Cost: one template GET per constituent per change of it (its
        updated time), nothing while none changes."""

        async def one(c) -> None:
            if c.stack is None or c.detail is None or not c.stack_id:
                return
            key = (c.stack_id, c.stack.changed_time.isoformat() if c.stack.changed_time else "")
            if key in self._masks:
                apply_masks(c, self._masks[key])
                return
            masked = await mask_hidden(self.fleet, c)
            if masked is not None:  # unread templates are asked again at the next refresh
                self._masks[key] = masked

        await asyncio.gather(*(one(c) for c in topo.constituents))

    def _masked(self, topo: Topology) -> dict[str, set[str]]:
        out = {}
        for c in topo.constituents:
            if c.stack is not None and c.stack_id:
                key = (c.stack_id, c.stack.changed_time.isoformat() if c.stack.changed_time else "")
                if key in self._masks:
                    out[c.stack_id] = self._masks[key]
        return out

    def _save_cache(self, topo: Topology) -> None:

        try:
            # The last outputs and parameters of constituents not read this time are kept (keeping_values).
            previous = self.cache.load(self.fleet.cloud_names, topo.master.id)
            self.cache.save(keeping_values(from_topology(topo, masked=self._masked(topo)), previous))
            self.cache_error = ""
        except Exception as exc:  # noqa: BLE001 - a full disk must not stop the console
            # Surfaced: outage mode would later show an older topology than the operator saw.
            logger().exception("topology cache for %s not written", topo.master.name)
            self.cache_error = f"topology cache not written ({type(exc).__name__}): outage mode may show older data"

    async def _read_resources(self, topo: Topology, include_master: bool = True) -> None:
        """Resources of the master and of each constituent, each in its own region."""
        m = self.master
        assert m is not None
        if include_master:
            m.resources[topo.master.id] = topo.master_resources  # read with the master already
        targets = [(c.region, c.stack) for c in topo.constituents if c.stack is not None]

        async def one(region, stack):
            try:
                m.resources[stack.id] = await self.fleet.region(region).resources(stack)
            except CloudError:
                pass  # keep what was read before

        await asyncio.gather(*(one(r, s) for r, s in targets))

    def _master_ids(self) -> set[str]:
        m = self.master
        if m is None or m.topology is None:
            return set()
        return {m.topology.master.id} | {c.stack_id for c in m.topology.constituents if c.stack_id}

    async def _master_loop(self) -> None:
        """Re-read the master when the watches say it or a constituent changed
        (every second while either runs), when the operator asks, and every
        `master_idle_interval` otherwise; every `master_refresh_interval` while
        it cannot be read (outage)."""
        failures = 0
        while not self._stop.is_set():
            m = self.master  # the operator may follow another master (a move): read whichever is shown now
            assert m is not None  # the loop runs only with a master
            try:
                await self.refresh_master()
                failures = 0
            except Exception as exc:  # noqa: BLE001 - a bug must not end the master's view for good
                failures += 1
                if not isinstance(exc, InternalError):  # one met in a region call is logged already
                    logger().exception("reading the master %s failed (%d in a row)", m.name, failures)
                m.error = INTERNAL_MESSAGE
                self._publish(MasterChanged(m.name))
                await self._sleep(min(60.0, 2.0**failures))
                continue
            busy = (
                self._master_follow is not None
                and m.topology is not None
                and (
                    self._master_follow.master_busy()
                    or any(c.stack is not None and c.stack.in_progress for c in m.topology.constituents)
                )
            )
            if busy:
                wait = 1.0
            elif m.error or m.topology is None or m.mode != LIVE:
                wait = self.config.master_refresh_interval
            else:
                wait = self.config.master_idle_interval
            await self._sleep(wait)

    # -- queries for views ---------------------------------------------------
    def owner_of(self, region: str, stack: Stack) -> str | None:
        """Which master owns a stack, if the console knows. O(length of the name)."""
        return owner_by_name(self.master, self._names, stack)

    def all_stacks(self) -> list[Stack]:
        return [s for view in self.regions.values() for s in view.stacks]

    # -- reads for views (each screen asks the session, never the cloud) -------
    async def describe(self, region: str, stack_id: str) -> StackDescription:
        return await describe(self, region, stack_id)

    async def why(self, region: str, stack_id: str):

        return await why(self.fleet, region, stack_id)

    async def drift(self, master: str):

        return await drift(self.fleet, master, self.cache)

    async def preview_update(self, stack: Stack, parameters: dict[str, str]):

        return await preview_update(self.fleet, stack, parameters)

    async def plan_action(self, action: str, region: str, stack: Stack, read_only: bool) -> ActionPlan:
        return await plan_action(
            self.fleet, action, region, stack, read_only=read_only, cache=self.cache, protected=self.protected
        )

    async def plan_create(
        self,
        name: str,
        regions: list[str],
        template: str,
        env_files: list[str],
        parameters: dict[str, str],
        *,
        timeout_mins: int | None,
        read_only: bool,
        probe: bool,
    ) -> CreatePlan:
        return await plan_create(
            self.fleet,
            name,
            regions,
            template,
            env_files,
            parameters,
            timeout_mins=timeout_mins,
            read_only=read_only,
            probe=probe,
        )

    async def preview_create(self, plan: CreatePlan) -> dict[str, list[str]]:
        """What the create would make, by region (Heat's preview of the master in its region)."""
        assert plan.bundle is not None, "a plan without a bundle is refused before a preview"
        return await preview_by_region(
            self.fleet, plan.regions[0], plan.name, plan.bundle, plan.parameters, plan.analysis
        )

    # -- rollouts in waves (core/rollout/waves.py, core/rollout/run.py) --------------
    async def plan_rollout(
        self, master: Stack, parameters: dict[str, str], waves: str, soak: float, read_only: bool
    ) -> RolloutPlan:
        return await plan_rollout(
            self.fleet,
            master.region,
            f"{master.name}/{master.id}",
            Change(parameters),
            waves=waves or None,
            read_only=read_only,
            cache=self.cache,
            soak=soak,
        )

    async def rollout_state(self, master: Stack) -> tuple[Topology, RolloutStatus]:
        return await rollout_state(self.fleet, master.region, f"{master.name}/{master.id}")

    async def journaled_plan(self, master: Stack) -> tuple[str, dict]:
        return await journaled_plan(master.id, master.name)

    async def operations(self, master: Stack) -> OperationsView:
        return await operations(self.fleet, master.region, f"{master.name}/{master.id}")

    def rollout_run(self, topo: Topology, waves, gate: Gate, read_only: bool, on_step=None) -> RolloutRun:
        """A driver bound to this session's fleet and journal (no I/O until it is driven)."""
        return RolloutRun(self.fleet, self.actions(read_only), topo, tuple(waves), gate, on_step=on_step)

    async def breakpoints(self, master: Stack) -> tuple[list[Breakpoint], dict[str, str]]:
        topo = await read_master(self.fleet, master.region, f"{master.name}/{master.id}")
        return await breakpoints(self.fleet, topo)

    async def release_breakpoint(self, point: Breakpoint, read_only: bool) -> ActionResult:
        target = Target(point.region, point.stack_name, point.stack_id)
        return await self.actions(read_only).release_hook(target, point.resource, point.pending or "pre-update")

    # -- the masters found (core/master/masters.py) --------------------------------------
    async def masters_found(self) -> list[FoundMaster]:
        """From the lists held and the topology cache: no request."""
        try:
            cached = await asyncio.to_thread(self.cache.masters, self.fleet.cloud_names)
        except Exception:  # noqa: BLE001 - a damaged cache must not hide the masters the lists show
            logger().exception("topology cache unreadable for the masters list")
            cached = []
        return masters_found(self.all_stacks(), cached)

    # -- on-call depth (core/diagnosis/outputs.py, core/diagnosis/resources.py) -----------------------
    async def outputs(self, stack: Stack) -> OutputsView:
        return await outputs_across(self.fleet, stack.region, f"{stack.name}/{stack.id}", self.cache)

    async def resources_across(self, stack: Stack, nested_depth: int = 0) -> ResourcesView:
        return await resources_across(self.fleet, stack.region, f"{stack.name}/{stack.id}", nested_depth)

    async def resource_detail(self, region: str, stack: str, resource: str) -> ResourceDetail:
        return await resource_detail(self.fleet, region, stack, resource)

    async def plan_resource(self, action: str, region: str, stack: str, resource: str, read_only: bool) -> ResourcePlan:
        """`action`: "mark-unhealthy" or "signal"."""
        planner = plan_mark_unhealthy if action == "mark-unhealthy" else plan_signal
        return await planner(self.fleet, region, stack, resource, read_only)

    async def mark_unhealthy(self, plan: ResourcePlan, typed: str, reason: str, read_only: bool) -> ActionResult:
        return await execute_mark(self.actions(read_only), plan, typed, reason)

    async def signal(self, plan: ResourcePlan, data: dict | None, read_only: bool) -> ActionResult:
        return await execute_signal(self.actions(read_only), plan, data)

    # -- the master outlives its region (core/master/rehome.py, core/master/snapshots.py) ------
    def follow_master(self, name: str, region: str | None = None) -> None:
        """Show another master from now on (after a move, the new one): the master loop reads it next."""
        self.master = MasterView(name, region=region)
        self._master_follow = None
        if not any(t.get_name() == "master-loop" and not t.done() for t in self._tasks):
            self._tasks.append(asyncio.create_task(self._master_loop(), name="master-loop"))
        self._wake.set()
        self._publish(MasterChanged(name))

    async def plan_rehome(
        self, name: str, to_region: str, new_name: str, parameters: dict[str, str], read_only: bool
    ) -> RehomePlan:
        return await plan_rehome(
            self.fleet,
            name,
            to_region,
            self.cache,
            new_name=new_name or None,
            parameters=parameters,
            read_only=read_only,
        )

    async def plan_release(self, name: str, resource: str, read_only: bool) -> ReleasePlan:
        return await plan_release(self.fleet, name, resource, self.cache, read_only=read_only)

    async def release(self, plan: ReleasePlan, read_only: bool) -> str:
        said = await execute_release(self.actions(read_only), plan)
        await self.refresh_master()  # the master no longer owns it: its tree and panes say so now
        return said

    async def plan_import(self, name: str, region: str, wanted: list[Wanted], read_only: bool) -> ImportPlan:
        return await plan_import(self.fleet, name, region, wanted, self.cache, read_only=read_only)

    async def import_stacks(self, plan: ImportPlan, read_only: bool) -> tuple[str, str]:
        new_id, said = await execute_import(self.actions(read_only), plan, self.cache)
        self.follow_master(plan.name, plan.region)  # what the operator made is what they look at next
        return new_id, said

    async def rehome(self, plan: RehomePlan, read_only: bool) -> tuple[str, str]:
        new_id, said = await execute_rehome(self.actions(read_only), plan, self.cache)
        self.follow_master(plan.name, plan.to_region)
        return new_id, said

    @staticmethod
    def _master_target(master: Stack) -> Target:
        """An action on a master, journaled as the master's own (the timeline finds it)."""
        return Target(master.region, master.name, master.id, master_id=master.id)

    async def abandon(self, stack: Stack, read_only: bool) -> ActionResult:
        """Drop a (stale) master from Heat, its constituents left as they are."""
        return await self.actions(read_only).abandon(self._master_target(stack))

    async def snapshots(self, master: Stack) -> list[dict]:
        return await self.fleet.region(master.region).snapshots(master)

    async def take_snapshot(self, master: Stack, before: str, read_only: bool) -> dict:
        return await take_snapshot(self.actions(read_only), self._master_target(master), snapshot_name(before))

    async def plan_restore(self, master: Stack, snapshot_id: str, read_only: bool) -> RestorePlan:
        return await plan_restore(self.fleet, master.region, f"{master.name}/{master.id}", snapshot_id, read_only)

    async def restore(self, plan: RestorePlan, read_only: bool) -> ActionResult:
        return await self.actions(read_only).restore(self._master_target(plan.topology.master), plan.snapshot["id"])

    async def delete_snapshot(self, master: Stack, snapshot_id: str, read_only: bool) -> ActionResult:
        return await self.actions(read_only).delete_snapshot(self._master_target(master), snapshot_id)

    async def journal(self, limit: int = 200) -> list:

        # sqlite on disk: read off the event loop.
        return await asyncio.to_thread(recent_journal, self.fleet.name, limit)

    def stack(self, region: str, stack_id: str) -> Stack | None:
        """A stack as its region's last look saw it. O(1)."""
        view = self.regions.get(region)
        return view.by_id.get(stack_id) if view else None

    def find(self, name_or_id: str) -> Stack | None:
        for s in self.all_stacks():
            if s.name == name_or_id or s.id == name_or_id:
                return s
        return None


def auth_error_in(regions: dict[str, RegionView]) -> str:
    """The refusal of a region that answered 401, if any: shared by the live and the replayed session."""
    return next((v.error for v in regions.values() if v.error and v.error.startswith(AUTH_FAILED)), "")


def down_in(health) -> dict[str, str]:
    """Each region whose health is down, with why."""
    return {h.region: h.last_error or "down" for h in health if h.state == DOWN}


def owner_by_name(master: MasterView | None, names: Counter[str], stack: Stack) -> str | None:
    """ "master/resource" for a stack the followed master owns, else from Heat's naming
    (`<master>-<resource>-<12 chars>`) where <master> is a stack the console can see (the longest wins)."""
    if master and master.topology:
        if master.owned_by and stack.id == master.topology.master.id:
            return "⚠ STALE master: abandon it"  # its constituents belong to a newer master (a move)
        for c in master.topology.constituents:
            if c.stack_id == stack.id:
                return f"{master.topology.master.name}/{c.resource}"
    for master_name, resource in name_splits(stack.name):
        if names.get(master_name, 0) > 0 and master_name != stack.name:
            return f"{master_name}/{resource}"
    return None


@dataclass
class StackDescription:
    detail: object  # StackDetail
    resources: list = field(default_factory=list)
    template_text: str = ""
    events: list = field(default_factory=list)
    owner: str | None = None  # "master/resource" when this is a constituent
    constituents: list = field(default_factory=list)  # when this is the master
    errors: list[str] = field(default_factory=list)


def _mask_hidden_defaults(template: dict, hidden: frozenset[str]) -> dict:
    """A hidden parameter's default is a secret too: never shown."""
    if not hidden:
        return template
    params = {
        k: ({**v, "default": "******"} if k in hidden and isinstance(v, dict) and "default" in v else v)
        for k, v in (template.get("parameters") or {}).items()
    }
    return {**template, "parameters": params}


async def describe(session: ConsoleSession, region: str, stack_id: str) -> StackDescription:
    """Everything the stack detail screen shows, read concurrently in the stack's region."""
    import yaml

    client = session.fleet.region(region)
    detail = await client.get_stack(stack_id)
    stack = detail.stack
    results = await asyncio.gather(
        client.resources(stack, nested_depth=2),
        client.template(stack),
        client.events(stack.name, stack.id, sort_dir="asc"),
        return_exceptions=True,
    )
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
        hidden = hidden_parameters(template)
        masked = masked_outputs(template)  # as the outputs screen masks them (#33)
        desc.detail = type(detail)(
            stack=detail.stack,
            parameters=mask_parameters(detail.parameters, hidden),
            outputs=tuple(dataclasses.replace(o, value=HIDDEN) if o.key in masked else o for o in detail.outputs),
            timeout_mins=detail.timeout_mins,
            disable_rollback=detail.disable_rollback,
        )
        desc.template_text = yaml.safe_dump(
            _mask_hidden_defaults(template, hidden), sort_keys=False, default_flow_style=False
        )
    desc.owner = session.owner_of(region, stack)
    m = session.master
    if m and m.topology and m.topology.master.id == stack.id:
        desc.constituents = list(m.topology.constituents)
    return desc
