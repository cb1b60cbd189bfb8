"""`mrconsole status --master NAME`: a master and its constituents, even in an outage."""

from __future__ import annotations

import time

from mrconsole.cli.common import EXIT_DEGRADED, EXIT_OK, CliError, print_json
from mrconsole.core.master.outage import MISSING, MasterMode, master_state
from mrconsole.core.text import age


async def master_status(fleet, args) -> int:

    state = await master_state(fleet, args.master)
    if state.mode == MISSING:
        raise CliError(state.master_error or f"master {args.master} not found")
    topo = state.topology
    if topo is None:  # master_state gives a topology for every mode but MISSING
        raise CliError(state.master_error or f"master {args.master}: nothing is known of it")
    rows = [
        {
            "resource": c.resource,
            "region": c.region,
            "stack_name": c.stack_name,
            "stack_id": c.stack_id,
            "status": c.status,
            "live": c.stack is not None,
            "error": c.error,
            "discovered": c.discovered,
        }
        for c in topo.constituents
    ]
    if args.format == "json":
        print_json(
            {
                "master": args.master,
                "mode": state.mode,
                "degraded": state.degraded,
                "master_region": state.master_region,
                "master_status": topo.master.status,
                "master_error": state.master_error,
                "cached_age_seconds": round(time.time() - state.cached_at, 1) if state.cached_at else None,
                "constituents": rows,
                "edges": [e.label() for e in topo.edges],
                "unreachable": state.unreachable,
                "stale": (
                    {"owned_by": state.claim.name, "region": state.claim.region, "master_id": state.claim.master_id}
                    if state.claim
                    else None
                ),
                "stale_twins": list(state.twins),
            }
        )
    else:
        if state.mode == MasterMode.OUTAGE:
            print(
                f"OUTAGE: master {topo.master.name} in {state.master_region} is unreachable "
                f"({state.master_error}); master data from the cache, {age(state.cached_at)} old"
            )
        elif state.mode == MasterMode.DISCOVERED:
            print(f"master {args.master} not reachable and never cached: constituents DISCOVERED by name")
        if state.claim is not None:
            print(
                f"STALE: {topo.master.name} in {state.master_region}: {state.claim.name} in {state.claim.region} "
                f"(created later) owns its constituents; abandon this one "
                f"(mrconsole abandon {topo.master.name} --region {state.master_region}), never delete it"
            )
        for twin in state.twins:
            print(f"STALE: {twin}")
        print(
            f"master  {topo.master.name}  [{state.master_region or '?'}]  {topo.master.status}"
            + ("  (stale)" if state.degraded else "")
        )
        for r in rows:
            live = "live" if r["live"] else f"not read: {r['error']}"
            tag = "  (discovered)" if r["discovered"] else ""
            print(f"  {r['resource']:<16} [{r['region']}]  {r['stack_name'] or '-'}  {r['status']}  {live}{tag}")
        for e in topo.edges:
            print(f"  data: {e.label()}")
    if state.degraded or state.claim is not None:
        return EXIT_DEGRADED
    return EXIT_OK if not any(c.error for c in topo.constituents) else EXIT_DEGRADED
