"""`mrconsole why STACK`: follow a failure across regions to its root cause."""

from __future__ import annotations

import argparse
import asyncio

from mrconsole.cli.cloudargs import add_cloud_arguments, find_one, open_fleet
from mrconsole.cli.commands import about
from mrconsole.cli.common import EXIT_FAILED, EXIT_OK, print_json, stack_ref, to_jsonable
from mrconsole.cli.output import add_format
from mrconsole.core.diagnosis.reports import HEADING, ROOT, why_lines
from mrconsole.core.diagnosis.why import why


def add_parser(sub) -> None:
    p = sub.add_parser(
        "why",
        **about("why"),
        description="From a failed stack (master or constituent), walk into failed constituents "
        "in their own regions and name the first resource that failed.",
        epilog="exit codes:\n  0  the stack has not failed\n  1  it failed (the root cause is shown)\n"
        "  2  bad invocation",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("stack", metavar="STACK", type=stack_ref)
    add_format(p, ("text", "json"), "text")
    add_cloud_arguments(p)
    p.set_defaults(func=cmd_why)


def cmd_why(args) -> int:
    return asyncio.run(_why(args))


async def _why(args) -> int:

    fleet = await open_fleet(args)
    try:
        detail = await find_one(fleet, args.stack, args.regions)
        report = await why(fleet, detail.stack.region, detail.stack.id)
    finally:
        fleet.close()
    if args.format == "json":
        print_json(
            {
                "stack": to_jsonable(report.start),
                "failed": report.failed,
                "path": [
                    {
                        "region": s.stack.region,
                        "stack": s.stack.name,
                        "status": s.stack.status,
                        "failed_resources": [r.name for r in s.failed_resources],
                    }
                    for s in report.steps
                ],
                "root_cause": to_jsonable(report.root),
                "what_to_do": report.root.instead if report.root else "",
                "unreachable": report.unreachable,
            }
        )
        return EXIT_FAILED if report.failed else EXIT_OK
    for line in why_lines(report):
        if line.kind in (ROOT, HEADING):
            print()  # the root cause and the events around it, set apart
        print(line.text)
    return EXIT_FAILED if report.failed else EXIT_OK
