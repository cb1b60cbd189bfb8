"""Entry point: `mrconsole [options]` opens the console; subcommands are its twins."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import platform
import sys
import warnings

from mrconsole import __version__
from mrconsole.cli import common, completion_cmd, output
from mrconsole.cli.cloudargs import GLOBAL_FLAGS, GLOBAL_WITH_VALUE
from mrconsole.cli.commands import BY_NAME, COMMANDS
from mrconsole.cli.common import EXIT_USAGE, CliError
from mrconsole.config import keep_private
from mrconsole.core.live.requests import last_sent, sent_since
from mrconsole.core.live.requests import line as request_line
from mrconsole.core.text import PrintableStream
from mrconsole.errors import INTERNAL_MESSAGE, InternalError, describe
from mrconsole.logs import logger
from mrconsole.trace import trace


class OneLineParser(argparse.ArgumentParser):
    """A bad invocation is one line (what is wrong, and where to look), exit 2; not a usage block.
    Subcommands inherit it (argparse builds them with the parent's class)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see: {self.prog} --help)\n")


def one_line(text: str, limit: int = 300) -> str:
    """What the operator typed, echoed back: control characters escaped, a huge value cut."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return shown[:limit] + "…" if len(shown) > limit else shown


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser; or, with `only`, that command's (and its module's other commands'), the rest
    listed by name and help alone (cli/commands.py). A command, `--help` and a TAB so import one command
    module at most: the command modules' imports (the cloud layer, the core) were most of a start's time."""
    parser = OneLineParser(
        prog="mrconsole",
        description="A keyboard-first terminal console for OpenStack Heat across regions. "
        "Without a command, opens the console.",
        epilog=common.EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    parser.add_argument(
        "--version", action="store_true", help="mrconsole's version, the Heat client's and Python's, then exit"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = BY_NAME[only].module if only in BY_NAME else None
    built: set[str] = set()
    for command in COMMANDS:
        if only is None or command.module == wanted:
            if command.module not in built:  # its add_parser defines its neighbours in the table too
                built.add(command.module)
                importlib.import_module(f"mrconsole.cli.{command.module}").add_parser(sub)
        else:
            sub.add_parser(command.name, aliases=list(command.aliases), help=command.help, add_help=False)
    return parser


def _global_spelling(token: str) -> str:
    """Before the command, --timeout is the OpenStack CLI's request timeout, whatever the command."""

    return "--request-timeout" + token[len("--timeout") :] if token.split("=", 1)[0] == "--timeout" else token


def hoist_global_options(argv: list[str], commands: set[str]) -> list[str]:
    """`mrconsole --lab status` as `mrconsole status --lab`: the OpenStack CLI's convention.

    Only the shared cloud options (cloudargs.GLOBAL_*) are moved, and only
    when a command follows them; anything else before the command (the
    console's own options) leaves argv as it was, for argparse to judge.
    """

    moved: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        option = token.split("=", 1)[0]
        if token in commands:
            return [*argv[i:], *moved] if moved else argv
        if token in GLOBAL_FLAGS:
            moved.append(token)
            i += 1
        elif option in GLOBAL_WITH_VALUE and "=" in token:
            moved.append(_global_spelling(token))
            i += 1
        elif option in GLOBAL_WITH_VALUE and i + 1 < len(argv):
            moved += [_global_spelling(token), argv[i + 1]]
            i += 2
        else:
            return argv
    return argv


def _old_follow(argv: list[str]) -> list[str]:
    """`events -f` meant --follow until -f became --format, as in `openstack`: still honoured for this
    release, with a one-line note, when no format follows it."""
    if argv[:1] != ["events"] or "-f" not in argv:
        return argv
    i = argv.index("-f")
    if i + 1 < len(argv) and argv[i + 1] in (*output.EVERY, "log"):
        return argv
    print("mrconsole: note: `events -f` for --follow is deprecated (-f is --format now): use --follow", file=sys.stderr)
    return [*argv[:i], "--follow", *argv[i + 1 :]]


def version_line() -> str:
    """What a bug report needs first: mrconsole, the Heat client it speaks through, Python."""
    from importlib import metadata  # lazy: only --version reads package metadata (15 ms at every start)

    try:
        heatclient = metadata.version("python-heatclient")
    except metadata.PackageNotFoundError:
        heatclient = "not installed"
    return f"mrconsole {__version__} (python-heatclient {heatclient}, Python {platform.python_version()})"


def main(argv: list[str] | None = None) -> int:
    # Libraries below (oslo, keystoneauth) warn loudly; an operator needs
    # our one-line messages, not their deprecation notices.
    logging.basicConfig(level=logging.CRITICAL)
    trace("cli-main")  # the interpreter and the imports above are behind us (the start's split)

    warnings.filterwarnings("ignore")
    keep_private()
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--version"]:
        print(version_line())
        return 0
    if completion_cmd.asked():  # the shell asking for completions: answered, then exits
        completion_cmd.complete_if_asked(build_parser(completion_cmd.command_asked()))
    argv = hoist_global_options(argv, set(BY_NAME))
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["console", *argv]
    argv = _old_follow(argv)
    parser = build_parser(argv[0])
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help exits 0
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    # Text from Heat is data (#33): every line the command prints has its control characters drawn
    # visibly (an event reason with ESC ] 0 ; ... would retitle the operator's terminal). Not for the
    # console, whose terminal driver writes escape sequences of its own.
    streams = (sys.stdout, sys.stderr)
    if argv[0] != "console":
        sys.stdout, sys.stderr = PrintableStream(sys.stdout), PrintableStream(sys.stderr)
    before = last_sent()
    try:
        return _run(args, argv)
    finally:
        if getattr(args, "show_requests", False) and argv[0] != "console":
            _show_requests(before)
        sys.stdout, sys.stderr = streams


def _show_requests(before: int) -> None:
    """--show-requests: what the command sent, one line each, on stderr (stdout stays the command's own)."""
    sent = sent_since(before)
    print(f"{len(sent)} request(s) sent:", file=sys.stderr)
    for r in sent:
        print(f"  {request_line(r)}", file=sys.stderr)


def _run(args, argv: list[str]) -> int:
    try:
        try:
            made = output.prepare(args)  # -f yaml|value|csv, -c: the command writes JSON, made over here
            if made is not None:
                return int(output.run(args.func, args, made) or 0)
        except ValueError as exc:  # a column the rows do not have, -c with a human format
            raise CliError(str(exc), EXIT_USAGE) from None
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"mrconsole: error: {one_line(str(exc), 2000)}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("mrconsole: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `mrconsole events | head`: the reader left; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if isinstance(exc, InternalError):  # met in a region call: logged there already
            message = describe(exc)
        elif getattr(exc, "one_line", False) or type(exc).__name__ in ("LabError", "CloudError", "TemplateError"):
            message = describe(exc)  # an error we raise on purpose, already a sentence
        else:
            logger().exception("mrconsole %s failed", argv[0] if argv else "")
            message = f"{INTERNAL_MESSAGE}: {describe(exc)}"
        print(f"mrconsole: error: {one_line(message, 2000)}", file=sys.stderr)
        if os.environ.get("MRCONSOLE_DEBUG"):
            raise
        return common.EXIT_FAILED
