"""Preflight against the lab: what Heat will refuse is refused before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mrconsole.state.journal import Journal
from tests.conftest import journal_mark, journal_since

MASTER_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "multi-region" / "master.yaml")


@pytest.fixture(scope="module")
def pf(lab, cli):
    code, out, err = cli(
        "stack", "create", "pf", "-t", MASTER_T, "--lab", "--region", "RegionOne", "--wait", "--format", "json"
    )
    assert code == 0, err + out
    code, out, _ = cli("status", "--lab", "--master", "pf", "--format", "json")
    return {c["resource"]: c for c in json.loads(out)["constituents"]}


def _newest():
    return Journal().entries(1)[0]


def test_preview_of_a_master_update_shows_each_region_from_heat(pf, cli):
    """app_replicas feeds app_stack's replicas (RegionThree); db_stack (RegionTwo) gets the same inputs."""
    before = journal_mark()
    code, out, err = cli(
        "stack",
        "update",
        "pf",
        "--lab",
        "--region",
        "RegionOne",
        "-P",
        "app_replicas=4",
        "--preview",
        "--format",
        "json",
    )
    assert code == 0, err
    preview = json.loads(out)["preview"]
    [master] = preview["RegionOne"]
    assert master["role"] == "master" and set(master["changes"]["updated"]) == {"db_stack", "app_stack"}
    [app] = preview["RegionThree"]
    assert app["role"] == "app_stack" and app["inputs"] == {"replicas": ["2", "4"]}
    # app_scale takes replicas; Heat also lists app_server, whose value is another resource's attribute.
    assert "app_scale" in app["changes"]["updated"] and "app_marker" in app["changes"]["unchanged"]
    [db] = preview["RegionTwo"]
    assert db["inputs"] == {} and not any(db["changes"].get(k) for k in ("added", "replaced", "updated", "deleted"))
    code, out, _ = cli("stack", "update", "pf", "--lab", "--region", "RegionOne", "-P", "app_replicas=4", "--preview")
    assert "RegionThree:" in out and "inputs replicas 2 → 4" in out and "inputs unchanged" in out
    assert "nothing was sent" in out
    assert journal_since(before) == []  # a preview sends and journals nothing


def test_an_unknown_parameter_in_a_patch_is_refused_by_name(pf, cli):
    code, _, err = cli("stack", "update", "pf", "--lab", "--region", "RegionOne", "-P", "nope=1")
    assert code == 1, err
    assert "parameter nope is not declared" in err and "refused before sending" in err
    entry = _newest()
    assert (entry.action, entry.stack_name, entry.outcome) == ("update", "pf", "refused")
    assert entry.message.startswith("not sent:") and entry.request_id is None


def test_a_broken_constraint_in_a_patch_is_refused(pf, cli):
    code, _, err = cli("stack", "update", "pf", "--lab", "--region", "RegionOne", "-P", "app_replicas=9")
    assert code == 1 and "app_replicas" in err and "out of range" in err, err


def test_update_with_a_suspended_constituent_is_refused_then_heat_confirms(pf, cli):
    db = pf["db_stack"]["stack_name"]
    code, _, err = cli("stack", "suspend", db, "--lab", "--region", "RegionTwo", "--direct", "--wait")
    assert code == 0, err
    try:
        code, _, err = cli("stack", "update", "pf", "--lab", "--region", "RegionOne", "-P", "app_replicas=3")
        assert code == 1, err
        assert "RegionTwo" in err and "SUSPEND_COMPLETE" in err
        assert f"mrconsole stack resume {db} --region RegionTwo --direct" in err
        assert _newest().outcome == "refused"
        # The fact behind the check, on real Heat: sent anyway, the update fails on the suspended stack.
        code, out, err = cli(
            "stack",
            "update",
            "pf",
            "--lab",
            "--region",
            "RegionOne",
            "-P",
            "app_replicas=3",
            "--force",
            "--wait",
            "--format",
            "json",
        )
        result = json.loads(out)[0]
        assert result["final_status"] == "UPDATE_FAILED" and code == 1, (result, err)
    finally:
        code, _, err = cli("stack", "resume", db, "--lab", "--region", "RegionTwo", "--direct", "--wait")
        assert code == 0, err


