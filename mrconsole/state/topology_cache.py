"""The topology cache: every master the console or CLI has seen, in sqlite.

It is what keeps a master's constituents visible when the master's region
is down: the master's cloud, region, id and name; each constituent's
resource, region, remote stack id and name, last status, parameters and
outputs (hidden values masked); and the data-flow edges. Each save is one
sqlite transaction, so a crash leaves the previous version whole.

A master is kept under its own cloud, its regions by their catalog names,
so it is found whichever clouds are opened beside it: a record read with
`clouds` (the clouds opened, the first first) names each region as the
console then does (`CLOUD/REGION` for a cloud beside the first).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from mrconsole.config import state_dir
from mrconsole.logs import logger
from mrconsole.models import HIDDEN, console_region, split_region
from mrconsole.state.sealed import seal, unseal
from mrconsole.state.sqlite import connect as private_connect
from mrconsole.state.sqlite import create

_SCHEMA = """
CREATE TABLE IF NOT EXISTS masters (
    cloud TEXT NOT NULL,
    master_id TEXT NOT NULL,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    status TEXT NOT NULL,
    seen_at REAL NOT NULL,
    edges TEXT NOT NULL,
    PRIMARY KEY (cloud, master_id)
);
CREATE TABLE IF NOT EXISTS constituents (
    cloud TEXT NOT NULL,
    master_id TEXT NOT NULL,
    resource TEXT NOT NULL,
    region TEXT,
    stack_id TEXT,
    stack_name TEXT,
    status TEXT,
    updated_time TEXT,
    parameters TEXT NOT NULL DEFAULT '{}',
    outputs TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (cloud, master_id, resource)
);
CREATE INDEX IF NOT EXISTS constituents_by_stack ON constituents (cloud, stack_id);
CREATE TABLE IF NOT EXISTS adopt_data (
    cloud TEXT NOT NULL,
    master_id TEXT NOT NULL,
    version TEXT NOT NULL,
    saved_at REAL NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (cloud, master_id)
);
"""


@dataclass
class CachedConstituent:
    resource: str
    region: str | None
    stack_id: str | None
    stack_name: str | None
    status: str = ""
    updated_time: str | None = None
    parameters: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    read_at: float | None = None  # when its parameters and outputs were read in its region


@dataclass
class CachedMaster:
    cloud: str
    master_id: str
    name: str
    region: str
    status: str
    seen_at: float
    edges: list = field(default_factory=list)  # [source, key, target, via]
    constituents: list[CachedConstituent] = field(default_factory=list)


@dataclass(frozen=True)
class AdoptData:
    """What Heat's adopt needs to rebuild a master elsewhere (its export: template, files, environment,
    each resource's id), kept so a master can be moved while its region is down. Hidden parameters'
    values are never kept: `hidden` names the ones the operator must give again."""

    cloud: str
    master_id: str
    version: str  # the master's status and change time when read: refreshed only when it moves
    saved_at: float
    data: dict
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConstituentHit:
    master_name: str
    master_id: str
    master_region: str
    resource: str


Clouds = str | Sequence[str]  # one cloud, or the clouds opened, the first first


def _list(clouds: Clouds) -> list[str]:
    return [clouds] if isinstance(clouds, str) else list(clouds)


def _in(clouds: list[str], column: str = "cloud") -> str:
    return f"{column} IN ({','.join('?' * len(clouds))})"


def _own(master: CachedMaster) -> CachedMaster:
    """`master` (its cloud the first opened, its regions the console's names) as kept: under its own cloud,
    its regions' catalog names. Its constituents are in its cloud (Heat makes them there, even with a
    credential_secret_id); a region of another cloud (none today) keeps the console's name."""
    cloud, region = split_region(master.cloud, master.region)

    def own(name: str | None) -> str | None:
        if name is None:
            return None
        c, n = split_region(master.cloud, name)
        return n if c == cloud else name

    constituents = [replace(c, region=own(c.region)) for c in master.constituents]
    return replace(master, cloud=cloud, region=region, constituents=constituents)


def _named(first: str, master: CachedMaster) -> CachedMaster:
    """A kept master as the console names it when `first` is the first cloud opened."""
    constituents = [
        replace(c, region=console_region(first, master.cloud, c.region) if c.region else c.region)
        for c in master.constituents
    ]
    return replace(
        master, cloud=first, region=console_region(first, master.cloud, master.region), constituents=constituents
    )


def default_path() -> Path:

    return state_dir() / "topology.sqlite"


def _make_schema(db: sqlite3.Connection) -> None:
    db.executescript(_SCHEMA)
    # A cache written before constituents' values carried their own time: the column is added.
    if "read_at" not in {row[1] for row in db.execute("PRAGMA table_info(constituents)")}:
        db.execute("ALTER TABLE constituents ADD COLUMN read_at REAL")


