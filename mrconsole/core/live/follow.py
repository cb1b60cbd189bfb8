"""What an event stream follows: a master with its constituents, regions, or stacks.

A master's constituents appear while it runs (their stack ids are known only
once Heat has created them remotely, and a replacement gets a new id), so
while the master is IN_PROGRESS its resource list is re-read every second
and any new constituent is followed from its first event.
"""

from __future__ import annotations

import asyncio

from mrconsole.cloud.errors import CloudError
from mrconsole.core.live.events import EventStream
from mrconsole.core.master.topology import Topology, read_master
from mrconsole.errors import INTERNAL_MESSAGE, InternalError
from mrconsole.logs import logger
from mrconsole.template.heat import REMOTE_STACK


class MasterFollow:
    def __init__(self, fleet, stream: EventStream, topology: Topology):
        self.fleet = fleet
        self.stream = stream
        self.topology = topology
        self._known_ids: set[str] = set()
        self.error = ""  # INTERNAL_MESSAGE after a bug in finding new constituents (logged)
        stream.follow(
            topology.master.region,
            topology.master.name,
            topology.master.id,
            status=topology.master.status,
            updated=topology.master.updated_time,
        )
        for c in topology.constituents:
            self._add(c.region, c.stack_name, c.stack_id, c.stack.status if c.stack else "")

    def _add(self, region, name, stack_id, status="") -> None:
        if region and name and stack_id and stack_id not in self._known_ids:
            self._known_ids.add(stack_id)
            self.stream.follow(region, name, stack_id, status=status)

    def _master_followed(self):
        m = self.topology.master
        return self.stream.get(m.region, m.id)

    def master_busy(self) -> bool:
        f = self._master_followed()
        return bool(f and f.in_progress)

    async def refresh(self, resources: list | None = None) -> None:
        """Follow constituents not yet followed, from the master's resources
        (re-read here unless the caller has just read them)."""
        m = self.topology.master
        if resources is None:
            try:
                resources = await self.fleet.region(m.region).resources(m)
            except CloudError:
                return
        for r in resources:
            if r.type != REMOTE_STACK or not r.physical_id or r.physical_id in self._known_ids:
                continue
            c = self.topology.constituent(r.name)
            region = c.region if c else None
            if not region or region not in self.fleet.region_names:
                continue
            try:
                detail = await self.fleet.region(region).get_stack(r.physical_id)
            except CloudError:
                continue
            if c:
                c.stack_id, c.stack_name, c.stack = r.physical_id, detail.stack.name, detail.stack
            self._add(region, detail.stack.name, r.physical_id, detail.stack.status)

    async def run(self, stop: asyncio.Event, interval: float = 1.0) -> None:
        while not stop.is_set():
            if self.master_busy() or any(c.stack_id is None for c in self.topology.constituents):
                try:
                    await self.refresh()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - a bug must not stop the follow: logged, retried
                    # Only a bug gets here (refresh() handles every CloudError): its traceback to the log,
                    # kept for the caller to say, and the next round retries.
                    if not isinstance(exc, InternalError):
                        logger().exception("following %s: finding new constituents failed", self.topology.master.name)
                    self.error = INTERNAL_MESSAGE
            try:
                await asyncio.wait_for(stop.wait(), interval)
            except TimeoutError:
                pass

    def finished(self) -> bool:
        """The master's action and every constituent's action are over."""
        followed = self.stream.followed()
        return bool(followed) and all(f.primed and not f.pending and not f.in_progress for f in followed)

    def succeeded(self) -> bool:
        f = self._master_followed()
        return bool(f) and not f.status.endswith("_FAILED")


async def follow_master(fleet, stream: EventStream, region: str, name_or_id: str) -> MasterFollow:
    topology = await read_master(fleet, region, name_or_id)
    return MasterFollow(fleet, stream, topology)
