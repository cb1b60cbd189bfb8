"""`mrconsole drift NAME`: after an outage, what drifted and what was left behind."""

from __future__ import annotations

import argparse
import asyncio

from mrconsole.cli.cloudargs import add_cloud_arguments, open_fleet
from mrconsole.cli.commands import about
from mrconsole.cli.common import EXIT_OK, CliError, print_json, stack_ref
from mrconsole.cli.output import add_format
from mrconsole.core.diagnosis.reports import drift_lines
from mrconsole.core.errors import CloudError
from mrconsole.core.master.outage import drift

EXIT_DRIFT = 4


def add_parser(sub) -> None:
    p = sub.add_parser(
        "drift",
        **about("drift"),
        description="Compare what a master records and intends with its constituents' "
        "actual state; find remote stacks it no longer references; suggest reconciliation.",
        epilog="exit codes:\n  0  no drift and no orphans\n  1  error (e.g. master unreachable)\n"
        "  2  bad invocation\n  4  drift or orphans found",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="MASTER", type=stack_ref)
    add_format(p, ("text", "json"), "text")
    add_cloud_arguments(p)
    p.set_defaults(func=cmd_drift)


def cmd_drift(args) -> int:
    return asyncio.run(_drift(args))


async def _drift(args) -> int:

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
    for line in drift_lines(report):
        print(line.text)
    return EXIT_OK if report.clean else EXIT_DRIFT
