"""Benchmark: what an open console costs while nothing changes, at 5, 20 and 50 regions, in minutes
instead of the scale bench's hour (BENCH_SIZES, default "5,20,50"; BENCH_STACKS stacks a region, default 5).

One lab of the largest size; the console is opened on the first N of its regions (`--region`, repeated),
in a pseudo-terminal, and left alone until every region has shown and has been quiet for
`quiet_after` (core/live/watch.py); then, over BENCH_IDLE_SECONDS (default 60):
- its CPU, split between the main thread (the event loop, the screen) and the other threads (the
  region pools: heatclient, keystoneauth, requests);
- the requests each region received (the lab's access logs).
BENCH_BEFORE=DIR measures another checkout's package too (the console run with PYTHONPATH=DIR), each
size right before this one's, on the same lab: a before/after of one change, side by side
(BENCH_VARIANTS="label=DIR,..." adds more). Then, with the fleet still quiet, BENCH_KEYS cursor keys
in the first region pane, each key to the console's next output.
Beside it, what an operator would use instead: the CPU of one `openstack stack list` (n=5) and what
polling N regions with it every 3 s would cost.
Nothing is asserted: these machines are shared and noisy. Written to tests/bench/results/.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "5,20,50").split(",")]
os.environ["BENCH_REGIONS"] = str(max(SIZES))  # bench_scale names its regions from it
sys.path.insert(0, str(Path(__file__).parent))
from bench_scale import BIN, REGIONS, Console, access, key_latencies, process_cpu, wait_for_trace  # noqa: E402
from figures import Figure, write  # noqa: E402

STACKS = int(os.environ.get("BENCH_STACKS", "5"))
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "60"))
BEFORE = os.environ.get("BENCH_BEFORE", "")
# Further packages to measure beside this one: "label=DIR,label=DIR" (each run with PYTHONPATH=DIR).
VARIANTS = [tuple(v.split("=", 1)) for v in os.environ.get("BENCH_VARIANTS", "").split(",") if "=" in v]
KEYS = int(os.environ.get("BENCH_KEYS", "30"))
QUIET_AFTER = 30.0  # WatchConfig.quiet_after: looks are fast until then


def thread_cpu(pid: int) -> tuple[float, float]:
    """(main thread, other threads) CPU seconds of a process so far. O(threads)."""
    tick = os.sysconf("SC_CLK_TCK")
    main = other = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a pool thread that just ended
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if task.name == str(pid):
            main += seconds
        else:
            other += seconds
    return main, other


def lab_cpu(lab) -> dict[str, float]:
    """CPU seconds (user + system) each of the lab's processes has used so far: component -> seconds."""
    used = {}
    for c in lab.status():
        if c.pid is None:
            continue
        try:
            used[c.name] = process_cpu(c.pid)
        except OSError:
            continue
    return used


def milestones(trace: Path) -> dict[str, dict[str, float]]:
    """The console's trace: milestone -> detail's first word ("" for none) -> first time seen."""
    found: dict[str, dict[str, float]] = {}
    for line in trace.read_text().splitlines() if trace.exists() else ():
        ts, what, *rest = line.split()
        found.setdefault(what, {}).setdefault(rest[0] if rest else "", float(ts))
    return found


