"""`mrconsole status` and the fleet against the real lab, with real faults."""

from __future__ import annotations

import asyncio
import json

from mrconsole.cloud.connection import authenticate, connect
from mrconsole.cloud.region import Timeouts
from mrconsole.core.live.fleet import Fleet
from mrconsole.lab.options import lab_options
from tests.conftest import MASTER, run_process

FAST = Timeouts(connect=1.0, read=2.0)


def _regions(out: str) -> dict:
    return {r["name"]: r for r in json.loads(out)["regions"]}


def test_all_regions_and_stacks_listed(lab, cli):
    code, out, err = cli("status", "--lab", "--format", "json")
    assert code == 0, err
    regions = _regions(out)
    assert set(regions) == {"RegionOne", "RegionTwo", "RegionThree"}
    for r in regions.values():
        assert r["health"] in ("up", "degraded") and r["last_error"] is None
        assert r["latency_ms"] > 0
    assert MASTER in [s["name"] for s in regions["RegionOne"]["stacks"]]


def test_value_and_csv_list_the_regions_as_openstack_would(lab, cli):
    """-f value -c name -c health: one line per region for a shell loop; csv with its header (#35)."""
    code, out, err = cli("status", "--lab", "-f", "value", "-c", "name", "-c", "health")
    assert code == 0, err
    assert sorted(line.split()[0] for line in out.splitlines()) == ["RegionOne", "RegionThree", "RegionTwo"]
    assert all(line.split()[1] in ("up", "degraded") for line in out.splitlines()), out
    code, out, err = cli("-f", "csv", "status", "--lab", "-c", "name")  # before the command, as openstack
    assert code == 0 and out.splitlines()[0] == "name" and len(out.splitlines()) == 4, err + out


def test_table_format_names_regions_and_stacks(lab, cli):
    code, out, _ = cli("status", "--lab")
    assert code == 0
    assert "REGION" in out and "HEALTH" in out
    for region in ("RegionOne", "RegionTwo", "RegionThree"):
        assert region in out
    assert "CREATE_COMPLETE" in out


def test_region_filter_narrows_and_unknown_region_is_usage_error(lab, cli):
    code, out, _ = cli("status", "--lab", "--region", "RegionTwo", "--format", "json")
    assert code == 0 and list(_regions(out)) == ["RegionTwo"]
    code, _, err = cli("status", "--lab", "--region", "Nowhere")
    assert code == 2
    assert "Nowhere" in err and "RegionOne" in err


def test_stopped_region_is_down_and_others_listed(lab, cli):
    with lab.fault("RegionTwo", "stop"):
        code, out, _ = cli("status", "--lab", "--request-timeout", "2", "--format", "json")
    assert code == 3
    regions = _regions(out)
    assert regions["RegionTwo"]["health"] == "down"
    assert regions["RegionTwo"]["stacks"] is None and regions["RegionTwo"]["last_error"]
    assert MASTER in [s["name"] for s in regions["RegionOne"]["stacks"]]
    assert regions["RegionThree"]["stacks"]


def test_show_requests_prints_what_the_command_sent_and_what_got_no_answer(lab, cli, tmp_path):
    with lab.fault("RegionTwo", "stop"):
        code, out, err = cli("status", "--lab", "--request-timeout", "2", "--format", "json", "--show-requests")
    assert code == 3 and _regions(out)["RegionOne"]["health"] == "up"  # stdout stays the command's JSON
    lines = err.splitlines()
    head = next(i for i, text in enumerate(lines) if text.endswith("request(s) sent:"))
    sent = lines[head + 1 :]
    assert int(lines[head].split()[0]) == len(sent) > 0, err
    listed = [s for s in sent if " RegionOne GET /v1/PROJECT/stacks" in s and " 200 " in s]
    assert listed and all(" req-" in s for s in listed), sent  # Heat's request id, for its logs
    assert any(" RegionTwo " in s and "no answer" in s for s in sent), sent
    assert not any("gAAAA" in s for s in sent)  # never a token

    # An action's request carries the id its journal entry records.
    plain = tmp_path / "plain.yaml"
    plain.write_text(
        json.dumps({"heat_template_version": "2021-04-16", "resources": {"n": {"type": "OS::Heat::None"}}})
    )
    code, out, err = cli("stack", "create", "shown", "-t", str(plain), "--lab", "--region", "RegionOne", "--wait")
    assert code == 0, err
    code, out, err = cli("stack", "check", "shown", "--lab", "--region", "RegionOne", "--yes", "--show-requests")
    assert code == 0, err
    from mrconsole.state.journal import Journal

    entry = next(e for e in Journal().entries(20) if e.action == "check" and e.stack_name == "shown")
    assert any(f"(sent as {entry.request_id})" in s and " POST " in s for s in err.splitlines()), err
    code, out, err = cli("stack", "delete", "shown", "--lab", "--region", "RegionOne", "--yes", "--wait")
    assert code == 0, err