def test_master_update_with_a_constituent_region_stopped_is_refused(lab, pf, cli):
    before = journal_mark()
    with lab.fault("RegionThree", "stop"):
        code, _, err = cli(
            "stack", "update", "pf", "--lab", "--region", "RegionOne", "-P", "app_replicas=3", "--request-timeout", "2"
        )
        refused_err = err
        # The fact behind the check, on real Heat: sent anyway, the whole update is refused.
        forced, out, ferr = cli(
            "stack",
            "update",
            "pf",
            "--lab",
            "--region",
            "RegionOne",
            "-P",
            "app_replicas=3",
            "--request-timeout",
            "5",
            "--force",
            "--format",
            "json",
        )
    assert code == 1, refused_err
    assert "RegionThree is unreachable" in refused_err and "acted on directly" in refused_err
    added = journal_since(before)[::-1]
    assert [e.outcome for e in added] == ["failed", "refused"]  # newest first: the forced one failed
    result = json.loads(out)[0]
    assert forced == 1 and not result["ok"], (result, ferr)
    assert "Heat refused" in result["message"], result["message"]


def test_create_of_a_master_with_a_constituent_region_stopped_is_refused(lab, pf, cli):
    with lab.fault("RegionThree", "stop"):
        code, _, err = cli(
            "stack", "create", "pf-new", "-t", MASTER_T, "--lab", "--region", "RegionOne", "--request-timeout", "2"
        )
    assert code == 1 and "RegionThree is unreachable" in err and "refused before sending" in err, err
    entry = _newest()
    assert (entry.action, entry.stack_name, entry.outcome) == ("create", "pf-new", "refused")
    code, out, _ = cli("status", "--lab", "--region", "RegionOne", "--format", "json")
    assert "pf-new" not in {s["name"] for s in json.loads(out)["regions"][0]["stacks"]}


def test_delete_of_a_master_with_a_region_stopped_lists_what_is_left_behind(lab, pf, cli):
    with lab.fault("RegionThree", "stop"):
        code, _, err = cli("stack", "delete", "pf", "--lab", "--region", "RegionOne", "--request-timeout", "2")
    assert code == 2 and "confirmation" in err  # nothing was sent
    app = pf["app_stack"]["stack_name"]
    assert f"app_stack ({app}) in RegionThree will be left behind" in err and "DELETE_FAILED" in err


# -- the rules themselves, on the core's dataclasses --------------------------------


async def test_the_console_shows_the_preflight_and_the_per_region_preview(lab, pf):
    from mrconsole.tui.screens.actions import ConfirmScreen
    from mrconsole.tui.screens.overview import OverviewScreen
    from tests.conftest import run_process
    from tests.lab.test_tui import make_app, until

    db = pf["db_stack"]["stack_name"]
    done = run_process("stack", "suspend", db, "--lab", "--region", "RegionTwo", "--direct", "--wait")
    assert done.returncode == 0, done.stderr
    try:
        app = make_app(lab, master="pf")
        async with app.run_test(size=(120, 40)) as pilot:
            assert await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.session.find("pf"))
            master = app.session.find("pf")
            app.act_on(master.region, master.id, master.name, "reapply")
            assert await until(
                pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#confirm"), 30
            )
            preflight = str(app.screen.query_one("#preflight").render())
            assert "SUSPEND_COMPLETE" in preflight and f"mrconsole stack resume {db}" in preflight
            assert app.screen.query_one("#confirm").disabled  # Heat would refuse: nothing to confirm
    finally:
        done = run_process("stack", "resume", db, "--lab", "--region", "RegionTwo", "--direct", "--wait")
        assert done.returncode == 0, done.stderr
    app = make_app(lab, master="pf")
    async with app.run_test(size=(120, 40)) as pilot:
        assert await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.session.find("pf"))
        master = app.session.find("pf")
        app.act_on(master.region, master.id, master.name, "update")
        assert await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#confirm"), 30)
        assert not app.screen.query_one("#confirm").disabled
        app.screen.query_one("#patch-params").value = "app_replicas=5"
        app.screen.query_one("#preview").press()
        shown = app.screen.query_one("#plan-preview")
        assert await until(pilot, lambda: "RegionThree" in str(shown.render()), 30)
        text = str(shown.render())
        assert "replicas" in text and "app_scale" in text and "inputs unchanged" in text


