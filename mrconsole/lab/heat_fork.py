"""The lab's Heats forked from one interpreter that imported Heat once.

Every Heat start paid ~1.5 s of CPU for its interpreter and its imports (oslo, SQLAlchemy, Heat's
engine, API and resource plugins) before it read its configuration: 63 starts in one lab tier (eight
labs, the fault tests' restarts), about a tenth of the tier's CPU. A lab now keeps one *fork server*
(`python -P -m mrconsole.lab.heat_fork SERVE`, its pid file in `heat-fork/`): it imports what
heat_server.py imports, before any configuration or thread, and waits on a Unix socket of its own
(abstract, named by its pid: no path to outgrow; only the lab's user is answered, by SO_PEERCRED).
`spawn` asks it for a Heat; it forks, and the child becomes the region's Heat process exactly as
`python -m mrconsole.lab.heat_server ARGS` would:
its own session, working directory, output file and environment (the caller's, as spawn_command gives
it), then heat_server.main(ARGS), which parses the region's configuration and starts as before.

What stays as it was: each region's Heat is its own process with its pid file, stopped, frozen and
restarted by signal as before (`lab stop|start|freeze REGION`); the fork server only makes them. It
ignores SIGCHLD so the kernel reaps the Heats it made. It forks only while it is the one thread it had
(forking a process with threads copies their locks held); if it cannot be reached or refuses, the
Heat is started as a program as before (`processes.spawn`) and the reason goes to the fork server's
output file. It is stopped with the lab (`Lab.down`). `MRCONSOLE_LAB_HEAT_FORK=0` in the environment of
the command that starts a Heat starts it as a program (a Heat to debug on its own; bench_lab_up's
side by side).

Cost: one import of Heat per lab (~1.5 s of CPU) instead of one per Heat start; a fork (~10 ms) and
one local socket round trip per start. Its memory, ~130 MB, is shared copy-on-write with the Heats it
forks until they write to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import threading
import time
import traceback
from pathlib import Path

from mrconsole.lab import processes

HEAT_MODULE = "mrconsole.lab.heat_server"
START_TIMEOUT = 60.0  # seconds for a new fork server to import Heat and listen (bounded)


class ForkUnavailable(Exception):
    """The fork server could not make this Heat: the caller starts it as a program."""


def _address(pid: int) -> str:
    return f"\0mrconsole-heat-fork-{pid}"


def server_pid_file(fork_dir: Path) -> Path:
    return fork_dir / "pid"


def server_log(fork_dir: Path) -> Path:
    return fork_dir / "output.log"


def spawn(fork_dir: Path, args: list[str], *, pid_file: Path, output: Path, cwd: Path, env: dict | None = None) -> int:
    """Start a region's Heat (heat_server.py's ARGS) forked from the lab's fork server, started first if it
    is not running; the Heat's pid is written to `pid_file` as processes.spawn writes it. Falls back to
    processes.spawn when the fork server cannot make it."""
    full_env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    request = {"args": args, "cwd": str(cwd), "output": str(output), "env": full_env}
    try:
        if os.environ.get("MRCONSOLE_LAB_HEAT_FORK") == "0":
            raise ForkUnavailable("MRCONSOLE_LAB_HEAT_FORK=0")
        pid = _ask(fork_dir, request)
    except ForkUnavailable as why:
        fork_dir.mkdir(parents=True, exist_ok=True)
        with open(server_log(fork_dir), "a") as log:
            log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} started as a program instead: {why}\n")
        return processes.spawn(HEAT_MODULE, args, pid_file=pid_file, output=output, cwd=cwd, env=env)
    processes.record_pid(pid_file, pid)
    return pid


def stop(fork_dir: Path) -> None:
    """Stop the lab's fork server (the Heats it made go on until they are stopped themselves)."""
    processes.terminate(server_pid_file(fork_dir))


def _ask(fork_dir: Path, request: dict) -> int:
    server = _running(fork_dir)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(30.0)
            conn.connect(_address(server))
            conn.sendall(json.dumps(request).encode())
            conn.shutdown(socket.SHUT_WR)
            answer = json.loads(_read_all(conn) or b"{}")
    except (OSError, ValueError) as exc:
        raise ForkUnavailable(f"the fork server (pid {server}) did not answer: {exc}") from exc
    if "pid" not in answer:
        raise ForkUnavailable(answer.get("error", "the fork server gave no pid"))
    return int(answer["pid"])


