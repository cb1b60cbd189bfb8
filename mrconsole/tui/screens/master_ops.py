"""A master that outlives its region, from the console: move it (Heat's adopt), its snapshots.

Both screens only present what the core plans (core/master/rehome.py, core/master/snapshots.py, the same planners as
`mrconsole move` and `mrconsole snapshot`) and ask before anything is sent, with what it does in every
region. Nothing here decides a rule of its own.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen

from mrconsole.core.acting.actions import ActionError, ReadOnlyError
from mrconsole.core.acting.plan import parse_parameter_text
from mrconsole.core.errors import CloudError, PlanError
from mrconsole.core.live.view import Acting
from mrconsole.core.master.rehome import CopiesMade, RehomePlan
from mrconsole.models import Stack
from mrconsole.tui.access import ConsoleAccess
from mrconsole.tui.messages import ActOn, Change, Outcome, perform, said_of
from mrconsole.tui.planning import planned
from mrconsole.tui.screens.actions import findings_text
from mrconsole.tui.screens.table import TableScreen
from mrconsole.tui.widgets.footer import SteadyFooter
from mrconsole.tui.widgets.plain import Button, DataTable, Input, Label, Static

REFUSALS = (PlanError, ActionError, ReadOnlyError)


class RehomeScreen(ConsoleAccess, Screen):
    """Move the master to another region: the target, the plan (who it will own, how old the data is), then
    the move. Offered whenever a master is shown; it is the way on when the master's region is lost."""

    BINDINGS = [
        Binding("escape", "app.back", "Back", id="back"),
        Binding("f5", "move", "Move", id="move-master"),
    ]

    def __init__(self, master: str, region: str | None):
        super().__init__(id="rehome")
        self.master = master
        self.master_region = region
        self.plan: RehomePlan | None = None
        self.copies: CopiesMade | None = None  # what Heat made instead of adopting, if it did
        self._sending = False

    def compose(self) -> ComposeResult:
        down = self.session.region_down(self.master_region) if self.master_region else ""
        head = Text(f"Move master {self.master} ", style="bold")
        head.append(f"(now in {self.master_region or '?'}", style="")
        head.append(f", unreachable: {down})" if down else ", which answers: a planned move)", "red" if down else "")
        yield Static(head, id="rehome-head")
        with VerticalScroll(id="rehome-body"):
            with Horizontal(classes="form-row"):
                yield Label("to region ", classes="form-label")
                yield Input(self._default_target(), id="rehome-to")
            with Horizontal(classes="form-row"):
                yield Label("new name  ", classes="form-label")
                yield Input(placeholder=f"empty: {self.master}", id="rehome-name")
            with Horizontal(classes="form-row"):
                yield Label("hidden    ", classes="form-label")
                yield Input(
                    placeholder="KEY=VALUE for each hidden parameter (never kept by the console)",
                    password=True,
                    id="rehome-params",
                )
            with Horizontal(id="rehome-buttons"):
                yield Button("Preview", id="rehome-preview", variant="primary")
                yield Button("Move (F5)", id="rehome-go", variant="error", disabled=True)
                # Shown only when Heat created copies instead of adopting (core/rehome.CopiesMade).
                yield Button("Remove the copies…", id="rehome-copies", variant="warning", classes="hidden")
            yield Static(
                Text("enter or Preview shows the plan; nothing is sent before F5 and a yes", "dim"), id="rehome-plan"
            )
        yield SteadyFooter()

    def _default_target(self) -> str:
        """The first region other than the master's that answers."""
        down = self.session.down_regions()
        return next((r for r in self.session.region_names if r != self.master_region and r not in down), "")

    def on_mount(self) -> None:
        self.query_one("#rehome-to", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_worker(self._preview(), exclusive=True, group="rehome-plan", exit_on_error=False)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.plan = None  # what was previewed is no longer what is typed
        self.query_one("#rehome-go", Button).disabled = True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "rehome-preview":
            self.run_worker(self._preview(), exclusive=True, group="rehome-plan", exit_on_error=False)
        elif event.button.id == "rehome-copies" and self.copies is not None:
            # The delete's own confirmation lists what goes (the new master and its copies) before a name is
            # typed: the previewed action, as `stack delete ID --preview` in the CLI.
            made = self.copies
            self.post_message(ActOn(made.region, made.stack_id, made.name, action="delete"))
        elif event.button.id == "rehome-go":
            self.action_move()

    async def _preview(self) -> RehomePlan | None:
        out = self.query_one("#rehome-plan", Static)
        out.update(Text("reading the master or its cache…", style="dim"))
        try:
            params = parse_parameter_text(self.query_one("#rehome-params", Input).value)
            plan = await planned(
                self.app,
                f"move of {self.master}",
                self.session.plan_rehome(
                    self.master,
                    self.query_one("#rehome-to", Input).value.strip(),
                    self.query_one("#rehome-name", Input).value.strip(),
                    params,
                    self.console.read_only,
                ),
            )
        except PlanError as exc:
            out.update(Text(str(exc), style="red"))
            return None
        except CloudError as exc:
            out.update(Text(f"{exc.region}: {exc.message}", style="red"))
            return None
        self.plan = plan
        text = Text("\n".join(plan.lines()) + "\n")
        text.append_text(findings_text(plan.findings))
        if not plan.blocking:
            text.append("\nF5 moves it (asked once more).", style="dim")
        out.update(text)
        self.query_one("#rehome-go", Button).disabled = bool(plan.blocking)
        return plan

    def action_move(self) -> None:
        if not self._sending:
            self.run_worker(self._move(), exclusive=True, group="rehome-go", exit_on_error=False)

    async def _move(self) -> None:
        plan = self.plan or await self._preview()
        if plan is None or plan.blocking:
            return
        # The new master's region, and the old one's when it answers (its master is abandoned there).
        changed = [plan.to_region, *([plan.old_region] if plan.old_reachable else [])]
        out = self.query_one("#rehome-plan", Static)

        async def send(acts: Acting, _typed: str):
            self._sending = True
            out.update(Text(f"adopting {plan.name} in {plan.to_region}…", style="yellow"))
            try:
                return await acts.rehome(plan, self.console.read_only)
            finally:
                self._sending = False

        change = Change(
            "Move the master?",
            plan.lines(),
            f"move of {plan.old_name}",
            changed,
            declined="not moved: nothing was sent",
        )
        outcome = await perform(self, change, send)
        if isinstance(outcome.error, CopiesMade):
            self.copies = outcome.error
            self.query_one("#rehome-copies", Button).remove_class("hidden")
        if isinstance(outcome.error, CloudError):
            out.update(Text(f"{outcome.error.region}: {outcome.error.message}", style="red"))
        elif outcome.error is not None:
            out.update(Text(str(outcome.error), style="red"))
        elif outcome.sent:
            _new_id, said = outcome.value
            out.update(Text(said + "\nThe console now shows the new master (escape).", style="green"))
            self.notify(said, timeout=10)


class SnapshotsScreen(TableScreen):
    """A master's snapshots: take one, restore one (what it does in each region first), delete one."""

    HEAD, TABLE, BELOW, BOXED = "snap-head", "snap-table", "snap-log", True
    COLUMNS = ("Name", "Status", "Created (UTC)", "ID")

    BINDINGS = [
        Binding("escape", "app.back", "Back", id="back"),
        Binding("n", "take", "Snapshot now", id="take-snapshot"),
        Binding("enter", "restore", "Restore", id="restore-snapshot"),
        Binding("d", "delete", "Delete", id="delete-snapshot"),
        Binding("g", "reload", "Reload", id="reload-snapshots"),
    ]

    def __init__(self, master: Stack):
        super().__init__(id="snapshots")
        self.master = master
        self.snaps: list[dict] = []

    def heading(self) -> Text:
        return Text(f"Snapshots of {self.master.name}: reading…")

    async def _load(self) -> None:
        head = self.query_one("#snap-head", Static)
        try:
            self.snaps = await self.session.snapshots(self.master)
        except CloudError as exc:
            head.update(Text(f"{self.master.name} ({self.master.region}): cannot read: {exc.message}", "bold red"))
            return
        text = Text(f"Snapshots of {self.master.name} ({self.master.region})  ", style="bold")
        text.append(
            f"{len(self.snaps)}: a master's snapshot holds each constituent's, taken in its region"
            if self.snaps
            else "none: n takes one"
        )
        head.update(text)
        table = self.query_one(DataTable)
        table.clear()
        for s in self.snaps:
            status = s.get("status") or "-"
            style = {"COMPLETE": "green", "FAILED": "red"}.get(status, "yellow")
            table.add_row(s.get("name") or "-", Text(status, style=style), s.get("creation_time") or "-", s["id"])
        table.focus()

    def _say(self, text: str, style: str = "") -> None:
        self.query_one("#snap-log", Static).update(Text(text, style=style))

    def _said(self, outcome: Outcome, describe) -> None:
        """What became of a change, in this screen's log line (tui/acting.py has notified a refusal)."""
        if isinstance(outcome.error, CloudError):
            self._say(f"{outcome.error.region}: {outcome.error.message}", "red")
        elif outcome.error is not None:
            self._say(str(outcome.error), "red")
        elif outcome.sent:
            text, ok = describe(outcome.value)
            self._say(text, "green" if ok else "red")

    async def _attempt(self, work):
        """`work`'s result, or None when it was refused or a region did not answer (said here)."""
        try:
            return await work
        except REFUSALS as exc:
            self._say(str(exc), "red")
        except CloudError as exc:
            self._say(f"{exc.region}: {exc.message}", "red")
        return None

    def _current(self) -> dict | None:
        if not self.snaps:
            self.notify("no snapshot: n takes one", severity="warning")
            return None
        return self.snaps[self.query_one(DataTable).cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_restore()

    def action_take(self) -> None:
        self.run_worker(self._take(), exclusive=True, group="snap-act", exit_on_error=False)

    async def _take(self) -> None:
        what = [
            f"Heat snapshots {self.master.name} in {self.master.region}, and each constituent in its own region.",
            "Every constituent's region must answer, or the snapshot fails.",
        ]

        async def send(acts: Acting, _typed: str):
            self._say("snapshotting (waits until Heat says COMPLETE)…", "yellow")
            return await acts.take_snapshot(self.master, "console", self.console.read_only)

        subject = f"snapshot of {self.master.name}"
        outcome = await perform(self, Change(f"Snapshot {self.master.name}?", what, subject), send)
        self._said(outcome, lambda snap: (f"snapshot {snap['name']} COMPLETE", True))
        if outcome.sent:
            await self._load()

    def action_restore(self) -> None:
        self.run_worker(self._restore(), exclusive=True, group="snap-act", exit_on_error=False)

    async def _restore(self) -> None:
        snap = self._current()
        if snap is None:
            return
        plan = await self._attempt(
            planned(
                self.app,
                f"restore of {snap.get('name') or snap['id']}",
                self.session.plan_restore(self.master, snap["id"], self.console.read_only),
            )
        )
        if plan is None:
            return
        text = Text("\n".join(plan.lines()) + "\n")
        text.append_text(findings_text(plan.findings))
        self.query_one("#snap-log", Static).update(text)
        if plan.blocking:
            self.notify("the preflight refuses this restore: see why below", severity="error", timeout=8)
            return
        change = Change("Restore?", plan.lines(), f"restore of {self.master.name}", plan.topology.regions())
        outcome = await perform(self, change, lambda acts, _typed: acts.restore(plan, self.console.read_only))
        self._said(
            outcome, lambda r: said_of(r, f"restore of {r.stack_name}: accepted; its progress is in the event stream")
        )

    def action_delete(self) -> None:
        self.run_worker(self._delete(), exclusive=True, group="snap-act", exit_on_error=False)

    async def _delete(self) -> None:
        snap = self._current()
        if snap is None:
            return
        name = snap.get("name") or snap["id"]
        what = [f"Heat deletes snapshot {name} of {self.master.name}, and each constituent's in its region."]
        change = Change(f"Delete snapshot {name}?", what, f"delete of snapshot {name}")
        outcome = await perform(
            self, change, lambda acts, _typed: acts.delete_snapshot(self.master, snap["id"], self.console.read_only)
        )
        self._said(outcome, lambda r: said_of(r, f"snapshot {name}: deleted"))
        if outcome.sent:
            await self._load()
