"""Outage windows as the console saw them: when a region went down, why, and when it answered again.

Kept next to the journal (the same sqlite file) because an incident's
timeline needs both: what the operators did, and what the regions did.
One row per window; a window still open has no `ended_at`.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from mrconsole.state.journal import connect, default_path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outage (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cloud TEXT NOT NULL,
    region TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL,
    reason TEXT NOT NULL DEFAULT ''
)
"""


@dataclass(frozen=True)
class OutageWindow:
    cloud: str
    region: str
    started_at: float
    ended_at: float | None
    reason: str


class Outages:
    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path)

    def down(self, cloud: str, region: str, reason: str, at: float | None = None) -> None:
        """A region stopped answering; nothing is written while its window is already open."""
        with self._connect() as db:
            open_ = db.execute(
                "SELECT 1 FROM outage WHERE cloud=? AND region=? AND ended_at IS NULL", (cloud, region)
            ).fetchone()
            if not open_:
                db.execute(
                    "INSERT INTO outage (cloud, region, started_at, reason) VALUES (?,?,?,?)",
                    (cloud, region, at or time.time(), reason),
                )

    def up(self, cloud: str, region: str, at: float | None = None) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE outage SET ended_at=? WHERE cloud=? AND region=? AND ended_at IS NULL",
                (at or time.time(), cloud, region),
            )

    def windows(self, cloud: str, regions: set[str] | None = None, since: float = 0.0) -> list[OutageWindow]:
        """Windows that overlap [since, now], oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT cloud, region, started_at, ended_at, reason FROM outage WHERE cloud=? AND "
                "(ended_at IS NULL OR ended_at >= ?) ORDER BY started_at",
                (cloud, since),
            ).fetchall()
        return [OutageWindow(*row) for row in rows if regions is None or row[1] in regions]
