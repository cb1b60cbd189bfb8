"""Benchmark: mrconsole events --follow vs openstack stack event list --follow.

Runs against its own throw-away lab. A timed multi-region master is created,
updated and deleted several times while both followers run side by side on
it. Printed for each follower:
- delay from the API call that started an action to the first event of that
  action shown (p50, p95), the master being idle when the action begins;
- how many events from the constituents' regions reach the operator;
- requests per minute per region, idle and busy, read from the lab's access
  logs (each follower measured alone for this, so the counts are its own).
Nothing is asserted: these machines are shared and noisy.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, write

from mrconsole.cloud.connection import connect
from mrconsole.cloud.templates import gather
from mrconsole.lab.manager import Lab
from mrconsole.lab.options import lab_options
from mrconsole.lab.seed import example_template

MASTER = "bench"
PHASE = random.Random(20261128)
CYCLES = int(os.environ.get("BENCH_CYCLES", "3"))
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "30"))


class Follower:
    """A follower process whose stdout lines are timestamped as they arrive."""

    def __init__(self, argv: list[str], env: dict):
        self.lines: list[tuple[float, str]] = []
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, bufsize=1
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def first_after(self, t0: float, action: str, predicate=lambda line: True) -> float | None:
        for ts, line in list(self.lines):
            if ts >= t0 and f"{action}_" in line and predicate(line):
                return ts - t0
        return None


def _env(lab: Lab) -> dict:
    return {
        **os.environ,
        "OS_CLIENT_CONFIG_FILE": str(lab.clouds_yaml),
        "OS_CLOUD": "mrconsole-lab",
        "OS_REGION_NAME": "RegionOne",
        "PYTHONWARNINGS": "ignore",
    }


def mrconsole_follower(lab: Lab) -> Follower:
    return Follower(
        [
            sys.executable,
            "-m",
            "mrconsole",
            "events",
            "--all-regions",
            "--follow",
            "--format",
            "json",
            "--lab",
            "--lab-dir",
            str(lab.dir),
            "--since",
            "1s",
        ],
        _env(lab),
    )


def named_follower(lab: Lab) -> Follower:
    """`mrconsole events --follow STACK`: one named master, on its own short cadence."""
    return Follower(
        [sys.executable, "-m", "mrconsole", "events", MASTER, "--follow", "--format", "json", "--lab",
         "--lab-dir", str(lab.dir), "--since", "1s"],
        _env(lab),
    )  # fmt: skip


def openstack_follower(lab: Lab) -> Follower:
    openstack = str(Path(sys.executable).parent / "openstack")
    return Follower([openstack, "stack", "event", "list", "--follow", MASTER], _env(lab))


def access_counts(lab: Lab, start: float, end: float) -> dict[str, int]:
    counts = {}
    for region in lab.layout().regions:
        lines = (lab.dir / region / "access.log").read_text().splitlines()
        counts[region] = sum(1 for line in lines if start <= float(line.split(" ", 1)[0]) <= end)
    return counts


# A first event not shown within this many seconds of its API call is a miss (counted at the limit).
FIRST_EVENT_WAIT = 30.0


def first_event_figure(who: str) -> Figure:
    return Figure(f"first event of an action, {who}", "s", "", limit=FIRST_EVENT_WAIT)


async def _act(lab: Lab, action: str, params: dict | None = None) -> float:
    """Start an action on the master; the monotonic time just before the API call."""
    bundle = gather(str(example_template("multi-region")))
    cloud = await connect(lab_options(str(lab.dir)))
    try:
        client = cloud.region("RegionOne")
        t0 = time.monotonic()
        if action == "CREATE":
            await client.create_stack(MASTER, bundle.template, files=bundle.files, parameters=params or {})
        elif action == "UPDATE":
            await client.update_stack(MASTER, parameters=params or {}, existing=True)
        else:
            await client.delete_stack(MASTER)
        return t0
    finally:
        cloud.close()


async def _settled(lab: Lab, gone: bool) -> None:
    cloud = await connect(lab_options(str(lab.dir)))
    try:
        client = cloud.region("RegionOne")
        for _ in range(600):
            found = await client.find_stack(MASTER)
            if gone and (found is None or found.stack.status == "DELETE_COMPLETE"):
                return
            if not gone and found is not None and not found.stack.in_progress:
                return
            await asyncio.sleep(0.5)
    finally:
        cloud.close()


def act(lab, action, params=None) -> float:
    return asyncio.run(_act(lab, action, params))


def settled(lab, gone) -> None:
    asyncio.run(_settled(lab, gone))


def run_cycles(lab: Lab, use_mr: bool, use_osc: bool) -> dict:
    delays = {
        "mrconsole": first_event_figure("mrconsole events --follow"),
        "named": first_event_figure("mrconsole events --follow STACK"),
        "openstack": first_event_figure("openstack stack event list --follow"),
    }
    mr = mrconsole_follower(lab) if use_mr else None
    if mr:
        time.sleep(4.0)  # start-up and priming
    osc_runs: list[Follower] = []
    named_runs: list[Follower] = []
    started = time.time()
    for cycle in range(CYCLES):
        o = None
        n = None
        for action, params in (("CREATE", {}), ("UPDATE", {"app_replicas": str(3 + cycle % 2)}), ("DELETE", None)):
            # The master is idle when its action begins, at a random phase of every follower's polling (the
            # openstack follower polls every 5 s from its start: a fixed pause would put each action at the
            # same point of its cycle, and its delay would be that point, not its distribution).
            time.sleep(3.0 + PHASE.uniform(0.0, 5.0))
            t0 = act(lab, action, params)
            if use_osc and action == "CREATE":
                # openstack's follower needs the stack to exist, so it starts after the create call;
                # so does the named one, side by side with it.
                o = openstack_follower(lab)
                osc_runs.append(o)
                if use_mr:
                    n = named_follower(lab)
                    named_runs.append(n)
            settled(lab, gone=action == "DELETE")
            time.sleep(2.0)
            if mr:
                d = mr.first_after(t0, action, lambda l: json.loads(l).get("stack", "").startswith(MASTER))
                delays["mrconsole"].add(d if d is not None and d <= FIRST_EVENT_WAIT else None)
            if o:
                d = o.first_after(t0, action)
                delays["openstack"].add(d if d is not None and d <= FIRST_EVENT_WAIT else None)
            if n and action != "CREATE":  # started after the create call: its create is not a fair sample
                d = n.first_after(t0, action, lambda l: json.loads(l).get("stack", "").startswith(MASTER))
                delays["named"].add(d if d is not None and d <= FIRST_EVENT_WAIT else None)
        if o:
            o.stop()
        if n:
            n.stop()
    ended = time.time()
    shown = {"mrconsole": 0, "openstack": 0}
    if mr:
        mr.stop()
        for _, line in mr.lines:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("region") != "RegionOne" and e.get("stack", "").startswith(MASTER + "-"):
                shown["mrconsole"] += 1
    for o in osc_runs:
        shown["openstack"] += sum(1 for _, line in o.lines if f"{MASTER}-" in line)
    return {"delays": delays, "shown": shown, "window": (started, ended)}


def idle_rate(lab: Lab, which: str) -> dict[str, float]:
    act(lab, "CREATE")
    settled(lab, gone=False)
    f = mrconsole_follower(lab) if which == "mrconsole" else openstack_follower(lab)
    time.sleep(6.0)  # start-up and priming are not idle cost
    start = time.time()
    time.sleep(IDLE_SECONDS)
    end = time.time()
    f.stop()
    act(lab, "DELETE")
    settled(lab, gone=True)
    return {r: n * 60.0 / (end - start) for r, n in access_counts(lab, start, end).items()}


def busy_rate(lab: Lab, result: dict) -> dict[str, float]:
    start, end = result["window"]
    return {r: n * 60.0 / (end - start) for r, n in access_counts(lab, start, end).items()}


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="mrconsole-bench-events-"))
    lab = Lab(root / "lab")
    print(f"bench lab: {lab.dir}", file=sys.stderr)
    try:
        lab.up(base_port=0, progress=lambda m: print(f"lab: {m}", file=sys.stderr))
        both = run_cycles(lab, use_mr=True, use_osc=True)
        idle = {"mrconsole": idle_rate(lab, "mrconsole"), "openstack": idle_rate(lab, "openstack")}
        busy_mr = busy_rate(lab, run_cycles(lab, use_mr=True, use_osc=False))
        busy_osc = busy_rate(lab, run_cycles(lab, use_mr=False, use_osc=True))
        # Heat itself talks across regions while a master runs (the master's
        # engine drives and polls its remote stacks): measured alone, subtracted.
        baseline = busy_rate(lab, run_cycles(lab, use_mr=False, use_osc=False))
    finally:
        lab.down(purge=True)
    d, shown = both["delays"], both["shown"]
    reference = max(shown["mrconsole"], 1)
    print(f"\nevents bench: {CYCLES} create/update/delete cycles of a three-region master")
    print(f"{'':30}{'mrconsole':>12}{'openstack':>12}{'ratio':>8}")
    print(f"{'events --follow STACK':30}{d['named'].text()}")
    mr_s, osc_s = d["mrconsole"].summary(), d["openstack"].summary()
    for label, key in (("first-event delay p50 (s)", "p50"), ("first-event delay p95 (s)", "p95")):
        a, b = mr_s[key], osc_s[key]
        print(
            f"{label:30}{a if a is not None else float('nan'):>12.2f}"
            f"{b if b is not None else float('nan'):>12.2f}{(b / a if a and b else float('nan')):>7.1f}x"
        )
    print(f"{'constituent events shown':30}{shown['mrconsole']:>12}{shown['openstack']:>12}")
    print(
        f"{'share of constituent events':30}{shown['mrconsole'] / reference:>12.0%}"
        f"{shown['openstack'] / reference:>12.0%}"
    )
    for region in idle["mrconsole"]:
        print(f"{'idle req/min ' + region:30}{idle['mrconsole'][region]:>12.1f}{idle['openstack'][region]:>12.1f}")
    for region in busy_mr:
        net_mr = max(0.0, busy_mr[region] - baseline[region])
        net_osc = max(0.0, busy_osc[region] - baseline[region])
        print(
            f"{'busy req/min ' + region:30}{net_mr:>12.1f}{net_osc:>12.1f}"
            f"   (Heat's own traffic, subtracted: {baseline[region]:.1f})"
        )
    print(
        f"samples (misses at {FIRST_EVENT_WAIT:.0f} s): mrconsole n={d['mrconsole'].n} "
        f"missed {d['mrconsole'].misses}; openstack n={d['openstack'].n} missed {d['openstack'].misses}"
    )
    figures = [
        d["mrconsole"],
        d["named"],
        d["openstack"],
        Figure("constituent events shown, mrconsole", "events", value=float(shown["mrconsole"])),
        Figure("constituent events shown, openstack", "events", value=float(shown["openstack"])),
        Figure("idle requests per minute per region, mrconsole", "req/min", samples=list(idle["mrconsole"].values())),
        Figure("idle requests per minute per region, openstack", "req/min", samples=list(idle["openstack"].values())),
    ]
    print(f"results: {write('events', figures, {'cycles': CYCLES, 'idle_seconds': IDLE_SECONDS})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
