"""The merged live event stream in aligned columns: time, region, stack, resource, status, reason.

A failure's reason is the first thing an on-call person reads, so it is
never cut: it takes the rest of the line and wraps under its own column
(at 80 columns it goes on the next line, under the stack). Other reasons
are shown when they say something ("state changed" does not), cut to fit.

Lines are laid out once, for the width the log has when they arrive; a
resize does not re-flow what is already written (RichLog keeps rendered
lines), which keeps the cost of an event at one layout.

Time order across regions: each region's events are read on its own, so
one region's can arrive after another's newer ones. A live event is held
for `HOLD` seconds after it arrives, and what is ready is written in event
time order; that costs HOLD (0.25 s) of latency on screen and O(log n) per
event (0.5 s before: a fifth of the first event's seconds in a burst at 20
regions, tests/bench/bench_burst.py, while a region's look comes every
1.25-3 s, so a longer hold catches few more late ones). The hold waits
only for a read under way: events published when no region's events were
being read (`settled`, core/live/events.py) are written at once, with what
was held, so a lone region's action is on screen HOLD sooner. One that still
arrives after a newer one was written (a region that answered late) is
written when it comes, marked `↑` after its time, rather than moved: a log
that reorders itself under the reader's eyes is worse.

Times are HH:MM:SS (UTC); a line of its own names the day (`── 2026-12-06 UTC ──`) before the first event
of a day other than today and wherever the day changes between two lines, so yesterday's 22:46 is not read
as today's.
"""

from __future__ import annotations

import heapq
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date

from rich.text import Text
from textual.timer import Timer

from mrconsole.models import Event
from mrconsole.trace import trace, tracing
from mrconsole.tui import clock
from mrconsole.tui.style import status_text
from mrconsole.tui.widgets.plain import RichLog

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


HOLD = 0.25  # seconds a live event waits for an older one from a slower region


def _when(e: Event) -> float:
    return e.time.timestamp() if e.time else 0.0


class EventLog(RichLog):
    # Said on the border while the log has no line: an empty box reads as a console that is not working.
    EMPTY = "no event yet: each appears here as Heat records it"

    def __init__(self, region_width: int = 11, clock=time.monotonic, **kwargs):
        super().__init__(max_lines=2000, wrap=False, markup=False, highlight=False, **kwargs)
        self.region_width = region_width
        self.clock = clock
        self._held: list[tuple[float, float, int, Event]] = []  # (arrived, event time, sequence, event)
        self._seq = 0
        self._newest = 0.0  # the newest event time written
        self._started = time.time()  # events from before this are history, never "late"
        self._timer: Timer | None = None
        self._day: date | None = None  # the day of the last event written (its day line said)

    def on_mount(self) -> None:
        if not self.lines:
            self.border_subtitle = self.EMPTY

    def columns(self) -> Columns:
        width = self.scrollable_content_region.width or self.app.size.width - 2
        return Columns.fit(width - 1, self.region_width)  # one cell for the scrollbar's gutter

    def add(self, events: Sequence[Event], hold: bool = True, settled: bool = False) -> None:
        """Live events wait HOLD seconds for older ones; `hold=False` (a backlog, a rebuild, already in
        order) writes them at once. `settled` (no region's events were being read when these were published:
        core/live/events.py EventStream.settled) writes them at once too, with what was held, in time order:
        nothing older is on its way for the hold to wait for."""
        if not hold:
            self._write(sorted(events, key=_when))
            return
        now = self.clock()
        for e in events:
            self._seq += 1
            heapq.heappush(self._held, (now, _when(e), self._seq, e))
        if settled:
            self.flush(force=True)
            return
        if self._timer is None and self.is_attached:
            self._timer = self.set_interval(HOLD / 5, self.flush)

    def flush(self, force: bool = False) -> None:
        """Write, in event time order, what has waited HOLD seconds. Cost: O(k log n) for k written."""
        cutoff = self.clock() - HOLD
        ready = []
        while self._held and (force or self._held[0][0] <= cutoff):
            ready.append(heapq.heappop(self._held)[3])
        if ready:
            self._write(sorted(ready, key=_when))
        if not self._held and self._timer is not None:
            self._timer.stop()
            self._timer = None

    def clear(self):
        self._held.clear()
        self._newest = 0.0
        self._day = None
        return super().clear()

    def _day_line(self, e: Event, scroll: bool | None = None) -> None:
        """Name the day above an event whose day is not the last line's (the first: not today's)."""
        if e.time is None:
            return
        day = e.time.astimezone(UTC).date()
        if day != (self._day or clock.moment().date()):
            self.write(Text(f"── {day.isoformat()} UTC ──", style="dim"), scroll_end=scroll)
        self._day = day

    def _write(self, events: list[Event]) -> None:
        if events and self.border_subtitle == self.EMPTY:
            self.border_subtitle = ""
        cols = self.columns()
        # Before the log has a size RichLog keeps the lines to lay out later, and scrolls then itself.
        scroll = False if self._size_known else None
        for e in events:
            line = event_text(e, cols)
            when = _when(e)
            if when and when < self._newest and when >= self._started:
                # Older than what is already shown (its region answered late): said, not moved. History from
                # before the log started (a master's backlog read after the first live batch) is not late.
                line = line[:8] + Text("↑", style="bold yellow") + line[9:] if len(line) > 9 else line
            self._newest = max(self._newest, when)
            self._day_line(e, scroll)
            self.write(line, scroll_end=scroll)
            if e.resource_name == e.stack_name and tracing():
                trace("event-shown", e.region, e.stack_name, e.status)
        if scroll is False and self.auto_scroll:
            # Once for the batch, now: RichLog's own scroll waits for the next repaint and asks another, so a
            # new line at the bottom reached the terminal a frame late. Its own still follows, once: a
            # horizontal scrollbar that the new lines bring is known only after that repaint.
            self.scroll_end(animate=False, immediate=True, x_axis=False)
            self.scroll_end(animate=False, x_axis=False)
