"""Benchmark: where the first event's seconds go during a burst started elsewhere (#37).

At 20 regions the events screen showed the first event of an action started elsewhere at p50 3.05 s (target
p50 <= 0.8 s, p95 <= 1.5 s). This bench splits that time. It brings up its own lab (BENCH_REGIONS regions,
default 20), fills it with BENCH_STACKS stacks per region (default 8, one master), opens the real console in a
pseudo-terminal on its events screen and sends a wave of checks with the raw API (BENCH_PER_REGION per region,
spread over BENCH_BUSY_SECONDS), as another operator would. For each check it reads, from the console's own
milestones (MRCONSOLE_TRACE, mrconsole/trace.py) and the pty:

- *seen*: the check sent -> the region's look saw the stack change (core/live/watch.py);
- *read*: seen -> the stack's CHECK_IN_PROGRESS event read and published (core/live/events.py);
- *shown*: read -> the event written by the events screen (tui/widgets/event_log.py, its HOLD);
- *on screen*: written -> the pty showed it (the repaint);
- the whole: the check sent -> on screen (the figure of bench_scale.py, measured the same way).

Side by side, what an operator would run instead: `openstack stack list` in five of the regions (3 runs each,
its wall time alone, not counting the time to think of running it), in the result's tables.
BENCH_PROFILE=1 also records the console with py-spy during the wave and keeps the top functions (by own
samples) in the result's table. Every figure carries its n and misses; nothing is asserted.
Results: tests/bench/results/DATE-COMMIT.json (bench "burst-N").
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("BENCH_REGIONS", "20")
sys.path.insert(0, str(Path(__file__).parent))
from bench_scale import BIN, COLS, REGIONS, Console, openstack_lists, rows_drawn
from figures import Figure, write

STACKS = int(os.environ.get("BENCH_STACKS", "8"))
PER_REGION = int(os.environ.get("BENCH_PER_REGION", "5"))
BUSY_SECONDS = float(os.environ.get("BENCH_BUSY_SECONDS", "50"))
WAIT = 15.0  # seconds a check's first event may take before it counts as missed
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
# How the bench reads the console's screen: "raw" (watched text in the output, escapes out) or "pyte" (a
# terminal emulator, as bench_scale.py; the first runs'): pyte's own CPU was 40 % of a core during the wave.
READER = os.environ.get("BENCH_READER", "raw")


def checkable(status: str) -> bool:
    """Heat checks a stack in any state but one in progress or deleted (a failed or suspended one too: its
    CHECK_IN_PROGRESS event comes all the same). At 8 stacks a region, populate's mix (by index) makes only one
    CREATE_COMPLETE: a first version checked that one five times, and read its earlier lines as new ones."""
    return not status.endswith("_IN_PROGRESS") and not status.startswith("DELETE")


def looks(trace: Path, since: float, until: float) -> list[float]:
    """Seconds each region's look took (its questions asked together) between two wall times."""
    found = []
    for line in trace.read_text().splitlines() if trace.exists() else []:
        parts = line.split()
        if len(parts) == 4 and parts[1] == "look" and since <= float(parts[0]) <= until:
            found.append(float(parts[3]))
    return found


def region_looks(trace: Path) -> dict[str, list[tuple[float, float]]]:
    """region -> its looks as (start, end) wall times, in order (the trace line is written at the end)."""
    found: dict[str, list[tuple[float, float]]] = {}
    for line in trace.read_text().splitlines() if trace.exists() else []:
        parts = line.split()
        if len(parts) == 4 and parts[1] == "look":
            end = float(parts[0])
            found.setdefault(parts[2], []).append((end - float(parts[3]), end))
    return found


