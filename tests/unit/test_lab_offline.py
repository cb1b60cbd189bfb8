"""`mrconsole lab` where nothing starts: a port in use, the lab extra missing."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from tests.conftest import run_process


def test_port_in_use_is_reported_without_orphans(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_process(
            "lab",
            "up",
            "--no-keystone",
            "--regions",
            "RegionA",
            "--base-port",
            str(port),
            "--dir",
            str(tmp_path / "lab"),
        )
    assert done.returncode == 1
    assert f"port {port}" in done.stderr and "in use" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list((tmp_path / "lab").glob("*/pid"))


def test_missing_lab_extra_is_one_line_error(tmp_path):
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "heat.py").write_text("raise ImportError('heat is not installed')\n")
    env = {"PYTHONPATH": os.pathsep.join([str(shim), str(Path(__file__).resolve().parents[2])])}
    done = run_process("lab", "up", "--no-keystone", "--dir", str(tmp_path / "lab"), env=env)
    assert done.returncode == 1
    assert "lab extra is not installed" in done.stderr
    assert "Traceback" not in done.stderr
