"""Benchmark: how long `mrconsole lab up` takes to a lab that answers, by profile, for a new lab (Keystone
bootstrapped, databases made) and for a lab brought up again (`lab down`, then `lab up`). The production
profile (trusts, HTTPS, MariaDB) must not cost more than a few seconds per region over the simple one
(sqlite, plain HTTP). RUNS each, on their own ports; a run that fails is a miss at the limit.

On the production lab, each region restarted (`lab stop`, `lab start`) with its Heat forked from the lab's
fork server and started as a program, side by side: the start's wall time and the new Heat's CPU when it
answers; and the fork server's own CPU, paid once a lab (lab/heat_fork.py).

Beside it, what an idle region's Heat costs once it has worked (a master with its constituents created
and done): each Heat process's CPU over IDLE_S seconds, one sample a region a run. The lab tier keeps
dozens of such processes alive on two cores, so their idle cost is taken from every test's time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_idle import lab_cpu
from bench_scale import process_cpu
from figures import Figure, write

from mrconsole.lab.manager import Lab

BIN = Path(sys.executable).parent
RUNS = 3
LIMIT_S = 300.0
REGIONS = "RegionOne,RegionTwo,RegionThree"
IDLE_S = 30.0


def _run(argv: list[str], lab_dir: Path, env: dict | None = None) -> bool:
    done = subprocess.run(
        [str(BIN / "mrconsole"), "lab", *argv, "--dir", str(lab_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=LIMIT_S,
        check=False,
        env={**os.environ, **(env or {})},
    )
    return done.returncode == 0


def measure_restarts(lab_dir: Path | None, restart: dict[str, tuple[Figure, Figure]]) -> None:
    """`lab stop REGION` then `lab start REGION` for each region, its Heat forked from the lab's fork server
    (lab/heat_fork.py), then each again started as a program (MRCONSOLE_LAB_HEAT_FORK=0): the start's wall
    time to a Heat that answers, and that Heat's CPU by then. A failed stop or start is a miss."""
    regions = REGIONS.split(",")
    for how, env in (("forked", {}), ("as a program", {"MRCONSOLE_LAB_HEAT_FORK": "0"})):
        wall, cpu = restart[how]
        for region in regions:
            if lab_dir is None or not _run(["stop", region], lab_dir):
                wall.add(None)
                cpu.add(None)
                continue
            t = time.monotonic()
            ok = _run(["start", region], lab_dir, env)
            wall.add(time.monotonic() - t if ok else None)
            cpu.add(lab_cpu(Lab(lab_dir)).get(region) if ok else None)


def fork_server_cpu(lab_dir: Path) -> float | None:
    """The CPU the lab's fork server has used (its imports of Heat: once a lab), None if it is not up."""
    from mrconsole.lab import heat_fork, processes

    record = processes.read_pid(heat_fork.server_pid_file(Lab(lab_dir).fork_dir))
    try:
        return process_cpu(record.pid) if record else None
    except OSError:
        return None


def measure_idle(lab_dir: Path | None, idle: Figure) -> None:
    """Each region's Heat CPU over IDLE_S, after a master with its constituents was created; a lab that did
    not come up (None), a master that did not complete, or a process that cannot be read is a miss."""
    regions = REGIONS.split(",")
    if lab_dir is None or not _run(["seed", "--name", "idle", "--wait"], lab_dir):
        for _ in regions:
            idle.add(None)
        return
    lab = Lab(lab_dir)
    before = lab_cpu(lab)
    time.sleep(IDLE_S)
    after = lab_cpu(lab)
    for region in regions:
        used = after[region] - before[region] if region in before and region in after else None
        idle.add(None if used is None else used / IDLE_S * 100)


def measure(
    profile: str, idle: Figure | None = None, restart: dict | None = None, server: Figure | None = None
) -> tuple[Figure, Figure]:
    new = Figure(f"lab up, new, {profile}", "s", "", limit=LIMIT_S)
    again = Figure(f"lab up, again, {profile}", "s", "", limit=LIMIT_S)
    for _ in range(RUNS):
        lab_dir = Path(tempfile.mkdtemp(prefix="mrconsole-bench-lab-"))
        try:
            t = time.monotonic()
            ok = _run(["up", "--regions", REGIONS, "--profile", profile, "--base-port", "0"], lab_dir)
            new.add(time.monotonic() - t if ok else None)
            if server is not None:
                server.add(fork_server_cpu(lab_dir) if ok else None)
            if idle is not None:
                measure_idle(lab_dir if ok else None, idle)
            if restart is not None:
                measure_restarts(lab_dir if ok else None, restart)
            if ok and _run(["down"], lab_dir):
                t = time.monotonic()
                again.add(time.monotonic() - t if _run(["up"], lab_dir) else None)
            else:
                again.add(None)
        finally:
            _run(["down", "--purge"], lab_dir)
            shutil.rmtree(lab_dir, ignore_errors=True)
    return new, again


def main() -> int:
    figures: list[Figure] = []
    idle = Figure(
        "an idle region's Heat after a master's create",
        "% of a core",
        "",
        limit=100.0,
        note=f"each Heat process over {IDLE_S:.0f} s; n = regions x runs",
    )
    restart = {
        how: (
            Figure(f"a region restarted (lab start), its Heat {how}", "s", "", limit=LIMIT_S),
            Figure(f"that Heat's CPU when it answers, {how}", "s", "", limit=LIMIT_S),
        )
        for how in ("forked", "as a program")
    }
    server = Figure("the fork server's CPU (Heat imported once a lab)", "s", "", limit=LIMIT_S)
    for profile in ("simple", "production"):
        production = profile == "production"
        figures += measure(
            profile, idle if production else None, restart if production else None, server if production else None
        )
    figures.append(idle)
    figures += [f for pair in restart.values() for f in pair]
    figures.append(server)
    by = {f.name: f.summary()["p50"] for f in figures}
    regions = len(REGIONS.split(","))
    for when in ("new", "again"):
        prod, simple = by[f"lab up, {when}, production"], by[f"lab up, {when}, simple"]
        if prod is not None and simple is not None:
            figures.append(
                Figure(
                    f"production over simple per region, {when}",
                    "s",
                    "a few seconds at most",
                    value=(prod - simple) / regions,
                    note="p50 difference / regions",
                )
            )
    for f in figures:
        print(f"{f.name:<44} {f.text()}")
    print(f"results: {write('lab_up', figures, {'runs': RUNS, 'regions': REGIONS})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
