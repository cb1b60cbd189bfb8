"""The shape five of the console's screens share: a head line, one table of rows read from the regions, sometimes
a line under it, and the footer. The read runs in a worker (never in a handler), again on the screen's reload key.

Journal, outputs, resources, snapshots and breakpoints are each one `TableScreen`: they say their ids, their
columns and what the head says while the first read runs, and fill the table in `_load`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget

from mrconsole.tui.access import ConsoleAccess
from mrconsole.tui.widgets.footer import SteadyFooter
from mrconsole.tui.widgets.plain import DataTable, Static


class TableScreen(ConsoleAccess, Screen):
    HEAD: ClassVar[str]  # the head line's id
    TABLE: ClassVar[str]  # the table's id
    COLUMNS: ClassVar[tuple[str, ...]]
    BELOW: ClassVar[str] = ""  # the id of a line under the table (a detail, a log), or none
    ZEBRA: ClassVar[bool] = False
    BOXED: ClassVar[bool] = False  # the table and the line under it share one box (they scroll as one)

    def heading(self) -> Text:
        """What the head line says while the first read runs."""
        raise NotImplementedError

    async def _load(self) -> None:
        """Read, then fill the head line and the table."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield Static(self.heading(), id=self.HEAD)
        parts: list[Widget] = [DataTable(id=self.TABLE, cursor_type="row", zebra_stripes=self.ZEBRA)]
        if self.BELOW:
            parts.append(Static("", id=self.BELOW))
        if self.BOXED:
            yield Vertical(*parts)
        else:
            yield from parts
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.table.add_columns(*self.COLUMNS)
        self.action_reload()

    @property
    def table(self) -> DataTable:
        return self.query_one(f"#{self.TABLE}", DataTable)

    def action_reload(self) -> None:
        self.run_worker(self._load(), exclusive=True, group=f"{self.TABLE}-read", exit_on_error=False)
