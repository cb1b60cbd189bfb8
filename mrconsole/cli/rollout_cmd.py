"""`mrconsole rollout MASTER` (a change in waves, region by region) and `mrconsole breakpoints MASTER`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import replace

from mrconsole import config
from mrconsole.cli.cloudargs import add_cloud_arguments, find_one, open_fleet, refuse_unknown_regions
from mrconsole.cli.commands import about
from mrconsole.cli.common import (
    EXIT_DEGRADED,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_parameter_arguments,
    ask_yes,
    confirm_protected,
    count_arg,
    parse_params,
    print_json,
    print_table,
    require_file,
    seconds_arg,
    stack_ref,
    to_jsonable,
)
from mrconsole.cli.output import add_format
from mrconsole.core.acting.actions import ActionError, Actions, ReadOnlyError, Target
from mrconsole.core.acting.by_hand import rollout_by_hand, rollout_files
from mrconsole.core.acting.findings import BLOCKING
from mrconsole.core.acting.preview import preview_update
from mrconsole.core.connect import TopologyCache, gather
from mrconsole.core.errors import CloudError, PlanError
from mrconsole.core.master.snapshots import snapshot_name, take_snapshot
from mrconsole.core.master.topology import read_master
from mrconsole.core.rollout.gate import Gate, gate_argv
from mrconsole.core.rollout.run import CONTINUE, DONE, ROLLBACK, STOP, Outcome, RolloutError, RolloutRun, what_it_does
from mrconsole.core.rollout.stored import journaled_plan, rollout_state
from mrconsole.core.rollout.waves import NONE, RUNNING, Change, breakpoints, plan_rollout, region_count
from mrconsole.template.analysis import analyse

EPILOG = """waves:
  --waves "RegionTwo;RegionThree,RegionFour": waves are separated by ';', a wave's regions by ','.
  Default: one region per wave, in the cloud's order of regions; the first wave is the canary.

exit codes:
  0  every wave passed (--status, --preview: read and shown)
  1  a gate failed: the remaining waves are held (the ways on are printed), or an update failed
  2  bad invocation (a region named twice, an empty wave, a gate command that cannot run)
  3  a region is unreachable
