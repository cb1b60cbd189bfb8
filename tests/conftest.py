"""One real lab (Keystone + three Heat regions, on the production profile) for the whole test run.

Everything the tests write (lab data, journal, topology cache, config) goes
under a temporary directory: XDG variables point there before any module
computes a path, and no OS_* variable of the developer's leaks in.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

# This module may be imported twice (as pytest's conftest and as tests.conftest
# by a test): the second import must not move the run to a new directory. Under
# pytest-xdist (`make test-lab` runs two workers) each worker is a process of its own
# with its own directory, hence its own lab, journal and cache: the variable is per worker.
_ROOT_VAR = "MRCONSOLE_TEST_ROOT_" + os.environ.get("PYTEST_XDIST_WORKER", "main")
_ROOT = Path(os.environ.get(_ROOT_VAR) or tempfile.mkdtemp(prefix="mrconsole-tests-"))
os.environ[_ROOT_VAR] = str(_ROOT)
for var in ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    os.environ[var] = str(_ROOT / var.lower())
for var in list(os.environ):
    if var.startswith("OS_"):
        del os.environ[var]
os.environ["MRCONSOLE_LAB_DIR"] = str(_ROOT / "lab")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# Hypothesis' default 200 ms deadline per example is a wall-clock assertion: on a loaded machine (a lab
# tier beside it) it failed a layout property that holds. Tests never assert times (benches do).
settings.register_profile("mrconsole", deadline=None)
settings.load_profile("mrconsole")

from mrconsole.lab.manager import Lab  # noqa: E402

MASTER = "demo"


class LabHandle:
    """The session lab, with helpers to inject faults and always undo them."""

    def __init__(self, lab: Lab):
        self.lab = lab
        self.dir = lab.dir
        self.regions = lab.layout().regions

    @property
    def clouds_yaml(self) -> Path:
        return self.lab.clouds_yaml

    @property
    def ssl_context(self):
        """For a test's own request to a component: the lab's CA (its endpoints are HTTPS on the
        production profile), or None on plain HTTP."""
        from mrconsole.lab.tls import client_context

        return client_context(self.lab.layout().cafile)

    @contextlib.contextmanager
    def fault(self, component: str, kind: str):
        """kind: 'stop' or 'freeze'; the component is restored afterwards."""
        getattr(self.lab, kind)(component)
        try:
            yield
        finally:
            if kind == "freeze":
                self.lab.thaw(component)
            self.lab.start(component)

    def state(self, component: str) -> str:
        return {c.name: c.state for c in self.lab.status()}[component]


@pytest.fixture(scope="session")
def lab():
    from mrconsole.lab.seed import seed

    lab = Lab(Path(os.environ["MRCONSOLE_LAB_DIR"]))

    # A killed test run (CI's time limit, a terminal closed) must not leave
    # Keystone and Heat processes behind: pytest's finalizers do not run then.
    def _down_and_exit(signum, frame):
        lab.down()
        os._exit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _down_and_exit)
    try:
        lab.up(base_port=0)
        seed(lab, name=MASTER, wait=True)
        yield LabHandle(lab)
    except Exception:
        _dump_logs(lab)
        raise
    finally:
        lab.down()


def _profile_lab(profile: str, clouds: int = 1, regions: list[str] | None = None, name: str | None = None):
    lab = Lab(_ROOT / f"lab-{name or profile}")
    try:
        lab.up(base_port=0, profile=profile, clouds=clouds, regions=regions)
        yield LabHandle(lab)
    except Exception:
        _dump_logs(lab)
        raise
    finally:
        lab.down()


@pytest.fixture(scope="session")
def production_lab(lab):
    """The session lab: it runs the production profile (trusts, re-authentication by trusts:
    lab/configs.py), the default. Named for the tests that pin what Heat does only there."""
    return lab


@pytest.fixture(scope="session")
def no_reauth_lab():
    """A lab on trusts without re-authentication (Heat's default): remote calls on the user's token, and an
    adopt that adopts (under re-authentication by trusts Heat turns it into a create: test_production.py),
    so the moves of a master are tested here. Brought up by the worker that runs a test asking for it, once."""
    yield from _profile_lab("production-no-reauth")


@pytest.fixture(scope="session")
def two_cloud_lab():
    """A lab with a second cloud (#38: `lab up --clouds 2`): mrconsole-lab (RegionOne, RegionTwo, Barbican) and
    lab-edge (its own Keystone, RegionOne, RegionTwo), lab-edge's logins in the first one's Barbican. On trusts
    without re-authentication, whose Heat adopts, so that a master moves in the second cloud too. Brought up by
    the worker that runs a test asking for it, once."""
    yield from _profile_lab("production-no-reauth", clouds=2, regions=["RegionOne", "RegionTwo"], name="two-clouds")


@pytest.fixture
def two_clouds(two_cloud_lab, monkeypatch):
    """`--lab` (and LabHandle faults) point at the two-cloud lab."""
    monkeypatch.setenv("MRCONSOLE_LAB_DIR", str(two_cloud_lab.dir))
    return two_cloud_lab


@pytest.fixture(scope="session")
def simple_lab():
    """A lab on the simple profile (password deferred auth, deprecated in Heat), only to pin what it cannot
    do beside the production profile."""
    yield from _profile_lab("simple")


@pytest.fixture
def adopting_lab(no_reauth_lab, monkeypatch):
    """For a test of moving a master: `--lab` (and LabHandle faults) point at the lab whose Heat adopts."""
    monkeypatch.setenv("MRCONSOLE_LAB_DIR", str(no_reauth_lab.dir))
    return no_reauth_lab


# Fixtures that bring up (or use) a lab: a test that asks for one, directly or through
# another fixture, is marked `lab`; every other test is in the fast tier (`make test-fast`).
LAB_FIXTURES = {"lab", "production_lab", "no_reauth_lab", "simple_lab", "adopting_lab", "two_cloud_lab", "two_clouds"}


# Labs other than each worker's own, and the xdist group of the modules that use them, for a run with
# `--dist loadgroup` (make test-lab stays on loadscope until loadgroup measures faster: Makefile): a group runs
# on one worker, so each such lab is brought up once per run, not once per worker that happens to get one of its
# modules (a clean clone's run of 26eac5e brought up the no-reauth and two-cloud labs on both workers).
SHARED_LABS = {
    "no_reauth_lab": "lab-no-reauth",
    "adopting_lab": "lab-no-reauth",
    "simple_lab": "lab-no-reauth",  # only test_production asks for it, beside the no-reauth lab
    "two_cloud_lab": "lab-two-clouds",
    "two_clouds": "lab-two-clouds",
}


def _lab_groups(items) -> dict[str, str]:
    """Module path -> its xdist group: the shared lab's if any of its tests asks for one, else its own."""
    groups: dict[str, str] = {}
    for item in items:
        module = str(item.fspath)
        for fixture in getattr(item, "fixturenames", ()):
            if fixture in SHARED_LABS:
                groups[module] = SHARED_LABS[fixture]
        groups.setdefault(module, "")
    return {m: g or Path(m).stem for m, g in groups.items()}


# Each lab module's worker time (setup, call and teardown of its tests) in a clean clone's `make test-lab`: the
# order the lab tier schedules modules in (longest first). `MRCONSOLE_LAB_DURATIONS=tests/lab/durations.json make
# test-lab` writes it anew; a module it does not name goes after those it names.
LAB_DURATIONS = Path(__file__).parent / "lab" / "durations.json"


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def lab_durations(path: Path = LAB_DURATIONS) -> dict[str, float]:
    """Module path (as in a node id) -> seconds; empty when the file is missing or unreadable."""
    try:
        modules = json.loads(path.read_text())["modules"]
        return {str(m): float(t) for m, t in modules.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def longest_first(items: list, seconds: dict[str, float]) -> list:
    """Items by their module's seconds, longest first; stable, so a module's tests stay in their order."""
    return sorted(items, key=lambda i: -seconds.get(_module(i.nodeid), 0.0))


_spent: dict[str, float] = {}  # module -> worker seconds in this run (on the controller under xdist)


def pytest_runtest_logreport(report):
    # By folder (conftest keeps the tiers in theirs), not `"lab" in report.keywords`: a keyword is any name
    # in the test's node, so a fast test with "lab" in its name was counted (and the summary printed there).
    if report.nodeid.startswith("tests/lab/"):
        module = _module(report.nodeid)
        _spent[module] = _spent.get(module, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Where the lab tier's worker time went, by module (#35), and the durations file written when asked."""
    if not _spent or hasattr(config, "workerinput"):
        return
    total = sum(_spent.values())
    terminalreporter.write_sep("=", f"lab worker time by module: {total:.0f} s in all")
    for module, spent in sorted(_spent.items(), key=lambda kv: -kv[1]):
        terminalreporter.write_line(f"{spent:8.1f}s  {module}")
    out = os.environ.get("MRCONSOLE_LAB_DURATIONS")
    if out:
        data = {"total": round(total, 1), "modules": {m: round(t, 1) for m, t in sorted(_spent.items())}}
        Path(out).write_text(json.dumps(data, indent=1) + "\n")
        terminalreporter.write_line(f"written: {out}")


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the group marks into the node ids
def pytest_collection_modifyitems(config, items):
    """A test that asks for a lab (or brings its own: marked `lab` by hand) is marked `lab` (what `make test-lab`
    selects), and lives in tests/lab/;
    every other test lives elsewhere (#35: the folders say the tiers, and this keeps them saying it).

    Lab tests are grouped for `--dist loadgroup`, not make test-lab's (a module with its worker's module
    fixtures, or every module of a shared lab); lab modules are ordered longest first (LAB_DURATIONS)."""
    misplaced = []
    for item in items:
        needs_lab = bool(LAB_FIXTURES & set(getattr(item, "fixturenames", ()))) or item.get_closest_marker("lab")
        folder = Path(str(item.fspath)).resolve().relative_to(Path(__file__).resolve().parent).parts[0]
        if folder == "chaos":  # the chaos tier runs on a lab too, on its own (make test-chaos), never in make test
            item.add_marker(pytest.mark.chaos)
            continue
        if needs_lab:
            item.add_marker(pytest.mark.lab)
        if bool(needs_lab) != (folder == "lab"):
            misplaced.append(item.nodeid)
    groups = _lab_groups([i for i in items if i.get_closest_marker("lab")])
    for item in items:
        if item.get_closest_marker("lab"):
            item.add_marker(pytest.mark.xdist_group(groups[str(item.fspath)]))
    # Longest module first (stable: a module's tests keep their order): with `--no-loadscope-reorder` xdist queues
    # modules in this order, and a long module started last leaves the other workers idle at the end.
    items[:] = longest_first(items, lab_durations())
    if misplaced:
        raise pytest.UsageError(
            "tests in another tier's folder (a lab fixture belongs in tests/lab/, nothing else does): "
            + ", ".join(misplaced[:5])
        )


def _dump_logs(lab: Lab) -> None:
    for log in sorted(lab.dir.glob("*/*.log")):
        tail = log.read_text(errors="replace").splitlines()[-20:]
        sys.stderr.write(f"--- {log} ---\n" + "\n".join(tail) + "\n")


@pytest.fixture(scope="session")
def cli():
    """Run `mrconsole ARGS` in-process; returns (exit code, stdout, stderr)."""
    from mrconsole.cli.main import main

    def run(*args: str):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
        return code, out.getvalue(), err.getvalue()

    return run


def run_process(*args: str, env: dict | None = None, timeout: float = 120.0):
    """Run `mrconsole ARGS` as a real process (exit codes, stderr, no traceback)."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "mrconsole", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def journal_mark() -> int:
    """The newest journal entry's id: what a test counts from. Not a count of entries: a lab worker's journal
    grows past any page of it, and a count capped by the page would stop growing (or never change)."""
    from mrconsole.state.journal import Journal

    newest = Journal().entries(1)
    return newest[0].id if newest else 0


def journal_since(mark: int) -> list:
    """The entries journaled after `mark` (journal_mark), oldest first."""
    from mrconsole.state.journal import Journal

    return sorted((e for e in Journal().entries(200) if e.id > mark), key=lambda e: e.id)


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2):
    """Poll a condition with a bound; returns its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value