def start_split(
    trace: Path, t_start: float, regions: list[str], label: str, lab_used: dict[str, float], console_cpu: float
) -> list[Figure]:
    """Where the start's seconds go, from the console's milestones (mrconsole/trace.py): the interpreter and
    imports (launch -> cli-main), the first lists sent ahead (-> lists-asked, since the head start:
    core/live/head_start.py; they then overlap what follows), the app's own start (-> app-mounted), the
    session made (-> session-ready: before the head start, the cloud opened with no request yet), each
    region's first list taken (-> region-listed: the token, then Heat's answer, as the lab gives it; since
    the head start what is left of that wait once the session is ready), then the pane drawn (->
    region-shown). Beside it, the
    CPU the lab and the console used over that window: on two cores shared by every Heat process and
    Keystone, what the lab's answers cost is part of the start's figure."""
    m = milestones(trace)
    n = len(regions)
    firsts = ("cli-main", "lists-asked", "app-mounted", "session-ready")
    one = {k: next(iter(v.values()), None) for k, v in m.items() if k in firsts}
    listed, shown = m.get("region-listed", {}), m.get("region-shown", {})
    figures = []
    steps = [("launch -> cli-main (interpreter, imports)", t_start, one.get("cli-main"))]
    if "lists-asked" in one:  # since the head start (core/live/head_start.py): the first lists leave here
        steps.append(("cli-main -> lists-asked (arguments, config, lists sent)", one["cli-main"], one["lists-asked"]))
    steps.append(("cli-main -> app-mounted (arguments, config, Textual)", one.get("cli-main"), one.get("app-mounted")))
    steps.append(("app-mounted -> session-ready (cloud opened)", one.get("app-mounted"), one.get("session-ready")))
    for name, a, b in steps:
        f = Figure(f"start split, {n} regions ({label}): {name}", "s", "", limit=120.0)
        f.add(b - a if a is not None and b is not None else None)
        figures.append(f)
    ready = one.get("session-ready")
    to_listed = Figure(
        f"start split, {n} regions ({label}): session-ready -> region-listed (token, Heat)", "s", "", limit=120.0
    )
    to_shown = Figure(
        f"start split, {n} regions ({label}): region-listed -> region-shown (drawn)", "s", "", limit=120.0
    )
    for r in regions:
        to_listed.add(listed[r] - ready if r in listed and ready is not None else None)
        to_shown.add(shown[r] - listed[r] if r in shown and r in listed else None)
    figures += [to_listed, to_shown]
    last = max((shown[r] for r in regions if r in shown), default=None)
    window = (last - t_start) if last is not None else 0.0
    heat = sum(v for k, v in lab_used.items() if k in regions)
    others = sum(v for k, v in lab_used.items() if k not in regions and k not in ("keystone", "mariadb"))
    figures.append(
        Figure(
            f"CPU used while starting, {n} regions ({label})",
            "s",
            "",
            value=console_cpu + heat + lab_used.get("keystone", 0.0) + lab_used.get("mariadb", 0.0),
            note=(
                f"launch -> last region shown, {window:.2f} s on {os.cpu_count()} cores: "
                f"the console {console_cpu:.2f} s, "
                f"the {n} regions' Heat {heat:.2f} s, Keystone {lab_used.get('keystone', 0.0):.2f} s, "
                f"MariaDB {lab_used.get('mariadb', 0.0):.2f} s (the lab's other regions, idle, {others:.2f} s)"
            ),
        )
    )
    return figures


def measure(lab, env: dict, root: Path, regions: list[str], label: str) -> list[Figure]:
    trace = root / f"trace-{label}-{len(regions)}.log"
    argv = [str(BIN / "mrconsole"), "--lab", *(a for r in regions for a in ("--region", r))]
    before = lab_cpu(lab)
    t_start = time.time()
    console = Console({**env, "MRCONSOLE_TRACE": str(trace)}, argv, emulate=False)
    try:
        seen = wait_for_trace(trace, "region-shown", 120.0, regions)
        after = lab_cpu(lab)
        split = start_split(
            trace,
            t_start,
            regions,
            label,
            {k: after[k] - before.get(k, 0.0) for k in after},
            console.cpu_seconds(),
        )
        time.sleep(QUIET_AFTER + 15)  # past the first looks' fast phase, every region quiet
        t0, (m0, o0), w0 = time.time(), thread_cpu(console.proc.pid), time.monotonic()
        time.sleep(IDLE_SECONDS)
        (m1, o1), wall, t1 = thread_cpu(console.proc.pid), time.monotonic() - w0, time.time()
        os.write(console.fd, b"s")  # the first region pane: cursor keys, while the fleet is quiet
        time.sleep(1)
        keys = key_latencies(
            console, Figure(f"key -> repaint: cursor, {len(regions)} regions ({label})", "ms", "p95 <= 50 ms"), KEYS
        )
    finally:
        console.stop()
    n = len(regions)
    main, other = (m1 - m0) / wall * 100, (o1 - o0) / wall * 100
    minutes = (t1 - t0) / 60
    per_region = [len(access(lab, r, t0, t1)) / minutes for r in regions]
    shown_in = Figure(f"start until a region pane shows its stacks, {n} regions ({label})", "s", "<= 5 s", limit=120)
    for r in regions:
        shown_in.add(seen[r] - t_start if r in seen else None)
    return [
        shown_in,
        *split,
        Figure(
            f"console CPU while nothing changes, {n} regions ({label})",
            "% of a core",
            "<= 3 %",
            value=main + other,
            note=f"main thread {main:.2f} %, other threads {other:.2f} %; over {wall:.0f} s",
        ),
        Figure(
            f"requests per region per minute while idle, {n} regions ({label})",
            "req/min",
            "",
            samples=per_region,
            note=f"the fleet: {sum(per_region):.0f} req/min",
        ),
        keys,
    ]


