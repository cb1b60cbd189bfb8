"""The recovery report in the console: drift, orphans, reconciliation as actions."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from mrconsole.tui.messages import ActOn


class DriftScreen(Screen):
    BINDINGS = [Binding("escape", "app.back", "Back", id="back"),
                Binding("enter", "apply", "Act on suggestion", id="apply-suggestion"),
                Binding("r", "reload", "Reload", id="reload")]

    def __init__(self, master: str):
        super().__init__(id="drift")
        self.master = master
        self.report = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Recovery report for {self.master}: reading…", style="bold"), id="drift-text")
        yield Static(Text(" Suggested reconciliation (enter acts, with the usual confirmation)", style="bold"))
        yield DataTable(id="suggestions", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Action", "Region", "Stack", "Why")
        self.action_reload()

    def action_reload(self) -> None:
        self.run_worker(self._load(), exclusive=True, group="drift", exit_on_error=False)

    async def _load(self) -> None:
        from mrconsole.core.errors import CloudError

        try:
            self.report = await self.app.session.drift(self.master)
        except CloudError as exc:
            self.query_one("#drift-text", Static).update(
                Text(f"No recovery report yet: {exc.message}", style="bold red"))
            return
        r = self.report
        text = Text()
        text.append(f"master {r.master.name} [{r.master.region}] {r.master.status}\n", style="bold")
        for c in r.constituents:
            text.append(f"  {c.resource} [{c.region}] {c.stack_name}: ", style="cyan")
            text.append("DRIFT\n" if c.drifted else "in line with the master\n",
                        style="bold yellow" if c.drifted else "green")
            for d in c.differences:
                text.append(f"      {d.what}: master says {d.master_says}, actual {d.actual}\n")
        for o in r.orphans:
            text.append(f"  ORPHAN [{o.region}] {o.stack_name} {o.status} (was {o.resource})\n", style="bold red")
        for region, msg in r.unreachable.items():
            text.append(f"  note: {region} unreachable ({msg})\n", style="yellow")
        if r.clean:
            text.append("No drift, no orphans.\n", style="green")
        self.query_one("#drift-text", Static).update(text)
        table = self.query_one(DataTable)
        table.clear()
        for s in r.suggestions:
            table.add_row(s.action, s.region, s.stack, s.why)
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # The table has focus and takes enter itself (select_cursor).
        event.stop()
        self.action_apply()

    def action_apply(self) -> None:
        if not self.report or not self.report.suggestions:
            return
        table = self.query_one(DataTable)
        s = self.report.suggestions[table.cursor_row]
        if s.action == "delete":
            orphan = next(o for o in self.report.orphans if o.stack_name == s.stack)
            self.post_message(ActOn(orphan.region, orphan.stack_id, orphan.stack_name, "delete"))
        else:
            # check, or reapply: the master updates every constituent with what it intends.
            m = self.report.master
            self.post_message(ActOn(m.region, m.id, m.name, s.action))
