"""`mrconsole timeline MASTER`: one incident's events, outages and actions, to paste into a post-mortem."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from mrconsole.cli.cloudargs import add_cloud_arguments, open_fleet
from mrconsole.cli.commands import about
from mrconsole.cli.common import EXIT_DEGRADED, EXIT_OK, EXIT_USAGE, CliError, print_json, stack_ref
from mrconsole.cli.events_cmd import parse_duration
from mrconsole.cli.output import add_format
from mrconsole.core.diagnosis.timeline import DEFAULT_SINCE, incident_timeline
from mrconsole.core.errors import CloudError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "timeline",
        **about("timeline"),
        description="One timeline of a master's incident: the merged events of every region, "
        "the outage windows the console saw, and every journaled action (hidden values masked).",
        epilog="exit codes:\n  0  written\n  1  error (e.g. no such master)\n  2  bad invocation\n"
        "  3  written, but a region could not be read (named in the timeline)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="MASTER", type=stack_ref)
    p.add_argument(
        "--since",
        default=DEFAULT_SINCE,
        metavar="DURATION",
        help=f"how far back (30m, 2h, 1d; default {DEFAULT_SINCE})",
    )
    add_format(p, ("md", "json"), "md")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    add_cloud_arguments(p)
    p.set_defaults(func=cmd_timeline)


def cmd_timeline(args) -> int:

    since = parse_duration(args.since).total_seconds()
    if since <= 0:
        raise CliError("--since must be longer than 0s", EXIT_USAGE)
    if args.output and Path(args.output).is_dir():
        raise CliError(f"--output {args.output}: is a directory", EXIT_USAGE)
    if args.output:  # before any read: an unwritable file is said at once, not after the cloud's answers
        try:
            Path(args.output).touch()
        except OSError as exc:
            raise CliError(f"--output {args.output}: {exc.strerror}", EXIT_USAGE) from None
    return asyncio.run(_timeline(args, since))


async def _timeline(args, since: float) -> int:

    fleet = await open_fleet(args)
    try:
        timeline = await incident_timeline(fleet, args.name, since)
    except (CloudError, LookupError) as exc:
        raise CliError(getattr(exc, "message", None) or str(exc).strip("'\"")) from None
    finally:
        fleet.close()
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        if args.format == "json":
            saved, sys.stdout = sys.stdout, out
            try:
                print_json(timeline)
            finally:
                sys.stdout = saved
        else:
            out.write(timeline.markdown())
    finally:
        if args.output:
            out.close()
    if args.output:
        print(
            f"timeline of {timeline.master}: {len(timeline.entries)} entries written to {args.output}", file=sys.stderr
        )
    return EXIT_DEGRADED if timeline.unreachable else EXIT_OK
