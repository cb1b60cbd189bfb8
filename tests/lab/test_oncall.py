"""On-call depth against the lab: outputs and resources across regions, mark-unhealthy and signals."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

MASTER_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "multi-region" / "master.yaml")
WAIT_T = str(Path(__file__).resolve().parents[1] / "corpus" / "wait.yaml")


@pytest.fixture(scope="module")
def oc(lab, cli):
    code, out, err = cli(
        "stack", "create", "oc", "-t", MASTER_T, "--lab", "--region", "RegionOne", "--wait", "--format", "json"
    )
    assert code == 0, err + out
    return json.loads(out)[0]["stack_id"]


def _resources(cli, name="oc") -> dict:
    code, out, err = cli("resources", name, "--lab", "--format", "json")
    assert code == 0, err + out
    return {(r["from"], r["resource"]): r for r in json.loads(out)["resources"]}


def test_outputs_across_regions_and_stale_from_the_cache(lab, cli, oc):
    code, out, err = cli("outputs", "oc", "--lab", "--format", "json")
    assert code == 0, err + out
    rows = {(r["source"], r["key"]): r for r in json.loads(out)["outputs"]}
    assert rows[("master", "db_ip")]["region"] == "RegionOne"
    assert rows[("db_stack", "db_ip")]["region"] == "RegionTwo"
    assert rows[("app_stack", "app_url")]["region"] == "RegionThree"
    # The master's output is the constituent's, read in its own region.
    assert rows[("master", "db_ip")]["value"] == rows[("db_stack", "db_ip")]["value"]
    assert all(r["state"] == "live" for r in rows.values())

    # Keep the constituents' outputs in the cache (any read of the master does), then lose a region.
    cli("status", "--lab", "--master", "oc", "--format", "json")
    with lab.fault("RegionThree", "stop"):
        code, out, err = cli("outputs", "oc", "--lab", "--format", "json")
        assert code == 3, err + out
        stale = {(r["source"], r["key"]): r for r in json.loads(out)["outputs"]}
        app = stale[("app_stack", "app_url")]
        assert app["state"] == "stale" and app["age"] >= 0 and app["value"] == rows[("app_stack", "app_url")]["value"]
        assert stale[("db_stack", "db_ip")]["state"] == "live"
        code, out, err = cli("outputs", "oc", "--lab")
        assert "STALE" in out and "old" in out


def test_resources_of_a_master_down_to_its_constituents(cli, oc):
    found = _resources(cli)
    assert found[("master", "db_stack")]["type"] == "OS::Heat::Stack"
    assert found[("db_stack", "db_server")]["region"] == "RegionTwo"
    assert found[("app_stack", "app_server")]["region"] == "RegionThree"
    code, out, err = cli(
        "resource", "show", found[("db_stack", "db_admin_token")]["stack_name"], "db_admin_token",
        "--lab", "--region", "RegionTwo", "--format", "json",
    )  # fmt: skip
    assert code == 0, err + out
    shown = json.loads(out)
    assert shown["attributes"]["value"] == "******"  # a generated secret is never shown


def test_mark_unhealthy_then_the_update_does_what_the_preflight_said(lab, cli, oc):
    before = _resources(cli)
    db_stack = before[("db_stack", "db_server")]["stack_name"]
    code, out, err = cli(
        "resource", "mark-unhealthy", db_stack, "db_server", "--lab", "--region", "RegionTwo", "--preview"
    )
    assert code == 0 and "replaces db_server" in out and "master oc" in out, err + out
    code, out, err = cli(
        "resource", "mark-unhealthy", db_stack, "db_server", "--lab", "--region", "RegionTwo",
        "--reason", "disk errors", "--yes",
    )  # fmt: skip
    assert code == 0, err + out
    marked = _resources(cli)[("db_stack", "db_server")]
    assert marked["status"] == "CHECK_FAILED" and "disk errors" in marked["status_reason"]

    # The master's OS::Heat::Stack: the preview says a whole stack in RegionThree is replaced, and the
    # region's name must be typed (off a terminal: --yes).
    app_id = before[("master", "app_stack")]["physical_id"]
    code, out, err = cli("resource", "mark-unhealthy", "oc", "app_stack", "--lab", "--region", "RegionOne", "--preview")
    assert code == 0 and "whole constituent stack in RegionThree" in out, err + out
    assert (
        json.loads(
            cli(
                "resource",
                "mark-unhealthy",
                "oc",
                "app_stack",
                "--lab",
                "--region",
                "RegionOne",
                "--preview",
                "--format",
                "json",
            )[1]  # fmt: skip
        )["confirm"]
        == "RegionThree"
    )
    code, out, err = cli("resource", "mark-unhealthy", "oc", "app_stack", "--lab", "--region", "RegionOne")
    assert code == 2 and "RegionThree" in err  # no terminal to type it on: nothing was marked
    assert _resources(cli)[("master", "app_stack")]["status"] != "CHECK_FAILED"
    code, out, err = cli(
        "resource", "mark-unhealthy", "oc", "app_stack", "--lab", "--region", "RegionOne", "--reason", "drill", "--yes"
    )
    assert code == 0, err + out

    # The re-apply's preflight says what will happen (a warning, not a refusal: it was asked for).
    code, out, err = cli("stack", "reapply", "oc", "--lab", "--region", "RegionOne", "--preview", "--format", "json")
    findings = json.dumps(json.loads(out)["findings"])
    assert "was marked unhealthy" in findings and json.loads(out)["blocked"] is False, out
    code, out, err = cli("stack", "reapply", "oc", "--lab", "--region", "RegionOne", "--wait")
    assert code == 0, err + out
    after = _resources(cli)
    # The resource inside the constituent was replaced (a new one), the constituent stack itself too.
    assert after[("db_stack", "db_server")]["physical_id"] != before[("db_stack", "db_server")]["physical_id"]
    assert after[("db_stack", "db_server")]["status"].endswith("COMPLETE")
    assert after[("master", "app_stack")]["physical_id"] != app_id
    assert after[("master", "app_stack")]["status"] == "CREATE_COMPLETE"  # a replacement is a create
    code, out, err = cli("status", "--lab", "--region", "RegionThree", "--format", "json")
    ids = {s["id"] for s in json.loads(out)["regions"][0]["stacks"]}
    assert app_id not in ids  # the old constituent stack is deleted in its region


def test_a_signal_completes_a_wait_condition(lab, cli):
    asyncio.run(_create_waiting(lab, "RegionTwo", "sig"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        code, out, _ = cli("resource", "show", "sig", "handle", "--lab", "--region", "RegionTwo", "--format", "json")
        if code == 0 and json.loads(out)["status"] == "CREATE_COMPLETE":
            break
        time.sleep(1.0)
    shown = json.loads(out)
    assert shown["status"] == "CREATE_COMPLETE", shown
    assert all(v == "******" for k, v in shown["attributes"].items() if k in ("token", "signal", "curl_cli"))

    # What waits is not what is signalled: refused before sending, with what to do.
    code, out, err = cli("resource", "signal", "sig", "wait", "--lab", "--region", "RegionTwo", "--yes")
    assert code == 1 and "takes no signal" in err and "WaitConditionHandle" in err
    code, out, err = cli("resource", "signal", "sig", "handle", "--lab", "--region", "RegionTwo", "--data", "[1]")
    assert code == 2 and "JSON object" in err
    data = {"status": "SUCCESS", "reason": "smoke test passed", "data": "ready-42", "id": "1"}
    code, out, err = cli(
        "resource", "signal", "sig", "handle", "--lab", "--region", "RegionTwo", "--data", json.dumps(data), "--yes"
    )
    assert code == 0, err + out
    status = asyncio.run(_wait_for(lab, "RegionTwo", "sig"))
    assert status == "CREATE_COMPLETE"
    code, out, err = cli("outputs", "sig", "--lab", "--format", "json")
    assert "ready-42" in json.dumps(json.loads(out)["outputs"])


async def _wait_for(lab, region: str, name: str) -> str:
    from mrconsole.cloud.connection import connect
    from mrconsole.lab.options import lab_options

    cloud = await connect(lab_options(str(lab.dir)))
    try:
        for _ in range(120):
            detail = await cloud.region(region).get_stack(name, outputs=False)
            if not detail.stack.in_progress:
                return detail.stack.status
            await asyncio.sleep(0.5)
        return detail.stack.status
    finally:
        cloud.close()


async def _create_waiting(lab, region: str, name: str) -> None:
    """The lab's Heat keeps passwords for deferred auth (lab/configs.py): a stack with a resource that
    takes signals must be created with the creator's password, as `lab populate` creates nested stacks."""
    import yaml

    from mrconsole.cloud.connection import connect
    from mrconsole.lab.options import lab_options

    layout = lab.lab.layout()
    cloud = await connect(lab_options(str(lab.dir)))
    try:
        template = yaml.safe_load(Path(WAIT_T).read_text())
        await cloud.region(region).create_stack(name, template, deferred_auth=("demo", layout.demo_password))
    finally:
        cloud.close()


