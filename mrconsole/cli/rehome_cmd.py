"""`mrconsole move MASTER --to REGION` (move a master) and `mrconsole abandon MASTER --region R`."""

from __future__ import annotations

import argparse
import asyncio
import sys

from mrconsole import config
from mrconsole.cli.cloudargs import add_cloud_arguments, open_fleet
from mrconsole.cli.commands import about
from mrconsole.cli.common import (
    EXIT_DEGRADED,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_parameter_arguments,
    ask_hidden,
    ask_yes,
    confirm_protected,
    parse_params,
    print_json,
    stack_ref,
)
from mrconsole.cli.output import add_format
from mrconsole.core.acting.actions import ActionError, Actions, ReadOnlyError, Target
from mrconsole.core.connect import TopologyCache
from mrconsole.core.errors import CloudError, PlanError
from mrconsole.core.master.evict import execute_evict, plan_evict
from mrconsole.core.master.gather import execute_import, parse_wanted, plan_import
from mrconsole.core.master.ownership import owned_elsewhere
from mrconsole.core.master.rehome import execute_rehome, plan_rehome
from mrconsole.core.master.rehome_data import ABANDON_SETTING, needs_setting
from mrconsole.core.master.release import execute_release, plan_release
from mrconsole.core.master.topology import read_master
from mrconsole.core.text import printable_line

REHOME_EPILOG = """The new master is created by Heat's adopt from what the topology cache kept of the old one
(or, if the old region answers, from its export), owning the same constituent stacks without
creating or touching them. With the old region answering, the old master is then abandoned.

exit codes:
  0  moved (--preview: the plan shown, nothing blocks it)
  1  refused or failed (the target's Heat without enable_stack_adopt is named)
  2  bad invocation
"""


RELEASE_EPILOG = """For a region gone for good (the first update cannot reach it): mrconsole evict.

exit codes:
  0  released (--preview: the plan shown, nothing blocks it)
  1  refused or failed (what blocks it is named; nothing was sent, or the step that ended otherwise)
  2  bad invocation (no such constituent)
"""


IMPORT_EPILOG = """The master is made by Heat's adopt (enable_stack_adopt in its region): it owns the stacks
given, creating and touching nothing. Its template gives each stack its own template and current
parameters; Heat previews, in each stack's region, what the master's first update would change.
A stack's hidden parameters become the master's, named RESOURCE_NAME: give them with -P.

exit codes:
  0  imported (--preview: the plan shown, nothing blocks it)
  1  refused or failed (what blocks it is named; nothing was sent)
  2  bad invocation
"""


