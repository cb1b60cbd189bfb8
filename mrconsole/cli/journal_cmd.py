"""`mrconsole journal`: every action taken, newest first."""

from __future__ import annotations

import time

from mrconsole.cli.common import print_json, print_table


def add_parser(sub) -> None:
    p = sub.add_parser("journal", help="the local journal of every action taken",
                       description="Every action taken from this machine, newest first.")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_journal)


def cmd_journal(args) -> int:
    from mrconsole.state.journal import Journal

    entries = Journal().entries(max(1, args.limit))
    if args.format == "json":
        print_json(entries)
        return 0
    rows = [[e.id, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(e.started_at)), e.user, e.cloud, e.region,
             e.stack_name, e.action + (" (out-of-band)" if e.out_of_band else ""), e.outcome,
             (e.message or "")[:60]] for e in entries]
    print_table(["ID", "TIME (UTC)", "USER", "CLOUD", "REGION", "STACK", "ACTION", "OUTCOME", "MESSAGE"], rows)
    return 0