"""


def add_parser(sub) -> None:
    p = sub.add_parser(
        "rollout",
        **about("rollout"),
        description="Roll a change of a master out in waves: the first wave's constituents are updated while "
        "the others wait at Heat breakpoints; each wave is released when the one before passed its gate.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="MASTER", type=stack_ref)
    add_cloud_arguments(p)
    p.add_argument("-t", "--template", metavar="FILE", help="a new template for the master (a full change)")
    p.add_argument("-e", "--environment", dest="env", action="append", default=[], metavar="ENV")
    add_parameter_arguments(p)
    p.add_argument("--reapply", action="store_true", help="roll out the master's own template and parameters")
    p.add_argument("--waves", metavar="WAVES", help="the waves (see below)")
    p.add_argument(
        "--soak", type=seconds_arg(0, 86400), default=0.0, metavar="SECONDS", help="a wave must stay healthy this long"
    )
    p.add_argument("--gate-cmd", metavar="CMD", help="run per constituent after its wave; exit 0 passes")
    p.add_argument(
        "--failure-tolerance",
        metavar="N|P%",
        help="regions that may fail their gate before the rest is held (a number, or a percentage of the "
        "regions, rounded down; default 0)",
    )
    p.add_argument(
        "--max-failed-regions", type=count_arg(0, 1000), default=None, metavar="N", help=argparse.SUPPRESS
    )  # the name before --failure-tolerance (StackSets'): kept for scripts
    p.add_argument(
        "--max-concurrent",
        metavar="N|P%",
        help="at most this many regions updated at once: a wave of more is split, in order, into waves of N "
        "(each with its gate)",
    )
    p.add_argument(
        "--preview", "--dry-run", action="store_true", help="show the plan and what changes per wave; send nothing"
    )
    p.add_argument(
        "--snapshot-first",
        action="store_true",
        help="snapshot the master (each constituent in its region) and wait for it before the rollout starts",
    )
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--confirm-region", default="", metavar="R[,R2]", help="the protected regions the rollout changes, typed"
    )
    add_format(p, ("text", "json"), "text")
    ways = p.add_mutually_exclusive_group()
    ways.add_argument("--status", action="store_true", help="where a rollout of MASTER stands")
    ways.add_argument("--continue", dest="go_on", action="store_true", help="release the next held wave, go on")
    ways.add_argument("--rollback", action="store_true", help="roll every region back to before the rollout")
    ways.add_argument("--stop", action="store_true", help="cancel the master's update and what runs in each region")
    p.add_argument(
        "--force",
        action="store_true",
        help="with --continue: send the change again instead of releasing by signal; a new update takes over "
        "one its engine left IN_PROGRESS (a Heat restarted during it never resumes it)",
    )
    p.add_argument(
        "--take-over",
        action="store_true",
        help="act on (or start over) a rollout another operator started and has not ended: said in its record",
    )
    p.set_defaults(func=cmd_rollout)

    h = sub.add_parser(
        "breakpoints",
        **about("breakpoints"),
        description="Heat breakpoints (hooks) set in the environment of a master or of a constituent, and "
        "the ones an update waits at now.",
    )
    h.add_argument("name", metavar="MASTER", type=stack_ref)
    add_cloud_arguments(h)
    h.add_argument("--clear", metavar="RESOURCE", help="release the breakpoint RESOURCE waits at")
    h.add_argument("--stack", dest="on_stack", metavar="STACK", help="with --clear: the stack holding RESOURCE")
    add_format(h, ("text", "json"), "text")
    h.set_defaults(func=cmd_hooks)


def _read_only(args, cloud_name: str) -> bool:
    return bool(args.read_only) or config.load().read_only(cloud_name)


def _mutates(args) -> bool:
    return not (args.status or args.preview)


def cmd_rollout(args) -> int:
    if args.read_only and _mutates(args):
        raise CliError("read-only mode: rollout is not allowed; nothing was sent")
    if len(args.regions) > 1:
        raise CliError("give the master's region once (--region)", EXIT_USAGE)
    change_given = bool(args.template or args.params or args.parameter_files or args.reapply)
    ways = args.status or args.go_on or args.rollback or args.stop
    if ways and change_given:
        raise CliError("--status, --continue, --rollback and --stop take no change (-t, -P, --reapply)", EXIT_USAGE)
    if not ways and not change_given:
        raise CliError("say what to roll out: -P KEY=VALUE, -t TEMPLATE, or --reapply", EXIT_USAGE)
    if args.reapply and (args.template or args.params or args.parameter_files):
        raise CliError("--reapply rolls out the master as it is: it takes no -t or -P", EXIT_USAGE)
    if args.force and not args.go_on:
        raise CliError("--force goes with --continue (the change sent again)", EXIT_USAGE)
    if args.max_failed_regions is not None:
        if args.failure_tolerance is not None:
            raise CliError("--max-failed-regions is --failure-tolerance: give one of them", EXIT_USAGE)
        args.failure_tolerance = str(args.max_failed_regions)
    if args.max_concurrent is not None and ways:
        raise CliError("--max-concurrent shapes the waves of a new rollout: it takes a change", EXIT_USAGE)
    # Their text, before anything is read (the count itself needs the master's regions).
    for option, text in (("--failure-tolerance", args.failure_tolerance), ("--max-concurrent", args.max_concurrent)):
        if text is not None:
            try:
                region_count(text, 100, option)
            except PlanError as exc:
                raise CliError(str(exc), EXIT_USAGE) from None
    if args.max_concurrent is not None and args.max_concurrent.strip() in ("0", "0%"):
        raise CliError("--max-concurrent must let at least one region be updated: 1 or more", EXIT_USAGE)
    if args.template:
        require_file(args.template)
        for env in args.env:
            require_file(env, "environment file")
    gate = Gate(args.soak, args.gate_cmd)
    if args.gate_cmd:
        try:
            gate_argv(args.gate_cmd)
        except PlanError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
    params = parse_params(args.params, args.parameter_files)
    return asyncio.run(_rollout(args, gate, params))


async def _rollout(args, gate: Gate, params: dict) -> int:
    fleet = await open_fleet(args, every_region=True)
    try:
        if _read_only(args, fleet.name) and _mutates(args):
            raise CliError(f"read-only mode (set for cloud {fleet.name} in the config): rollout is not allowed")
        refuse_unknown_regions(fleet, args.regions)
        found = await find_one(fleet, args.name, args.regions or None)
        region = found.stack.region
        actions = Actions(fleet, read_only=_read_only(args, fleet.name))
        out = sys.stderr if args.format == "json" else sys.stdout
        try:
            if args.status or args.go_on or args.rollback or args.stop:
                return await _way_on(args, fleet, actions, region, gate, out)
            return await _start(args, fleet, actions, region, gate, params, out)
        except (ReadOnlyError, RolloutError) as exc:
            raise CliError(str(exc)) from None
        except ActionError as exc:
            raise CliError(str(exc), EXIT_USAGE if exc.kind == "duplicate" else EXIT_FAILED) from None
        except PlanError as exc:
            raise CliError(str(exc), EXIT_USAGE if exc.usage else EXIT_FAILED) from None
    finally:
        fleet.close()


def _unreachable(findings) -> bool:
    return any(f.severity == BLOCKING and "unreachable" in f.message for f in findings)


async def _start(args, fleet, actions, region: str, gate: Gate, params: dict, out) -> int:
    bundle = None
    if args.template:
        analysis = analyse(
            args.template, args.env, params, master_region=region, require_values=True, known_regions=fleet.region_names
        )
        for note in analysis.findings:
            print(str(note), file=sys.stderr)
        if analysis.errors:
            raise CliError(f"{len(analysis.errors)} error(s) in {args.template}: nothing was sent")
        try:
            bundle = gather(args.template, args.env)
        except CloudError as exc:
            raise CliError(f"{args.template}: {exc.message}", EXIT_USAGE) from None
    change = Change(params, bundle, args.template or "")
    plan = await plan_rollout(
        fleet,
        region,
        f"{args.name}",
        change,
        waves=args.waves,
        read_only=_read_only(args, fleet.name) and not args.preview,
        cache=TopologyCache(),
        soak=gate.soak,
        take_over=args.take_over,
        max_concurrent=args.max_concurrent,
    )
    gate = _tolerating(args, gate, plan.topology)
    if args.preview:
        preview = await preview_update(fleet, plan.master, params, bundle, plan.hidden)
        by_region = preview.by_region()
        resources = [tuple(c.resource for c in w.constituents) for w in plan.waves]
        by_hand = rollout_by_hand(
            fleet.name, plan.master.region, plan.master.name, resources, params, plan.hidden, args.template
        )
        files = rollout_files(resources)
        if args.format == "json":
            print_json(
                {
                    "master": plan.master.name,
                    "region": plan.master.region,
                    "change": plan.change.describe(plan.hidden),
                    "waves": [
                        {
                            "wave": w.number,
                            "regions": list(w.regions),
                            "constituents": [c.resource for c in w.constituents],
                            "preview": {r: by_region.get(r, []) for r in w.regions},
                        }
                        for w in plan.waves
                    ],
                    "held": list(plan.held),
                    "failure_tolerance": gate.max_failed_regions,
                    "findings": plan.findings,
                    "blocked": bool(plan.blocking),
                    "by_hand": by_hand,
                    "by_hand_files": files,
                }
            )
        else:
            for line in plan.lines():
                print(line)
            print(f"  {_tolerance_line(gate)}")
            for f in plan.findings:
                print(f"  {f}")
            for line in preview.lines():
                print(line)
            print("by hand (hidden values as <NAME>; each hook clear once the wave before is healthy):")
            for line in by_hand:
                print(f"  {line}")
            for name, content in files.items():
                print(f"  {name}: {json.dumps(content)}")
            print("nothing was sent (--preview)")
        if plan.blocking:
            return EXIT_DEGRADED if _unreachable(plan.blocking) else EXIT_FAILED
        return EXIT_OK
    for f in plan.findings:
        print(str(f), file=sys.stderr)
    if plan.blocking:
        reason = plan.blocking[0]
        await actions.refuse(
            Target(region, plan.master.name, plan.master.id), "rollout", str(reason), params, plan.hidden
        )
        raise CliError(
            f"rollout of {plan.master.name} refused before sending: {reason.message}"
            + (f". Instead: {reason.instead}" if reason.instead else ""),
            EXIT_DEGRADED if _unreachable(plan.blocking) else EXIT_FAILED,
        )
    # A rollout changes the master and every constituent, in their regions: the protected ones typed.
    confirm_protected(args, fleet, plan.topology.regions(), f"rollout of {plan.master.name}")
    if not args.yes:
        ask_yes(f"rolling out to {plan.master.name}", "Start the rollout?", plan.lines())
    for line in plan.lines():
        print(line, file=out)
    print(f"  {_tolerance_line(gate)}", file=out)
    run = RolloutRun(fleet, actions, plan.topology, tuple(w.regions for w in plan.waves), gate, on_step=_printer(out))
    if args.snapshot_first:
        m = plan.master
        try:
            snap = await take_snapshot(actions, Target(m.region, m.name, m.id), snapshot_name("rollout"))
        except PlanError as exc:
            raise CliError(str(exc)) from None
        print(f"snapshot {snap['name']} ({snap['id']}): COMPLETE; restore: mrconsole snapshot {m.name} restore "
              f"{snap['id']}", file=out)  # fmt: skip
    outcome = await run.start(plan)
    return _report(args, run, outcome)


def _tolerating(args, gate: Gate, topo) -> Gate:
    """The gate with --failure-tolerance as a number of the master's regions (a percentage resolved)."""
    if args.failure_tolerance is None:
        return gate
    regions = {c.region for c in topo.constituents if c.region}
    try:
        count = region_count(args.failure_tolerance, len(regions), "--failure-tolerance")
    except PlanError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    return replace(gate, max_failed_regions=count)


