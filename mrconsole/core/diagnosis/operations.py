"""The operations a master has been through, and where each region stands: `mrconsole operations` (#36).

Two sources, said per row: what Heat keeps (the records in the master's
environment, core/rollout/record.py: every operator's rollouts, moves and
evicts, from any machine; and the master's snapshots, Heat's own list), and
this machine's journal for what Heat keeps no record of (a restore, a
re-apply, a snapshot deleted since, a rollout an older version started).

A move's or an evict's record is written with the adopt that makes the new
master, already ended: while that adopt is the master's last action and did
not complete, the row says what Heat says of it (running, failed).

Each region's standing, the StackSets way, apart from the last operation's
result: FAILED when a constituent there is failed, OUTDATED when a rollout has
not reached it yet (held, waiting, or left behind), CURRENT otherwise.

Cost: the master's read and where a rollout stands (core/rollout/stored.py
rollout_state: 6 + C requests), its snapshot list (1 request) and one journal
query; nothing grows with the other stacks of a region.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mrconsole.core.errors import CloudError
from mrconsole.core.rollout.record import RUNNING, OperationRecord
from mrconsole.core.rollout.record import STOPPED as STOPPED_RECORD
from mrconsole.core.rollout.stored import PLAN_ACTION, rollout_state
from mrconsole.core.rollout.waves import FAILED, STOPPED, UPDATED, RolloutStatus, worst_by_region
from mrconsole.models import Stack
from mrconsole.state.journal import Journal, named

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
    "import": "import",
    "release-constituent": "release",
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


# The journal's actions a record in Heat stands for, by the record's kind: the adopt that made the master (a
# move's and an evict's are both journaled "rehome", an import's "import") and the evict's own entry.
ADOPT_KINDS = {"move": ("rehome",), "evict": ("rehome", "evict"), "import": ("import",)}


def _from_journal(entries, known: set[str], master_id: str, in_heat: set[str], snapshots: set[str]) -> list[Operation]:
    """This machine's rows Heat does not already show: `known`, the ids of Heat's records; `in_heat`, their
    kinds; `snapshots`, the names of the master's snapshots Heat lists."""
    standing_for = {a for kind in in_heat for a in ADOPT_KINDS.get(kind, ())}
    out = []
    for j in entries:
        kind = JOURNALED.get(j.action)
        op_id = f"journal-{j.id}"
        if j.action in standing_for and j.stack_id == master_id:
            continue  # the adopt that made this master: Heat has its record
        if j.action == "snapshot" and (j.parameters or {}).get("name") in snapshots:
            continue  # Heat lists it
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


def _state(r: OperationRecord, status: RolloutStatus, newest_adopt: str) -> str:
    """A record's state as Heat stands now: a rollout Heat stopped says so; the adopt that wrote a move's or
    an evict's record, while it is the master's last action and not complete, says what Heat says of it."""
    if r.state == RUNNING and status.phase == STOPPED:
        return STOPPED_RECORD
    master = status.master
    if r.id == newest_adopt and master.status.startswith("ADOPT_") and master.status != "ADOPT_COMPLETE":
        return "running" if master.in_progress else "failed"
    return r.state


def _snapshots(snapshots: list[dict], region: str) -> list[Operation]:
    """Heat's list of the master's snapshots, as rows (Heat does not say who took one)."""
    out = []
    for snap in snapshots:
        status = str(snap.get("status") or "?")
        state = {"COMPLETE": "done", "FAILED": "failed", "IN_PROGRESS": "running"}.get(status, status.lower())
        started = str(snap.get("creation_time") or "")
        if started and "+" not in started and not started.endswith("Z"):
            started += "+00:00"  # Heat's times are UTC, said without a zone
        out.append(
            Operation(
                f"snapshot-{str(snap.get('id') or '?')[:8]}",
                "snapshot",
                "",
                started,
                state,
                "heat",
                {region: status},
                str(snap.get("name") or ""),
            )
        )
    return out


async def operations(fleet, region: str, master: str, journal=None, limit: int = 200) -> OperationsView:
    topo, status = await rollout_state(fleet, region, master, journal)
    newest_adopt = next((r.id for r in status.records if r.kind in ADOPT_KINDS), "")
    from_heat = [
        Operation(
            r.id,
            r.kind,
            r.by,
            r.started,
            _state(r, status, newest_adopt),
            "heat",
            dict(r.results),
            f"waves {';'.join(','.join(w) for w in r.waves)} · {r.change}" if r.waves else r.change,
            r.taken_over_by,
        )
        for r in status.records
    ]
    m = topo.master
    try:
        snapshots = await fleet.region(m.region).snapshots(m)
    except CloudError:
        snapshots = []  # the history without them; the journal still has this machine's
    from_heat += _snapshots(snapshots, m.region)
    entries = named(await asyncio.to_thread((journal or Journal()).entries, limit, stack_name=m.name), fleet.name)
    mine = [j for j in entries if j.stack_id in (None, m.id) or j.master_id == m.id]
    kinds = {r.kind for r in status.records}
    names = {str(snap.get("name")) for snap in snapshots if snap.get("name")}
    merged = from_heat + _from_journal(mine, {r.id for r in status.records}, m.id, kinds, names)
    merged.sort(key=lambda o: o.started, reverse=True)
    return OperationsView(status.master, standing(status), tuple(merged))
