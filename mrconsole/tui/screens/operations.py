"""A master's operations, newest first, and each region's standing (core/diagnosis/operations.py): the
console's twin of `mrconsole operations`."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from mrconsole.core.diagnosis.operations import CURRENT, FAILED_REGION
from mrconsole.core.errors import CloudError, PlanError
from mrconsole.models import Stack
from mrconsole.tui.screens.table import TableScreen
from mrconsole.tui.widgets.plain import DataTable, Static

STYLE = {CURRENT: "green", FAILED_REGION: "red"}  # OUTDATED: yellow
STATE_STYLE = {"done": "green", "running": "yellow", "failed": "red", "stopped": "yellow"}


class OperationsScreen(TableScreen):
    HEAD, TABLE, ZEBRA = "ops-head", "ops-table", True
    COLUMNS = ("Started (UTC)", "Id", "Kind", "By", "State", "Regions", "From")
    BINDINGS = [Binding("escape", "app.back", "Back", id="back"), Binding("g", "reload", "Reload", id="reload-ops")]

    def __init__(self, master: Stack):
        super().__init__(id="operations")
        self.master = master

    def heading(self) -> Text:
        return Text(f"Operations of {self.master.name}: reading…")

    async def _load(self) -> None:
        head = self.query_one(f"#{self.HEAD}", Static)
        try:
            view = await self.session.operations(self.master)
        except (PlanError, CloudError, LookupError) as exc:
            head.update(Text(f"{self.master.name}: {getattr(exc, 'message', str(exc))}", style="bold red"))
            return
        text = Text(f"Operations of {view.master.name} ({view.master.region})", style="bold")
        for region, standing in sorted(view.regions.items()):
            text.append("  ·  ", style="dim")
            text.append(f"{region}: ", style="")
            text.append(standing, style=STYLE.get(standing, "yellow"))
        head.update(text)
        table = self.query_one(DataTable)
        table.clear()
        for o in view.operations:
            table.add_row(
                o.started.replace("T", " ").removesuffix("+00:00"),
                o.id,
                o.kind,
                o.by + (f" → {o.taken_over_by}" if o.taken_over_by else ""),
                Text(o.state, style=STATE_STYLE.get(o.state, "")),
                " ".join(f"{r}={v}" for r, v in sorted(o.results.items())) or "-",
                "Heat" if o.source == "heat" else "this machine",
            )
        if not view.operations:
            head.update(text.append("\nno operation recorded in Heat or in this machine's journal", style="dim"))
        table.focus()
