"""`mrconsole journal`: every action taken, newest first."""

from __future__ import annotations

import time

from mrconsole.cli.cloudargs import add_cloud_arguments
from mrconsole.cli.commands import about
from mrconsole.cli.common import EXIT_USAGE, CliError, count_arg, print_json, print_table
from mrconsole.cli.output import add_format
from mrconsole.core.connect import Journal
from mrconsole.lab.options import lab_cloud_names


def add_parser(sub) -> None:
    p = sub.add_parser(
        "journal",
        **about("journal"),
        description="Every action taken from this machine, newest first.",
    )
    add_format(p, ("table", "json"), "table")
    p.add_argument("--limit", type=count_arg(1, 1_000_000), default=50)
    p.add_argument("--stack", metavar="NAME", help="only actions on this stack")
    add_cloud_arguments(p)  # --lab, --os-cloud and --region filter the entries
    p.set_defaults(func=cmd_journal)


def cmd_journal(args) -> int:

    if args.limit < 1:
        raise CliError("--limit must be at least 1", EXIT_USAGE)
    entries = Journal().entries(args.limit, cloud=_cloud_names(args), regions=args.regions, stack_name=args.stack)
    if args.format == "json":
        print_json(entries)
        return 0
    rows = [
        [
            e.id,
            time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(e.started_at)),
            e.user,
            e.cloud,
            e.region,
            e.stack_name,
            e.action + (" (out-of-band)" if e.out_of_band else ""),
            e.outcome,
            (e.message or "")[:60],
        ]
        for e in entries
    ]
    print_table(["ID", "TIME (UTC)", "USER", "CLOUD", "REGION", "STACK", "ACTION", "OUTCOME", "MESSAGE"], rows)
    return 0


def _cloud_names(args) -> list[str] | None:
    """The clouds whose entries to show (the first names the regions as the console does): each --os-cloud,
    or the lab's (its clouds.yaml names them); every cloud's without either."""
    if args.os_cloud:
        return list(args.os_cloud)
    if args.lab:
        return lab_cloud_names(args.lab_dir)
    return None
