"""Benchmark: how long `mrconsole --help` takes (the import cost every command pays before it does anything),
side by side with `openstack --help`, and the shell's TAB (argcomplete runs mrconsole once per TAB): on a
command word, and on a stack's name after `stack delete` (that command's parser built, the names read from
the local cache). Target: mrconsole --help under 0.2 s. n runs each, none can miss (a run that fails is
reported as a failure, not dropped).

Run as installed: Python writes and then reads its bytecode (an operator's `pip install` leaves it); a
machine with PYTHONDONTWRITEBYTECODE set (this one) compiled every module of an editable install at every
start, 0.2-0.3 s of the figure. One run first writes it; the result's config says so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, write

BIN = Path(sys.executable).parent
RUNS = 20


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("OS_")}


def timed(argv: list[str], figure: Figure, env: dict | None = None, answer: Path | None = None) -> Figure:
    """`answer`: a TAB's run, which passes when argcomplete wrote candidates there."""
    env = env or ENV
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)  # bytecode
    for _ in range(RUNS):
        if answer:
            answer.unlink(missing_ok=True)
        t = time.monotonic()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        ok = done.returncode == 0 and (answer is None or bool(answer.exists() and answer.read_text().strip()))
        figure.add((time.monotonic() - t) * 1000.0 if ok else None)
    return figure


def tab(line: str, name: str, state: Path) -> Figure:
    """One TAB at the end of `line`, as bash's completion function asks it (argcomplete's environment)."""
    answer = state / "answer"
    env = {
        **ENV,
        "XDG_STATE_HOME": str(state),
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
        "_ARGCOMPLETE_IFS": " ",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
    }
    return timed([str(BIN / "mrconsole")], Figure(name, "ms", "", limit=float("inf")), env, answer)


def cached_stacks(state: Path) -> None:
    """A topology cache with one master and a constituent, for a TAB on a stack's name to read."""
    os.environ["XDG_STATE_HOME"] = str(state)
    from mrconsole.state.topology_cache import CachedConstituent, CachedMaster, TopologyCache

    constituent = CachedConstituent("db", "RegionThree", "s-1", "shop-db-x1", "CREATE_COMPLETE", None, {}, {}, None)
    TopologyCache().save(CachedMaster("bench", "m-1", "shop", "RegionTwo", "CREATE_COMPLETE", 0.0, [], [constituent]))


def main() -> int:
    figures = [
        timed([str(BIN / "mrconsole"), "--help"], Figure("mrconsole --help", "ms", "p50 < 200 ms", limit=float("inf"))),
        timed([str(BIN / "mrconsole"), "--version"], Figure("mrconsole --version", "ms", "", limit=float("inf"))),
    ]
    with tempfile.TemporaryDirectory(prefix="mrconsole-bench-startup-") as state:
        here = Path(state)
        cached_stacks(here)
        figures.append(tab("mrconsole sta", "TAB on a command word (mrconsole sta)", here))
        figures.append(tab("mrconsole stack delete sh", "TAB on a stack's name (mrconsole stack delete sh)", here))
    if (BIN / "openstack").exists():
        figures.append(
            timed(
                [str(BIN / "openstack"), "--help"],
                Figure("openstack --help (side by side)", "ms", "", limit=float("inf")),
            )
        )
    for f in figures:
        print(f"{f.name:<36} {f.text()}")
    print(f"results: {write('startup', figures, {'runs': RUNS, 'bytecode': 'written, then read'})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
