"""The chaos tier (#36, `make test-chaos`): one fault at each step boundary of an operation, then recovery by
another operator, on the session lab. Not part of `make test` (each cell is a create, an operation and a
recovery: minutes each); its result file is committed with each change to these operations, and the README's
table is made from the newest one (tools/chaos_report.py).

Every cell adds its row to the run's matrix; the file is written when the session ends, with every cell's
outcome (recovered with one command, or not and why)."""

from __future__ import annotations

import json
import platform
import subprocess
import time
from pathlib import Path

import pytest

RESULTS = Path(__file__).parent / "results"


def _commit() -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], capture_output=True, text=True, timeout=10)
        return done.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


@pytest.fixture(scope="session")
def matrix():
    rows: list[dict] = []
    yield rows
    if not rows:
        return
    commit = _commit()
    RESULTS.mkdir(exist_ok=True)
    doc = {
        "run": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": commit,
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "cells": rows,
        "recovered": sum(1 for r in rows if r["recovered"]),
        "lost_data": sum(1 for r in rows if r["lost"]),
    }
    path = RESULTS / f"{time.strftime('%Y-%m-%d', time.gmtime())}-{commit}.json"
    path.write_text(json.dumps(doc, indent=1) + "\n")