def add_parser(sub) -> None:
    p = sub.add_parser(
        "move",
        **about("move"),
        description="Move a master to another region: Heat adopts its constituents there.",
        epilog=REHOME_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="MASTER", type=stack_ref)
    add_cloud_arguments(p)
    p.add_argument("--to", required=True, metavar="REGION", help="the region of the new master")
    p.add_argument("--name", dest="new_name", metavar="NAME", help="the new master's name (default: the same)")
    add_parameter_arguments(p)
    p.add_argument(
        "--preview", "--dry-run", action="store_true", help="show what the new master will own; send nothing"
    )
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    add_format(p, ("text", "json"), "text")
    p.set_defaults(func=cmd_rehome)

    e = sub.add_parser(
        "evict",
        **about("evict"),
        description="The master is adopted again without its constituents in the region given with --region; "
        "they stay there as orphans.",
    )
    e.add_argument("name", metavar="MASTER", type=stack_ref)
    add_cloud_arguments(e)
    add_parameter_arguments(e)
    e.add_argument("--preview", "--dry-run", action="store_true", help="show what is dropped and kept; send nothing")
    e.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    add_format(e, ("text", "json"), "text")
    e.set_defaults(func=cmd_evict)

    r = sub.add_parser(
        "release",
        **about("release"),
        description="Two updates of the master in its region: the constituent's deletion_policy set to Retain, "
        "then the master without it (and the outputs that read it). Its stack stays in its region, untouched, "
        "owned by no master.",
        epilog=RELEASE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("name", metavar="MASTER", type=stack_ref)
    r.add_argument("resource", metavar="RESOURCE", help="the master's OS::Heat::Stack resource to release")
    add_cloud_arguments(r)
    r.add_argument("--preview", "--dry-run", action="store_true", help="show the two updates; send nothing")
    r.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    r.add_argument("--confirm-region", default="", metavar="R[,R2]", help="the protected regions changed, typed")
    add_format(r, ("text", "json"), "text")
    r.set_defaults(func=cmd_release)

    i = sub.add_parser(
        "import",
        **about("import"),
        description="Heat adopts a new master in --region whose OS::Heat::Stack resources are the stacks given.",
        epilog=IMPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    i.add_argument("name", metavar="MASTER", type=stack_ref, help="the new master's name")
    i.add_argument(
        "--stack",
        dest="stacks",
        action="append",
        default=[],
        required=True,
        metavar="REGION=STACK[:RESOURCE]",
        help="an existing stack the master is to own (repeatable); RESOURCE names it in the master",
    )
    add_cloud_arguments(i)
    add_parameter_arguments(i)
    i.add_argument("--preview", "--dry-run", action="store_true", help="show what the master will own; send nothing")
    i.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    i.add_argument("--confirm-region", default="", metavar="R[,R2]", help="the protected regions changed, typed")
    add_format(i, ("text", "json"), "text")
    i.set_defaults(func=cmd_import)

    a = sub.add_parser(
        "abandon",
        **about("abandon"),
        description="Heat's abandon: the master leaves Heat; every stack it created stays, untouched.",
    )
    a.add_argument("name", metavar="MASTER", type=stack_ref)
    add_cloud_arguments(a)
    a.add_argument("--yes", "-y", action="store_true", help="do not ask to type the name")
    add_format(a, ("text", "json"), "text")
    a.set_defaults(func=cmd_abandon)


def _read_only(args, cloud_name: str) -> bool:
    return bool(args.read_only) or config.load().read_only(cloud_name)


def cmd_rehome(args) -> int:
    if args.read_only and not args.preview:
        raise CliError("read-only mode: rehome is not allowed; nothing was sent")
    params = parse_params(args.params, args.parameter_files)
    return asyncio.run(_rehome(args, params))


async def _rehome(args, params: dict) -> int:
    fleet = await open_fleet(args, authenticate=False, every_region=True)
    try:
        cache = TopologyCache()

        async def planned():
            try:
                return await plan_rehome(
                    fleet,
                    args.name,
                    args.to,
                    cache,
                    new_name=args.new_name,
                    parameters=params,
                    read_only=_read_only(args, fleet.name) and not args.preview,
                )
            except PlanError as exc:
                raise CliError(str(exc), EXIT_USAGE if exc.usage else EXIT_FAILED) from None

        plan = await planned()
        why = f"hidden, given when {plan.old_name} was created"
        if not args.preview and plan.adopt and ask_hidden(plan.adopt.hidden, why, params):
            plan = await planned()  # the same plan, with the values just typed
        if args.preview:
            if args.format == "json":
                print_json(
                    {
                        "master": plan.old_name,
                        "from": plan.old_region,
                        "to": plan.to_region,
                        "name": plan.name,
                        "source": plan.source,
                        "old_reachable": plan.old_reachable,
                        "constituents": [
                            {"resource": r, "region": g, "stack_name": n, "stack_id": i}
                            for r, g, n, i in plan.constituents
                        ],
                        "findings": plan.findings,
                        "blocked": bool(plan.blocking),
                    }
                )
            else:
                _print_plan(plan)
            return EXIT_FAILED if plan.blocking else EXIT_OK
        for f in plan.findings:
            if f.severity != "blocking":
                print(str(f), file=sys.stderr)
        if not args.yes and not plan.blocking:
            ask_yes(f"moving {plan.old_name}", "Move the master?", plan.lines())
        actions = Actions(fleet, read_only=_read_only(args, fleet.name))
        try:
            new_id, said = await execute_rehome(actions, plan, cache, on_step=_step)
        except (PlanError, ReadOnlyError, ActionError) as exc:
            raise CliError(str(exc)) from None
        if args.format == "json":
            print_json({"master": plan.name, "region": plan.to_region, "id": new_id, "message": said})
        else:
            print(said)
            print(f"follow it: mrconsole --stack {plan.name}   (status: mrconsole status --master {plan.name})")
        return EXIT_OK
    finally:
        fleet.close()


def _step(text: str) -> None:
    """A step of a move or an evict, as it is passed (stderr: stdout keeps the result, JSON with --format json).
    Names, statuses and Heat's answers are in it: printed as data, one line, no control character."""
    print(printable_line(text), file=sys.stderr, flush=True)


def _print_plan(plan) -> None:
    """A rehome or evict plan with its preflight, as --preview shows it."""
    for line in plan.lines():
        print(line)
    for f in plan.findings:
        print(f"  {f}")
    print("nothing was sent (--preview)")


def _previewed(args, plan) -> int:
    """A plan with `as_dict` (release, import) as --preview shows it; its exit code."""
    if args.format == "json":
        print_json(plan.as_dict())
    else:
        _print_plan(plan)
    return EXIT_FAILED if plan.blocking else EXIT_OK


def _refuse_blocked(plan) -> None:
    """What blocks the plan, in one line, before anything is asked or sent; else its findings on stderr."""
    if plan.blocking:
        raise CliError("; ".join(str(f) for f in plan.blocking) + "; nothing was sent")
    for f in plan.findings:
        print(str(f), file=sys.stderr)


def cmd_evict(args) -> int:
    if len(args.regions) != 1:
        raise CliError("--region is required once: the region gone for good", EXIT_USAGE)
    args.gone = args.regions[0]
    if args.read_only and not args.preview:
        raise CliError("read-only mode: evict is not allowed; nothing was sent")
    params = parse_params(args.params, args.parameter_files)
    return asyncio.run(_evict(args, params))


async def _evict(args, params: dict) -> int:
    fleet = await open_fleet(args, authenticate=False, every_region=True)
    try:
        cache = TopologyCache()
        try:
            plan = await plan_evict(
                fleet,
                args.name,
                args.gone,
                cache,
                parameters=params,
                read_only=_read_only(args, fleet.name) and not args.preview,
            )
        except PlanError as exc:
            raise CliError(str(exc), EXIT_USAGE if exc.usage else EXIT_FAILED) from None
        if args.preview:
            if args.format == "json":
                print_json(
                    {
                        "master": plan.master_name,
                        "region": plan.region,
                        "step": plan.step,
                        "orphans": [{"resource": r, "stack_name": n, "stack_id": i} for r, n, i in plan.evicted],
                        "dropped_outputs": list(plan.dropped_outputs),
                        "findings": plan.findings,
                        "blocked": bool(plan.blocking),
                    }
                )
            else:
                _print_plan(plan)
            return EXIT_FAILED if plan.blocking else EXIT_OK
        for f in plan.findings:
            if f.severity != "blocking":
                print(str(f), file=sys.stderr)
        if not args.yes and not plan.blocking:
            ask_yes(f"evicting {plan.region}", f"Drop {plan.region} from {plan.master_name}?", plan.lines())
        try:
            said = await execute_evict(
                Actions(fleet, read_only=_read_only(args, fleet.name)), plan, cache, on_step=_step
            )
        except (PlanError, ReadOnlyError, ActionError) as exc:
            raise CliError(str(exc)) from None
        if args.format == "json":
            print_json({"master": plan.master_name, "region": plan.region, "message": said})
        else:
            print(said)
        return EXIT_OK
    finally:
        fleet.close()


def cmd_release(args) -> int:
    if args.read_only and not args.preview:
        raise CliError("read-only mode: release is not allowed; nothing was sent")
    return asyncio.run(_release(args))


async def _release(args) -> int:
    fleet = await open_fleet(args, authenticate=False, every_region=True)
    try:
        read_only = _read_only(args, fleet.name)
        try:
            plan = await plan_release(
                fleet, args.name, args.resource, TopologyCache(), read_only=read_only and not args.preview
            )
        except PlanError as exc:
            raise CliError(str(exc), EXIT_USAGE if exc.usage else EXIT_FAILED) from None
        if args.preview:
            return _previewed(args, plan)
        _refuse_blocked(plan)
        confirm_protected(args, fleet, [plan.master_region, plan.region], f"release of {plan.resource}")
        if not args.yes:
            ask_yes(f"releasing {plan.resource}", f"Release {plan.resource} from {plan.master_name}?", plan.lines())
        try:
            said = await execute_release(Actions(fleet, read_only=read_only), plan, on_step=_step)
        except (PlanError, ReadOnlyError, ActionError) as exc:
            raise CliError(str(exc)) from None
        if args.format == "json":
            print_json({**plan.as_dict(), "message": said})
        else:
            print(said)
        return EXIT_OK
    finally:
        fleet.close()


def cmd_import(args) -> int:
    if args.read_only and not args.preview:
        raise CliError("read-only mode: import is not allowed; nothing was sent")
    if len(args.regions) != 1:
        raise CliError("--region is required once: the region the master is made in", EXIT_USAGE)
    params = parse_params(args.params, args.parameter_files)
    try:
        wanted = [parse_wanted(text) for text in args.stacks]
    except PlanError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    return asyncio.run(_import(args, wanted, params))


async def _import(args, wanted, params: dict) -> int:
    fleet = await open_fleet(args, authenticate=False, every_region=True)
    try:
        cache = TopologyCache()
        read_only = _read_only(args, fleet.name)

        async def planned():
            try:
                return await plan_import(
                    fleet, args.name, args.regions[0], wanted, cache, params, read_only and not args.preview
                )
            except PlanError as exc:
                raise CliError(str(exc), EXIT_USAGE if exc.usage else EXIT_FAILED) from None

        plan = await planned()
        hidden = [m.master_parameter(h) for m in plan.members for h in m.hidden]
        if not args.preview and ask_hidden(hidden, "hidden in its stack", params):
            plan = await planned()  # the same plan, with the values just typed
        if args.preview:
            return _previewed(args, plan)
        _refuse_blocked(plan)
        regions = [plan.region, *sorted({m.stack.region for m in plan.members})]
        confirm_protected(args, fleet, regions, f"import into {plan.name}")
        if not args.yes:
            ask_yes(f"importing into {plan.name}", f"Make {plan.name} the master of these stacks?", plan.lines())
        try:
            new_id, said = await execute_import(Actions(fleet, read_only=read_only), plan, cache, on_step=_step)
        except (PlanError, ReadOnlyError, ActionError) as exc:
            raise CliError(str(exc)) from None
        if args.format == "json":
            print_json({**plan.as_dict(), "id": new_id, "message": said})
        else:
            print(said)
            print(f"follow it: mrconsole --stack {plan.name}   (status: mrconsole status --master {plan.name})")
        return EXIT_OK
    finally:
        fleet.close()


def cmd_abandon(args) -> int:
    if args.read_only:
        raise CliError("read-only mode: abandon is not allowed; nothing was sent")
    if len(args.regions) != 1:
        raise CliError("--region is required once: say which master of that name to abandon", EXIT_USAGE)
    return asyncio.run(_abandon(args))


async def _abandon(args) -> int:
    fleet = await open_fleet(args, every_region=True)
    try:
        if _read_only(args, fleet.name):
            raise CliError(f"read-only mode (set for cloud {fleet.name} in the config): nothing was sent")
        region = args.regions[0]
        if region not in fleet.region_names:
            raise CliError(f"region {region!r} is not in cloud {fleet.name}", EXIT_USAGE)
        cache = TopologyCache()
        try:
            topo = await read_master(fleet, region, args.name)
        except CloudError as exc:
            raise CliError(
                f"{args.name} in {region}: {exc.message}", EXIT_DEGRADED if exc.kind == "unavailable" else EXIT_FAILED
            ) from None
        claim = await owned_elsewhere(fleet, topo, cache)
        m = topo.master
        lines = [f"Abandon {m.name} ({m.id}) in {region}: it leaves Heat; these stay, untouched:"]
        lines += [f"  {c.resource}: {c.stack_name or c.stack_id} in {c.region}" for c in topo.constituents]
        lines.append(
            f"  {claim.name} in {claim.region} owns them now."
            if claim
            else "  No other master known here owns them: they are then managed only directly, region by region."
        )
        if not args.yes:
            if not sys.stdin.isatty():
                raise CliError(f"abandoning {m.name} needs confirmation: pass --yes, or run on a terminal", EXIT_USAGE)
            for line in lines:
                print(line, file=sys.stderr)
            if input(f"Type the stack name ({m.name}) to confirm: ").strip() != m.name:
                raise CliError("not confirmed: nothing was sent", EXIT_USAGE)
        result = await Actions(fleet).abandon(Target(region, m.name, m.id))
        if not result.ok:
            raise CliError(needs_setting(result.message, region, ABANDON_SETTING))
        cache.forget(fleet.cloud_names, m.id)
        if args.format == "json":
            print_json(result)
        else:
            for line in lines[1:]:
                print(line)
            print(f"{region}: abandon {m.name}: accepted  (request {result.request_id})")
        return EXIT_OK
    finally:
        fleet.close()