def openstack_cpu(lab, runs: int = 5) -> Figure:
    """CPU seconds (user + system) of one `openstack stack list`, the tool an operator polls with instead."""
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(lab.clouds_yaml), "OS_CLOUD": "mrconsole-lab"}
    figure = Figure("CPU of one `openstack stack list` (one region)", "s", "")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [str(BIN / "openstack"), "--os-region-name", REGIONS[0], "stack", "list", "-f", "value", "-c", "ID"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        figure.add(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return figure


def main() -> int:
    from mrconsole.lab.manager import Lab
    from mrconsole.lab.populate import populate

    root = Path(tempfile.mkdtemp(prefix="mrconsole-bench-idle-"))
    lab = Lab(root / "lab")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
        "XDG_STATE_HOME": str(root / "state"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "MRCONSOLE_LAB_DIR": str(lab.dir),
        "TERM": "xterm-256color",
    }
    figures: list[Figure] = []
    try:
        t = time.monotonic()
        lab.up(regions=REGIONS, base_port=0)
        print(f"lab up with {len(REGIONS)} regions in {time.monotonic() - t:.0f}s", flush=True)
        report = populate(lab, stacks=STACKS, masters=2, concurrency=8, busy_seconds=5)
        print(f"populated: {report.created + report.existing} stacks, {len(report.failed)} failed", flush=True)
        time.sleep(10)  # the busy ones end
        for n in SIZES:
            variants = [("this commit", env)]
            if BEFORE:
                variants.insert(0, ("before", {**env, "PYTHONPATH": BEFORE}))
            variants += [(label, {**env, "PYTHONPATH": path}) for label, path in VARIANTS]
            for label, variant_env in variants:
                got = measure(lab, variant_env, root, REGIONS[:n], label)
                for f in got:
                    print(f"  {f.name:<70} {f.text()} {f.note}", flush=True)
                figures += got
        cli = openstack_cpu(lab)
        figures.append(cli)
        per_call = cli.summary()["p50"]
        for n in SIZES:
            figures.append(
                Figure(
                    f"`openstack stack list` in each of {n} regions every 3 s",
                    "% of a core",
                    "",
                    value=n / 3.0 * per_call * 100,
                    note="from the CPU of one (p50 above); what watching by hand would cost",
                )
            )
        path = write(
            "idle",
            figures,
            {
                "sizes": SIZES,
                "stacks_per_region": STACKS,
                "idle_seconds": IDLE_SECONDS,
                "before": BEFORE or None,
                "variants": dict(VARIANTS) or None,
                "keys": KEYS,
            },
        )
        print()
        for f in figures:
            print(f"{f.name:<72} {f.text()}")
        print(f"\nresults: {path}")
        return 0
    finally:
        lab.down(purge=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    sys.exit(main())
