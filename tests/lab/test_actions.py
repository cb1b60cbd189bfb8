"""Launching and acting, through the CLI twins and the core, against the lab."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from mrconsole.state.journal import Journal
from tests.conftest import journal_mark, journal_since

EXAMPLES = Path(__file__).resolve().parents[2] / "mrconsole" / "examples"
MASTER_T = str(EXAMPLES / "multi-region" / "master.yaml")
SIMPLE = Path(__file__).resolve().parents[1] / "corpus" / "simple.yaml"
SECRET = "Zebra-Secret-4711"


def _json(out: str):
    return json.loads(out)


@pytest.fixture(scope="module")
def act_master(lab, cli):
    """A master of this module's own, so the session's demo stays untouched."""
    code, out, err = cli(
        "stack",
        "create",
        "act",
        "-t",
        MASTER_T,
        "--lab",
        "--region",
        "RegionOne",
        "-P",
        f"db_password={SECRET}",
        "--wait",
        "--format",
        "json",
    )
    assert code == 0, err + out
    return _json(out)


def _status(cli, name, region):
    code, out, _ = cli("status", "--lab", "--region", region, "--format", "json")
    stacks = {s["name"]: s for s in _json(out)["regions"][0]["stacks"]}
    return stacks.get(name, {}).get("status")


def _constituent(cli, resource, region):
    code, out, _ = cli("status", "--lab", "--region", region, "--format", "json")
    return next(s["name"] for s in _json(out)["regions"][0]["stacks"] if s["name"].startswith(f"act-{resource}-"))


def test_create_master_with_wait_completes(act_master, cli):
    assert act_master[0]["ok"] and act_master[0]["final_status"] == "CREATE_COMPLETE"
    assert _status(cli, "act", "RegionOne") == "CREATE_COMPLETE"


@pytest.mark.parametrize(
    "action, final", [("suspend", "SUSPEND_COMPLETE"), ("resume", "RESUME_COMPLETE"), ("check", "CHECK_COMPLETE")]
)
def test_actions_on_the_master(act_master, cli, action, final):
    code, out, err = cli("stack", action, "act", "--lab", "--region", "RegionOne", "--wait", "--format", "json")
    assert code == 0, err
    assert _json(out)[0]["final_status"] == final


def _detail(lab, region: str, name: str):
    """A stack as Heat holds it."""
    from mrconsole.cloud.connection import connect
    from mrconsole.lab.options import lab_options

    async def read():
        cloud = await connect(lab_options(str(lab.dir)))
        try:
            return await cloud.region(region).get_stack(name)
        finally:
            cloud.close()

    return asyncio.run(read())


def _parameters(lab, region: str, name: str) -> dict[str, str]:
    """A stack's parameters as Heat holds them (hidden ones masked by Heat)."""
    return _detail(lab, region, name).parameters


def test_patch_update_of_the_master_changes_only_given_parameters(lab, act_master, cli):
    before = _parameters(lab, "RegionOne", "act")
    app = _constituent(cli, "app_stack", "RegionThree")
    db = _constituent(cli, "db_stack", "RegionTwo")
    db_before = _parameters(lab, "RegionTwo", db)
    new = "4" if before["app_replicas"] == "3" else "3"
    code, out, err = cli(
        "stack",
        "update",
        "act",
        "--lab",
        "--region",
        "RegionOne",
        "-P",
        f"app_replicas={new}",
        "--timeout",  # minutes, as `openstack stack update --timeout` has it
        "25",
        "--wait",
        "--format",
        "json",
    )
    assert code == 0, err
    assert _json(out)[0]["final_status"] == "UPDATE_COMPLETE"
    assert _detail(lab, "RegionOne", "act").timeout_mins == 25  # Heat keeps it
    after = _parameters(lab, "RegionOne", "act")
    # The given parameter changed, and reached its constituent in RegionThree...
    assert after["app_replicas"] == new and _parameters(lab, "RegionThree", app)["replicas"] == new
    # ...and every other one is as it was: the master's, and the database constituent's in RegionTwo.
    assert {k: v for k, v in after.items() if k != "app_replicas"} == {
        k: v for k, v in before.items() if k != "app_replicas"
    }
    assert _parameters(lab, "RegionTwo", db) == db_before


