"""The lab is real Keystone and real Heat: check it behaves as documented."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from tests.conftest import MASTER, run_process


def _session(lab):
    import openstack.config as osc

    config = osc.OpenStackConfig(config_files=[str(lab.clouds_yaml)], secure_files=[])
    return config.get_one(cloud="mrconsole-lab").get_session()


def test_password_auth_catalog_lists_orchestration_in_every_region(lab):
    session = _session(lab)
    access = session.auth.get_access(session)
    endpoints = access.service_catalog.get_endpoints(service_type="orchestration", interface="public")
    regions = {e["region_id"] for e in endpoints["orchestration"]}
    assert regions == {"RegionOne", "RegionTwo", "RegionThree"}
    assert access.username == "demo"
    assert "member" in access.role_names


def test_clouds_yaml_lives_in_the_lab_dir_and_is_private(lab):
    assert lab.clouds_yaml.parent == lab.dir
    assert oct(lab.clouds_yaml.stat().st_mode & 0o777) == "0o600"


def _completed(status: str) -> bool:
    """Created and whole: the worker's session lab is shared by its modules, and one of them may have checked
    the sample's stacks since (test_recording.py checks its RegionThree constituent): CHECK_COMPLETE then."""
    return status in ("CREATE_COMPLETE", "CHECK_COMPLETE")


def test_sample_master_completes_with_constituents_in_their_regions(lab, cli):
    code, out, _ = cli("status", "--lab", "--format", "json")
    assert code == 0
    data = {r["name"]: r for r in json.loads(out)["regions"]}
    master = [s for s in data["RegionOne"]["stacks"] if s["name"] == MASTER]
    assert master and _completed(master[0]["status"]), master
    for region, resource in (("RegionTwo", "db_stack"), ("RegionThree", "app_stack")):
        names = [s["name"] for s in data[region]["stacks"]]
        pattern = re.compile(rf"^{MASTER}-{resource}-[a-z0-9]{{12}}$")
        matching = [n for n in names if pattern.match(n)]
        assert matching, f"no {MASTER}-{resource}-<id> in {region}: {names}"
        stack = [s for s in data[region]["stacks"] if s["name"] == matching[0]][0]
        assert _completed(stack["status"]), stack


def test_access_log_records_each_request(lab, cli):
    log = lab.dir / "RegionTwo" / "access.log"
    keystone_log = lab.dir / "keystone" / "access.log"
    before, keystone_before = len(log.read_text().splitlines()), len(keystone_log.read_text().splitlines())
    cli("status", "--lab", "--region", "RegionTwo")
    # Who asked: the console's login says it is the console (its session's User-Agent: cloud/connection.py);
    # heatclient names itself on every request it sends.
    logins = [
        l.split() for l in keystone_log.read_text().splitlines()[keystone_before:] if " POST /v3/auth/tokens " in l
    ]
    assert logins and all(f[7] == "mrconsole" for f in logins), logins
    lines = log.read_text().splitlines()[before:]
    assert any(" GET /v1/" in l and "/stacks" in l for l in lines)
    fields = lines[-1].split()
    assert len(fields) == 8
    float(fields[0]), float(fields[4])  # time and duration are numbers
    assert fields[3].isdigit() and int(fields[5]) > 0  # status, response bytes
    assert 0.0 < float(fields[6]) <= float(fields[4])  # the request thread's CPU, within its duration
    assert fields[7] == "python-heatclient"


def test_status_json_reports_pid_port_state_url(lab, cli):
    code, out, _ = cli("lab", "status", "--dir", str(lab.dir), "--format", "json")
    assert code == 0
    comps = {c["name"]: c for c in json.loads(out)["components"]}
    # The production profile: MariaDB (the Makefile installs it; a lab tier on sqlite fails here), then
    # Keystone and every Heat over HTTPS.
    assert set(comps) == {"mariadb", "keystone", "RegionOne", "RegionTwo", "RegionThree"}
    assert comps["mariadb"]["kind"] == "database" and comps["mariadb"]["url"].startswith("mysql://127.0.0.1:")
    for c in comps.values():
        assert c["state"] == "up" and c["pid"] > 0
        assert c["port"] == int(c["url"].split(":")[2].split("/")[0])
        assert c["name"] == "mariadb" or c["url"].startswith("https://127.0.0.1:")


def test_up_when_already_up_changes_nothing(lab, cli):
    pids = {c.name: c.pid for c in lab.lab.status()}
    code, out, _ = cli("lab", "up", "--dir", str(lab.dir))
    assert code == 0
    assert "already up" in out
    assert {c.name: c.pid for c in lab.lab.status()} == pids


