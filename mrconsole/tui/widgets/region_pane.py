"""One pane per region: its stacks, which master owns them, and staleness."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from mrconsole.cli.fmt import short_when
from mrconsole.tui.style import HEALTH_ICON, HEALTH_STYLE, ago, status_text


class RegionPane(Vertical):
    """Last known data stays visible when the region is down, dimmed, with its age."""

    def __init__(self, region: str, **kwargs):
        super().__init__(id=f"region-{region}", classes="region-pane", **kwargs)
        self.region_name = region
        self.border_title = region
        self._rows: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("", classes="region-note")
        table = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns("Stack", "Status", "Updated", "Master")
        yield table

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    def show(self, view, health, owner_of, name_filter: str = "") -> None:
        state = health.state if health else "unknown"
        self.border_title = f"{HEALTH_ICON.get(state, '?')} {self.region_name}"
        self.border_subtitle = f"{len(view.stacks)} stacks"
        self.set_class(state == "down" or view.stale, "down")
        note = self.query_one(".region-note", Static)
        if view.stale:
            note.update(Text(f"unreachable: {view.error} — showing data from {ago(view.fetched_at)} ago"
                             if view.fetched_at else f"unreachable: {view.error} — no data yet",
                             style=HEALTH_STYLE["down"]))
            note.display = True
        else:
            note.display = False
        table = self.table
        stacks = [s for s in view.stacks if name_filter.lower() in s.name.lower()]
        keys = [s.id for s in stacks]
        if keys != self._rows:
            cursor = table.cursor_row
            table.clear()
            for s in stacks:
                table.add_row(s.name, status_text(s.status), short_when(s.changed_time), owner_of(self.region_name, s) or "",
                              key=s.id)
            self._rows = keys
            if stacks:
                table.move_cursor(row=min(cursor, len(stacks) - 1))
        else:
            for s in stacks:
                table.update_cell(s.id, table.ordered_columns[1].key, status_text(s.status))
                table.update_cell(s.id, table.ordered_columns[2].key, short_when(s.changed_time))
                table.update_cell(s.id, table.ordered_columns[3].key, owner_of(self.region_name, s) or "")

    def selected_stack_id(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - an empty or moving table has no selection
            return None
