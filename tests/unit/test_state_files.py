"""Every sqlite file the console writes is 0600: the journal, the outage windows, the topology cache, and
their WAL and shared-memory files, even when an older version left them wider."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys

import pytest

from mrconsole.state.journal import Journal
from mrconsole.state.outages import Outages
from mrconsole.state.sqlite import connect
from mrconsole.state.topology_cache import CachedMaster, TopologyCache


def _modes(directory) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in directory.iterdir()}


def test_every_state_file_is_private(tmp_path):
    os.umask(0o022)  # a usual umask: files would be 0644 by default
    journal = Journal(tmp_path / "journal.sqlite")
    entry = journal.begin(cloud="c", region="RegionTwo", stack_name="s", action="check")
    journal.finish(entry, "ok")
    Outages(tmp_path / "journal.sqlite").down("c", "RegionTwo", "refused")
    TopologyCache(tmp_path / "topology.sqlite").save(
        CachedMaster("c", "id", "demo", "RegionOne", "CREATE_COMPLETE", 0.0, [], [])
    )
    with connect(tmp_path / "journal.sqlite") as db:  # an open connection: -wal and -shm exist now
        db.execute("SELECT 1").fetchone()
        modes = _modes(tmp_path)
    assert {"journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm", "topology.sqlite"} <= set(modes)
    assert all(mode == 0o600 for mode in modes.values()), {k: oct(v) for k, v in modes.items()}


def test_a_wider_file_left_by_an_older_version_is_narrowed(tmp_path):
    path = tmp_path / "journal.sqlite"
    Journal(path)
    with connect(path) as db:  # another console's connection keeps -wal and -shm in place
        db.execute("SELECT 1").fetchone()
        for name in ("journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm"):
            os.chmod(tmp_path / name, 0o644)
        Journal(path)
        assert all(mode == 0o600 for mode in _modes(tmp_path).values()), _modes(tmp_path)


def test_a_process_that_opens_the_journal_again_keeps_what_it_writes_when_another_process_reads(tmp_path):
    """A rollout holds the journal open while `rollout --status` runs beside it. Opening the file again (here
    a second Journal, as a second action does) must not drop this process's locks: the reader, closing last
    as it would think, would delete the -wal this process still writes to, and the entry after it would be
    lost (then "disk I/O error" for the next process; sqlite.org/howtocorrupt.html 2.2)."""
    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    first = journal.begin(cloud="c", region="RegionOne", stack_name="s", action="update")
    held = connect(path)  # the rollout's open connection, in the middle of its run
    held.execute("SELECT count(*) FROM journal").fetchone()
    Journal(path).finish(first, "ok")  # opens (and creates if missing) the file again
    reader = "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('SELECT * FROM journal'); db.close()"
    subprocess.run([sys.executable, "-c", reader, str(path)], check=True, timeout=60)
    assert {"journal.sqlite-wal", "journal.sqlite-shm"} <= set(_modes(tmp_path)), "the reader took the WAL away"
    held.execute("UPDATE journal SET message = 'written after the reader' WHERE id = ?", (first,))
    held.commit()
    held.close()
    fresh = sqlite3.connect(path)
    kept = fresh.execute("SELECT message FROM journal WHERE id = ?", (first,)).fetchone()
    fresh.close()
    assert kept == ("written after the reader",)


def test_a_connection_is_closed_at_the_end_of_its_with_block(tmp_path):
    with connect(tmp_path / "x.sqlite") as db:
        db.execute("SELECT 1").fetchone()
    with pytest.raises(sqlite3.ProgrammingError):
        db.execute("SELECT 1")


def test_adopt_data_round_trips_and_claimants_find_every_master_of_a_stack(tmp_path):
    from mrconsole.state.topology_cache import AdoptData, CachedConstituent, CachedMaster, TopologyCache

    cache = TopologyCache(tmp_path / "topology.sqlite")
    for master_id, region in (("old", "RegionOne"), ("new", "RegionTwo")):
        cache.save(
            CachedMaster(
                "lab", master_id, "web", region, "CREATE_COMPLETE", 1.0, [],
                [CachedConstituent("web_two", "RegionTwo", "s2", "web-web_two-x")],
            )
        )  # fmt: skip
    cache.save_adopt(AdoptData("lab", "old", "v1", 2.0, {"resources": {"web_two": {"resource_id": "s2"}}}, ("pw",)))
    kept = cache.load_adopt("lab", "old")
    assert kept is not None and kept.version == "v1" and kept.hidden == ("pw",)
    assert kept.data["resources"]["web_two"]["resource_id"] == "s2"
    assert sorted(r[0] for r in cache.claimants("lab", ["s2"])) == ["new", "old"]
    cache.forget("lab", "old")
    assert cache.load_adopt("lab", "old") is None
    assert [r[0] for r in cache.claimants("lab", ["s2"])] == ["new"]
    assert cache.claimants("lab", []) == []


def test_values_kept_for_a_constituent_not_read_keep_the_time_they_were_read(tmp_path):
    """A later save without a constituent's values keeps them with *their* time, so that an age shown as
    stale counts from when they were read, not from the last save; an older cache file gets the column."""
    import sqlite3

    from mrconsole.state.topology_cache import CachedConstituent, CachedMaster, TopologyCache, keeping_values

    path = tmp_path / "topology.sqlite"
    old = sqlite3.connect(path)  # a cache written by the version before: no read_at column
    old.execute(
        "CREATE TABLE constituents (cloud TEXT NOT NULL, master_id TEXT NOT NULL, resource TEXT NOT NULL,"
        " region TEXT, stack_id TEXT, stack_name TEXT, status TEXT, updated_time TEXT,"
        " parameters TEXT NOT NULL DEFAULT '{}', outputs TEXT NOT NULL DEFAULT '{}',"
        " PRIMARY KEY (cloud, master_id, resource))"
    )
    old.commit()
    old.close()
    cache = TopologyCache(path)

    def record(seen_at, **values):
        c = CachedConstituent("db", "RegionTwo", "s1", "web-db-x", **values)
        return CachedMaster("lab", "m1", "web", "RegionOne", "UPDATE_COMPLETE", seen_at, [], [c])

    cache.save(record(100.0, outputs={"db_ip": "10.0.0.5"}, read_at=100.0))
    later = keeping_values(record(500.0), cache.load("lab", "m1"))  # RegionTwo not read this time
    cache.save(later)
    kept = cache.load("lab", "m1").constituents[0]
    assert kept.outputs == {"db_ip": "10.0.0.5"} and kept.read_at == 100.0


def test_what_the_console_writes_is_private_even_after_the_log_rotates(tmp_path, monkeypatch):
    """umask 077 once at start (config.keep_private): the state directory 0700 (narrowed if an older
    version left it wider), the log 0600 before and after rotation, an export 0600."""
    import logging

    from mrconsole import config, logs

    os.umask(0o022)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "state" / "mrconsole").mkdir(parents=True, mode=0o755)
    config.keep_private()
    try:
        state = config.state_dir()
        assert stat.S_IMODE(state.stat().st_mode) == 0o700
        log = logging.getLogger(logs.LOGGER)
        for handler in list(log.handlers):
            log.removeHandler(handler)
        logs.logger().info("a line")
        handler = next(h for h in log.handlers if hasattr(h, "doRollover"))
        handler.doRollover()
        logs.logger().info("a line after rotation")
        handler.flush()
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in state.iterdir()}
        assert {"mrconsole.log", "mrconsole.log.1"} <= set(modes)
        assert all(mode == 0o600 for mode in modes.values()), {k: oct(v) for k, v in modes.items()}
        export = tmp_path / "timeline.md"
        export.write_text("# night\n")  # as timeline -o and the events screen's save write
        assert stat.S_IMODE(export.stat().st_mode) == 0o600
    finally:
        for handler in list(logging.getLogger(logs.LOGGER).handlers):
            logging.getLogger(logs.LOGGER).removeHandler(handler)
            handler.close()
        os.umask(0o022)


def test_a_config_file_others_may_write_is_refused_in_one_line(tmp_path):
    from mrconsole.config import ConfigError, load

    path = tmp_path / "config.yaml"
    path.write_text("keys:\n  refresh: r\n")
    path.chmod(0o666)
    try:
        load(path)
    except ConfigError as exc:
        assert str(exc) == f"{path} is writable by others (mode 0666); run: chmod go-w {path}"
    else:
        raise AssertionError("a world-writable config was accepted")
    path.chmod(0o600)
    assert load(path).keys == {"refresh": "r"}


def test_what_a_move_keeps_is_sealed_with_a_key_kept_apart(tmp_path):
    """The adopt record holds a hidden default and a RandomString's value (Heat's export): the cache file
    holds neither in clear; the key is elsewhere (XDG data, not state), 0600; without it, nothing opens."""
    from mrconsole.state import sealed
    from mrconsole.state.topology_cache import AdoptData

    cache = TopologyCache(tmp_path / "topology.sqlite")
    data = {
        "template": {"parameters": {"db_password": {"type": "string", "hidden": True, "default": "Default-Secret-1"}}},
        "resources": {"pw": {"resource_id": "x", "resource_data": {"value": "Random-Secret-2"}}},
    }
    cache.save_adopt(AdoptData("c", "m-1", "v1", 1.0, data, ()))
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("topology.sqlite*"))  # the WAL too, if still there
    assert b"Default-Secret-1" not in on_disk and b"Random-Secret-2" not in on_disk
    assert cache.load_adopt("c", "m-1").data == data
    key = sealed.key_path()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.parent != tmp_path
    key.unlink()  # the key gone: the record is as good as absent, never an error
    try:
        assert cache.load_adopt("c", "m-1") is None
    finally:
        cache.save_adopt(AdoptData("c", "m-1", "v1", 1.0, data, ()))  # a new key for the tests after


def test_hidden_names_are_heats_own_rules_in_both_formats():
    from mrconsole.template.heat import hidden_parameters

    assert hidden_parameters({"parameters": {"a": {"hidden": True}, "b": {"hidden": False}, "c": "x"}}) == {"a"}
    cfn = {
        "Parameters": {"Pw": {"Type": "String", "NoEcho": "true"}, "Key": {"NoEcho": "false"}, "T": {"NoEcho": True}}
    }
    assert hidden_parameters(cfn) == {"Pw", "T"}
    assert hidden_parameters(None) == frozenset()


def test_the_journal_masks_by_name_whatever_the_caller_said(tmp_path):
    journal = Journal(tmp_path / "journal.sqlite")
    entry = journal.begin(
        cloud="c", region="R", stack_name="s", action="update",
        parameters={"db_password": "p1", "api_token": "t1", "replicas": "3", "flavor": "m1"}, hidden={"flavor"},
    )  # fmt: skip
    journal.finish(entry, "ok")
    assert journal.entries(1)[0].parameters == {
        "db_password": "******",
        "api_token": "******",
        "replicas": "3",
        "flavor": "******",
    }
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("journal.sqlite"))
    assert b"replicas" in stored and b"p1" not in stored and b"t1" not in stored


def test_an_output_once_masked_stays_masked_in_every_later_save(tmp_path):
    """The outputs screen knows a constituent's template and masks an output that reads a hidden
    parameter; the session's cheaper look does not read templates: its save keeps the mask (#33)."""
    from mrconsole.models import HIDDEN
    from mrconsole.state.topology_cache import CachedConstituent, CachedMaster, keeping_values

    def record(outputs):
        c = CachedConstituent("db", "RegionTwo", "s1", "web-db-x", outputs=outputs, read_at=1.0)
        return CachedMaster("lab", "m1", "web", "RegionOne", "UPDATE_COMPLETE", 1.0, [], [c])

    masked = record({"db_url": HIDDEN, "db_ip": "10.0.0.5"})  # as the outputs screen saved it
    later = keeping_values(record({"db_url": "postgres://admin:Zebra@10.0.0.5", "db_ip": "10.0.0.6"}), masked)
    assert later.constituents[0].outputs == {"db_url": HIDDEN, "db_ip": "10.0.0.6"}
