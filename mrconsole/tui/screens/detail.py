"""Stack detail: summary with master/constituent links, resources, outputs,
parameters (hidden ones masked), the template highlighted, and its events."""

from __future__ import annotations

import json

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import TabbedContent, TabPane

from mrconsole.core.errors import CloudError
from mrconsole.core.live.changes import EventsArrived, StackChanges
from mrconsole.core.text import when
from mrconsole.tui.access import ConsoleAccess
from mrconsole.tui.messages import ActOn, Troubleshoot
from mrconsole.tui.style import status_text
from mrconsole.tui.widgets.event_log import EventLog
from mrconsole.tui.widgets.footer import SteadyFooter
from mrconsole.tui.widgets.plain import DataTable, Static


class DetailScreen(ConsoleAccess, Screen):
    BINDINGS = [
        Binding("escape", "app.back", "Back", id="back"),
        Binding("f", "troubleshoot", "Why failed", id="troubleshoot"),
        Binding("r", "reload", "Reload", id="reload"),
        Binding("a", "act", "Act", id="act"),
    ]

    def check_action(self, action: str, parameters) -> bool | None:
        return self.console.allows(action)

    def action_act(self) -> None:
        self.post_message(ActOn(self.region_name, self.stack_id, self.stack_name))

    def __init__(self, region: str, stack_id: str, name: str):
        super().__init__()
        self.region_name, self.stack_id, self.stack_name = region, stack_id, name
        self._followed_ids: set[str] = {stack_id}  # and its constituents', once described
        self._looked_at: set[tuple[str, str]] = set()  # (region, stack id) on the core's short cadence
        self._reload_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f"{self.stack_name}  [{self.region_name}]  loading…", style="bold"), id="summary")
        with TabbedContent(id="tabs"):
            with TabPane("Resources", id="tab-resources"):
                yield DataTable(id="resources", cursor_type="row", zebra_stripes=True)
            with TabPane("Outputs", id="tab-outputs"):
                yield DataTable(id="outputs", cursor_type="row")
            with TabPane("Parameters", id="tab-parameters"):
                yield DataTable(id="parameters", cursor_type="row")
            with TabPane("Template", id="tab-template"):
                with VerticalScroll():
                    yield Static("", id="template")
            with TabPane("Events", id="tab-events"):
                yield EventLog(id="stack-events", region_width=self.console.region_width())
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#resources", DataTable).add_columns("Resource", "Type", "Status", "Physical id", "Updated")
        self.query_one("#outputs", DataTable).add_columns("Output", "Value", "Description")
        self.query_one("#parameters", DataTable).add_columns("Parameter", "Value")
        self.action_reload()
        # Live: this stack's (and its constituents') events as they arrive, and a re-read when it changes;
        # while the screen is open they are watched on a short cadence of their own (core/live/events.py focus).
        self.console.changes.subscribe(self, self._on_change)
        self._look_at({(self.region_name, self.stack_id)})

    def _look_at(self, stacks: set[tuple[str, str]]) -> None:
        session = self.session
        if session is None:
            return
        for region, sid in stacks - self._looked_at:
            session.look_at(region, sid)
        for region, sid in self._looked_at - stacks:
            session.look_away(region, sid)
        self._looked_at = set(stacks)

    def on_unmount(self) -> None:
        self._look_at(set())

    def _on_change(self, change) -> None:
        """Cost: a scan of each change for this stack's ids; one describe (a few requests in its region) at
        most once a second while the stack changes, none while it is quiet."""
        if isinstance(change, EventsArrived):
            mine = [e for e in change.events if e.stack_id in self._followed_ids]
            if mine:
                self.query_one("#stack-events", EventLog).add(mine, settled=change.settled)
                if any(e.resource_name == e.stack_name for e in mine):  # the stack's own state moved
                    self._reload_soon()
        elif (
            isinstance(change, StackChanges)
            and change.region == self.region_name
            and any(s.id == self.stack_id for s in change.changed + change.removed)
        ):
            self._reload_soon()

    def _reload_soon(self) -> None:
        if self._reload_timer is None:
            self._reload_timer = self.set_timer(1.0, self._reload_now)

    def _reload_now(self) -> None:
        self._reload_timer = None
        self.action_reload()

    def action_reload(self) -> None:
        self.run_worker(self._load(), exclusive=True, group="detail", exit_on_error=False)

    def action_troubleshoot(self) -> None:
        self.post_message(Troubleshoot(self.region_name, self.stack_id, self.stack_name))

    async def _load(self) -> None:

        try:
            desc = await self.session.describe(self.region_name, self.stack_id)
        except CloudError as exc:
            self.query_one("#summary", Static).update(
                Text(f"{self.stack_name} [{self.region_name}]: cannot be read: {exc.message}", style="bold red")
            )
            return
        self._show(desc)

    def _show(self, desc) -> None:
        s = desc.detail.stack
        summary = Text()
        summary.append(f"{s.name}", style="bold")
        summary.append(f"  [{s.region}]  ", style="cyan")
        summary.append_text(status_text(s.status))
        summary.append(f"\n{s.status_reason}\n", style="red" if s.failed else "dim")
        summary.append(f"id {s.id}   created {when(s.created_time)}   updated {when(s.updated_time)}\n", style="dim")
        if desc.owner:
            summary.append(f"constituent of master {desc.owner}\n", style="magenta")
        for c in desc.constituents:
            summary.append(
                f"→ {c.resource}: [{c.region}] {c.stack_name or '(not created)'} {c.status}\n", style="magenta"
            )
        for err in desc.errors:
            summary.append(f"⚠ {err}\n", style="yellow")
        self.query_one("#summary", Static).update(summary)
        table = self.query_one("#resources", DataTable)
        table.clear()
        for r in desc.resources:
            name = r.name if r.stack_id == s.id else f"{r.parent_resource or r.stack_name}/{r.name}"
            table.add_row(
                name, r.type, status_text(r.status, r.status_reason), r.physical_id[:36], when(r.updated_time)
            )
        outputs = self.query_one("#outputs", DataTable)
        outputs.clear()
        for o in desc.detail.outputs:
            value = o.value if isinstance(o.value, str) else json.dumps(o.value)
            outputs.add_row(o.key, Text(o.error, style="red") if o.error else value, o.description)
        params = self.query_one("#parameters", DataTable)
        params.clear()
        for k, v in sorted(desc.detail.parameters.items()):
            params.add_row(k, v)
        self.query_one("#template", Static).update(
            Syntax(
                desc.template_text or "# template not available",
                "yaml",
                line_numbers=True,
                theme="monokai",
                word_wrap=False,
            )
        )
        self._followed_ids = {s.id} | {c.stack_id for c in desc.constituents if c.stack_id}
        self._look_at(
            {(s.region, s.id)} | {(c.region, c.stack_id) for c in desc.constituents if c.stack_id and c.region}
        )
        log = self.query_one("#stack-events", EventLog)
        log.clear()
        log.add(desc.events)