def test_full_update_with_a_template(act_master, cli):
    code, out, err = cli(
        "stack",
        "update",
        "act",
        "--lab",
        "--region",
        "RegionOne",
        "-t",
        MASTER_T,
        "-P",
        "app_replicas=2",
        "-P",
        f"db_password={SECRET}",
        "--wait",
        "--format",
        "json",
    )
    assert code == 0, err
    assert _json(out)[0]["final_status"] == "UPDATE_COMPLETE"


def test_acting_on_a_constituent_of_a_reachable_master_warns_about_drift(act_master, cli):
    db = _constituent(cli, "db_stack", "RegionTwo")
    code, _, err = cli("stack", "suspend", db, "--lab", "--region", "RegionTwo")
    assert code == 2
    assert "drift" in err and "--through-master to suspend act in RegionOne" in err and "--direct" in err
    assert _status(cli, db, "RegionTwo") != "SUSPEND_COMPLETE"  # nothing was sent
    # An update or delete has no same-action alternative through the master: only --direct is offered.
    code, _, err = cli("stack", "update", db, "--lab", "--region", "RegionTwo", "-P", "x=1")
    assert code == 2 and "--direct" in err and "--through-master" not in err
    code, _, err = cli("stack", "update", db, "--lab", "--region", "RegionTwo", "--through-master", "-P", "x=1")
    assert code == 2 and "unrecognized arguments" in err


def test_through_the_master_acts_on_the_master(act_master, cli):
    db = _constituent(cli, "db_stack", "RegionTwo")
    before = journal_mark()
    code, out, err = cli(
        "stack", "check", db, "--lab", "--region", "RegionTwo", "--through-master", "--wait", "--format", "json"
    )
    assert code == 0, err
    result = _json(out)[0]
    assert (result["stack_name"], result["region"], result["final_status"]) == ("act", "RegionOne", "CHECK_COMPLETE")
    added = journal_since(before)
    assert [(e.action, e.stack_name, e.out_of_band) for e in added] == [("check", "act", False)]


def test_a_bad_parameter_item_is_one_error_and_nothing_is_sent(act_master, cli):
    before = journal_mark()
    code, _, err = cli("stack", "update", "act", "--lab", "--region", "RegionOne", "-P", "app_replicas=2", "-P", "oops")
    assert code == 2 and err.strip().splitlines() == ["mrconsole: error: -P 'oops' is not KEY=VALUE: nothing was sent"]
    assert journal_since(before) == []


@pytest.mark.parametrize(
    "action, final", [("suspend", "SUSPEND_COMPLETE"), ("resume", "RESUME_COMPLETE"), ("check", "CHECK_COMPLETE")]
)
def test_actions_on_a_constituent_directly(act_master, cli, action, final):
    app = _constituent(cli, "app_stack", "RegionThree")
    code, out, err = cli(
        "stack", action, app, "--lab", "--region", "RegionThree", "--direct", "--wait", "--format", "json"
    )
    assert code == 0, err
    assert _json(out)[0]["final_status"] == final


def test_update_a_constituent_directly(act_master, cli):
    app = _constituent(cli, "app_stack", "RegionThree")
    code, out, err = cli(
        "stack",
        "update",
        app,
        "--lab",
        "--region",
        "RegionThree",
        "--direct",
        "-P",
        "replicas=4",
        "--wait",
        "--format",
        "json",
    )
    assert code == 0, err
    assert _json(out)[0]["final_status"] == "UPDATE_COMPLETE"


def test_conflict_while_in_progress_and_cancel_update(act_master, cli, tmp_path):
    from tests.conftest import wait_until

    assert wait_until(lambda: "IN_PROGRESS" not in (_status(cli, "act", "RegionOne") or ""), 60)
    # A name that exists: refused before sending, naming the stack that holds it; sent anyway, Heat's 409
    # says the same, explained in one line.
    code, out, err = cli("stack", "create", "act", "-t", str(SIMPLE), "--lab", "--region", "RegionOne")
    assert code == 1 and "refused before sending: a stack named act already exists in RegionOne" in err, err
    code, out, _ = cli("stack", "create", "act", "-t", str(SIMPLE), "--lab", "--region", "RegionOne", "--force")
    assert code == 1 and "conflict" in out and "already exists" in out, out
    # The update is held at a breakpoint on app_stack, so it is surely still running when the second action
    # comes (left to its own few seconds, it sometimes ended first on a loaded machine); the rollback below
    # returns the master to its previous environment, without the breakpoint.
    hold = tmp_path / "hold.yaml"
    hold.write_text("resource_registry:\n  resources:\n    app_stack:\n      hooks: pre-update\n")
    code, _, err = cli(
        "stack", "update", "act", "--lab", "--region", "RegionOne", "-P", "app_replicas=4", "-e", str(hold)
    )
    assert code == 0, err
    assert wait_until(lambda: _status(cli, "act", "RegionOne") == "UPDATE_IN_PROGRESS", 30, interval=0.1)
    # A second action while it runs: Heat 27 (convergence) would take it; the preflight refuses it before
    # sending, with the way out, and journals the refusal.
    code, _, err = cli("stack", "suspend", "act", "--lab", "--region", "RegionOne", "-y")
    assert code == 1 and "refused before sending" in err and "IN_PROGRESS" in err and "cancel" in err, err
    newest = Journal().entries(limit=1)[0]
    assert (newest.action, newest.stack_name, newest.outcome) == ("suspend", "act", "refused")
    # The cancel reaches the update while it runs: Heat rolls the master back.
    code, out, err = cli("stack", "cancel", "act", "--lab", "--region", "RegionOne", "--wait", "--format", "json")
    assert code == 0, err
    assert _json(out)[0]["final_status"] == "ROLLBACK_COMPLETE", out
    assert wait_until(lambda: "IN_PROGRESS" not in (_status(cli, "act", "RegionOne") or ""), 60)


