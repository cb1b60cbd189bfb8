"""On-call depth in the console: a stack's outputs and resources across regions, mark unhealthy, signal.

The screens present what the core reads and plans (core/diagnosis/outputs.py, core/diagnosis/resources.py,
the same code as
`mrconsole outputs`, `mrconsole resources` and `mrconsole resource`), and ask before anything is sent:
a whole constituent stack replaced needs its region's name typed.
"""

from __future__ import annotations

import json

from rich.text import Text
from textual.binding import Binding

from mrconsole.core.diagnosis.outputs import LIVE, age_text
from mrconsole.core.errors import CloudError, PlanError
from mrconsole.core.live.view import Acting
from mrconsole.models import Stack
from mrconsole.tui.messages import Change, perform, said_of
from mrconsole.tui.planning import planned
from mrconsole.tui.screens.actions import findings_text
from mrconsole.tui.screens.table import TableScreen
from mrconsole.tui.widgets.plain import DataTable, Static


def _value(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


class OutputsScreen(TableScreen):
    """A stack's outputs and, for a master, each constituent's, with the region each value comes from."""

    HEAD, TABLE, ZEBRA = "out-head", "out-table", True
    COLUMNS = ("From", "Region", "Output", "State", "Value")

    BINDINGS = [Binding("escape", "app.back", "Back", id="back"), Binding("g", "reload", "Reload", id="reload-out")]

    def __init__(self, stack: Stack):
        super().__init__(id="outputs")
        self.stack = stack

    def heading(self) -> Text:
        return Text(f"Outputs of {self.stack.name}: reading…")

    async def _load(self) -> None:
        head = self.query_one("#out-head", Static)
        try:
            view = await self.session.outputs(self.stack)
        except (PlanError, CloudError) as exc:
            head.update(Text(f"{self.stack.name}: {getattr(exc, 'message', str(exc))}", style="bold red"))
            return
        text = Text(f"Outputs of {view.master} ({view.region})", style="bold")
        stale = sum(1 for r in view.rows if r.state != LIVE)
        text.append(f"  {len(view.rows)} values" + (f", {stale} not live" if stale else ", all live"), style="")
        # Why a region's values are not live, once per region (the rows say which and how old).
        for region, why in dict.fromkeys((r.region, r.error) for r in view.rows if r.state != LIVE):
            text.append(f"\n{region}: {why}", style="yellow")
        head.update(text)
        table = self.query_one(DataTable)
        table.clear()
        for r in view.rows:
            if r.state != LIVE:
                state = Text(f"{r.state.upper()} {age_text(r.age)}".strip(), style="yellow")
            elif r.error:
                state = Text(f"error: {r.error}", style="red")
            else:
                state = Text("live", style="green")
            table.add_row(r.source, r.region, r.key, state, _value(r.value))
        table.focus()


class ResourcesScreen(TableScreen):
    """A stack's resources, and for a master its constituents' in their regions; enter shows one,
    u marks it unhealthy, s signals it."""

    HEAD, TABLE, BELOW, ZEBRA = "res-head", "res-table", "res-detail", True
    COLUMNS = ("From", "Region", "Resource", "Status", "Type")

    BINDINGS = [
        Binding("escape", "app.back", "Back", id="back"),
        Binding("enter", "show", "Show", id="show-resource"),
        Binding("u", "mark", "Mark unhealthy", id="mark-unhealthy"),
        Binding("s", "signal", "Signal", id="signal-resource"),
        Binding("g", "reload", "Reload", id="reload-res"),
    ]

    def __init__(self, stack: Stack):
        super().__init__(id="resources")
        self.stack = stack
        self.rows: list = []

    def heading(self) -> Text:
        return Text(f"Resources of {self.stack.name}: reading…")

    async def _load(self) -> None:
        head = self.query_one("#res-head", Static)
        try:
            view = await self.session.resources_across(self.stack)
        except (PlanError, CloudError) as exc:
            head.update(Text(f"{self.stack.name}: {getattr(exc, 'message', str(exc))}", style="bold red"))
            return
        self.rows = view.rows
        text = Text(f"Resources of {view.master.name} ({view.master.region})  {len(view.rows)}", style="bold")
        for name, why in view.unread.items():
            text.append(f"\n{name}: not read ({why})", style="yellow")
        head.update(text)
        table = self.query_one(DataTable)
        table.clear()
        for row in self.rows:
            r = row.resource
            style = "red" if r.failed else ("yellow" if r.status.endswith("IN_PROGRESS") else "")
            table.add_row(row.level, r.region, r.name, Text(r.status, style=style), r.type)
        table.focus()

    def _current(self):
        if not self.rows:
            return None
        return self.rows[self.query_one(DataTable).cursor_row].resource

    def selected_resource(self):
        """The resource under the cursor (a user command's subject)."""
        return self._current()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_show()

    def action_show(self) -> None:
        self.run_worker(self._show(), exclusive=True, group="res-show", exit_on_error=False)

    async def _show(self) -> None:
        r = self._current()
        if r is None:
            return
        out = self.query_one("#res-detail", Static)
        try:
            d = await self.session.resource_detail(r.region, f"{r.stack_name}/{r.stack_id}", r.name)
        except (PlanError, CloudError) as exc:
            out.update(Text(str(getattr(exc, "message", exc)), style="red"))
            return
        text = Text(f"{r.name} ({r.type}) of {r.stack_name} in {r.region}\n", style="bold")
        text.append(f"status {d.resource.status}  {d.resource.status_reason}\n")
        text.append(f"physical id {d.resource.physical_id or '-'} · required by {', '.join(r.required_by) or '-'}\n")
        for key, value in sorted(d.attributes.items()):
            text.append(f"  {key}: {_value(value)[:200]}\n", style="dim")
        if d.metadata:
            text.append(f"metadata {json.dumps(d.metadata)[:300]}\n", style="dim")
        out.update(text)

    def action_mark(self) -> None:
        self.run_worker(self._mark(), exclusive=True, group="res-act", exit_on_error=False)

    async def _mark(self) -> None:
        r = self._current()
        if r is None:
            return
        plan = await self._plan("mark-unhealthy", r)
        if plan is None:
            return
        change = Change(
            f"Mark {r.name} unhealthy?",
            list(plan.effect),
            f"mark {r.name} unhealthy",
            [r.region, plan.confirm],
            typed_name=plan.confirm,
            report=lambda result: said_of(result, f"{result.action} {result.stack_name}: accepted"),
        )
        outcome = await perform(
            self,
            change,
            lambda acts, typed: acts.mark_unhealthy(plan, typed, "from the console", self.console.read_only),
        )
        if outcome.sent:
            self.action_reload()

    def action_signal(self) -> None:
        self.run_worker(self._signal(), exclusive=True, group="res-act", exit_on_error=False)

    async def _signal(self) -> None:
        r = self._current()
        if r is None:
            return
        plan = await self._plan("signal", r)
        if plan is None:
            return

        async def send(acts: Acting, text: str):
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise PlanError(f"not JSON ({exc}): nothing was sent", usage=True) from None
            if not isinstance(data, dict):
                raise PlanError("the data must be a JSON object: nothing was sent", usage=True)
            return await acts.signal(plan, data, self.console.read_only)

        change = Change(
            f"Signal {r.name}?",
            list(plan.effect),
            f"signal {r.name}",
            [r.region, plan.confirm],
            entry='{"status": "SUCCESS", "data": "…"}  (JSON object)',
            report=lambda result: said_of(result, f"{result.action} {result.stack_name}: accepted"),
        )
        if (await perform(self, change, send)).sent:
            self.action_reload()

    async def _plan(self, action: str, r):
        try:
            plan = await planned(
                self.app,
                f"{action.replace('-', ' ')} {r.name}",
                self.session.plan_resource(
                    action, r.region, f"{r.stack_name}/{r.stack_id}", r.name, self.console.read_only
                ),
            )
        except PlanError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return None
        if plan.blocking:
            self.query_one("#res-detail", Static).update(findings_text(plan.findings))
            self.notify(f"{action} refused before sending: see why below", severity="error", timeout=8)
            return None
        return plan
