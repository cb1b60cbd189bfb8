"""`mrconsole snapshot MASTER [create|list|restore ID|delete ID]`: snapshots of a master, across regions."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

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
    print_json,
    print_table,
    stack_ref,
)
from mrconsole.cli.output import add_format
from mrconsole.core.acting.actions import ActionError, Actions, ReadOnlyError, Target
from mrconsole.core.errors import PlanError
from mrconsole.core.master.snapshots import plan_restore

EPILOG = """A master's snapshot snapshots each constituent in its own region. A restore updates the master
to the snapshot's template, and each constituent, in its region, to its own snapshot's template and
parameters: it needs every constituent's region, and is refused before sending when one does not answer.

exit codes: 0 done (--wait: ended COMPLETE), 1 refused or failed, 2 bad invocation, 3 a region unreachable
"""


def add_parser(sub) -> None:
    p = sub.add_parser(
        "snapshot",
        **about("snapshot"),
        description="Snapshots of a master, each constituent's taken in its own region.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="MASTER", type=stack_ref)
    p.add_argument("what", nargs="?", default="list", choices=("create", "list", "restore", "delete"))
    p.add_argument("snapshot", nargs="?", metavar="ID", help="with restore and delete: the snapshot's id or name")
    add_cloud_arguments(p)
    p.add_argument("--name", dest="snap_name", metavar="NAME", help="with create: the snapshot's name")
    p.add_argument("--wait", action="store_true", help="wait until the snapshot or restore ends")
    p.add_argument(
        "--preview", "--dry-run", action="store_true", help="with restore: what it does in every region; send nothing"
    )
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--confirm-region", default="", metavar="R[,R2]", help="with restore: the protected regions changed, typed"
    )
    add_format(p, ("text", "json"), "text")
    p.set_defaults(func=cmd_snapshot)


def cmd_snapshot(args) -> int:
    if args.what in ("restore", "delete") and not args.snapshot:
        raise CliError(f"snapshot {args.what} needs the snapshot's ID", EXIT_USAGE)
    if args.what in ("create", "list") and args.snapshot:
        raise CliError(f"snapshot {args.what} takes no ID", EXIT_USAGE)
    mutates = args.what != "list" and not args.preview
    if args.read_only and mutates:
        raise CliError(f"read-only mode: snapshot {args.what} is not allowed; nothing was sent")
    return asyncio.run(_snapshot(args, mutates))


async def _snapshot(args, mutates: bool) -> int:
    fleet = await open_fleet(args, every_region=True)
    try:
        read_only = bool(args.read_only) or config.load().read_only(fleet.name)
        if read_only and mutates:
            raise CliError(f"read-only mode (set for cloud {fleet.name} in the config): nothing was sent")
        found = await find_one(fleet, args.name, args.regions or None)
        m = found.stack
        client = fleet.region(m.region)
        target = Target(m.region, m.name, m.id, master_id=m.id)
        actions = Actions(fleet, read_only=read_only)
        try:
            if args.what == "list":
                snaps = await client.snapshots(m)
                if args.format == "json":
                    print_json(snaps)
                else:
                    rows = [[s["id"], s.get("name") or "-", s.get("status") or "-", s.get("creation_time") or "-"]
                            for s in snaps]  # fmt: skip
                    if rows:
                        print_table(["ID", "NAME", "STATUS", "CREATED"], rows)
                    else:
                        print(f"{m.name}: no snapshot")
                return EXIT_OK
            if args.what == "create":
                result = await actions.snapshot(target, args.snap_name)
                return await _end(args, client, m, result, args.snap_name)
            if args.what == "delete":
                result = await actions.delete_snapshot(target, await _snapshot_id(client, m, args.snapshot))
                return _said(args, result)
            plan = await plan_restore(
                fleet, m.region, f"{m.name}/{m.id}", args.snapshot, read_only and not args.preview
            )
            for line in plan.lines():
                print(line, file=sys.stderr if args.format == "json" else sys.stdout)
            for f in plan.findings:
                print(f"  {f}", file=sys.stderr)
            if args.preview:
                if args.format == "json":
                    print_json({"lines": plan.lines(), "findings": plan.findings, "blocked": bool(plan.blocking)})
                return EXIT_FAILED if plan.blocking else EXIT_OK
            if plan.blocking:
                reason = plan.blocking[0]
                unreachable = "does not answer" in reason.message
                raise CliError(
                    f"restore of {m.name} refused before sending: {reason.message}"
                    + (f". Instead: {reason.instead}" if reason.instead else ""),
                    EXIT_DEGRADED if unreachable else EXIT_FAILED,
                )
            confirm_protected(args, fleet, plan.topology.regions(), f"restore of {m.name}")
            if not args.yes:
                ask_yes("restore", "Restore?")
            result = await actions.restore(target, plan.snapshot["id"])
            if result.ok and args.wait:
                status = await _wait_stack(client, m.id)
                actions.complete(result, status)
                print(f"{m.name}: {status}", file=sys.stderr)
                if status.endswith("_FAILED"):
                    return EXIT_FAILED
            return _said(args, result)
        except (ReadOnlyError, ActionError) as exc:
            raise CliError(str(exc)) from None
        except PlanError as exc:
            raise CliError(str(exc), EXIT_USAGE if exc.usage else EXIT_FAILED) from None
    finally:
        fleet.close()


async def _snapshot_id(client, m, wanted: str) -> str:
    snaps = await client.snapshots(m)
    snap = next((s for s in snaps if wanted in (s.get("id"), s.get("name"))), None)
    if snap is None:
        raise CliError(f"{m.name} has no snapshot {wanted}", EXIT_USAGE)
    return snap["id"]


async def _end(args, client, m, result, name) -> int:
    if not result.ok:
        return _said(args, result)
    if args.wait:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            snaps = await client.snapshots(m)
            mine = [s for s in snaps if (name is None or s.get("name") == name)]
            newest = mine[-1] if mine else None
            if newest and newest.get("status") in ("COMPLETE", "FAILED"):
                if args.format == "json":
                    print_json(newest)
                else:
                    print(f"{m.region}: snapshot {newest.get('name') or '-'} ({newest['id']}): {newest['status']}")
                return EXIT_OK if newest["status"] == "COMPLETE" else EXIT_FAILED
            await asyncio.sleep(1.0)
    return _said(args, result)


async def _wait_stack(client, stack_id: str) -> str:
    await asyncio.sleep(1.0)
    deadline = time.monotonic() + 600
    status = "UNKNOWN"
    while time.monotonic() < deadline:
        detail = await client.get_stack(stack_id)
        status = detail.stack.status
        if not detail.stack.in_progress:
            break
        await asyncio.sleep(1.0)
    return status


def _said(args, result) -> int:
    if args.format == "json":
        print_json(result)
    else:
        state = "accepted" if result.ok else f"FAILED: {result.message}"
        print(f"{result.region}: {result.action} {result.stack_name}: {state}  (request {result.request_id})")
    return EXIT_OK if result.ok else EXIT_FAILED