def test_a_full_update_checks_parameters_against_its_new_template(pf, cli, tmp_path):
    """A parameter only the new template declares is not refused (the template analysis checks it)."""
    import shutil

    src = Path(MASTER_T).parent
    for f in src.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    master = tmp_path / "master.yaml"
    master.write_text(
        master.read_text().replace("parameters:\n", "parameters:\n  release:\n    type: string\n    default: one\n", 1)
    )
    code, out, err = cli(
        "stack",
        "update",
        "pf",
        "--lab",
        "--region",
        "RegionOne",
        "-t",
        str(master),
        "-P",
        "release=two",
        "--wait",
        "--format",
        "json",
    )
    assert code == 0, err
    assert json.loads(out)[0]["final_status"] == "UPDATE_COMPLETE"
    code, _, err = cli("stack", "update", "pf", "--lab", "--region", "RegionOne", "-P", "release=three", "--preview")
    assert code == 0 and "release is not declared" not in err  # now the stack's own template declares it


def test_preview_of_a_full_update_gives_each_constituent_its_new_template(pf, cli, tmp_path):
    """A new app.yaml resource shows in RegionThree; a new constituent is created; a moved one is replaced."""
    import shutil

    for f in Path(MASTER_T).parent.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    app = tmp_path / "app.yaml"
    app.write_text(app.read_text().replace("outputs:", "  app_extra:\n    type: OS::Heat::None\n\noutputs:", 1))
    master = tmp_path / "master.yaml"
    master.write_text(
        master.read_text().replace(
            "outputs:",
            (
                "  cache_stack:\n    type: OS::Heat::Stack\n    properties:\n      context:\n"
                "        region_name: RegionTwo\n"
                "      template: |\n        heat_template_version: 2018-08-31\n        resources:\n"
                "          cache:\n            type: OS::Heat::None\n\noutputs:"
            ),
            1,
        )
    )
    before = journal_mark()
    code, out, err = cli(
        "stack",
        "update",
        "pf",
        "--lab",
        "--region",
        "RegionOne",
        "-t",
        str(master),
        "-P",
        "db_password=other",
        "--preview",
        "--format",
        "json",
    )
    assert code == 0, err
    preview = json.loads(out)["preview"]
    [master_p] = preview["RegionOne"]
    assert master_p["changes"]["added"] == ["cache_stack"]
    [app_p] = preview["RegionThree"]
    assert app_p["changes"]["added"] == ["app_extra"] and app_p["inputs"] == {}
    db_p, cache_p = preview["RegionTwo"]
    assert db_p["role"] == "db_stack" and not db_p["changes"].get("added")
    assert db_p["inputs"] == {"db_password": ["******", "******"]}  # named, never shown
    assert "other" not in out
    assert cache_p["role"] == "cache_stack" and cache_p["changes"] == {"added": ["cache"]}
    assert cache_p["note"].startswith("new")
    # The app's region changes: Heat replaces it (a create in RegionTwo, a delete in RegionThree).
    code, out, err = cli(
        "stack",
        "update",
        "pf",
        "--lab",
        "--region",
        "RegionOne",
        "-t",
        str(master),
        "-P",
        "app_region=RegionTwo",
        "--preview",
    )
    assert code == 0, err
    assert "moves from RegionThree: Heat creates it in RegionTwo" in out and "replaced: app_stack" in out
    assert journal_since(before) == []  # nothing sent, nothing journaled
    code, out, _ = cli("status", "--lab", "--master", "pf", "--format", "json")
    assert {c["resource"] for c in json.loads(out)["constituents"]} == {"db_stack", "app_stack"}


def _events(cli, stack: str, region: str) -> list[dict]:
    code, out, err = cli("events", stack, "--lab", "--region", region, "--format", "json", "--request-timeout", "2")
    assert code in (0, 3), err  # 3: a constituent's region did not answer
    return [json.loads(line) for line in out.splitlines() if line.strip()]  # one event per line


