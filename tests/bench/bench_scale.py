"""Benchmark: the console on a fleet (5 regions x BENCH_STACKS stacks), side by side
with `openstack stack list` on the same regions.

Brings up its own lab, fills it with `lab populate` (8 concurrent creators),
opens the real console in a pseudo-terminal (200x50) and prints one table:
- stack creates that failed while filling the lab;
- time from start until every region pane holds its stacks (the console's
  own milestone trace, MRCONSOLE_TRACE);
- console CPU while nothing changes, and its RSS (plus what a full
  100k-event timeline adds, measured with tracemalloc);
- key -> repaint: time from writing a cursor key to the pty until the
  console's next output, healthy and with one region frozen (keys are sent
  just after a clock repaint, so the next output is the key's own);
- requests/min and bytes/min per region, idle and busy (from the lab's
  access logs), and the Heat time of each idle request;
- first event of an action: started elsewhere (seen on the console's
  screen, through pyte) and started by the console's own core (Actions
  with `on_accepted`, as the console wires it);
- `openstack stack list` per region: wall time, requests and bytes.
Nothing is asserted: these machines are shared and noisy.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import re
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import tracemalloc
from datetime import UTC
from pathlib import Path

REGIONS = ["RegionOne", "RegionTwo", "RegionThree", "RegionFour", "RegionFive"]
STACKS = int(os.environ.get("BENCH_STACKS", "500"))
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "60"))
BUSY_SECONDS = float(os.environ.get("BENCH_BUSY_SECONDS", "60"))
KEYS = int(os.environ.get("BENCH_KEYS", "30"))
COLS, ROWS = 200, 50
BIN = Path(sys.executable).parent


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def access(lab, region: str, start: float, end: float) -> list[list[str]]:
    rows = []
    for line in (lab.dir / region / "access.log").read_text().splitlines():
        f = line.split()
        if len(f) >= 6 and start <= float(f[0]) <= end:
            rows.append(f)
    return rows


def kind_of(path: str) -> str:
    """Which question a request was: the watch's, an event read, or a master read."""
    if "/events" in path:
        return "events"
    if "status=IN_PROGRESS" in path:
        return "busy"
    if "sort_keys=updated_time" in path:
        return "updated"
    if "sort_keys=creation_time" in path and "limit=5" in path:
        return "created"
    if "sort_keys=creation_time" in path:
        return "reconcile"
    if "/stacks?id=" in path or "&id=" in path:
        return "finished"
    return "other"


def composition(lab, region: str, start: float, end: float) -> str:
    from collections import Counter

    minutes = (end - start) / 60.0
    kinds = Counter(kind_of(f[2]) for f in access(lab, region, start, end))
    return ", ".join(f"{k} {v / minutes:.0f}" for k, v in kinds.most_common())


def rates(lab, start, end, skip_method: str = "") -> dict:
    minutes = (end - start) / 60.0
    out = {}
    for region in REGIONS:
        rows = [f for f in access(lab, region, start, end) if f[1] != skip_method]
        heat_ms = [float(f[4]) for f in rows]
        out[region] = (len(rows) / minutes, sum(int(f[5]) for f in rows) / minutes,
                       statistics.median(heat_ms) if heat_ms else float("nan"),
                       max((int(f[5]) for f in rows), default=0))
    return out


class Console:
    """The real console in a pty; output timestamped as it arrives and fed to pyte."""

    def __init__(self, env: dict, argv: list[str]):
        import pyte

        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.chunks: list[tuple[float, int]] = []
        self.lock = threading.Lock()
        self.seen: dict[str, float] = {}        # watched text -> first time on screen
        self.watch_for: set[str] = set()
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.fd = master
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            now = time.monotonic()
            with self.lock:
                self.chunks.append((now, len(data)))
                self.stream.feed(data)
                if self.watch_for:
                    text = "\n".join(self.screen.display)
                    for w in list(self.watch_for):
                        if re.search(w, text):
                            self.seen[w] = now
                            self.watch_for.discard(w)

    def last_output(self) -> float:
        with self.lock:
            return self.chunks[-1][0] if self.chunks else 0.0

    def output_after(self, t: float, timeout: float = 5.0) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                after = [ts for ts, _ in self.chunks[-50:] if ts > t]
            if after:
                return min(after) - t
            time.sleep(0.002)
        return None

    def key(self, data: bytes) -> float:
        t = time.monotonic()
        os.write(self.fd, data)
        return t

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
        return float("nan")

    def stop(self) -> None:
        try:
            os.write(self.fd, b"q")
            self.proc.wait(10)
        except Exception:  # noqa: BLE001
            self.proc.kill()
        os.close(self.fd)


