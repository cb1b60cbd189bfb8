"""Every sqlite file the console writes is private to its user (0600), its WAL and shared-memory files too.

The journal holds who did what with which parameters, the topology cache a master's template and
parameters: neither is anyone else's business on a shared jump host. SQLite creates the -wal and
-shm files with the permissions of the database file, so the database file is created 0600 before
sqlite opens it (and an older one is narrowed).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from mrconsole.logs import logger

PRIVATE = 0o600


def connect(path: Path) -> sqlite3.Connection:
    """A private sqlite file in WAL mode, so a reader never blocks a writer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, PRIVATE)
    try:
        if os.fstat(fd).st_mode & 0o777 != PRIVATE:
            os.fchmod(fd, PRIVATE)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):  # left by an older version, with wider permissions
        side = path.with_name(path.name + suffix)
        if side.exists() and side.stat().st_mode & 0o777 != PRIVATE:
            os.chmod(side, PRIVATE)
    db = sqlite3.connect(path, timeout=10)
    db.execute("PRAGMA journal_mode=WAL")
    return db


def create(path: Path, schema: Callable[[sqlite3.Connection], object]) -> str:
    """Open `path` and make its schema. A file sqlite cannot read as a database (corrupt, cut short,
    not sqlite at all) would block every action and every save: it is moved aside with its -wal and
    -shm as `NAME.corrupt-<UTC time>` and a fresh one is started, so the console goes on and says so.
    Returns where the old one went, or "". A locked database (OperationalError) is not corrupt: raised."""
    try:
        with connect(path) as db:
            schema(db)
        return ""
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as exc:
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
        logger().error("%s is unreadable (%s): moved aside to %s, a fresh one started", path, exc, aside)
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.rename(aside.with_name(aside.name + suffix))
        with connect(path) as db:
            schema(db)
        return str(aside)
