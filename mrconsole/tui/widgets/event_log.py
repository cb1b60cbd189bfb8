"""The merged live event stream, coloured by status; failures stand out."""

from __future__ import annotations

from datetime import UTC

from rich.text import Text
from textual.widgets import RichLog

from mrconsole.models import Event
from mrconsole.tui.style import status_text


def event_text(e: Event) -> Text:
    t = e.time.astimezone(UTC).strftime("%H:%M:%S") if e.time else "--:--:--"
    line = Text(f"{t} ", style="dim")
    line.append(f"{e.region:<11} ", style="cyan")
    line.append(f"{e.stack_name} ", style="bold" if e.failed else "")
    line.append(f"{e.resource_name} ")
    line.append_text(status_text(e.status))
    if e.status_reason and (e.failed or e.kind == "gap"):
        line.append(f"  {e.status_reason}", style="red" if e.failed else "magenta")
    if e.failed:
        line.stylize("on #3a0000")
    return line


class EventLog(RichLog):
    def __init__(self, **kwargs):
        super().__init__(max_lines=2000, wrap=False, markup=False, highlight=False, **kwargs)

    def add(self, events: list[Event]) -> None:
        for e in events:
            self.write(event_text(e))
