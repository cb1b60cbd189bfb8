"""Every `:` command of the console, in one list.

Command mode (`:`), its completion hint, the help screen and the command
palette (ctrl+p) are all built from `COMMANDS`; adding a command is one
entry here and one app method `cmd_<name>(arg)`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    args: str  # "" (none), "NAME" (required) or "[NAME]" (optional)
    description: str
    aliases: tuple[str, ...] = ()
    mutating: bool = False  # hidden and refused in read-only mode

    @property
    def usage(self) -> str:
        return f":{self.name} {self.args}".rstrip()

    @property
    def needs_arg(self) -> bool:
        return bool(self.args) and not self.args.startswith("[")

    @property
    def method(self) -> str:
        return f"cmd_{self.name}"


COMMANDS: tuple[Command, ...] = (
    Command("stacks", "", "the region panes"),
    Command("tree", "", "the master tree"),
    Command("region", "NAME", "jump to a region's pane"),
    Command("stack", "NAME", "open a stack's detail"),
    Command("why", "NAME", "follow a stack's failure to its root cause"),
    Command("events", "[FILTER]", "the events screen, optionally filtered (:events status:failed)"),
    Command("journal", "", "every action taken from this machine"),
    Command("drift", "[NAME]", "recovery report after an outage: drift, orphans, reconciliation (also D)"),
    Command("timeline", "[SINCE]", "save the master's incident timeline as markdown (default 2h; also T)"),
    Command("rollout", "[NAME]", "roll a master's change out in waves, or see one under way (also W)"),
    Command("breakpoints", "[NAME]", "a master's breakpoints across regions; enter releases one (also B)"),
    Command("masters", "", "the masters found in the regions' lists and the cache; enter follows one (also m)"),
    Command("outputs", "[NAME]", "a stack's outputs, and a master's constituents', across regions (also o)"),
    Command("resources", "[NAME]", "resources across regions: enter shows, u marks unhealthy, s signals (also R)"),
    Command("move", "[NAME]", "move a master to another region, even when its region is lost (also M)"),
    Command("snapshots", "[NAME]", "a master's snapshots: take, restore, delete (also S)"),
    Command("launch", "[FILE]", "launch a master, or regional stacks (fan-out), from a template", mutating=True),
    Command("refresh", "", "re-read every region now (also r)"),
    Command("help", "", "every key and command (also ?)", aliases=("h",)),
    Command("quit", "", "leave the console", aliases=("q",)),
)


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


def hint(read_only: bool = False) -> str:
    return " | ".join(c.usage.lstrip(":") for c in COMMANDS if not (read_only and c.mutating))
