"""The merged stream full screen: follow/pause, filters, failures only, save."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from mrconsole.core.live.changes import EventsArrived, TimelineRewound
from mrconsole.core.live.event_filter import EventFilter
from mrconsole.core.text import event_line
from mrconsole.models import Event
from mrconsole.tui.access import ConsoleAccess
from mrconsole.tui.widgets.event_log import EventLog
from mrconsole.tui.widgets.footer import SteadyFooter
from mrconsole.tui.widgets.plain import Input, Static

SHOWN = 3000


class EventsScreen(ConsoleAccess, Screen):
    BINDINGS = [
        Binding("escape", "app.back", "Back", id="back"),
        Binding("/", "filter", "Filter", id="filter"),
        Binding("space", "toggle_follow", "Follow/Pause", id="follow"),
        Binding("x", "toggle_failures", "Failures only", id="failures"),
        Binding("w", "save", "Save", id="save"),
    ]

    def __init__(self, initial_filter: str = ""):
        super().__init__(id="events-screen")
        self.filter_text = initial_filter
        self.failures_only = False
        self.following = True
        self.pending = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="events-status")
        yield Input(
            value=self.filter_text,
            placeholder="filter: region:RegionTwo stack:demo status:failed text",
            id="events-filter",
        )
        yield EventLog(id="all-events", region_width=self.console.region_width())
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#all-events").border_title = "events (all regions)"
        self.rebuild()
        self.query_one(EventLog).focus()
        self.console.changes.subscribe(self, self._on_change)

    def _on_change(self, change) -> None:
        if isinstance(change, EventsArrived):
            self.add_events(list(change.events), settled=change.settled)
        elif isinstance(change, TimelineRewound):  # a replay went back
            self.rebuild()

    @property
    def current(self) -> EventFilter:
        return EventFilter.parse(self.filter_text, self.failures_only)

    def matching(self) -> list[Event]:
        session = self.session
        if session is None:
            return []
        f = self.current
        return [e for e in session.events() if f.match(e)]

    def rebuild(self) -> None:
        log = self.query_one(EventLog)
        log.clear()
        log.add(self.matching()[-SHOWN:], hold=False)
        self.pending = 0
        self._status()

    def _status(self) -> None:
        session = self.session
        stats = session.stream_stats() if session else {"events": 0, "dropped": 0}
        mode = "following" if self.following else f"PAUSED ({self.pending} new)"
        flt = self.filter_text or "none"
        self.query_one("#events-status", Static).update(
            f" {mode}  |  filter: {flt}{'  |  failures only' if self.failures_only else ''}"
            f"  |  {stats['events']} events, {stats['dropped']} dropped"
        )

    def add_events(self, batch: list[Event], settled: bool = False) -> None:
        f = self.current
        chosen = [e for e in batch if f.match(e)]
        if not self.following:
            self.pending += len(chosen)
        elif chosen:
            self.query_one(EventLog).add(chosen, settled=settled)
        self._status()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "events-filter":
            self.filter_text = event.value
            self.rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(EventLog).focus()

    def action_filter(self) -> None:
        # At once (not focus(), at the next idle): the keys typed behind `/` find it focused (MrConsoleApp.on_key).
        self.set_focus(self.query_one("#events-filter", Input))

    def action_toggle_follow(self) -> None:
        self.following = not self.following
        if self.following:
            self.rebuild()
        self._status()

    def action_toggle_failures(self) -> None:
        self.failures_only = not self.failures_only
        self.rebuild()

    def action_save(self) -> None:

        path = Path.cwd() / time.strftime("mrconsole-events-%Y%m%d-%H%M%S.log")
        events = self.matching()
        text = "".join(event_line(e, colour=False) + "\n" for e in events)

        async def write() -> None:

            try:
                await asyncio.to_thread(path.write_text, text)  # the disk, off the event loop
            except OSError as exc:
                self.notify(f"could not save: {exc.strerror}", severity="error")
                return
            self.notify(f"saved {len(events)} events to {path}")

        self.run_worker(write(), group="save", exit_on_error=False)
