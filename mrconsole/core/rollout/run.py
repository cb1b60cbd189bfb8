"""Running a rollout: send, watch a wave to its end, gate it, release the next; or hold, and the ways on.

One driver for the console and the command line. Every step that reaches
Heat goes through core.acting.actions (journaled with its request id); every step
that does not (a gate's verdict, a hold, the end) is journaled too, so the
timeline of the master lists the whole rollout.

The driver keeps nothing Heat does not also know: where a rollout stands is
read back from the master's events and environment (waves.read_status)
plus the waves its plan journaled, so a rollout left by a closed console or
a killed command is continued or stopped by the next one.

Cost while a wave updates: one request per poll (the master's events after
a marker, O(new events) in size), every `poll` seconds. A gate: per
constituent of the wave, its stack and its resources (2 requests), again
after the soak with its newest events (3 more); the release: one signal per
constituent of the next wave. Nothing grows with the constituents of other
waves or with the other stacks of a region.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field, replace

from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.actions import ActionResult, Actions, Target
from mrconsole.core.acting.permissions import refuse_unless_permitted
from mrconsole.core.diagnosis.why import template_purge_failed
from mrconsole.core.master.topology import Constituent, Topology
from mrconsole.core.rollout.gate import Gate, GateResult, healthy, run_command
from mrconsole.core.rollout.record import DONE as DONE_RECORD
from mrconsole.core.rollout.record import (
    ROLLED_BACK,
    RUNNING,
    STOPPED,
    OperationRecord,
    new_record,
    operator_id,
    records_in,
    with_record,
)
from mrconsole.core.rollout.stored import PLAN_ACTION
from mrconsole.core.rollout.waves import (
    FAILED,
    HELD,
    HOOK,
    UPDATED,
    UPDATING,
    WAITING,
    RolloutPlan,
    RolloutStatus,
    constituent_states,
    event_state,
    hook_cleared,
    worst_by_region,
)
from mrconsole.state.journal import FAILED as J_FAILED
from mrconsole.state.journal import OK as J_OK

# A wave's state on the rollout screen and in `--status`.
W_WAITING, W_HELD, W_UPDATING, W_GATE, W_PASSED, W_FAILED = "waiting", "held", "updating", "gate", "passed", "failed"
# How a run ended.
DONE, GATE_FAILED, HEAT_FAILED, UNREACHABLE = "done", "gate failed", "update failed", "unreachable"
STALLED = "stalled"  # a release Heat accepted and no engine acted on (a traversal whose engine died)
# How long a released constituent may stay without an event of its update: a live engine notices a cleared
# hook at its next step, within seconds (heat/engine/resource.py _break_if_required), and says
# UPDATE_IN_PROGRESS, so a minute of silence means no engine runs this update.
STALL_SECONDS = 60.0
# What Heat says of a remote call made on a token that is no longer valid (seen on the lab, #34).
EXPIRED_TOKEN = ("HTTPUnauthorized", "requires authentication")
HELD_BY_OPERATOR = "held"  # the operator asked to hold after the current wave


@dataclass
class WaveProgress:
    number: int
    regions: tuple[str, ...]
    resources: tuple[str, ...]
    state: str = W_WAITING
    gates: list[GateResult] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    result: str  # DONE, GATE_FAILED, HEAT_FAILED, UNREACHABLE
    message: str
    wave: int | None = None  # the wave that failed its gate

    @property
    def ok(self) -> bool:
        return self.result == DONE


class RolloutError(Exception):
    one_line = True


class RolloutRun:
    """One rollout of one master, as a sequence of waves."""

    def __init__(
        self,
        fleet,
        actions: Actions,
        topo: Topology,
        waves: tuple[tuple[str, ...], ...],
        gate: Gate = Gate(),
        *,
        on_step=None,
        poll: float = 0.5,
        limit: float | None = None,
    ):
        self.fleet = fleet
        self.actions = actions
        self.topo = topo
        self.gate = gate
        self.poll = poll
        self.on_step = on_step or (lambda text: None)
        minutes = topo.timeout_mins or 60
        self.limit = limit if limit is not None else minutes * 60 + 60  # Heat fails it before this
        self.waves = [
            WaveProgress(
                i,
                regions,
                tuple(c.resource for c in topo.constituents if c.region in regions),
            )
            for i, regions in enumerate(waves, 1)
        ]
        self.states: dict[str, str] = {}
        self.master_status = topo.master.status
        self.master_reason = topo.master.status_reason
        self.marker: str | None = None
        self.started_seen = False
        self.failed_regions: set[str] = set()
        self.release_delays: list[float] = []  # gate passed → release answered by Heat, per wave
        self.steps: list[str] = []
        self.hold = False  # set by the operator: the next wave is not released after this gate
        self.reasons: dict[str, str] = {}  # a failed constituent's reason, from the master's events
        # The operation's record in the master's environment (core/rollout/record.py), and the others there.
        self.record: OperationRecord | None = None
        self.records: tuple[OperationRecord, ...] = ()
        # Which constituents this run set going (a release, or a resent change), and where they stood when it
        # began: one released by anybody else is another run's (a take-over), and this run stops (release).
        self.released: set[str] = set()
        self.found: dict[str, str] = {}
        self.taken_from = ""  # the operator this run took the rollout over from (Heat's record says them still)
        self.regate = False  # set by a take-over: gate the wave before the first one released
        # Released by a signal and not yet seen going (a "cleared" or later event), and since when.
        self.signalled: set[str] = set()
        self.signalled_at = 0.0
        self.stall_seconds = STALL_SECONDS

    # -- the master -------------------------------------------------------------
    @property
    def target(self) -> Target:
        m = self.topo.master
        return Target(m.region, m.name, m.id, master_id=m.id)

    def constituent(self, resource: str) -> Constituent | None:
        return self.topo.constituent(resource)

    def _say(self, text: str) -> None:
        self.steps.append(text)
        self.on_step(text)

    async def settle(self, limit: float = 300.0) -> None:
        """Before a new update of a master whose update failed: until no constituent still runs in its
        region (Heat marks the master failed at the first failure; the others go on). C GETs per look."""
        deadline = time.monotonic() + limit
        said: list[str] = []
        while time.monotonic() < deadline:
            busy = []
            for c in self.topo.constituents:
                if c.region and c.stack_id:
                    try:
                        detail = await self.fleet.region(c.region).get_stack(c.stack_id)
                    except CloudError:
                        continue
                    if detail.stack.in_progress:
                        busy.append(detail.stack.name)
            if not busy:
                return
            if busy != said:  # said once per change, not every look
                self._say(f"waiting for {', '.join(busy)} to end before sending")
                said = busy
            await asyncio.sleep(1.0)

    async def prime(self) -> None:
        """Read from now on: the marker at the master's newest event (before a step sent by hand)."""
        self.marker = await self._newest_marker()

    async def _newest_marker(self) -> str | None:
        m = self.topo.master
        newest = await self.fleet.region(m.region).events(m.name, m.id, sort_dir="desc", limit=1)
        return newest[0].id if newest else None

    async def _read_events(self) -> None:
        """The master's events since the marker: each constituent's state, the master's own status."""
        m = self.topo.master
        events = await self.fleet.region(m.region).events(m.name, m.id, marker=self.marker, sort_dir="asc")
        if not events:
            return
        self.marker = events[-1].id
        # Gone on: an event of its own after the release. Not the "Hook ... is cleared" one: Heat writes that
        # while answering the signal (engine/resource.py _unset_hook), engine or none; the update's next
        # event (UPDATE_IN_PROGRESS) comes only from an engine running the traversal.
        self.signalled -= {e.resource_name for e in events if not hook_cleared(e.status_reason)}
        for e in events:
            if e.resource_name == m.name and e.physical_id in ("", m.id):
                self.master_status, self.master_reason = e.status, e.status_reason
                if e.status == "UPDATE_IN_PROGRESS":
                    self.started_seen = True
        start, states = constituent_states(events, m, self.topo)
        if start is not None:
            self.states = {}  # a new update of the master began: what came before is another update's
        for name, (state, reason) in states.items():
            self.states[name] = state
            if state == FAILED:
                self.reasons[name] = reason or ""
        if start is None:
            for e in events:
                if e.resource_name in {c.resource for c in self.topo.constituents}:
                    self.states[e.resource_name] = event_state(e)
                    if self.states[e.resource_name] == FAILED:
                        self.reasons[e.resource_name] = e.status_reason

    def adopt(self, status: RolloutStatus, marker: str | None) -> None:
        """Take over a rollout read back from Heat (core/rollout.read_status)."""
        self.states = {c.resource: c.state for c in status.constituents if c.state != WAITING}
        self.found = dict(self.states)
        self.master_status = status.master.status
        self.marker = marker
        self.started_seen = status.started is not None
        for w in self.waves:
            w.state = _wave_state([self.states.get(r, WAITING) for r in w.resources])
        self.records = status.records
        if self.record is None or status.operation is None or status.operation.id != self.record.id:
            self.record = status.operation  # else this run's own (taken over here, perhaps: not yet in Heat)

    async def take_over(self, take_over: bool) -> None:
        """Before acting on a rollout read back from Heat: one another operator started (or took over) is
        theirs until this one says --take-over; the take-over is journaled here and reaches Heat's record with
        the next update of the master this run sends (its clean-up or its rollback)."""
        record = self.record
        if record is None or record.owner == operator_id():
            return
        name = self.topo.master.name
        if await self._taken_here(record.id):
            self.record = record.taken_over()  # by this operator, earlier: not yet in Heat's record
            self.taken_from = record.owner
            return
        if not take_over:
            raise RolloutError(
                f"{record.describe()} has not ended on {name}, and it is {record.whose()}: nothing was sent. "
                f"See it: mrconsole rollout {name} --status; take it over: add --take-over"
            )
        self.record = record.taken_over()
        self.taken_from = record.owner
        await self.actions.record(
            self.target, "rollout-takeover", J_OK, f"{record.id} taken over from {record.owner_name}"
        )
        self._say(f"took {record.id} over from {record.owner_name}")
        # Where the one who started it stopped is not known beyond Heat: a gate under way when their process
        # ended may not have passed. The wave before the held one is gated again before it is released.
        self.regate = True

    async def _taken_here(self, record_id: str) -> bool:
        """This operator took `record_id` over before (its journal says so)."""
        entries = await asyncio.to_thread(self.actions.journal.entries, 200, stack_name=self.topo.master.name)
        return any(j.action == "rollout-takeover" and (j.message or "").startswith(record_id) for j in entries)

    def _results(self) -> dict[str, str]:
        """Per region, how the rollout left its constituents: the worst of failed, held, not reached, updated."""
        words = {UPDATED: "updated", FAILED: "failed", HELD: "held"}
        states = ((c.region, self.states.get(c.resource, WAITING)) for c in self.topo.constituents)
        pairs = ((region, words.get(state, "not reached")) for region, state in states)
        return worst_by_region(pairs, ("updated", "not reached", "held", "failed"))

    def _records_env(self, state: str | None = None) -> dict:
        """The `parameter_defaults` that store this run's record (ended as `state`, when given)."""
        if self.record is None:
            return {}
        if state == ROLLED_BACK:
            regions = {c.region for c in self.topo.constituents if c.region}
            self.record = self.record.ended_as(state, dict.fromkeys(sorted(regions), "rolled back"))
        elif state is not None:
            self.record = self.record.ended_as(state, self._results())
        return {"parameter_defaults": with_record(self.records, self.record)}

    # -- the steps --------------------------------------------------------------
    async def start(self, plan: RolloutPlan) -> Outcome:
        """Journal the plan, send the PATCH with the breakpoints, and drive every wave."""
        # Each wave after the first is a release (a signal): a role that may update but not signal would
        # leave the rollout held at its second wave. Known before the PATCH leaves.
        steps = [(self.target.region, "rollout")] + [(self.target.region, "release")] * (len(self.waves) > 1)
        await refuse_unless_permitted(self.actions, steps, self.target, "rollout")
        waves = tuple(w.regions for w in plan.waves)
        self.record = new_record("rollout", waves, plan.change.kind, plan.previous, self.gate.soak)
        # A record left running by a stopped rollout this one goes over (its plan said so) has ended.
        self.records = tuple(r.ended_as(STOPPED) if r.state == RUNNING else r for r in plan.records)
        await self.actions.record(
            self.target,
            PLAN_ACTION,
            J_OK,
            f"waves {plan.waves_text()} · {plan.change.kind} · {plan.change.describe(plan.hidden)} · {self.record.id}",
            parameters=plan.previous,
        )
        self.marker = await self._newest_marker()
        result = await self.actions.rollout_update(
            self.target,
            {**plan.environment(), **self._records_env()},
            plan.change.parameters,
            plan.hidden,
            bundle=plan.change.bundle,
        )
        _raise_unless(result)
        held = ", ".join(plan.held) or "none"
        self._say(f"sent the update of {plan.master.name}; held at breakpoints: {held}")
        return await self.drive(1)

    async def drive(self, first: int, resend: bool = False) -> Outcome:
        """From wave `first` (released if it is held) to the end. After a take-over, the wave before `first`
        passes its gate first (the gate releases `first` when it passes). `resend`: wave `first` is released by
        sending the change again, not by a signal (an update a dead engine left IN_PROGRESS: release)."""
        if self.regate and first > 1:
            self.regate = False
            before = self.waves[first - 2]
            if all(self.states.get(r) == UPDATED for r in before.resources):
                if not self.gate.soak and self.record is not None and self.record.soak:
                    self.gate = replace(self.gate, soak=self.record.soak)  # the soak the rollout was started with
                self._say(f"{_label(before)}: its gate again (taken over: it may not have passed)")
                ended = await self._gate(before)
                if ended is not None:
                    return ended
        for wave in self.waves[first - 1 :]:
            if resend and wave.number == first:
                await self.release(wave, again=True)
            elif wave.number > 1 or any(self.states.get(r) == HELD for r in wave.resources):
                if wave.state != W_UPDATING:
                    await self.release(wave)
            wave.state = W_UPDATING
            self._say(f"{_label(wave)}: updating")
            ended = await self._wait(wave.resources)
            if ended is not None:
                return ended
            outcome = await self._gate(wave)
            if outcome is not None:
                return outcome
        return await self._finish()

    async def release(self, wave: WaveProgress, gate_passed_at: float | None = None, again: bool = False) -> None:
        """Release a wave: a signal per held constituent while the master's update runs; after the
        update ended (it failed elsewhere), or with `again` (an update whose engine died: Heat 27 resumes no
        convergence update, and a convergence stack takes a new update while one is in progress), the change
        sent again with the later waves held. A wave another run released first
        (an operator who took this rollout over while this process lived) stops this run, with nothing sent.
        Cost: 1 events request, then 1 signal per constituent of the wave (or 1 PATCH)."""
        passed_at = gate_passed_at or time.monotonic()
        await self._read_events()
        if not again:
            await self._unless_released_elsewhere(wave)
        if self.master_status.endswith("_IN_PROGRESS") and not again:
            await self._until_held(wave.resources)
            await self._unless_released_elsewhere(wave)
            for name in wave.resources:
                if self.states.get(name, HELD) in (HELD, WAITING):
                    _raise_unless(await self.actions.release_hook(self.target, name, HOOK))
                    self.states[name] = UPDATING
                    self.released.add(name)
                    self.signalled.add(name)
            self.signalled_at = time.monotonic()
        else:
            await self.settle()
            # Every wave up to this one without its breakpoint, every later one held. Not this wave's alone: a
            # PATCH merges the environment, and an earlier wave's breakpoint from the first PATCH would hold it
            # again in the new update, which would never end (a 3-wave rollout's middle cells, tests/chaos/).
            done = [r for w in self.waves if w.number <= wave.number for r in w.resources]
            later = [r for w in self.waves if w.number > wave.number for r in w.resources]
            entries: dict[str, dict | None] = dict.fromkeys(done)
            entries.update({r: {"hooks": HOOK} for r in later})
            env = {"resource_registry": {"resources": entries}}
            self.marker = await self._newest_marker()
            self.started_seen = False
            _raise_unless(await self.actions.rollout_update(self.target, env, action="rollout-continue"))
            for name in wave.resources:
                self.states[name] = WAITING
                self.released.add(name)
        self.release_delays.append(time.monotonic() - passed_at)
        wave.state = W_UPDATING
        self._say(f"{_label(wave)}: released")

    async def _unless_released_elsewhere(self, wave: WaveProgress) -> None:
        """Stop (RolloutError, journaled) when a constituent of `wave` is updating or updated and neither this
        run set it going nor was it so when this run began: another run released it. Heat would refuse the
        second signal ("hook is not defined"), but a resent change would reach a region twice."""
        going = (UPDATING, UPDATED)
        elsewhere = [
            r
            for r in wave.resources
            if self.states.get(r) in going and r not in self.released and self.found.get(r) not in going
        ]
        if not elsewhere:
            return
        op = f"{self.record.id} " if self.record is not None else ""
        message = (
            f"{_label(wave)} was released by another run, not this one ({', '.join(elsewhere)}): another "
            f"operator took the rollout {op}over, or drives it too. This run stops here; nothing more was sent. "
            f"See: mrconsole operations {self.topo.master.name}"
        )
        await self.actions.record(self.target, "rollout-stop", J_OK, message)
        raise RolloutError(message)

    async def _unless_ended_elsewhere(self) -> None:
        """Before the clean-up: Heat's record of this rollout, read again (1 request). One another operator
        took over, or ended, or a newer operation, is theirs to finish: this run stops with nothing sent."""
        if self.record is None:
            return
        env = await self.fleet.region(self.topo.master.region).environment(self.topo.master)
        newest = next(iter(records_in(env)), None)
        mine = self.record
        if newest is None or (newest.id != mine.id and newest.state != RUNNING):
            return  # Heat's record lost (a cancel by hand: pinned in tests/lab/test_operations.py): not another's
        if newest.id == mine.id and newest.owner in (mine.owner, self.taken_from) and newest.state == RUNNING:
            return  # this run's, or the one it took over from (the take-over reaches Heat with the clean-up)
        if newest.id != mine.id:
            why = f"{newest.describe()} is now the master's running operation"
        elif newest.state != RUNNING:
            why = f"{mine.id} was ended ({newest.state}) by {newest.owner_name}"
        else:
            why = f"{mine.id} was taken over by {newest.owner_name}"
        message = f"{why}: this run stops before its clean-up; nothing more was sent"
        await self.actions.record(self.target, "rollout-stop", J_OK, message)
        raise RolloutError(message)

    async def _until_held(self, resources: tuple[str, ...]) -> None:
        """Until none of `resources` is still waiting: Heat refuses to clear a hook a resource has not
        reached yet ("hook is not defined"), and a fast canary can pass its gate before the engine has
        reached a later wave's breakpoint. Bounded by `poll` x 60; after that the signal is sent and
        Heat's answer is what the operator sees. Cost: 1 events request per poll while waiting."""

        def reached() -> bool:
            return all(self.states.get(r, WAITING) != WAITING for r in resources)

        looks = 60
        while not reached() and looks:
            await self._read_events()
            looks -= 1
            if not reached():
                await asyncio.sleep(self.poll)

    async def _wait(self, resources: tuple[str, ...]) -> Outcome | None:
        """Until each of `resources` is updated or failed in the master's current update."""
        deadline = time.monotonic() + self.limit
        region, name = self.topo.master.region, self.topo.master.name
        down = False
        while time.monotonic() < deadline:
            try:
                await self._read_events()
            except CloudError as exc:
                if exc.kind == "unavailable":
                    self._say(f"{region} does not answer ({exc.message}); still waiting")
                    down = True
                else:
                    raise
            else:
                if down:
                    down = False
                    self._say(
                        f"{region} answers again. If its Heat restarted, this update will not go on by itself "
                        f"(Heat 27 resumes no convergence update after a restart): if no event comes, stop this run "
                        f"and send the change again: mrconsole rollout {name} --continue --take-over --force"
                    )
            if self.signalled and time.monotonic() - self.signalled_at > self.stall_seconds:
                held = ", ".join(sorted(self.signalled))
                message = (
                    f"{region}'s Heat accepted the release of {held} {self.stall_seconds:.0f}s ago and no engine "
                    f"acted on it: the update's engine is gone (a restarted Heat resumes no convergence update). "
                    f"Nothing more was sent. Send the change again (a new update takes the dead one over, later "
                    f"waves still held): mrconsole rollout {name} --continue --force"
                )
                await self.actions.record(self.target, "rollout-stop", J_FAILED, message)
                return Outcome(STALLED, message)
            states = [self.states.get(r, WAITING) for r in resources]
            if self.started_seen and all(s in (UPDATED, FAILED) for s in states):
                return None
            if self.started_seen and not self.master_status.endswith("_IN_PROGRESS"):
                if all(s in (UPDATED, FAILED) for s in states):
                    return None
                # The update ended without reaching them (another constituent failed, or a cancel). Heat
                # marks the master failed at the first failure while a released constituent's own update
                # goes on in its region: the outcome is said once every region has settled, so what is
                # reported (and what a rollback or a continue starts from) is where they ended.
                await self.settle()
                return Outcome(
                    HEAT_FAILED,
                    f"{self.topo.master.name}'s update ended {self.master_status} before "
                    f"{', '.join(r for r, s in zip(resources, states, strict=True) if s not in (UPDATED, FAILED))}"
                    + self._token_hint(),
                )
            await asyncio.sleep(self.poll)
        return Outcome(UNREACHABLE, f"the wave did not end within {self.limit:.0f}s")

    async def _gate(self, wave: WaveProgress) -> Outcome | None:
        wave.state = W_GATE
        self._say(f"{_label(wave)}: gate running")
        results = await asyncio.gather(*(self._gate_one(r) for r in wave.resources))
        wave.gates = list(results)
        failed = sorted({g.region for g in results if not g.passed})
        self.failed_regions |= set(failed)
        passed_at = time.monotonic()
        for g in results:
            await self.actions.record(
                Target(g.region, self._name(g.resource), self._id(g.resource), master_id=self.topo.master.id),
                "gate",
                J_OK if g.passed else J_FAILED,
                f"{_label(wave)} gate {'passed' if g.passed else 'failed'}" + (f": {g.lines[-1]}" if g.lines else ""),
            )
        if not failed:
            wave.state = W_PASSED
            self._say(f"{_label(wave)}: gate passed")
            nxt = self._next(wave)
            if nxt is not None and self.hold:
                for w in self.waves[wave.number :]:
                    w.state = W_HELD
                await self.actions.record(
                    self.target, "rollout-hold", J_OK, f"held by the operator after {_label(wave)}"
                )
                self._say(f"held after {_label(wave)}: {_label(nxt)} waits to be released")
                return Outcome(HELD_BY_OPERATOR, f"held after {_label(wave)}", wave.number)
            if nxt is not None:
                await self.release(nxt, passed_at)
            return None
        wave.state = W_FAILED
        self._say(f"{_label(wave)}: gate failed in {', '.join(failed)}")
        for g in results:
            if not g.passed:
                for line in g.lines:
                    self._say(f"  {g.resource} ({g.region}): {line}")
        if len(self.failed_regions) <= self.gate.max_failed_regions:
            self._say(
                f"{len(self.failed_regions)} region(s) failed, within the failure tolerance "
                f"({self.gate.max_failed_regions}): going on"
            )
            nxt = self._next(wave)
            if nxt is not None:
                await self.release(nxt, passed_at)
            return None
        rest = [w for w in self.waves if w.number > wave.number]
        for w in rest:
            w.state = W_HELD
        await self.actions.record(
            self.target,
            "rollout-hold",
            J_FAILED,
            f"{_label(wave)} failed its gate in {', '.join(failed)}: "
            + (f"{', '.join(_label(w) for w in rest)} held" if rest else "no wave left"),
        )
        heat_failed = any(self.states.get(r) == FAILED for r in wave.resources)
        return Outcome(
            HEAT_FAILED if heat_failed else GATE_FAILED,
            f"{_label(wave)} failed its gate in {', '.join(failed)}" + (self._token_hint() if heat_failed else ""),
            wave.number,
        )

    def _token_hint(self) -> str:
        """Seen on the lab (#34): a wave released after the user's token expired fails in Heat with
        HTTPUnauthorized when the master's region does not re-authenticate by trusts; Heat needs the
        change sent again on a fresh token (the other waves stay held)."""
        if not any(any(m in r for m in EXPIRED_TOKEN) for r in self.reasons.values()):
            return ""
        return (
            f"; Heat refused a released wave on the token the update began with (expired or revoked: "
            f"{self.topo.master.region}'s Heat does not re-authenticate by trusts). Send it again on a fresh "
            f"token: mrconsole rollout {self.topo.master.name} --continue"
        )

    def _purge_hint(self) -> str:
        """Met in the lab tier on MariaDB (core/diagnosis/why.py TEMPLATE_PURGE): the master's update or rollback
        reached its end and Heat's clean-up of the previous template failed after it, on the master or on a
        constituent; the status says FAILED though the resources were changed. `why` says what clears it."""
        if self.master_status.endswith("_COMPLETE"):
            return ""
        if not any(template_purge_failed(r) for r in (self.master_reason, *self.reasons.values())):
            return ""
        return (
            f"; Heat's clean-up after the {self.master_status.split('_')[0].lower()} failed, not the "
            f"{self.master_status.split('_')[0].lower()} itself (its database refused to delete the previous "
            f"template). What clears it: mrconsole why {self.topo.master.name} --region {self.topo.master.region}"
        )

    def _next(self, wave: WaveProgress) -> WaveProgress | None:
        return self.waves[wave.number] if wave.number < len(self.waves) else None

    def _name(self, resource: str) -> str:
        c = self.constituent(resource)
        return (c.stack_name if c else None) or resource

    def _id(self, resource: str) -> str | None:
        c = self.constituent(resource)
        return c.stack_id if c else None

    async def _gate_one(self, resource: str) -> GateResult:
        """Built in: the constituent UPDATE_COMPLETE, every resource in it complete, no failure event
        during the soak; then the gate command, if any, with its outputs on stdin."""
        c = self.constituent(resource)
        region = (c.region if c else None) or "?"
        if self.states.get(resource) == FAILED:
            return GateResult(resource, region, False, [f"{resource}: UPDATE_FAILED in the master"])
        if c is None or not c.stack_id or not c.region:
            return GateResult(resource, region, False, [f"{resource}: its stack is not known"])
        client = self.fleet.region(c.region)
        problems: list[str] = []
        since = time.time()
        try:
            problems = await healthy(client, c)
            if not problems and self.gate.soak:
                await asyncio.sleep(self.gate.soak)
                problems = await healthy(client, c, since=since)
            detail = await client.get_stack(c.stack_id)
        except CloudError as exc:
            return GateResult(resource, region, False, [f"{region}: {exc.message}"])
        if problems:
            return GateResult(resource, region, False, problems)
        lines = [f"{detail.stack.name}: {detail.stack.status}, every resource complete"]
        if not self.gate.command:
            return GateResult(resource, region, True, lines)
        outputs = {o.key: o.value for o in detail.outputs}
        ok, out = await run_command(
            self.gate.argv(),
            {
                "MRCONSOLE_REGION": region,
                "MRCONSOLE_STACK_ID": detail.stack.id,
                "MRCONSOLE_STACK_NAME": detail.stack.name,
                "MRCONSOLE_MASTER": self.topo.master.name,
            },
            json.dumps(outputs, default=str),
            self.gate.command_timeout,
        )
        return GateResult(resource, region, ok, lines + out)

    async def _finish(self) -> Outcome:
        """Wait for the master's update to end, then remove the breakpoints from every environment."""
        ended = await self._until_master_ends()
        if ended is not None:
            return ended
        if not self.master_status.endswith("_COMPLETE"):
            return Outcome(
                HEAT_FAILED,
                f"{self.topo.master.name}'s update ended {self.master_status}"
                + self._token_hint()
                + self._purge_hint(),
            )
        await self._unless_ended_elsewhere()
        await self.cleanup()
        await self.actions.record(self.target, "rollout-done", J_OK, f"{len(self.waves)} wave(s) rolled out")
        return Outcome(DONE, f"every wave rolled out to {self.topo.master.name}; no breakpoint left")

    async def cleanup(self) -> None:
        """A PATCH with `null` for every constituent: the breakpoints leave the master's environment and, as
        that update reaches every constituent, theirs. It changes no resource."""
        env = {
            "resource_registry": {"resources": {c.resource: None for c in self.topo.constituents}},
            **self._records_env(DONE_RECORD),
        }
        self.marker = await self._newest_marker()
        self.started_seen = False
        self._say("removing the breakpoints (an update that changes no resource)")
        _raise_unless(await self.actions.rollout_update(self.target, env, action="rollout-cleanup"))
        ended = await self._until_master_ends()
        if ended is not None:
            raise RolloutError(ended.message)
        if not self.master_status.endswith("_COMPLETE"):
            raise RolloutError(f"removing the breakpoints: {self.topo.master.name} ended {self.master_status}")

    async def _until_master_ends(self) -> Outcome | None:
        deadline = time.monotonic() + self.limit
        while time.monotonic() < deadline:
            await self._read_events()
            if self.started_seen and not self.master_status.endswith("_IN_PROGRESS"):
                # Confirmed by the stack itself: a late event of an earlier traversal (a constituent that
                # was still failing when this update began) can say FAILED while this one still runs.
                detail = await self.fleet.region(self.topo.master.region).get_stack(self.topo.master.id, outputs=False)
                if not detail.stack.in_progress:
                    self.master_status, self.master_reason = detail.stack.status, detail.stack.status_reason
                    return None
                self.master_status = detail.stack.status
            elif not self.started_seen and not self.master_status.endswith("_IN_PROGRESS"):
                # The update ended before the marker was taken: read the stack itself.
                detail = await self.fleet.region(self.topo.master.region).get_stack(self.topo.master.id, outputs=False)
                if not detail.stack.in_progress and self._last_update_seen(detail.stack.status):
                    self.master_status, self.master_reason = detail.stack.status, detail.stack.status_reason
                    return None
            await asyncio.sleep(self.poll)
        return Outcome(UNREACHABLE, f"{self.topo.master.name}'s update did not end within {self.limit:.0f}s")

    def _last_update_seen(self, status: str) -> bool:
        return self.started_seen or status.startswith(("UPDATE_", "ROLLBACK_"))

    # -- the ways on after a hold ------------------------------------------------
    async def rollback(self, previous: dict[str, str], change_kind: str, status: RolloutStatus) -> Outcome:
        """While the master's update is held: cancel it (Heat rolls every constituent back to what it was).
        After it failed: PATCH the changed parameters back to their values before, and remove the
        breakpoints (Heat has no rollback of a finished update)."""
        if status.master.in_progress:
            await self._until_released_ones_end()
            self.marker = await self._newest_marker()
            _raise_unless(await self.actions.stack_action(self.target, "cancel_update"))
            self._say(f"cancelled {self.topo.master.name}'s update: Heat rolls back every constituent")
            self.started_seen = True
            # Only a pause met by the rollback itself is released: a breakpoint of the cancelled update
            # released now would let that update reach its region after all.
            self.states = {}
            ended = await self._until_rollback_ends()
            if ended is not None:
                return ended
            ok = self.master_status == "ROLLBACK_COMPLETE"
            await self.actions.record(self.target, "rollout-rollback", J_OK if ok else J_FAILED, self.master_status)
            ended_as = self.master_status
            if ok:
                await self._record_again()
            return Outcome(DONE if ok else HEAT_FAILED, f"rolled back by Heat: {ended_as}" + self._purge_hint())
        if change_kind == "template":
            raise RolloutError(
                "the rolled-out change was a new template, and the update has ended: Heat keeps no way back to "
                f"the old one; update {self.topo.master.name} with the previous template (mrconsole stack update "
                f"{self.topo.master.name} -t OLD.yaml)"
            )
        await self.settle()
        self._say(f"sending the values before the rollout back: {_plain(previous) or 'no parameter changed'}")
        env = {
            "resource_registry": {"resources": {c.resource: None for c in self.topo.constituents}},
            **self._records_env(ROLLED_BACK),
        }
        self.marker = await self._newest_marker()
        self.started_seen = False
        _raise_unless(await self.actions.rollout_update(self.target, env, previous, action="rollout-rollback"))
        ended = await self._until_master_ends()
        if ended is not None:
            return ended
        ok = self.master_status == "UPDATE_COMPLETE"
        return Outcome(
            DONE if ok else HEAT_FAILED, f"{self.topo.master.name}: {self.master_status}" + self._purge_hint()
        )

    async def _until_released_ones_end(self, limit: float = 300.0) -> None:
        """Before a held update is cancelled: until no constituent released from its breakpoint (by a wave, or
        by hand with `hooks --clear`) is still updating, in the master (its resource stays UPDATE_IN_PROGRESS
        while Heat's RemoteStack polls the remote stack) or in its own region. The cancel's rollback would
        update it again meanwhile: one clean-clone CI run that cancelled then ended ROLLBACK_FAILED (seen under
        load, not in runs of the test alone: not claimed of Heat in general). Bounded: after `limit` the cancel
        is sent all the same. Cost per look: 1 events request, then C GETs once the master says none updates."""
        deadline = time.monotonic() + limit
        said: list[str] = []
        while time.monotonic() < deadline:
            await self._read_events()
            busy = sorted(r for r, state in self.states.items() if state == UPDATING)
            if not busy:
                break
            if busy != said:  # said once per change, not every look
                self._say(f"waiting for {', '.join(busy)} to end in {self.topo.master.name} before cancelling")
                said = busy
            await asyncio.sleep(self.poll)
        await self.settle(max(0.0, deadline - time.monotonic()))

    async def _record_again(self) -> None:
        """Heat's rollback restored the environment from before the rollout, and this rollout's record went
        with it: written again, ended, in an update that changes no resource (as the clean-up). Best effort:
        the journal keeps it when Heat cannot be updated now."""
        if self.record is None:
            return
        env = {"resource_registry": {"resources": {}}, **self._records_env(ROLLED_BACK)}
        self.marker = await self._newest_marker()
        self.started_seen = False
        self._say(f"recording {self.record.id}'s end in {self.topo.master.name}'s environment")
        result = await self.actions.rollout_update(self.target, env, action="rollout-record")
        if not result.ok:
            self._say(f"the record was not written to Heat ({result.message}); the journal keeps it")
            return
        ended = await self._until_master_ends()
        if ended is not None or not self.master_status.endswith("_COMPLETE"):
            self._say(f"recording the end: {self.topo.master.name} ended {self.master_status}")

    async def _until_rollback_ends(self) -> Outcome | None:
        """Until Heat's rollback ends. One whose previous environment still held breakpoints (a rollout
        stopped earlier) pauses at them: released here, since a rollback must reach every region."""
        deadline = time.monotonic() + self.limit
        while time.monotonic() < deadline:
            await self._read_events()
            for name, state in list(self.states.items()):
                if state == HELD:
                    _raise_unless(await self.actions.release_hook(self.target, name, HOOK))
                    self.states[name] = UPDATING
                    self.released.add(name)
            if self.master_status.startswith("ROLLBACK_") and not self.master_status.endswith("_IN_PROGRESS"):
                return None
            await asyncio.sleep(self.poll)
        return Outcome(UNREACHABLE, f"the rollback did not end within {self.limit:.0f}s")

    async def stop(self, status: RolloutStatus) -> Outcome:
        """Stop everything: cancel the master's update without rollback, and each constituent still in
        progress in its own region (a master's cancel does not reach a remote stack). The breakpoints
        stay in the environment, so no later update reaches a held region by surprise."""
        said = []
        if status.master.in_progress:
            _raise_unless(await self.actions.stack_action(self.target, "cancel_without_rollback"))
            said.append(f"cancelled {self.topo.master.name}'s update without rollback")
        for c in self.topo.constituents:
            if c.region and c.stack_id and c.stack_name:
                try:
                    detail = await self.fleet.region(c.region).get_stack(c.stack_id)
                except CloudError as exc:
                    said.append(f"{c.region}: {c.stack_name} not read ({exc.message})")
                    continue
                if detail.stack.in_progress:
                    target = Target(c.region, c.stack_name, c.stack_id, master_id=self.topo.master.id)
                    _raise_unless(await self.actions.stack_action(target, "cancel_without_rollback"))
                    said.append(f"cancelled {c.stack_name} in {c.region}")
        message = "; ".join(said) or "nothing was in progress"
        await self.actions.record(self.target, "rollout-stop", J_OK, message + "; breakpoints left in place")
        self._say(message)
        return Outcome(DONE, message + "; the breakpoints stay in the master's environment")


