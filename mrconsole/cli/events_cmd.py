"""`mrconsole events`: one timeline of every region's events, live with --follow."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta

from mrconsole.cli.cloudargs import add_cloud_arguments, find_one, open_fleet
from mrconsole.cli.commands import about
from mrconsole.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError, count_arg, seconds_arg, stack_ref
from mrconsole.cli.output import add_format
from mrconsole.core.live.events import EventStream, StreamConfig
from mrconsole.core.live.follow import follow_master
from mrconsole.core.text import event_line
from mrconsole.core.text import parse_duration as seconds
from mrconsole.models import Event
from mrconsole.trace import trace


def add_parser(sub) -> None:
    p = sub.add_parser(
        "events",
        **about("events"),
        description="Events from every region in one timeline. STACK may be a master: its "
        "constituents' events in other regions are included.",
        epilog="exit codes:\n  0  done; with --follow on a stack: its action (and its constituents') succeeded\n"
        "  1  error, or with --follow: the action failed\n  2  bad invocation\n"
        "  130 interrupted",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("stack", nargs="?", metavar="STACK", type=stack_ref, help="stack name or id (a master or any stack)")
    p.add_argument("--all-regions", action="store_true", help="every stack in the chosen regions")
    p.add_argument("--follow", action="store_true", help="keep streaming new events (until ^C)")
    p.add_argument(
        "--until-done",
        action="store_true",
        help="with --follow STACK: stop when its action (and its constituents') ends; exit 0 if it succeeded",
    )
    p.add_argument(
        "--nested-depth",
        type=count_arg(0, 100),
        default=0,
        metavar="N",
        help="include events of nested stacks inside a region, N levels deep",
    )
    p.add_argument("--since", metavar="DURATION", help="only events newer than this (30s, 10m, 2h, 1d)")
    add_format(p, ("log", "json"), "log")
    p.add_argument(
        "--fast-interval", type=seconds_arg(0, 60, above=True), default=None, metavar="S", help=argparse.SUPPRESS
    )
    p.add_argument(
        "--watch-interval", type=seconds_arg(0, 600, above=True), default=None, metavar="S", help=argparse.SUPPRESS
    )
    add_cloud_arguments(p)
    p.set_defaults(func=cmd_events)


def parse_duration(text: str) -> timedelta:

    try:
        return timedelta(seconds=seconds(text))
    except ValueError as exc:
        raise CliError(f"--since {exc}", EXIT_USAGE) from None


def event_json(e: Event) -> dict:
    return {
        "time": e.time.isoformat() if e.time else None,
        "region": e.region,
        "stack": e.stack_name,
        "stack_id": e.stack_id,
        "resource": e.resource_name,
        "status": e.status,
        "reason": e.status_reason,
        "id": e.id,
        "kind": e.kind,
        "physical_id": e.physical_id,
    }


def _event_time(e: Event):
    return e.time or datetime.min.replace(tzinfo=UTC)


def cmd_events(args) -> int:
    if args.stack is None and not args.all_regions:
        raise CliError("give a STACK, or --all-regions", EXIT_USAGE)
    if args.stack is not None and args.all_regions:
        raise CliError("STACK and --all-regions are exclusive", EXIT_USAGE)
    if args.nested_depth < 0:
        raise CliError("--nested-depth must be 0 or more", EXIT_USAGE)
    if args.until_done and not (args.stack and args.follow):
        raise CliError("--until-done goes with --follow STACK", EXIT_USAGE)
    since = parse_duration(args.since) if args.since else None
    try:
        return asyncio.run(_events(args, since))
    except KeyboardInterrupt:
        return 130


async def _events(args, since) -> int:

    fleet = await open_fleet(args)
    colour = args.format == "log" and sys.stdout.isatty()
    cutoff = datetime.now(UTC) - since if since else None

    def emit(batch):
        for e in batch:
            if cutoff and e.time and e.time < cutoff and e.kind != "gap":
                continue
            if args.format == "json":
                sys.stdout.write(json.dumps(event_json(e)) + "\n")
            else:
                sys.stdout.write(event_line(e, colour) + "\n")
        sys.stdout.flush()

    # One named stack followed: its own short cadence (one filtered list per region of it and its
    # constituents every FOLLOW_ONE s, core/live/events.py: O(followed stacks)), so that an action started
    # elsewhere shows at once; otherwise the stream's defaults.
    one = bool(args.stack) and args.follow
    config = StreamConfig.following_one() if one else StreamConfig()
    config.nested_depth, config.all_stacks = args.nested_depth, args.all_regions
    if args.fast_interval:
        config.fast_interval = args.fast_interval
    if args.watch_interval:
        config.watch_interval = args.watch_interval
    stream = EventStream(fleet, config)
    if args.follow:
        # A region that stops answering (or answers badly) is said on stderr, once, and so is its return;
        # from the start, so that a fault while the backlog is read is said too.
        seen: dict[str, str | None] = {}

        def on_region(region: str, error: str | None, _answered_at: float) -> None:
            kind = error.split(" (")[0] if error else None  # the class, not the byte count of each answer
            if seen.get(region) != kind and (kind or seen.get(region)):
                print(
                    f"{region}: {error}; following the other regions" if error else f"{region}: answers again",
                    file=sys.stderr,
                    flush=True,
                )
            seen[region] = kind

        stream.subscribe_regions(on_region)
    master = None
    try:
        if args.stack:
            detail = await find_one(fleet, args.stack, args.regions)
            master = await follow_master(fleet, stream, detail.stack.region, detail.stack.id)
        else:
            for region in fleet.region_names:
                stream.follow_region(region)
            await stream.discover()
        # The backlog first, merged across regions in time order; then live batches.
        await stream.poll_once()
        emit(stream.timeline.events())
        if not args.follow:
            return EXIT_OK
        stream.subscribe(lambda batch: emit(sorted(batch, key=_event_time)))
        # The backlog is out and what follows is live: a milestone (MRCONSOLE_TRACE) a test or a bench can
        # wait on instead of guessing the start-up's seconds.
        trace("following", len(stream.followed()))
        stop = asyncio.Event()
        tasks = [asyncio.create_task(stream.run(stop))]
        if master is not None:
            tasks.append(asyncio.create_task(master.run(stop)))
        said_error = ""
        try:
            while True:
                await asyncio.sleep(0.3)
                if master is not None and master.error and master.error != said_error:
                    said_error = master.error  # a bug of ours: said once, still following
                    print(
                        f"{master.topology.master.name}: {master.error}; still following", file=sys.stderr, flush=True
                    )
                if args.until_done and master is not None and master.finished() and not master.master_busy():
                    break
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
        return EXIT_OK if master is None or master.succeeded() else EXIT_FAILED
    finally:
        fleet.close()
