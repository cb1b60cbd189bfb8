"""What the console may read and ask of a session, one protocol per capability.

`LiveView` (what is known now), `Reads` (asked of the regions), `Plans` (what an action would do) and
`Acting` (what changes something). Screens see `SessionView`, the first three; only tui/acting.py holds
`Acting`, and the app the whole `Session`.

`ConsoleSession` (live, core/live/session.py) and the snapshot tier's replay
session (tests/screens/replay.py, a scene captured on the lab) both
implement it, and mypy checks both against it: a screen that needs
something new adds it here, and the replay breaks loudly, not silently.
Screens never see the fleet, the cloud or the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from mrconsole.core.diagnosis.timeline import DEFAULT_SINCE_SECONDS
from mrconsole.template.model import Analysis  # what a screen shows of a template (the launch form)

if TYPE_CHECKING:
    from mrconsole.cloud.health import HealthSnapshot
    from mrconsole.core.acting.actions import ActionResult, Actions
    from mrconsole.core.acting.create import CreatePlan
    from mrconsole.core.acting.plan import ActionPlan
    from mrconsole.core.diagnosis.operations import OperationsView
    from mrconsole.core.diagnosis.outputs import OutputsView
    from mrconsole.core.diagnosis.resources import ResourcePlan, ResourcesView
    from mrconsole.core.live.session import MasterView, RegionView, StackDescription
    from mrconsole.core.master.gather import ImportPlan, Wanted
    from mrconsole.core.master.masters import FoundMaster
    from mrconsole.core.master.rehome import RehomePlan
    from mrconsole.core.master.release import ReleasePlan
    from mrconsole.core.master.snapshots import RestorePlan
    from mrconsole.core.master.topology import Topology
    from mrconsole.core.rollout.gate import Gate
    from mrconsole.core.rollout.run import RolloutRun
    from mrconsole.core.rollout.waves import Breakpoint, RolloutPlan, RolloutStatus
    from mrconsole.models import Event, Identity, ResourceDetail, Stack


__all__ = ["Acting", "Analysis", "LiveView", "Plans", "Reads", "Session", "SessionView"]


class LiveView(Protocol):
    """What is known now, with no I/O, and the session's life: health, stacks, events, the master followed."""

    regions: dict[str, RegionView]
    master: MasterView | None
    cache_error: str
    protected: frozenset[str]  # regions the config protects
    read_only_regions: frozenset[str]  # regions the config makes read-only: looked at, never changed
    identity: Identity | None  # who the console acts as, once Keystone said (the header names a reader)

    @property
    def cloud_name(self) -> str: ...

    @property
    def region_names(self) -> list[str]: ...

    @property
    def auth_error(self) -> str: ...

    @property
    def notices(self) -> list[str]: ...

    def health(self) -> list[HealthSnapshot]: ...

    def down_regions(self) -> dict[str, str]: ...

    def region_down(self, region: str) -> str: ...

    def refused(self, region: str, requests) -> tuple[dict[str, str], list[str]]: ...

    def stack(self, region: str, stack_id: str) -> Stack | None: ...

    def find(self, name_or_id: str) -> Stack | None: ...

    def owner_of(self, region: str, stack: Stack) -> str | None: ...

    def events(self) -> list[Event]: ...

    def stream_stats(self) -> dict: ...

    def subscribe(self, callback: Callable[[Any], None]) -> None: ...

    def start(self) -> None: ...

    async def stop(self) -> None: ...

    def refresh_now(self) -> None: ...

    def look_at(self, region: str, stack_id: str) -> None: ...

    def look_away(self, region: str, stack_id: str) -> None: ...

    def follow_master(self, name: str, region: str | None = None) -> None: ...