def test_frozen_region_is_down_within_timeout(lab):
    with lab.fault("RegionThree", "freeze"):
        # Not a speed target (that is the bench's): a hang would never return, and run_process's
        # bound fails the test then. The deadline per call is connect+read+1 = 5 s.
        done = run_process("status", "--lab", "--request-timeout", "2", "--format", "json", timeout=90)
    assert done.returncode == 3, done.stderr
    regions = _regions(done.stdout)
    assert regions["RegionThree"]["health"] == "down"
    assert "timed out" in regions["RegionThree"]["last_error"] or "no answer" in regions["RegionThree"]["last_error"]
    assert regions["RegionOne"]["stacks"]


def test_issued_token_keeps_working_with_keystone_stopped(lab):
    async def scenario():
        fleet = Fleet(await connect(lab_options(str(lab.dir), timeouts=FAST)))
        try:
            await authenticate(fleet.cloud)
            first = await fleet.list_stacks()
            assert all(r.ok for r in first.values())
            with lab.fault("keystone", "stop"):
                again = await fleet.list_stacks()
            return again
        finally:
            fleet.close()

    again = asyncio.run(scenario())
    assert all(r.ok for r in again.values()), {r: x.error for r, x in again.items()}
    assert MASTER in [s.name for s in again["RegionOne"].stacks]


def test_health_recovers_by_itself_after_thaw(lab):
    async def scenario():
        fleet = Fleet(await connect(lab_options(str(lab.dir), timeouts=FAST)))
        stop = asyncio.Event()
        try:
            await authenticate(fleet.cloud)
            client = fleet.region("RegionThree")
            client.health.backoff_start = 0.5
            client.health.backoff_cap = 1.0
            client.health.recheck_secs = 0.3
            monitor = asyncio.create_task(fleet.monitor_health(stop, tick=0.2))
            lab.lab.freeze("RegionThree")
            try:
                await fleet.list_stacks(regions=["RegionThree"])
                assert client.health.state == "down"
            finally:
                lab.lab.thaw("RegionThree")
            for _ in range(150):  # bounded: 30 s
                if client.health.state == "up":
                    break
                await asyncio.sleep(0.2)
            stop.set()
            await monitor
            return client.health.snapshot()
        finally:
            stop.set()
            fleet.close()

    snap = asyncio.run(scenario())
    assert snap.state == "up" and snap.down_since is None


def test_fleet_refresh_is_concurrent_across_regions(lab):
    """One frozen region costs one deadline, not one per region in sequence."""

    async def scenario():
        fleet = Fleet(await connect(lab_options(str(lab.dir), timeouts=FAST)))
        try:
            await authenticate(fleet.cloud)
            with lab.fault("RegionTwo", "freeze"):
                results = await fleet.list_stacks()
            calls = {r: fleet.region(r).calls for r in fleet.region_names}
            return results, calls
        finally:
            fleet.close()

    results, calls = asyncio.run(scenario())
    assert not results["RegionTwo"].ok and results["RegionOne"].ok and results["RegionThree"].ok
    assert calls == {"RegionOne": 1, "RegionTwo": 1, "RegionThree": 1}