def test_delete_needs_typed_confirmation(act_master, cli):
    code, _, err = cli("stack", "delete", "act", "--lab", "--region", "RegionOne")
    assert code == 2 and "confirmation" in err
    assert _status(cli, "act", "RegionOne") is not None


def test_a_master_delete_names_every_stack_and_needs_their_count(lab, act_master, cli):
    """A master's delete deletes a stack in every region: it says which, and asks for how many."""
    from mrconsole.cloud.connection import connect
    from mrconsole.core.acting.actions import ActionError, Actions
    from mrconsole.core.acting.plan import execute, plan_action
    from mrconsole.core.live.fleet import Fleet
    from mrconsole.lab.options import lab_options

    code, out, err = cli("stack", "delete", "act", "--lab", "--region", "RegionOne", "--preview", "--format", "json")
    assert code == 0, err
    deletes = _json(out)["deletes"]
    assert deletes[0] == "RegionOne: act (the master)"
    assert {d.split(":")[0] for d in deletes[1:]} == {"RegionTwo", "RegionThree"}
    assert all(d.split(": ")[1].startswith("act-") for d in deletes[1:])
    # The openstack command that sends the same delete, for a runbook (one request: Heat deletes the rest).
    assert _json(out)["by_hand"] == [
        "openstack --os-cloud mrconsole-lab --os-region-name RegionOne stack delete --yes act"
    ]
    code, out, err = cli("stack", "delete", "act", "--lab", "--region", "RegionOne", "--preview")
    assert "Heat deletes 3 stacks" in out and "RegionTwo: act-" in out
    assert "by hand (hidden values as <NAME>):" in out and "stack delete --yes act" in out

    async def scenario():
        fleet = Fleet(await connect(lab_options(str(lab.dir))))
        try:
            plan = await plan_action(fleet, "delete", "RegionOne", "act")
            calls = fleet.region("RegionOne").calls
            with pytest.raises(ActionError) as info:
                await execute(Actions(fleet), plan, confirmation="act")  # the name, by habit: not enough
            return plan, info.value, fleet.region("RegionOne").calls - calls
        finally:
            fleet.close()

    plan, error, calls = asyncio.run(scenario())
    assert plan.confirm_name == "3" and "number of stacks" in plan.confirm_prompt
    assert error.kind == "unconfirmed" and "'3'" in str(error) and calls == 0
    assert _status(cli, "act", "RegionOne") is not None


def test_core_delete_with_wrong_confirmation_sends_nothing(lab, act_master):
    from mrconsole.cloud.connection import connect
    from mrconsole.core.acting.actions import ActionError, Actions, Target
    from mrconsole.core.live.fleet import Fleet
    from mrconsole.lab.options import lab_options

    async def scenario():
        fleet = Fleet(await connect(lab_options(str(lab.dir))))
        try:
            calls = fleet.region("RegionOne").calls
            with pytest.raises(ActionError) as info:
                await Actions(fleet).delete(Target("RegionOne", "act"), confirmation="acct")
            return info.value, fleet.region("RegionOne").calls - calls
        finally:
            fleet.close()

    err, calls = asyncio.run(scenario())
    assert err.kind == "unconfirmed" and calls == 0


