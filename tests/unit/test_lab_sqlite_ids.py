"""The lab's Heat never reuses a row id (lab/sqlite_ids.py, #32): what sqlite does without it, with it."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa

from mrconsole.lab import sqlite_ids

# The shape SQLAlchemy gives Heat's tables (heat/db/migrations), a foreign key and an index included.
# SQLAlchemy ends each line but the last with ", " then a newline.
OLD_SCHEMA = "CREATE TABLE resource_properties_data (\n\tid INTEGER NOT NULL, \n\tdata TEXT, \n\tPRIMARY KEY (id)\n)"
OLD_CHILD = (
    "CREATE TABLE event (\n\tid INTEGER NOT NULL, \n\tuuid VARCHAR(36), \n\trsrc_prop_data_id INTEGER, \n"
    "\tPRIMARY KEY (id), \n\tCONSTRAINT ev_rsrc_prop_data_ref FOREIGN KEY(rsrc_prop_data_id) "
    "REFERENCES resource_properties_data (id), \n\tUNIQUE (uuid)\n)"
)


def _next_id_after_deleting_the_newest(con: sqlite3.Connection, table: str) -> tuple[int, int]:
    con.execute(f"INSERT INTO {table} (data) VALUES ('a')")
    newest = con.execute(f"INSERT INTO {table} (data) VALUES ('b')").lastrowid
    con.execute(f"DELETE FROM {table} WHERE id = ?", (newest,))
    return newest, con.execute(f"INSERT INTO {table} (data) VALUES ('c')").lastrowid


def test_plain_sqlite_hands_a_deleted_id_out_again(tmp_path):
    """The premise: why the lab lost masters. If sqlite ever stops doing this, the module can go."""
    con = sqlite3.connect(tmp_path / "h.sqlite", isolation_level=None)
    con.execute(OLD_SCHEMA)
    deleted, reused = _next_id_after_deleting_the_newest(con, "resource_properties_data")
    assert reused == deleted


def test_tables_created_after_install_never_reuse_an_id(tmp_path):
    sqlite_ids.install()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'h.sqlite'}")
    meta = sa.MetaData()
    sa.Table(
        "resource_properties_data", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("data", sa.Text)
    )
    sa.Table("stack", meta, sa.Column("id", sa.String(36), primary_key=True))  # not an integer key: as it was
    meta.create_all(engine)
    engine.dispose()
    con = sqlite3.connect(tmp_path / "h.sqlite", isolation_level=None)
    sql = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    assert "AUTOINCREMENT" in sql["resource_properties_data"] and "AUTOINCREMENT" not in sql["stack"]
    deleted, new = _next_id_after_deleting_the_newest(con, "resource_properties_data")
    assert new == deleted + 1


def test_an_older_lab_database_is_rebuilt_with_its_rows_ids_and_indexes(tmp_path):
    path = tmp_path / "h.sqlite"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(OLD_SCHEMA)
    con.execute(OLD_CHILD)
    con.execute("CREATE INDEX ix_event_uuid ON event (uuid)")
    con.executemany("INSERT INTO resource_properties_data (id, data) VALUES (?, ?)", [(1, "x"), (7, "y")])
    con.execute("INSERT INTO event (uuid, rsrc_prop_data_id) VALUES ('u1', 7)")
    con.close()

    assert sorted(sqlite_ids.upgrade(path)) == ["event", "resource_properties_data"]
    assert sqlite_ids.upgrade(path) == []  # once

    con = sqlite3.connect(path, isolation_level=None)
    assert con.execute("SELECT id, data FROM resource_properties_data ORDER BY id").fetchall() == [(1, "x"), (7, "y")]
    assert con.execute("SELECT uuid, rsrc_prop_data_id FROM event").fetchall() == [("u1", 7)]
    assert con.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'ix_event_uuid'").fetchone()
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert (
        "REFERENCES resource_properties_data"
        in con.execute("SELECT sql FROM sqlite_master WHERE name = 'event'").fetchone()[0]
    )
    deleted, new = _next_id_after_deleting_the_newest(con, "resource_properties_data")
    assert new == deleted + 1


def test_a_table_of_unknown_shape_is_left_as_it_is(tmp_path):
    path = tmp_path / "h.sqlite"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("CREATE TABLE odd (id INTEGER PRIMARY KEY, data TEXT)")  # key on the column, no NOT NULL
    con.close()
    assert sqlite_ids.upgrade(path) == []
    assert sqlite_ids.upgrade(tmp_path / "absent.sqlite") == []
