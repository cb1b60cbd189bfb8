"""`mrconsole lab` where nothing starts: a port in use, the lab extra missing."""

from __future__ import annotations

import ast
import os
import socket
from pathlib import Path

from tests.conftest import run_process


def test_port_in_use_is_reported_without_orphans(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_process(
            "lab",
            "up",
            "--no-keystone",
            "--regions",
            "RegionA",
            "--base-port",
            str(port),
            "--dir",
            str(tmp_path / "lab"),
        )
    assert done.returncode == 1
    assert f"port {port}" in done.stderr and "in use" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list((tmp_path / "lab").glob("*/pid"))


def test_missing_lab_extra_is_one_line_error(tmp_path):
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "heat.py").write_text("raise ImportError('heat is not installed')\n")
    env = {"PYTHONPATH": os.pathsep.join([str(shim), str(Path(__file__).resolve().parents[2])])}
    done = run_process("lab", "up", "--no-keystone", "--dir", str(tmp_path / "lab"), env=env)
    assert done.returncode == 1
    assert "lab extra is not installed" in done.stderr
    assert "Traceback" not in done.stderr


def test_lab_modules_are_scheduled_longest_first_and_the_durations_name_modules_that_exist():
    """`make test-lab` queues modules in collection order (--no-loadscope-reorder): the longest first, so that
    none starts last and leaves the other workers idle (#35); a stale name in the file would order nothing."""
    from tests.conftest import LAB_DURATIONS, lab_durations, longest_first

    class Item:
        def __init__(self, nodeid):
            self.nodeid = nodeid

    items = [Item(n) for n in ("t/a.py::one", "t/b.py::one", "t/c.py::one", "t/b.py::two", "t/a.py::two")]
    ordered = longest_first(items, {"t/a.py": 10.0, "t/b.py": 300.0})
    assert [i.nodeid for i in ordered] == ["t/b.py::one", "t/b.py::two", "t/a.py::one", "t/a.py::two", "t/c.py::one"]

    seconds = lab_durations()
    assert len(seconds) >= 10, "tests/lab/durations.json is missing or unreadable"
    root = LAB_DURATIONS.parents[2]
    assert all((root / module).is_file() for module in seconds), sorted(seconds)
    assert lab_durations(LAB_DURATIONS.with_name("no-such-file.json")) == {}


def test_every_lab_but_the_workers_own_is_in_a_shared_group_so_it_comes_up_once():
    """`make test-lab` may run --dist loadgroup: a lab fixture outside SHARED_LABS (other than each worker's own)
    would be brought up by every worker that gets one of its modules (#35)."""
    from tests.conftest import LAB_FIXTURES, SHARED_LABS, _lab_groups

    assert set(SHARED_LABS) == LAB_FIXTURES - {"lab", "production_lab"}

    class Item:
        def __init__(self, path, *fixtures):
            self.fspath, self.fixturenames = path, fixtures

    groups = _lab_groups(
        [Item("/t/lab/test_a.py", "lab"), Item("/t/lab/test_b.py", "lab"), Item("/t/lab/test_b.py", "two_clouds")]
    )
    assert groups == {"/t/lab/test_a.py": "test_a", "/t/lab/test_b.py": "lab-two-clouds"}


def test_the_labs_ports_are_chosen_below_the_ephemeral_range_and_never_twice_in_a_layout(tmp_path):
    """A port from the kernel's ephemeral range can be taken by any outgoing connection between the choice
    and the component's bind (a Heat process failed with EADDRINUSE in the lab tier): the lab chooses below it."""
    from mrconsole.lab.manager import PORT_FLOOR, Lab, _ephemeral_low

    layout = Lab(tmp_path / "lab")._new_layout([f"Region{i}" for i in range(40)], True, 0, taken={PORT_FLOOR})
    ports = list(layout.ports.values())
    assert len(set(ports)) == len(ports) == 41
    assert all(PORT_FLOOR < p < _ephemeral_low() for p in ports), ports


def test_a_lab_server_that_cannot_listen_ends_at_once_with_one_line(tmp_path):
    """Not left running without answering (Heat's engine threads would keep it alive), so `lab up` says at
    once that it failed instead of waiting out its timeout."""
    import subprocess
    import sys

    code = (
        "import threading, sys\n"
        "threading.Thread(target=threading.Event().wait, daemon=False).start()  # as Heat's engine threads\n"
        "from mrconsole.lab.wsgi_server import serve\n"
        "serve(lambda e, s: [], int(sys.argv[1]), sys.argv[2])\n"
    )
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-c", code, str(port), str(tmp_path / "access.log")],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[2],
        )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"cannot listen on 127.0.0.1:{port}: Address already in use"]


def test_a_lab_server_runs_without_its_own_directory_on_sys_path(tmp_path):
    """The lab's servers are started in their own directory (logs, pid files), which must not be on their
    `sys.path`: stevedore keys its entry-point cache by every entry and its mtime, so with it every start of a
    Heat, Keystone or Barbican rescanned every installed package and left a cache file behind for good.
    `python -m site` started as a server is: it prints the `sys.path` it was given."""
    from mrconsole.lab import processes

    home = tmp_path / "RegionOne"
    home.mkdir()
    pid = processes.spawn("site", [], pid_file=home / "site.pid", output=home / "out.txt", cwd=home)
    assert processes._wait_gone(pid, 30)
    printed = (home / "out.txt").read_text()
    listed = printed.split("sys.path = ", 1)[1].split("]", 1)[0] + "]"
    entries = ast.literal_eval(listed)
    assert entries and "site-packages" in " ".join(entries), printed
    # (site prints a relative entry joined to the directory: the editable install's path hook, not a folder.)
    assert not {str(home), ".", ""} & set(entries), entries


