"""The lab's MariaDB: the database production runs Keystone and Heat on, as a process of the lab's own.

Debian's `mariadb-server` (the Makefile installs it where it is missing), started with no system
configuration (`--no-defaults`) on a loopback port and a data directory inside the lab: one server for
Keystone and every region's Heat, a database each, as one Galera cluster serves a control plane.
Start-up is about a second (`mariadb-install-db` once, then the server). Settings that matter, and why:
- `innodb_flush_log_at_trx_commit = 2`: a commit reaches the OS at once and the disk each second; the
  lab's data outlives a crash of a component, not of the machine (production keeps 1).
- a small buffer pool: the lab's databases are megabytes;
- connections for every process's pool at once (below, `--max-connections`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SERVER, INSTALL, CLIENT = "mariadbd", "mariadb-install-db", "mariadb"
MISSING = (
    "the production profile runs Keystone and Heat on MariaDB, and mariadbd was not found: install Debian's "
    "mariadb-server (the Makefile does, as root), or use `lab up --db sqlite`"
)


def available() -> bool:
    return all(shutil.which(tool) for tool in (SERVER, INSTALL))


def initialise(data_dir: Path, log: Path) -> None:
    """The data directory, made once (system tables; root with no password, reachable only from 127.0.0.1
    until `grant` sets one)."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tmp(data_dir).mkdir(mode=0o700, exist_ok=True)  # a lab made before it had one: the server needs it
    if (data_dir / "mysql").is_dir():
        return
    with open(log, "ab") as out:
        done = subprocess.run(
            [
                INSTALL,
                "--no-defaults",
                f"--datadir={data_dir}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                f"--user={_user()}",
                f"--tmpdir={_tmp(data_dir)}",  # passed on to mariadbd --bootstrap
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    if done.returncode != 0:
        raise RuntimeError(f"mariadb-install-db failed; read {log}")


def _tmp(data_dir: Path) -> Path:
    """The lab's own temporary directory: two labs bootstrapping at once (the lab tier's two workers) in a
    shared /tmp collided on a temporary table's name and one failed ("Unknown table 'mysql.tmp_user_sys'")."""
    return data_dir.parent / "tmp"


def server_args(data_dir: Path, port: int) -> list[str]:
    run = data_dir.parent
    return [
        shutil.which(SERVER) or SERVER,
        "--no-defaults",
        f"--datadir={data_dir}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        f"--socket={run / 'mariadb.sock'}",
        f"--pid-file={run / 'mariadb.pid'}",
        f"--tmpdir={_tmp(data_dir)}",
        f"--user={_user()}",
        "--skip-log-bin",
        "--innodb-buffer-pool-size=64M",
        "--innodb-log-file-size=32M",
        "--innodb-flush-log-at-trx-commit=2",
        # Every region's Heat keeps oslo.db's pool (5, and up to 50 more under load) and Keystone its own:
        # at 50 regions 500 connections ran out while populate suspended and updated 350 stacks (1040 Too
        # many connections, 9 stacks left IN_PROGRESS for good). A connection costs its thread only while
        # it is open, so the limit covers the pools' worst case at the lab's 50 regions.
        "--max-connections=3000",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_general_ci",
    ]


def prepare(port: int, password: str, databases: list[str]) -> None:
    """Root's password set (only on first use: no password then) and each database made. Idempotent."""
    import pymysql

    try:
        conn = pymysql.connect(host="127.0.0.1", port=port, user="root", password=password, connect_timeout=5)
    except pymysql.err.OperationalError:
        conn = pymysql.connect(host="127.0.0.1", port=port, user="root", password="", connect_timeout=5)
        with conn.cursor() as cur:
            cur.execute("ALTER USER 'root'@'localhost' IDENTIFIED BY %s", (password,))
    with conn, conn.cursor() as cur:
        for name in databases:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")


def url(port: int, password: str, database: str) -> str:
    """SQLAlchemy's URL for oslo.db (PyMySQL, as deployment tools configure it)."""
    return f"mysql+pymysql://root:{password}@127.0.0.1:{port}/{database}?charset=utf8mb4"


def database_of(component: str) -> str:
    return component.lower().replace("-", "_")


def _user() -> str:
    import getpass

    return getpass.getuser()
