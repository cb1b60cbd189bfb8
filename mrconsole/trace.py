"""Milestones for benchmarks: `MRCONSOLE_TRACE=FILE` appends `time what detail`.

Off unless the variable is set; then one short line per milestone (a
region's stacks first shown; a stack's action seen by its region's look,
its first event read, that event written on screen: where the first event's
seconds go, tests/bench/bench_burst.py; `events --follow` past its backlog,
which a test waits on), never per row or per event.
"""

from __future__ import annotations

import os
import time


def tracing() -> bool:
    """Whether milestones are written (checked before building a milestone's detail)."""
    return bool(os.environ.get("MRCONSOLE_TRACE"))


def trace(what: str, *detail: object) -> None:
    path = os.environ.get("MRCONSOLE_TRACE")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{time.time():.3f} {what} {' '.join(str(d) for d in detail)}\n")
    except OSError:
        pass
