"""Benchmark: a rollout in waves on the lab, and releasing a wave by hand with the OpenStack CLI.

Runs against its own throw-away lab, with the rollout example (a master in RegionOne, constituents in
RegionOne, RegionTwo and RegionThree). Measured:
- from a wave's gate passing to the next wave's release answered by Heat (the signal that clears its
  breakpoint), over BENCH_ROLLOUTS rollouts of three waves (two releases each); target p50 <= 1 s;
- a whole rollout of three waves, the clean-up update included;
- side by side, what an operator would run instead to release a held wave by hand:
  `openstack stack hook clear --pre-update MASTER RESOURCE` (the command alone, not the human).
Nothing is asserted: these machines are shared and noisy.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, write

from mrconsole.cloud.connection import connect
from mrconsole.core.acting.actions import Actions
from mrconsole.core.live.fleet import Fleet
from mrconsole.core.rollout.gate import Gate
from mrconsole.core.rollout.run import RolloutRun
from mrconsole.core.rollout.waves import Change, plan_rollout, read_status
from mrconsole.lab.manager import Lab
from mrconsole.lab.options import lab_options
from mrconsole.lab.seed import seed
from mrconsole.state.journal import Journal

ROLLOUTS = int(os.environ.get("BENCH_ROLLOUTS", "5"))
HELD = int(os.environ.get("BENCH_HELD_ROLLOUTS", "2"))
MASTER = "bench-web"
RELEASE_WAIT = 30.0  # a release not answered within this counts as a miss at this value


def _env(lab: Lab) -> dict:
    return {
        **os.environ,
        "OS_CLIENT_CONFIG_FILE": str(lab.clouds_yaml),
        "OS_CLOUD": "mrconsole-lab",
        "OS_REGION_NAME": "RegionOne",
        "PYTHONWARNINGS": "ignore",
    }


async def measure(lab: Lab, journal: Journal) -> list[Figure]:
    release = Figure("gate passed → next wave's release answered by Heat", "s", "p50 <= 1", limit=RELEASE_WAIT)
    whole = Figure("a rollout of 3 waves, clean-up included", "s", "")
    by_hand = Figure("openstack stack hook clear (one held wave, the command alone)", "s", "")
    fleet = Fleet(await connect(lab_options(str(lab.dir))))
    actions = Actions(fleet, journal)
    openstack = shutil.which("openstack") or str(Path(sys.executable).parent / "openstack")
    try:
        for i in range(ROLLOUTS):
            plan = await plan_rollout(fleet, "RegionOne", MASTER, Change({"release": f"bench-{i}"}))
            waves = tuple(w.regions for w in plan.waves)
            run = RolloutRun(fleet, actions, plan.topology, waves, Gate(), poll=0.5)
            started = time.monotonic()
            outcome = await run.start(plan)
            whole.add(time.monotonic() - started if outcome.ok else None)
            for delay in run.release_delays:
                release.add(delay)
            missing = len(waves) - 1 - len(run.release_delays)
            for _ in range(max(0, missing)):
                release.add(None)
            print(f"rollout {i + 1}/{ROLLOUTS}: {outcome.message}", file=sys.stderr)
        for i in range(HELD):
            plan = await plan_rollout(fleet, "RegionOne", MASTER, Change({"release": f"held-{i}"}))
            waves = tuple(w.regions for w in plan.waves)
            run = RolloutRun(fleet, actions, plan.topology, waves, Gate(command="false"), poll=0.5)
            outcome = await run.start(plan)  # the canary's gate fails: the other waves wait at their breakpoints
            for resource in plan.held:
                t0 = time.monotonic()
                done = subprocess.run(
                    [openstack, "stack", "hook", "clear", "--pre-update", MASTER, resource],
                    env=_env(lab),
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                by_hand.add(time.monotonic() - t0 if done.returncode == 0 else None)
                if done.returncode:
                    print(f"openstack: {done.stderr.strip()[:200]}", file=sys.stderr)
            # Every region got the change by hand: the update ends; the breakpoints leave the environment.
            run.adopt(await read_status(fleet, plan.topology, waves), None)
            await run._until_master_ends()
            await run.cleanup()
            print(f"held rollout {i + 1}/{HELD}: {outcome.message}; released by hand", file=sys.stderr)
    finally:
        fleet.close()
    by_hand.limit = 120.0
    return [release, whole, by_hand]


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="mrconsole-bench-rollout-"))
    lab = Lab(root / "lab")
    try:
        lab.up(base_port=0, progress=lambda m: print(f"lab: {m}", file=sys.stderr))
        print(seed(lab, name=MASTER, example="rollout", wait=True), file=sys.stderr)
        figures = asyncio.run(measure(lab, Journal(root / "journal.sqlite")))
    finally:
        lab.down()
        shutil.rmtree(root, ignore_errors=True)
    for f in figures:
        print(f"{f.name}: {f.text()}")
    print(f"results: {write('rollout', figures, {'rollouts': ROLLOUTS, 'held_rollouts': HELD, 'waves': 3})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