async def test_the_console_keeps_each_constituents_outputs_in_the_cache(lab, oc):
    """A console following a master keeps its constituents' outputs (once per change of the master), so
    that a region that stops answering later still shows them, stale, with their age."""
    from mrconsole.cloud.connection import connect
    from mrconsole.core.live.fleet import Fleet
    from mrconsole.core.live.session import ConsoleSession, SessionConfig
    from mrconsole.lab.options import lab_options
    from mrconsole.state.topology_cache import TopologyCache

    fleet = Fleet(await connect(lab_options(str(lab.dir))))
    session = ConsoleSession(fleet, master="oc", config=SessionConfig(), cache=TopologyCache())
    session.start()
    try:
        kept = {}
        for _ in range(120):
            cached = TopologyCache().load(fleet.name, "oc")
            kept = {c.resource: c.outputs for c in cached.constituents} if cached else {}
            if kept.get("app_stack") and kept.get("db_stack"):
                break
            await asyncio.sleep(0.5)
        assert set(kept["app_stack"]) == {"app_url", "app_dsn", "app_workers"} and "db_ip" in kept["db_stack"], kept
        # A later master read (no constituent read) keeps them.
        await session.refresh_master()
        cached = TopologyCache().load(fleet.name, "oc")
        assert {c.resource: bool(c.outputs) for c in cached.constituents} == {"app_stack": True, "db_stack": True}
    finally:
        await session.stop()