def seen_split(looks_of: list[tuple[float, float]], answered_at: float, seen: float) -> tuple[float | None, int]:
    """*seen*, split at the looks: seconds from Heat's answer to the first look of the region that began after
    it, and how many looks began after the answer and ended before the one that saw the change (a look that
    began after Heat answered and did not see the check: Heat showed its change later than it answered)."""
    later = [start for start, _ in looks_of if start >= answered_at]
    wait = later[0] - answered_at if later else None
    blind = sum(1 for start, end in looks_of if start >= answered_at and end < seen - 0.001)
    return wait, blind


def milestones(trace: Path) -> dict[tuple[str, str, str], list[float]]:
    """(milestone, region, stack) -> wall times, from the console's trace file."""
    found: dict[tuple[str, str, str], list[float]] = {}
    for line in trace.read_text().splitlines() if trace.exists() else []:
        parts = line.split()
        if len(parts) >= 5 and parts[1] in ("stack-seen", "event-read", "event-shown") and "CHECK" in parts[4]:
            found.setdefault((parts[1], parts[2], parts[3]), []).append(float(parts[0]))
    return found


class MachineIdle:
    """The machine's idle share, one sample a second (/proc/stat), while the wave runs: whether the
    console shared two saturated cores with 20 Heat engines (its repaint delay then is the machine's)."""

    def __init__(self):
        import threading

        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _times() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, all

    def _run(self) -> None:
        idle0, all0 = self._times()
        while not self._stop.wait(1.0):
            idle1, all1 = self._times()
            if all1 > all0:
                self.samples.append(100.0 * (idle1 - idle0) / (all1 - all0))
            idle0, all0 = idle1, all1

    def __enter__(self) -> MachineIdle:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def first_after(times: list[float] | None, t: float) -> float | None:
    later = [x for x in times or () if x >= t - 0.05]
    return min(later) if later else None


def on_screen_text(region: str, name: str) -> str:
    """The events screen's columns: a stack's own event shows "—" as resource (as bench_scale.py reads it)."""
    shown = rf"(?:{re.escape(name)}|{re.escape(name[:8])}\S*…\S*{re.escape(name[-3:])})"
    return rf"{region}\s+{shown}\s+—\s+CHECK_IN_PROGRESS"


def top_functions(raw: Path, n: int = 15) -> list[list]:
    """py-spy's raw (collapsed) stacks -> the functions with the most own samples: [function, samples, %]."""
    own: Counter = Counter()
    total = 0
    for line in raw.read_text().splitlines() if raw.exists() else []:
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        own[stack.split(";")[-1]] += int(count)
    return [[f, c, round(100.0 * c / total, 1)] for f, c in own.most_common(n)] if total else []


