"""The fault matrix of a rollout (#36): a 2-wave rollout with a gate (a soak), one fault at each step boundary
the driver passes, then another operator (a fresh process on another XDG state directory) finishes it with one
command.

The driver's steps (core/rollout/run.py), as it says them on its standard output, which is how a cell finds
its boundary (never by sleeping):
- `sent`: the PATCH with the breakpoints and the record was accepted ("sent the update of ...");
- `gate`: the canary updated, its gate soaking, the next wave held ("wave 1 (RegionOne): gate running");
- `released`: the next wave released, Heat updating it ("wave 2 (...): released");
- `cleanup`: every wave done, the clean-up PATCH about to go ("removing the breakpoints ...");
and in a 3-wave rollout (one region per wave), between its middle wave and the last:
- `gate-2`: the second wave updated, its gate soaking, the third held;
- `released-3`: the third wave released.

Faults (tests/chaos/harness.py FAULTS): the process killed, the next wave's region (RegionTwo) stopped,
frozen or resetting connections, the master's region answering 502 or stopped, every token expired.
After the fault, the other operator reads `--status`; if anything is left to do, one `--continue --take-over`
(and, when it names it, the way out for an update whose engine died: the same with `--force`) must reach a
clean end: every constituent at the new release, no breakpoint in any environment, one stack
per constituent in its region (no orphan, no duplicate), the operation ended in Heat's record, the take-over
in the taker's journal."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.chaos.harness import FAULTS, RESOURCES, ROLLOUT_T, finish, inject, start, until_said, use_lab
from tests.chaos.harness import as_json as _json
from tests.chaos.harness import as_operator as _as

BOUNDARIES = {
    "sent": "sent the update of",
    "gate": "wave 1 (RegionOne): gate running",
    "released": "): released",
    "cleanup": "removing the breakpoints",
}


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


# A third wave adds the boundaries between a wave that is not the canary and the next: its gate (the wave
# before it released, the one after it held) and the release of the last wave. A take-over there gates a
# wave other than the canary again before it releases the next (core/rollout/run.py drive).
MIDDLE = {
    "gate-2": "wave 2 (RegionTwo): gate running",
    "released-3": "wave 3 (RegionThree): released",
}


@pytest.mark.timeout(1500)
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("boundary", list(BOUNDARIES))
def test_a_rollout_recovers_from_one_fault_at_each_step(lab, tmp_path, matrix, boundary, fault):
    name = f"cxro{list(BOUNDARIES).index(boundary)}{FAULTS.index(fault)}"
    waves = "RegionOne;RegionTwo,RegionThree"
    _cell(lab, tmp_path, matrix, name, waves, boundary, BOUNDARIES[boundary], fault, "RegionTwo")


@pytest.mark.timeout(1500)
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("boundary", list(MIDDLE))
def test_a_three_wave_rollout_recovers_at_its_middle_wave(lab, tmp_path, matrix, boundary, fault):
    name = f"cxr3{list(MIDDLE).index(boundary)}{FAULTS.index(fault)}"
    waves = "RegionOne;RegionTwo;RegionThree"
    _cell(lab, tmp_path, matrix, name, waves, boundary, MIDDLE[boundary], fault, "RegionThree")


def _cell(lab, tmp_path, matrix, name: str, waves: str, boundary: str, said: str, fault: str, nxt: str) -> None:
    """One cell: the rollout in `waves`, `fault` where it says `said` (`nxt`: the region it reaches next)."""
    use_lab(lab)
    first, second = tmp_path / "first", tmp_path / "second"
    done = _as(first, "stack", "create", name, "-t", ROLLOUT_T, "--region", "RegionOne", "--wait")
    assert done.returncode == 0, done.stderr
    started = time.monotonic()
    proc = start(
        first,
        "rollout",
        name,
        "-P",
        "release=v2",
        "--waves",
        waves,
        "--soak",
        "10",
        "--yes",
    )
    row = {"operation": f"rollout ({waves.count(';') + 1} waves, soak)", "boundary": boundary, "fault": fault}
    try:
        until_said(proc, said)
        inject(lab, fault, proc, nxt)
        row["first_exit"], row["first_said"] = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)

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
        # One command; when it ends naming the way out for an update no engine runs (a dead engine's update is
        # never resumed by Heat 27), that way out: the change sent again (--force).
        ran = []
        for extra in ((), ("--force",)):
            argv = ("rollout", name, "--continue", "--take-over", "--yes", *extra)
            done = _as(second, *argv, "--format", "json", timeout=400)
            ran.append(" ".join(argv[:1] + argv[2:]))
            said = (_json(done) or {}).get("message") or done.stderr.strip()
            if done.returncode == 0 or "--continue --force" not in said:
                break
        command = " ; ".join(ran)
        row["command_exit"] = done.returncode
        row["command_said"] = said[:300]
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
