"""Snapshots of a master, across regions (Heat's `stack snapshot`; RemoteStack snapshots each constituent).

A master's snapshot asks each constituent's region for a snapshot of that constituent
(RemoteStack.handle_snapshot) and records its id. A restore is an update of the master to the
snapshot's template in which each OS::Heat::Stack takes the template and parameters from its own
constituent's snapshot, read in that constituent's region (RemoteStack.handle_restore): every
constituent is then updated in its region to what it was. So a restore needs every constituent's
region; the plan refuses it before sending when one does not answer.

Cost of a plan: the master's read (3 + C requests) and its snapshot list (1).
"""

from __future__ import annotations

from dataclasses import dataclass

from mrconsole.cloud.errors import CloudError
from mrconsole.core.plan import PlanError
from mrconsole.core.preflight import BLOCKING, Finding
from mrconsole.core.topology import Topology, read_master


@dataclass(frozen=True)
class RestorePlan:
    topology: Topology
    snapshot: dict
    findings: tuple[Finding, ...]

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKING]

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
