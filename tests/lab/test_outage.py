"""Outage mode against the lab: the master's region goes away, the work goes on."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from mrconsole.state.journal import Journal
from tests.conftest import journal_mark, run_process, wait_until

EXAMPLES = Path(__file__).resolve().parents[2] / "mrconsole" / "examples"
MASTER_T = str(EXAMPLES / "multi-region" / "master.yaml")


@pytest.fixture(scope="module")
def om(lab, cli):
    code, out, err = cli(
        "stack", "create", "om", "-t", MASTER_T, "--lab", "--region", "RegionOne", "--wait", "--format", "json"
    )
    assert code == 0, err
    # Seen once while healthy: the cache now knows it.
    code, out, err = cli("status", "--lab", "--master", "om", "--format", "json")
    assert code == 0, err + out
    return json.loads(out)


def _constituent(state, resource):
    return next(c for c in state["constituents"] if c["resource"] == resource)


@pytest.fixture
def om_drifted(lab, cli, om):
    """`om` with app_stack changed out of band (replicas=3 while the master's region was down), as the
    module's first test leaves it; made here when a test runs without it (alone, or on another worker)."""
    code, out, err = cli("drift", "om", "--lab", "--format", "json")
    if code == 4:
        return om
    app = _constituent(om, "app_stack")
    with lab.fault("RegionOne", "stop"):
        code, out, err = cli("stack", "update", app["stack_name"], "--lab", "--region", "RegionThree",
                             "--request-timeout", "2", "-P", "replicas=3", "--wait", "--format", "json")  # fmt: skip
        assert code == 0, err
    assert wait_until(lambda: cli("status", "--lab", "--master", "om", "--format", "json")[0] == 0, 30)
    return om


def test_master_down_constituents_live_and_actions_out_of_band(lab, cli, om):
    app = _constituent(om, "app_stack")
    with lab.fault("RegionOne", "stop"):
        code, out, _ = cli("status", "--lab", "--master", "om", "--request-timeout", "2", "--format", "json")
        assert code == 3
        state = json.loads(out)
        assert state["mode"] == "outage" and state["degraded"]
        assert state["master_region"] == "RegionOne" and state["cached_age_seconds"] is not None
        assert all(c["live"] for c in state["constituents"])
        assert {c["region"] for c in state["constituents"]} == {"RegionTwo", "RegionThree"}
        for action, final in (
            ("suspend", "SUSPEND_COMPLETE"),
            ("resume", "RESUME_COMPLETE"),
            ("check", "CHECK_COMPLETE"),
        ):
            code, out, err = cli(
                "stack",
                action,
                app["stack_name"],
                "--lab",
                "--region",
                "RegionThree",
                "--request-timeout",
                "2",
                "--wait",
                "--format",
                "json",
            )
            assert code == 0, err
            assert json.loads(out)[0]["final_status"] == final
            assert "out-of-band" in err
        code, out, err = cli(
            "stack",
            "update",
            app["stack_name"],
            "--lab",
            "--region",
            "RegionThree",
            "--request-timeout",
            "2",
            "-P",
            "replicas=3",
            "--wait",
            "--format",
            "json",
        )
        assert code == 0, err
        assert json.loads(out)[0]["final_status"] == "UPDATE_COMPLETE"
    entries = [e for e in Journal().entries(200) if e.stack_name == app["stack_name"]]
    assert {e.action for e in entries} >= {"suspend", "resume", "check", "update"}
    for e in entries:
        assert e.out_of_band, e
        assert e.master_id, e


def test_master_returns_and_drift_shows_the_out_of_band_change(lab, cli, om_drifted):
    assert wait_until(lambda: cli("status", "--lab", "--master", "om", "--format", "json")[0] == 0, 30)
    code, out, err = cli("drift", "om", "--lab", "--format", "json")
    assert code == 4, err
    report = json.loads(out)
    app = next(c for c in report["constituents"] if c["resource"] == "app_stack")
    whats = {d["what"]: d for d in app["differences"]}
    assert whats["status"]["master_says"] == "CREATE_COMPLETE"
    assert whats["status"]["actual"] == "UPDATE_COMPLETE"
    assert whats["parameter replicas"]["master_says"] == "2" and whats["parameter replicas"]["actual"] == "3"
    assert "updated_time" in whats
    db = next(c for c in report["constituents"] if c["resource"] == "db_stack")
    assert db["differences"] == []
    assert {s["action"] for s in report["suggestions"]} >= {"check", "reapply"}


async def test_drift_screen_reapply_updates_the_master_and_undoes_the_drift(lab, cli, om_drifted):
    """The drift screen's suggestion: a real update of the master with its own template and parameters."""
    from mrconsole.tui.screens.actions import ConfirmScreen
    from mrconsole.tui.screens.drift import DriftScreen
    from mrconsole.tui.screens.overview import OverviewScreen
    from tests.lab.test_tui import make_app, until

    before = journal_mark()
    app = make_app(lab, master="om")
    async with app.run_test(size=(120, 36)) as pilot:
        assert await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        await pilot.press("colon", *"drift om", "enter")
        assert await until(pilot, lambda: isinstance(app.screen, DriftScreen) and app.screen.report is not None, 30)
        table = app.screen.query_one("#suggestions")
        row = next(i for i, s in enumerate(app.screen.report.suggestions) if s.action == "reapply")
        table.move_cursor(row=row)
        await pilot.press("enter")
        # The buttons are composed a cycle after the screen itself: wait for the one pressed.
        assert await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#confirm"), 20)
        plan = app.screen.plan
        assert (plan.action, plan.stack.name, plan.stack.region) == ("reapply", "om", "RegionOne")
        assert "constituent" in str(app.screen.query_one("#plan-effect").render())
        app.screen.query_one("#confirm").press()
        assert await until(pilot, lambda: journal_mark() > before and Journal().entries(1)[0].outcome != "pending", 60)
    entry = Journal().entries(1)[0]
    assert (entry.action, entry.stack_name, entry.outcome, entry.out_of_band) == ("reapply", "om", "ok", False)

    seen = []

    def settled():
        done = run_process("status", "--lab", "--master", "om", "--format", "json")
        if not done.stdout:
            seen.append(done.stderr)
            return False
        state = json.loads(done.stdout)
        seen.append((state["master_status"], [c["status"] for c in state["constituents"]]))
        return state["master_status"] == "UPDATE_COMPLETE" and all(
            c["status"] == "UPDATE_COMPLETE" for c in state["constituents"]
        )

    assert wait_until(settled, 120, 1.0), seen[-3:]
    done = run_process("drift", "om", "--lab", "--format", "json")
    report = json.loads(done.stdout)
    app_stack = next(c for c in report["constituents"] if c["resource"] == "app_stack")
    assert [d for d in app_stack["differences"] if d["what"] == "parameter replicas"] == []
    assert done.returncode == 0, done.stdout


def _master_read_once(lab):
    """A console session's first read of master `om` (short timeouts), as the console makes it at start."""
    from mrconsole.cloud.connection import connect
    from mrconsole.cloud.region import Timeouts
    from mrconsole.core.live.fleet import Fleet
    from mrconsole.core.live.session import ConsoleSession
    from mrconsole.lab.options import lab_options

    async def scenario():
        session = ConsoleSession(Fleet(await connect(lab_options(str(lab.dir), timeouts=Timeouts(1, 2)))), master="om")
        try:
            await session.refresh_master()
            return session.master
        finally:
            await session.stop()

    return asyncio.run(scenario())


def test_restarted_console_during_outage_works_from_the_cache(lab, om):
    with lab.fault("RegionOne", "stop"):
        m = _master_read_once(lab)
    assert m.mode == "outage" and m.error
    assert {c.resource for c in m.topology.constituents} == {"db_stack", "app_stack"}
    assert all(c.stack is not None for c in m.topology.constituents)  # live from their regions


def test_a_frozen_constituent_region_leaves_the_master_found_and_live(lab, om):
    """The console looked its master up with its outputs resolved, and a master's outputs make its Heat ask
    every constituent's region: seen by hand on the demo, with one of those stopped and the other frozen,
    the lookups in the master's own (healthy) region were answered 500 after 60 s and the console said the
    master was not found though that region listed it. Looked up without its outputs, the master is found
    and shown live, and its region is never asked to resolve them."""
    frozen, stopped = _constituent(om, "app_stack")["region"], _constituent(om, "db_stack")["region"]
    assert len({frozen, stopped, om["master_region"]}) == 3

    import time

    since = time.time()
    with lab.fault(stopped, "stop"), lab.fault(frozen, "freeze"):
        m = _master_read_once(lab)
    assert (m.mode, m.error, m.region) == ("live", None, om["master_region"])
    assert {c.resource for c in m.topology.constituents} == {"db_stack", "app_stack"}
    # Heat was never asked to resolve the master's outputs: each such request holds one of its engine's
    # threads on the frozen region (seen by hand: repeated, they left the master's Heat answering
    # "No reply on topic engine" after 60 s, and the console said the master was not found).
    log = (lab.dir / om["master_region"] / "access.log").read_text().splitlines()
    reads = [line.split()[2] for line in log if float(line.split()[0]) >= since and " GET " in line]
    shows = [
        p for p in reads if p.split("?")[0].rstrip("/").split("/stacks/", 1)[-1].count("/") <= 1 and "/stacks/" in p
    ]
    assert shows and all("resolve_outputs=False" in p for p in shows), shows


def test_frozen_master_region_same_results_within_timeout(lab, om):
    with lab.fault("RegionOne", "freeze"):
        # A hang would never return: run_process's bound fails the test then (no timing asserted).
        done = run_process(
            "status", "--lab", "--master", "om", "--request-timeout", "2", "--format", "json", timeout=90
        )
    assert done.returncode == 3, done.stderr
    state = json.loads(done.stdout)
    assert state["mode"] == "outage" and all(c["live"] for c in state["constituents"])


def test_fresh_state_dir_during_outage_discovers_constituents(lab, tmp_path, om):
    with lab.fault("RegionOne", "stop"):
        done = run_process(
            "status",
            "--lab",
            "--master",
            "om",
            "--request-timeout",
            "2",
            "--format",
            "json",
            env={"XDG_STATE_HOME": str(tmp_path)},
        )
    assert done.returncode == 3, done.stderr
    state = json.loads(done.stdout)
    assert state["mode"] == "discovered"
    found = {c["resource"]: c for c in state["constituents"]}
    assert set(found) == {"db_stack", "app_stack"}
    assert all(c["discovered"] for c in found.values())
    assert found["db_stack"]["region"] == "RegionTwo"


def test_delete_with_a_constituent_region_down_then_clean_up(lab, cli, om):
    with lab.fault("RegionThree", "stop"):
        code, out, err = cli(
            "stack",
            "delete",
            "om",
            "--lab",
            "--region",
            "RegionOne",
            "--yes",
            "--wait",
            "--request-timeout",
            "2",
            "--format",
            "json",
        )
        assert json.loads(out)[0]["final_status"] == "DELETE_FAILED"
        assert code == 1
        # What is left behind: the master (DELETE_FAILED) still references the app stack.
        code, out, _ = cli("status", "--lab", "--master", "om", "--request-timeout", "2", "--format", "json")
        state = json.loads(out)
        assert state["master_status"] == "DELETE_FAILED"
        left = _constituent(state, "app_stack")
        assert left["region"] == "RegionThree" and left["stack_id"]
    # Region back: the delete is taken up again, with confirmation, and finishes the job.
    code, _, err = cli("stack", "delete", "om", "--lab", "--region", "RegionOne")
    assert code == 2 and "confirmation" in err
    code, out, err = cli(
        "stack", "delete", "om", "--lab", "--region", "RegionOne", "--yes", "--wait", "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)[0]["final_status"] == "DELETE_COMPLETE"
    code, out, _ = cli("status", "--lab", "--region", "RegionThree", "--format", "json")
    names = [s["name"] for s in json.loads(out)["regions"][0]["stacks"]]
    assert not any(n.startswith("om-app_stack-") for n in names)