def _can_connect(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_stop_refuses_start_restores_and_data_survives(lab, cli):
    port = lab.lab.layout().ports["RegionTwo"]
    with lab.fault("RegionTwo", "stop"):
        assert lab.state("RegionTwo") == "stopped"
        assert not _can_connect(port)
    assert lab.state("RegionTwo") == "up"
    code, out, _ = cli("status", "--lab", "--region", "RegionTwo", "--format", "json")
    assert code == 0
    names = [s["name"] for s in json.loads(out)["regions"][0]["stacks"]]
    assert any(n.startswith(f"{MASTER}-db_stack-") for n in names), "data lost across stop/start"


def test_freeze_hangs_requests_and_thaw_resumes(lab, cli):
    import urllib.request

    url = lab.lab.layout().url("RegionThree") + "/"
    with lab.fault("RegionThree", "freeze"):
        assert lab.state("RegionThree") == "frozen"
        with pytest.raises(Exception) as info:
            urllib.request.urlopen(url, timeout=2, context=lab.ssl_context)
        assert "timed out" in str(info.value).lower()
    assert lab.state("RegionThree") == "up"
    code, _, _ = cli("status", "--lab", "--region", "RegionThree")
    assert code == 0


def test_unknown_component_is_one_line_error(lab):
    done = run_process("lab", "stop", "RegionNine", "--dir", str(lab.dir))
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0
    assert "RegionNine" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.lab  # a lab of its own: real Heat processes
def test_noauth_lab_runs_a_master_and_down_leaves_no_process(tmp_path, cli):
    """A separate two-region lab without Keystone: remote stacks work, down cleans up. Its Heats are forked
    from the lab's fork server (lab/heat_fork.py), a restarted one too, and down stops that as well."""
    from mrconsole.lab import heat_fork, processes
    from mrconsole.lab.manager import Lab
    from mrconsole.lab.seed import seed

    def parent(pid: int) -> int:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])

    d = tmp_path / "noauth"
    small = Lab(d)
    try:
        code, out, err = cli(
            "lab",
            "up",
            "--no-keystone",
            "--regions",
            "RegionOne,RegionTwo,RegionThree",
            "--base-port",
            "0",
            "--dir",
            str(d),
        )
        assert code == 0, err
        fork = processes.read_pid(heat_fork.server_pid_file(small.fork_dir))
        assert fork is not None
        regions = {c.name: c.pid for c in small.status()}
        heats = small.layout().regions
        assert {r: parent(regions[r]) for r in heats} == dict.fromkeys(heats, fork.pid)
        result = seed(small, name="nk", wait=True)
        assert "CREATE_COMPLETE" in result
        # A region that cannot start: one line naming its log, exit 1, no process left.
        small.stop("RegionThree")
        conf = d / "RegionThree" / "heat.conf"
        good = conf.read_text()
        conf.write_text(good.replace("sqlite:///", "sqlite:////nonexistent/dir/"))
        done = run_process("lab", "start", "RegionThree", "--dir", str(d))
        assert done.returncode == 1
        assert "RegionThree failed to start" in done.stderr and "process.log" in done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert {c.name: c.state for c in small.status()}["RegionThree"] == "stopped"
        conf.write_text(good)
        small.start("RegionThree")
        pids = [c.pid for c in small.status()]
        assert all(pids)
        restarted = {c.name: c.pid for c in small.status()}["RegionThree"]
        assert restarted != regions["RegionThree"] and parent(restarted) == fork.pid
        pids.append(fork.pid)
    finally:
        code, _, _ = cli("lab", "down", "--dir", str(d))
    assert code == 0
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[-1][:3]
    assert all(c.state == "stopped" for c in small.status())
    cli("lab", "down", "--purge", "--dir", str(d))
    assert not d.exists()


@pytest.mark.lab  # a lab of its own: a real Heat started, then the next region's start fails
def test_a_lab_up_that_fails_halfway_leaves_no_process_and_no_fork_server(tmp_path, monkeypatch):
    """RegionA's Heat is forked (the fork server started for it), RegionB's start fails: the error comes
    out, and neither RegionA's Heat nor the fork server is left running."""
    from mrconsole.lab import heat_fork
    from mrconsole.lab.manager import Lab, LabError

    lab = Lab(tmp_path / "lab")
    start = Lab._start

    def failing(self, layout, name, started):
        if name == "RegionB":
            raise LabError("RegionB failed to start (the test's)")
        start(self, layout, name, started)

    monkeypatch.setattr(Lab, "_start", failing)
    try:
        with pytest.raises(LabError, match="the test's"):
            lab.up(regions=["RegionA", "RegionB"], keystone=False, base_port=0)
        assert "fork server" in heat_fork.server_log(lab.fork_dir).read_text()  # it was started, for RegionA
        assert not list(lab.dir.glob("*/pid"))  # RegionA's and the fork server's: stopped
    finally:
        lab.down(purge=True)
