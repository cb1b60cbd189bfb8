"""`mrconsole drift NAME`: after an outage, what drifted and what was left behind."""

from __future__ import annotations

import argparse
import asyncio

from mrconsole.cli.cloudargs import add_cloud_arguments, open_fleet
from mrconsole.cli.common import EXIT_OK, CliError, print_json

EXIT_DRIFT = 4


def add_parser(sub) -> None:
    p = sub.add_parser("drift", help="recovery report: constituents changed out of band, and orphans",
                       description="Compare what a master records and intends with its constituents' "
                       "actual state; find remote stacks it no longer references; suggest reconciliation.",
                       epilog="exit codes:\n  0  no drift and no orphans\n  1  error (e.g. master unreachable)\n"
                       "  2  bad invocation\n  4  drift or orphans found",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", metavar="MASTER")
    p.add_argument("--format", choices=("text", "json"), default="text")
    add_cloud_arguments(p)
    p.set_defaults(func=cmd_drift)


def cmd_drift(args) -> int:
    return asyncio.run(_drift(args))


async def _drift(args) -> int:
    from mrconsole.cloud.errors import CloudError
    from mrconsole.core.outage import drift

    fleet = await open_fleet(args)
    try:
        report = await drift(fleet, args.name)
    except CloudError as exc:
        raise CliError(exc.message) from None
    finally:
        fleet.close()
    if args.format == "json":
        print_json(report)
        return EXIT_OK if report.clean else EXIT_DRIFT
    m = report.master
    print(f"master {m.name} [{m.region}] {m.status}")
    for c in report.constituents:
        mark = "DRIFT" if c.drifted else "ok"
        print(f"  {c.resource:<16} [{c.region}] {c.stack_name}: {mark}" + (f" ({c.error})" if c.error else ""))
        for d in c.differences:
            print(f"      {d.what}: master says {d.master_says}, actual {d.actual}")
    for o in report.orphans:
        print(f"  ORPHAN [{o.region}] {o.stack_name} {o.status} (was {o.resource})")
    for region, msg in report.unreachable.items():
        print(f"  note: {region} unreachable ({msg}): orphans there are unknown")
    if report.suggestions:
        print("suggested:")
        for s in report.suggestions:
            print(f"  {s.command}    # {s.why}")
    if report.clean:
        print("no drift, no orphans")
    return EXIT_OK if report.clean else EXIT_DRIFT
