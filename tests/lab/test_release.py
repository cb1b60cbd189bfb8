"""A constituent taken out of its master, its stack kept (#38's release), against the lab's Heat: the two
updates core/master/release.py plans (Retain, then the master without it), what Heat does with each, and a
later update of the master that no longer reaches the released stack."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.conftest import journal_mark

ROLLOUT_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "rollout" / "master.yaml")


async def _read(lab, region: str, ref: str):
    """A stack as Heat has it (its outputs too), read with the console's own client, outside the console."""
    from mrconsole.cloud.connection import connect
    from mrconsole.lab.options import lab_options

    cloud = await connect(lab_options(str(lab.dir)))
    try:
        client = cloud.region(region)
        detail = await client.get_stack(ref)
        template = await client.template(detail.stack)
        return detail, template
    finally:
        cloud.close()


def _status(cli, name: str) -> dict:
    code, out, err = cli("status", "--lab", "--master", name, "--format", "json")
    assert out, err
    return json.loads(out)


def test_release_keeps_the_stack_and_the_next_update_of_the_master_leaves_it_alone(lab, cli):
    from mrconsole.state.journal import Journal

    code, out, err = cli("stack", "create", "rel", "-t", ROLLOUT_T, "--lab", "--region", "RegionOne", "--wait")
    assert code == 0, err + out
    three = {c["resource"]: c for c in _status(cli, "rel")["constituents"]}["web_three"]
    master_before, _ = asyncio.run(_read(lab, "RegionOne", "rel"))

    # Previewed: two updates, the output that reads it dropped; nothing sent (the master untouched).
    code, out, err = cli("release", "rel", "web_three", "--lab", "--preview", "--format", "json")
    assert code == 0, err + out
    plan = json.loads(out)
    assert plan["steps"] == ["retain", "without"] and plan["dropped_outputs"] == ["releases"], plan
    assert plan["stack_id"] == three["stack_id"] and plan["region"] == "RegionThree" and not plan["blocked"]
    assert asyncio.run(_read(lab, "RegionOne", "rel"))[0].stack.updated_time == master_before.stack.updated_time

    # Refused before sending: a constituent another one reads (the demo's app reads its database), and a
    # name that is not a constituent.
    code, out, err = cli("release", "demo", "db_stack", "--lab", "--preview", "--format", "json")
    blocked = json.loads(out)
    assert code == 1 and blocked["blocked"], out
    assert any("app_stack reads db_stack" in f["message"] for f in blocked["findings"]), out
    code, out, err = cli("release", "rel", "web_four", "--lab", "--yes")
    assert code == 2 and "no constituent 'web_four'" in err and "web_three" in err, err

    mark = journal_mark()
    code, out, err = cli("release", "rel", "web_three", "--lab", "--yes", "--format", "json")
    assert code == 0, err + out
    assert "retain: rel UPDATE_COMPLETE" in err and "without: rel UPDATE_COMPLETE" in err, err

    # Heat: the master owns web_one and web_two only, its outputs without `releases`; the stack is where it
    # was, the same stack, updated in place by the first step (Heat always sends a remote stack's update).
    master, template = asyncio.run(_read(lab, "RegionOne", "rel"))
    assert master.stack.status == "UPDATE_COMPLETE" and "web_three" not in template["resources"], template
    assert set(template["resources"]) == {"web_one", "web_two"} and set(template["outputs"]) == {"release_two"}
    kept, _ = asyncio.run(_read(lab, "RegionThree", three["stack_id"]))
    assert kept.stack.id == three["stack_id"] and kept.stack.status == "UPDATE_COMPLETE", kept.stack
    assert [c["resource"] for c in _status(cli, "rel")["constituents"]] == ["web_one", "web_two"]
    entries = [e for e in Journal().entries(20) if e.id > mark]
    steps = sorted((e.action, e.parameters["step"], e.outcome) for e in entries)
    assert steps == [("release-constituent", "retain", "ok"), ("release-constituent", "without", "ok")], steps

    # The master's next update reaches what it owns and not the released stack.
    code, out, err = cli("stack", "update", "rel", "--lab", "--region", "RegionOne", "-P", "release=v2", "--wait")
    assert code == 0 and "UPDATE_COMPLETE" in out, err + out
    after, _ = asyncio.run(_read(lab, "RegionThree", three["stack_id"]))
    assert after.stack.updated_time == kept.stack.updated_time, (after.stack, kept.stack)
    assert {o.key: o.value for o in after.outputs}.get("release") == "v1", after.outputs
    code, out, err = cli("outputs", "rel", "--lab", "--format", "json")
    values = {(o["source"], o["key"]): o["value"] for o in json.loads(out)["outputs"]}
    assert values[("master", "release_two")] == "v2", values

    # Released once: again is a name that is no longer a constituent.
    code, out, err = cli("release", "rel", "web_three", "--lab", "--yes")
    assert code == 2 and "no constituent 'web_three'" in err, err


