"""Snapshots of a master, across regions (Heat's `stack snapshot`; RemoteStack snapshots each constituent).

A master's snapshot asks each constituent's region for a snapshot of that constituent
(RemoteStack.handle_snapshot) and records its id. A restore is an update of the master to the
snapshot's template in which each OS::Heat::Stack takes the template and parameters from its own
constituent's snapshot, read in that constituent's region (RemoteStack.handle_restore): every
constituent is then updated in its region to what it was. So a restore needs every constituent's
region; the plan refuses it before sending when one does not answer. The frozen template and
parameters stay in the master's template after the restore (checked on the lab, tests/lab/test_heat_snapshots.py):
its parameters no longer reach the constituents until an update with the master's template file.

Cost of a plan: the master's read (3 + C requests) and its snapshot list (1). A snapshot taken
before a risky change (`take_snapshot`): one request, then one snapshot list per second until it ends.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.actions import Actions, Target
from mrconsole.core.acting.findings import BLOCKING, Checked, Finding
from mrconsole.core.errors import PlanError
from mrconsole.core.master.topology import Topology, read_master


@dataclass(frozen=True)
class RestorePlan(Checked):
    topology: Topology
    snapshot: dict
    findings: tuple[Finding, ...]

    def lines(self) -> list[str]:
        m = self.topology.master
        s = self.snapshot
        out = [f"Restore {m.name} ({m.region}) to snapshot {s.get('name') or s['id']} of {s.get('creation_time')}:"]
        out.append(f"  {m.region}: {m.name} is updated to the snapshot's template and parameters")
        for c in self.topology.constituents:
            out.append(
                f"  {c.region}: {c.stack_name or c.resource} is updated to the template and parameters of its own "
                "snapshot (read there)"
            )
        if self.topology.constituents:
            out.append(
                "Heat writes each constituent's template and parameters, as they were, into the master's template "
                "(RemoteStack.handle_restore): after it, the master's parameters no longer reach its constituents. "
                f"An update of {m.name} with its own template file (-t) links them again."
            )
        return out


async def plan_restore(fleet, region: str, master: str, snapshot_id: str, read_only: bool = False) -> RestorePlan:
    if read_only:
        raise PlanError("read-only mode: restore is not allowed; nothing was sent")
    try:
        topo = await read_master(fleet, region, master)
    except CloudError as exc:
        raise PlanError(f"{master} in {region}: {exc.message}") from None
    snaps = await fleet.region(region).snapshots(topo.master)
    snap = next((s for s in snaps if snapshot_id in (s.get("id"), s.get("name"))), None)
    if snap is None:
        raise PlanError(f"{topo.master.name} has no snapshot {snapshot_id}", usage=True)
    findings = []
    if snap.get("status") != "COMPLETE":
        findings.append(Finding(BLOCKING, f"snapshot {snapshot_id} is {snap.get('status')}: it cannot be restored"))
    if topo.master.in_progress:
        findings.append(Finding(BLOCKING, f"{topo.master.name} is {topo.master.status}: wait for it"))
    for c in topo.constituents:
        if c.stack is None:
            findings.append(
                Finding(
                    BLOCKING,
                    f"{c.region} does not answer ({c.error}): a restore reads {c.resource}'s own snapshot there "
                    "and updates it there, so Heat would fail it",
                    f"wait for {c.region}, or evict it if it is gone for good",
                )
            )
        elif c.stack.in_progress:
            findings.append(Finding(BLOCKING, f"{c.stack.name} in {c.region} is {c.stack.status}: wait for it"))
    return RestorePlan(topo, snap, tuple(findings))


def snapshot_name(before: str) -> str:
    """The name of a snapshot taken before a change: what and when (UTC), so the list says why it exists."""
    return f"before-{before}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"


async def take_snapshot(actions: Actions, target: Target, name: str, limit: float = 300.0) -> dict:
    """Snapshot `target` (a master: every constituent in its region) and wait until Heat says it ended.

    Returns the snapshot (id, name, status COMPLETE); raises PlanError when it was refused or failed, so a
    change that was to follow it is not sent. Cost: 1 request, then 1 list per second until it ends, and
    while the record says IN_PROGRESS, 1 read of the stack: Heat 27 on MariaDB leaves a failed snapshot's
    record IN_PROGRESS for good when the failure's reason is longer than its column (seen on the lab:
    "Data too long for column 'status_reason'", a connection error's text), while the stack says
    SNAPSHOT_FAILED; sqlite has no such limit."""
    result = await actions.snapshot(target, name)
    if not result.ok:
        raise PlanError(f"the snapshot of {target.name} was refused: {result.message}; nothing else was sent")
    client = actions.fleet.region(target.region)
    stack = await client.get_stack(target.ref, outputs=False)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        mine = [s for s in await client.snapshots(stack.stack) if s.get("name") == name]
        if mine and mine[0].get("status") in ("COMPLETE", "FAILED"):
            snap = mine[0]
            actions.complete(result, f"SNAPSHOT_{snap['status']}")
            if snap["status"] != "COMPLETE":
                raise PlanError(
                    f"the snapshot of {target.name} failed ({snap.get('status_reason') or 'no reason given'}); "
                    "nothing else was sent"
                )
            return snap
        if mine:
            now = (await client.get_stack(target.ref, outputs=False)).stack
            if now.status == "SNAPSHOT_FAILED":
                actions.complete(result, "SNAPSHOT_FAILED")
                raise PlanError(
                    f"the snapshot of {target.name} failed ({now.status_reason or 'no reason given'}; Heat left "
                    "its snapshot record IN_PROGRESS); nothing else was sent"
                )
        await asyncio.sleep(1.0)
    raise PlanError(f"the snapshot of {target.name} did not end within {limit:.0f}s; nothing else was sent")
