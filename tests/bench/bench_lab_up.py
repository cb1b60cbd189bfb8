"""Benchmark: how long `mrconsole lab up` takes to a lab that answers, by profile, for a new lab (Keystone
bootstrapped, databases made) and for a lab brought up again (`lab down`, then `lab up`). The production
profile (trusts, HTTPS, MariaDB) must not cost more than a few seconds per region over the simple one
(sqlite, plain HTTP). RUNS each, on their own ports; a run that fails is a miss at the limit."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, write

BIN = Path(sys.executable).parent
RUNS = 3
LIMIT_S = 300.0
REGIONS = "RegionOne,RegionTwo,RegionThree"


def _run(argv: list[str], lab_dir: Path) -> bool:
    done = subprocess.run(
        [str(BIN / "mrconsole"), "lab", *argv, "--dir", str(lab_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=LIMIT_S,
        check=False,
    )
    return done.returncode == 0


def measure(profile: str) -> tuple[Figure, Figure]:
    new = Figure(f"lab up, new, {profile}", "s", "", limit=LIMIT_S)
    again = Figure(f"lab up, again, {profile}", "s", "", limit=LIMIT_S)
    for _ in range(RUNS):
        lab_dir = Path(tempfile.mkdtemp(prefix="mrconsole-bench-lab-"))
        try:
            t = time.monotonic()
            ok = _run(["up", "--regions", REGIONS, "--profile", profile, "--base-port", "0"], lab_dir)
            new.add(time.monotonic() - t if ok else None)
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
    for profile in ("simple", "production"):
        figures += measure(profile)
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
