"""Outputs and resources across regions, and the resource operations of an incident.

mrconsole outputs MASTER                       a master's outputs and every constituent's
mrconsole resources MASTER [--nested-depth N]  a master's resources, then its constituents'
mrconsole resource show STACK RESOURCE --region R
mrconsole resource mark-unhealthy STACK RESOURCE --region R [--reason TEXT] [--yes]
mrconsole resource signal STACK RESOURCE --region R [--data JSON] [--yes]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from mrconsole import config
from mrconsole.cli.cloudargs import add_cloud_arguments, find_one, open_fleet
from mrconsole.cli.commands import about
from mrconsole.cli.common import (
    EXIT_DEGRADED,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    ask_yes,
    confirm_protected,
    count_arg,
    print_json,
    print_table,
    stack_ref,
)
from mrconsole.cli.output import add_format
from mrconsole.core.acting.actions import ActionError, Actions, ReadOnlyError
from mrconsole.core.connect import TopologyCache
from mrconsole.core.diagnosis.outputs import LIVE, age_text, outputs_across
from mrconsole.core.diagnosis.resources import (
    execute_mark,
    execute_signal,
    plan_mark_unhealthy,
    plan_signal,
    resource_detail,
    resources_across,
)
from mrconsole.core.errors import PlanError

EPILOG = """exit codes: 0 done, every region answered; 1 refused or failed; 2 bad invocation;
3 a region did not answer (what it holds is shown stale from the cache, or not at all)"""


def add_parser(sub) -> None:
    o = sub.add_parser(
        "outputs",
        **about("outputs"),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    o.add_argument("name", metavar="MASTER", type=stack_ref)
    add_cloud_arguments(o)
    add_format(o, ("text", "json"), "text")
    o.set_defaults(func=cmd_outputs)

    r = sub.add_parser(
        "resources",
        **about("resources"),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("name", metavar="MASTER", type=stack_ref)
    r.add_argument(
        "--nested-depth", type=count_arg(0, 100), default=0, metavar="N", help="also nested stacks, N levels down"
    )
    add_cloud_arguments(r)
    add_format(r, ("text", "json"), "text")
    r.set_defaults(func=cmd_resources)

    one = sub.add_parser("resource", **about("resource"))
    rsub = one.add_subparsers(dest="resource_command", metavar="ACTION", required=True)
    for name, text in (
        ("show", "a resource: physical id, status and reason, attributes, metadata, required by"),
        ("mark-unhealthy", "mark a resource unhealthy: the stack's next update replaces it"),
        ("signal", "signal a resource that takes signals (a wait condition handle), with data"),
    ):
        q = rsub.add_parser(name, help=text, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
        q.add_argument("stack", metavar="STACK", type=stack_ref)
        q.add_argument("resource", metavar="RESOURCE")
        add_cloud_arguments(q)
        add_format(q, ("text", "json"), "text")
        if name == "mark-unhealthy":
            q.add_argument("--reason", default="", help="why (kept in the resource's status reason)")
            q.add_argument("--healthy", action="store_true", help="clear the mark instead")
        if name == "signal":
            q.add_argument("--data", default="", metavar="JSON", help="the signal's data, a JSON object")
        if name != "show":
            q.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
            q.add_argument("--confirm-region", default="", metavar="R[,R2]", help="protected regions changed, typed")
            q.add_argument("--preview", "--dry-run", action="store_true", help="what it will do; send nothing")
        q.set_defaults(func=cmd_resource)


# -- outputs --------------------------------------------------------------------------
def cmd_outputs(args) -> int:
    return asyncio.run(_outputs(args))


async def _outputs(args) -> int:
    fleet = await open_fleet(args, every_region=True)
    try:
        region = await _master_region(fleet, args)
        try:
            view = await outputs_across(fleet, region, args.name, TopologyCache())
        except PlanError as exc:
            raise CliError(str(exc), EXIT_USAGE if exc.usage else EXIT_DEGRADED) from None
        if args.format == "json":
            print_json({"master": view.master, "region": view.region, "outputs": view.rows})
        else:
            rows = []
            for r in view.rows:
                value = json.dumps(r.value) if not isinstance(r.value, str) else r.value
                note = r.error if r.state == LIVE else f"{r.state.upper()} {age_text(r.age)} {r.error}".strip()
                rows.append([r.source, r.region, r.stack_name, r.key, value, note])
            print_table(["FROM", "REGION", "STACK", "OUTPUT", "VALUE", "NOTE"], rows)
        return EXIT_DEGRADED if view.degraded else EXIT_OK
    finally:
        fleet.close()


async def _master_region(fleet, args) -> str:
    """The master's region: --region, else where it is found, else (its region down) the cache's."""
    if args.regions:
        return args.regions[0]
    try:
        return (await find_one(fleet, args.name)).stack.region
    except CliError:
        cached = await asyncio.to_thread(TopologyCache().load, fleet.cloud_names, args.name)
        if cached is None:
            raise
        return cached.region


# -- resources ------------------------------------------------------------------------
def cmd_resources(args) -> int:
    if args.nested_depth < 0:
        raise CliError("--nested-depth: a number of levels, 0 or more", EXIT_USAGE)
    return asyncio.run(_resources(args))


async def _resources(args) -> int:
    fleet = await open_fleet(args, every_region=True)
    try:
        region = await _master_region(fleet, args)
        try:
            view = await resources_across(fleet, region, args.name, args.nested_depth)
        except PlanError as exc:
            raise CliError(str(exc), EXIT_DEGRADED) from None
        if args.format == "json":
            print_json(
                {
                    "master": view.master.name,
                    "region": view.master.region,
                    "resources": [{"from": row.level, **_resource_json(row.resource)} for row in view.rows],
                    "unread": view.unread,
                }
            )
        else:
            rows = [
                [row.level, r.region, r.stack_name, r.name, r.type, r.status, r.physical_id or "-"]
                for row in view.rows
                for r in [row.resource]
            ]
            print_table(["FROM", "REGION", "STACK", "RESOURCE", "TYPE", "STATUS", "PHYSICAL ID"], rows)
            for name, why in view.unread.items():
                print(f"{name}: its resources were not read ({why})", file=sys.stderr)
        return EXIT_DEGRADED if view.unread else EXIT_OK
    finally:
        fleet.close()


def _resource_json(r) -> dict:
    return {
        "region": r.region,
        "stack_name": r.stack_name,
        "stack_id": r.stack_id,
        "resource": r.name,
        "type": r.type,
        "status": r.status,
        "status_reason": r.status_reason,
        "physical_id": r.physical_id,
        "required_by": list(r.required_by),
    }


# -- one resource ---------------------------------------------------------------------
def cmd_resource(args) -> int:
    if len(args.regions) != 1:
        raise CliError(f"resource {args.resource_command} needs the stack's region: --region R", EXIT_USAGE)
    data = None
    if args.resource_command == "signal" and args.data:
        try:
            data = json.loads(args.data)
        except ValueError as exc:
            raise CliError(f"--data is not JSON: {exc}", EXIT_USAGE) from None
        except RecursionError:
            raise CliError("--data is nested too deeply to be a signal's data", EXIT_USAGE) from None
        if not isinstance(data, dict):
            raise CliError('--data must be a JSON object, like \'{"status": "SUCCESS"}\'', EXIT_USAGE)
    mutates = args.resource_command != "show" and not args.preview
    if args.read_only and mutates:
        raise CliError(f"read-only mode: {args.resource_command} is not allowed; nothing was sent")
    return asyncio.run(_resource(args, data, mutates))


async def _resource(args, data, mutates: bool) -> int:
    # Every region: the plan looks for the stack's master (and a master's constituents) in theirs.
    fleet = await open_fleet(args, every_region=True)
    region = args.regions[0]
    try:
        read_only = bool(args.read_only) or config.load().read_only(fleet.name)
        if read_only and mutates:
            raise CliError(f"read-only mode (set for cloud {fleet.name} in the config): nothing was sent")
        try:
            if args.resource_command == "show":
                return _show(args, await resource_detail(fleet, region, args.stack, args.resource))
            if args.resource_command == "mark-unhealthy":
                plan = await plan_mark_unhealthy(fleet, region, args.stack, args.resource, read_only and mutates)
            else:
                plan = await plan_signal(fleet, region, args.stack, args.resource, read_only and mutates, data)
        except PlanError as exc:
            raise CliError(str(exc), EXIT_USAGE if exc.usage else EXIT_FAILED) from None
        for line in plan.effect:
            print(line, file=sys.stderr if args.format == "json" else sys.stdout)
        for f in plan.findings:
            print(f"  {f}", file=sys.stderr)
        if args.preview:
            if args.format == "json":
                print_json({"effect": plan.effect, "findings": plan.findings, "confirm": plan.confirm})
            return EXIT_FAILED if plan.blocking else EXIT_OK
        if plan.blocking:
            reason = plan.blocking[0]
            raise CliError(
                f"{plan.action} refused before sending: {reason.message}"
                + (f". Instead: {reason.instead}" if reason.instead else "")
            )
        # The stack's region, and for a master's constituent replaced, the constituent's.
        confirm_protected(args, fleet, [region, plan.confirm], f"{plan.action} of {args.resource}")
        actions = Actions(fleet, read_only=read_only)
        try:
            if args.resource_command == "mark-unhealthy":
                if args.healthy:
                    result = await actions.mark_unhealthy(plan.target, args.resource, args.reason, unhealthy=False)
                else:
                    typed = plan.confirm if args.yes else _typed(plan)
                    result = await execute_mark(actions, plan, typed, args.reason)
            else:
                if not args.yes:
                    ask_yes(f"signalling {args.resource}", "Signal?", plan.effect)
                result = await execute_signal(actions, plan, data)
        except PlanError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        except (ActionError, ReadOnlyError) as exc:
            raise CliError(str(exc)) from None
        if args.format == "json":
            print_json(result)
        else:
            state = "accepted" if result.ok else f"FAILED: {result.message}"
            print(f"{result.region}: {result.action} {args.resource} of {result.stack_name}: {state}")
        return EXIT_OK if result.ok else EXIT_FAILED
    finally:
        fleet.close()


def _typed(plan) -> str:
    """A constituent stack replaced needs its region's name typed; anything else a yes/no."""
    if not plan.confirm:
        ask_yes(f"marking {plan.resource.name} unhealthy", "Mark it unhealthy?", plan.effect)
        return ""
    if not sys.stdin.isatty():
        raise CliError(
            f"marking {plan.resource.name} unhealthy replaces a whole stack in {plan.confirm}: pass --yes, "
            "or run on a terminal",
            EXIT_USAGE,
        )
    try:
        return input(f"Type the region's name ({plan.confirm}) to confirm, anything else cancels: ").strip()
    except EOFError:
        return ""


def _show(args, detail) -> int:
    r = detail.resource
    if args.format == "json":
        print_json({**_resource_json(r), "attributes": detail.attributes, "metadata": detail.metadata})
        return EXIT_OK
    print(f"{r.name} ({r.type}) of {r.stack_name} in {r.region}")
    print(f"  status       {r.status}  {r.status_reason}".rstrip())
    print(f"  physical id  {r.physical_id or '-'}")
    print(f"  required by  {', '.join(r.required_by) or '-'}")
    if detail.description:
        print(f"  description  {detail.description}")
    print("  attributes")
    for key, value in sorted(detail.attributes.items()):
        print(f"    {key}: {json.dumps(value) if not isinstance(value, str) else value}")
    print("  metadata")
    print("    " + (json.dumps(detail.metadata) if detail.metadata else "-"))
    return EXIT_OK
