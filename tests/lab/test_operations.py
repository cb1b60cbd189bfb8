"""Operations another operator can see and finish (#36): a rollout's record lives in Heat (the master's
environment, core/rollout/record.py), so a rollout whose process was killed mid-wave is seen, refused and then
taken over from another machine (another XDG state directory), and `operations` lists the history. Heat decides
what survives: its rollback restores the environment from before, and the record with it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import run_process, wait_until

ROLLOUT_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "rollout" / "master.yaml")
WAVES = ("--waves", "RegionOne;RegionTwo,RegionThree")


def _as(state: Path, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
    """`mrconsole ARGS --lab` as the operator whose state directory is `state`."""
    return run_process(*args, "--lab", env={"XDG_STATE_HOME": str(state)}, timeout=timeout)


def _status(state: Path, name: str) -> dict:
    done = _as(state, "rollout", name, "--status", "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _held_then_killed(state: Path, name: str, release: str) -> dict:
    """Operator `state` starts a two-wave rollout whose canary soaks for 10 minutes; once Heat holds the second
    wave and the canary is updated (read from Heat, not slept), the process is killed (SIGKILL)."""
    said = state / f"rollout-{name}-{release}.err"
    state.mkdir(parents=True, exist_ok=True)
    with said.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mrconsole", "rollout", name, "--lab", "-P", f"release={release}", *WAVES]
            + ["--soak", "600", "--yes"],
            env={**os.environ, "XDG_STATE_HOME": str(state)},
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:

        def canary_soaking() -> dict | None:
            # A rollout that ended before its canary soaked (refused, failed) will never get there: say why now
            # rather than after the whole wait.
            assert proc.poll() is None, f"the rollout ended ({proc.returncode}): {said.read_text()}"
            status = _status(state, name)
            states = {c["resource"]: c["state"] for c in status["constituents"]}
            return status if status["phase"] == "holding" and states.get("web_one") == "updated" else None

        status = wait_until(canary_soaking, 180, interval=1.0)
        assert status, (_status(state, name), said.read_text())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    return status


def test_a_killed_rollout_is_seen_refused_then_taken_over_and_finished_from_another_state_directory(lab, tmp_path):
    first, second = tmp_path / "alice", tmp_path / "bob"
    done = _as(first, "stack", "create", "opx", "-t", ROLLOUT_T, "--region", "RegionOne", "--wait")
    assert done.returncode == 0, done.stderr
    _held_then_killed(first, "opx", "v2")

    # Another operator sees the rollout from Heat alone: who, the waves, the values before.
    status = _status(second, "opx")
    op = status["operation"]
    assert op and op["kind"] == "rollout" and op["state"] == "running" and op["id"].startswith("op-")
    assert op["waves"] == [["RegionOne"], ["RegionTwo", "RegionThree"]] and op["previous"] == {"release": "v1"}
    assert status["waves"] == op["waves"]

    # A change of theirs, and a way on without --take-over, are refused before sending, naming the operation.
    done = _as(second, "rollout", "opx", "-P", "release=v3", "--yes")
    assert done.returncode == 1 and op["id"] in done.stderr and "Traceback" not in done.stderr, done.stderr
    done = _as(second, "rollout", "opx", "--continue", "--yes")
    assert done.returncode == 1, done.stderr
    assert op["id"] in done.stderr and "--take-over" in done.stderr and "nothing was sent" in done.stderr
    assert _status(second, "opx")["phase"] == "holding"  # nothing was released

    # Taken over: the canary's gate runs again first (its soak was under way when the process was killed), here
    # with a soak of 1 s instead of the record's 600.
    done = _as(second, "rollout", "opx", "--continue", "--take-over", "--soak", "1", "--yes", "--format", "json")
    assert done.returncode == 0 and json.loads(done.stdout)["result"] == "done", done.stderr + done.stdout
    assert "wave 1 (RegionOne): its gate again" in done.stderr and "took " + op["id"] in done.stderr, done.stderr

    # The history, from Heat: ended, taken over, every region updated and current.
    done = _as(second, "operations", "opx", "--format", "json")
    assert done.returncode == 0, done.stderr
    history = json.loads(done.stdout)
    [row] = [o for o in history["operations"] if o["id"] == op["id"]]
    assert row["source"] == "heat" and row["state"] == "done" and row["taken_over_by"], row
    assert row["results"] == {"RegionOne": "updated", "RegionTwo": "updated", "RegionThree": "updated"}
    assert set(history["regions"].values()) == {"CURRENT"}, history
    done = _as(second, "outputs", "opx", "--format", "json")
    values = {(o["source"], o["key"]): o["value"] for o in json.loads(done.stdout)["outputs"]}
    assert values[("master", "releases")] == {"web_one": "v2", "web_two": "v2", "web_three": "v2"}, values
    # The take-over is in the taker's journal.
    done = _as(second, "journal", "--format", "json")
    assert any(e["action"] == "rollout-takeover" and op["id"] in e["message"] for e in json.loads(done.stdout))

    # Heat's own rollback (a cancel by hand, not the rollout's --rollback) restores the environment from
    # before the rollout, and the rollout's record goes with it: Heat keeps the one before; the starter's
    # journal keeps this one.
    _held_then_killed(first, "opx", "v4")
    lost = _status(second, "opx")["operation"]["id"]
    done = _as(second, "stack", "cancel", "opx", "--region", "RegionOne", "--yes", "--wait")
    assert done.returncode == 0, done.stderr
    in_heat = json.loads(_as(second, "operations", "opx", "--format", "json").stdout)["operations"]
    assert [o["id"] for o in in_heat if o["source"] == "heat"] == [op["id"]]
    assert lost not in {o["id"] for o in in_heat}
    theirs = json.loads(_as(first, "operations", "opx", "--format", "json").stdout)["operations"]
    assert any(o["id"] == lost and o["source"] == "journal" for o in theirs), theirs


def test_a_take_over_while_the_first_operator_still_runs_stops_the_first_before_it_sends(lab, tmp_path):
    """The first operator's process lives on (a laptop that slept, a console left open): once the second has
    taken the rollout over and released the next wave, the first, at the end of its gate, reads the wave
    released by another run and stops with nothing sent; the second's run ends the rollout."""
    first, second = tmp_path / "alice", tmp_path / "bob"
    done = _as(first, "stack", "create", "opy", "-t", ROLLOUT_T, "--region", "RegionOne", "--wait")
    assert done.returncode == 0, done.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "mrconsole", "rollout", "opy", "--lab", "-P", "release=v2", *WAVES]
        + ["--soak", "40", "--yes"],
        env={**os.environ, "XDG_STATE_HOME": str(first)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def canary_soaking() -> bool:
            status = _status(second, "opy")
            states = {c["resource"]: c["state"] for c in status["constituents"]}
            return status["phase"] == "holding" and states.get("web_one") == "updated"

        assert wait_until(canary_soaking, 180, interval=1.0), _status(second, "opy")
        done = _as(second, "rollout", "opy", "--continue", "--take-over", "--soak", "1", "--yes", "--format", "json")
        assert done.returncode == 0 and json.loads(done.stdout)["result"] == "done", done.stderr + done.stdout
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    assert proc.returncode == 1, out + err
    assert "released by another run" in err and "nothing more was sent" in err and "Traceback" not in err, err
    # The first sent nothing after its first PATCH: no release, no resent change, no clean-up of its own.
    sent = [e["action"] for e in json.loads(_as(first, "journal", "--format", "json").stdout)]
    assert "rollout" in sent and "rollout-stop" in sent, sent
    assert not {"release", "rollout-continue", "rollout-cleanup"} & set(sent), sent
    # The rollout ended once, by the second: every region at v2, Heat's record done and taken over.
    values = {
        (o["source"], o["key"]): o["value"]
        for o in json.loads(_as(second, "outputs", "opy", "--format", "json").stdout)["outputs"]
    }
    assert values[("master", "releases")] == {"web_one": "v2", "web_two": "v2", "web_three": "v2"}, values
    history = json.loads(_as(first, "operations", "opy", "--format", "json").stdout)
    newest = next(o for o in history["operations"] if o["source"] == "heat")
    assert newest["state"] == "done" and newest["taken_over_by"], newest


def test_a_rollout_whose_masters_heat_restarted_mid_wave_is_sent_again_and_ends(lab, tmp_path):
    """Heat 27 resumes no convergence update after a restart (engine/service.py reset_stack_status skips
    convergence stacks): a master held at its second wave's breakpoints when its region's Heat stopped stays
    UPDATE_IN_PROGRESS, and Heat still accepts the release (the hook is still recorded) with no engine to act
    on it. The console says so within a minute, with the way out; the change sent again (--force) is taken up
    by a new update and the rollout ends clean."""
    first, second = tmp_path / "alice", tmp_path / "bob"
    done = _as(first, "stack", "create", "opd", "-t", ROLLOUT_T, "--region", "RegionOne", "--wait")
    assert done.returncode == 0, done.stderr
    op = _held_then_killed(first, "opd", "v2")["operation"]
    with lab.fault("RegionOne", "stop"):
        pass  # stopped, then started again: the engine that held the update is gone
    status = _status(second, "opd")
    assert status["phase"] == "holding" and status["master"]["status"] == "UPDATE_IN_PROGRESS", status

    # The release is accepted by Heat and nothing moves: said, journaled, nothing more sent.
    done = _as(
        second, "rollout", "opd", "--continue", "--take-over", "--soak", "1", "--yes", "--format", "json", timeout=400
    )
    said = json.loads(done.stdout)
    assert done.returncode == 1 and said["result"] == "stalled", done.stdout + done.stderr
    assert "no engine acted on it" in said["message"] and "mrconsole rollout opd --continue --force" in said["message"]
    journal = json.loads(_as(second, "journal", "--format", "json").stdout)
    assert [e["action"] for e in journal if e["stack_name"] == "opd"][:2] == ["rollout-stop", "release"], journal

    # --force goes with --continue only, and only while the update is in progress.
    done = _as(second, "rollout", "opd", "--stop", "--force", "--yes")
    assert done.returncode == 2 and "--force goes with --continue" in done.stderr, done.stderr

    # The change sent again: a new update takes the dead one over; every region updated, no breakpoint left.
    done = _as(
        second, "rollout", "opd", "--continue", "--force", "--soak", "1", "--yes", "--format", "json", timeout=400
    )
    assert done.returncode == 0 and json.loads(done.stdout)["result"] == "done", done.stdout + done.stderr
    values = {
        (o["source"], o["key"]): o["value"]
        for o in json.loads(_as(second, "outputs", "opd", "--format", "json").stdout)["outputs"]
    }
    assert values[("master", "releases")] == {"web_one": "v2", "web_two": "v2", "web_three": "v2"}, values
    points = json.loads(_as(second, "breakpoints", "opd", "--format", "json").stdout)
    assert not [b for b in points["breakpoints"] if b.get("hooks")], points
    history = json.loads(_as(second, "operations", "opd", "--format", "json").stdout)["operations"]
    [row] = [o for o in history if o["id"] == op["id"] and o["source"] == "heat"]
    assert row["state"] == "done" and row["taken_over_by"], row