def test_without_the_retain_step_heat_deletes_the_constituent_it_no_longer_has(lab, cli, tmp_path):
    """Why a release takes two updates: the master updated without a constituent at once (what an operator
    would try first) has Heat delete that constituent's stack in its region."""
    import shutil

    import yaml

    code, out, err = cli("stack", "create", "reld", "-t", ROLLOUT_T, "--lab", "--region", "RegionOne", "--wait")
    assert code == 0, err + out
    three = {c["resource"]: c for c in _status(cli, "reld")["constituents"]}["web_three"]
    template = yaml.safe_load(Path(ROLLOUT_T).read_text())
    del template["resources"]["web_three"], template["outputs"]["releases"]
    for f in Path(ROLLOUT_T).parent.glob("*.yaml"):  # what its get_file and nested types read
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "master.yaml").write_text(yaml.safe_dump(template))
    code, out, err = cli(
        "stack", "update", "reld", "-t", str(tmp_path / "master.yaml"), "--lab", "--region", "RegionOne",
        "--yes", "--wait",
    )  # fmt: skip
    assert code == 0 and "UPDATE_COMPLETE" in out, err + out
    gone, _ = asyncio.run(_read(lab, "RegionThree", three["stack_id"]))
    assert gone.stack.status == "DELETE_COMPLETE", gone.stack


async def test_the_console_offers_the_release_on_a_constituent_and_the_master_forgets_it(lab, cli):
    """From the console: a constituent's action menu offers the release; asked once (with what each step
    does), sent; the master's tree loses it, its stack stays in its region."""
    from mrconsole.core.acting.choices import RELEASE
    from mrconsole.tui.screens.actions import ActionMenu
    from mrconsole.tui.screens.modals import AskScreen
    from mrconsole.tui.screens.overview import OverviewScreen
    from mrconsole.tui.widgets.plain import OptionList
    from tests.lab.test_tui import make_app, until

    code, out, err = await asyncio.to_thread(
        cli, "stack", "create", "relc", "-t", ROLLOUT_T, "--lab", "--region", "RegionOne", "--wait"
    )
    assert code == 0, err + out
    app = make_app(lab, master="relc")
    async with app.run_test(size=(120, 40)) as pilot:
        session = app.session
        assert await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        assert await until(pilot, lambda: session.master.topology is not None and session.master.error is None, 30)
        two = session.master.topology.constituent("web_two")
        assert two is not None and two.stack_id
        app.act_on("RegionTwo", two.stack_id, two.stack_name or "")
        assert await until(pilot, lambda: isinstance(app.screen, ActionMenu) and app.screen.query(OptionList))
        menu = app.screen.query_one(OptionList)
        ids = [menu.get_option_at_index(i).id for i in range(menu.option_count)]
        assert RELEASE in ids, ids
        menu.highlighted = ids.index(RELEASE)
        await pilot.press("enter")
        assert await until(pilot, lambda: isinstance(app.screen, AskScreen), 30)
        asked = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "deletion_policy set to Retain" in asked and "without web_two" in asked, asked
        await pilot.press("y")
        assert await until(
            pilot, lambda: [c.resource for c in session.master.topology.constituents] == ["web_one", "web_three"], 120
        ), [c.resource for c in session.master.topology.constituents]

        def said() -> list[str]:
            return [str(n.message) for n in app._notifications]

        assert await until(
            pilot, lambda: any("released web_two" in m and "stays in RegionTwo" in m for m in said()), 20
        ), said()
    kept, _ = await _read(lab, "RegionTwo", two.stack_id)
    assert kept.stack.status == "UPDATE_COMPLETE", kept.stack
