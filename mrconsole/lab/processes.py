"""Start, inspect and signal the lab's long-running processes.

A pid file holds the pid and the process start time from /proc, so a pid
reused by an unrelated process is never mistaken for a lab component.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

UP, STOPPED, FROZEN = "up", "stopped", "frozen"


@dataclass(frozen=True)
class PidRecord:
    pid: int
    start_ticks: int


def _proc_stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name may hold spaces; everything after the last ')' is fixed.
    return raw[raw.rindex(")") + 2 :].split()


def _start_ticks(pid: int) -> int | None:
    fields = _proc_stat(pid)
    # fields[0] is the state (field 3); starttime is field 22.
    return int(fields[19]) if fields else None


def read_pid(pid_file: Path) -> PidRecord | None:
    try:
        pid, ticks = pid_file.read_text().split()
        return PidRecord(int(pid), int(ticks))
    except (FileNotFoundError, ValueError):
        return None


def process_state(pid_file: Path) -> tuple[str, int | None]:
    """(state, pid) of the process recorded in pid_file."""
    record = read_pid(pid_file)
    if record is None:
        return STOPPED, None
    fields = _proc_stat(record.pid)
    if fields is None or int(fields[19]) != record.start_ticks or fields[0] in ("Z", "X"):
        return STOPPED, None
    if fields[0] in ("T", "t"):
        return FROZEN, record.pid
    return UP, record.pid


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def spawn(module: str, args: list[str], *, pid_file: Path, output: Path, cwd: Path, env: dict | None = None) -> int:
    """Start `python -m module args` detached from this terminal's session; `env`: added to ours.

    `-P`: the process's directory (a region's, whose mtime changes with every log and pid file) is kept off
    `sys.path`. stevedore keys its entry-point cache by every `sys.path` entry and its mtime, so with it each
    Heat, Keystone and Barbican start missed the cache, scanned every installed package again (~0.9 s of CPU)
    and left a 240 KB file in ~/.cache/python-entrypoints for good (1154 files, 276 MB on this machine)."""
    argv = [sys.executable, "-P", "-m", module, *args]
    return spawn_command(argv, pid_file=pid_file, output=output, cwd=cwd, env=env)


def spawn_command(argv: list[str], *, pid_file: Path, output: Path, cwd: Path, env: dict | None = None) -> int:
    """Start a program (MariaDB's server) detached from this terminal's session, its pid kept as spawn's."""
    with open(output, "ab") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})},
        )
    record_pid(pid_file, proc.pid)
    return proc.pid


def record_pid(pid_file: Path, pid: int) -> None:
    """Write a new process's pid file: its pid and its start time (read back by process_state)."""
    ticks = None
    for _ in range(50):
        ticks = _start_ticks(pid)
        if ticks is not None:
            break
        time.sleep(0.01)
    pid_file.write_text(f"{pid} {ticks or 0}\n")


def terminate(pid_file: Path, timeout: float = 10.0) -> None:
    """End the process for good; a frozen one is killed outright."""
    state, pid = process_state(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return
    try:
        if state == FROZEN:
            os.kill(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    # A killed multi-threaded process shows as a zombie while its other
    # threads are still exiting and its sockets still listen: wait until the
    # pid is gone (reaped), not merely a zombie.
    if not _wait_gone(pid, timeout):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _wait_gone(pid, 5.0)
    pid_file.unlink(missing_ok=True)


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not os.path.exists(f"/proc/{pid}"):
            return True
        time.sleep(0.05)
    return False


def wait_port_free(port: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while port_in_use(port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _reap(pid: int) -> None:
    """Collect our own child if it was one, so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def send(pid_file: Path, sig: int) -> bool:
    state, pid = process_state(pid_file)
    if pid is None:
        return False
    os.kill(pid, sig)
    return True