def _tolerance_line(gate: Gate) -> str:
    n = gate.max_failed_regions
    if n == 0:
        return "Failure tolerance 0: the first region that fails its gate holds every later wave."
    return f"Failure tolerance {n}: up to {n} region(s) may fail their gate; one more holds every later wave."


def _printer(out):
    def say(text: str) -> None:
        print(text, file=out, flush=True)

    return say


def _ways_on(name: str, region: str) -> list[str]:
    base = f"mrconsole rollout {name} --region {region}"
    return [
        f"{base} --continue   # release the next wave anyway",
        f"{base} --rollback   # every region back to before the rollout",
        f"{base} --stop       # cancel the master's update and what runs in each region; hold the rest",
    ]


def _report(args, run: RolloutRun, outcome: Outcome) -> int:
    m = run.topo.master
    ways = [] if outcome.ok else _ways_on(m.name, m.region)
    if args.format == "json":
        print_json(
            {
                "master": m.name,
                "region": m.region,
                "result": outcome.result,
                "message": outcome.message,
                "waves": [
                    {
                        "wave": w.number,
                        "regions": list(w.regions),
                        "constituents": list(w.resources),
                        "state": w.state,
                        "gates": w.gates,
                    }
                    for w in run.waves
                ],
                "release_seconds": run.release_delays,
                "next": ways,
            }
        )
    else:
        print(f"{m.name}: {outcome.message}")
        for way in ways:
            print(f"  {way}")
    if outcome.result == DONE:
        return EXIT_OK
    return EXIT_DEGRADED if outcome.result == "unreachable" else EXIT_FAILED


