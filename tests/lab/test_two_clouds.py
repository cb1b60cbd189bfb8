"""Two clouds in one fleet (#38), on the two-cloud lab (`lab up --clouds 2`): mrconsole-lab and lab-edge, each
with its own Keystone. `--lab` opens both (lab-edge's regions named `lab-edge/REGION`); `lab seed --example
multi-cloud` makes a master in the first and the application in the second, given the master's output, as
Heat can (a constituent cannot be sent to another cloud: test_barbican.py); a direct action reaches the
second cloud; its Keystone stopped is said once, as that cloud down, while the first cloud goes on."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from mrconsole.lab.seed import seed
from tests.conftest import wait_until

EDGE = "lab-edge/RegionOne"


@pytest.fixture(scope="module")
def seeded(two_cloud_lab):
    said = seed(two_cloud_lab.lab, name="mcl", example="multi-cloud")
    assert "mcl-app" in said and "lab-edge RegionOne: CREATE_COMPLETE" in said, said
    again = seed(two_cloud_lab.lab, name="mcl", example="multi-cloud")  # a re-run looks at both parts
    assert "stack mcl already exists" in again and "mcl-app already exists in lab-edge RegionOne" in again, again
    return two_cloud_lab


def _status(cli, *extra) -> tuple[int, dict]:
    code, out, err = cli("status", "--lab", "--format", "json", *extra)
    assert out, err
    return code, json.loads(out)


def test_both_clouds_in_one_fleet_and_the_second_clouds_part_given_the_masters_output(seeded, two_clouds, cli):
    code, doc = _status(cli)
    assert code == 0, doc
    assert [(n, c["keystone"]) for n, c in doc["clouds"].items()] == [("mrconsole-lab", "up"), ("lab-edge", "up")]
    regions = {r["name"]: r for r in doc["regions"]}
    assert list(regions) == ["RegionOne", "RegionTwo", EDGE, "lab-edge/RegionTwo"], list(regions)
    assert regions[EDGE]["cloud"] == "lab-edge" and regions["RegionTwo"]["cloud"] == "mrconsole-lab"
    assert "mcl-app" in [s["name"] for s in regions[EDGE]["stacks"]]
    assert "mcl-app" not in [s["name"] for s in regions["RegionOne"]["stacks"]]

    # The application in lab-edge was given the master's db_ip (its outputs say the URL made of it).
    code, out, err = cli("outputs", "mcl", "--lab", "--format", "json")
    assert code == 0, err
    db_ip = next(o["value"] for o in json.loads(out)["outputs"] if o["key"] == "db_ip")
    code, out, err = cli("outputs", "mcl-app", "--lab", "--region", EDGE, "--format", "json")
    assert code == 0, err
    outputs = {o["key"]: o for o in json.loads(out)["outputs"]}
    assert outputs["app_url"]["value"] == f"http://app.example.test/?db={db_ip}", outputs
    assert outputs["app_url"]["region"] == EDGE

    # -f value -c: a region a line, with its cloud, for a shell loop (the clouds' mapping is not a row).
    code, out, err = cli("status", "--lab", "-f", "value", "-c", "name", "-c", "cloud")
    assert code == 0, err
    assert out.splitlines() == ["RegionOne mrconsole-lab", "RegionTwo mrconsole-lab", f"{EDGE} lab-edge",
                                "lab-edge/RegionTwo lab-edge"], out  # fmt: skip

    # One cloud only, by its name, as `--os-cloud` picks it.
    code, doc = _status(cli, "--os-cloud", "lab-edge")
    assert [r["name"] for r in doc["regions"]] == ["RegionOne", "RegionTwo"] and doc["cloud"] == "lab-edge", doc


def _app_status(cli) -> str:
    """mcl-app's status in lab-edge's RegionOne (other tests make stacks there too)."""
    _, doc = _status(cli, "--region", EDGE)
    return next(s["status"] for s in doc["regions"][0]["stacks"] if s["name"] == "mcl-app")


def test_a_direct_action_in_the_second_cloud(seeded, two_clouds, cli):
    # By hand first: the command the preview gives names that cloud and its region by their own names, and
    # `openstack` run with the lab's clouds.yaml does it.
    code, out, err = cli("stack", "check", "mcl-app", "--lab", "--region", EDGE, "--preview", "--format", "json")
    (line,) = json.loads(out)["by_hand"]
    assert line == "openstack --os-cloud lab-edge --os-region-name RegionOne stack check mcl-app", line
    openstack = str(Path(sys.executable).with_name("openstack"))
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(two_clouds.clouds_yaml)}
    done = subprocess.run([openstack, *shlex.split(line)[1:]], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert wait_until(lambda: _app_status(cli) == "CHECK_COMPLETE", 60), _app_status(cli)

    code, out, err = cli("stack", "check", "mcl-app", "--lab", "--region", EDGE, "--yes", "--wait", "--format", "json")
    assert code == 0, out + err
    assert _app_status(cli) == "CHECK_COMPLETE"
    # The journal names the cloud's region as the console does.
    code, out, err = cli("journal", "--lab", "--format", "json")
    assert any(e["region"] == EDGE and e["action"] == "check" for e in json.loads(out)), out


def test_the_second_clouds_keystone_down_is_said_once_and_the_first_cloud_goes_on(seeded, two_clouds, cli):
    with two_clouds.fault("lab-edge/keystone", "stop"):
        code, out, err = cli("status", "--lab")
        assert code == 3, out + err  # degraded: a region cannot be asked
        lines = out.splitlines()
        assert lines[0] == "clouds: mrconsole-lab, lab-edge", out
        assert lines[1].startswith("cloud lab-edge: Keystone unreachable: "), out
        assert lines[1].endswith("none of its 2 region(s) can be asked"), out
        code, doc = _status(cli)
        assert [(n, c["keystone"]) for n, c in doc["clouds"].items()] == [("mrconsole-lab", "up"), ("lab-edge", "down")]
        regions = {r["name"]: r for r in doc["regions"]}
        assert regions["RegionOne"]["health"] == "up" and regions["RegionTwo"]["health"] == "up", doc
        assert regions[EDGE]["health"] == "down" and regions[EDGE]["last_error"].startswith("Keystone unreachable")
        # The first cloud is still acted on.
        code, out, err = cli("stack", "check", "mcl", "--lab", "--region", "RegionOne", "--yes", "--format", "json")
        assert code == 0, out + err
    code, doc = _status(cli)
    assert code == 0 and all(c["keystone"] == "up" for c in doc["clouds"].values()), doc


MASTER = """heat_template_version: 2018-08-31
resources:
  app:
    type: OS::Heat::Stack
    properties:
      context: {region_name: RegionOne}
      template: {get_file: child.yaml}
