"""Rolling a master's change out in waves (core/rollout/waves.py, core/rollout/run.py), and its breakpoints.

The rollout screen has two faces. With no rollout of the master under way:
the change (KEY=VALUE parameters, or empty for a re-apply), the waves
(editable, one region per wave by default), the soak and an optional gate
command; enter shows the plan and its preflight, F5 starts it. With one
under way (started here, by `mrconsole rollout`, or by a console that was
closed): a row per wave and region with where it stands, the steps and the
gate's output, and the ways on: release the next wave, hold after the
current one, roll back, or stop everything, each asked before it is sent.

The driver runs in an app worker, so leaving the screen does not stop a
rollout; opening it again shows the same one.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen

from mrconsole.core.acting.actions import ActionError, ReadOnlyError
from mrconsole.core.acting.plan import parse_parameter_text
from mrconsole.core.errors import CloudError, PlanError
from mrconsole.core.live.view import Acting
from mrconsole.core.master.topology import Topology
from mrconsole.core.rollout.gate import Gate, gate_argv
from mrconsole.core.rollout.record import operator_id
from mrconsole.core.rollout.run import (
    CONTINUE,
    ROLLBACK,
    STOP,
    W_FAILED,
    W_GATE,
    W_HELD,
    W_PASSED,
    W_UPDATING,
    RolloutError,
    RolloutRun,
    what_it_does,
)
from mrconsole.core.rollout.waves import FAILED, HELD, NONE, UPDATED, UPDATING, RolloutPlan, RolloutStatus
from mrconsole.models import Stack
from mrconsole.tui.access import ConsoleAccess
from mrconsole.tui.messages import Change, perform, said_of
from mrconsole.tui.planning import planned
from mrconsole.tui.screens.actions import findings_text
from mrconsole.tui.screens.table import TableScreen
from mrconsole.tui.widgets.footer import SteadyFooter
from mrconsole.tui.widgets.plain import Checkbox, DataTable, Input, Label, Static

# What Heat says of a constituent in the master's update (core/rollout/waves.py) ...
CONSTITUENT_TEXT = {
    HELD: ("at breakpoint", "yellow"),
    UPDATING: ("updating", "cyan"),
    UPDATED: ("updated", "green"),
    FAILED: ("failed", "bold red"),
}
# ... and what this console's driver says of its wave (core/rollout/run.py), when it drives one.
WAVE_TEXT = {
    W_GATE: ("gate running", "cyan"),
    W_PASSED: ("gate passed", "green"),
    W_FAILED: ("gate failed", "bold red"),
    W_HELD: ("held: not released", "yellow"),
}


def row_state(constituent_state: str, wave_state: str | None) -> Text:
    """What one region's row says: the driver's view of its wave when it has one, else Heat's."""
    if wave_state in (W_GATE, W_PASSED, W_FAILED) or (wave_state == W_HELD and constituent_state in (HELD, "waiting")):
        label, style = WAVE_TEXT[wave_state]
    elif wave_state == W_UPDATING and constituent_state in (HELD, "waiting"):
        label, style = CONSTITUENT_TEXT[UPDATING]
    else:
        label, style = CONSTITUENT_TEXT.get(constituent_state, (constituent_state, "dim"))
    return Text(label, style=style)


