"""`mrconsole stack create|update|delete|suspend|resume|check|cancel` (`list` and `show`: stack_show_cmd.py)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from mrconsole import config
from mrconsole.cli import stack_show_cmd
from mrconsole.cli.cloudargs import add_cloud_arguments, open_fleet, refuse_unknown_regions
from mrconsole.cli.commands import about
from mrconsole.cli.common import (
    EXIT_DEGRADED,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_parameter_arguments,
    ask_hidden,
    count_arg,
    parse_params,
    print_json,
    require_file,
    stack_ref,
    to_jsonable,
    typed_regions,
)
from mrconsole.cli.output import add_format
from mrconsole.core.acting.actions import ActionError, Actions, ReadOnlyError
from mrconsole.core.acting.compat import compat_findings, needs_of
from mrconsole.core.acting.create import execute_create, plan_create
from mrconsole.core.acting.findings import BLOCKING
from mrconsole.core.acting.launch import preview_by_region
from mrconsole.core.acting.plan import execute, plan_action
from mrconsole.core.acting.preview import preview_update
from mrconsole.core.connect import TemplateBundle, TopologyCache, gather, gather_environment
from mrconsole.core.diagnosis.why import why
from mrconsole.core.errors import CloudError, PlanError
from mrconsole.core.live.events import EventStream, StreamConfig
from mrconsole.core.live.follow import follow_master
from mrconsole.core.master.snapshots import snapshot_name, take_snapshot
from mrconsole.core.master.topology import until_name_free
from mrconsole.core.text import event_line
from mrconsole.template.analysis import analyse
from mrconsole.template.heat import hidden_parameters

EPILOG = """exit codes:
  0  accepted (with --wait: the action completed)
  1  refused or failed (with --wait: the action ended FAILED)
  3  sent, but the answer was lost (a region misbehaving): outcome unknown, journaled as such
  2  bad invocation, or a refusal that needs a decision (confirmation, drift)