class Reads(Protocol):
    """What is read from the regions on demand (each asks Heat: from a worker, never from a handler)."""

    async def ask_refused(self, region: str, requests) -> dict[str, str]: ...

    async def describe(self, region: str, stack_id: str) -> StackDescription: ...

    async def why(self, region: str, stack_id: str) -> Any: ...

    async def drift(self, master: str) -> Any: ...

    async def journal(self, limit: int = 200) -> list: ...

    async def export_timeline(self, since_seconds: float = DEFAULT_SINCE_SECONDS) -> tuple[Any, int]: ...

    async def rollout_state(self, master: Stack) -> tuple[Topology, RolloutStatus]: ...

    async def journaled_plan(self, master: Stack) -> tuple[str, dict]: ...

    async def operations(self, master: Stack) -> OperationsView: ...

    async def breakpoints(self, master: Stack) -> tuple[list[Breakpoint], dict[str, str]]: ...

    async def masters_found(self) -> list[FoundMaster]: ...

    async def outputs(self, stack: Stack) -> OutputsView: ...

    async def resources_across(self, stack: Stack, nested_depth: int = 0) -> ResourcesView: ...

    async def resource_detail(self, region: str, stack: str, resource: str) -> ResourceDetail: ...

    async def snapshots(self, master: Stack) -> list[dict]: ...


class Plans(Protocol):
    """What an action would do, before it is sent: reads and checks, nothing changes (core/acting/plan.py)."""

    async def preview_update(self, stack: Stack, parameters: dict[str, str]) -> Any: ...

    async def plan_action(self, action: str, region: str, stack: Stack, read_only: bool) -> ActionPlan: ...

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
    ) -> CreatePlan: ...

    async def preview_create(self, plan: CreatePlan) -> dict[str, list[str]]: ...

    async def plan_rollout(
        self, master: Stack, parameters: dict[str, str], waves: str, soak: float, read_only: bool
    ) -> RolloutPlan: ...

    async def plan_resource(
        self, action: str, region: str, stack: str, resource: str, read_only: bool
    ) -> ResourcePlan: ...

    async def plan_rehome(
        self, name: str, to_region: str, new_name: str, parameters: dict[str, str], read_only: bool
    ) -> RehomePlan: ...

    async def plan_release(self, name: str, resource: str, read_only: bool) -> ReleasePlan: ...

    async def plan_import(self, name: str, region: str, wanted: list[Wanted], read_only: bool) -> ImportPlan: ...

    async def plan_restore(self, master: Stack, snapshot_id: str, read_only: bool) -> RestorePlan: ...


class Acting(Protocol):
    """What changes something in a cloud. Only the console's acting module (tui/acting.py) holds it: a
    screen's send is handed this, and the screens' own `SessionView` has none of it (mypy, and
    tests/unit/test_structure.py, say so)."""

    def actions(self, read_only: bool) -> Actions: ...

    def rollout_run(
        self, topo: Topology, waves: Any, gate: Gate, read_only: bool, on_step: Any = None
    ) -> RolloutRun: ...

    async def release_breakpoint(self, point: Breakpoint, read_only: bool) -> ActionResult: ...

    async def mark_unhealthy(self, plan: ResourcePlan, typed: str, reason: str, read_only: bool) -> ActionResult: ...

    async def signal(self, plan: ResourcePlan, data: dict | None, read_only: bool) -> ActionResult: ...

    async def rehome(self, plan: RehomePlan, read_only: bool) -> tuple[str, str]: ...

    async def release(self, plan: ReleasePlan, read_only: bool) -> str: ...

    async def import_stacks(self, plan: ImportPlan, read_only: bool) -> tuple[str, str]: ...

    async def abandon(self, stack: Stack, read_only: bool) -> ActionResult: ...

    async def take_snapshot(self, master: Stack, before: str, read_only: bool) -> dict: ...

    async def restore(self, plan: RestorePlan, read_only: bool) -> ActionResult: ...

    async def delete_snapshot(self, master: Stack, snapshot_id: str, read_only: bool) -> ActionResult: ...


class SessionView(LiveView, Reads, Plans, Protocol):
    """Everything a screen or widget may see of a session: it reads, plans and watches; it never acts."""


class Session(SessionView, Acting, Protocol):
    """The whole session, as the app holds it: `ConsoleSession`, or the snapshot tier's replay."""
