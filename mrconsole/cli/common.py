"""Shared pieces of the command line: exit codes, errors, output helpers."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from pathlib import Path

# Exit codes, documented in `mrconsole --help`.
EXIT_OK = 0
EXIT_FAILED = 1  # the thing asked for failed (an action, a template with errors)
EXIT_USAGE = 2  # bad invocation
EXIT_DEGRADED = 3  # a region is down / a master is in outage mode

EXIT_CODES_HELP = """exit codes:
  0  success (every region up)
  1  failure: an error, a failed action, a template with errors
  2  bad invocation
  3  degraded: a region is down or a master is in outage mode
  4  drift or orphans found (mrconsole drift)
"""


class CliError(Exception):
    """An error shown as one line; carries its exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


# Typed arguments: bad values are usage errors (exit 2) found before anything is read or sent (#33).
def seconds_arg(low: float, high: float, *, above: bool = False):
    """A finite number of seconds in [low, high] (`above`: more than low)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        if not math.isfinite(value) or value > high or value < low or (above and value == low):
            raise argparse.ArgumentTypeError(
                f"{text!r}: expected seconds {'above' if above else 'from'} {low:g} to {high:g}"
            )
        return value

    return parse


def count_arg(low: int, high: int):
    """A whole number in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r}: expected {low} to {high}")
        return value

    return parse


# Heat's rule for a stack's name (heat/engine/stack.py), and its ids; a reference may be NAME/ID.
_STACK_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_.-]{0,254}")
_STACK_ID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def stack_ref(text: str) -> str:
    """A stack's name, id or NAME/ID as Heat can have it: `prod#x` would address `prod` in a URL."""
    name, slash, ident = text.partition("/")
    if (_STACK_NAME.fullmatch(name) or _STACK_ID.fullmatch(name)) and (not slash or _STACK_ID.fullmatch(ident)):
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a stack name Heat accepts (a letter, then letters, digits, _ . -), an id or NAME/ID"
    )


PARAMETER_HELP = (
    "a parameter's value; NAME=@FILE reads it from a file (@@ for a value that starts with @), so a secret "
    "stays out of ps and shell history (repeatable)"
)


def add_parameter_arguments(p) -> None:
    """-P NAME=VALUE and --parameter-file NAME=FILE, as `openstack stack` has them."""
    p.add_argument(
        "-P", "--parameter", dest="params", action="append", default=[], metavar="KEY=VALUE", help=PARAMETER_HELP
    )
    p.add_argument(
        "--parameter-file",
        dest="parameter_files",
        action="append",
        default=[],
        metavar="KEY=FILE",
        help="a parameter's value read from a file (repeatable)",
    )


def parse_params(items: Sequence[str], files: Sequence[str] = ()) -> dict[str, str]:
    """-P items and --parameter-file items, by the same rule as every action's (core/acting/plan.py). A value read
    from a file loses one trailing newline (what an editor or `echo` adds)."""
    # Here, not at the top: every command imports this module, and core.acting.plan brings the action machinery
    # (~50 ms of `mrconsole --help`, tests/bench/bench_startup.py).
    from mrconsole.core.acting.plan import parse_parameters
    from mrconsole.core.errors import PlanError

    try:
        params = parse_parameters(items)
        named = parse_parameters(files)
    except PlanError as exc:
        raise CliError(f"-P {exc}", EXIT_USAGE) from None
    for key, value in params.items():
        if value.startswith("@@"):
            params[key] = value[1:]
        elif value.startswith("@"):
            params[key] = _read_value(f"-P {key}=@", value[1:])
    for key, path in named.items():
        params[key] = _read_value(f"--parameter-file {key}=", path)
    return params


def ask_hidden(names: Sequence[str], why: str, params: dict[str, str], ask=None, tty=None) -> bool:
    """On a terminal, ask for each hidden value not given, without echo (getpass); True if any was asked.
    Off a terminal (a script), nothing is asked: the plan's finding says which -P to give."""
    import getpass

    ask = ask or getpass.getpass
    tty = sys.stdin.isatty() if tty is None else tty
    missing = [n for n in names if n not in params]
    if not missing or not tty:
        return False
    for name in missing:
        params[name] = ask(f"{name} ({why}; not echoed): ")
    return True


def _read_value(what: str, path: str) -> str:
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{what}{path}: {getattr(exc, 'strerror', None) or exc}", EXIT_USAGE) from None
    return text[:-1] if text.endswith("\n") else text


def to_jsonable(obj):
    if is_dataclass(obj) and not isinstance(obj, type):
        return {k: to_jsonable(v) for k, v in asdict(obj).items()}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return obj


def print_json(obj) -> None:
    json.dump(to_jsonable(obj), sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def print_table(headers: list[str], rows: list[list], out=None) -> None:
    out = out or sys.stdout
    cells = [[str(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    line = "  ".join(h.ljust(widths[i]) for i, h in enumerate(headers))
    out.write(line.rstrip() + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() + "\n")


def require_file(path: str, what: str = "template") -> None:
    """A file given on the command line: it must exist, be a file one can read, and hold something."""

    p = Path(path)
    if not p.exists():
        problem = "no such file"
    elif p.is_dir():
        problem = "is a directory, not a file"
    else:
        try:
            with p.open("rb") as f:
                problem = "" if f.read(1) else "is empty"
        except OSError as exc:
            problem = f"cannot be read ({exc.strerror or exc})"
    if problem:
        raise CliError(f"{what} {path}: {problem}", EXIT_USAGE)


def ask_yes(what: str, question: str, lines=()) -> None:
    """A yes/no before anything is sent: off a terminal, a refusal that names --yes; any answer but y
    sends nothing. Both exit 2."""
    if not sys.stdin.isatty():
        raise CliError(f"{what} needs confirmation: pass --yes, or run on a terminal", EXIT_USAGE)
    for line in lines:
        print(line, file=sys.stderr)
    try:
        answer = input(f"{question} [y/N] ").strip().lower()
    except EOFError:
        answer = ""
    if answer not in ("y", "yes"):
        raise CliError("nothing was sent", EXIT_USAGE)


def confirm_protected(args, fleet, regions, what: str) -> str:
    """Refused when `regions` (where a change reaches) hold a read-only region of the config; the config's
    protected regions among them, typed (typed_regions)."""
    from mrconsole import config
    from mrconsole.core.acting import protect

    conf = config.load()
    refused = protect.read_only_refusal(conf.read_only_regions(fleet.name, fleet.region_names), regions, what)
    if refused:
        raise CliError(refused)
    protected = conf.protected(fleet.name, fleet.region_names)
    return typed_regions(args.confirm_region, protect.touched(protected, regions), what)


def typed_regions(given: str, regions: tuple[str, ...], what: str) -> str:
    """The protected regions (config: protected: true) a change touches, typed: `--confirm-region`, else
    asked on a terminal (`--yes` is not enough: a protected region is named on purpose). Refused with
    exit 2, before anything is sent."""
    from mrconsole.core.acting import protect

    if not regions:
        return ""
    typed = given
    if not typed and sys.stdin.isatty():
        print(f"{', '.join(regions)}: protected in the config.", file=sys.stderr)
        prompt = protect.prompt(regions)
        try:
            typed = input(f"{prompt[0].upper()}{prompt[1:]}: ")
        except EOFError:
            typed = ""
    refused = protect.refusal(regions, typed, what)
    if refused:
        raise CliError(refused, EXIT_USAGE)
    return typed