def test_double_submission_sends_once(lab, act_master):
    from mrconsole.cloud.connection import connect
    from mrconsole.core.acting.actions import ActionError, Actions, Target
    from mrconsole.core.live.fleet import Fleet
    from mrconsole.lab.options import lab_options

    async def scenario():
        fleet = Fleet(await connect(lab_options(str(lab.dir))))
        try:
            actions = Actions(fleet)
            target = Target("RegionOne", "act")
            return await asyncio.gather(
                actions.stack_action(target, "check"), actions.stack_action(target, "check"), return_exceptions=True
            )
        finally:
            fleet.close()

    first, second = asyncio.run(scenario())
    assert first.ok
    assert isinstance(second, ActionError) and second.kind == "duplicate"


def test_read_only_refuses_on_the_command_line(act_master, cli, tmp_path, monkeypatch):
    before = journal_mark()
    code, _, err = cli("stack", "suspend", "act", "--lab", "--region", "RegionOne", "--read-only")
    assert code == 1 and "read-only" in err
    config = tmp_path / "config.yaml"
    config.write_text("clouds:\n  mrconsole-lab:\n    read_only: true\n")
    monkeypatch.setenv("MRCONSOLE_CONFIG", str(config))
    code, _, err = cli("stack", "check", "act", "--lab", "--region", "RegionOne")
    assert code == 1 and "read-only" in err
    assert journal_since(before) == []  # refused before anything was journaled or sent


def test_fan_out_with_one_region_down(lab, cli):
    with lab.fault("RegionThree", "stop"):
        code, out, err = cli(
            "stack",
            "create",
            "fan",
            "-t",
            str(SIMPLE),
            "--lab",
            "--region",
            "RegionTwo",
            "--region",
            "RegionThree",
            "--request-timeout",
            "2",
            "--format",
            "json",
        )
    assert code == 1
    results = {r["region"]: r for r in _json(out)}
    assert results["RegionTwo"]["ok"] is True
    assert results["RegionThree"]["ok"] is False and "nothing was sent" in results["RegionThree"]["message"]
    assert _status(cli, "fan", "RegionTwo") is not None
    code, _, err = cli("stack", "delete", "fan", "--lab", "--region", "RegionTwo", "--yes", "--wait")
    assert code == 0, err


def test_journal_entries_are_complete_and_hide_secrets(lab, act_master, cli):
    code, out, _ = cli("journal", "--format", "json", "--limit", "500")
    assert code == 0
    entries = _json(out)
    # Newest first: the last "create act" is the original (a later one hit the name conflict).
    create = [e for e in entries if e["action"] == "create" and e["stack_name"] == "act"][-1]
    assert create["region"] == "RegionOne" and create["cloud"] == "mrconsole-lab" and create["user"]
    assert create["outcome"] == "ok" and create["message"] == "CREATE_COMPLETE"
    assert create["stack_id"] and create["request_id"].startswith("req-")
    assert create["parameters"]["db_password"] == "******"
    suspend = next(e for e in entries if e["action"] == "suspend" and e["stack_name"] == "act")
    assert suspend["finished_at"] >= suspend["started_at"]
    # Heat logged our request id: the journal entry can be matched with the server's log.
    heat_log = (lab.dir / "RegionOne" / "heat.log").read_text(errors="replace")
    assert create["request_id"] in heat_log
    # The hidden value appears nowhere: not in the journal file, not in any log the lab wrote.
    journal_path = Journal().path
    raw = b"".join(p.read_bytes() for p in journal_path.parent.glob("journal.sqlite*"))
    assert SECRET.encode() not in raw
    for log in lab.dir.glob("*/*.log"):
        assert SECRET not in log.read_text(errors="replace"), log
    assert SECRET not in out


