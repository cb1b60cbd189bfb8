"""The fault matrix of a rollout (#36): a 2-wave rollout with a gate (a soak), one fault at each step boundary
the driver passes, then another operator (a fresh process on another XDG state directory) finishes it with one
command.

The driver's steps (core/rollout/run.py), as it says them on its standard output, which is how a cell finds
its boundary (never by sleeping):
- `sent`: the PATCH with the breakpoints and the record was accepted ("sent the update of ...");
- `gate`: the canary updated, its gate soaking, the next wave held ("wave 1 (RegionOne): gate running");
- `released`: the next wave released, Heat updating it ("wave 2 (...): released");
- `cleanup`: every wave done, the clean-up PATCH about to go ("removing the breakpoints ...").

Faults: the mrconsole process killed (SIGKILL); the next wave's region stopped for a while; the master's
region answering 502 for a while. After the fault, the other operator reads `--status`; if anything is left to
do, one `--continue --take-over` must reach a clean end: every constituent at the new release, no breakpoint
in any environment, one stack per constituent in its region (no orphan, no duplicate), the operation ended in
Heat's record, the take-over in the taker's journal."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_process

ROLLOUT_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "rollout" / "master.yaml")
RESOURCES = ("web_one", "web_two", "web_three")
BOUNDARIES = {
    "sent": "sent the update of",
    "gate": "wave 1 (RegionOne): gate running",
    "released": "): released",
    "cleanup": "removing the breakpoints",
}
FAULTS = ("kill", "next-region-stopped", "master-region-502")
HOLD_FAULT = 20.0  # seconds a region stays stopped or answers 502


def _as(state: Path, *args: str, timeout: float = 300.0) -> subprocess.CompletedProcess:
    return run_process(*args, "--lab", env={"XDG_STATE_HOME": str(state)}, timeout=timeout)


def _json(done: subprocess.CompletedProcess):
    try:
        return json.loads(done.stdout)
    except ValueError:
        return None


def _until_said(proc: subprocess.Popen, words: str, limit: float = 240.0) -> list[str]:
    """The driver's lines until one holds `words` (bounded); the lines read."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if words in line:
            return lines
    raise AssertionError(f"the driver never said {words!r}: {lines}")


def _clean_end(lab, state: Path, name: str) -> list[str]:
    """What is not clean (empty: clean)."""
    problems = []
    done = _as(state, "outputs", name, "--format", "json")
    values = {(o["source"], o["key"]): o["value"] for o in (_json(done) or {}).get("outputs", [])}
    releases = values.get(("master", "releases"))
    if releases != dict.fromkeys(RESOURCES, "v2"):
        problems.append(f"releases {releases}")
    points = _json(_as(state, "breakpoints", name, "--format", "json")) or {}
    left = [f"{b['stack_name']}:{b['resource']}" for b in points.get("breakpoints", []) if b.get("hooks")]
    if left:
        problems.append(f"breakpoints left: {left}")
    listing = _json(_as(state, "status", "--format", "json")) or {}
    for region in listing.get("regions", []):
        mine = [s["name"] for s in region["stacks"] or [] if s["name"].startswith(f"{name}-")]
        if len(mine) != 1:
            problems.append(f"{region['name']}: {len(mine)} stacks of {name} ({mine})")
    history = _json(_as(state, "operations", name, "--format", "json")) or {}
    newest = next((o for o in history.get("operations", []) if o["source"] == "heat"), None)
    if newest is None or newest["state"] != "done":
        problems.append(f"Heat's record: {newest}")
    return problems


@pytest.mark.timeout(900)
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("boundary", list(BOUNDARIES))
def test_a_rollout_recovers_from_one_fault_at_each_step(lab, tmp_path, matrix, boundary, fault):
    name = f"cx-{boundary[:4]}-{fault[:4]}"
    first, second = tmp_path / "first", tmp_path / "second"
    done = _as(first, "stack", "create", name, "-t", ROLLOUT_T, "--region", "RegionOne", "--wait")
    assert done.returncode == 0, done.stderr
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mrconsole", "rollout", name, "--lab", "-P", "release=v2"]
        + ["--waves", "RegionOne;RegionTwo,RegionThree", "--soak", "10", "--yes"],
        env={**os.environ, "XDG_STATE_HOME": str(first)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    row = {"operation": "rollout (2 waves, soak)", "boundary": boundary, "fault": fault}
    try:
        _until_said(proc, BOUNDARIES[boundary])
        if fault == "kill":
            proc.send_signal(signal.SIGKILL)
        else:
            component, kind = ("RegionTwo", "stop") if fault == "next-region-stopped" else ("RegionOne", "html502")
            if kind == "stop":
                lab.lab.stop(component)
            else:
                from mrconsole.lab import faults

                lab.lab.fault(component, faults.parse(kind))
            try:
                deadline = time.monotonic() + HOLD_FAULT
                while proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.5)
            finally:
                if kind == "stop":
                    lab.lab.start(component)
                else:
                    lab.lab.fault(component, None)
        proc.wait(300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    row["first_exit"] = proc.returncode

    # Another operator: where things stand once Heat is at rest or held (a PATCH the first sent may still run),
    # and one command if anything is left.
    status: dict = {}
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        status = _json(_as(second, "rollout", name, "--status", "--format", "json")) or {}
        if status.get("phase") not in ("running", None):
            break
        time.sleep(2.0)
    row["status_seen"] = status.get("phase", "unreadable")
    row["operation_seen"] = bool(status.get("operation")) or status.get("phase") == "none"
    problems = _clean_end(lab, second, name)
    command = ""
    if problems:
        command = "rollout --continue --take-over --yes"
        done = _as(second, "rollout", name, "--continue", "--take-over", "--yes", "--format", "json")
        row["command_exit"] = done.returncode
        row["command_said"] = ((_json(done) or {}).get("message") or done.stderr.strip())[:300]
        problems = _clean_end(lab, second, name)
    row.update(
        {
            "command": command or "none needed",
            "recovered": not problems,
            "problems": problems,
            # Data lost: a breakpoint left, a stack too many or missing, an operation nobody can see.
            "lost": any("breakpoints left" in p or "stacks of" in p for p in problems) or not row["operation_seen"],
            "seconds": round(time.monotonic() - started, 1),
        }
    )
    matrix.append(row)
    assert not problems, row
