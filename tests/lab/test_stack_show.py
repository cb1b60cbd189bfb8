"""`mrconsole stack list` and `stack show` against the lab, with Heat itself (python-heatclient) as the oracle:
every stack of every region listed once with Heat's status, a constituent shown with the master whose
resource holds its id, and a region that does not answer said as such (exit 3)."""

from __future__ import annotations

import json

from tests.conftest import MASTER
from tests.lab.test_oncall import SECRET_CHILD

REGIONS = ("RegionOne", "RegionTwo", "RegionThree")


def _heat(lab, region: str):
    import openstack.config
    from heatclient import client as heat

    config = openstack.config.OpenStackConfig(config_files=[str(lab.dir / "clouds.yaml")])
    cloud = config.get_one(cloud="mrconsole-lab", region_name=region)
    return heat.Client("1", session=cloud.get_session(), region_name=region)


def test_stack_list_is_every_regions_stacks_as_heat_lists_them_with_their_masters(lab, cli):
    code, out, err = cli("stack", "list", "--lab", "-f", "json")
    assert code == 0, err
    rows = json.loads(out)
    heat = {(r, s.id): s for r in REGIONS for s in _heat(lab, r).stacks.list()}
    assert {(row["region"], row["id"]): row["stack_status"] for row in rows} == {
        key: s.stack_status for key, s in heat.items()
    }
    master = next(row for row in rows if row["stack_name"] == MASTER)
    assert master["region"] == "RegionOne" and master["master"] is None
    # Each constituent the master's Heat holds (its OS::Heat::Stack resources' physical ids), with its master.
    held = {
        r.physical_resource_id: r.resource_name
        for r in _heat(lab, "RegionOne").resources.list(master["id"])
        if r.resource_type == "OS::Heat::Stack"
    }
    by_id = {row["id"]: row for row in rows}
    assert held and all(by_id[sid]["master"] == f"{MASTER}/{name}" for sid, name in held.items()), rows
    # As `openstack stack list -f value -c ...` reads in a shell loop.
    code, out, err = cli("stack", "list", "--lab", "--region", "RegionTwo", "-f", "value", "-c", "stack_name")
    assert code == 0 and sorted(out.split()) == sorted(s.stack_name for (r, _), s in heat.items() if r == "RegionTwo")


def test_stack_show_finds_a_constituent_in_its_region_with_the_master_heat_says_owns_it(lab, cli):
    code, out, err = cli("stack", "list", "--lab", "-f", "json")
    constituent = next(row for row in json.loads(out) if row["master"] == f"{MASTER}/db_stack")
    code, out, err = cli("stack", "show", "--lab", constituent["stack_name"], "-f", "json")
    assert code == 0, err
    shown = json.loads(out)
    heat = _heat(lab, shown["region"]).stacks.get(constituent["id"])
    assert (shown["id"], shown["stack_status"]) == (heat.id, heat.stack_status)
    assert shown["timeout_mins"] == heat.timeout_mins
    assert shown["outputs"] == {o["output_key"]: o["output_value"] for o in heat.outputs}
    assert shown["parameters"]["db_password"] == "******"  # hidden: as Heat masks it, never the value
    assert shown["master"] == {"name": MASTER, "resource": "db_stack", "region": "RegionOne", "checked": True}
    code, out, err = cli("stack", "show", "--lab", MASTER, "-f", "value", "-c", "stack_status", "-c", "region")
    assert code == 0 and out.split() == [_heat(lab, "RegionOne").stacks.get(MASTER).stack_status, "RegionOne"]
    code, out, err = cli("stack", "show", "--lab", "no-such-stack")
    assert code == 1 and err.strip() == "mrconsole: error: stack no-such-stack not found in any reachable region"


def test_a_region_that_does_not_answer_is_named_and_the_exit_code_says_so(lab, cli):
    with lab.fault("RegionThree", "stop"):
        code, out, err = cli("stack", "list", "--lab", "--request-timeout", "2", "-f", "json")
        assert code == 3 and "RegionThree did not answer" in err, err
        assert {row["region"] for row in json.loads(out)} == {"RegionOne", "RegionTwo"}
        code, out, err = cli("stack", "show", "--lab", "--request-timeout", "2", "no-such-stack")
        assert code == 3 and "unreachable: RegionThree" in err, err


def test_an_output_that_reads_a_hidden_parameter_is_masked_though_heat_shows_it(lab, cli, tmp_path):
    (tmp_path / "secret.yaml").write_text(SECRET_CHILD)  # outputs: dsn reads the hidden token, host does not
    code, out, err = cli("stack", "create", "showsecret", "-t", str(tmp_path / "secret.yaml"), "-P",
                         "token=Zebra-4711-secret", "--lab", "--region", "RegionTwo", "--wait")  # fmt: skip
    assert code == 0, err + out
    heat = {o["output_key"]: o["output_value"] for o in _heat(lab, "RegionTwo").stacks.get("showsecret").outputs}
    assert "Zebra-4711-secret" in heat["dsn"]  # Heat itself: in clear
    for fmt in ("json", "table", "yaml"):
        code, out, err = cli("stack", "show", "showsecret", "--lab", "-f", fmt)
        assert code == 0 and "Zebra-4711" not in out + err, out
    code, out, err = cli("stack", "show", "showsecret", "--lab", "-f", "json")
    assert json.loads(out)["outputs"] == {"dsn": "******", "host": "db.example.test"}
    assert json.loads(out)["parameters"]["token"] == "******"