"""


def add_parser(sub) -> None:
    p = sub.add_parser(
        "stack",
        **about("stack"),
        description="List and show stacks across regions; act on a stack in a region (every action is journaled).",
    )
    ssub = p.add_subparsers(dest="stack_command", metavar="ACTION")
    ssub.required = True
    stack_show_cmd.add_parsers(ssub)  # list and show: read-only, as `openstack stack list|show`

    def common(q, wait=True, through_master=False, stack_timeout=False, several=False):
        if several:  # as `openstack stack delete|suspend|resume|check|cancel` take them: one after another
            q.add_argument("names", metavar="STACK", nargs="+", type=stack_ref)
        else:
            q.add_argument("name", metavar="STACK", type=stack_ref)
        add_cloud_arguments(q, stack_timeout=stack_timeout)
        if stack_timeout:  # `openstack stack create|update --timeout`: Heat's timeout_mins
            q.add_argument(
                "--timeout",
                "--timeout-mins",
                dest="timeout_mins",
                type=count_arg(1, 10080),
                default=None,
                metavar="MINUTES",
                help="the stack's timeout in minutes (Heat's default: 60); HTTP's is --request-timeout",
            )
        q.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
        add_format(q, ("text", "json"), "text")
        if wait:
            q.add_argument("--wait", action="store_true", help="follow events until the action ends")
        q.add_argument(
            "--force",
            action="store_true",
            help="send even when the preflight says Heat will refuse (not for a missing confirmation)",
        )
        q.add_argument(
            "--direct",
            action="store_true",
            help="act on a constituent even though its master is reachable (creates drift)",
        )
        q.add_argument(
            "--confirm-region",
            default="",
            metavar="R[,R2]",
            help="the protected regions (config: protected: true) the action changes stacks in, typed",
        )
        if through_master:
            q.add_argument(
                "--through-master",
                action="store_true",
                help="act on a constituent's master instead (the action reaches every constituent)",
            )
        q.set_defaults(func=cmd_stack)
        return q

    def template_args(q, required):
        q.add_argument("-t", "--template", required=required, metavar="FILE")
        q.add_argument("-e", "--environment", dest="env", action="append", default=[], metavar="ENV")
        add_parameter_arguments(q)

    def snapshot_first(q):
        q.add_argument(
            "--snapshot-first",
            action="store_true",
            help="snapshot the stack (a master: every constituent, in its region) and wait for it before "
            "sending; a failed snapshot sends nothing",
        )
        return q

    def previewable(q):
        q.add_argument(
            "--preview",
            "--dry-run",
            action="store_true",
            help="show the preflight (and for an update, what changes in every region); send nothing",
        )
        return q

    c = common(
        ssub.add_parser(
            "create",
            help="create a stack (several --region: fan-out)",
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        ),
        stack_timeout=True,
    )
    template_args(c, True)
    c.add_argument(
        "--preview", "--dry-run", action="store_true", help="show what would be created, by region, and stop"
    )
    u = previewable(
        common(
            ssub.add_parser(
                "update",
                help="update with a new template, or PATCH some parameters",
                epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            ),
            stack_timeout=True,
        )
    )
    template_args(u, False)
    snapshot_first(u)
    previewable(
        common(
            ssub.add_parser(
                "delete",
                help="delete one stack or several (type each name to confirm, or --yes)",
                epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            ),
            several=True,
        )
    )
    snapshot_first(
        previewable(
            common(
                ssub.add_parser(
                    "reapply",
                    help="update a stack with its own template and parameters "
                    "(a master re-applies its intent to every constituent)",
                    epilog=EPILOG,
                    formatter_class=argparse.RawDescriptionHelpFormatter,
                )
            )
        )
    )
    for action in ("suspend", "resume", "check"):
        previewable(
            common(
                ssub.add_parser(
                    action,
                    help=f"{action} one stack or several",
                    epilog=EPILOG,
                    formatter_class=argparse.RawDescriptionHelpFormatter,
                ),
                through_master=True,
                several=True,
            )
        )
    k = previewable(
        common(
            ssub.add_parser(
                "cancel",
                help="cancel an update in progress (rolls back)",
                epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            ),
            through_master=True,
            several=True,
        )
    )
    k.add_argument("--no-rollback", action="store_true", help="cancel without rollback")


def cmd_stack(args) -> int:
    if not args.regions:
        raise CliError("--region is required: say where the stack is", EXIT_USAGE)
    if args.stack_command != "create" and len(args.regions) > 1:
        raise CliError("only create fans out to several regions; give one --region", EXIT_USAGE)
    args.parsed_params = _params(args)  # files read, bad items said, before any cloud is asked
    # On a terminal, a hidden parameter a new template needs and nothing gives is asked for, not echoed:
    # a create, and a full update (Heat replaces the parameters with what is sent). A PATCH keeps Heat's.
    if args.stack_command in ("create", "update") and getattr(args, "template", None) and not args.preview:
        ask_hidden(
            _hidden_unset(args.template, args.env, args.parsed_params),
            f"hidden parameter of {args.name}",
            args.parsed_params,
        )
    return asyncio.run(_stack(args))


def _params(args) -> dict:
    if getattr(args, "parsed_params", None) is not None:
        return dict(args.parsed_params)
    return parse_params(getattr(args, "params", []) or [], getattr(args, "parameter_files", []) or [])


def _read_only(args, cloud_name: str) -> bool:

    return bool(args.read_only) or config.load().read_only(cloud_name)


async def _stack(args) -> int:

    # Read-only is the first answer, before the cloud, the stack or the template is read.
    if args.read_only:
        raise CliError(f"read-only mode: {args.stack_command} is not allowed; nothing was sent")
    # --region names the target here; the fleet sees every region, so a
    # constituent's master (wherever it is) can be found.
    fleet = await open_fleet(args, every_region=True)
    if _read_only(args, fleet.name):
        fleet.close()
        raise CliError(
            f"read-only mode (set for cloud {fleet.name} in the config): {args.stack_command} is not "
            "allowed; nothing was sent"
        )
    try:
        refuse_unknown_regions(fleet, args.regions)
        actions = Actions(fleet, read_only=_read_only(args, fleet.name))
        try:
            if args.stack_command == "create":
                return await _create(args, fleet, actions)
            return await _act_on_each(args, fleet, actions)
        except ReadOnlyError as exc:
            raise CliError(str(exc)) from None
        except ActionError as exc:
            raise CliError(str(exc), EXIT_USAGE if exc.kind in ("unconfirmed", "duplicate") else EXIT_FAILED) from None
    finally:
        fleet.close()


def _bundle(args):

    try:
        return gather(args.template, args.env)
    except CloudError as exc:
        raise CliError(f"{args.template}: {exc.message}", EXIT_USAGE) from None


def _analyse(args, params: dict, fleet, master_region: str):
    """The template analysis of a full update: errors block the action, warnings are shown."""

    require_file(args.template)
    for env in args.env:
        require_file(env, "environment file")
    analysis = analyse(
        args.template,
        args.env,
        params,
        master_region=master_region,
        require_values=True,
        known_regions=fleet.region_names,
    )
    for f in analysis.findings:
        print(str(f), file=sys.stderr)
    if analysis.errors:
        raise CliError(f"{len(analysis.errors)} error(s) in {args.template}: nothing was sent")
    return analysis


def _hidden_unset(template: str, envs: list[str], params: dict) -> list[str]:
    """The template's hidden parameters with no default and no value given (-P or an environment file).
    An unreadable file says nothing here: the analysis after says what is wrong with it."""
    try:
        doc = yaml.safe_load(Path(template).read_text())
        given = set(params)
        for env in envs:
            values = yaml.safe_load(Path(env).read_text()) or {}
            given |= set(values.get("parameters") or {}) | set(values.get("parameter_defaults") or {})
    except (OSError, yaml.YAMLError, AttributeError):
        return []
    specs = doc.get("parameters") if isinstance(doc, dict) else None
    specs = specs if isinstance(specs, dict) else {}
    return [n for n in sorted(hidden_parameters(doc)) if n not in given and "default" not in (specs.get(n) or {})]


async def _create(args, fleet, actions) -> int:
    """The core's create plan (core/acting/create.py), the same as the console's launch form."""

    require_file(args.template)
    for env in args.env:
        require_file(env, "environment file")
    params = _params(args)  # hidden values unset were asked for before logging in (cmd_stack)
    try:
        plan = await plan_create(
            fleet,
            args.name,
            args.regions,
            args.template,
            args.env,
            params,
            timeout_mins=args.timeout_mins,
            read_only=_read_only(args, fleet.name),
            probe=not args.preview,
        )
    except PlanError as exc:
        raise CliError(str(exc), EXIT_USAGE if exc.usage else EXIT_FAILED) from None
    for f in plan.analysis.findings:
        print(str(f), file=sys.stderr)
    if args.preview and plan.analysis.uploads:
        print("uploads (get_file, nested templates): " + ", ".join(plan.analysis.uploads), file=sys.stderr)
    if args.preview:
        if plan.analysis.errors:
            raise CliError(f"{len(plan.analysis.errors)} error(s) in {args.template}: nothing was sent")
        return await _preview(args, fleet, plan)
    # A blocking finding refuses in execute_create, whose error says it: printed here only when --force
    # sends anyway (as for the other actions, _plan).
    for finding in plan.findings:
        if finding.severity != "blocking" or args.force:
            print(finding, file=sys.stderr)
    try:
        results = await execute_create(actions, plan, force=args.force)
    except PlanError as exc:
        raise CliError(str(exc), EXIT_USAGE if exc.usage else EXIT_FAILED) from None
    return await _report(args, fleet, actions, results)


async def _preview(args, fleet, plan) -> int:

    region = plan.regions[0]
    try:
        groups = await preview_by_region(fleet, region, plan.name, plan.bundle, plan.parameters, plan.analysis)
    except CloudError as exc:
        raise CliError(f"preview refused by {region}: {exc.message}") from None
    if args.format == "json":
        print_json({"stack": args.name, "regions": groups})
    else:
        for reg, items in groups.items():
            print(f"{reg}:")
            for item in items:
                print(f"  + {item}")
    return EXIT_OK


async def _plan(args, fleet, action: str, params: dict):
    """The core's plan for this action (core/acting/plan.py), and the decision it needs from flags."""

    try:
        plan = await plan_action(
            fleet,
            action,
            args.regions[0],
            args.name,
            read_only=_read_only(args, fleet.name),
            cache=TopologyCache(),
            parameters=params,
            protected=config.load().protected(fleet.name, fleet.region_names),
        )
    except PlanError as exc:
        raise CliError(str(exc), EXIT_USAGE if exc.usage else EXIT_FAILED) from None
    through = bool(getattr(args, "through_master", False))
    if through and plan.through_master is None:
        raise CliError(
            f"--through-master: {plan.stack.name} has no reachable master to {action} through "
            "(or this action cannot go through one)",
            EXIT_USAGE,
        )
    if plan.creates_drift and not (args.direct or through):
        options = "pass --direct to act on it anyway"
        if plan.through_master is not None:
            m = plan.through_master
            options = f"pass --through-master to {action.replace('_', ' ')} {m.name} in {m.region}, or " + options
        raise CliError(f"{plan.warning} Nothing was sent: {options}.", EXIT_USAGE)
    if getattr(args, "preview", False):
        return plan, through  # shown by _preview_action, on stdout
    # The preflight, before anything is sent. A blocking finding refuses in execute, whose error
    # repeats it, so here it is printed only when --force sends anyway.
    for finding in plan.findings:
        if finding.severity != BLOCKING or args.force:
            print(finding, file=sys.stderr)
    return plan, through


