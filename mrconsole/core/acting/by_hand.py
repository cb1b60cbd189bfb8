"""The `openstack` commands that do by hand what an action does (#37): for a runbook, a ticket, or the
operator who wants to see what the console will send before trusting it.

One command per request the action sends, in the region it sends it to, as python-openstackclient with
python-heatclient's plugin spells it (heatclient/osc/v1/*.py; tests/unit/test_by_hand.py parses each with
heatclient's own parsers). A hidden parameter's value is never written: `<NAME>` stands for it. Every word is
shell-quoted, so a stack name or a value pasted into a shell is one word whatever it holds.

What the console does beyond one request (the preflight, the wait, the journal) has no command; what takes
several (a rollout's waves) is said as the sequence (`rollout_by_hand`).
"""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from mrconsole import config
from mrconsole.models import split_region

# An action of core/acting/action_table.py and the words of `openstack` that send the same request.
STACK_WORDS: dict[str, tuple[str, ...]] = {
    "check": ("stack", "check"),
    "suspend": ("stack", "suspend"),
    "resume": ("stack", "resume"),
    "update": ("stack", "update", "--existing"),  # a PATCH: only the parameters given change
    "reapply": ("stack", "update", "--existing"),  # a PATCH that changes nothing: Heat re-applies what it has
    "cancel_update": ("stack", "cancel"),
    "cancel_without_rollback": ("stack", "cancel", "--no-rollback"),
    "delete": ("stack", "delete", "--yes"),
}


def placeholder(name: str) -> str:
    """What stands for a hidden value: the operator types it, the command never holds it."""
    return f"<{name}>"


def command(cloud: str, region: str, words: Iterable[str]) -> str:
    """One `openstack` command line in `region` of `cloud`, every word quoted for a POSIX shell. A region of a
    cloud opened beside the first (`CLOUD/REGION`) is that cloud's, by its own name."""
    cloud, region = split_region(cloud, region)
    head = ["openstack", "--os-cloud", cloud, "--os-region-name", region]
    return " ".join(shlex.quote(w) for w in [*head, *words])


def parameter_words(parameters: Mapping[str, str] | None, hidden: Iterable[str] = ()) -> list[str]:
    secret = set(hidden)
    words: list[str] = []
    for key, value in (parameters or {}).items():
        words += ["--parameter", f"{key}={placeholder(key) if key in secret else value}"]
    return words


def stack_by_hand(
    cloud: str,
    action: str,
    region: str,
    stack: str,
    parameters: Mapping[str, str] | None = None,
    hidden: Iterable[str] = (),
    template: str | None = None,
    environments: Iterable[str] = (),
) -> list[str]:
    """The command for `action` on `stack` in `region` ([] for an action with no single command).
    `template`, `environments`: an update's files as the operator gave them (a new template is a full update,
    a PUT: no --existing; environments alone are merged into the stored ones, a PATCH)."""
    words = STACK_WORDS.get(action)
    if words is None:
        return []
    extra: list[str] = []
    if action == "update":
        if template:
            words = ("stack", "update", "-t", template)
        for env in environments:
            extra += ["-e", env]
        extra += parameter_words(parameters, hidden)
    return [command(cloud, region, [*words, *extra, stack])]


def rollout_by_hand(
    cloud: str,
    region: str,
    master: str,
    waves: list[tuple[str, ...]],
    parameters: Mapping[str, str] | None = None,
    hidden: Iterable[str] = (),
    template: str | None = None,
) -> list[str]:
    """A rollout as the sequence an operator would type: the PATCH with every later wave's constituents held
    at a breakpoint (HOLD_FILE, `rollout_files`), then per wave after the canary, once the one before is
    healthy, a `hook clear` of its constituents; at the end a PATCH that removes the breakpoints (RELEASE_FILE).
    `waves`: each wave's constituent resources."""
    new = ["-t", template] if template else []
    held = ["stack", "update", "--existing", *new, "-e", HOLD_FILE, *parameter_words(parameters, hidden), master]
    out = [command(cloud, region, held)]
    for wave in waves[1:]:
        out.append(command(cloud, region, ["stack", "hook", "clear", "--pre-update", master, *wave]))
    out.append(command(cloud, region, ["stack", "update", "--existing", "-e", RELEASE_FILE, master]))
    return out


HOLD_FILE, RELEASE_FILE = "hold.yaml", "release.yaml"


def rollout_files(waves: list[tuple[str, ...]]) -> dict[str, dict]:
    """The two environment files `rollout_by_hand` names: the breakpoints on every constituent after the
    canary's wave, and their removal. The removal is `hooks: []`, not `null` (which the console sends, and
    Heat reads as "drop the entry"): `openstack stack update -e` reads the file through heatclient's
    template_utils, which fails on a null entry ("'NoneType' object has no attribute 'get'"); an empty list
    leaves no breakpoint, and the next update runs unheld (checked on the lab, tests/lab/test_by_hand.py)."""
    later = [r for wave in waves[1:] for r in wave]
    every = [r for wave in waves for r in wave]
    return {
        HOLD_FILE: {"resource_registry": {"resources": {r: {"hooks": "pre-update"} for r in later}}},
        RELEASE_FILE: {"resource_registry": {"resources": {r: {"hooks": []} for r in every}}},
    }


def keep(lines: list[str]) -> Path:
    """The commands written to BY_HAND_FILE in the state directory (private): where the console's `y` leaves
    them when the terminal does not take a copy (OSC 52 is not answered: it cannot be known)."""
    path = config.state_dir() / BY_HAND_FILE
    text = f"# mrconsole, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}\n" + "\n".join(lines) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    return path


BY_HAND_FILE = "by-hand.sh"
