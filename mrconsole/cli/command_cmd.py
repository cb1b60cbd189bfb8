"""`mrconsole command NAME [STACK] --region R [--resource RES]`: run a user command from the config file.

The command line's twin of the console's user-command keys (core/acting/user_commands.py): the same variables,
the same refusals (a dangerous command in read-only mode), the command's own output and exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess

from mrconsole import config
from mrconsole.cli.cloudargs import add_cloud_arguments, open_fleet
from mrconsole.cli.commands import about
from mrconsole.cli.common import EXIT_FAILED, EXIT_USAGE, CliError, ask_yes, print_json, stack_ref
from mrconsole.cli.output import add_format
from mrconsole.core.acting.user_commands import CommandConfigError, Subject, environment, of_config, refusal
from mrconsole.core.errors import CloudError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "command",
        **about("command"),
        description="Run a named command from the config file's `commands:` list, with $MRCONSOLE_CLOUD, "
        "$MRCONSOLE_REGION, $MRCONSOLE_STACK, $MRCONSOLE_STACK_ID, $MRCONSOLE_RESOURCE and "
        "$MRCONSOLE_PHYSICAL_ID in its environment.",
        epilog="exit codes: the command's own; 1 refused or not found; 2 bad invocation",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="NAME", nargs="?", help="the command's name (none: list them)")
    p.add_argument(
        "stack", metavar="STACK", type=stack_ref, nargs="?", help="the stack it runs on (scope stack or resource)"
    )
    p.add_argument("--resource", default="", metavar="RES", help="the resource it runs on (scope resource)")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask before a dangerous command")
    add_cloud_arguments(p)
    add_format(p, ("text", "json"), "text")
    p.set_defaults(func=cmd_command)


def cmd_command(args) -> int:
    conf = config.load()
    try:
        commands = {c.name: c for c in of_config(conf)}
    except CommandConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    if not args.name:
        if args.format == "json":
            print_json(list(commands.values()))
        else:
            for c in commands.values():
                mark = " (dangerous)" if c.dangerous else ""
                print(f"{c.name:<20} {c.scope:<9} {c.key or '-':<8} {c.command}{mark}")
            if not commands:
                print(f"no commands in {conf.path}")
        return 0
    cmd = commands.get(args.name)
    if cmd is None:
        raise CliError(f"no command {args.name!r} in {conf.path} (it has: {', '.join(commands) or 'none'})")
    if len(args.regions) != 1:
        raise CliError(f"command {cmd.name} needs the region it runs in: --region R", EXIT_USAGE)
    if cmd.scope != "region" and not args.stack:
        raise CliError(f"command {cmd.name} runs on a {cmd.scope}: give the STACK", EXIT_USAGE)
    subject = asyncio.run(_subject(args, cmd))
    read_only = bool(args.read_only) or conf.read_only(subject.cloud)
    refused = refusal(cmd, subject, read_only)
    if refused:
        raise CliError(refused, EXIT_FAILED if cmd.dangerous and read_only else EXIT_USAGE)
    if cmd.dangerous and not args.yes:
        ask_yes(f"running {cmd.name}", f"Run {cmd.name} (marked dangerous)?", [cmd.command])
    # The values reach the shell as environment variables only (never spliced into its text).
    done = subprocess.run(cmd.command, shell=True, env=environment(cmd, subject), check=False)
    return done.returncode


async def _subject(args, cmd) -> Subject:
    fleet = await open_fleet(args)
    region = args.regions[0]
    try:
        if cmd.scope == "region":
            return Subject(fleet.name, region)
        client = fleet.region(region)
        try:
            detail = await client.get_stack(args.stack, outputs=False)
            physical = ""
            if args.resource:
                found = {r.name: r for r in await client.resources(detail.stack)}
                if args.resource not in found:
                    raise CliError(f"{detail.stack.name} has no resource {args.resource}", EXIT_USAGE)
                physical = found[args.resource].physical_id
        except CloudError as exc:
            raise CliError(f"{args.stack} in {region}: {exc.message}", EXIT_FAILED) from None
        return Subject(fleet.name, region, detail.stack.name, detail.stack.id, args.resource, physical)
    finally:
        fleet.close()
