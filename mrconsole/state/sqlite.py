"""Every sqlite file the console writes is private to its user (0600), its WAL and shared-memory files too.

The journal holds who did what with which parameters, the topology cache a master's template and
parameters: neither is anyone else's business on a shared jump host. SQLite creates the -wal and
-shm files with the permissions of the database file, so the database file is created 0600 before
sqlite opens it (and an older one is narrowed).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

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
