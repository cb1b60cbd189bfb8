"""The recovery report in the console: drift, orphans, reconciliation as actions."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from mrconsole.core.diagnosis.reports import SUGGESTION, drift_lines
from mrconsole.core.errors import CloudError
from mrconsole.tui.access import ConsoleAccess
from mrconsole.tui.messages import ActOn
from mrconsole.tui.style import report_text
from mrconsole.tui.widgets.footer import SteadyFooter
from mrconsole.tui.widgets.plain import DataTable, Static


class DriftScreen(ConsoleAccess, Screen):
    BINDINGS = [
        Binding("escape", "app.back", "Back", id="back"),
        Binding("enter", "apply", "Act on suggestion", id="apply-suggestion"),
        Binding("r", "reload", "Reload", id="reload"),
    ]

    def __init__(self, master: str):
        super().__init__(id="drift")
        self.master = master
        self.report: Any = None  # core/master/outage.py DriftReport, once read

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Recovery report for {self.master}: reading…", style="bold"), id="drift-text")
        yield Static(Text(" Suggested reconciliation (enter acts, with the usual confirmation)", style="bold"))
        yield DataTable(id="suggestions", cursor_type="row")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Action", "Region", "Stack", "Why")
        self.action_reload()

    def action_reload(self) -> None:
        self.run_worker(self._load(), exclusive=True, group="drift", exit_on_error=False)

    async def _load(self) -> None:

        try:
            self.report = await self.session.drift(self.master)
        except CloudError as exc:
            self.query_one("#drift-text", Static).update(
                Text(f"No recovery report yet: {exc.message}", style="bold red")
            )
            return
        r = self.report
        # The suggestions are the table below (enter acts on one): not repeated as text.
        text = report_text([line for line in drift_lines(r) if line.kind != SUGGESTION])
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
