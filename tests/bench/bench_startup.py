"""Benchmark: how long `mrconsole --help` takes (the import cost every command pays before it does anything),
side by side with `openstack --help`. Target: mrconsole --help under 0.2 s. n runs each, none can miss
(a run that fails is reported as a failure, not dropped)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, write

BIN = Path(sys.executable).parent
RUNS = 20


def timed(argv: list[str], figure: Figure) -> Figure:
    for _ in range(RUNS):
        t = time.monotonic()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        figure.add((time.monotonic() - t) * 1000.0 if done.returncode == 0 else None)
    return figure


def main() -> int:
    figures = [
        timed([str(BIN / "mrconsole"), "--help"], Figure("mrconsole --help", "ms", "p50 < 200 ms", limit=float("inf"))),
        timed([str(BIN / "mrconsole"), "--version"], Figure("mrconsole --version", "ms", "", limit=float("inf"))),
    ]
    if (BIN / "openstack").exists():
        figures.append(
            timed(
                [str(BIN / "openstack"), "--help"],
                Figure("openstack --help (side by side)", "ms", "", limit=float("inf")),
            )
        )
    for f in figures:
        print(f"{f.name:<36} {f.text()}")
    print(f"results: {write('startup', figures, {'runs': RUNS})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