@dataclass(frozen=True)
class _Preview:
    """What --preview found for one stack: its JSON and its lines."""

    data: dict
    lines: list[str]
    blocked: bool


async def _act_on_each(args, fleet, actions) -> int:
    """Each stack named, one after another, as `openstack stack delete A B` does: one that cannot be
    acted on is said (its own error line) and the others go on; the exit code is the worst.

    Cost: one plan and one action per stack, as if each had been given alone."""

    names = getattr(args, "names", None) or [args.name]
    outcomes: list = []
    codes: list[int] = []
    for name in names:
        one = argparse.Namespace(**{**vars(args), "name": name})
        try:
            outcomes.append(await _act(one, fleet, actions))
        except (CliError, ActionError, ReadOnlyError) as exc:
            if len(names) == 1:
                raise
            code = exc.code if isinstance(exc, CliError) else EXIT_FAILED
            print(f"mrconsole: error: {name}: {' '.join(str(exc).split())}", file=sys.stderr)
            codes.append(code)
    previews = [o for o in outcomes if isinstance(o, _Preview)]
    if previews:
        if args.format == "json":
            print_json(previews[0].data if len(names) == 1 else [p.data for p in previews])
        else:
            print("\n".join(line for p in previews for line in p.lines))
        codes += [EXIT_FAILED if p.blocked else EXIT_OK for p in previews]
    else:
        codes.append(await _report(args, fleet, actions, [r for o in outcomes for r in o]))
    if len(outcomes) < len(names) > 1:
        print(
            f"mrconsole: error: {len(names) - len(outcomes)} of {len(names)} stacks could not be acted on",
            file=sys.stderr,
        )
    failed = [c for c in codes if c != EXIT_OK]
    return (failed[0] if len(set(failed)) == 1 else EXIT_FAILED) if failed else EXIT_OK


