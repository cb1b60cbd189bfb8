"""`mrconsole operations MASTER`: the operations a master has been through, and each region's standing."""

from __future__ import annotations

import argparse
import asyncio

from mrconsole.cli.cloudargs import add_cloud_arguments, find_one, open_fleet
from mrconsole.cli.commands import about
from mrconsole.cli.common import EXIT_OK, CliError, print_json, print_table, stack_ref
from mrconsole.cli.output import add_format
from mrconsole.core.diagnosis.operations import operations
from mrconsole.core.errors import CloudError, PlanError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "operations",
        **about("operations"),
        description="The operations of a master, newest first: its rollouts as Heat records them in the master's "
        "environment (every operator's, from any machine), and what this machine's journal holds besides (a "
        "move, an evict, a snapshot, a restore, a re-apply). Each region's standing: CURRENT, OUTDATED (a "
        "rollout has not reached it) or FAILED.",
        epilog="exit codes:\n  0  read and shown\n  1  error (e.g. no such master)\n  2  bad invocation",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="MASTER", type=stack_ref)
    add_cloud_arguments(p)
    add_format(p, ("text", "json"), "text")
    p.set_defaults(func=cmd_operations)


def cmd_operations(args) -> int:
    return asyncio.run(_operations(args))


async def _operations(args) -> int:
    fleet = await open_fleet(args, every_region=True)
    try:
        found = await find_one(fleet, args.name, args.regions or None)
        view = await operations(fleet, found.stack.region, f"{found.stack.name}/{found.stack.id}")
    except (CloudError, PlanError, LookupError) as exc:
        raise CliError(getattr(exc, "message", None) or str(exc).strip("'\"")) from None
    finally:
        fleet.close()
    if args.format == "json":
        print_json({"master": view.master.name, "region": view.master.region, **vars_of(view)})
        return EXIT_OK
    m = view.master
    standing = "  ".join(f"{r} {s}" for r, s in sorted(view.regions.items())) or "no constituent"
    print(f"{m.name} ({m.region}): {standing}")
    rows = [
        [
            o.started,
            o.id,
            o.kind,
            o.by + (f" → {o.taken_over_by}" if o.taken_over_by else ""),
            o.state,
            " ".join(f"{r}={v}" for r, v in sorted(o.results.items())) or "-",
            o.source,
        ]
        for o in view.operations
    ]
    if rows:
        print_table(["STARTED", "ID", "KIND", "BY", "STATE", "REGIONS", "FROM"], rows)
    else:
        print("no operation recorded in Heat or in this machine's journal")
    return EXIT_OK


def vars_of(view) -> dict:
    return {"regions": view.regions, "operations": list(view.operations)}
