"""`mrconsole status`: each region's health and latency, and its stacks."""

from __future__ import annotations

import asyncio
import sys

from mrconsole.cli.cloudargs import add_cloud_arguments, open_fleet
from mrconsole.cli.commands import about
from mrconsole.cli.common import EXIT_DEGRADED, EXIT_FAILED, EXIT_OK, print_json, print_table
from mrconsole.cli.master_status import master_status
from mrconsole.cli.output import add_format
from mrconsole.core.errors import INTERNAL_MESSAGE, InternalError
from mrconsole.core.live.fleet import Health
from mrconsole.core.text import age, when


def add_parser(sub) -> None:
    p = sub.add_parser(
        "status",
        **about("status"),
        description="Show each region's health and latency, and its stacks.",
        epilog="exit codes:\n  0  every region is up (or degraded: slow but answering)\n"
        "  1  error (bad credentials, an internal error of mrconsole's: see mrconsole.log)\n"
        "  2  bad invocation (unknown cloud or region)\n"
        "  3  a region is down (or, with --master, the master is in outage mode)",
        formatter_class=__import__("argparse").RawDescriptionHelpFormatter,
    )
    add_cloud_arguments(p)
    p.add_argument(
        "--master",
        metavar="NAME",
        help="show one master and its constituents (works while the master's region is down, from the topology cache)",
    )
    add_format(p, ("table", "json"), "table")
    p.set_defaults(func=cmd_status)


def cmd_status(args) -> int:
    return asyncio.run(_status(args))


async def _status(args) -> int:
    fleet = await open_fleet(args, authenticate=True)
    try:
        if args.master:
            return await master_status(fleet, args)
        listing = await fleet.list_stacks()
    finally:
        fleet.close()
    health = {h.region: h for h in fleet.health()}
    any_down = any(h.state == Health.DOWN for h in health.values())
    clouds_down = fleet.keystone_down()
    if args.format == "json":
        down = {d.cloud: d for d in clouds_down}
        print_json(
            {
                "cloud": fleet.name,
                # A mapping, not a list: `regions` stays the one list of rows that -f value|csv and -c read.
                "clouds": {
                    name: {
                        "keystone": "down" if name in down else "up",
                        "reason": down[name].reason if name in down else None,
                    }
                    for name in fleet.cloud_names
                },
                "regions": [
                    {
                        "name": region,
                        "cloud": fleet.cloud_of(region),
                        "health": health[region].state,
                        "latency_ms": round(health[region].latency_ms, 1) if health[region].latency_ms else None,
                        "last_error": rs.error.message if rs.error else (_slow(health[region]) or None),
                        "stacks": None
                        if rs.error
                        else [
                            {
                                "name": s.name,
                                "id": s.id,
                                "status": s.status,
                                "status_reason": s.status_reason,
                                "updated_time": s.changed_time,
                            }
                            for s in rs.stacks
                        ],
                    }
                    for region, rs in listing.items()
                ],
            }
        )
    else:
        names = fleet.cloud_names
        print(f"cloud: {names[0]}" if len(names) == 1 else f"clouds: {', '.join(names)}")
        for d in clouds_down:  # one line for the cloud, not one outage per region
            print(f"cloud {d.cloud}: {d.reason}: none of its {len(d.regions)} region(s) can be asked")
        rows = []
        for region, rs in listing.items():
            h = health[region]
            rows.append(
                [
                    region,
                    h.state,
                    f"{h.latency_ms:.0f} ms" if h.latency_ms is not None and not rs.error else "-",
                    "-" if rs.error else len(rs.stacks),
                    rs.error.message if rs.error else _slow(h),
                ]
            )
        print_table(["REGION", "HEALTH", "LATENCY", "STACKS", "ERROR"], rows)
        stack_rows = [
            [s.region, s.name, s.status, when(s.changed_time), age(s.changed_time)]
            for rs in listing.values()
            for s in rs.stacks
        ]
        if stack_rows:
            print()
            print_table(["REGION", "STACK", "STATUS", "UPDATED", "AGE"], stack_rows)
    internal = [region for region, rs in listing.items() if isinstance(rs.error, InternalError)]
    if internal:
        # Our bug, not an outage: the regions are shown as they are, and the run fails.
        print(f"mrconsole: error: {', '.join(internal)}: {INTERNAL_MESSAGE}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_DEGRADED if any_down else EXIT_OK


def _slow(h) -> str:
    """A region that answers, slowly: said as such (exit 0 still: it answers, and a runbook should not
    stop because a region is slow)."""
    return f"slow: {h.latency_ms / 1000:.1f} s per request" if h.slow else ""