outputs:
  v: {value: {get_attr: [app, outputs, v]}}
"""
CHILD = """heat_template_version: 2018-08-31
parameters:
  x: {type: string, default: VALUE}
resources:
  v: {type: OS::Heat::Value, properties: {value: {get_param: x}}}
outputs:
  v: {value: {get_attr: [v, value]}}
"""


def test_a_master_in_the_second_cloud_and_a_rollout_wave_there(two_clouds, cli, tmp_path):
    """A master made in lab-edge: its `region_name: RegionOne` is lab-edge's RegionOne (its own cloud's), not
    the first cloud's; a rollout's wave reaches it there."""
    for version in ("one", "two"):
        (tmp_path / version).mkdir()
        (tmp_path / version / "master.yaml").write_text(MASTER)
        (tmp_path / version / "child.yaml").write_text(CHILD.replace("VALUE", version))
    code, out, err = cli("stack", "create", "edgem", "-t", str(tmp_path / "one" / "master.yaml"), "--lab",
                         "--region", EDGE, "--wait", "--format", "json")  # fmt: skip
    assert code == 0, out + err
    code, out, err = cli("status", "--lab", "--master", "edgem", "--format", "json")
    assert code == 0, err
    said = json.loads(out)
    assert [(c["resource"], c["region"]) for c in said["constituents"]] == [("app", EDGE)], said
    code, out, err = cli("rollout", "edgem", "-t", str(tmp_path / "two" / "master.yaml"), "--lab", "--yes")
    assert code == 0 and f"wave 1 ({EDGE}): gate passed" in out + err, out + err
    code, out, err = cli("outputs", "edgem", "--lab", "--format", "json")
    values = {(o["region"], o["stack_name"].split("-")[0], o["key"]): o["value"] for o in json.loads(out)["outputs"]}
    assert set(values.values()) == {"two"} and {r for r, _, _ in values} == {EDGE}, values


EDGE_TWO = "lab-edge/RegionTwo"


def test_outage_mode_and_drift_for_a_master_in_the_second_cloud(two_clouds, cli, tmp_path):
    """A master in lab-edge/RegionOne with its constituent in lab-edge/RegionTwo (its `region_name: RegionTwo`
    read in its own cloud): lab-edge's RegionOne stopped, the constituent stays visible and is acted on
    directly, out of band; back, the drift is said."""
    (tmp_path / "master.yaml").write_text(MASTER.replace("{region_name: RegionOne}", "{region_name: RegionTwo}"))
    (tmp_path / "child.yaml").write_text(CHILD.replace("VALUE", "one"))
    code, out, err = cli("stack", "create", "edgeo", "-t", str(tmp_path / "master.yaml"), "--lab",
                         "--region", EDGE, "--wait", "--format", "json")  # fmt: skip
    assert code == 0, out + err
    code, out, err = cli("status", "--lab", "--master", "edgeo", "--format", "json")  # the cache knows it now
    assert code == 0, err
    (app,) = json.loads(out)["constituents"]
    assert app["region"] == EDGE_TWO, app

    with two_clouds.fault(EDGE, "stop"):
        code, out, _ = cli("status", "--lab", "--master", "edgeo", "--request-timeout", "2", "--format", "json")
        assert code == 3, out
        state = json.loads(out)
        assert state["mode"] == "outage" and state["master_region"] == EDGE, state
        assert [(c["region"], c["live"]) for c in state["constituents"]] == [(EDGE_TWO, True)], state
        code, out, err = cli("stack", "check", app["stack_name"], "--lab", "--region", EDGE_TWO,
                             "--request-timeout", "2", "--wait", "--format", "json")  # fmt: skip
        assert code == 0, out + err
        assert json.loads(out)[0]["final_status"] == "CHECK_COMPLETE" and "out-of-band" in err, out + err
        # lab-edge opened alone knows the same master, seen with both clouds open, by its own region names.
        code, out, _ = cli("status", "--lab", "--os-cloud", "lab-edge", "--master", "edgeo", "--request-timeout", "2",
                           "--format", "json")  # fmt: skip
        alone = json.loads(out)
        assert code == 3 and alone["mode"] == "outage" and alone["master_region"] == "RegionOne", alone
        assert [c["region"] for c in alone["constituents"]] == ["RegionTwo"], alone
        code, out, err = cli("journal", "--lab", "--os-cloud", "lab-edge", "--stack", app["stack_name"],
                             "--format", "json")  # fmt: skip
        assert code == 0, err
        assert [(e["cloud"], e["region"], e["action"]) for e in json.loads(out)][:1] == [
            ("lab-edge", "RegionTwo", "check")
        ], out

    code, out, err = cli("drift", "edgeo", "--lab", "--format", "json")
    assert code == 4, out + err
    (drifted,) = json.loads(out)["constituents"]
    whats = {d["what"]: d for d in drifted["differences"]}
    assert whats["status"]["master_says"] == "CREATE_COMPLETE" and whats["status"]["actual"] == "CHECK_COMPLETE"


def test_a_master_moves_within_the_second_cloud(two_clouds, cli, tmp_path):
    """lab-edge/RegionOne to lab-edge/RegionTwo: Heat's adopt in the second cloud's RegionTwo, the same
    constituent owned, the old master abandoned."""
    (tmp_path / "master.yaml").write_text(MASTER.replace("{region_name: RegionOne}", "{region_name: RegionTwo}"))
    (tmp_path / "child.yaml").write_text(CHILD.replace("VALUE", "one"))
    code, out, err = cli("stack", "create", "edgemv", "-t", str(tmp_path / "master.yaml"), "--lab",
                         "--region", EDGE, "--wait", "--format", "json")  # fmt: skip
    assert code == 0, out + err
    code, out, err = cli("status", "--lab", "--master", "edgemv", "--format", "json")
    (before,) = json.loads(out)["constituents"]

    code, out, err = cli("move", "edgemv", "--lab", "--to", EDGE_TWO, "--yes", "--format", "json")
    assert code == 0, out + err
    assert json.loads(out)["region"] == EDGE_TWO
    # The old master's abandon, sent last, ends in Heat a moment later: until then both are seen.
    seen: list[dict] = []

    def moved() -> bool:
        seen.append(json.loads(cli("status", "--lab", "--master", "edgemv", "--format", "json")[1]))
        return seen[-1]["master_region"] == EDGE_TWO

    assert wait_until(moved, 60), seen[-1]
    state = seen[-1]
    assert state["master_status"] == "ADOPT_COMPLETE", state
    (after,) = state["constituents"]
    assert (after["region"], after["stack_id"]) == (EDGE_TWO, before["stack_id"]), (before, after)
    code, doc = _status(cli, "--region", EDGE)
    assert "edgemv" not in [s["name"] for s in doc["regions"][0]["stacks"]], doc  # the old master abandoned


TWO = """heat_template_version: 2018-08-31
resources:
  near:
    type: OS::Heat::Stack
    properties:
      template: {get_file: child.yaml}
  far:
    type: OS::Heat::Stack
    properties:
      context: {region_name: RegionTwo}
      template: {get_file: child.yaml}