def test_a_check_during_an_outage_would_make_the_next_update_replace_a_constituent(lab, cli):
    """Heat 27, seen on the lab: a master check with a region down leaves that constituent CHECK_FAILED in
    the master, and the master's next update replaces it (a new stack, the old one deleted)."""
    import time

    from tests.conftest import wait_until

    code, _, err = cli("stack", "create", "cf", "-t", MASTER_T, "--lab", "--region", "RegionOne", "--wait")
    assert code == 0, err
    with lab.fault("RegionTwo", "stop"):
        code, _, err = cli("stack", "check", "cf", "--lab", "--region", "RegionOne", "--request-timeout", "2")
        assert code == 1 and "RegionTwo is unreachable" in err and "next update replaces" in err, err
        assert _newest().outcome == "refused"
        # Sent anyway: Heat records the failure on the master's resource.
        heat_log = lab.lab.log_file("RegionOne")
        mark = heat_log.stat().st_size
        code, _, err = cli(
            "stack", "check", "cf", "--lab", "--region", "RegionOne", "--request-timeout", "5", "--force"
        )
        assert code == 0, err
        deadline = time.monotonic() + 60
        while not any(
            e["resource"] == "db_stack" and e["status"] == "CHECK_FAILED" for e in _events(cli, "cf", "RegionOne")
        ):
            assert time.monotonic() < deadline, "db_stack never went CHECK_FAILED"
            time.sleep(1)

        # Heat 27, on the production lab: propagating the failed check resolves db_stack's outputs from
        # RegionTwo, and while it is down that exception escapes check_resource (RegionOne's log says so).
        # Waited for before RegionTwo returns: a RegionTwo back sooner lets the propagation through and the
        # master ends CHECK_FAILED (a region restarted in under a second since lab/heat_fork.py).
        def propagation_failed() -> bool:
            with open(heat_log, "rb") as log:
                log.seek(mark)
                text = log.read().decode(errors="replace")
            return "Exception during message handling" in text and "_initiate_propagate_resource" in text

        assert wait_until(propagation_failed, 60, 0.5), "RegionOne's Heat never failed to propagate the check"
    # RegionTwo is back, and the master's check never ends: the master stays CHECK_IN_PROGRESS (a new check
    # clears it: below).

    def master_status() -> str:
        code, out, _ = cli("status", "--lab", "--master", "cf", "--format", "json")
        return json.loads(out)["master_status"] if out else ""

    assert not wait_until(lambda: master_status() != "CHECK_IN_PROGRESS", 15, 1.0), master_status()
    # The re-apply would both start in the middle of that check and replace the database stack: refused.
    code, out, err = cli("stack", "reapply", "cf", "--lab", "--region", "RegionOne", "--preview", "--format", "json")
    assert code == 1, err
    shown = json.loads(out)
    blocking = [f for f in shown["findings"] if f["severity"] == "blocking"]
    [running] = [f for f in blocking if "CHECK_IN_PROGRESS" in f["message"]]
    assert "mrconsole stack check cf --region RegionOne" in running["instead"], running
    [finding] = [f for f in blocking if "CHECK_FAILED" in f["message"]]
    assert "db_stack is CHECK_FAILED in cf" in finding["message"] and "deleting" in finding["message"]
    assert "mrconsole stack check cf --region RegionOne" in finding["instead"]
    assert "db_stack" in shown["preview"]["RegionOne"][0]["changes"]["replaced"]  # Heat's own word
    [db] = shown["preview"]["RegionTwo"]
    assert db["note"].startswith("replaced (its last check failed)")
    # The way out it names: a check now that every region answers clears it.
    code, out, err = cli("stack", "check", "cf", "--lab", "--region", "RegionOne", "--wait", "--format", "json")
    assert code == 0 and json.loads(out)[0]["final_status"] == "CHECK_COMPLETE", err + out
    code, out, err = cli("stack", "reapply", "cf", "--lab", "--region", "RegionOne", "--preview", "--format", "json")
    assert code == 0 and not json.loads(out)["findings"], out


