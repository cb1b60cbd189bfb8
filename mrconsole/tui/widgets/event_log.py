"""The merged live event stream in aligned columns: time, region, stack, resource, status, reason.

A failure's reason is the first thing an on-call person reads, so it is
never cut: it takes the rest of the line and wraps under its own column
(at 80 columns it goes on the next line, under the stack). Other reasons
are shown when they say something ("state changed" does not), cut to fit.

Lines are laid out once, for the width the log has when they arrive; a
resize does not re-flow what is already written (RichLog keeps rendered
lines), which keeps the cost of an event at one layout.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import UTC

from rich.text import Text
from textual.widgets import RichLog

from mrconsole.models import Event
from mrconsole.tui.style import status_text

STATUS_W = 20  # ROLLBACK_IN_PROGRESS
SAYS_NOTHING = ("state changed", "")


@dataclass(frozen=True)
class Columns:
    region: int
    stack: int
    resource: int
    reason: int  # 0: the reason goes on a line of its own
    width: int = 140

    @classmethod
    def fit(cls, width: int, region: int = 11) -> Columns:
        """Widths for a log `width` cells wide: the stack and resource shrink first, then the reason leaves."""
        fixed = 8 + 1 + region + 1 + 1 + STATUS_W + 1  # time, region, gaps, status
        stack, resource = (28, 18) if width >= 110 else (20, 14)
        reason = width - fixed - stack - 1 - resource - 2
        return cls(region, stack, resource, reason if reason >= 24 else 0, width)

    @property
    def reason_at(self) -> int:
        return 8 + 1 + self.region + 1 + self.stack + 1 + self.resource + 1 + STATUS_W + 2


def _cell(text: str, width: int) -> str:
    """Left-aligned in `width`; a longer text keeps its start and its last characters (a constituent's
    name starts with its master and ends with what tells it apart)."""
    if len(text) <= width:
        return text.ljust(width)
    tail = min(5, width // 3)
    return text[: width - tail - 1] + "…" + text[-tail:]


def event_text(e: Event, cols: Columns | None = None) -> Text:
    cols = cols or Columns.fit(140)
    t = e.time.astimezone(UTC).strftime("%H:%M:%S") if e.time else "--:--:--"
    line = Text(f"{t} ", style="dim")
    line.append(f"{_cell(e.region, cols.region)} ", style="cyan")
    line.append(f"{_cell(e.stack_name, cols.stack)} ", style="bold" if e.failed else "")
    # A stack's own event names the stack as its resource; a dash says so without repeating it.
    resource = "—" if e.resource_name in (e.stack_name, "") else e.resource_name
    line.append(f"{_cell(resource, cols.resource)} ", style="" if resource != "—" else "dim")
    status = status_text(e.status)
    status.pad_right(STATUS_W - len(status.plain))
    line.append_text(status)
    reason = (e.status_reason or "").strip()
    loud = e.failed or e.kind == "gap"
    style = "red" if e.failed else ("magenta" if e.kind == "gap" else "dim")
    if reason.lower() not in SAYS_NOTHING or loud:
        if cols.reason and not loud:
            line.append("  " + (reason if len(reason) <= cols.reason else reason[: cols.reason - 1] + "…"), style=style)
        elif cols.reason:
            first, *rest = textwrap.wrap(reason, cols.reason) or [""]
            line.append(f"  {first}", style=style)
            for more in rest:
                line.append("\n" + " " * cols.reason_at + more, style=style)
        elif loud:
            indent = 8 + 1 + cols.region + 1
            for more in textwrap.wrap(reason, max(20, cols.width - indent)):
                line.append("\n" + " " * indent + more, style=style)
    if e.failed:
        line.stylize("on #3a0000")
    return line


class EventLog(RichLog):
    def __init__(self, region_width: int = 11, **kwargs):
        super().__init__(max_lines=2000, wrap=False, markup=False, highlight=False, **kwargs)
        self.region_width = region_width

    def columns(self) -> Columns:
        width = self.scrollable_content_region.width or self.app.size.width - 2
        return Columns.fit(width - 1, self.region_width)  # one cell for the scrollbar's gutter

    def add(self, events: list[Event]) -> None:
        cols = self.columns()
        for e in events:
            self.write(event_text(e, cols))