async def _act(args, fleet, actions) -> list | _Preview:

    verb = args.stack_command
    action = {"cancel": "cancel_without_rollback" if getattr(args, "no_rollback", False) else "cancel_update"}.get(
        verb, verb
    )
    params = _params(args) if verb == "update" else None
    if verb == "update" and not args.template and not params and not args.env:
        raise CliError(
            "update needs -t TEMPLATE, -P KEY=VALUE to change some parameters, or -e ENV to change its environment",
            EXIT_USAGE,
        )
    # A full update's parameters belong to its new template: the template analysis checks them.
    full = verb == "update" and bool(args.template)
    plan, through = await _plan(args, fleet, action, {} if full else (params or {}))
    bundle = None
    if verb == "update" and args.template:
        analysis = _analyse(args, params or {}, fleet, plan.direct.region)
        hidden = frozenset(analysis.tree.template.hidden_parameters) if analysis.tree else plan.hidden
        plan = replace(plan, parameters=params or {}, hidden=hidden)
        bundle = _bundle(args)
        # A new template: what each region's Heat takes (core/acting/compat.py), the master's and each constituent's.
        region = plan.direct.region
        compat = await compat_findings(fleet, needs_of(bundle, params or {}, region))
        plan = replace(plan, findings=plan.findings + tuple(compat))
    if verb == "update" and args.env and not args.template:
        # -e without -t: a PATCH of the stored template with these environment files merged in (as
        # `openstack stack update --existing -e`); never silently dropped.
        try:
            bundle = TemplateBundle(template=None, environment=gather_environment(args.env))
        except CloudError as exc:
            raise CliError(f"{args.env[0]}: {exc.message}", EXIT_USAGE) from None
    if getattr(args, "preview", False):
        by_hand = plan.by_hand(through, getattr(args, "template", None), getattr(args, "env", None) or ())
        return await _preview_of(fleet, plan, bundle if bundle is None or bundle.template else None, by_hand)
    typed_region = _typed_region(args, plan)
    if getattr(args, "snapshot_first", False) and (args.force or not plan.blocking):
        try:
            snap = await take_snapshot(actions, plan.direct, snapshot_name(action))
        except PlanError as exc:
            raise CliError(str(exc)) from None
        print(f"{plan.direct.region}: snapshot {snap['name']} ({snap['id']}): COMPLETE", file=sys.stderr)
    confirmation = ""
    if plan.confirm_name:
        confirmation = plan.confirm_name if args.yes else _ask_name(plan)
    try:
        results = [
            await execute(
                actions,
                plan,
                through_master=through,
                confirmation=confirmation,
                bundle=bundle,
                force=args.force,
                typed_region=typed_region,
                timeout_mins=getattr(args, "timeout_mins", None),
            )
        ]
    except PlanError as exc:
        raise CliError(str(exc), EXIT_USAGE if exc.usage else EXIT_FAILED) from None
    return results