class TopologyCache:
    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.set_aside = create(self.path, _make_schema)  # where an unreadable one went, or ""

    def _connect(self) -> sqlite3.Connection:
        db = private_connect(self.path)
        return db

    def save(self, master: CachedMaster) -> None:
        """Keep `master` (its `cloud` the first cloud opened, its regions the console's names), in place of
        what was kept of it."""
        master = _own(master)
        with self._connect() as db:  # one transaction: all of it or none of it
            db.execute(
                "INSERT OR REPLACE INTO masters VALUES (?,?,?,?,?,?,?)",
                (
                    master.cloud,
                    master.master_id,
                    master.name,
                    master.region,
                    master.status,
                    master.seen_at,
                    json.dumps(master.edges),
                ),
            )
            db.execute("DELETE FROM constituents WHERE cloud=? AND master_id=?", (master.cloud, master.master_id))
            db.executemany(
                "INSERT INTO constituents (cloud, master_id, resource, region, stack_id, stack_name, status,"
                " updated_time, parameters, outputs, read_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        master.cloud,
                        master.master_id,
                        c.resource,
                        c.region,
                        c.stack_id,
                        c.stack_name,
                        c.status,
                        c.updated_time,
                        json.dumps(c.parameters),
                        json.dumps(c.outputs),
                        c.read_at,
                    )
                    for c in master.constituents
                ],
            )

    def masters(self, clouds: Clouds) -> list[CachedMaster]:
        """Every master of these clouds the cache knows, newest first, with its constituents."""
        names = _list(clouds)
        with self._connect() as db:
            ids = [r[0] for r in db.execute(
                f"SELECT master_id FROM masters WHERE {_in(names)} ORDER BY seen_at DESC", names
            ).fetchall()]  # fmt: skip
        return [m for m in (self.load(names, i) for i in ids) if m is not None]

    def known_names(self) -> tuple[set[str], set[str], set[str]]:
        """The masters', every stack's (masters and constituents) and the regions' names the cache holds,
        for every cloud: what shell completion offers, with no request (it works during an outage)."""
        with self._connect() as db:
            masters = db.execute("SELECT name, region FROM masters").fetchall()
            constituents = db.execute("SELECT stack_name, region FROM constituents").fetchall()
        names = {n for n, _ in masters if n}
        stacks = names | {n for n, _ in constituents if n}
        regions = {r for _, r in masters + constituents if r}
        return names, stacks, regions

    def load(self, clouds: Clouds, name_or_id: str) -> CachedMaster | None:
        """The newest master of these clouds by that name or id, its regions named as the console names them."""
        names = _list(clouds)
        with self._connect() as db:
            row = db.execute(
                f"SELECT * FROM masters WHERE {_in(names)} AND (name=? OR master_id=?) ORDER BY seen_at DESC LIMIT 1",
                (*names, name_or_id, name_or_id),
            ).fetchone()
            if row is None:
                return None
            rows = db.execute(
                "SELECT resource, region, stack_id, stack_name, status, updated_time, parameters,"
                " outputs, read_at FROM constituents WHERE cloud=? AND master_id=? ORDER BY resource",
                (row[0], row[1]),
            ).fetchall()
        constituents = [
            CachedConstituent(r[0], r[1], r[2], r[3], r[4] or "", r[5], json.loads(r[6]), json.loads(r[7]), r[8])
            for r in rows
        ]
        kept = CachedMaster(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]), constituents)
        return _named(names[0], kept)

    def save_adopt(self, adopt: AdoptData) -> None:
        """Keep `adopt` under its master's own cloud (`adopt.cloud`: callers name it, fleet.cloud_of)."""
        record = {"data": adopt.data, "hidden": list(adopt.hidden)}
        blob = seal(json.dumps(record).encode())  # state/sealed.py: secrets in it, key kept apart
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO adopt_data VALUES (?,?,?,?,?)",
                (adopt.cloud, adopt.master_id, adopt.version, adopt.saved_at, blob),
            )

    def load_adopt(self, clouds: Clouds, master_id: str) -> AdoptData | None:
        names = _list(clouds)
        with self._connect() as db:
            row = db.execute(
                f"SELECT version, saved_at, data, cloud FROM adopt_data WHERE {_in(names)} AND master_id=?",
                (*names, master_id),
            ).fetchone()
        if row is None:
            return None
        raw = unseal(row[2] if isinstance(row[2], bytes) else str(row[2]).encode())
        if raw is None:
            logger().warning("adopt data of %s cannot be opened with this key: read again at the next look", master_id)
            return None
        record = json.loads(raw)
        return AdoptData(row[3], master_id, row[0], row[1], record["data"], tuple(record.get("hidden", ())))

    def claimants(self, clouds: Clouds, stack_ids: list[str]) -> list[tuple[str, str, str, str]]:
        """(master_id, name, region, constituent stack id) of every cached master claiming one of these stacks."""
        if not stack_ids:
            return []
        names = _list(clouds)
        marks = ",".join("?" * len(stack_ids))
        with self._connect() as db:
            rows = db.execute(
                "SELECT DISTINCT m.master_id, m.name, m.region, c.stack_id, m.cloud FROM constituents c JOIN masters m "
                f"ON m.cloud=c.cloud AND m.master_id=c.master_id WHERE {_in(names, 'c.cloud')} "
                f"AND c.stack_id IN ({marks})",
                (*names, *stack_ids),
            ).fetchall()
        return [(i, n, console_region(names[0], cloud, r), s) for i, n, r, s, cloud in rows]

    def forget(self, clouds: Clouds, master_id: str) -> None:
        """A master that no longer exists (abandoned, deleted): it claims nothing any more."""
        names = _list(clouds)
        with self._connect() as db:
            for table in ("masters", "constituents", "adopt_data"):
                db.execute(f"DELETE FROM {table} WHERE {_in(names)} AND master_id=?", (*names, master_id))

    def find_constituent(self, clouds: Clouds, stack_id: str) -> ConstituentHit | None:
        names = _list(clouds)
        with self._connect() as db:
            row = db.execute(
                "SELECT m.name, m.master_id, m.region, c.resource, m.cloud FROM constituents c JOIN masters m "
                f"ON m.cloud=c.cloud AND m.master_id=c.master_id WHERE {_in(names, 'c.cloud')} AND c.stack_id=? "
                "ORDER BY m.seen_at DESC LIMIT 1",
                (*names, stack_id),
            ).fetchone()
        if row is None:
            return None
        name, master_id, region, resource, cloud = row
        return ConstituentHit(name, master_id, console_region(names[0], cloud, region), resource)