def test_keystone_set_up_steps_run_in_order_in_one_interpreter_and_the_failed_one_is_named(tmp_path):
    """lab/keystone_manage.py: each step in a fork of one interpreter, in order; the first that fails stops
    the rest and is told by the exit code (10 + its index)."""
    import getpass
    import grp
    import json
    import subprocess
    import sys

    from mrconsole.lab.keystone_manage import FAILED_BASE

    keys, credential_keys = tmp_path / "fernet-keys", tmp_path / "credential-keys"
    keys.mkdir(mode=0o700)
    credential_keys.mkdir(mode=0o700)
    conf = tmp_path / "keystone.conf"
    conf.write_text(
        f"[fernet_tokens]\nkey_repository = {keys}\n[credential]\nkey_repository = {credential_keys}\n"
        f"[database]\nconnection = sqlite:///{tmp_path / 'no-such-dir' / 'keystone.sqlite'}\n"
    )
    owner = ["--keystone-user", getpass.getuser(), "--keystone-group", grp.getgrgid(os.getgid()).gr_name]
    steps = [["fernet_setup", *owner], ["db_sync"], ["credential_setup", *owner]]
    done = subprocess.run(
        [sys.executable, "-m", "mrconsole.lab.keystone_manage", str(conf), json.dumps(steps)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == FAILED_BASE + 1, done.stdout + done.stderr  # db_sync: its database cannot be made
    assert sorted(p.name for p in keys.iterdir()) == ["0", "1"]  # fernet_setup ran before it
    assert not list(credential_keys.iterdir())  # and nothing after it


def test_a_heat_the_fork_server_cannot_make_is_started_as_a_program_and_the_reason_kept(tmp_path, monkeypatch):
    """lab/heat_fork.py: when the lab's fork server cannot be reached (or refuses), the region's Heat is
    started as `python -m mrconsole.lab.heat_server ARGS` as before, and why goes to the fork server's log."""
    from mrconsole.lab import heat_fork, processes

    def unavailable(fork_dir):
        raise heat_fork.ForkUnavailable("the fork server ended as it started")

    started = []

    def spawn(module, args, **kwargs):
        started.append((module, args, kwargs["env"]))
        return 4242

    monkeypatch.setattr(heat_fork, "_running", unavailable)
    monkeypatch.setattr(processes, "spawn", spawn)
    fork_dir = tmp_path / "heat-fork"
    pid = heat_fork.spawn(
        fork_dir,
        ["heat.conf", "8771", "access.log"],
        env={"REQUESTS_CA_BUNDLE": "ca.pem"},
        pid_file=tmp_path / "pid",
        output=tmp_path / "out",
        cwd=tmp_path,
    )
    assert pid == 4242
    args = ["heat.conf", "8771", "access.log"]
    assert started == [("mrconsole.lab.heat_server", args, {"REQUESTS_CA_BUNDLE": "ca.pem"})]
    log = heat_fork.server_log(fork_dir).read_text()
    assert "started as a program instead: the fork server ended as it started" in log


def test_a_heat_is_started_as_a_program_without_asking_the_fork_server_when_told(tmp_path, monkeypatch):
    """MRCONSOLE_LAB_HEAT_FORK=0: the Heat starts as a program; the fork server is neither asked nor started."""
    from mrconsole.lab import heat_fork, processes

    def never(fork_dir):
        raise AssertionError("the fork server was asked")

    monkeypatch.setenv("MRCONSOLE_LAB_HEAT_FORK", "0")
    monkeypatch.setattr(heat_fork, "_running", never)
    monkeypatch.setattr(processes, "spawn", lambda module, args, **kwargs: 4243)
    fork_dir = tmp_path / "heat-fork"
    assert heat_fork.spawn(fork_dir, [], pid_file=tmp_path / "pid", output=tmp_path / "out", cwd=tmp_path) == 4243
    assert "instead: MRCONSOLE_LAB_HEAT_FORK=0" in heat_fork.server_log(fork_dir).read_text()


def test_the_fork_server_answers_only_its_own_user(monkeypatch):
    """lab/heat_fork.py listens on an abstract socket, which has no file permissions: a request is taken only
    from a process of the same user (SO_PEERCRED)."""
    from mrconsole.lab import heat_fork

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours, theirs:
        assert heat_fork.same_user(ours)
        other = os.getuid() + 1
        monkeypatch.setattr(os, "getuid", lambda: other)  # this process as another user than its peer
        assert not heat_fork.same_user(ours)


def test_the_access_log_names_a_client_by_its_user_agents_first_product():
    """lab/wsgi_server.py's access log ends with who asked: one printable word, never the header's raw text."""
    from mrconsole.lab.wsgi_server import _client

    assert _client("mrconsole/0.1.0 keystoneauth1/5.9.1 python-requests/2.32.3 CPython/3.11.9") == "mrconsole"
    assert _client("python-heatclient") == "python-heatclient"
    assert _client("") == "-"
    assert _client("evil\x1b[31m name/1") == "evil[31m"  # no control character reaches the log
    assert _client("x" * 100) == "x" * 40
