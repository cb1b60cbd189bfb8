"""Snapshots of a master across regions, against the lab: a snapshot, a change, a restore."""

from __future__ import annotations

import json
from pathlib import Path

MASTER_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "multi-region" / "master.yaml")


def test_snapshot_change_restore_and_a_region_down_refuses_the_restore(lab, cli):
    code, out, err = cli(
        "stack", "create", "snap", "-t", MASTER_T, "--lab", "--region", "RegionOne", "--wait", "--format", "json"
    )
    assert code == 0, err + out
    code, out, err = cli("snapshot", "snap", "create", "--name", "before", "--lab", "--wait", "--format", "json")
    assert code == 0 and json.loads(out)["status"] == "COMPLETE", err + out
    code, out, err = cli("stack", "update", "snap", "--lab", "--region", "RegionOne", "-P", "app_replicas=4", "--wait")
    assert code == 0, err + out
    assert _app_parameter(lab, "replicas") == "4"

    # The restore needs every constituent's region: refused before sending while one is down.
    with lab.fault("RegionThree", "stop"):
        code, out, err = cli("snapshot", "snap", "restore", "before", "--lab", "--yes")
        assert code == 3 and "RegionThree does not answer" in err and "refused before sending" in err, err

    code, out, err = cli("snapshot", "snap", "restore", "before", "--lab", "--preview")
    assert code == 0 and "RegionThree" in out and "RegionTwo" in out, err + out
    code, out, err = cli("snapshot", "snap", "restore", "before", "--lab", "--yes", "--wait")
    assert code == 0 and "RESTORE_COMPLETE" in err, err + out
    assert _app_parameter(lab, "replicas") == "2"  # the constituent in RegionThree is back to the snapshot's

    code, out, err = cli("snapshot", "snap", "list", "--lab", "--format", "json")
    assert [s["name"] for s in json.loads(out)] == ["before"]
    code, out, err = cli("snapshot", "snap", "delete", "before", "--lab")
    assert code == 0 and "accepted" in out, err + out

    # Heat's restore writes each constituent's template and parameters, as they were, into the master's own
    # template (RemoteStack.handle_restore freezes them): the master's parameters no longer reach the
    # constituent. A PATCH leaves it as it is; an update with the master's template file links them again.
    assert "get_param" not in json.dumps(_app_stack_parameters(lab)), _app_stack_parameters(lab)
    code, out, err = cli(
        "stack", "update", "snap", "--lab", "--region", "RegionOne", "-P", "app_replicas=5",
        "--snapshot-first", "--wait",
    )  # fmt: skip
    assert code == 0, err + out
    assert "snapshot before-update-" in err and "COMPLETE" in err, err  # taken, and COMPLETE before the update
    assert _app_parameter(lab, "replicas") == "2"
    code, out, err = cli(
        "stack", "update", "snap", "--lab", "--region", "RegionOne", "-t", MASTER_T, "-P", "app_replicas=5", "--wait"
    )  # fmt: skip
    assert code == 0, err + out
    assert _app_parameter(lab, "replicas") == "5"
    assert "get_param" in json.dumps(_app_stack_parameters(lab))
    code, out, err = cli("snapshot", "snap", "list", "--lab", "--format", "json")
    taken = [s for s in json.loads(out) if s["name"].startswith("before-update-")]
    assert len(taken) == 1 and taken[0]["status"] == "COMPLETE"
    # The history shows Heat's list of snapshots (any operator's), and this machine's journal for the one
    # deleted since, not both for the same snapshot.
    code, out, err = cli("operations", "snap", "--lab", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["operations"]
    from_heat = [(o["kind"], o["reason"], o["state"]) for o in rows if o["source"] == "heat"]
    assert from_heat == [("snapshot", taken[0]["name"], "done")], rows
    from_journal = [o["kind"] for o in rows if o["source"] == "journal"]
    assert from_journal.count("snapshot") == 1 and "snapshot delete" in from_journal, rows

    # A snapshot Heat cannot take (a constituent's region down) is said as failed: what was to follow it
    # is not sent. (The update's own preflight refuses first in that case; the snapshot step is checked alone.)
    with lab.fault("RegionThree", "stop"):
        error = _snapshot_first_fails(lab)
    assert "snapshot of snap failed" in error and "nothing else was sent" in error, error


def _app_parameter(lab, key: str) -> str:
    """The app constituent's parameter, as its own region (RegionThree) reports it."""
    import asyncio

    from mrconsole.cloud.connection import connect
    from mrconsole.core.live.fleet import Fleet
    from mrconsole.core.master.topology import read_master
    from mrconsole.lab.options import lab_options

    async def read() -> str:
        cloud = await connect(lab_options(str(lab.dir)))
        try:
            topo = await read_master(Fleet(cloud), "RegionOne", "snap")
            app = topo.constituent("app_stack")
            detail = await cloud.region(app.region).get_stack(app.stack_id)
            return detail.parameters[key]
        finally:
            cloud.close()

    return asyncio.run(read())


def _snapshot_first_fails(lab) -> str:
    import asyncio

    from mrconsole.cloud.connection import connect
    from mrconsole.core.acting.actions import Actions, Target
    from mrconsole.core.errors import PlanError
    from mrconsole.core.live.fleet import Fleet
    from mrconsole.core.master.snapshots import take_snapshot
    from mrconsole.lab.options import lab_options

    async def run() -> str:
        cloud = await connect(lab_options(str(lab.dir)))
        try:
            try:
                await take_snapshot(Actions(Fleet(cloud)), Target("RegionOne", "snap"), "doomed", limit=120)
            except PlanError as exc:
                return str(exc)
            return "the snapshot completed"
        finally:
            cloud.close()

    return asyncio.run(run())


def _app_stack_parameters(lab) -> dict:
    """The master's own template (as Heat keeps it): its app_stack resource's parameters."""
    import asyncio

    from mrconsole.cloud.connection import connect
    from mrconsole.lab.options import lab_options

    async def read() -> dict:
        cloud = await connect(lab_options(str(lab.dir)))
        try:
            client = cloud.region("RegionOne")
            master = (await client.get_stack("snap", outputs=False)).stack
            template = await client.template(master)
            return template["resources"]["app_stack"]["properties"]["parameters"]
        finally:
            cloud.close()

    return asyncio.run(read())