SECRET_CHILD = """heat_template_version: 2018-08-31
parameters:
  token: {type: string, hidden: true}
resources:
  db: {type: OS::Heat::Value, properties: {value: db.example.test}}
outputs:
  dsn:
    value: {str_replace: {template: "postgres://app:TOKEN@HOST/app", params: {TOKEN: {get_param: token}, HOST: h}}}
  host:
    value: {get_attr: [db, value]}
"""

SECRET_MASTER = """heat_template_version: 2018-08-31
parameters:
  token: {type: string, hidden: true, default: Zebra-4711-secret}
resources:
  db_stack:
    type: OS::Heat::Stack
    properties:
      context: {region_name: RegionTwo}
      template: {get_file: child.yaml}
      parameters: {token: {get_param: token}}
"""


async def test_an_output_that_reads_a_secret_never_reaches_the_cache(lab, cli, tmp_path):
    """A constituent's output that reads a hidden parameter of its template is masked before the console's
    session or `status` writes the cache (#33): the secret is not in the cache's bytes, the rest is."""
    from mrconsole.cloud.connection import connect
    from mrconsole.core.live.fleet import Fleet
    from mrconsole.core.live.session import ConsoleSession, SessionConfig
    from mrconsole.lab.options import lab_options
    from mrconsole.models import HIDDEN
    from mrconsole.state.topology_cache import TopologyCache

    (tmp_path / "child.yaml").write_text(SECRET_CHILD)
    (tmp_path / "master.yaml").write_text(SECRET_MASTER)
    code, out, err = await asyncio.to_thread(
        cli, "stack", "create", "sec", "-t", str(tmp_path / "master.yaml"), "--lab", "--region", "RegionOne", "--wait"
    )
    assert code == 0, err + out
    code, out, err = await asyncio.to_thread(cli, "status", "--lab", "--master", "sec", "--format", "json")
    assert code == 0, err

    def kept_outputs() -> dict:
        cached = TopologyCache().load("mrconsole-lab", "sec")
        return cached.constituents[0].outputs if cached else {}

    assert kept_outputs() == {"dsn": HIDDEN, "host": "db.example.test"}  # written by `status`
    fleet = Fleet(await connect(lab_options(str(lab.dir))))
    session = ConsoleSession(fleet, master="sec", config=SessionConfig(), cache=TopologyCache())
    session.start()
    try:
        for _ in range(120):
            if session._kept_version and session.master.topology is not None:
                break
            await asyncio.sleep(0.5)
        await session.refresh_master()
        shown = {o.key: o.value for o in session.master.topology.constituents[0].detail.outputs}
        assert shown == {"dsn": HIDDEN, "host": "db.example.test"}  # what the session's screens are given
    finally:
        await session.stop()
    assert kept_outputs() == {"dsn": HIDDEN, "host": "db.example.test"}
    cache_files = list(Path(os.environ["XDG_CACHE_HOME"]).rglob("*")) + list(
        Path(os.environ["XDG_STATE_HOME"]).rglob("*")
    )
    assert not any(b"Zebra-4711" in f.read_bytes() for f in cache_files if f.is_file()), "the secret reached disk"
