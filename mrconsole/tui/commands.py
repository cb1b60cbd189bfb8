"""Every `:` command of the console, in one list, each with the handler it runs.

Command mode (`:`), its completion hint, the help screen and the command
palette (ctrl+p) are all built from `COMMANDS`; adding a command is one
entry here, whose handler calls what the app already does for a key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[[Any, str], object]  # (the app, the argument typed)


@dataclass(frozen=True)
class Command:
    name: str
    args: str  # "" (none), "NAME" (required) or "[NAME]" (optional)
    description: str
    run: Handler
    aliases: tuple[str, ...] = ()
    mutating: bool = False  # hidden and refused in read-only mode

    @property
    def usage(self) -> str:
        return f":{self.name} {self.args}".rstrip()

    @property
    def needs_arg(self) -> bool:
        return bool(self.args) and not self.args.startswith("[")


COMMANDS: tuple[Command, ...] = (
    Command("stacks", "", "the region panes", lambda app, arg: app.action_stacks()),
    Command("tree", "", "the master tree", lambda app, arg: app.action_tree()),
    Command("region", "NAME", "jump to a region's pane", lambda app, arg: app.action_region(arg)),
    Command("stack", "NAME", "open a stack's detail", lambda app, arg: app.action_stack(arg)),
    Command("why", "NAME", "follow a stack's failure to its root cause", lambda app, arg: app.action_why(arg)),
    Command(
        "events",
        "[FILTER]",
        "the events screen, optionally filtered (:events status:failed)",
        lambda app, arg: app.action_events(arg),
    ),
    Command("journal", "", "every action taken from this machine", lambda app, arg: app.action_journal()),
    Command(
        "requests",
        "[REGION]",
        "every HTTP request the console sent, as answered; e: failed ones only (also L)",
        lambda app, arg: app.action_requests(arg),
    ),
    Command(
        "operations",
        "[NAME]",
        "a master's operations (every operator's rollouts, from Heat) and each region's standing",
        lambda app, arg: app.action_operations(arg),
        aliases=("ops",),
    ),
    Command(
        "drift",
        "[NAME]",
        "recovery report after an outage: drift, orphans, reconciliation (also D)",
        lambda app, arg: app.action_drift(arg),
    ),
    Command(
        "timeline",
        "[SINCE]",
        "save the master's incident timeline as markdown (default 2h; also T)",
        lambda app, arg: app.action_timeline(arg),
    ),
    Command(
        "rollout",
        "[NAME]",
        "roll a master's change out in waves, or see one under way (also W)",
        lambda app, arg: app.action_rollout(arg),
    ),
    Command(
        "breakpoints",
        "[NAME]",
        "a master's breakpoints across regions; enter releases one (also B)",
        lambda app, arg: app.action_breakpoints(arg),
    ),
    Command(
        "masters",
        "",
        "the masters found in the regions' lists and the cache; enter follows one (also m)",
        lambda app, arg: app.action_masters(),
    ),
    Command(
        "outputs",
        "[NAME]",
        "a stack's outputs, and a master's constituents', across regions (also o)",
        lambda app, arg: app.action_outputs(arg),
    ),
    Command(
        "resources",
        "[NAME]",
        "resources across regions: enter shows, u marks unhealthy, s signals (also R)",
        lambda app, arg: app.action_resources(arg),
    ),
    Command(
        "move",
        "[NAME]",
        "move a master to another region, even when its region is lost (also M)",
        lambda app, arg: app.action_move(arg),
    ),
    Command(
        "snapshots",
        "[NAME]",
        "a master's snapshots: take, restore, delete (also S)",
        lambda app, arg: app.action_snapshots(arg),
    ),
    Command(
        "launch",
        "[FILE]",
        "launch a master, or regional stacks (fan-out), from a template",
        lambda app, arg: app.action_launch(arg),
        mutating=True,
    ),
    Command(
        "import",
        "MASTER REGION R=STACK...",
        "make MASTER in REGION over existing stacks (adopt; also a stack's menu)",
        lambda app, arg: app.action_import(arg),
        mutating=True,
    ),
    Command("refresh", "", "re-read every region now (also r)", lambda app, arg: app.action_refresh()),
    Command("help", "", "every key and command (also ?)", lambda app, arg: app.action_help(), aliases=("h",)),
    Command("quit", "", "leave the console", lambda app, arg: app.exit(), aliases=("q",)),
)


def check_aliases(aliases: dict[str, str]) -> None:
    """Raise AliasError (one line) for an alias that takes a command's name or names no command."""
    for word, text in aliases.items():
        if not word or not word.replace("-", "").replace("_", "").isalnum():
            raise AliasError(f"aliases.{word}: an alias is one word (letters, digits, - and _)")
        taken = find(word)
        if taken is not None:
            raise AliasError(f"aliases.{word}: :{word} is already {taken.usage}'s; pick another word")
        verb = text.strip().lstrip(":").split(" ", 1)[0]
        if find(verb) is None:
            raise AliasError(f"aliases.{word}: {text!r} is no command (:{verb} is unknown; press ? for the list)")


def expand(text: str, aliases: dict[str, str]) -> str:
    """`:failed web` with `failed: events status:failed` is `events status:failed web`. O(1)."""
    verb, _, rest = text.strip().lstrip(":").partition(" ")
    found = aliases.get(verb) or aliases.get(verb.lower())
    if found is None:
        return text
    return f"{found.strip().lstrip(':')} {rest.strip()}".strip()


class AliasError(Exception):
    one_line = True


def find(verb: str) -> Command | None:
    verb = verb.lower()
    return next((c for c in COMMANDS if verb == c.name or verb in c.aliases), None)


def parse(text: str) -> tuple[Command | None, str, str]:
    """(command, argument, error): the error is one line for the operator, or ""."""
    verb, _, arg = text.strip().lstrip(":").partition(" ")
    arg = arg.strip()
    if not verb:
        return None, "", ""
    cmd = find(verb)
    if cmd is None:
        return None, arg, f"unknown command :{verb} (press ? for help)"
    if cmd.needs_arg and not arg:
        return None, arg, f"{cmd.usage}: {cmd.args} is missing"
    if not cmd.args and arg:
        return None, arg, f"{cmd.usage} takes no argument"
    return cmd, arg, ""


def hint(read_only: bool = False, aliases: dict[str, str] | None = None) -> str:
    words = [c.usage.lstrip(":") for c in COMMANDS if not (read_only and c.mutating)]
    return " | ".join(words + sorted(aliases or {}))