def test_a_suspended_stack_is_not_checked_and_a_stranded_one_is_told_how_to_resume(lab, cli):
    """Heat 27, seen on the lab: a suspended stack, once checked, refuses resume; suspend again, then resume."""
    code, out, err = cli(
        "stack",
        "create",
        "sc",
        "-t",
        str(Path(MASTER_T).parent / "db.yaml"),
        "--lab",
        "--region",
        "RegionTwo",
        "-P",
        "db_password=lab-only",
        "--wait",
    )
    assert code == 0, err
    assert cli("stack", "suspend", "sc", "--lab", "--region", "RegionTwo", "--wait")[0] == 0
    code, _, err = cli("stack", "check", "sc", "--lab", "--region", "RegionTwo")
    assert code == 1 and "can no longer be resumed" in err and "mrconsole stack resume sc" in err, err
    code, out, err = cli(
        "stack", "check", "sc", "--lab", "--region", "RegionTwo", "--force", "--wait", "--format", "json"
    )
    assert code == 0 and json.loads(out)[0]["final_status"] == "CHECK_COMPLETE", err
    # What the preflight said, from Heat itself: the resume fails.
    code, out, _ = cli(
        "stack", "resume", "sc", "--lab", "--region", "RegionTwo", "--force", "--wait", "--format", "json"
    )
    assert json.loads(out)[0]["final_status"] == "RESUME_FAILED"
    code, _, err = cli("stack", "resume", "sc", "--lab", "--region", "RegionTwo")
    assert code == 1 and "suspend it again, then resume" in err, err
    assert cli("stack", "suspend", "sc", "--lab", "--region", "RegionTwo", "--wait")[0] == 0
    code, out, err = cli("stack", "resume", "sc", "--lab", "--region", "RegionTwo", "--wait", "--format", "json")
    assert code == 0 and json.loads(out)[0]["final_status"] == "RESUME_COMPLETE", err


def test_cancelling_a_master_does_not_cancel_its_constituent_and_the_preflight_says_so(lab, cli, tmp_path):
    """Heat 27, seen on the lab: the master waits for the remote update to finish, then rolls it back with
    a second update; the constituent's own update is never cancelled."""
    import shutil
    import time

    for f in Path(MASTER_T).parent.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    app = tmp_path / "app.yaml"  # a slow app update, so the cancel lands while it runs
    app.write_text(
        app.read_text()
        .replace("        update: 2\n", "        update: 20\n")
        .replace("postgres://DB_IP/orders", "postgres://DB_IP/orders2")
    )
    assert cli("stack", "create", "cu", "-t", MASTER_T, "--lab", "--region", "RegionOne", "--wait")[0] == 0

    def state():
        code, out, err = cli("status", "--lab", "--master", "cu", "--format", "json")
        assert code == 0, err
        shown = json.loads(out)
        return shown["master_status"], {c["resource"]: c for c in shown["constituents"]}

    assert (
        cli("stack", "update", "cu", "--lab", "--region", "RegionOne", "-t", str(tmp_path / "master.yaml"), "-y")[0]
        == 0
    )
    deadline = time.monotonic() + 90
    while state()[1]["app_stack"]["status"] != "UPDATE_IN_PROGRESS":
        assert time.monotonic() < deadline, "the app constituent never started its update"
        time.sleep(0.5)
    code, out, err = cli("stack", "cancel", "cu", "--lab", "--region", "RegionOne", "--preview", "--format", "json")
    assert code == 0, err
    [warning] = [f for f in json.loads(out)["findings"] if "app_stack" in f["message"]]
    assert (
        warning["severity"] == "warning"
        and "does not cancel what already runs in RegionThree" in warning["message"]
        and warning["instead"].startswith("cancel it too: mrconsole stack cancel cu-app_stack-")
    )
    code, _, err = cli("stack", "cancel", "cu", "--lab", "--region", "RegionOne", "-y")
    assert code == 0 and "does not cancel" in err, err
    deadline = time.monotonic() + 120
    while (master := state())[0] != "ROLLBACK_COMPLETE":
        assert time.monotonic() < deadline, master
        time.sleep(1)
    # What the warning said: the constituent's update ran to its end (and the rollback updated it again).
    app_name = master[1]["app_stack"]["stack_name"]
    code, out, _ = cli("events", app_name, "--lab", "--region", "RegionThree", "--format", "json")
    stack_events = [json.loads(line) for line in out.splitlines() if line.strip()]
    stack_events = [e["status"] for e in stack_events if e["resource"] == app_name]
    assert stack_events[-4:] == ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"]


