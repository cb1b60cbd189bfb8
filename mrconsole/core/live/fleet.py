"""The fleet: every region of one cloud, read concurrently.

A fleet refresh takes as long as the slowest reachable region (bounded by
the deadline for an unreachable one), never the sum of the regions.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from mrconsole.cloud.connection import Cloud
from mrconsole.cloud.errors import CloudError
from mrconsole.cloud.health import Health, HealthSnapshot
from mrconsole.core.acting.permissions import Permissions
from mrconsole.errors import InternalError
from mrconsole.models import Stack

# A region's health states, for the views (which see the core only, not the cloud layer).
__all__ = ["Fleet", "Health", "RegionStacks"]


@dataclass(frozen=True)
class RegionStacks:
    region: str
    stacks: tuple[Stack, ...]
    error: CloudError | InternalError | None
    fetched_at: float  # wall clock of this answer (or failure)

    @property
    def ok(self) -> bool:
        return self.error is None


class Fleet:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.permissions = Permissions(self)  # what this login may do, region by region, asked once

    @property
    def name(self) -> str:
        return self.cloud.name

    @property
    def region_names(self) -> list[str]:
        return self.cloud.region_names

    def region(self, name: str):
        return self.cloud.region(name)

    async def token_expires(self):
        return await self.cloud.token_expires()

    def health(self) -> list[HealthSnapshot]:
        return [c.health.snapshot() for c in self.cloud.regions.values()]

    async def list_stacks(
        self, regions: list[str] | None = None, filters: dict | None = None, show_nested: bool = False
    ) -> dict[str, RegionStacks]:
        names = regions or self.region_names

        async def one(region: str) -> RegionStacks:
            try:
                stacks = await self.region(region).list_stacks(filters=filters, show_nested=show_nested)
                return RegionStacks(region, tuple(stacks), None, time.time())
            except (CloudError, InternalError) as exc:  # an InternalError is logged by the region client
                return RegionStacks(region, (), exc, time.time())

        results = await asyncio.gather(*(one(r) for r in names))
        return {r.region: r for r in results}

    async def probe_due_regions(self) -> list[str]:
        """Probe the down regions whose backoff has passed; returns the ones probed."""
        due = [c for c in self.cloud.regions.values() if c.health.probe_due()]

        async def probe(client):
            try:
                await client.probe()
            except CloudError:
                pass

        await asyncio.gather(*(probe(c) for c in due))
        return [c.region for c in due]

    async def monitor_health(self, stop: asyncio.Event, tick: float = 0.5) -> None:
        """Keep probing down regions until stop is set, so they recover by themselves."""
        while not stop.is_set():
            await self.probe_due_regions()
            try:
                await asyncio.wait_for(stop.wait(), tick)
            except TimeoutError:
                pass

    def close(self) -> None:
        self.cloud.close()
