"""Make the lab's Heat never reuse a row id, as MariaDB and MySQL never do.

Why (issue #32, found on the lab and checked against Heat 27's source):
sqlite gives an `INTEGER PRIMARY KEY` without `AUTOINCREMENT` the largest id
in the table plus one, so when the newest row is deleted its id is handed out
again. MariaDB's `AUTO_INCREMENT`, what Heat runs on in production, never
does. Heat relies on that: a resource remembers the id of its cached
attributes (`Resource._attr_data_id`), and `Resource.store_attributes` writes
to that id (`ResourcePropertiesData.create_or_update(..., attr_id)`) or
deletes it when it lost a race (`db.api.resource_attr_id_set`). After an
update cleared the attributes (`clear_stored_attributes` deletes the row) and
a new properties row took the freed id, that stale id overwrote or deleted
*another resource's properties*: the master then answered every GET with
404 "ResourcePropertiesData with id {} not found". The sequence: a master
whose outputs read its constituents' outputs, one GET that resolves them,
then an update that changes them. On MariaDB the stale id finds no row and
the master stays readable.

What this does, in the lab's Heat process only:
- `install()`: every table Heat's migrations create with a single integer
  primary key is created `AUTOINCREMENT` (a SQLAlchemy `before_create`
  listener; alembic's `create_table`, batch migrations included, fires it);
- `upgrade(path)`: a lab database made before this is rebuilt once, table by
  table, the way sqlite's documentation says to change a table's definition
  (create the new one, copy, drop, rename, indexes again), ids kept.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)


def install() -> None:
    from sqlalchemy import Integer, Table, event

    def before_create(table, connection, **kw) -> None:
        if connection.dialect.name != "sqlite":
            return
        key = list(table.primary_key.columns)
        if len(key) == 1 and isinstance(key[0].type, Integer) and not key[0].foreign_keys:
            table.dialect_options["sqlite"]["autoincrement"] = True

    event.listen(Table, "before_create", before_create)


def _reused_id_tables(con: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """(table, its integer key column, its CREATE statement) for each table whose ids sqlite may reuse."""
    found = []
    for name, sql in con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall():
        if sql is None or "AUTOINCREMENT" in sql.upper():
            continue
        key = [row for row in con.execute(f'PRAGMA table_info("{name}")') if row[5]]
        if len(key) == 1 and key[0][2].upper() == "INTEGER":
            found.append((name, key[0][1], sql))
    return found


def _autoincrement_sql(sql: str, column: str) -> str | None:
    """The same CREATE TABLE with the key declared `PRIMARY KEY AUTOINCREMENT`, or None if its shape is unknown.

    SQLAlchemy writes the key as a column `id INTEGER NOT NULL,` and a table constraint
    `PRIMARY KEY (id)`; AUTOINCREMENT must be on the column, so the constraint goes."""
    col = re.compile(rf"(\n\s*\"?{re.escape(column)}\"?\s+INTEGER\s+NOT NULL)(\s*,)", re.IGNORECASE)
    pk = re.compile(rf",?\s*\n\s*PRIMARY KEY \(\"?{re.escape(column)}\"?\)\s*(?=,|\n\))", re.IGNORECASE)
    if len(col.findall(sql)) != 1 or len(pk.findall(sql)) != 1:
        return None
    out = col.sub(r"\1 PRIMARY KEY AUTOINCREMENT\2", sql, count=1)
    out = pk.sub("", out, count=1)
    # A constraint removed from the middle leaves ", ," or "(,", and one at the end a trailing ",".
    return re.sub(r",(\s*\n\s*\))$", r"\1", out)


def upgrade(path: Path) -> list[str]:
    """Rebuild the tables of an existing lab database whose ids sqlite may reuse; returns their names."""
    if not path.exists():
        return []
    con = sqlite3.connect(path, isolation_level=None)
    done: list[str] = []
    try:
        tables = _reused_id_tables(con)
        if not tables:
            return []
        con.execute("PRAGMA foreign_keys = OFF")
        con.execute("PRAGMA legacy_alter_table = ON")  # rename without rewriting other tables
        con.execute("BEGIN IMMEDIATE")
        for name, column, sql in tables:
            new_sql = _autoincrement_sql(sql, column)
            if new_sql is None:
                log.warning("lab: table %s keeps ids sqlite may reuse (unknown shape)", name)
                continue
            indexes = [
                row[0]
                for row in con.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                    (name,),
                )
            ]
            temp = f"{name}__autoinc"
            con.execute(new_sql.replace(f"CREATE TABLE {name} ", f"CREATE TABLE {temp} ", 1))
            con.execute(f'INSERT INTO "{temp}" SELECT * FROM "{name}"')
            con.execute(f'DROP TABLE "{name}"')
            con.execute(f'ALTER TABLE "{temp}" RENAME TO "{name}"')
            for index in indexes:
                con.execute(index)
            done.append(name)
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return done
