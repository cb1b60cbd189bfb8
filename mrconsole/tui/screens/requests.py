"""The request log (`L`, `:requests [REGION]`): every HTTP request the console sent, newest at the bottom,
as it was answered (core/live/requests.py). `e` keeps only the failed ones (no answer, 4xx, 5xx); `:requests
REGION` only one region's.

Cost: a look every second while the screen is open adds only the requests sent since the last look
(O(new requests)); a filter changed rebuilds the table from what the log holds (bounded).
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from mrconsole.core.live.requests import clock, failed, last_sent, matching, sent_since, short_path
from mrconsole.tui.screens.table import TableScreen
from mrconsole.tui.widgets.plain import DataTable, Static

SHOWN = 2000  # rows kept on screen: the newest


class RequestsScreen(TableScreen):
    HEAD, TABLE, ZEBRA = "requests-head", "requests-table", True
    # The status before the path: a path runs long (a stack's name and id), and what an operator scans for is
    # which requests failed, at any width.
    COLUMNS = ("Time (UTC)", "Region", "Status", "ms", "Method", "Path", "Heat's request id", "Sent as")
    BINDINGS = [
        Binding("escape", "app.back", "Back", id="back"),
        Binding("e", "errors_only", "Failed only / all", id="requests-errors"),
        Binding("g", "reload", "Reload", id="reload-requests"),
    ]

    def __init__(self, region: str = ""):
        super().__init__(id="requests")
        self.only_region = region
        self.errors_only = False
        self.seen = 0  # the log's sequence number of the last request looked at

    def heading(self) -> Text:
        return Text("Requests sent by this console: reading…")

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(1.0, self.action_reload)

    def action_errors_only(self) -> None:
        self.errors_only = not self.errors_only
        self.seen = 0
        self.table.clear()
        self.action_reload()

    async def _load(self) -> None:
        new = matching(sent_since(self.seen), self.only_region, self.errors_only)
        self.seen = last_sent()
        table = self.query_one(DataTable)
        for r in new:
            status = Text(str(r.status) if r.status is not None else "no answer", style="red" if failed(r) else "")
            table.add_row(
                clock(r.at),
                r.region or "-",
                status,
                f"{r.ms:.0f}",
                r.method,
                short_path(r.path),
                r.heat_request_id or "-",
                r.request_id or "-",
            )
        while table.row_count > SHOWN:
            table.remove_row(next(iter(table.rows)))
        if new:
            table.move_cursor(row=table.row_count - 1)
        which = f" to {self.only_region}" if self.only_region else ""
        shown = "failed ones only (e: all)" if self.errors_only else "e: failed ones only"
        self.query_one(f"#{self.HEAD}", Static).update(
            Text(f"Requests sent by this console{which}: {table.row_count} shown, newest last · {shown}", style="bold")
        )
        if not table.has_focus:
            table.focus()
