"""`mrconsole [--os-cloud C] [--stack MASTER] [--template FILE]`: the console."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mrconsole import config as user_config
from mrconsole.cli.cloudargs import add_cloud_arguments, cloud_options
from mrconsole.cli.commands import about
from mrconsole.cli.common import EXIT_USAGE, CliError, count_arg, require_file
from mrconsole.core import errors
from mrconsole.core.acting.user_commands import CommandConfigError, of_config
from mrconsole.core.connect import load_config
from mrconsole.core.errors import CloudError
from mrconsole.core.live.fleet import Fleet
from mrconsole.core.live.head_start import HeadStart
from mrconsole.core.live.recording import Recorder, RecordingError, check_writable
from mrconsole.core.live.session import ConsoleSession, SessionConfig
from mrconsole.template.analysis import analyse


def add_parser(sub) -> None:
    p = sub.add_parser(
        "console",
        **about("console"),
        description="The keyboard-first console: master tree, region panes, live events.",
    )
    add_cloud_arguments(p)
    p.add_argument("--stack", metavar="MASTER", help="the master stack to show in the tree")
    p.add_argument("--template", metavar="FILE", help="show a master template's analysis (not deployed)")
    p.add_argument("-e", "--environment", dest="env", action="append", default=[], metavar="ENV")
    p.add_argument(
        "--record",
        metavar="FILE",
        help="also write what the console sees to FILE, for `mrconsole replay FILE` (a flight recorder)",
    )
    p.add_argument(
        "--theme",
        metavar="NAME",
        help="the console's colours: a Textual theme (textual-dark, textual-light, ...; config: theme:)",
    )
    p.add_argument(
        "--event-buffer",
        type=count_arg(100, 10_000_000),
        default=50_000,
        metavar="N",
        help="events kept in memory for the timeline (default 50000; ~1.2 KB each)",
    )
    p.set_defaults(func=cmd_console)


# How long a lone Escape waits for the rest of a key sequence before it is Escape (Textual's default is
# 100 ms, i.e. every "back" would take that long to show). 10 ms, tmux's escape-time since 3.5: a
# terminal sends a key's sequence in one write. Over a slow link, set ESCDELAY higher, as for curses
# programs. tui/keys.py makes Textual notice the end of that wait in time.
ESCAPE_DELAY_MS = "10"


def cmd_console(args) -> int:
    os.environ.setdefault("ESCDELAY", ESCAPE_DELAY_MS)  # read when Textual is first imported, below

    # Configuration problems are one line on the terminal, before any screen: the operator's own file
    # first (it needs no cloud), then the cloud's.
    try:
        conf = user_config.load()
        commands = of_config(conf)
    except (user_config.ConfigError, CommandConfigError) as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    # The command line's own values, before anything is sent.
    if not 100 <= args.event_buffer <= 5_000_000:
        raise CliError("--event-buffer must be between 100 and 5000000", EXIT_USAGE)
    analysis = None
    if args.template:
        require_file(args.template)
        analysis = analyse(args.template, args.env)
    recorders: list[Recorder] = []
    if args.record:
        try:
            check_writable(args.record)
        except RecordingError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
    config = SessionConfig()
    config.stream.buffer_size = args.event_buffer
    head: HeadStart | None = None
    problem: CliError | None = None
    # The operator's own words (keys, aliases, a theme) are checked against Textual's app, so only after
    # its import; with none to check nothing can fail before the screen but the cloud's config.
    words = bool(conf.keys or conf.aliases or args.theme or conf.theme or any(c.key for c in commands))
    try:
        opts = cloud_options(args)
        _, cloud_name = load_config(opts)
    except CliError as exc:
        problem = exc  # said after the operator's own words are checked (the order above)
    except CloudError as exc:
        problem = CliError(str(exc), EXIT_USAGE if exc.kind == errors.CONFIG else 1)
    else:
        if not words:
            # The regions' first lists leave now, while Textual is imported and the screen built
            # (core/live/head_start.py).
            head = HeadStart(opts, config.stream.watch)
    from mrconsole.tui.app import MrConsoleApp
    from mrconsole.tui.keys import prompt_escape

    prompt_escape()
    theme = _checked_words(args, conf, commands, MrConsoleApp)
    if problem is not None:
        raise problem
    opened = head or HeadStart(opts, config.stream.watch)  # words checked: the screen is still to be built
    master = args.stack or (Path(args.template).stem if args.template else None)

    async def factory():
        fleet = Fleet(await opened.cloud())
        protected = conf.protected(fleet.name, fleet.region_names)
        fleet.permissions.read_only = conf.read_only_regions(fleet.name, fleet.region_names)
        session = ConsoleSession(fleet, master=master, config=config, protected=protected)
        if args.record:
            recorders.append(Recorder(session, args.record))
            recorders[0].start()  # a RecordingError is "cannot connect: ..." on the first screen
        return session

    app = MrConsoleApp(
        factory,
        read_only=args.read_only or conf.read_only(cloud_name),
        user_config=conf,
        analysis=analysis,
        commands=commands,
        theme=theme,
    )
    try:
        app.run()
    finally:
        for recorder in recorders:
            recorder.close()
    if recorders:
        print(f"recorded {recorders[0].records} records, {recorders[0].bytes} bytes to {args.record}", file=sys.stderr)
    return app.return_code or 0  # 1 when it stopped on an unexpected error (tui/app.py _fatal_error)


def _checked_words(args, conf, commands, app_class) -> str:
    """The config's keys, aliases and theme (and --theme), checked against the console's own before any
    screen: one line and exit 2 for the first problem (Textual would drop a clashing binding silently and
    fail on an unknown theme once the screen is up). Returns the theme to use ("" for Textual's own)."""
    from textual.theme import BUILTIN_THEMES

    from mrconsole.tui import commands as console_commands
    from mrconsole.tui import keymap

    where = f"{conf.path}: " if conf.path else ""
    try:
        keymap.check(app_class, conf.keys, {c.name: c.key for c in commands if c.key})
        console_commands.check_aliases(conf.aliases)
    except (keymap.KeymapError, console_commands.AliasError) as exc:
        raise CliError(f"{where}{exc}", EXIT_USAGE) from None
    theme = args.theme or conf.theme
    if theme and theme not in BUILTIN_THEMES:
        origin = "--theme" if args.theme else f"{where}theme"
        raise CliError(f"{origin}: no theme {theme!r}; one of: {', '.join(sorted(BUILTIN_THEMES))}", EXIT_USAGE)
    return theme
