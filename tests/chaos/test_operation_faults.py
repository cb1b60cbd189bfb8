"""The fault matrix beyond the rollout (#36): a 3-region create, a re-apply, a move of the master with its old
region up and with it stopped, and an evict of a region gone for good; one fault (harness.FAULTS) at each step
boundary each passes, then another operator finishes it with one command.

The steps, found in what each operation says (never by sleeping):
- create and re-apply (`stack create|reapply --wait` follows Heat's events): `sent`, Heat's "Stack CREATE|UPDATE
  started"; `constituent`, the first constituent's CREATE|UPDATE_COMPLETE in the master;
- move (core/master/rehome.py execute_rehome's step lines): `adopt-sent`, `adopted` (the old master not yet
  abandoned, or, its region down, left to abandon when it returns);
- evict (core/master/evict.py execute_evict's step lines): `abandoned` (the master gone from Heat, not yet
  adopted again), `adopt-sent`.

The other operator's one command: a re-apply for a create or re-apply that did not complete (when its
preflight refuses it with a way out, a constituent that never got its stack, the command it names first); for
a move, the abandon `status --master` says for a stale master, or the move again when the adopt never
happened; for an evict, the evict again (from the record it kept in Heat when the master was abandoned). A
cell without such a command is not recovered, with its reason."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.chaos.harness import (
    FAULTS,
    RESOURCES,
    ROLLOUT_T,
    abandon_said,
    as_json,
    as_operator,
    finish,
    inject,
    lost,
    master_status,
    one_master_owning,
    quiet,
    releases,
    start,
    until_said,
    use_lab,
)


@dataclass(frozen=True)
class Operation:
    label: str
    boundaries: dict[str, str]  # boundary -> words the operation says there
    next_region: str  # the region it reaches next (a fault's target)
    faults: tuple[str, ...] = FAULTS
    created: bool = True  # the master exists before the operation (created by the cell)
    gone: tuple[str, ...] = field(default_factory=tuple)  # regions stopped for the whole cell
    lab: str = "lab"  # the fixture of the lab it runs on
    returns: bool = False  # the `gone` regions come back once the operation ended (before the other operator looks)
    create_args: tuple[str, ...] = ()  # more of the master's create (where its constituents live)
    tag: str = ""  # the cell's stack names: cxTAG...


OPERATIONS = {
    "create": Operation(
        "create (3 regions)",
        {"sent": "Stack CREATE started", "constituent": "web_one  CREATE_COMPLETE"},
        "RegionTwo",
        created=False,
    ),
    "reapply": Operation(
        "re-apply (3 regions)",
        {"sent": "Stack UPDATE started", "constituent": "web_one  UPDATE_COMPLETE"},
        "RegionTwo",
    ),
    "move": Operation(
        "move (old region up)", {"adopt-sent": "adopt sent:", "adopted": "adopted:"}, "RegionTwo", lab="no_reauth_lab"
    ),
    # The master's region down (until the fault is over): the new master's region is the next one, so the
    # master-region faults would be the next-region ones again. No constituent lives in the region that is
    # down: Heat validates each one in its region while it adopts, and the console refuses such a move before
    # sending (core/master/rehome.py). The old region comes back after the fault, as it does in an outage, and
    # its stale master is abandoned: the move's own last step then, with or without a fault
    # (tests/lab/test_rehome.py).
    "move-down": Operation(
        "move (old region stopped)",
        {"adopt-sent": "adopt sent:", "adopted": "adopted:"},
        "RegionTwo",
        faults=tuple(f for f in FAULTS if not f.startswith("master-region")),
        gone=("RegionOne",),
        lab="no_reauth_lab",
        returns=True,
        tag="md",
        create_args=("-P", "region_one=RegionTwo"),
    ),
    # Its only region is the master's: "master-region-stopped" would be "next-region-stopped" again.
    "evict": Operation(
        "evict (RegionThree gone)",
        {"abandoned": "abandon sent:", "adopt-sent": "adopt sent:"},
        "RegionOne",
        faults=tuple(f for f in FAULTS if f != "master-region-stopped"),
        gone=("RegionThree",),
        lab="no_reauth_lab",
    ),
}
CELLS = [(op, b, f) for op, spec in OPERATIONS.items() for b in spec.boundaries for f in spec.faults]


def _argv(op: str, name: str) -> tuple[str, ...]:
    return {
        "create": ("stack", "create", name, "-t", ROLLOUT_T, "--region", "RegionOne", "--wait"),
        "reapply": ("stack", "reapply", name, "--region", "RegionOne", "--yes", "--wait"),
        "move": ("move", name, "--to", "RegionTwo", "--yes"),
        "move-down": ("move", name, "--to", "RegionTwo", "--yes"),
        "evict": ("evict", name, "--region", "RegionThree", "--yes"),
    }[op]


def _where(op: str) -> tuple[str, tuple[str, ...]]:
    """Where the master should be at a clean end, and what it owns."""
    if op in ("move", "move-down"):
        return "RegionTwo", RESOURCES
    if op == "evict":
        return "RegionOne", RESOURCES[:2]
    return "RegionOne", RESOURCES


def _problems(op: str, state: Path, name: str, ids: dict[str, str]) -> list[str]:
    region, owns = _where(op)
    problems = one_master_owning(state, name, region, owns, ids if op in ("move", "move-down", "evict") else None)
    if op != "evict" and not problems and releases(state, name) != dict.fromkeys(RESOURCES, "v1"):
        problems.append(f"releases {releases(state, name)}")
    return problems


def _recovery(op: str, name: str, status: dict) -> tuple[str, ...]:
    """The one command another operator runs, chosen from what `status --master` says."""
    if op in ("create", "reapply"):
        if not status.get("master_status"):
            return _argv("create", name)  # Heat never had it
        return ("stack", "reapply", name, "--region", "RegionOne", "--yes", "--wait")
    if op in ("move", "move-down"):
        said = abandon_said(status)
        if said:
            verb, stack, flag, region = said.split()
            return (verb, stack, flag, region, "--yes")
        if status.get("master_region") == "RegionOne":
            return _argv("move", name)
        return ()
    return _argv("evict", name)  # from the start, or from the record it kept in Heat after its abandon


def _follow(state: Path, command: tuple[str, ...]):
    """Run the recovery; refused before sending with a way out the console names (a stack stuck IN_PROGRESS by
    a dead engine: --force; a constituent without a stack id: mark-unhealthy first; an adopt that never
    completed: abandon it first), take it, at most twice.
    Returns the last answer and every command run, `;`-separated."""
    ran: list[str] = []
    now = command
    for _ in range(3):
        done = as_operator(state, *now, "--format", "json", timeout=600)
        ran += [*now, ";"]
        if done.returncode == 0:
            break
        marked = re.search(
            r"mrconsole (resource mark-unhealthy \S+ \S+ --region \S+|abandon \S+ --region [^\s;.]+)", done.stderr
        )
        if marked:
            said = (*marked.group(1).split(), "--yes")
            as_operator(state, *said, timeout=300)
            ran += [*said, ";"]
            now = command
        elif "re-apply with --force takes over" in done.stderr and "--force" not in now:
            now = (*command, "--force")
        else:
            break
    return done, tuple(ran[:-1])


@pytest.mark.timeout(1200)
@pytest.mark.parametrize(("op", "boundary", "fault"), CELLS)
def test_an_operation_recovers_from_one_fault_at_each_step(request, tmp_path, matrix, op, boundary, fault):
    spec = OPERATIONS[op]
    # A move or an evict adopts: under re-authentication by trusts Heat creates instead, and the console refuses
    # before sending (pinned in tests/lab/test_production.py); they run on the lab whose Heat adopts.
    lab = request.getfixturevalue(spec.lab)
    use_lab(lab)
    name = f"cx{spec.tag or op[:2]}{list(spec.boundaries).index(boundary)}{FAULTS.index(fault)}"
    first, second = tmp_path / "first", tmp_path / "second"
    ids: dict[str, str] = {}
    if spec.created:
        done = as_operator(
            first, "stack", "create", name, "-t", ROLLOUT_T, "--region", "RegionOne", *spec.create_args, "--wait"
        )
        assert done.returncode == 0, done.stderr
        ids = {c["resource"]: c["stack_id"] for c in master_status(first, name)["constituents"]}  # and caches it
    for region in spec.gone:
        lab.lab.stop(region)
    row: dict = {"operation": spec.label, "boundary": boundary, "fault": fault}
    started = time.monotonic()
    try:
        proc = start(first, *_argv(op, name))
        try:
            until_said(proc, spec.boundaries[boundary])
            inject(lab, fault, proc, spec.next_region)
            row["first_exit"], row["first_said"] = finish(proc)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(30)
        if spec.returns:
            for region in spec.gone:
                lab.lab.start(region)
        status = quiet(second, name)
        row["status_seen"] = status.get("master_status") or "no master"
        row["operation_seen"] = bool(status)
        problems = _problems(op, second, name, ids)
        command: tuple[str, ...] = ()
        if problems:
            command = _recovery(op, name, status)
            if command:
                done, command = _follow(second, command)
                row["command_exit"] = done.returncode
                row["command_said"] = done.stderr.strip()[-300:] or str(as_json(done))[:300]
                quiet(second, name)
                problems = _problems(op, second, name, ids)
            else:
                problems.append("no one command recovers it from another state directory")
    finally:
        for region in spec.gone:
            lab.lab.start(region)
    row.update(
        {
            "command": " ".join(command) if command else "none needed" if not problems else "none",
            "recovered": not problems,
            "problems": problems,
            "lost": lost(problems, row["operation_seen"]),
            "seconds": round(time.monotonic() - started, 1),
        }
    )
    matrix.append(row)
    assert not problems, row
