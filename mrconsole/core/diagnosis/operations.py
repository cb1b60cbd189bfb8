"""The operations a master has been through, and where each region stands: `mrconsole operations` (#36).

Two sources, said per row: the records Heat keeps in the master's environment
(core/rollout/record.py: every operator's rollouts, from any machine), and this
machine's journal for what has no record in Heat (a move, an evict, a
snapshot, a restore, a re-apply, a rollout an older version started).

Each region's standing, the StackSets way, apart from the last operation's
result: FAILED when a constituent there is failed, OUTDATED when a rollout has
not reached it yet (held, waiting, or left behind), CURRENT otherwise.

Cost: the master's read and where a rollout stands (core/rollout/stored.py
rollout_state: 6 + C requests) and one journal query; nothing grows with the
other stacks of a region.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mrconsole.core.rollout.record import RUNNING
from mrconsole.core.rollout.record import STOPPED as STOPPED_RECORD
from mrconsole.core.rollout.stored import PLAN_ACTION, rollout_state
from mrconsole.core.rollout.waves import FAILED, STOPPED, UPDATED, RolloutStatus, worst_by_region
from mrconsole.models import Stack
from mrconsole.state.journal import Journal

CURRENT, OUTDATED, FAILED_REGION = "CURRENT", "OUTDATED", "FAILED"
# The journal's actions that are operations of a master, with the word the history shows.
JOURNALED = {
    "rehome": "move",
    "evict": "evict",
    "snapshot": "snapshot",
    "restore": "restore",
    "snapshot-delete": "snapshot delete",
    "reapply": "re-apply",
    "abandon": "abandon",
}


@dataclass(frozen=True)
class Operation:
    id: str
    kind: str
    by: str
    started: str  # ISO 8601, UTC
    state: str  # a record's (running, done, rolled back, stopped) or a journal entry's outcome
    source: str  # "heat" (the master's environment) or "journal" (this machine)
    results: dict[str, str] = field(default_factory=dict)  # region -> result
    reason: str = ""
    taken_over_by: str = ""


@dataclass(frozen=True)
class OperationsView:
    master: Stack
    regions: dict[str, str]  # region -> CURRENT / OUTDATED / FAILED
    operations: tuple[Operation, ...]  # newest first


def standing(status: RolloutStatus) -> dict[str, str]:
    """Each constituent's region: FAILED, OUTDATED or CURRENT (see the module's docstring)."""
    op = status.operation

    def word(state: str) -> str:
        if state == FAILED:
            return FAILED_REGION
        return OUTDATED if op is not None and state != UPDATED else CURRENT

    known = (c for c in status.constituents if c.region != "?")
    return worst_by_region(((c.region, word(c.state)) for c in known), (CURRENT, OUTDATED, FAILED_REGION))


def _from_journal(entries, known: set[str]) -> list[Operation]:
    out = []
    for j in entries:
        kind = JOURNALED.get(j.action)
        op_id = f"journal-{j.id}"
        if j.action == PLAN_ACTION:
            recorded = (j.message or "").rpartition(" · ")[2]
            if recorded.startswith("op-") and recorded in known:
                continue  # Heat has its record
            kind = "rollout"
            op_id = recorded if recorded.startswith("op-") else op_id
        if kind is None:
            continue
        started = datetime.fromtimestamp(j.started_at, UTC).isoformat(timespec="seconds")
        out.append(
            Operation(op_id, kind, j.user, started, j.outcome, "journal", {j.region: j.outcome}, j.message or "")
        )
    return out


async def operations(fleet, region: str, master: str, journal=None, limit: int = 200) -> OperationsView:
    topo, status = await rollout_state(fleet, region, master, journal)
    from_heat = [
        Operation(
            r.id,
            r.kind,
            r.by,
            r.started,
            r.state if not (r.state == RUNNING and status.phase == STOPPED) else STOPPED_RECORD,
            "heat",
            dict(r.results),
            f"waves {';'.join(','.join(w) for w in r.waves)} · {r.change}" if r.waves else r.change,
            r.taken_over_by,
        )
        for r in status.records
    ]
    entries = await asyncio.to_thread((journal or Journal()).entries, limit, stack_name=topo.master.name)
    mine = [j for j in entries if j.stack_id in (None, topo.master.id) or j.master_id == topo.master.id]
    merged = from_heat + _from_journal(mine, {r.id for r in status.records})
    merged.sort(key=lambda o: o.started, reverse=True)
    return OperationsView(status.master, standing(status), tuple(merged))