async def _preview_of(fleet, plan, bundle=None, by_hand: list[str] | None = None) -> _Preview:
    """The preflight, for an update or re-apply what changes in every region, and the `openstack` command that
    would send the same request (`by_hand`). Sends nothing."""

    preview = None
    if plan.action in ("update", "reapply"):
        preview = await preview_update(fleet, plan.stack, plan.parameters or {}, bundle, plan.hidden)
    data = {
        "action": plan.action,
        "stack": plan.stack.name,
        "region": plan.stack.region,
        "findings": plan.findings,
        "blocked": bool(plan.blocking),
        "preview": preview.by_region() if preview else None,
        "deletes": list(plan.deletes),
        "protected": list(plan.protected),
        "read_only": list(plan.read_only),
        "by_hand": by_hand or [],
    }
    lines = [f"{plan.question[0].upper()}{plan.question[1:]}"]
    if plan.deletes:
        lines.append(f"  {plan.effect}")
    lines += [f"  {f}" for f in plan.findings] or ["  preflight: nothing stands in the way"]
    lines += preview.lines() if preview else []
    if by_hand:
        lines.append("by hand (hidden values as <NAME>):")
        lines += [f"  {c}" for c in by_hand]
    lines.append("nothing was sent (--preview)")
    return _Preview(data, lines, bool(plan.blocking))


def _typed_region(args, plan) -> str:
    return typed_regions(args.confirm_region, plan.protected, f"{plan.action} of {plan.stack.name}")


def _ask_name(plan) -> str:
    target = plan.direct
    if not sys.stdin.isatty():
        raise CliError(f"deleting {target.name} needs confirmation: pass --yes, or run on a terminal", EXIT_USAGE)
    print(f"Delete {target.name} in {target.region}? {plan.effect}", file=sys.stderr)
    try:
        return input(f"{plan.confirm_prompt[0].upper()}{plan.confirm_prompt[1:]}, anything else cancels: ").strip()
    except EOFError:
        return ""


async def _report(args, fleet, actions, results) -> int:
    final: dict[int, str] = {}
    if getattr(args, "wait", False):
        for i, r in enumerate(results):
            if r.ok:
                final[i] = await _wait(fleet, r, out=sys.stderr if args.format == "json" else sys.stdout)
                actions.complete(r, final[i])
    if args.format == "json":
        print_json([dict(to_jsonable(r), final_status=final.get(i)) for i, r in enumerate(results)])
    else:
        for i, r in enumerate(results):
            state = "accepted" if r.ok else ("OUTCOME UNKNOWN" if r.sent else "REFUSED" if r.refused else "FAILED")
            line = f"{r.region}: {r.action} {r.stack_name}: {state}"
            if not r.ok:
                line += f": {r.message}"
            if i in final:
                line += f" → {final[i]}"
            print(line + (f"  (request {r.request_id})" if r.request_id else ", nothing was sent"))
    failed = any(not r.ok and not r.sent for r in results) or any(s.endswith("_FAILED") for s in final.values())
    for i, r in enumerate(results):
        if final.get(i, "").endswith("_FAILED"):
            await _why_next(fleet, r)
        if r.action in ("update", "reapply") and final.get(i, "").endswith("_FAILED"):
            await _next_step(fleet, r)
    if failed:
        return EXIT_FAILED
    # Sent, the answer lost: not a failure, not a success; the region is misbehaving (degraded).
    return EXIT_DEGRADED if any(not r.ok for r in results) else EXIT_OK


