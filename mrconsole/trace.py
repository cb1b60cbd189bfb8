"""Milestones for benchmarks: `MRCONSOLE_TRACE=FILE` appends `time what detail`.

Off unless the variable is set; then one short line per milestone (a
region's stacks first shown), never per row or per event.
"""

from __future__ import annotations

import os
import time


def trace(what: str, *detail: object) -> None:
    path = os.environ.get("MRCONSOLE_TRACE")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{time.time():.3f} {what} {' '.join(str(d) for d in detail)}\n")
    except OSError:
        pass
