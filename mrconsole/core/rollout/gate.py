"""A rollout's gate: what a wave must pass before the next is released (a soak, a command per constituent),
how the command runs (no shell, the operator's secrets not handed on, killed with its children on timeout),
and what keeps a constituent from passing. Cost: per constituent, its stack and its resources (2 requests),
after a soak its newest events (1 more)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import signal
from dataclasses import dataclass, field

from mrconsole.core.acting.user_commands import handed_on
from mrconsole.core.errors import PlanError
from mrconsole.core.master.topology import Constituent


@dataclass(frozen=True)
class Gate:
    soak: float = 0.0  # seconds a wave must stay healthy after its update
    command: str | None = None  # run per constituent; exit 0 = pass
    max_failed_regions: int = 0
    command_timeout: float = 600.0

    def argv(self) -> list[str]:
        return gate_argv(self.command) if self.command else []


def gate_argv(command: str) -> list[str]:
    """The gate command as argv (no shell: what runs is what was typed); refused if it cannot run."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise PlanError(f"--gate-cmd: {exc}: nothing was sent", usage=True) from None
    if not argv:
        raise PlanError("--gate-cmd is empty: nothing was sent", usage=True)
    exe = argv[0]
    found = shutil.which(exe) if os.sep not in exe else (exe if os.path.isfile(exe) else None)
    if found is None:
        raise PlanError(f"--gate-cmd: {exe}: no such command: nothing was sent", usage=True)
    if not os.access(found, os.X_OK):
        raise PlanError(f"--gate-cmd: {exe} is not executable: nothing was sent", usage=True)
    return argv


@dataclass
class GateResult:
    resource: str
    region: str
    passed: bool
    lines: list[str] = field(default_factory=list)


async def healthy(client, c: Constituent, since: float | None = None) -> list[str]:
    """What keeps a constituent from passing: its status, a resource not complete, a failure event."""
    assert c.stack_id is not None
    detail = await client.get_stack(c.stack_id)
    problems = []
    if detail.stack.status != "UPDATE_COMPLETE":
        problems.append(f"{detail.stack.name}: {detail.stack.status} {detail.stack.status_reason}".strip())
    for r in await client.resources(detail.stack):
        if not r.status.endswith("_COMPLETE"):
            problems.append(f"{detail.stack.name}: resource {r.name} is {r.status}")
    if since is not None:
        newest = await client.events(detail.stack.name, detail.stack.id, sort_dir="desc", limit=50)
        for e in newest:
            if e.failed and e.time is not None and e.time.timestamp() >= since - 1:
                problems.append(f"{detail.stack.name}: {e.resource_name} {e.status} during the soak")
    return problems


async def run_command(argv: list[str], env: dict[str, str], stdin: str, timeout: float) -> tuple[bool, list[str]]:
    """The gate command: exit 0 passes; its output's last lines are kept to be shown."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**handed_on(), **env},  # no password or token of the operator's (#33)
            start_new_session=True,  # its own group: a timeout ends its children too
        )
    except OSError as exc:
        return False, [f"gate command: {exc.strerror or exc}"]
    try:
        out, _ = await asyncio.wait_for(proc.communicate(stdin.encode()), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        return False, [f"gate command: no answer within {timeout:.0f}s (killed, with its children)"]
    lines = out.decode(errors="replace").splitlines()[-20:]
    verdict = "passed" if proc.returncode == 0 else f"failed (exit {proc.returncode})"
    return proc.returncode == 0, [*lines, f"gate command {verdict}"]