def keeping_values(record: CachedMaster, previous: CachedMaster | None) -> CachedMaster:
    """`record` with the parameters and outputs `previous` kept for constituents it has none for (their
    region did not answer, or this read did not ask): a save never forgets the last values seen. An
    output a reader that knew the constituent's template masked (it reads a hidden parameter: the
    outputs screen) stays masked in every later save, by readers that did not read the template (#33)."""
    if previous is None:
        return record
    kept = {c.stack_id: c for c in previous.constituents if c.stack_id}
    for c in record.constituents:
        old = kept.get(c.stack_id or "")
        if old is None:
            continue
        if not c.outputs and not c.parameters:  # not read this time: the last values, and when they were read
            c.outputs, c.parameters, c.read_at = old.outputs, old.parameters, old.read_at
        else:
            c.outputs = {k: (HIDDEN if old.outputs.get(k) == HIDDEN else v) for k, v in c.outputs.items()}
    return record


def from_topology(topology, constituent_details: dict | None = None, masked: dict | None = None) -> CachedMaster:
    """A Topology (plus each constituent's parameters/outputs, if read) as a cache record.

    A constituent's values are written only when `masked` (stack id -> its outputs that read a hidden
    parameter, core/outputs.mask_hidden) says which of them its template hides, and those as HIDDEN: an
    output of a secret never reaches the disk (#33). The others are written as not read this time, so
    `keeping_values` keeps what a reader that knew their templates wrote."""
    details = constituent_details or {}
    masked = masked or {}
    constituents = []
    for c in topology.constituents:
        d = (details.get(c.stack_id) if c.stack_id else None) or getattr(c, "detail", None)
        if c.stack_id not in masked:
            d = None
        hide = masked.get(c.stack_id) or set()
        constituents.append(
            CachedConstituent(
                resource=c.resource,
                region=c.region,
                stack_id=c.stack_id,
                stack_name=c.stack_name,
                status=c.stack.status if c.stack else c.resource_status,
                updated_time=(c.stack.changed_time.isoformat() if c.stack and c.stack.changed_time else None),
                parameters=dict(d.parameters) if d else {},
                outputs={o.key: (HIDDEN if o.key in hide else o.value) for o in d.outputs} if d else {},
                read_at=time.time() if d else None,
            )
        )
    m = topology.master
    return CachedMaster(
        cloud=topology.cloud,
        master_id=m.id,
        name=m.name,
        region=m.region,
        status=m.status,
        seen_at=time.time(),
        edges=[[e.source, e.key, e.target, e.via] for e in topology.edges],
        constituents=constituents,
    )
