"""Every command of the CLI, its help line and the module that defines and runs it: the one list `--help`
and the shell's completion read without importing any command module (cli/main.py builds only the parser of
the command asked for; the others are listed by name and help).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    module: str  # mrconsole.cli.<module>: its add_parser defines this command (and its neighbours here)
    help: str
    aliases: tuple[str, ...] = ()


# In the order `mrconsole --help` lists them; a module's commands together.
COMMANDS = (
    Command("lab", "lab_cmd", "run a real local multi-region OpenStack (Keystone + Heat per region)"),
    Command("status", "status_cmd", "region health and the stacks in each region"),
    Command("validate", "validate_cmd", "check a master template: tree, data flow, cross-region mistakes"),
    Command("events", "events_cmd", "merged event timeline of a master and its constituents, or of whole regions"),
    Command("stack", "stack_cmd", "list, show, create, update, delete, suspend, resume, check or cancel stacks"),
    Command("rollout", "rollout_cmd", "change a master region by region, with a gate between waves"),
    Command(
        "breakpoints",
        "rollout_cmd",
        "list (and clear) breakpoints of a master and its constituents, across regions",
        aliases=("hooks",),  # Heat's word; the console's is breakpoints
    ),
    Command(
        "operations",
        "operations_cmd",
        "a master's operations (rollouts, moves, snapshots...) and where each region stands",
    ),
    Command(
        "move",
        "rehome_cmd",
        "move a master to another region (adopt), e.g. when its region is gone",
        aliases=("rehome",),  # its first name; the console says Move
    ),
    Command("evict", "rehome_cmd", "drop a region gone for good from a master, without Heat reaching it"),
    Command("release", "rehome_cmd", "take a constituent out of its master; its stack stays, on its own"),
    Command("import", "rehome_cmd", "make a master over existing regional stacks (adopt); they are not touched"),
    Command("abandon", "rehome_cmd", "remove a (stale) master from Heat, leaving its constituents as they are"),
    Command("snapshot", "snapshot_cmd", "snapshots of a master and its constituents: create, list, restore, delete"),
    Command("outputs", "resource_cmd", "a master's outputs and each constituent's, with the region each comes from"),
    Command("resources", "resource_cmd", "a master's resources and, in their regions, each constituent's"),
    Command("resource", "resource_cmd", "one resource: show, mark unhealthy, signal"),
    Command("command", "command_cmd", "run a user command from the config file on a stack, a resource or a region"),
    Command("journal", "journal_cmd", "the local journal of every action taken"),
    Command("why", "why_cmd", "follow a stack's failure across regions to its root cause"),
    Command("drift", "drift_cmd", "recovery report: constituents changed out of band, and orphans"),
    Command("timeline", "timeline_cmd", "an incident's timeline: every region's events, outages, actions"),
    Command("console", "console_cmd", "open the console (the default without a command)"),
    Command(
        "record",
        "record_cmd",
        "record what the console sees, with no screen, for a post-mortem (replay it with `replay`)",
    ),
    Command("replay", "record_cmd", "open the console on a recording: play, pause, step, seek; read-only"),
    Command("completion", "completion_cmd", "print the shell completion script (bash or zsh)"),
)
BY_NAME = {n: c for c in COMMANDS for n in (c.name, *c.aliases)}


def about(name: str) -> dict:
    """The keywords of `sub.add_parser(name, ...)` this table holds: its help line and its aliases."""
    command = BY_NAME[name]
    return {"help": command.help, "aliases": list(command.aliases)}