def test_wrong_cloud_name_is_one_line_error(lab):
    done = run_process("status", "--os-cloud", "no-such-cloud", env={"OS_CLIENT_CONFIG_FILE": str(lab.clouds_yaml)})
    assert done.returncode == 2
    assert "no-such-cloud" in done.stderr and "mrconsole-lab" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_wrong_password_is_one_line_error(lab, tmp_path):
    import yaml

    clouds = yaml.safe_load(lab.clouds_yaml.read_text())
    clouds["clouds"]["mrconsole-lab"]["auth"]["password"] = "wrong"
    bad = tmp_path / "clouds.yaml"
    bad.write_text(yaml.safe_dump(clouds))
    done = run_process("status", "--os-cloud", "mrconsole-lab", env={"OS_CLIENT_CONFIG_FILE": str(bad)})
    assert done.returncode == 1
    assert "authentication failed" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "wrong" not in done.stderr


def test_regions_discovered_from_catalog_when_clouds_yaml_lists_none(lab, tmp_path):
    import yaml

    clouds = yaml.safe_load(lab.clouds_yaml.read_text())
    del clouds["clouds"]["mrconsole-lab"]["regions"]
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump(clouds))
    done = run_process(
        "status", "--os-cloud", "mrconsole-lab", "--format", "json", env={"OS_CLIENT_CONFIG_FILE": str(path)}
    )
    assert done.returncode == 0, done.stderr
    assert set(_regions(done.stdout)) == {"RegionOne", "RegionTwo", "RegionThree"}


def _password_session(lab):
    import openstack.config as osc

    config = osc.OpenStackConfig(config_files=[str(lab.clouds_yaml)], secure_files=[])
    return config.get_one(cloud="mrconsole-lab").get_session()


def _clouds_with(lab, tmp_path, auth_type: str, auth: dict) -> str:
    import yaml

    clouds = yaml.safe_load(lab.clouds_yaml.read_text())
    cloud = clouds["clouds"]["mrconsole-lab"]
    cloud["auth_type"] = auth_type
    cloud["auth"] = {"auth_url": cloud["auth"]["auth_url"], **auth}
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump(clouds))
    return str(path)


def test_application_credential_auth(lab, tmp_path):
    session = _password_session(lab)
    auth_url = yaml_auth_url(lab)
    user_id = session.get_user_id()
    body = session.post(
        f"{auth_url}/users/{user_id}/application_credentials",
        json={"application_credential": {"name": f"mrconsole-test-{tmp_path.name}"}},
    ).json()
    cred = body["application_credential"]
    path = _clouds_with(
        lab,
        tmp_path,
        "v3applicationcredential",
        {"application_credential_id": cred["id"], "application_credential_secret": cred["secret"]},
    )
    done = run_process("status", "--os-cloud", "mrconsole-lab", "--format", "json", env={"OS_CLIENT_CONFIG_FILE": path})
    assert done.returncode == 0, done.stderr
    assert MASTER in [s["name"] for s in _regions(done.stdout)["RegionOne"]["stacks"]]
    assert cred["secret"] not in done.stdout + done.stderr


def test_token_auth(lab, tmp_path):
    session = _password_session(lab)
    token = session.get_token()
    path = _clouds_with(
        lab, tmp_path, "v3token", {"token": token, "project_name": "demo", "project_domain_name": "Default"}
    )
    done = run_process("status", "--os-cloud", "mrconsole-lab", "--format", "json", env={"OS_CLIENT_CONFIG_FILE": path})
    assert done.returncode == 0, done.stderr
    assert set(_regions(done.stdout)) == {"RegionOne", "RegionTwo", "RegionThree"}
    assert token not in done.stdout + done.stderr


def yaml_auth_url(lab) -> str:
    import yaml

    return yaml.safe_load(lab.clouds_yaml.read_text())["clouds"]["mrconsole-lab"]["auth"]["auth_url"]