async def _way_on(args, fleet, actions, region: str, gate: Gate, out) -> int:
    topo, status = await rollout_state(fleet, region, args.name)
    op = status.operation
    kind, previous = (op.change, op.previous) if op else await journaled_plan(topo.master.id, topo.master.name)
    if args.status:
        if args.format == "json":
            print_json({**to_jsonable(status), "operation": op})
        else:
            _print_status(status)
        return EXIT_OK
    gate = _tolerating(args, gate, topo)
    run = RolloutRun(fleet, actions, topo, status.waves, gate, on_step=_printer(out))
    if status.phase == NONE:
        raise CliError(f"no rollout of {topo.master.name} to act on: {status.message}")
    run.adopt(status, None)
    # Another operator's rollout is theirs until --take-over says otherwise (nothing sent before).
    await run.take_over(args.take_over)
    way = STOP if args.stop else ROLLBACK if args.rollback else CONTINUE
    if args.force and not status.master.in_progress:
        raise CliError(
            f"--force sends again an update still IN_PROGRESS; {topo.master.name} is {status.master.status}: "
            f"--continue alone goes on. Nothing was sent"
        )
    if way == CONTINUE and status.phase == RUNNING and not args.force:
        running = status.resend_wave
        regions = status.wave_regions(running)
        raise CliError(
            f"{topo.master.name}'s update is running (wave {running}: {regions}) and no wave is held: nothing was "
            f"sent. Watch it: mrconsole rollout {topo.master.name} --status, and --continue once the next wave "
            f"is held. If {region}'s Heat went down during it, it never ends (Heat 27 resumes no convergence "
            f"update after a restart): mrconsole rollout {topo.master.name} --continue --force sends the change "
            f"again, later waves held; a new update takes over"
        )
    # What it does in every region, before it is sent.
    for line in what_it_does(way, status, previous, kind, force=args.force):
        print(line, file=out)
    confirm_protected(args, fleet, topo.regions(), f"--{way} of {topo.master.name}'s rollout")
    if not args.yes:
        ask_yes(f"--{way}", f"{way.capitalize()}?")
    if args.stop:
        outcome = await run.stop(status)
        return _report(args, run, outcome)
    if args.rollback:
        outcome = await run.rollback(previous, kind, status)
        return _report(args, run, outcome)
    # --continue: release the next held wave and drive on from it.
    run.marker = await _newest(fleet, topo)
    if args.force:
        outcome = await run.drive(status.resend_wave, resend=True)
        return _report(args, run, outcome)
    nxt = status.next_wave
    if nxt is None:
        if status.phase == "finishing":
            await run.cleanup()
            await actions.record(run.target, "rollout-done", "ok", "breakpoints removed")
            return _report(args, run, Outcome(DONE, "every wave was done; the breakpoints are removed"))
        raise CliError(f"no wave of {topo.master.name} is held: {status.message}")
    outcome = await run.drive(nxt)
    return _report(args, run, outcome)