def key_latencies(console: Console, n: int) -> list[float]:
    """Cursor down/up in a region pane, each sent 100 ms after the clock's repaint."""
    out = []
    for i in range(n):
        # Wait for a quiet moment right after an output burst (the clock tick).
        t_end = time.monotonic() + 3.0
        while time.monotonic() < t_end:
            last = console.last_output()
            if 0.08 < time.monotonic() - last < 0.2:
                break
            time.sleep(0.01)
        t = console.key(b"\x1b[B" if i % 2 == 0 else b"\x1b[A")
        lat = console.output_after(t, timeout=5.0)
        if lat is not None:
            out.append(lat * 1000.0)
        time.sleep(0.15)
    return out


def timeline_bytes(n: int) -> float:
    """What n events cost in the console's timeline (tracemalloc, MB)."""
    from datetime import datetime, timedelta

    from mrconsole.core.events import Timeline
    from mrconsole.models import Event

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tl = Timeline(n)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    batch = []
    for i in range(n):
        batch.append(Event(region=REGIONS[i % 5], stack_id=f"{i % 2500:036d}", stack_name=f"fleet-{i % 500:04d}",
                           id=f"{i:036d}", time=base + timedelta(seconds=i), resource_name=f"step{i % 30:02d}",
                           status="UPDATE_COMPLETE", status_reason="state changed", physical_id=f"{i:036d}",
                           resource_type="OS::Heat::TestResource"))
        if len(batch) == 1000:
            tl.add(batch)
            batch = []
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / 1e6


async def first_event_delays(lab, n: int = 10) -> tuple[list[float], list[float]]:
    """Core-level: an action sent through the console's Actions (kicked) vs sent elsewhere."""
    from mrconsole.cloud.connection import connect
    from mrconsole.core.actions import Actions, Target
    from mrconsole.core.changes import EventsArrived
    from mrconsole.core.fleet import Fleet
    from mrconsole.core.session import ConsoleSession
    from mrconsole.lab.options import lab_options

    fleet = Fleet(await connect(lab_options(str(lab.dir))))
    session = ConsoleSession(fleet)
    arrivals: dict[str, float] = {}

    def on_change(change):
        if isinstance(change, EventsArrived):
            for e in change.events:
                if e.status.startswith("CHECK_IN_PROGRESS") and e.resource_name == e.stack_name:
                    arrivals.setdefault(e.stack_id, time.monotonic())

    session.subscribe(on_change)
    session.start()
    actions = Actions(fleet, on_accepted=session.acted)
    own, elsewhere = [], []
    try:
        for _ in range(100):
            if all(session.regions[r].by_id for r in REGIONS):
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(3.0)
        region = "RegionTwo"
        plain = sorted((s for s in session.regions[region].stacks if s.status == "CREATE_COMPLETE"),
                       key=lambda s: s.name)
        for i in range(n):
            s = plain[i]
            t0 = time.monotonic()
            await actions.stack_action(Target(region, s.name, s.id), "check")
            for _ in range(100):
                if s.id in arrivals:
                    own.append((arrivals[s.id] - t0) * 1000.0)
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(2.0)
        client = fleet.region(region)
        for i in range(n, 2 * n):
            s = plain[i]
            await asyncio.sleep(0.37 * i % 1.3)     # not in step with the watch
            t0 = time.monotonic()
            await client.stack_action(s.id, "check")
            for _ in range(1500):
                if s.id in arrivals:
                    elsewhere.append((arrivals[s.id] - t0) * 1000.0)
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(2.0)
    finally:
        await session.stop()
    return own, elsewhere


