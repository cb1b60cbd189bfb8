"""Existing regional stacks brought under a new master (#38's import), against the lab's Heat: three stacks
created by hand, one per region, one with a hidden parameter; the plan (Heat's preview of the master's first
update in each region), its refusals, the adopt; an update through the master reaching all three; a release of
one; and the master's next update leaving the released stack alone."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import journal_since
from tests.lab.test_release import _read

WEB = Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "rollout"
REGIONS = ("RegionOne", "RegionTwo", "RegionThree")
TOKEN = "Quartz-Hidden-2291"


@pytest.fixture
def lab(adopting_lab):
    """Heat adopts where re-authentication by trusts is off (under it, the probe refuses: test_production.py)."""
    return adopting_lab


def _stacks(lab_, cli, tmp_path: Path) -> dict[str, str]:
    """`impweb` in each region, made by hand from the rollout's web tier (RegionThree's with a hidden token):
    region -> stack id."""
    for f in WEB.glob("web*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    hidden = yaml.safe_load((WEB / "web.yaml").read_text())
    hidden["parameters"]["token"] = {"type": "string", "hidden": True}
    (tmp_path / "web_hidden.yaml").write_text(yaml.safe_dump(hidden))
    ids = {}
    for region in REGIONS:
        template, extra = ("web_hidden.yaml", ["-P", f"token={TOKEN}"]) if region == "RegionThree" else ("web.yaml", [])
        code, out, err = cli(
            "stack", "create", "impweb", "-t", str(tmp_path / template), "--lab", "--region", region,
            "-P", "release=v1", *extra, "--wait", "--format", "json",
        )  # fmt: skip
        assert code == 0, err + out
        ids[region] = json.loads(out)[0]["stack_id"]
    return ids


async def _patch_release(lab_, master: str, release: str) -> str:
    """An update of the master through its template (each resource's `release`), as an operator edits it; the
    master's status once it ends."""
    from mrconsole.core.acting.actions import Actions, Target
    from mrconsole.core.connect import open_fleet
    from mrconsole.core.master.topology import until_settled
    from mrconsole.lab.options import lab_options

    fleet = await open_fleet(lab_options(str(lab_.dir)))
    try:
        client = fleet.region("RegionOne")
        detail = await client.get_stack(master, outputs=False)
        template = await client.template(detail.stack)
        for spec in template["resources"].values():
            spec["properties"]["parameters"]["release"] = release
        result = await Actions(fleet).patch_template(
            Target("RegionOne", master, detail.stack.id), template, "update", {"release": release}
        )
        assert result.ok, result.message
        return (await until_settled(client, detail.stack.id, 300)).stack.status
    finally:
        fleet.close()


def _release_of(lab_, region: str, stack_id: str):
    detail, _ = asyncio.run(_read(lab_, region, stack_id))
    return detail.stack, {o.key: o.value for o in detail.outputs}.get("release")


def test_import_three_stacks_update_through_the_master_release_one(lab, cli, tmp_path):
    from mrconsole.core.master.gather import ACTION
    from tests.conftest import journal_mark

    ids = _stacks(lab, cli, tmp_path)
    stacks = [f"--stack={r}=impweb" for r in REGIONS]

    # Bad words: exit 2, nothing read or sent.
    code, out, err = cli("import", "impm", "--lab", "--region", "RegionOne", "--stack", "RegionOne")
    assert code == 2 and "REGION=STACK" in err, err
    code, out, err = cli("import", "impm", "--lab", "--region", "RegionOne", "--stack", "RegionNine=impweb")
    assert code == 2 and "'RegionNine' is not a region" in err, err

    # The hidden value Heat never shows is asked for, named as the master's parameter; a stack that is not there
    # and a master name taken are named too. Nothing is sent.
    code, out, err = cli("import", "impm", "--lab", "--region", "RegionOne", *stacks, "--stack=RegionTwo=nosuch",
                         "--preview", "--format", "json")  # fmt: skip
    plan = json.loads(out)
    assert code == 1 and plan["blocked"], err + out
    said = " | ".join(f["message"] for f in plan["findings"])
    assert "impweb_RegionThree_token" in said and "RegionTwo has no stack 'nosuch'" in said, said
    code, out, err = cli("import", "impweb", "--lab", "--region", "RegionOne", *stacks, "-P",
                         f"impweb_RegionThree_token={TOKEN}", "--preview", "--format", "json")  # fmt: skip
    assert code == 1 and "a stack named impweb already exists in RegionOne" in out, out

    # The plan: each stack under its resource, Heat's preview of the master's first update in each region.
    code, out, err = cli("import", "impm", "--lab", "--region", "RegionOne", *stacks, "-P",
                         f"impweb_RegionThree_token={TOKEN}", "--preview", "--format", "json")  # fmt: skip
    assert code == 0, err + out
    plan = json.loads(out)
    assert TOKEN not in out and not plan["blocked"], out
    members = {m["resource"]: m for m in plan["members"]}
    assert {r: members[f"impweb_{r}"]["stack_id"] for r in REGIONS} == ids
    for m in members.values():  # Heat, asked in each region: the update the master would send changes nothing
        moved = {k: v for k, v in m["first_update"].items() if k not in ("unchanged", "nested") and v}
        assert m["first_update"]["unchanged"] == ["web_server"] and not moved, m
        assert m["first_update"]["nested"] == ["web_pool"], m  # the ResourceGroup, always "updated" by Heat

    mark = journal_mark()
    code, out, err = cli("import", "impm", "--lab", "--region", "RegionOne", *stacks, "-P",
                         f"impweb_RegionThree_token={TOKEN}", "--yes", "--format", "json")  # fmt: skip
    assert code == 0, err + out
    assert TOKEN not in out + err
    master, template = asyncio.run(_read(lab, "RegionOne", "impm"))
    assert master.stack.status == "ADOPT_COMPLETE", master.stack
    code, out, err = cli("status", "--lab", "--master", "impm", "--format", "json")
    owned = {c["resource"]: (c["region"], c["stack_id"]) for c in json.loads(out)["constituents"]}
    assert owned == {f"impweb_{r}": (r, ids[r]) for r in REGIONS}, owned
    for region in REGIONS:  # adopted, not touched: each stack as it was made
        stack, release = _release_of(lab, region, ids[region])
        assert stack.status == "CREATE_COMPLETE" and release == "v1", (region, stack)
    entries = [(e.action, e.outcome) for e in journal_since(mark)]
    assert (ACTION, "ok") in entries, entries

    # An update through the master reaches all three, the hidden value kept by Heat.
    assert asyncio.run(_patch_release(lab, "impm", "v2")) == "UPDATE_COMPLETE"
    for region in REGIONS:
        stack, release = _release_of(lab, region, ids[region])
        assert stack.status == "UPDATE_COMPLETE" and release == "v2", (region, stack)

    # Released, then the master's next update leaves it alone.
    code, out, err = cli("release", "impm", "impweb_RegionTwo", "--lab", "--yes")
    assert code == 0, err + out
    two_before, _ = _release_of(lab, "RegionTwo", ids["RegionTwo"])
    assert asyncio.run(_patch_release(lab, "impm", "v3")) == "UPDATE_COMPLETE"
    two_after, release = _release_of(lab, "RegionTwo", ids["RegionTwo"])
    assert two_after.updated_time == two_before.updated_time and release == "v2", two_after
    for region in ("RegionOne", "RegionThree"):
        assert _release_of(lab, region, ids[region])[1] == "v3", region

    # A stack that belongs to a master cannot be imported into another.
    code, out, err = cli("import", "impm2", "--lab", "--region", "RegionTwo", "--stack=RegionOne=impweb",
                         "--preview", "--format", "json")  # fmt: skip
    assert code == 1 and "belongs to master impm" in out, out
