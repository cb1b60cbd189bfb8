"""What every cell of the fault matrix does: run an operation as one operator, find a step boundary in what
the operation says (its step lines, or Heat's events it follows: never a sleep), inject one fault there, then
look as another operator (a fresh process on another XDG state directory) and recover with one command.

Faults (FAULTS), at the boundary:
- `kill`: the operation's process killed (SIGKILL);
- `next-region-stopped` / `-frozen` / `-reset`: the region the operation reaches next stopped, frozen
  (SIGSTOP) or closing every connection without an answer, for HOLD_FAULT seconds;
- `master-region-502` / `master-region-stopped`: the master's region answering 502, or stopped, as long;
- `tokens-expired`: every token Keystone issued so far invalid (a key rotation), at once."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import run_process

ROLLOUT_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "rollout" / "master.yaml")
RESOURCES = ("web_one", "web_two", "web_three")
REGIONS = ("RegionOne", "RegionTwo", "RegionThree")
FAULTS = (
    "kill",
    "next-region-stopped",
    "next-region-frozen",
    "next-region-reset",
    "master-region-502",
    "master-region-stopped",
    "tokens-expired",
)
HOLD_FAULT = 20.0  # seconds a region stays stopped, frozen or faulty
# The lab a cell runs on (use_lab): the session lab, or the one whose Heat adopts (moves of a master).
_LAB: dict[str, str] = {}


def use_lab(lab) -> None:
    _LAB["dir"] = str(lab.dir)


def _env(state: Path) -> dict[str, str]:
    return {"XDG_STATE_HOME": str(state), **({"MRCONSOLE_LAB_DIR": _LAB["dir"]} if _LAB else {})}


def as_operator(state: Path, *args: str, timeout: float = 300.0) -> subprocess.CompletedProcess:
    """`mrconsole ARGS --lab` as the operator whose state directory is `state`. One that does not end within
    `timeout` is killed and answers exit 124 (as timeout(1)), so that its cell still records a row."""
    try:
        return run_process(*args, "--lab", env=_env(state), timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        return subprocess.CompletedProcess(args, 124, out, f"did not end within {timeout:.0f} s")


def as_json(done: subprocess.CompletedProcess):
    try:
        return json.loads(done.stdout)
    except ValueError:
        return None


def start(state: Path, *args: str) -> subprocess.Popen:
    """The first operator's operation, its stdout and stderr as one stream of lines."""
    return subprocess.Popen(
        [sys.executable, "-m", "mrconsole", *args, "--lab"],
        env={**os.environ, **_env(state)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def until_said(proc: subprocess.Popen, words: str, limit: float = 240.0) -> list[str]:
    """The operation's lines until one holds `words` (bounded); the lines read."""
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
    raise AssertionError(f"the operation never said {words!r}: {lines[-20:]}")


def inject(lab, fault: str, proc: subprocess.Popen, next_region: str, master_region: str = "RegionOne") -> None:
    """One fault, held while the operation lives (at most HOLD_FAULT), then taken away."""
    if fault == "kill":
        proc.send_signal(signal.SIGKILL)
        return
    if fault == "tokens-expired":
        lab.lab.expire_tokens()
        return
    from mrconsole.lab import faults

    where, how = {
        "next-region-stopped": (next_region, "stop"),
        "next-region-frozen": (next_region, "freeze"),
        "next-region-reset": (next_region, "reset"),
        "master-region-502": (master_region, "html502"),
        "master-region-stopped": (master_region, "stop"),
    }[fault]
    if how == "stop":
        lab.lab.stop(where)
    elif how == "freeze":
        lab.lab.freeze(where)
    else:
        lab.lab.fault(where, faults.parse(how))
    try:
        deadline = time.monotonic() + HOLD_FAULT
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        if how == "stop":
            lab.lab.start(where)
        elif how == "freeze":
            lab.lab.thaw(where)
        else:
            lab.lab.fault(where, None)


def finish(proc: subprocess.Popen, limit: float = 300.0) -> tuple[int | None, str]:
    """The operation's exit and its last lines, once it ends by itself (bounded: killed after `limit`)."""
    try:
        out, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate(timeout=30)
    return proc.returncode, " | ".join((out or "").strip().splitlines()[-3:])[:300]


def stacks_named(state: Path, name: str) -> dict[str, list[dict]]:
    """Per region that answers, the stacks that are `name` (the master) or one of its constituents
    (Heat names a remote stack MASTER-RESOURCE-SUFFIX)."""
    listing = as_json(as_operator(state, "status", "--format", "json")) or {}
    out: dict[str, list[dict]] = {}
    for region in listing.get("regions", []):
        out[region["name"]] = [
            s
            for s in region.get("stacks") or []
            if s["name"] == name or any(s["name"].startswith(f"{name}-{r}-") for r in RESOURCES)
        ]
    return out


def master_status(state: Path, name: str) -> dict:
    return as_json(as_operator(state, "status", "--master", name, "--format", "json")) or {}


def quiet(state: Path, name: str, limit: float = 150.0) -> dict:
    """`status --master` once nothing of this master is in progress in any region (bounded): what another
    operator finds once Heat is at rest (an action the first sent may still run)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        stacks = stacks_named(state, name)
        if stacks and not any(s["status"].endswith("_IN_PROGRESS") for ss in stacks.values() for s in ss):
            break
        time.sleep(2.0)
    return master_status(state, name)


def releases(state: Path, name: str):
    done = as_operator(state, "outputs", name, "--format", "json")
    values = {(o["source"], o["key"]): o["value"] for o in (as_json(done) or {}).get("outputs", [])}
    return values.get(("master", "releases"))


def one_master_owning(state: Path, name: str, region: str, resources=RESOURCES, ids=None) -> list[str]:
    """What is not clean about a master `name` in `region` owning `resources` (empty: clean): one master of
    that name in every region, complete, each constituent live and complete, one stack per constituent in
    its region (no orphan, no copy), the same stack ids as before when `ids` is given."""
    problems = []
    stacks = stacks_named(state, name)
    masters = [(r, s) for r, ss in stacks.items() for s in ss if s["name"] == name]
    if not masters:
        problems.append(f"master missing: no {name} in any region that answers")
    elif [r for r, _ in masters] != [region]:
        where = [r + " " + s["status"] for r, s in masters]
        problems.append(f"masters of {name}: {where}, one wanted in {region}")
    status = master_status(state, name)
    if not str(status.get("master_status", "")).endswith("_COMPLETE"):
        problems.append(f"master {status.get('master_status')}: {status.get('master_error') or ''}".strip())
    owned = {c["resource"]: c for c in status.get("constituents", [])}
    if set(owned) != set(resources):
        problems.append(f"owns {sorted(owned)}, not {sorted(resources)}")
    for c in owned.values():
        if not c["live"] or not str(c["status"]).endswith("_COMPLETE"):
            problems.append(f"{c['resource']} in {c['region']}: {c['status']} {c['error'] or ''}".strip())
    if ids is not None:
        moved = {r: c["stack_id"] for r, c in owned.items() if ids.get(r) != c["stack_id"]}
        if moved:
            problems.append(f"constituents not the originals: {moved}")
    for r, ss in stacks.items():
        kept = {c["stack_id"] for c in owned.values() if c["region"] == r and c["stack_id"]}
        wanted = sum(1 for c in owned.values() if c["region"] == r)
        orphans = [s["name"] for s in ss if s["name"] != name and s["id"] not in kept]
        if orphans:
            problems.append(f"orphans in {r}: {orphans}")
        if len(kept & {s["id"] for s in ss}) < wanted:
            problems.append(f"missing in {r}: {wanted - len(kept & {s['id'] for s in ss})} of {wanted} constituents")
    return problems


def abandon_said(status: dict) -> str:
    """The command `status --master` says for a stale twin (`mrconsole abandon NAME --region R`), if any."""
    for twin in status.get("stale_twins") or []:
        found = re.search(r"\(mrconsole (abandon \S+ --region \S+)\)", twin)
        if found:
            return found.group(1)
    return ""


def lost(problems: list[str], seen: bool) -> bool:
    """Data lost: a stack too many or missing, a breakpoint left, the master gone, or an operation another
    operator cannot see."""
    marks = ("breakpoints left", "master missing", "missing in", "owns ", "constituents not the originals")
    return not seen or any(m in p for p in problems for m in marks)
