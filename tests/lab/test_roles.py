"""The ways into a real project beside a member's password (#34), on the lab's production profile: an on-call
reader and the operator's application credentials. Heat's policy and Keystone's trust rules decide; the
console knows before sending and says it in one line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.conftest import MASTER, journal_mark, journal_since

ROLLOUT_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "rollout" / "master.yaml")
READER = ("--lab", "--os-cloud", "mrconsole-lab-reader")
ROLE = "your role (reader) cannot"


@pytest.fixture(scope="module")
def roles_stack(lab, cli):
    code, out, err = cli("stack", "create", "roles", "-t", ROLLOUT_T, "--lab", "--region", "RegionOne", "--wait")
    assert code == 0, err + out
    return "roles"


def _events(cli, name: str, *login) -> int:
    code, out, err = cli("events", name, *(login or ("--lab",)), "--format", "json")
    assert code == 0, err
    return len([json.loads(line) for line in out.splitlines() if line.strip()])  # one event per line


def test_a_reader_sees_everything_and_checks(lab, roles_stack, cli):
    for view in (("status", "--master", MASTER), ("events", MASTER), ("outputs", MASTER), ("resources", MASTER)):
        code, out, err = cli(*view, *READER, "--format", "json")
        assert code == 0 and out, (view, err)
    code, out, err = cli("stack", "check", roles_stack, *READER, "--region", "RegionOne", "--yes", "--wait")
    assert code == 0 and "CHECK_COMPLETE" in out, err + out


def test_what_a_reader_cannot_do_is_refused_before_sending_with_the_role_and_heats_words(lab, roles_stack, cli):
    before = _events(cli, roles_stack)
    journal = journal_mark()
    for action, verb in (
        (("stack", "update", roles_stack, "-P", "release=v2"), "update stacks"),
        (("stack", "suspend", roles_stack), "suspend stacks"),
        (("stack", "delete", roles_stack), "delete stacks"),
    ):
        code, out, err = cli(*action, *READER, "--region", "RegionOne", "--yes")
        said = err + out
        assert code == 1 and f"{ROLE} {verb} in RegionOne" in said and "You are not authorized" in said, said
        assert "Traceback" not in said
    code, out, err = cli("rollout", roles_stack, *READER, "--region", "RegionOne", "-P", "release=v2", "--yes")
    assert code == 1 and f"{ROLE} update stacks in RegionOne" in err and "before sending" in err, err + out
    assert _events(cli, roles_stack) == before  # Heat was never asked to change anything
    entries = journal_since(journal)
    assert entries and all(e.outcome == "refused" and ROLE in e.message for e in entries), entries


def test_a_readers_preflight_says_which_checks_it_could_not_make(lab, roles_stack, cli):
    code, out, err = cli("validate", ROLLOUT_T, *READER)
    assert code == 3, out + err  # no errors found, some checks not made
    assert out.count("not checked: your role (reader) cannot validate templates in") == 3, out
    code, out, err = cli(
        "stack", "update", roles_stack, *READER, "--region", "RegionOne", "-P", "release=v2", "--preview"
    )
    assert f"blocking: {ROLE} update stacks in RegionOne" in out + err, out + err
    assert f"cannot preview: {ROLE} preview updates in RegionTwo" in out, out


async def test_the_readers_console_greys_what_the_role_cannot_do(lab, roles_stack):
    from mrconsole.tui.screens.actions import ActionMenu
    from mrconsole.tui.screens.overview import OverviewScreen
    from tests.lab.test_tui import make_app, until

    app = make_app(lab, master=roles_stack, cloud="mrconsole-lab-reader")
    async with app.run_test(size=(120, 40)) as pilot:
        assert await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.session.master is not None)
        assert await until(pilot, lambda: app.session.master.topology is not None, 30)
        # The header says the console acts as a reader, from the token (no request of its own).
        header = lambda: str(app.screen.query_one("#health").render())  # noqa: E731
        assert await until(pilot, lambda: " READER " in header(), 30), header()
        m = app.session.master.topology.master
        app.act_on(m.region, m.id, m.name)
        assert isinstance(app.screen, ActionMenu)  # at once: the policy is asked after it opens

        def greyed():
            menus = app.screen.query("#menu")
            return {o.id: str(o.prompt) for o in menus.first().options if o.disabled} if menus else {}

        assert await until(pilot, lambda: "update" in greyed(), 30)
        found = greyed()
        for action in ("update", "suspend", "delete", "rollout", "snapshots", "reapply"):
            assert f"{ROLE} " in found[action] and "in RegionOne" in found[action], found
        assert "check" not in found and "breakpoints" not in found, found


def test_application_credentials_log_in_and_update_but_create_is_refused_before_sending(lab, roles_stack, cli):
    for cloud in ("mrconsole-lab-appcred", "mrconsole-lab-appcred-restricted"):
        login = ("--lab", "--os-cloud", cloud)
        code, out, err = cli("status", *login, "--format", "json")
        assert code == 0 and {r["name"] for r in json.loads(out)["regions"]} == set(lab.regions), err
        # An update needs no new trust: Heat acts with the one stored at create (re-authentication by trusts).
        release = "v-" + cloud.rsplit("-", 1)[-1]
        update = ("stack", "update", roles_stack, "--region", "RegionOne", "-P", f"release={release}")
        code, out, err = cli(*update, *login, "--yes", "--wait")
        assert code == 0 and "UPDATE_COMPLETE" in out, err + out
        code, out, err = cli("stack", "create", "by-appcred", "-t", ROLLOUT_T, *login, "--region", "RegionOne")
        said = out + err
        assert code == 1 and "Keystone refuses trusts to an application credential" in said, said
        assert "nothing was sent" in said and "allow_insecure_application_credential_trust_escalation" in said
    code, out, err = cli("status", "--lab", "--region", "RegionOne", "--format", "json")
    assert "by-appcred" not in {s["name"] for s in json.loads(out)["regions"][0]["stacks"]}


def test_heat_itself_fails_a_create_sent_with_an_application_credential(lab):
    """The oracle behind the refusal: sent anyway (past the console's check), Heat cannot store the stack's
    trust and answers an internal error; Keystone 30 refuses trusts to every application credential."""
    from mrconsole.cloud.connection import connect
    from mrconsole.cloud.errors import CloudError
    from mrconsole.lab.options import lab_options

    async def send() -> str:
        cloud = await connect(lab_options(str(lab.dir), cloud="mrconsole-lab-appcred"))
        try:
            assert await cloud.trusts_refused()
            await cloud.region("RegionOne").create_stack("appcred-raw", {"heat_template_version": "2021-04-16"})
        except CloudError as exc:
            return exc.message
        finally:
            cloud.close()
        return ""

    said = asyncio.run(send())
    assert said, "Heat created a stack for an application credential"
    log = Path(lab.lab.log_file("RegionOne")).read_text(errors="replace")
    assert "Delegated tokens cannot manage trusts" in log


def test_an_update_by_another_member_leaves_the_masters_trusts_working(lab, roles_stack, cli, tmp_path, monkeypatch):
    """Under trusts, each update re-delegates from its own user's token: another member's update of the master,
    then the first user's, both reach every constituent (the trusts of the first are not broken)."""
    import yaml

    from mrconsole.lab.keystone_setup import add_member

    add_member(lab.lab.layout(), "operator2", "p-operator2-lab")
    clouds = yaml.safe_load(lab.clouds_yaml.read_text())
    other = clouds["clouds"]["mrconsole-lab"]
    other["auth"] |= {"username": "operator2", "password": "p-operator2-lab"}
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"other": other}}))
    update = ("stack", "update", roles_stack, "--region", "RegionOne", "--yes", "--wait")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    code, out, err = cli(*update, "-P", "release=by-operator2", "--os-cloud", "other")
    assert code == 0 and "UPDATE_COMPLETE" in out, err + out
    monkeypatch.delenv("OS_CLIENT_CONFIG_FILE")
    code, out, err = cli(*update, "-P", "release=by-demo", "--lab")
    assert code == 0 and "UPDATE_COMPLETE" in out, err + out
    code, out, err = cli("outputs", roles_stack, "--lab", "--format", "json")
    values = {(o["source"], o["key"]): o["value"] for o in json.loads(out)["outputs"]}
    assert {v for (source, key), v in values.items() if key == "release" and source != "master"} == {"by-demo"}, values
