"""A rollout's stored plan: the waves, the change's kind and the values before, as the journal recorded them
(`rollout-plan`), and where a rollout stands, read back from Heat with them. What lets the next console or
command continue or stop a rollout another one began."""

from __future__ import annotations

import asyncio

from mrconsole.core.master.topology import Topology, read_master
from mrconsole.core.rollout.waves import RolloutStatus, read_status
from mrconsole.state.journal import Journal

PLAN_ACTION = "rollout-plan"  # the journal entry that records the waves and the values before


def planned_waves(entries, master_id: str) -> tuple[tuple[tuple[str, ...], ...], str, dict]:
    """From the journal (newest first): the waves, the change's kind and the values before, as the
    newest rollout plan of this master recorded them."""
    for j in entries:
        if j.action == PLAN_ACTION and j.stack_id == master_id and j.message:
            head, _, rest = j.message.partition(" · ")
            kind = rest.partition(" · ")[0]
            waves = tuple(tuple(r for r in part.split(",") if r) for part in head.removeprefix("waves ").split(";"))
            return waves, kind, dict(j.parameters)
    return (), "", {}


async def rollout_state(fleet, region: str, master: str, journal=None) -> tuple[Topology, RolloutStatus]:
    """The master read now, and where a rollout of it stands (Heat, plus the waves its plan journaled).
    Cost: the master's read (3 + C requests), then read_status (3 requests) and one journal query."""
    topo = await read_master(fleet, region, master)
    entries = await asyncio.to_thread((journal or Journal()).entries, 200, stack_name=topo.master.name)
    waves, _kind, _previous = planned_waves(entries, topo.master.id)
    return topo, await read_status(fleet, topo, waves)


async def journaled_plan(master_id: str, master_name: str, journal=None) -> tuple[str, dict]:
    """The change's kind and the values before, as the newest rollout plan journaled them."""
    entries = await asyncio.to_thread((journal or Journal()).entries, 200, stack_name=master_name)
    _waves, kind, previous = planned_waves(entries, master_id)
    return kind, previous