def test_a_constituent_whose_create_failed_before_its_stack_existed_needs_marking_first(lab, cli, tmp_path):
    """Heat 27, seen on the lab (and found by the fault matrix, tests/chaos/): a constituent whose region stopped
    after its master's create was accepted is CREATE_FAILED with no stack; an update of the master (even a
    re-apply) does not create it (RemoteStack replaces only a CHECK_FAILED resource) and fails reading "The
    Stack (None)". The preflight says so before sending, with the way out; marked unhealthy, the re-apply
    creates it. The create is held before db_stack by a breakpoint (a pre-create hook) while RegionTwo is
    stopped: Heat validates every constituent in its region when it accepts a create, so the region must stop
    after that."""
    from tests.conftest import wait_until

    env = tmp_path / "hold.yaml"
    env.write_text("resource_registry:\n  resources:\n    db_stack:\n      hooks: pre-create\n")
    code, _, err = cli("stack", "create", "nc", "-t", MASTER_T, "-e", str(env), "--lab", "--region", "RegionOne")
    assert code == 0, err
    assert wait_until(lambda: any("Hook pre-create" in e["reason"] for e in _events(cli, "nc", "RegionOne")), 60)

    def master_status() -> str:
        code, out, _ = cli("status", "--lab", "--region", "RegionOne", "--format", "json")
        return next((s["status"] for s in json.loads(out)["regions"][0]["stacks"] if s["name"] == "nc"), "")

    with lab.fault("RegionTwo", "stop"):
        code, _, err = cli(
            "resource", "signal", "nc", "db_stack", "--lab", "--region", "RegionOne", "--data",
            '{"unset_hook": "pre-create"}', "--yes",
        )  # fmt: skip
        assert code == 0, err
        assert wait_until(lambda: master_status() == "CREATE_FAILED", 120), master_status()
    code, out, err = cli("stack", "reapply", "nc", "--lab", "--region", "RegionOne", "--preview", "--format", "json")
    assert code == 1 and out, err + out
    [finding] = [f for f in json.loads(out)["findings"] if "never got its stack" in f["message"]]
    assert finding["severity"] == "blocking" and finding["message"].startswith(
        "db_stack never got its stack id in RegionTwo"
    )
    assert finding["instead"].endswith("mrconsole resource mark-unhealthy nc db_stack --region RegionOne"), finding
    # Heat decides: sent anyway, the re-apply fails on it.
    code, out, err = cli("stack", "reapply", "nc", "--lab", "--region", "RegionOne", "--force", "--wait")
    assert code == 1 and "UPDATE_FAILED" in out and "The Stack (None) could not be found" in out, err + out
    # Failed, it says what stands in the way of the next one, and the way out.
    assert "next: " in err and "mrconsole resource mark-unhealthy nc db_stack --region RegionOne" in err, err
    # The way out it names, then the re-apply creates the stack.
    code, out, err = cli("resource", "mark-unhealthy", "nc", "db_stack", "--lab", "--region", "RegionOne", "--yes")
    assert code == 0 and "never got a stack" in out + err, err + out
    code, out, err = cli("stack", "reapply", "nc", "--lab", "--region", "RegionOne", "--preview", "--format", "json")
    assert code == 0 and any("this update creates it" in f["message"] for f in json.loads(out)["findings"]), out
    code, out, err = cli("stack", "reapply", "nc", "--lab", "--region", "RegionOne", "--wait")
    assert code == 0 and "UPDATE_COMPLETE" in out, err + out
    code, out, _ = cli("status", "--lab", "--master", "nc", "--format", "json")
    db = next(c for c in json.loads(out)["constituents"] if c["resource"] == "db_stack")
    assert db["live"] and db["stack_id"] and db["status"] == "CREATE_COMPLETE", db