def main() -> int:
    from mrconsole.lab.manager import Lab
    from mrconsole.lab.populate import populate

    root = Path(tempfile.mkdtemp(prefix="mrconsole-bench-burst-"))
    lab = Lab(root / "lab")
    trace = root / "trace.log"
    env = {
        **os.environ,
        "XDG_STATE_HOME": str(root / "state"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "MRCONSOLE_LAB_DIR": str(lab.dir),
        "TERM": "xterm-256color",
        "MRCONSOLE_TRACE": str(trace),
    }
    env = {k: v for k, v in env.items() if not k.startswith("OS_")}
    os.environ.update({"XDG_STATE_HOME": env["XDG_STATE_HOME"], "XDG_CONFIG_HOME": env["XDG_CONFIG_HOME"]})
    console = None
    figures: list[Figure] = []
    tables: dict = {}
    try:
        t = time.monotonic()
        lab.up(regions=REGIONS, base_port=0)
        print(f"lab up with {len(REGIONS)} regions in {time.monotonic() - t:.0f}s", flush=True)
        report = populate(lab, stacks=STACKS, masters=1, concurrency=8, busy_seconds=0, progress=print)
        print(f"populated: {report.created + report.existing} stacks, {len(report.failed)} failed", flush=True)

        record = root / "pty.out"
        argv = [str(BIN / "mrconsole"), "--lab", "--stack", "fleet-master-0"]
        console = Console(env, argv, READER == "pyte", record=record)
        deadline = time.monotonic() + 120  # every region shown (bounded)
        while time.monotonic() < deadline:
            if trace.exists() and len(set(re.findall(r"region-shown (\S+)", trace.read_text()))) >= len(REGIONS):
                break
            time.sleep(0.2)
        time.sleep(40)  # past the first look's fast 30 s: the regions are quiet, as before a burst
        os.write(console.fd, b"e")
        time.sleep(1.5)
        profiler = None
        if PROFILE:
            raw = root / "profile.txt"
            profiler = subprocess.Popen(
                [str(BIN / "py-spy"), "record", "--pid", str(console.proc.pid), "--format", "raw", "--output",
                 str(raw), "--duration", str(int(BUSY_SECONDS + WAIT)), "--rate", "50", "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        cpu0, wall0 = console.cpu_seconds(), time.monotonic()
        with MachineIdle() as machine:
            answered: list[float] = []
            checks = asyncio.run(_wave_watched(lab, console, answered))
            last = max(t0 for *_, t0 in checks)
            while time.monotonic() < last + WAIT and len(console.seen) < len(checks):
                time.sleep(0.1)
        console_cpu = 100.0 * (console.cpu_seconds() - cpu0) / (time.monotonic() - wall0)
        if profiler is not None:
            profiler.wait(timeout=WAIT + BUSY_SECONDS + 30)
            top = top_functions(root / "profile.txt")
            tables["console's own samples during the wave (py-spy, top functions)"] = top
        marks = milestones(trace)
        whole = Figure("first event on screen, action started elsewhere", "s", "p50 <= 0.8 s, p95 <= 1.5 s", limit=WAIT)
        parts = {
            "seen": Figure("sent -> the region's look saw the stack change", "s", "", limit=WAIT),
            "read": Figure("seen -> its first event read and published", "s", "", limit=WAIT),
            "shown": Figure("read -> written on the events screen (HOLD)", "s", "", limit=WAIT),
            "painted": Figure("written -> on the terminal", "s", "", limit=WAIT),
        }
        split = {
            "wait": Figure("Heat answered -> its region's next look began (within seen)", "s", "", limit=WAIT),
            "blind": Figure("looks begun after Heat answered that did not see the check (within seen)", "looks", ""),
        }
        by_region = region_looks(trace)
        missed = Counter()
        unseen: list[tuple[str, str, bool]] = []  # (region, stack, written by the events screen)
        for (region, name, wall0, mono0), heat_took in zip(checks, answered, strict=True):
            seen_on_screen = console.seen.get(on_screen_text(region, name))
            total = seen_on_screen - mono0 if seen_on_screen is not None else None
            whole.add(total if total is not None and total <= WAIT else None)
            if total is None or total > WAIT:
                missed[region] += 1
                written = first_after(marks.get(("event-shown", region, name)), wall0) is not None
                unseen.append((region, name, written))
            seen = first_after(marks.get(("stack-seen", region, name)), wall0)
            read = first_after(marks.get(("event-read", region, name)), wall0)
            shown = first_after(marks.get(("event-shown", region, name)), wall0)
            parts["seen"].add(seen - wall0 if seen else None)
            if seen:
                wait, blind = seen_split(by_region.get(region, []), wall0 + heat_took, seen)
                split["wait"].add(wait)
                split["blind"].add(blind)
            parts["read"].add(read - seen if read and seen and read >= seen else None)
            parts["shown"].add(shown - read if shown and read else None)
            if shown and total is not None:
                parts["painted"].add(max(0.0, total - (shown - wall0)))
            else:
                parts["painted"].add(None)
        notes = []
        if console.reading:
            reading = sorted(console.reading)
            p95 = reading[int(0.95 * (len(reading) - 1))] * 1000
            notes.append(f"bench read {len(reading)} screen updates: p95 {p95:.1f} ms, {sum(reading):.1f} s in all")
        if missed:
            notes.append("missed: " + ", ".join(f"{r} {n}" for r, n in sorted(missed.items())))
        whole.note = "; ".join(notes)
        figures += [whole, *parts.values()]
        figures.append(Figure("sent -> Heat answered the check (Heat's own, within seen)", "s", "", samples=answered))
        figures += split.values()
        first_sent = min(w for _, _, w, _ in checks)
        last_sent = max(w for _, _, w, _ in checks)
        figures.append(
            Figure(
                "a region's look during the wave (its questions together, within seen)",
                "s",
                "",
                samples=looks(trace, first_sent, last_sent + WAIT),
            )
        )
        figures.append(Figure("machine idle during the wave (one sample a second)", "%", "", samples=machine.samples))
        figures.append(Figure("console's CPU during the wave", "% of a core", "", value=round(console_cpu, 1)))
        console.stop()
        console = None
        if unseen:
            # Whether a missed line was ever drawn at all (the reader then missed it) or never reached the
            # terminal: the whole output, read again after the console ended.
            drawn = rows_drawn(record)
            kinds = Counter(
                ("drawn" if re.search(on_screen_text(r, n), drawn) else "never drawn")
                + (", written" if w else ", not written")
                for r, n, w in unseen
            )
            whole.note += "; of the missed: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
            tables["missed checks (region, stack, written by the events screen)"] = [list(u) for u in unseen]
        side = openstack_lists(lab)  # the operator's alternative, on five regions
        tables["openstack stack list per region (3 runs each)"] = side
    finally:
        if console is not None:
            console.stop()
        lab.down(purge=True)
    config = {
        "regions": len(REGIONS),
        "stacks_per_region": STACKS,
        "checks_per_region": PER_REGION,
        "busy_seconds": BUSY_SECONDS,
        "terminal": f"{COLS}x50",
        "profiled": PROFILE,
        "reader": READER,
    }
    path = write(f"burst-{len(REGIONS)}", figures, config, tables)
    for f in figures:
        print(f"{f.name}: {f.text()}")
    print(f"written: {path}")
    return 0


async def _wave_watched(lab, console: Console, answered: list[float]) -> list[tuple[str, str, float, float]]:
    """The wave, each check's line watched for on screen from just before it is sent; `answered` gets the
    seconds Heat took to answer each check (the part of *seen* that is Heat's before any look can see it)."""
    from mrconsole.cloud.connection import connect
    from mrconsole.lab.options import lab_options

    cloud = await connect(lab_options(str(lab.dir)))
    started = []
    try:
        listing = {}
        for r in REGIONS:
            stacks = await cloud.region(r).list_stacks()
            listing[r] = sorted(
                (s for s in stacks if checkable(s.status) and s.name.startswith("fleet-")),
                key=lambda s: s.name,
            )
        # One check per stack: a stack checked twice would have its first check's line on screen already,
        # and the second would be "seen" before it was sent.
        short = {r: len(stacks) for r, stacks in listing.items() if len(stacks) < PER_REGION}
        if short:
            raise SystemExit(f"fewer than {PER_REGION} stacks to check in {short}: raise BENCH_STACKS")
        gap = BUSY_SECONDS / PER_REGION
        for i in range(PER_REGION):
            for r in REGIONS:
                s = listing[r][i]
                with console.lock:
                    console.watch_for.add(on_screen_text(r, s.name))
                # Timed from before the request: Heat writes the stack's first event before it answers, and
                # the answer can take longer than the console does to show the event.
                sent = (time.time(), time.monotonic())
                await cloud.region(r).stack_action(s.id, "check")
                answered.append(time.monotonic() - sent[1])
                started.append((r, s.name, *sent))
            await asyncio.sleep(gap)
    finally:
        cloud.close()
    return started


if __name__ == "__main__":
    sys.exit(main())
