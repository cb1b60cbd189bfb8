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


class _Connection(sqlite3.Connection):
    """A connection whose `with` block also closes it (sqlite3's own only commits). A connection left to the
    garbage collector stays open for as long as anything refers to it: a process that ends up with several
    open keeps the database's WAL in use longer than it needs to."""

    def __exit__(self, *exc):
        try:
            return super().__exit__(*exc)
        finally:
            self.close()


def connect(path: Path) -> sqlite3.Connection:
    """A private sqlite file in WAL mode, so a reader never blocks a writer; closed at the end of its `with`.

    The database file is never opened here by other means than sqlite: closing any descriptor of a file drops
    every POSIX lock this process holds on it, the shared lock of an open connection too. Another process
    closing its own connection then sees none and, as the last one, checkpoints and deletes the -wal and -shm
    the first still writes to: its later writes are lost and the next process reads "disk I/O error" (a
    rollout's journal, tests/lab/test_operations.py; sqlite.org/howtocorrupt.html 2.2). So the file is created
    with O_EXCL only when it does not exist (no connection can have it open then) and narrowed by path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, PRIVATE))
    except FileExistsError:
        pass
    for name in (path.name, path.name + "-wal", path.name + "-shm"):  # left by an older version, wider
        one = path.with_name(name)
        try:
            if one.stat().st_mode & 0o777 != PRIVATE:
                os.chmod(one, PRIVATE)
        except FileNotFoundError:
            pass
    db = sqlite3.connect(path, timeout=10, factory=_Connection)
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
