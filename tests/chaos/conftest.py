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


KEY = ("operation", "boundary", "fault")


class Matrix(list):
    """The run's cells: each row is also appended at once to results/.cells-COMMIT.jsonl (one line, O_APPEND),
    so an interrupted run keeps what it ran and the workers of one run (pytest-xdist) add to one matrix; the
    result file is written again from it when each worker's session ends."""

    def __init__(self, commit: str):
        super().__init__()
        self.commit = commit
        self.cells = RESULTS / f".cells-{commit}.jsonl"

    def append(self, row: dict) -> None:
        super().append(row)
        RESULTS.mkdir(exist_ok=True)
        with self.cells.open("a") as f:
            f.write(json.dumps({**row, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}) + "\n")

    def write(self) -> None:
        rows: dict[tuple, dict] = {}
        for line in self.cells.read_text().splitlines():
            row = json.loads(line)
            rows[tuple(row[k] for k in KEY)] = row  # a cell run again: its newest row
        cells = list(rows.values())
        doc = {
            "run": max(r["at"] for r in cells),
            "commit": self.commit,
            "machine": f"{platform.machine()}, Python {platform.python_version()}",
            "cells": cells,
            "recovered": sum(1 for r in cells if r["recovered"]),
            "lost_data": sum(1 for r in cells if r["lost"]),
        }
        day = doc["run"][:10]
        (RESULTS / f"{day}-{self.commit}.json").write_text(json.dumps(doc, indent=1) + "\n")


@pytest.fixture(scope="session")
def matrix():
    rows = Matrix(_commit())
    yield rows
    if rows:
        rows.write()
