"""Snapshots of a master across regions, against the lab: a snapshot, a change, a restore."""

from __future__ import annotations

import json
from pathlib import Path

MASTER_T = str(Path(__file__).resolve().parents[1] / "mrconsole" / "examples" / "multi-region" / "master.yaml")


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


def _app_parameter(lab, key: str) -> str:
    """The app constituent's parameter, as its own region (RegionThree) reports it."""
    import asyncio

    from mrconsole.cloud.connection import connect
    from mrconsole.core.fleet import Fleet
    from mrconsole.core.topology import read_master
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