async def action_wave(lab, seconds: float, per_region: int, before=lambda region, name: None
                      ) -> list[tuple[str, str, float]]:
    """Checks started elsewhere (raw API), spread over the window: (region, name, t0)."""
    from mrconsole.cloud.connection import connect
    from mrconsole.lab.options import lab_options

    cloud = await connect(lab_options(str(lab.dir)))
    started = []
    try:
        listing = {r: [s for s in await cloud.region(r).list_stacks() if s.status == "CREATE_COMPLETE"
                       and s.name.startswith("fleet-")] for r in REGIONS}
        gap = seconds / per_region
        for i in range(per_region):
            for r in REGIONS:
                s = sorted(listing[r], key=lambda s: s.name)[-(i + 1)]
                before(r, s.name)
                t0 = time.monotonic()
                await cloud.region(r).stack_action(s.id, "check")
                started.append((r, s.name, t0))
            await asyncio.sleep(gap)
    finally:
        cloud.close()
    return started


def openstack_lists(lab) -> dict:
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(lab.clouds_yaml), "OS_CLOUD": "mrconsole-lab"}
    out = {}
    for region in REGIONS:
        walls = []
        start = time.time()
        for _ in range(3):
            t = time.monotonic()
            subprocess.run([str(BIN / "openstack"), "--os-region-name", region, "stack", "list", "-f", "value",
                            "-c", "ID"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=False)
            walls.append(time.monotonic() - t)
        rows = [f for f in access(lab, region, start, time.time()) if "/stacks" in f[2]]
        out[region] = (statistics.median(walls), len(rows) / 3, sum(int(f[5]) for f in rows) / 3,
                       statistics.median(float(f[4]) for f in rows) if rows else float("nan"))
    return out


def main() -> int:
    from mrconsole.lab.manager import Lab
    from mrconsole.lab.populate import populate

    root = Path(tempfile.mkdtemp(prefix="mrconsole-bench-scale-"))
    lab = Lab(root / "lab")
    state = root / "state"
    env = {**os.environ, "XDG_STATE_HOME": str(state), "XDG_CONFIG_HOME": str(root / "config"),
           "MRCONSOLE_LAB_DIR": str(lab.dir), "TERM": "xterm-256color", "COLUMNS": str(COLS),
           "LINES": str(ROWS), "MRCONSOLE_TRACE": str(root / "trace.log")}
    env = {k: v for k, v in env.items() if not k.startswith("OS_")}
    os.environ.update({"XDG_STATE_HOME": env["XDG_STATE_HOME"], "XDG_CONFIG_HOME": env["XDG_CONFIG_HOME"]})
    console = None
    figures: list[tuple[str, str, str]] = []
    try:
        t = time.monotonic()
        lab.up(regions=REGIONS, base_port=0)
        print(f"lab up with {len(REGIONS)} regions in {time.monotonic() - t:.0f}s", flush=True)
        report = populate(lab, stacks=STACKS, masters=3, concurrency=8, busy_seconds=60,
                          progress=lambda m: print(f"  populate: {m}", flush=True))
        total = sum(sum(c.values()) for c in report.statuses.values())
        figures.append(("stack creates failed while filling (8 concurrent)",
                        f"{len(report.failed)} of {report.created + report.existing}", "0"))
        figures.append(("populate time", f"{report.seconds:.0f}s for {report.created} creates", "-"))
        for line in report.failed[:5]:
            print(f"  failed: {line}")
        # Let the busy stacks finish so that idle is idle.
        time.sleep(max(0.0, 65 - report.seconds))

        os_lists = openstack_lists(lab)

        argv = [str(BIN / "mrconsole"), "--lab", "--stack", "fleet-master-0", "--event-buffer", "100000"]
        t_start = time.time()
        console = Console(env, argv)
        shown = {}
        for _ in range(1200):
            trace = (root / "trace.log").read_text() if (root / "trace.log").exists() else ""
            for line in trace.splitlines():
                ts, what, *rest = line.split()
                if what == "region-shown" and rest[0] not in shown:
                    shown[rest[0]] = float(ts) - t_start
            if len(shown) == len(REGIONS):
                break
            time.sleep(0.05)
        all_shown = max(shown.values()) if len(shown) == len(REGIONS) else float("nan")
        figures.append(("start until every region pane shows its stacks", f"{all_shown:.2f}s",
                        "<= 5s"))

        time.sleep(15)
        os.write(console.fd, b"s")     # focus the first region pane
        time.sleep(1)
        t0, c0, w0 = time.time(), console.cpu_seconds(), time.monotonic()
        time.sleep(IDLE_SECONDS)
        cpu = (console.cpu_seconds() - c0) / (time.monotonic() - w0) * 100.0
        t0_end = time.time()
        idle = rates(lab, t0, t0_end)
        idle_kinds = {r: composition(lab, r, t0, t0_end) for r in REGIONS}
        figures.append(("console CPU while nothing changes", f"{cpu:.1f}% of a core", "<= 3%"))

        keys = key_latencies(console, KEYS)
        figures.append(("key -> repaint, healthy (p50 / p95 / max)",
                        f"{pct(keys, .5):.0f} / {pct(keys, .95):.0f} / {max(keys):.0f} ms", "p95 <= 50 ms"))
        lab.freeze("RegionTwo")
        try:
            time.sleep(3)
            keys_frozen = key_latencies(console, KEYS)
        finally:
            lab.thaw("RegionTwo")
        figures.append(("key -> repaint, RegionTwo frozen (p50 / p95 / max)",
                        f"{pct(keys_frozen, .5):.0f} / {pct(keys_frozen, .95):.0f} / "
                        f"{max(keys_frozen):.0f} ms", "p95 <= 50 ms"))
        time.sleep(10)

        # Busy: checks started elsewhere, watched for on the console's screen.
        t1 = time.time()

        def on_screen_text(region, name):
            # The events pane's columns (tui/widgets/event_log.py): a stack's own event shows "—" as resource.
            return rf"{region}\s+{re.escape(name)}\s+—\s+CHECK_IN_PROGRESS"

        def expect(region, name):
            with console.lock:
                console.watch_for.add(on_screen_text(region, name))

        wave = asyncio.run(action_wave(lab, BUSY_SECONDS, 6, expect))
        time.sleep(5)
        busy = rates(lab, t1, time.time(), skip_method="POST")   # the wave's own requests are not the console's
        on_screen = []
        for region, name, t0w in wave:
            seen = console.seen.get(on_screen_text(region, name))
            if seen is not None:
                on_screen.append(seen - t0w)
        figures.append(("first event on screen, action started elsewhere (p50 / p95)",
                        f"{pct(on_screen, .5):.2f} / {pct(on_screen, .95):.2f}s ({len(on_screen)}/{len(wave)})",
                        "p50 <= 0.8s"))
        figures.append(("console RSS (5 regions, fleet, buffer 100k)", f"{console.rss_mb():.0f} MB", "<= 250 MB"))
        full_buffer = timeline_bytes(100_000)
        figures.append(("  + a full 100k-event timeline (tracemalloc)", f"{full_buffer:.0f} MB",
                        f"projected {console.rss_mb() + full_buffer:.0f} MB"))
        console.stop()
        console = None

        own, elsewhere = asyncio.run(first_event_delays(lab))
        figures.append(("first event, action from mrconsole (p50 / p95)",
                        f"{pct(own, .5) / 1000:.2f} / {pct(own, .95) / 1000:.2f}s", "p50 <= 0.3s"))
        figures.append(("first event, action started elsewhere (p50 / p95)",
                        f"{pct(elsewhere, .5) / 1000:.2f} / {pct(elsewhere, .95) / 1000:.2f}s", "p50 <= 0.8s"))

        print()
        print(f"fleet: {total} stacks in {len(REGIONS)} regions ({STACKS} fleet stacks per region + masters)")
        print(f"{'figure':<58} {'mrconsole':<28} target")
        for name, value, target in figures:
            print(f"{name:<58} {value:<28} {target}")
        print()
        print(f"{'per region':<12} {'idle req/min':>12} {'idle KB/min':>12} {'Heat ms/req':>12} "
              f"{'max bytes':>10} {'busy req/min':>13} {'busy KB/min':>12} | {'openstack stack list':>21}")
        for region in REGIONS:
            i, b, o = idle[region], busy[region], os_lists[region]
            print(f"{region:<12} {i[0]:>12.0f} {i[1] / 1024:>12.1f} {i[2]:>12.0f} {i[3]:>10} "
                  f"{b[0]:>13.0f} {b[1] / 1024:>12.1f} | {o[0]:>5.2f}s {o[1]:>3.0f} req "
                  f"{o[2] / 1024:>6.0f} KB {o[3]:>4.0f} ms")
        print()
        print("idle requests/min by question (busy/updated/created: the watch; other: master reads)")
        for region in REGIONS:
            print(f"  {region:<12} {idle_kinds[region]}")
        return 0
    finally:
        if console is not None:
            console.stop()
        lab.down(purge=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    sys.exit(main())