class RolloutScreen(ConsoleAccess, Screen):
    BINDINGS = [
        Binding("escape", "app.back", "Back", id="back"),
        Binding("f5", "start", "Start", id="start-rollout"),
        Binding("c", "go_on", "Release next wave", id="release-wave"),
        Binding("h", "hold", "Hold after this wave", id="hold-rollout"),
        Binding("b", "roll_back", "Roll back", id="rollback-rollout"),
        Binding("x", "stop_all", "Stop everything", id="stop-rollout"),
        Binding("g", "reload", "Reload", id="reload-rollout"),
    ]

    def __init__(self, master: Stack):
        super().__init__(id="rollout")
        self.master = master
        self.status: RolloutStatus | None = None
        self.topo: Topology | None = None
        self.plan: RolloutPlan | None = None
        self.busy = False

    @property
    def run(self) -> RolloutRun | None:
        return self.console.rollouts.get(self.master.id)

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Roll out in waves: {self.master.name} ({self.master.region}): reading…"), id="rollout-head")
        with Vertical(id="rollout-form"):
            with Horizontal(classes="form-row"):
                yield Label("change ", classes="form-label")
                yield Input(placeholder="KEY=VALUE … (empty: re-apply)", id="rollout-params")
            with Horizontal(classes="form-row"):
                yield Label("waves  ", classes="form-label")
                yield Input(id="rollout-waves")
            with Horizontal(classes="form-row"):
                yield Label("soak s ", classes="form-label")
                yield Input("0", id="rollout-soak")
            with Horizontal(classes="form-row"):
                yield Label("gate   ", classes="form-label")
                yield Input(placeholder="a command per region, exit 0 passes (optional)", id="rollout-gate")
            with Horizontal(classes="form-row"):
                yield Label("       ", classes="form-label")
                yield Checkbox("snapshot the master first (each constituent in its region)", id="rollout-snapshot")
        yield DataTable(id="rollout-table", cursor_type="row")
        with VerticalScroll(id="rollout-log-box"):
            yield Static("", id="rollout-log")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#rollout-table", DataTable).add_columns("Wave", "Region", "Constituent", "State", "Stack")
        self.query_one("#rollout-form").display = False
        self.action_reload()

    # -- reading -----------------------------------------------------------------
    def action_reload(self) -> None:
        self.run_worker(self._load(), exclusive=True, group="rollout-read", exit_on_error=False)

    async def _load(self) -> None:
        try:
            self.topo, self.status = await self.session.rollout_state(self.master)
        except CloudError as exc:
            self._head(Text(f"{self.master.name}: cannot read the master: {exc.message}", style="bold red"))
            return
        self.show()

    def _head(self, text: Text) -> None:
        self.query_one("#rollout-head", Static).update(text)

    def show(self) -> None:
        status, run = self.status, self.run
        if status is None:
            return
        under_way = run is not None or status.phase != NONE
        form = self.query_one("#rollout-form")
        form.display = not under_way
        head = Text(f"Roll out in waves: {self.master.name} ({self.master.region})  ", style="bold")
        if under_way:
            head.append(f"{status.phase}: {status.message}" if run is None else self._run_line(run))
        else:
            head.append("no rollout under way: type the change, enter shows the plan, F5 starts it")
            waves = self.query_one("#rollout-waves", Input)
            if not waves.value:
                waves.value = ";".join(",".join(w) for w in status.waves)
        self._head(head)
        self._table()
        self._log()
        if not under_way and not self.focused:
            self.query_one("#rollout-params", Input).focus()
        elif under_way:
            self.query_one("#rollout-table", DataTable).focus()

    def _run_line(self, run: RolloutRun) -> str:
        if self.busy:
            return "running (h holds it after the current wave)"
        failed = [w for w in run.waves if w.state == W_FAILED]
        held = [w for w in run.waves if w.state == W_HELD]
        if failed or held:
            why = f"wave {failed[0].number} failed its gate" if failed else "held by the operator"
            return f"held: {why}; c releases the next wave, b rolls back, x stops everything"
        last = run.steps[-1] if run.steps else ""
        return last.strip() or "ready"

    def _table(self) -> None:
        status, run = self.status, self.run
        assert status is not None
        table = self.query_one("#rollout-table", DataTable)
        table.clear()
        wave_state = {}
        if run is not None:
            for w in run.waves:
                for r in w.resources:
                    wave_state[r] = w.state
        for number, _regions, members in status.wave_states():
            for c in members:
                state = run.states.get(c.resource, c.state) if run is not None else c.state
                table.add_row(
                    str(number),
                    c.region,
                    c.resource,
                    row_state(state, wave_state.get(c.resource)),
                    c.stack_name or "-",
                )

    def _log(self) -> None:
        text = Text()
        if self.plan is not None and (self.run is None):
            for line in self.plan.lines():
                text.append(line + "\n")
            text.append_text(findings_text(self.plan.findings))
        run = self.run
        if run is not None:
            for step in run.steps[-30:]:
                text.append(step + "\n", style="red" if "failed" in step else "")
        elif self.status is not None and self.status.breakpoints:
            text.append(f"breakpoints in the environment: {', '.join(self.status.breakpoints)}\n", style="yellow")
        record = self._record()
        if record is not None:
            mine = record.owner == operator_id()
            text.append(f"operation: {record.describe()}\n", style="" if mine else "yellow")
            if not mine:
                text.append("acting on it takes it over: you type its id; the take-over is journaled\n", "dim")
        if self.status is not None and self.status.phase != NONE and run is None:
            text.append("c: release the next wave · b: roll back · x: stop everything · h: hold after a wave\n", "dim")
        self.query_one("#rollout-log", Static).update(text)

    # -- the plan ----------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_worker(self._plan(), exclusive=True, group="rollout-plan", exit_on_error=False)

    def _form(self) -> tuple[dict[str, str], str, Gate]:
        params = parse_parameter_text(self.query_one("#rollout-params", Input).value)
        try:
            soak = float(self.query_one("#rollout-soak", Input).value or "0")
        except ValueError:
            raise PlanError("soak: a number of seconds", usage=True) from None
        command = self.query_one("#rollout-gate", Input).value.strip() or None
        if command:
            gate_argv(command)
        return params, self.query_one("#rollout-waves", Input).value.strip(), Gate(soak, command)

    async def _plan(self) -> bool:
        try:
            params, waves, gate = self._form()
            self.plan = await planned(
                self.app,
                f"rollout of {self.master.name}",
                self.session.plan_rollout(self.master, params, waves, gate.soak, self.console.read_only),
            )
        except PlanError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return False
        except CloudError as exc:
            self.notify(f"{exc.region}: {exc.message}", severity="error", timeout=8)
            return False
        self._log()
        if self.plan.blocking:
            self.notify("the preflight refuses this rollout: see why below", severity="error", timeout=8)
        else:
            self.notify("F5 starts the rollout", timeout=5)
        return True

    def action_start(self) -> None:
        if self.run is not None or (self.status is not None and self.status.phase != NONE):
            self.notify("a rollout of this master is under way: c, h, b or x act on it", severity="warning")
            return
        self.run_worker(self._start(), exclusive=True, group="rollout-start", exit_on_error=False)

    async def _start(self) -> None:
        if not await self._plan() or self.plan is None or self.plan.blocking:
            return
        plan = self.plan

        async def send(acts: Acting, _typed: str) -> None:
            _params, _waves, gate = self._form()
            run = acts.rollout_run(
                plan.topology, tuple(w.regions for w in plan.waves), gate, self.console.read_only, self._stepped
            )
            self.console.rollouts[self.master.id] = run
            first = self.query_one("#rollout-snapshot", Checkbox).value
            self._drive(self._snapshot_then(acts, run, plan) if first else run.start(plan))

        change = Change(
            f"Start the rollout of {plan.master.name}?",
            [*plan.lines(), ""] + [str(f) for f in plan.findings],
            f"rollout of {plan.master.name}",
            plan.topology.regions(),
            declined="rollout not started: nothing was sent",
        )
        await perform(self, change, send)

    async def _snapshot_then(self, acts: Acting, run: RolloutRun, plan: RolloutPlan):
        """Snapshot first: the rollout starts only once Heat says the snapshot is COMPLETE."""
        run.steps.append(f"snapshotting {plan.master.name} (each constituent in its region)…")
        self._stepped("")
        try:
            snap = await acts.take_snapshot(self.master, "rollout", self.console.read_only)
        except (PlanError, ActionError, ReadOnlyError, CloudError):
            self.console.rollouts.pop(self.master.id, None)  # nothing was started: no rollout to show
            raise
        run.steps.append(f"snapshot {snap['name']} COMPLETE: S restores it from the snapshots screen")
        return await run.start(plan)

    # -- driving ------------------------------------------------------------------
    def _stepped(self, text: str) -> None:
        if self.is_attached:
            self._table_from_run()
            self._log()

    def _table_from_run(self) -> None:
        if self.status is not None:
            self._table()

    def _drive(self, work) -> None:
        self.busy = True
        self.show()

        async def go():
            try:
                outcome = await work
                self.notify(outcome.message, severity="information" if outcome.ok else "error", timeout=10)
            except (RolloutError, ActionError, ReadOnlyError, PlanError) as exc:
                self.notify(str(exc), severity="error", timeout=10)
            except CloudError as exc:
                self.notify(f"{exc.region}: {exc.message}", severity="error", timeout=10)
            finally:
                self.busy = False
                if self.is_attached:
                    await self._load()

        # On the app: leaving this screen does not stop the rollout.
        self.app.run_worker(go(), group=f"rollout-{self.master.id}", exit_on_error=False)

    def _record(self):
        """The operation's record: this console's run's (taken over here, perhaps), else Heat's."""
        if self.run is not None and self.run.record is not None:
            return self.run.record
        return self.status.operation if self.status is not None else None

    def _asked(self, question: str, what: list[str]) -> Change:
        """The question of a way on; another operator's rollout is taken over explicitly: its id typed."""
        record = self._record()
        if record is None or record.owner == operator_id():
            return Change(question, what, "this rollout", self._touched())
        return Change(
            f"Take over {record.id}? " + question,
            [f"{record.describe()}: it is {record.owner_name}'s until taken over", *what],
            "this rollout",
            self._touched(),
            typed_name=record.id,
        )

    def _touched(self) -> list[str]:
        """A rollout and its ways on change the master and every constituent (their protected regions typed)."""
        return self.topo.regions() if self.topo is not None else []

    async def _ready_run(self, acts: Acting) -> RolloutRun | None:
        """The run to act with: this console's own, or one taken over from Heat's state."""
        if self.busy:
            self.notify("the rollout is running: h holds it after the current wave", severity="warning")
            return None
        await self._load()
        status = self.status
        if status is None or self.topo is None:
            return None
        run = self.run
        if run is None:
            run = acts.rollout_run(self.topo, status.waves, Gate(), self.console.read_only, self._stepped)
            self.console.rollouts[self.master.id] = run
        run.adopt(status, None)
        await run.take_over(True)  # asked before (_asked): the id was typed
        await run.prime()
        run.hold = False
        return run

    def action_go_on(self) -> None:
        self.run_worker(self._go_on(), exclusive=True, group="rollout-act", exit_on_error=False)

    async def _go_on(self) -> None:
        status = self.status
        if status is None or status.phase == NONE and self.run is None:
            self.notify("no rollout under way", severity="warning")
            return
        nxt = status.next_wave
        # An update running with no wave held: its engine may have died (Heat 27 resumes no convergence update
        # after a restart); the way on is the change sent again, a new update taking the dead one over.
        again = nxt is None and status.phase == "running" and not self.busy
        if nxt is None and status.phase != "finishing" and not again:
            self.notify(f"no wave is held: {status.message}", severity="warning")
            return
        what = what_it_does(CONTINUE, status, {}, "", force=again)
        if again:
            what = [
                f"No wave is held: {status.message}. If its Heat went down during the update, it never ends.",
                *what,
            ]
        first = status.resend_wave if again else nxt

        async def send(acts: Acting, _typed: str) -> None:
            run = await self._ready_run(acts)
            if run is not None:
                self._drive(run.drive(first, resend=again) if first else self._cleanup(run))

        question = "Send the change again?" if again else "Release the next wave?"
        await perform(self, self._asked(question, what), send)

    async def _cleanup(self, run: RolloutRun):
        from mrconsole.core.rollout.run import DONE, Outcome

        await run.cleanup()
        return Outcome(DONE, "the breakpoints are removed")

    def action_hold(self) -> None:
        run = self.run
        if run is None or not self.busy:
            self.notify("nothing is running to hold", severity="warning")
            return
        run.hold = True
        self.notify("the rollout holds after the current wave's gate")

    def action_roll_back(self) -> None:
        self.run_worker(self._roll_back(), exclusive=True, group="rollout-act", exit_on_error=False)

    async def _roll_back(self) -> None:
        status = self.status
        if status is None or status.phase == NONE:
            self.notify("no rollout under way", severity="warning")
            return
        op = status.operation
        kind, previous = (op.change, op.previous) if op else await self.session.journaled_plan(self.master)
        what = what_it_does(ROLLBACK, status, previous, kind)

        async def send(acts: Acting, _typed: str) -> None:
            run = await self._ready_run(acts)
            if run is not None and self.status is not None:
                self._drive(run.rollback(previous, kind, self.status))

        await perform(self, self._asked("Roll back the rollout?", what), send)

    def action_stop_all(self) -> None:
        self.run_worker(self._stop_all(), exclusive=True, group="rollout-act", exit_on_error=False)

    async def _stop_all(self) -> None:
        status = self.status
        if status is None or status.phase == NONE:
            self.notify("no rollout under way", severity="warning")
            return
        what = what_it_does(STOP, status, {}, "")

        async def send(acts: Acting, _typed: str) -> None:
            run = await self._ready_run(acts)
            if run is not None and self.status is not None:
                self._drive(run.stop(self.status))

        await perform(self, self._asked("Stop everything?", what), send)