def _wave_state(states: list[str]) -> str:
    if any(s == FAILED for s in states):
        return W_FAILED
    if states and all(s == UPDATED for s in states):
        return W_PASSED
    if any(s == UPDATING for s in states):
        return W_UPDATING
    if any(s == HELD for s in states):
        return W_HELD
    return W_WAITING


def _label(wave: WaveProgress) -> str:
    return f"wave {wave.number} ({', '.join(wave.regions)})"


def _plain(parameters: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in parameters.items())


def _raise_unless(result: ActionResult) -> None:
    if not result.ok:
        raise RolloutError(f"{result.action} of {result.stack_name} in {result.region}: {result.message}")


CONTINUE, ROLLBACK, STOP = "continue", "rollback", "stop"


def what_it_does(way: str, status: RolloutStatus, previous: dict, kind: str, force: bool = False) -> list[str]:
    """What a way on does in every region, said before it is sent (the console asks with it; the CLI
    prints it and asks unless --yes)."""
    name = status.master.name
    held = status.master.in_progress
    if way == CONTINUE and force:
        again = status.resend_wave
        regions = status.wave_regions(again)
        return [
            f"{name}'s update ({status.master.status}) is sent again, waves 1-{again} without breakpoints and the "
            f"later ones held: a new Heat update takes over the one in progress; wave {again} ({regions}) is "
            f"updated, then its gate runs"
        ]
    if way == CONTINUE:
        nxt = status.next_wave
        if nxt is None:
            return [f"every wave is done: one update of {name} removes the breakpoints (it changes no resource)"]
        regions = status.wave_regions(nxt)
        if held:
            return [f"wave {nxt} ({regions}) is released: Heat updates its constituents; its gate runs after it"]
        return [
            f"{name}'s update has ended ({status.master.status}): the change is sent again with the later waves "
            f"still held; Heat retries what failed and updates wave {nxt} ({regions})"
        ]
    if way == ROLLBACK:
        if held:
            return [
                f"{name}'s update is cancelled: Heat rolls every constituent back to what it was, in every region "
                "at once (the held ones get an update that changes nothing); no breakpoint is left"
            ]
        if kind == "template":
            return [f"{name} ran a new template: Heat keeps no way back to the old one after the update ended"]
        shown = ", ".join(f"{k}={v}" for k, v in previous.items()) or "nothing recorded"
        return [
            f"{name} is updated with the values before the rollout ({shown}) and no breakpoint: every region at "
            "once; the regions never reached change nothing"
        ]
    return [
        f"{name}'s update is cancelled without rollback (if it runs), and each constituent still updating is "
        "cancelled in its own region (a master's cancel does not reach a remote stack); updated regions keep "
        "the change; held ones stay untouched; the breakpoints stay in the environment"
    ]
