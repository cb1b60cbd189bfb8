"""User commands (k9s calls them plugins): named shell commands from the config file, run on a stack, a
resource or a region, from a key in the console or `mrconsole command NAME`.

    commands:
      - name: events-cli
        key: E                      # in the console; optional
        scope: stack                # stack, resource or region
        command: openstack --os-region-name "$MRCONSOLE_REGION" stack event list "$MRCONSOLE_STACK_ID"
        output: panel               # panel (the output shown in the console) or terminal (handed the terminal)
        dangerous: false            # true: refused in read-only mode, and asked before it runs
        env: [OS_PASSWORD]          # more of your environment to hand on (optional; see HANDED_ON)

The values reach the command as environment variables ($MRCONSOLE_CLOUD, $MRCONSOLE_REGION,
$MRCONSOLE_STACK, $MRCONSOLE_STACK_ID, $MRCONSOLE_RESOURCE, $MRCONSOLE_PHYSICAL_ID), expanded by the shell:
a stack name is never spliced into the command's text, so no name can inject shell syntax, and none of
your own variables is overwritten. Of your environment, only HANDED_ON is handed on (a password or a token
only when the entry's `env:` names it). A bad entry is one line naming it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from dataclasses import dataclass

SCOPES = ("stack", "resource", "region")
OUTPUTS = ("panel", "terminal")
# What a user command or a rollout gate gets of the operator's environment (#33): what a shell, a
# terminal and the OpenStack CLI need to find the cloud, never a password, a token or a secret unless named.
HANDED_ON = frozenset(
    "PATH HOME USER LOGNAME SHELL LANG LANGUAGE TERM COLORTERM TZ TMPDIR COLUMNS LINES DISPLAY SSH_AUTH_SOCK "
    "OS_CLOUD OS_CLIENT_CONFIG_FILE OS_REGION_NAME OS_CACERT REQUESTS_CA_BUNDLE "
    "http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY".split()
)
HANDED_ON_PREFIXES = ("LC_", "XDG_")
# The names before #33, which overwrote the operator's own $STACK or $REGION.
_OLD_NAMES = re.compile(r"\$\{?(CLOUD|REGION|STACK|STACK_ID|RESOURCE|PHYSICAL_ID)\b")


class CommandConfigError(Exception):
    one_line = True


@dataclass(frozen=True)
class UserCommand:
    name: str
    command: str
    scope: str = "stack"
    key: str = ""
    output: str = "panel"
    dangerous: bool = False
    env: tuple[str, ...] = ()  # more of the operator's environment to hand on


@dataclass(frozen=True)
class Subject:
    """What a command runs on: the values of its variables."""

    cloud: str
    region: str
    stack: str = ""
    stack_id: str = ""
    resource: str = ""
    physical_id: str = ""

    def environment(self) -> dict[str, str]:
        return {
            "MRCONSOLE_CLOUD": self.cloud,
            "MRCONSOLE_REGION": self.region,
            "MRCONSOLE_STACK": self.stack,
            "MRCONSOLE_STACK_ID": self.stack_id,
            "MRCONSOLE_RESOURCE": self.resource,
            "MRCONSOLE_PHYSICAL_ID": self.physical_id,
        }


def of_config(conf) -> tuple[UserCommand, ...]:
    """The commands of a loaded config file (mrconsole/config.py UserConfig)."""
    return parse(conf.commands, str(conf.path or "config"))


def parse(entries, where: str = "config") -> tuple[UserCommand, ...]:
    """The `commands:` list of the config file; the first bad entry is one line naming it."""
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise CommandConfigError(f"{where}: 'commands' is a list of entries (name, scope, command, ...)")
    out: list[UserCommand] = []
    names: set[str] = set()
    keys: dict[str, str] = {}
    for i, entry in enumerate(entries):
        label = f"{where}: commands[{i}]"
        if not isinstance(entry, dict):
            raise CommandConfigError(f"{label} must be a mapping with name, scope and command")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CommandConfigError(f"{label} needs a name")
        label = f"{where}: commands[{i}] ({name})"
        unknown = sorted(set(entry) - {"name", "command", "scope", "key", "output", "dangerous", "env"})
        if unknown:
            raise CommandConfigError(f"{label}: unknown setting {unknown[0]!r}")
        command = entry.get("command")
        if not isinstance(command, str) or not command.strip():
            raise CommandConfigError(f"{label} needs a command line")
        old = _OLD_NAMES.search(command)
        if old:
            raise CommandConfigError(f"{label}: ${old.group(1)} is now $MRCONSOLE_{old.group(1)} (yours stay yours)")
        env = entry.get("env", []) or []
        if not isinstance(env, list) or not all(isinstance(v, str) and v for v in env):
            raise CommandConfigError(f"{label}: env is a list of variable names to hand on, like [OS_PASSWORD]")
        scope = entry.get("scope", "stack")
        if scope not in SCOPES:
            raise CommandConfigError(f"{label}: scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        output = entry.get("output", "panel")
        if output not in OUTPUTS:
            raise CommandConfigError(f"{label}: output must be one of {', '.join(OUTPUTS)}, not {output!r}")
        dangerous = entry.get("dangerous", False)
        if not isinstance(dangerous, bool):
            raise CommandConfigError(f"{label}: dangerous must be true or false")
        key = entry.get("key", "") or ""
        if not isinstance(key, str):
            raise CommandConfigError(f"{label}: key must be a key name, like L or ctrl+l")
        if key and key in keys:
            raise CommandConfigError(f"{label}: key {key!r} is also {keys[key]}'s")
        if name in names:
            raise CommandConfigError(f"{label}: another command has this name")
        names.add(name)
        if key:
            keys[key] = name
        out.append(UserCommand(name, command, scope, key, output, dangerous, tuple(env)))
    return tuple(out)


def refusal(cmd: UserCommand, subject: Subject, read_only: bool) -> str:
    """Why `cmd` may not run on `subject`; "" when it may."""
    if cmd.dangerous and read_only:
        return f"{cmd.name} is marked dangerous: refused in read-only mode; nothing was run"
    if cmd.scope == "resource" and not subject.resource:
        return f"{cmd.name} runs on a resource: pick one (the resources screen, or --resource)"
    if cmd.scope == "stack" and not subject.stack:
        return f"{cmd.name} runs on a stack: pick one"
    return ""


async def run_captured(cmd: UserCommand, subject: Subject, timeout: float = 60.0) -> tuple[int | None, str]:
    """Run in a shell with the variables in its environment; (exit code or None if timed out, output)."""
    proc = await asyncio.create_subprocess_shell(
        cmd.command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=environment(cmd, subject),
        start_new_session=True,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        # Its own session: the whole group goes (a shell's children too), not just the shell.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        return None, f"{cmd.name} did not end within {timeout:.0f}s: stopped"
    return proc.returncode, out.decode(errors="replace")


def handed_on(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """The operator's variables a command gets: HANDED_ON, LC_* and XDG_*, and those named in `extra`."""
    return {k: v for k, v in os.environ.items() if k in HANDED_ON or k.startswith(HANDED_ON_PREFIXES) or k in extra}


def environment(cmd: UserCommand, subject: Subject) -> dict[str, str]:
    return {**handed_on(cmd.env), **subject.environment()}