def _running(fork_dir: Path) -> int:
    """The fork server's pid, started (and waited for) if it is not running. Two callers at once (a lab's
    regions started from two processes) start one: the first holds a lock on the directory meanwhile."""
    import fcntl

    fork_dir.mkdir(parents=True, exist_ok=True)
    with open(fork_dir / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state, pid = processes.process_state(server_pid_file(fork_dir))
        if state == processes.UP and pid is not None and _listening(pid):
            return pid
        if pid is not None:  # frozen, or up but not listening: not one to wait on
            processes.terminate(server_pid_file(fork_dir))
        pid = processes.spawn(
            __name__, ["SERVE"], pid_file=server_pid_file(fork_dir), output=server_log(fork_dir), cwd=fork_dir
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not _listening(pid):
            if processes.process_state(server_pid_file(fork_dir))[0] != processes.UP:
                raise ForkUnavailable(f"the fork server ended as it started; read {server_log(fork_dir)}")
            if time.monotonic() > deadline:
                processes.terminate(server_pid_file(fork_dir))
                raise ForkUnavailable(f"the fork server did not listen within {START_TIMEOUT:.0f}s")
            time.sleep(0.05)
        return pid


def _listening(pid: int) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(_address(pid))
        except OSError:
            return False
        probe.shutdown(socket.SHUT_RDWR)  # the server reads an empty request and answers nothing
    return True


def _read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


# -- the fork server ----------------------------------------------------------------------------------


def prepare() -> None:
    """What heat_server.main imports, and Heat's API and resource plugins, imported with no configuration
    read and no thread started (heat_server.main then finds them imported)."""
    import importlib
    import pkgutil

    from oslo_service import backend

    backend.init_backend(backend.BackendType.THREADING)
    for name in (
        "heat.version",
        "heat.common.config",
        "heat.common.messaging",
        "heat.db.migration",
        "heat.engine.service",
        "heat.rpc.api",
        "heat.api.openstack.v1",
        "keystonemiddleware.auth_token",
        "paste.deploy",
        "mrconsole.lab.heat_server",
        "mrconsole.lab.rpc_wakeup",
        "mrconsole.lab.sqlite_ids",
        "mrconsole.lab.sqlite_tuning",
        "mrconsole.lab.wsgi_server",
    ):
        importlib.import_module(name)
    # The plugins EngineService's start loads (heat.engine.resources.initialise walks these packages).
    for package in ("heat.engine.resources", "heat.engine.clients.os"):
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, package + "."):
            # A plugin that fails to import here fails in the Heat as it always did (and is logged there).
            with contextlib.suppress(Exception):
                importlib.import_module(module.name)


def serve() -> None:
    prepare()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the Heats this process forks
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(_address(os.getpid()))
    listener.listen(16)
    print(f"fork server {os.getpid()}: Heat imported, listening", flush=True)
    while True:
        conn, _ = listener.accept()
        conn.settimeout(10.0)  # a caller that connects and never ends its request does not hold the server
        with conn:
            try:
                if not same_user(conn):
                    conn.sendall(json.dumps({"error": "not the lab's user: not forking"}).encode())
                    continue
                raw = _read_all(conn)
                if not raw:  # a probe (_listening)
                    continue
                request = json.loads(raw)
                if threading.active_count() != 1:
                    conn.sendall(json.dumps({"error": f"{threading.active_count()} threads: not forking"}).encode())
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    _become_heat(listener, conn, request)  # never returns
                conn.sendall(json.dumps({"pid": pid}).encode())
            except Exception as exc:  # noqa: BLE001 - one bad request does not end the server
                traceback.print_exc()
                try:
                    conn.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
                except OSError:
                    pass


def same_user(conn: socket.socket) -> bool:
    """Whether the process at the other end runs as this one's user (SO_PEERCRED). An abstract socket has no
    file permissions: without this any local user could ask the lab's user for a Heat of their making."""
    import struct

    _, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    return uid == os.getuid()


def _become_heat(listener: socket.socket, conn: socket.socket, request: dict) -> None:
    """In the forked child: the region's Heat, as `python -m mrconsole.lab.heat_server ARGS` would be."""
    code = 1
    try:
        listener.close()
        conn.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        os.chdir(request["cwd"])
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        out = os.open(request["output"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(devnull)
        os.close(out)
        os.environ.clear()
        os.environ.update(request["env"])
        from mrconsole.lab import heat_server

        sys.argv = [heat_server.__file__, *request["args"]]
        heat_server.main(request["args"])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - the child never returns into the server's loop
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


if __name__ == "__main__":
    if sys.argv[1:] != ["SERVE"]:
        sys.exit("usage: python -m mrconsole.lab.heat_fork SERVE")
    serve()
