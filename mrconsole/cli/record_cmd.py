"""`mrconsole record FILE` and `mrconsole replay FILE`: the flight recorder (core/live/recording.py, playback.py).

`record` runs the console's session with no screen (a jump host's tmux, a cron during a change window) and
writes what it sees until --duration ends or it is interrupted; `console --record FILE` writes the same while
an operator watches. `replay` opens the console on a recording, read-only, with its clock under the keys
p (play/pause), . (step), [ ] (a minute back, on), < > (slower, faster).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

from mrconsole.cli.cloudargs import add_cloud_arguments, cloud_options
from mrconsole.cli.commands import about
from mrconsole.cli.common import EXIT_OK, EXIT_USAGE, CliError, count_arg
from mrconsole.cli.output import add_format
from mrconsole.core.connect import connect
from mrconsole.core.errors import CloudError
from mrconsole.core.live.fleet import Fleet
from mrconsole.core.live.recording import Recorder, RecordingError, check_writable
from mrconsole.core.live.session import ConsoleSession


def add_parser(sub) -> None:
    p = sub.add_parser(
        "record",
        **about("record"),
        description="Run the console's view of the cloud with no screen and write what it sees to FILE "
        "(JSON lines, flushed every second) until --duration ends or Ctrl-C.",
    )
    add_cloud_arguments(p)
    p.add_argument("file", metavar="FILE", help="where to write the recording (created 0600, replaced)")
    p.add_argument("--stack", metavar="MASTER", help="a master to follow, as the console's --stack")
    p.add_argument(
        "--duration", type=count_arg(1, 7 * 24 * 3600), metavar="SECONDS", help="stop after this long (default: Ctrl-C)"
    )
    add_format(p, ("table", "json"), "table")  # the summary at the end
    p.set_defaults(func=cmd_record)

    r = sub.add_parser(
        "replay",
        **about("replay"),
        description="Open the console on a recording made by `record` or `console --record`.",
    )
    r.add_argument("file", metavar="FILE")
    r.add_argument("--speed", type=float, default=1.0, help="playback speed (default 1; 0.25 to 64)")
    r.add_argument("--paused", action="store_true", help="open paused at the start (default: playing)")
    r.set_defaults(func=cmd_replay)


def cmd_record(args) -> int:
    try:
        check_writable(args.file)  # before any request: a path that cannot be written is a usage error
    except RecordingError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    opts = cloud_options(args)
    summary = asyncio.run(_record(opts, args))
    if args.format == "json":
        print(json.dumps(summary))
    else:
        print(
            f"recorded {summary['records']} records, {summary['bytes']} bytes in {summary['seconds']:.0f} s"
            f" ({summary['bytes_per_minute']:.0f} bytes/min) to {summary['file']}"
        )
    return EXIT_OK


async def _record(opts, args) -> dict:
    try:
        fleet = Fleet(await connect(opts))
    except CloudError as exc:
        raise CliError(str(exc)) from None
    session = ConsoleSession(fleet, master=args.stack)
    recorder = Recorder(session, args.file)
    try:
        recorder.start()
    except RecordingError as exc:
        await session.stop()
        raise CliError(str(exc), EXIT_USAGE) from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started = loop.time()
    session.start()
    print(f"recording to {args.file} (Ctrl-C ends it)", file=sys.stderr)
    try:
        await asyncio.wait_for(stop.wait(), args.duration) if args.duration else await stop.wait()
    except TimeoutError:
        pass
    finally:
        await session.stop()
        recorder.close()
    seconds = max(loop.time() - started, 1e-3)
    return {
        "file": os.fspath(args.file),
        "records": recorder.records,
        "bytes": recorder.bytes,
        "seconds": round(seconds, 1),
        "bytes_per_minute": round(recorder.bytes / seconds * 60),
    }


def cmd_replay(args) -> int:
    from mrconsole.core.live.playback import PlaybackSession, Recording
    from mrconsole.tui.app import MrConsoleApp

    if not 0.25 <= args.speed <= 64:
        raise CliError("--speed must be between 0.25 and 64", EXIT_USAGE)
    try:
        recording = Recording(args.file)
    except RecordingError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None

    async def factory():
        session = PlaybackSession(recording)
        session.speed = args.speed
        session.playing = not args.paused
        return session

    app = MrConsoleApp(factory, read_only=True)
    app.run()
    return app.return_code or 0