async def _why_next(fleet, result) -> None:
    """An action that ended FAILED: the way out `why` knows for its root cause (Heat's clean-up failing after
    the action's end: core/diagnosis/why.py), else where to look, on stderr. Cost: one `why` walk (the
    failed stacks' resources and templates, in their regions), only after a failure."""
    ref = f"{result.stack_name or result.stack_id} --region {result.region}"
    try:
        report = await why(fleet, result.region, result.stack_id or result.stack_name)
    except CloudError:
        report = None  # the failure itself was said; where to look still holds
    if report is not None and report.root is not None and report.root.instead:
        print(f"next: {report.root.instead}", file=sys.stderr)
    else:
        print(f"next: mrconsole why {ref} (its root cause, across regions)", file=sys.stderr)


async def _next_step(fleet, result) -> None:
    """An update that failed: what the preflight now says stands in the way of the next one, with its way
    out (a constituent a dead engine left without a stack: mark it unhealthy, then the same command), on
    stderr. Cost: one plan of a re-apply (its reads), only after a failure."""
    try:
        plan = await plan_action(
            fleet, "reapply", result.region, result.stack_id or result.stack_name, cache=TopologyCache()
        )
    except (PlanError, CloudError):
        return  # the failure itself was said; a plan that cannot be made adds nothing
    for f in plan.findings:
        if f.severity == BLOCKING and f.instead:
            print(f"next: {f.message}. Instead: {f.instead}", file=sys.stderr)


NAME_FREE_WAIT = 30.0  # seconds a delete's --wait waits, after DELETE_COMPLETE, for Heat to let go of the name


async def _wait(fleet, result, limit: float = 900.0, out=None) -> str:
    """Follow the stack's (and its constituents') events until the action ends."""

    stream = EventStream(fleet, StreamConfig.following_one())  # the stack it acts on, on FOLLOW_ONE
    out = out or sys.stdout
    colour = out.isatty()
    try:
        master = await follow_master(fleet, stream, result.region, result.stack_id or result.stack_name)
    except CloudError as exc:
        return f"UNKNOWN ({exc.message})"
    await stream.poll_once()
    seen = {e.id for e in stream.timeline.events()}  # history before this action is not shown
    stream.subscribe(
        lambda batch: [print(event_line(e, colour), file=out, flush=True) for e in batch if e.id not in seen]
    )
    stop = asyncio.Event()
    tasks = [asyncio.create_task(stream.run(stop)), asyncio.create_task(master.run(stop))]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    try:
        await asyncio.sleep(1.0)  # let Heat flip the stack to IN_PROGRESS
        said_error = ""
        while loop.time() < deadline:
            if master.error and master.error != said_error:
                said_error = master.error  # a bug of ours: said once, still waiting
                print(f"{master.topology.master.name}: {master.error}; still waiting", file=sys.stderr, flush=True)
            if master.finished() and not master.master_busy():
                break
            if all(t.done() for t in tasks):
                break  # the followers stopped: read the final status below
            await asyncio.sleep(0.3)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    client = fleet.region(result.region)
    try:
        status = (await client.get_stack(result.stack_id or result.stack_name)).stack.status
    except CloudError as exc:
        if exc.kind != "not_found" or result.action != "delete":
            return f"UNKNOWN ({exc.message})"
        status = "DELETE_COMPLETE"
    if status == "DELETE_COMPLETE" and result.action == "delete":
        # Done when the name is free too: a runbook's next line may create a stack of the same name, which Heat
        # refuses while it still holds the deleted one's (core/master/topology.py until_name_free).
        try:
            free = await until_name_free(client, result.stack_name, result.stack_id, NAME_FREE_WAIT)
        except CloudError as exc:
            print(f"{result.stack_name}: deleted; whether its name is free is unknown ({exc.message})", file=sys.stderr)
            return status
        if not free:
            print(
                f"{result.stack_name}: deleted, but Heat still holds its name in {result.region} after "
                f"{NAME_FREE_WAIT:.0f} s: a create of that name is refused until it lets go",
                file=sys.stderr,
            )
    return status