async def _newest(fleet, topo) -> str | None:
    m = topo.master
    newest = await fleet.region(m.region).events(m.name, m.id, sort_dir="desc", limit=1)
    return newest[0].id if newest else None


def _print_status(status) -> None:
    m = status.master
    print(f"{m.name} ({m.region}): {status.phase}: {status.message}")
    if status.operation is not None:
        print(f"operation: {status.operation.describe()}")
    rows = []
    for number, _regions, members in status.wave_states():
        for c in members:
            rows.append([number, c.region, c.resource, c.stack_name or "-", c.state])
    print_table(["WAVE", "REGION", "RESOURCE", "STACK", "STATE"], rows)
    if status.breakpoints:
        print(f"breakpoints in the environment: {', '.join(status.breakpoints)}")


def cmd_hooks(args) -> int:
    if args.on_stack and not args.clear:
        raise CliError("--stack goes with --clear", EXIT_USAGE)
    if args.clear and args.read_only:
        raise CliError("read-only mode: clearing a breakpoint is not allowed; nothing was sent")
    return asyncio.run(_hooks(args))


async def _hooks(args) -> int:
    fleet = await open_fleet(args, every_region=True)
    try:
        found = await find_one(fleet, args.name, args.regions or None)
        topo = await read_master(fleet, found.stack.region, args.name)
        points, unread = await breakpoints(fleet, topo)
        if args.clear:
            return await _clear(args, fleet, points)
        if args.format == "json":
            print_json({"master": topo.master.name, "breakpoints": points, "unreadable": unread})
        else:
            rows = [[b.region, b.stack_name, b.resource, b.hooks or "-", b.pending or "-"] for b in points]
            if rows:
                print_table(["REGION", "STACK", "RESOURCE", "HOOKS SET", "WAITING AT"], rows)
            else:
                print(f"no breakpoint in {topo.master.name} or its constituents")
            for name, why in unread.items():
                print(f"{name}: not read ({why})", file=sys.stderr)
        return EXIT_DEGRADED if unread else EXIT_OK
    finally:
        fleet.close()


async def _clear(args, fleet, points) -> int:
    if _read_only(args, fleet.name):
        raise CliError(f"read-only mode (set for cloud {fleet.name} in the config): nothing was sent")
    waiting = [b for b in points if b.resource == args.clear and b.pending]
    if args.on_stack:
        waiting = [b for b in waiting if args.on_stack in (b.stack_name, b.stack_id)]
    if not waiting:
        raise CliError(f"nothing waits at a breakpoint on {args.clear}: nothing was sent", EXIT_FAILED)
    if len(waiting) > 1:
        where = ", ".join(f"{b.stack_name} ({b.region})" for b in waiting)
        raise CliError(f"{args.clear} waits in several stacks ({where}): pick one with --stack", EXIT_USAGE)
    b = waiting[0]
    actions = Actions(fleet)
    try:
        result = await actions.release_hook(Target(b.region, b.stack_name, b.stack_id), b.resource, b.pending)
    except (ReadOnlyError, ActionError) as exc:
        raise CliError(str(exc)) from None
    if args.format == "json":
        print_json(result)
    else:
        state = "released" if result.ok else f"FAILED: {result.message}"
        print(f"{b.region}: {b.stack_name}: {b.resource} ({b.pending}): {state}  (request {result.request_id})")
    return EXIT_OK if result.ok else EXIT_FAILED