def test_a_region_the_cloud_lacks_is_one_line_and_exit_2_for_list_show_actions_and_rollouts(lab, cli):
    for args in (
        ("stack", "list"),
        ("stack", "show", MASTER),
        ("stack", "check", MASTER, "--yes"),
        ("rollout", MASTER, "--reapply", "--yes"),
    ):
        code, out, err = cli(*args, "--lab", "--region", "Nowhere")
        assert code == 2, (args, err)
        assert err.strip().endswith(
            "region 'Nowhere' is not in cloud mrconsole-lab (it has: RegionOne, RegionTwo, RegionThree)"
        ), err
        assert "Traceback" not in err


def _heat_reads(lab, region: str, since: int, stack_id: str) -> list[tuple[str, str]]:
    """(path after /stacks/, status) of each GET of the stack `stack_id` the region's Heat logged after byte
    `since` (only that stack's: a master's Heat may be reading others in the region meanwhile)."""
    log = (lab.dir / region / "access.log").read_bytes()[since:].decode()
    found = []
    for line in log.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[1] == "GET" and "/stacks/" in parts[2]:
            path = parts[2].split("/stacks/", 1)[1].split("?")[0]
            if stack_id in path and not path.endswith(("/events", "/resources")):
                found.append((path, parts[3]))
    return found


def test_a_stack_read_by_id_costs_one_request_once_its_name_is_known_and_heat_shows_it_the_same(lab):
    """Heat answers GET /stacks/ID with a redirect to NAME/ID (two requests); the client asks NAME/ID itself
    once a list or a read told it the name, and Heat shows the same stack, a deleted one too."""
    import asyncio

    from mrconsole.cloud.connection import connect
    from mrconsole.lab.options import lab_options
    from tests.conftest import wait_until

    heat = _heat(lab, "RegionTwo")
    empty = "heat_template_version: 2018-08-31\nresources: {}\n"
    gone = heat.stacks.create(stack_name="show-by-id", template=empty)["stack"]["id"]  # read, then deleted
    assert wait_until(lambda: heat.stacks.get(gone).stack_status == "CREATE_COMPLETE", 60)
    log = lab.dir / "RegionTwo" / "access.log"

    async def read():
        cloud = await connect(lab_options(str(lab.dir)))
        try:
            region = cloud.region("RegionTwo")
            # The test's own stack: no master's Heat reads it meanwhile.
            stack = next(s for s in await region.list_stacks() if s.id == gone)
            mark = log.stat().st_size
            detail = await region.get_stack(stack.id, outputs=False)
            known = _heat_reads(lab, "RegionTwo", mark, stack.id)
            # A client that never listed: Heat's lookup by id, then the stack; a second read, the stack alone.
            fresh = await connect(lab_options(str(lab.dir)))
            try:
                mark = log.stat().st_size
                first = await fresh.region("RegionTwo").get_stack(stack.id, outputs=False)
                unknown = _heat_reads(lab, "RegionTwo", mark, stack.id)
                mark = log.stat().st_size
                again = await fresh.region("RegionTwo").get_stack(stack.id, outputs=False)
                learned = _heat_reads(lab, "RegionTwo", mark, stack.id)
            finally:
                fresh.close()
            oracle = await asyncio.to_thread(heat.stacks.get, gone)  # as heatclient shows it, by id
            # Deleted since: read by NAME/ID, Heat shows it as it shows its id.
            await asyncio.to_thread(heat.stacks.delete, gone)
            assert await asyncio.to_thread(
                wait_until, lambda: heat.stacks.get(gone).stack_status == "DELETE_COMPLETE", 60
            )
            mark = log.stat().st_size
            ended = await region.get_stack(gone, outputs=False)
            deleted = _heat_reads(lab, "RegionTwo", mark, gone)
            return stack, detail, known, first, unknown, again, learned, oracle, ended, deleted
        finally:
            cloud.close()

    stack, detail, known, first, unknown, again, learned, oracle, ended, deleted = asyncio.run(read())
    assert known == [(f"{stack.name}/{stack.id}", "200")]
    assert unknown == [(stack.id, "302"), (f"{stack.name}/{stack.id}", "200")]  # Heat's own lookup
    assert learned == known
    for got in (detail, first, again):
        assert (got.stack.id, got.stack.name, got.stack.status) == (oracle.id, oracle.stack_name, oracle.stack_status)
    assert deleted == [(f"show-by-id/{gone}", "200")]
    assert (
        (ended.stack.id, ended.stack.status) == (gone, heat.stacks.get(gone).stack_status) == (gone, "DELETE_COMPLETE")
    )
