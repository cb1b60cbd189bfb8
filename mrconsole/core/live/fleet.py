"""The fleet: every region of one cloud (or of several opened together), read concurrently.

A fleet refresh takes as long as the slowest reachable region (bounded by
the deadline for an unreachable one), never the sum of the regions.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from mrconsole.cloud.connection import Cloud
from mrconsole.cloud.errors import KEYSTONE_UNREACHABLE, CloudError
from mrconsole.cloud.health import Health, HealthSnapshot
from mrconsole.core.acting.permissions import Permissions
from mrconsole.errors import InternalError
from mrconsole.models import Stack, split_region

# A region's health states, for the views (which see the core only, not the cloud layer).
__all__ = ["CloudDown", "Fleet", "Health", "RegionStacks"]


@dataclass(frozen=True)
class CloudDown:
    """A cloud whose Keystone does not answer: every region of it is unreachable for that one reason, said
    once rather than as one outage per region."""

    cloud: str
    reason: str  # as the regions say it: "Keystone unreachable: connection refused or failed"
    regions: tuple[str, ...]
    since: float | None  # wall clock: the earliest of its regions' down_since


@dataclass(frozen=True)
class RegionStacks:
    region: str
    stacks: tuple[Stack, ...]
    error: CloudError | InternalError | None
    fetched_at: float  # wall clock of this answer (or failure)

    @property
    def ok(self) -> bool:
        return self.error is None


def cloud_of_region(first: str, region: str) -> str:
    """The cloud of a region as the console names it: CLOUD/REGION for a cloud opened beside the first."""
    return split_region(first, region)[0]


def keystone_down_in(first: str, health) -> list[CloudDown]:
    """The clouds whose every region is down because their Keystone does not answer (the token could not be
    had: cloud/errors.py KEYSTONE_UNREACHABLE), from each region's last answer (HealthSnapshots: a live
    session's or a recording's). `first`: the first cloud's name. Cost: O(regions), no request."""
    by_cloud: dict[str, list] = {}
    for h in health:
        by_cloud.setdefault(cloud_of_region(first, h.region), []).append(h)
    out = []
    for cloud, snaps in by_cloud.items():
        if all(s.state == Health.DOWN and (s.last_error or "").startswith(KEYSTONE_UNREACHABLE) for s in snaps):
            since = [s.down_since for s in snaps if s.down_since is not None]
            out.append(
                CloudDown(cloud, str(snaps[0].last_error), tuple(s.region for s in snaps), min(since, default=None))
            )
    return out


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

    @property
    def cloud_names(self) -> list[str]:
        """Every cloud opened (one, or several: `--os-cloud` repeated), the first first."""
        return [c.name for c in self.cloud.members]

    def cloud_of(self, region: str) -> str:
        """The name of the cloud a region belongs to."""
        return self.cloud.cloud_of(region).name

    def auth_url(self, region: str) -> str:
        """The Keystone of the cloud a region belongs to ("" without auth)."""
        return self.cloud.cloud_of(region).auth_url

    async def token_expires(self):
        return await self.cloud.token_expires()

    def health(self) -> list[HealthSnapshot]:
        return [c.health.snapshot() for c in self.cloud.regions.values()]

    def keystone_down(self) -> list[CloudDown]:
        """The clouds whose Keystone does not answer (`keystone_down_in`). No request."""
        return keystone_down_in(self.name, self.health())

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
