"""The options every cloud-facing command shares, and opening the fleet.

What opens the fleet (the cloud layer, keystoneauth, heatclient: most of a start's imports) is imported by
the functions that open it: `--help`, a TAB and a bad option build the options and never pay for it
(tests/unit/test_cli_start.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from mrconsole import config
from mrconsole.cli.common import EXIT_DEGRADED, EXIT_FAILED, EXIT_USAGE, CliError, seconds_arg

# `--timeout` meant the HTTP read timeout here until `openstack stack`'s meaning (the stack's timeout in
# minutes) took it over in `stack create|update`; elsewhere the old spelling works for one release.
OLD_TIMEOUT_NOTE = (
    "mrconsole: note: --timeout SECONDS after the command is deprecated: use --request-timeout "
    "(--timeout is the stack's timeout in minutes in `stack create|update`, as in `openstack stack`)"
)


def add_cloud_arguments(parser, stack_timeout: bool = False) -> None:
    """`stack_timeout`: the command has `--timeout MINUTES` of its own, so no deprecated alias here."""

    g = parser.add_argument_group("cloud")
    g.add_argument(
        "--os-cloud",
        dest="os_cloud",
        action="append",
        metavar="CLOUD",
        help="cloud name in clouds.yaml (default: $OS_CLOUD, else the config's `open` list); repeat it to open "
        "several clouds together: the regions of each after the first are named CLOUD/REGION",
    )
    g.add_argument(
        "--region", dest="regions", action="append", default=[], metavar="R", help="only this region (repeatable)"
    )
    g.add_argument("--lab", action="store_true", help="use the local lab's cloud (see `mrconsole lab`)")
    g.add_argument("--lab-dir", metavar="DIR", help="the lab's directory, with --lab")
    g.add_argument(
        "--request-timeout",
        type=seconds_arg(0, 3600, above=True),
        default=None,
        metavar="SECONDS",
        help="read timeout per HTTP request (default 10; connect timeout is 3)",
    )
    if not stack_timeout:
        g.add_argument(
            "--timeout",
            dest="old_timeout",
            type=seconds_arg(0, 3600, above=True),
            default=None,
            help=argparse.SUPPRESS,  # deprecated spelling of --request-timeout (OLD_TIMEOUT_NOTE)
        )
    g.add_argument(
        "--read-only",
        action="store_true",
        help="refuse every action that would change a stack (the console hides them)",
    )
    g.add_argument(
        "--show-requests",
        action="store_true",
        help="when the command ends, print on stderr every HTTP request it sent (method, path, status, ms, "
        "request ids), one line each",
    )


# Options the OpenStack CLI accepts before the command (`openstack --os-cloud prod stack list`);
# main.hoist_global_options moves them after it, where each command's parser takes them.
# `--timeout` before the command is the request timeout, as `openstack --timeout 30 stack ...` has it.
GLOBAL_WITH_VALUE = ("--os-cloud", "--region", "--timeout", "--request-timeout", "--format", "-f", "--lab-dir")
GLOBAL_FLAGS = ("--lab", "--read-only", "--show-requests")


def add_global_arguments(parser) -> None:
    """The options above on the parser before the command, for the shell's completion only: argcomplete reads
    the line as typed, and `mrconsole --os-cloud prod stack sh<TAB>` took `prod` for the command. (A command
    run has them moved after the command instead: main.hoist_global_options.)"""
    for flag in GLOBAL_FLAGS:
        parser.add_argument(flag, action="store_true", help=argparse.SUPPRESS)
    for option in GLOBAL_WITH_VALUE:
        dest = {"--os-cloud": "os_cloud", "--region": "regions", "-f": "format"}.get(option)
        parser.add_argument(option, dest=dest or option.lstrip("-").replace("-", "_"), help=argparse.SUPPRESS)


def request_timeout(args) -> float | None:
    """--request-timeout, or the deprecated --timeout SECONDS (with its one-line note)."""

    if args.request_timeout is not None:
        return args.request_timeout
    old = getattr(args, "old_timeout", None)
    if old is not None:
        print(OLD_TIMEOUT_NOTE, file=sys.stderr)
        args.request_timeout = old  # said once, however often the fleet is opened
    return old


def cloud_options(args):
    from mrconsole.core.connect import CloudOptions, Timeouts  # lazy: the cloud layer (module docstring)
    from mrconsole.lab.options import lab_options

    timeouts = Timeouts()
    seconds = request_timeout(args)
    if seconds is not None:
        timeouts = Timeouts(connect=min(3.0, seconds), read=seconds)
    names = list(args.os_cloud or [])
    if args.lab:
        # --os-cloud with --lab picks the lab's own clouds (its reader, its application credentials, its second
        # cloud); without it, the operator's cloud and, on a two-cloud lab, the second one beside it.
        opts = lab_options(args.lab_dir, timeouts=timeouts, clouds=names)

        if not Path(opts.config_file).exists():
            raise CliError("the lab is not set up: run `mrconsole lab up` first")
        opts.regions = list(args.regions)
        return opts
    if not names and not os.environ.get("OS_CLOUD"):
        try:
            names = list(config.load().open)
        except config.ConfigError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
    return CloudOptions(
        cloud=names[0] if names else None, also=names[1:], regions=list(args.regions), timeouts=timeouts
    )


async def open_fleet(args, authenticate: bool = True, every_region: bool = False):
    """Connect, and fail once with a clear line on bad config or credentials. `every_region`: every region of
    the cloud, whatever --region says (a master's commands reach its constituents' regions; --region then names
    where the master is, read by the command itself)."""
    from mrconsole.core import errors  # lazy: the cloud layer (module docstring)
    from mrconsole.core.connect import open_fleet as connect_fleet
    from mrconsole.core.errors import CloudError

    if every_region:
        args = argparse.Namespace(**{**vars(args), "regions": []})
    try:
        fleet = await connect_fleet(cloud_options(args), authenticate_now=authenticate)
    except CloudError as exc:
        code = EXIT_USAGE if exc.kind == errors.CONFIG else EXIT_FAILED
        raise CliError(str(exc), code) from None
    for notice in fleet.cloud.notices:
        print(f"mrconsole: warning: {notice}", file=sys.stderr)
    # The config's read-only regions: every change there refused before it is sent (core/acting/permissions.py).
    fleet.permissions.read_only = config.load().read_only_regions(fleet.name, fleet.region_names)
    return fleet


def refuse_unknown_regions(fleet, regions) -> None:
    """A --region the cloud does not have: one line naming the ones it has (exit 2), before anything is asked."""
    unknown = [r for r in regions if r not in fleet.region_names]
    if unknown:
        raise CliError(
            f"region {unknown[0]!r} is not in cloud {fleet.name} (it has: {', '.join(fleet.region_names)})", EXIT_USAGE
        )


async def find_one(fleet, name: str, regions: list[str] | None = None):
    """The one stack called `name` (or with that id) in the reachable regions."""
    from mrconsole.core.master.topology import find_stack  # lazy: the cloud layer (module docstring)

    found, failed = await find_stack(fleet, name, regions or None)
    if not found:
        if failed:  # it may be in a region that did not answer: degraded, not absent
            where = ", ".join(f"{r} ({e.message})" for r, e in failed.items())
            raise CliError(f"stack {name} not found in any reachable region; unreachable: {where}", EXIT_DEGRADED)
        raise CliError(f"stack {name} not found in any reachable region")
    if len(found) > 1:
        where = ", ".join(d.stack.region for d in found)
        raise CliError(f"stack {name} exists in several regions ({where}): pick one with --region", EXIT_USAGE)
    return found[0]