class BreakpointsScreen(TableScreen):
    """Every breakpoint of a master and its constituents, in their regions; enter releases a waiting one."""

    HEAD, TABLE = "bp-head", "bp-table"
    COLUMNS = ("Region", "Stack", "Resource", "Hooks set", "Waiting at")

    BINDINGS = [
        Binding("escape", "app.back", "Back", id="back"),
        Binding("enter", "clear", "Release", id="clear-breakpoint"),
        Binding("g", "reload", "Reload", id="reload-breakpoints"),
    ]

    def __init__(self, master: Stack):
        super().__init__(id="breakpoints")
        self.master = master
        self.points: list = []

    def heading(self) -> Text:
        return Text(f"Breakpoints of {self.master.name} and its constituents: reading…")

    async def _load(self) -> None:
        try:
            self.points, unread = await self.session.breakpoints(self.master)
        except CloudError as exc:
            self.query_one("#bp-head", Static).update(Text(f"cannot read: {exc.message}", style="bold red"))
            return
        head = Text(f"Breakpoints of {self.master.name} and its constituents", style="bold")
        waiting = sum(1 for p in self.points if p.pending)
        head.append(f"  {len(self.points)} set, {waiting} waiting" if self.points else "  none", style="")
        if waiting:
            head.append("  (enter releases the one under the cursor)", style="dim")
        for name, why in unread.items():
            head.append(f"\n{name}: not read ({why})", style="yellow")
        self.query_one("#bp-head", Static).update(head)
        table = self.query_one(DataTable)
        table.clear()
        for p in self.points:
            table.add_row(
                p.region,
                p.stack_name,
                p.resource,
                p.hooks or "-",
                Text(p.pending, style="bold yellow") if p.pending else Text("-", style="dim"),
            )
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_clear()

    def action_clear(self) -> None:
        if not self.points:
            return
        point = self.points[self.query_one(DataTable).cursor_row]
        if not point.pending:
            self.notify(f"nothing waits at {point.resource}'s breakpoint", severity="warning")
            return
        self.run_worker(self._clear(point), exclusive=True, group="bp-clear", exit_on_error=False)

    async def _clear(self, point) -> None:
        what = [f"Heat goes on with {point.resource} in {point.stack_name} ({point.region}): its {point.pending}."]
        change = Change(
            f"Release {point.resource}?",
            what,
            f"release of {point.resource}",
            [point.region],
            report=lambda result: said_of(result, f"{point.resource}: released"),
        )
        outcome = await perform(
            self, change, lambda acts, _typed: acts.release_breakpoint(point, self.console.read_only)
        )
        if outcome.sent:
            await self._load()