"""


def test_a_region_of_the_second_cloud_gone_for_good_is_evicted(two_clouds, cli, tmp_path):
    (tmp_path / "master.yaml").write_text(TWO)
    (tmp_path / "child.yaml").write_text(CHILD.replace("VALUE", "one"))
    code, out, err = cli("stack", "create", "edgeev", "-t", str(tmp_path / "master.yaml"), "--lab",
                         "--region", EDGE, "--wait", "--format", "json")  # fmt: skip
    assert code == 0, out + err
    code, out, err = cli("status", "--lab", "--master", "edgeev", "--format", "json")  # keeps the export
    before = {c["resource"]: (c["region"], c["stack_id"]) for c in json.loads(out)["constituents"]}
    assert {r: region for r, (region, _) in before.items()} == {"near": EDGE, "far": EDGE_TWO}, before
    with two_clouds.fault(EDGE_TWO, "stop"):
        code, out, err = cli("evict", "edgeev", "--lab", "--region", EDGE_TWO, "--yes")
        assert code == 0 and "orphans" in out, out + err
        code, out, err = cli("status", "--lab", "--master", "edgeev", "--format", "json")
        now = {c["resource"]: (c["region"], c["stack_id"]) for c in json.loads(out)["constituents"]}
        assert now == {"near": before["near"]}, now
