"""Make the lab's sqlite hold concurrent load (Heat and Keystone both use it).

Heat's engine writes from many threads at once. oslo.db opens every sqlite
transaction with a plain (deferred) `BEGIN`: the transaction reads under a
shared lock and upgrades to a write lock at its first write. When two such
transactions both read and then both want to write, sqlite cannot let either
wait for the other (each holds what the other needs), so it answers
`database is locked` at once, whatever the busy timeout says. Under 8
concurrent creators that failed every create (80 of 80 measured).

What fixes it, in the processes the lab itself runs:
- `BEGIN IMMEDIATE`: a transaction takes the write lock when it begins, so
  writers queue on the busy timeout instead of deadlocking;
- WAL journal: readers never block the writer and the writer never blocks
  readers, so queueing writers costs reads nothing; `synchronous = NORMAL`
  is WAL's durable-enough setting (a power cut may lose the last commits,
  never corrupt the file), which is right for a throw-away lab.

These are SQLAlchemy class-level listeners, so they apply to every engine
oslo.db creates afterwards, and they run before oslo.db's own per-engine
ones (oslo.db then sees the transaction already begun and emits nothing).
Call `install()` once, before the service creates its engine.

Two exceptions begin deferred, as before (under WAL a reader never waits):
- oslo.db *reader* transactions. oslo.db forbids a reader from turning into
  a writer, so they never need the write lock, and queueing them behind
  writers only made reads slow under load (a 500-stack list took over 10 s
  while 175 updates ran). The mode is read from oslo.db's transaction
  context as it opens its session or connection.
- a thread that already holds a write transaction and opens a second
  connection (Heat's schema migration does: it inspects tables on a new
  connection inside its own transaction) would wait on itself.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading

BUSY_TIMEOUT_MS = 30_000
_held = threading.local()  # write transactions this thread holds open
_mode = threading.local()  # the oslo.db mode (reader/writer) of this thread's outermost transaction


def install() -> None:
    import sqlalchemy
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    def on_connect(dbapi_con, con_record) -> None:
        if not _is_sqlite(dbapi_con):
            return
        dbapi_con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        dbapi_con.execute("PRAGMA journal_mode = WAL")
        dbapi_con.execute("PRAGMA synchronous = NORMAL")

    reader = _watch_oslo_db_modes()

    def on_begin(conn) -> None:
        if conn.dialect.name != "sqlite" or "in_transaction" in conn.info:
            return
        if getattr(_held, "count", 0) or (reader is not None and getattr(_mode, "value", None) is reader):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            _held.count = 1
            conn.info["mrconsole_immediate"] = True
        conn.info["in_transaction"] = True
        # oslo.db's own listener sees the marker and skips its BEGIN; the
        # commit/rollback listeners (ours and its) clear it.

    def on_end(conn) -> None:
        if conn.info.pop("mrconsole_immediate", False):
            _held.count = 0
        conn.info.pop("in_transaction", None)

    sqlalchemy.event.listen(Pool, "connect", on_connect)
    sqlalchemy.event.listen(Engine, "begin", on_begin)
    sqlalchemy.event.listen(Engine, "commit", on_end)
    sqlalchemy.event.listen(Engine, "rollback", on_end)


def _watch_oslo_db_modes():
    """Remember, per thread, whether the outermost oslo.db transaction is a
    reader; returns oslo.db's READER symbol (None if oslo.db is not there)."""
    try:
        from oslo_db.sqlalchemy import enginefacade
    except ImportError:
        return None
    ctx = enginefacade._TransactionContext
    for name in ("_session", "_connection"):
        original = getattr(ctx, name).__wrapped__  # under contextlib.contextmanager

        def wrapped(self, savepoint=False, context=None, _original=original):
            outermost = getattr(_mode, "value", None) is None
            if outermost:
                _mode.value = self.mode
            try:
                yield from _original(self, savepoint, context)
            finally:
                if outermost:
                    _mode.value = None

        setattr(ctx, name, contextlib.contextmanager(wrapped))
    return enginefacade._READER


def _is_sqlite(dbapi_con) -> bool:

    return isinstance(dbapi_con, sqlite3.Connection)
