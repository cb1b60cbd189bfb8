"""The action journal: every mutation, written before the call and completed after.

A crash between the two leaves an entry with outcome 'pending', which is
exactly what an operator needs to know afterwards. Values of hidden
parameters never reach it: callers pass parameters already masked, and
`begin` masks again by name as a last line of defence: a parameter whose name says
it is a secret (SECRET_WORDS) is never kept in clear, hidden or not.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from mrconsole.config import state_dir
from mrconsole.models import HIDDEN, console_region, split_region
from mrconsole.state.sqlite import connect as private_connect
from mrconsole.state.sqlite import create

# Parameter names that say "a secret" (password, db_password, api_token, ssh_private_key...).
SECRET_WORDS = ("password", "passwd", "secret", "token", "credential", "private_key", "privatekey", "api_key", "apikey")

PENDING, OK, FAILED, REFUSED = "pending", "ok", "failed", "refused"  # refused: never sent
UNKNOWN = "unknown"  # sent, and the answer was lost: it may or may not have been applied

_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at REAL NOT NULL,
    finished_at REAL,
    user TEXT NOT NULL,
    cloud TEXT NOT NULL,
    region TEXT NOT NULL,
    stack_name TEXT NOT NULL,
    stack_id TEXT,
    action TEXT NOT NULL,
    parameters TEXT NOT NULL DEFAULT '{}',
    request_id TEXT,
    outcome TEXT NOT NULL,
    message TEXT,
    out_of_band INTEGER NOT NULL DEFAULT 0,
    master_id TEXT
)
"""


@dataclass(frozen=True)
class JournalEntry:
    id: int
    started_at: float
    finished_at: float | None
    user: str
    cloud: str
    region: str
    stack_name: str
    stack_id: str | None
    action: str
    parameters: dict
    request_id: str | None
    outcome: str
    message: str | None
    out_of_band: bool
    master_id: str | None


def connect(path: Path) -> sqlite3.Connection:
    """The journal's sqlite file (shared with state/outages.py): private, WAL (state/sqlite.py)."""
    return private_connect(path)


def default_path() -> Path:

    return state_dir() / "journal.sqlite"


class Journal:
    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.set_aside = create(self.path, lambda db: db.execute(_SCHEMA))  # where an unreadable one went

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path)

    def begin(
        self,
        *,
        cloud: str,
        region: str,
        stack_name: str,
        action: str,
        stack_id: str | None = None,
        parameters: dict | None = None,
        hidden: set[str] | frozenset = frozenset(),
        request_id: str | None = None,
        out_of_band: bool = False,
        master_id: str | None = None,
    ) -> int:
        params = {k: (HIDDEN if k in hidden or sounds_secret(k) else v) for k, v in (parameters or {}).items()}
        # Kept under the region's own cloud and catalog name (`cloud` is the first cloud opened, `region` the
        # console's name): an action is found again whichever clouds are opened beside its own.
        cloud, region = split_region(cloud, region)
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO journal (started_at, user, cloud, region, stack_name, stack_id, action, parameters,"
                " request_id, outcome, out_of_band, master_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    time.time(),
                    _user(),
                    cloud,
                    region,
                    stack_name,
                    stack_id,
                    action,
                    json.dumps(params),
                    request_id,
                    PENDING,
                    int(out_of_band),
                    master_id,
                ),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

    def finish(self, entry_id: int, outcome: str, message: str = "", stack_id: str | None = None) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE journal SET finished_at=?, outcome=?, message=?, stack_id=COALESCE(?, stack_id) WHERE id=?",
                (time.time(), outcome, message, stack_id, entry_id),
            )

    def entries(
        self,
        limit: int = 100,
        *,
        since: float | None = None,
        cloud: str | Sequence[str] | None = None,
        regions: tuple[str, ...] | list[str] = (),
        stack_name: str | None = None,
    ) -> list[JournalEntry]:
        """The newest `limit` entries, newest first; the filters are applied by sqlite, not after.

        `cloud` is one cloud or the clouds opened, the first first: only their entries, each region named as
        the console names it then (`CLOUD/REGION` for a cloud beside the first), and `regions` read the same
        way. Without it, every cloud's entries with their regions as kept."""
        clouds = [cloud] if isinstance(cloud, str) else list(cloud or ())
        where, args = [], []
        for column, value in (("started_at >=", since), ("stack_name =", stack_name)):
            if value is not None:
                where.append(f"{column} ?")
                args.append(value)
        if clouds:
            where.append(f"cloud IN ({','.join('?' * len(clouds))})")
            args += clouds
        if regions:
            pairs = [split_region(clouds[0], r) if clouds else (None, r) for r in regions]
            where.append("(" + " OR ".join("(region = ?" + (" AND cloud = ?)" if c else ")") for c, _ in pairs) + ")")
            args += [v for c, r in pairs for v in ((r, c) if c else (r,))]
        sql = "SELECT * FROM journal" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id DESC LIMIT ?"
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(sql, (*args, limit)).fetchall()
        entries = [
            JournalEntry(
                **{
                    **dict(row),
                    "parameters": json.loads(row["parameters"] or "{}"),
                    "out_of_band": bool(row["out_of_band"]),
                }
            )
            for row in rows
        ]
        return named(entries, clouds[0]) if clouds else entries


def named(entries: list[JournalEntry], first: str) -> list[JournalEntry]:
    """`entries` with each region named as the console names it when `first` is the first cloud opened
    (`CLOUD/REGION` for any other cloud's, opened or not: never mistaken for one of the first's)."""
    return [replace(e, region=console_region(first, e.cloud, e.region)) for e in entries]


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in a container
        return str(os.getuid())


def sounds_secret(name: str) -> bool:
    low = str(name).lower()
    return any(word in low for word in SECRET_WORDS)