def test_several_stacks_per_action_as_openstack_stack_takes_them(lab, cli):
    """`stack suspend A B C`: each in turn; one that is not there is its own error line, the others go on."""
    for name in ("many-a", "many-b"):
        code, _, err = cli("stack", "create", name, "-t", str(SIMPLE), "--lab", "--region", "RegionTwo", "--wait")
        assert code == 0, err
    code, out, err = cli(
        "stack", "suspend", "many-a", "many-nope", "many-b", "--lab", "--region", "RegionTwo", "--wait", "-f", "json"
    )  # fmt: skip
    assert code == 1, err
    assert "mrconsole: error: many-nope: no stack many-nope in RegionTwo" in err
    assert "1 of 3 stacks could not be acted on" in err
    assert [(r["stack_name"], r["final_status"]) for r in _json(out)] == [
        ("many-a", "SUSPEND_COMPLETE"),
        ("many-b", "SUSPEND_COMPLETE"),
    ]
    assert _status(cli, "many-a", "RegionTwo") == _status(cli, "many-b", "RegionTwo") == "SUSPEND_COMPLETE"
    # The preview of several is one document with one entry per stack; nothing is sent.
    code, out, err = cli(
        "stack", "delete", "many-a", "many-b", "--lab", "--region", "RegionTwo", "--dry-run", "-f", "json"
    )
    assert code == 0, err
    assert [p["stack"] for p in _json(out)] == ["many-a", "many-b"]
    code, out, err = cli("stack", "delete", "many-a", "many-b", "--lab", "--region", "RegionTwo", "--yes", "--wait")
    assert code == 0, err
    assert out.count(": accepted → DELETE_COMPLETE") == 2, out
    assert _status(cli, "many-a", "RegionTwo") is None and _status(cli, "many-b", "RegionTwo") is None


NONE_T = {"heat_template_version": "2018-08-31", "resources": {"n": {"type": "OS::Heat::None"}}}


def test_heat_holds_a_deleted_stacks_name_a_moment_and_until_name_free_waits_for_it(lab):
    """Heat as the oracle: just after a stack reads DELETE_COMPLETE by id, a lookup by name can still find it
    (DELETE_COMPLETE) and a create of that name is refused, "already exists" (Heat sets the status, then removes
    the row). Seen at least once in five deletes; `until_name_free` then waits until the create is accepted."""
    from mrconsole.cloud.connection import connect
    from mrconsole.cloud.errors import CloudError
    from mrconsole.core.master.topology import until_name_free
    from mrconsole.lab.options import lab_options

    async def cycles() -> list[str]:
        cloud = await connect(lab_options(str(lab.dir)))
        client = cloud.region("RegionThree")
        seen = []
        try:
            for _ in range(5):
                made = (await client.create_stack("held", NONE_T))["id"]
                for _tick in range(200):
                    if (await client.get_stack(made, outputs=False)).stack.status == "CREATE_COMPLETE":
                        break
                    await asyncio.sleep(0.05)
                await client.delete_stack(f"held/{made}")
                for _tick in range(400):
                    if (await client.get_stack(made, outputs=False)).stack.status == "DELETE_COMPLETE":
                        break
                    await asyncio.sleep(0.02)
                held = await client.find_stack("held", outputs=False)
                if held is not None:
                    try:
                        again = (await client.create_stack("held", NONE_T))["id"]
                        seen.append("held, then accepted")  # the row went between the lookup and the create
                        await client.delete_stack(f"held/{again}")
                        assert await until_name_free(client, "held", again, 30)
                        continue
                    except CloudError as exc:
                        assert "already exists" in exc.message, exc.message
                        seen.append("held and refused")
                assert await until_name_free(client, "held", made, 30)
                if held is not None:  # free now: the same create is accepted
                    again = (await client.create_stack("held", NONE_T))["id"]
                    await client.delete_stack(f"held/{again}")
                    assert await until_name_free(client, "held", again, 30)
                else:
                    seen.append("free at once")
                if "held and refused" in seen:
                    break
        finally:
            cloud.close()
        return seen

    seen = asyncio.run(cycles())
    assert "held and refused" in seen, seen


def test_a_delete_waited_for_frees_the_name_for_the_next_create(lab, cli):
    """`stack delete X --wait` ends when the name is free (the test above): a runbook's next line, `stack create
    X`, is accepted, twice over; a second create of a name that is taken is refused before sending,
    naming the stack that holds it."""
    args = ("-t", str(SIMPLE), "--lab", "--region", "RegionTwo")
    for _ in range(2):
        code, _, err = cli("stack", "create", "reuse", *args, "--wait")
        assert code == 0, err
        code, out, err = cli("stack", "delete", "reuse", "--lab", "--region", "RegionTwo", "--yes", "--wait")
        assert code == 0 and "DELETE_COMPLETE" in out, err
    code, _, err = cli("stack", "create", "reuse", *args)
    assert code == 0, err
    code, _, err = cli("stack", "create", "reuse", *args)
    assert code == 1 and "a stack named reuse already exists in RegionTwo" in err, err
    assert "stack update reuse --region RegionTwo" in err
    code, _, err = cli("stack", "delete", "reuse", "--lab", "--region", "RegionTwo", "--yes", "--wait")
    assert code == 0, err
