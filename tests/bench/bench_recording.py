"""Benchmark: the flight recorder's size (#37: "a recording of an hour at 5 x 100 must stay small").

Brings up its own lab (BENCH_REGIONS regions, default 5), fills it with BENCH_STACKS stacks per region
(default 100) and two masters, then records with `mrconsole record --stack fleet-master-0`:
- idle: nothing changes for IDLE seconds; bytes per minute in 30 s windows after the first keyframe;
- a burst: BURST stack checks per region sent while recording (8 at a time, each a status change and
  its events in its region); bytes per minute in 30 s windows;
- the keyframe's size, and an hour projected from both (six keyframes + 60 idle minutes);
- reading the burst's recording back and seeking to its end (replay's start), in seconds.
Side by side, what an operator has otherwise: `openstack stack event list` per region for the same
window, in bytes of its JSON (what a script polling it would keep). Every figure carries its sample
count; nothing is asserted. Results: tests/bench/results/DATE-COMMIT.json (bench "recording").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, write

WORDS = "One Two Three Four Five Six Seven Eight Nine Ten".split()
REGIONS = [f"Region{w}" for w in WORDS[: int(os.environ.get("BENCH_REGIONS", "5"))]]
STACKS = int(os.environ.get("BENCH_STACKS", "100"))
IDLE = float(os.environ.get("BENCH_IDLE", "120"))
BURST = int(os.environ.get("BENCH_BURST", "10"))
WINDOW = 30.0
BIN = Path(sys.executable).parent


def windows(path: Path, start: float, end: float) -> list[float]:
    """Bytes per minute of the records in each WINDOW-second window of [start, end)."""
    sizes: dict[int, int] = {}
    for line in path.read_text().splitlines():
        t = json.loads(line)["t"]
        if start <= t < end:
            sizes[int((t - start) // WINDOW)] = sizes.get(int((t - start) // WINDOW), 0) + len(line) + 1
    count = int((end - start) // WINDOW)
    return [sizes.get(i, 0) * 60.0 / WINDOW for i in range(count)]


def record(env: dict, path: Path, seconds: float) -> subprocess.Popen:
    argv = [str(BIN / "mrconsole"), "record", str(path), "--lab", "--stack", "fleet-master-0"]
    return subprocess.Popen([*argv, "--duration", str(int(seconds))], env=env, stdout=subprocess.PIPE, text=True)


def full_key(path: Path) -> tuple[float, int]:
    """The keyframe written once every region had answered (the start's holds nothing yet): time, bytes."""
    keys = [(json.loads(line)["t"], len(line) + 1) for line in path.read_text().splitlines() if '"k":"key"' in line]
    if len(keys) < 2:
        raise RuntimeError("no full keyframe")
    return keys[1]


def main() -> int:
    from mrconsole.core.live.playback import PlaybackSession, Recording
    from mrconsole.lab.manager import Lab
    from mrconsole.lab.populate import populate

    root = Path(tempfile.mkdtemp(prefix="mrconsole-bench-recording-"))
    lab = Lab(root / "lab")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"XDG_STATE_HOME": str(root / "state"), "XDG_CONFIG_HOME": str(root / "config"),
                "MRCONSOLE_LAB_DIR": str(lab.dir)})  # fmt: skip
    figures: list[Figure] = []
    try:
        lab.up(regions=REGIONS, base_port=0)
        report = populate(lab, stacks=STACKS, masters=2, concurrency=8, busy_seconds=30,
                          progress=lambda m: print(f"  populate: {m}", flush=True))  # fmt: skip
        time.sleep(max(0.0, 40 - report.seconds))  # the busy stacks end: idle is idle

        idle_path = root / "idle.jsonl"
        rec = record(env, idle_path, IDLE + 20)
        rec.wait(IDLE + 120)
        key_t, key_bytes = full_key(idle_path)
        figures.append(Figure("keyframe", "bytes", value=float(key_bytes), note=f"{len(REGIONS)} x {STACKS}"))
        idle = Figure("idle", "bytes/min", "small", note=f"{WINDOW:.0f} s windows after the keyframe")
        for rate in windows(idle_path, key_t + 10, key_t + 10 + IDLE):
            idle.add(rate)
        figures.append(idle)

        burst_path = root / "burst.jsonl"
        rec = record(env, burst_path, 150)
        time.sleep(10)
        names = {}
        for region in REGIONS:
            out = subprocess.run([str(BIN / "mrconsole"), "status", "--lab", "--region", region, "-f", "json"],
                                 env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
            stacks = json.loads(out.stdout)["regions"][0]["stacks"]
            names[region] = [s["name"] for s in stacks if s["name"].startswith("fleet-0")][:BURST]
        burst_t = time.time()

        def check(region_name):
            region, name = region_name
            argv = [str(BIN / "mrconsole"), "stack", "check", name, "--lab", "--region", region, "--yes", "--direct"]
            return subprocess.run(argv, env=env, capture_output=True, timeout=120).returncode

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(check, [(r, n) for r, ns in names.items() for n in ns]))
        rec.wait(300)
        burst = Figure("a burst of checks", "bytes/min", "small",
                       note=f"{len(codes)} checks ({codes.count(0)} accepted) over {len(REGIONS)} regions")  # fmt: skip
        for rate in windows(burst_path, burst_t, burst_t + 90):
            burst.add(rate)
        figures.append(burst)
        idle_mean = sum(idle.samples) / max(1, len(idle.samples))
        figures.append(Figure("an idle hour, projected", "bytes", "small", value=6 * key_bytes + 60 * idle_mean,
                              note="six keyframes + 60 idle minutes"))  # fmt: skip

        t = time.monotonic()
        session = PlaybackSession(Recording(burst_path))
        session.seek(session.recording.end)
        figures.append(Figure("read the burst's recording and seek to its end", "s", value=time.monotonic() - t,
                              note=f"{burst_path.stat().st_size} bytes"))  # fmt: skip

        # What an operator has instead: the events of every region's stacks, as `openstack` gives them.
        size = 0
        for region in REGIONS:
            for name in names[region]:
                out = subprocess.run(
                    [str(BIN / "openstack"), "--os-cloud", "mrconsole-lab", "--os-region-name", region,
                     "stack", "event", "list", name, "-f", "json"],
                    env={**env, "OS_CLIENT_CONFIG_FILE": str(lab.clouds_yaml)}, capture_output=True, timeout=120,
                )  # fmt: skip
                size += len(out.stdout)
        figures.append(Figure("openstack stack event list of the checked stacks", "bytes", value=float(size),
                              note=f"{sum(len(n) for n in names.values())} stacks, one call each"))  # fmt: skip
    finally:
        lab.down(purge=True)
    for f in figures:
        print(f.text())
    path = write("recording", figures, {"regions": len(REGIONS), "stacks": STACKS, "idle_s": IDLE, "burst": BURST})
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
