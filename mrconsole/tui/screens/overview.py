"""The home screen: health strip, master tree, region panes, live events."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget

from mrconsole.core.errors import INTERNAL_MESSAGE
from mrconsole.core.live.changes import (
    EventsArrived,
    HealthChanged,
    MasterChanged,
    RegionStatus,
    StackChanges,
    TimelineRewound,
)
from mrconsole.trace import trace
from mrconsole.tui import clock
from mrconsole.tui.access import ConsoleAccess
from mrconsole.tui.messages import ActOn, FollowMaster, OpenStack, ShowOutputs, ShowResources, Troubleshoot
from mrconsole.tui.widgets.event_log import EventLog
from mrconsole.tui.widgets.footer import SteadyFooter
from mrconsole.tui.widgets.health import HealthStrip
from mrconsole.tui.widgets.master_tree import DataFlow, MasterTree, NodeData
from mrconsole.tui.widgets.plain import DataTable, Input, Static
from mrconsole.tui.widgets.region_layout import share_height
from mrconsole.tui.widgets.region_pane import RegionColumn, RegionPane, new_widths


class OverviewScreen(ConsoleAccess, Screen):
    BINDINGS = [
        Binding("enter", "open", "Open", id="open", show=False),
        Binding("f", "troubleshoot", "Why failed", id="troubleshoot"),
        Binding("a", "act", "Act", id="act"),
        Binding("o", "outputs", "Outputs", id="outputs", show=False),
        Binding("R", "resources", "Resources", id="resources", show=False),
        Binding("N", "name_order", "Name order", id="name-order", show=False),
        Binding("/", "filter", "Filter", id="filter"),
        Binding("t", "focus_tree", "Tree", id="tree", show=False),
        Binding("s", "focus_stacks", "Stacks", id="stacks", show=False),
    ]

    # The first focus is the master's tree, as when it came first: the filter box, now first (compose),
    # counts as focusable to Textual while hidden, and would take it.
    AUTO_FOCUS = "#tree"

    # Textual repaints the whole screen when its focus moves (Screen.focused is a reactive that repaints); the
    # widgets that gain and lose focus repaint themselves (their :focus styles), and at 50 regions a whole
    # repaint is the slowest frame the overview draws (`/`, t, s, tab). Pinned by tests/screens/
    # test_overview_cost.py.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, regions: list[str]):
        super().__init__(id="overview")
        self.region_names = regions
        self.name_filter = ""
        self._found_timer: Timer | None = None  # the masters found, read again after a burst of changes
        self._share_pending = False
        self._ticks = 0
        self._widths = new_widths()  # the widest cell per column, shared by every region pane (RegionPane)
        # Region -> its pane, in the screen's order: the panes are made once, here, and a lookup is O(1)
        # (a DOM query walks every widget: at 50 regions, once per region's change, O(regions x widgets)).
        self._panes: dict[str, RegionPane] = {}

    def compose(self) -> ComposeResult:
        # First: shown over the others, it leaves their paint order as it was (app.tcss #filter-layer).
        with Container(id="filter-layer"):
            yield Input(placeholder="filter stacks by name (esc clears)", id="filter")
        yield HealthStrip(id="health")
        yield Static("", id="banner")
        with Horizontal(id="main"):
            with Vertical(id="master-pane"):
                yield MasterTree(id="tree")
                yield Static("", id="node-detail")
                yield DataFlow("", id="flow")
            with RegionColumn(id="regions"):
                for region in self.region_names:
                    pane = self._panes[region] = RegionPane(region, widths=self._widths)
                    yield pane
        yield EventLog(id="events", region_width=self.console.region_width())
        yield SteadyFooter()

    def _screen_resized(self, size) -> None:
        """Textual lays out every screen beneath a screen that opens (the new screen's first Resize tells them
        all), at the size they have: at 50 regions ~220 widgets arranged for nothing on every j, e, ?
        (profiled on a replayed 50-region scene). Only a new size, or a layout already due, is laid out
        (tests/screens/test_overview_cost.py)."""
        if size == self._compositor.size and not self._layout_required:
            return
        super()._screen_resized(size)

    def on_mount(self) -> None:
        self.query_one("#banner", Static).display = False
        self.query_one("#master-pane").border_title = "master"
        self.query_one("#flow").border_title = "data flow"
        self.query_one("#events").border_title = "events (all regions)"
        session = self.session
        # Attributes down: draw what the core knows now, once...
        health = {h.region: h for h in session.health()}
        for pane in self._panes.values():
            view = session.regions[pane.region_name]
            pane.set_look(self.console.look(pane.region_name))
            pane.load(view, session.owner_of)
            pane.set_state(view, health.get(pane.region_name), *self._marks(pane.region_name))
            if view.by_id:
                trace("region-shown", pane.region_name, len(view.by_id))
        self._align()
        self._show_master()
        if session.master is None:
            self._show_found()
        backlog = session.events()[-2000:]
        if backlog:
            self.query_one(EventLog).add(backlog, hold=False)
        # ...messages up: from then on, only what each change names.
        self.console.changes.subscribe(self, self.on_core_change)
        self.console.clock.subscribe(self, self.on_clock)

    def _align(self) -> None:
        """Every pane's columns at the shared widths (one pane's longer name or status widened them): the
        columns line up across regions. Cost: O(panes) when the widths did not change since a pane last
        fitted; one refill of each pane (O(rows shown)) when they did, and widths only grow."""
        for pane in self._panes.values():
            pane.fit()

    def _pane(self, region: str) -> RegionPane | None:
        return self._panes.get(region)  # None: a region the screen was not built with

    def on_core_change(self, change) -> None:
        """One change from the core. A region's StackChanges: its pane's rows it names (RegionPane.apply),
        then, when stacks were added, each pane's rows still waiting for a master: O(changed rows + regions),
        no walk of the screen's widgets (tests/screens/test_overview_cost.py)."""
        session = self.session
        if (
            isinstance(change, StackChanges)
            and session.master is None
            and (change.full or change.added or change.removed)
        ):
            self._found_soon()
        if isinstance(change, StackChanges):
            widths = dict(self._widths)
            pane = self._pane(change.region)
            if pane is not None:
                pane.apply(change, session.regions[change.region], session.owner_of)
                if change.full:
                    trace("region-shown", change.region, len(session.regions[change.region].by_id))
            if change.added:
                # A new stack may be the master of rows shown without one.
                for other in self._panes.values():
                    other.refresh_owners()
            if widths != self._widths:
                self._align()
        elif isinstance(change, EventsArrived):
            self.query_one(EventLog).add(change.events, settled=change.settled)
        elif isinstance(change, TimelineRewound):  # a replay went back: the log as it was then
            log = self.query_one(EventLog)
            log.clear()
            log.add(session.events()[-2000:], hold=False)
        elif isinstance(change, (RegionStatus, HealthChanged)):
            self._show_region(change.region)  # the health strip follows these changes itself
            self._show_flow()
            self._show_banner()
        elif isinstance(change, MasterChanged):
            self._show_master()

    def on_clock(self, now) -> None:
        """Once a second: only texts that show an age; once a minute, the panes' recent stacks."""
        for region, view in self.session.regions.items():
            if view.stale:
                self._show_region(region)
        self._ticks += 1
        if self._ticks % 60 == 0:
            wall = clock.now()
            for pane in self._panes.values():
                pane.tick(wall)

    # -- every region on screen at once (tui/widgets/region_layout.py) --------------
    def on_region_pane_shape_changed(self, event: RegionPane.ShapeChanged) -> None:
        self._share_soon()

    def on_region_column_resized(self, event: RegionColumn.Resized) -> None:
        self._share_soon()

    def on_descendant_focus(self, event) -> None:
        self._share_soon()  # a pane being read gets its rows, one left folds again

    def on_descendant_blur(self, event) -> None:
        self._share_soon()

    def _share_soon(self) -> None:
        """One sharing after this refresh, however many panes changed shape in it."""
        if not self._share_pending:
            self._share_pending = True
            self.call_after_refresh(self._share_height)

    def _share_height(self) -> None:
        self._share_pending = False
        column = self.query_one(RegionColumn)
        avail = column.size.height
        if avail <= 0:
            return
        panes = list(self._panes.values())
        sharing = share_height(avail, [p.shape() for p in panes])
        for pane, height in zip(panes, sharing.heights, strict=True):
            pane.set_height(sharing.compact, height)

    def _show_region(self, region: str) -> None:
        session = self.session
        pane = self._pane(region)
        if pane is not None:
            health = {h.region: h for h in session.health()}
            pane.set_state(session.regions[region], health.get(region), *self._marks(region))

    def _marks(self, region: str) -> tuple[bool, bool]:
        """(protected, read-only) as the region's frame says them; a console read-only as a whole says so
        once, in its header, not in every pane."""
        session = self.session
        return region in session.protected, region in session.read_only_regions and not self.console.read_only

    def _found_soon(self) -> None:
        """No master open: the masters found, read again once the lists settle (one pass over the stacks
        held a second after a burst of changes, never per change)."""
        if self._found_timer is None:
            self._found_timer = self.set_timer(1.0, self._show_found)

    def _show_found(self) -> None:
        self._found_timer = None
        self.run_worker(self._load_found(), exclusive=True, group="found", exit_on_error=False)

    async def _load_found(self) -> None:
        if self.session.master is None:
            self.query_one(MasterTree).show_found(await self.session.masters_found())

    def _show_master(self) -> None:
        session = self.session
        tree = self.query_one(MasterTree)
        tree.show_master(session.master)
        self._show_flow()
        self._show_node(tree)
        self._show_banner()
        m = session.master
        if m and m.topology:
            owned: dict[str, list[str]] = {}
            if m.owned_by:  # the master's own row says it is stale
                owned.setdefault(m.topology.master.region, []).append(m.topology.master.id)
            for c in m.topology.constituents:
                if c.region and c.stack_id:
                    owned.setdefault(c.region, []).append(c.stack_id)
            widths = dict(self._widths)
            for region, ids in owned.items():
                pane = self._pane(region)
                if pane is not None:
                    pane.refresh_owners(ids)
            if widths != self._widths:
                self._align()

    def _show_flow(self) -> None:
        session = self.session
        self.query_one(DataFlow).show(session.master, frozenset(session.down_regions()))

    def _show_banner(self) -> None:
        session = self.session
        health = {h.region: h for h in session.health()}
        banner = self.query_one("#banner", Static)
        m = session.master
        if session.auth_error:
            banner.update(
                f"NOT AUTHENTICATED: Keystone refuses the credentials of cloud {session.cloud_name} "
                "(clouds.yaml). Nothing is down and nothing was changed: the data below is from before. "
                "Fix the password or renew the application credential in clouds.yaml, then restart "
                "mrconsole."
            )
            banner.display = True
        elif m and m.error == INTERNAL_MESSAGE:
            # Our bug, not an outage: never dressed as one.
            banner.update(
                f"INTERNAL ERROR reading the master {m.name}: {INTERNAL_MESSAGE}. No region is down for "
                "it; the master's data is from its last good read, and the console keeps retrying."
            )
            banner.display = True
        elif m and m.error and m.topology is not None:
            region = m.topology.master.region
            h = health.get(region)
            since = ""
            if h and h.down_since:
                since = time.strftime(" since %H:%M:%S UTC", time.gmtime(h.down_since))
            banner.update(
                f"OUTAGE: {region}, the master's region, is unreachable{since}. "
                f"Master data is stale; constituents are live from their own regions."
            )
            banner.display = True
        elif session.cache_error:
            banner.update(session.cache_error.upper()[:1] + session.cache_error[1:] + " (see mrconsole.log).")
            banner.display = True
        else:
            banner.display = False

    # -- actions -------------------------------------------------------------
    def selected(self):
        """(region, stack_id, name) of the stack under the cursor, wherever focus is."""
        focused = self.focused
        if isinstance(focused, MasterTree):
            data = focused.selected()
            if data and data.stack_id:
                return data.region, data.stack_id, data.name
            return None
        if isinstance(focused, DataTable):
            pane = focused.parent
            if isinstance(pane, RegionPane):
                sid = pane.selected_stack_id()
                if sid:
                    stack = self.session.regions[pane.region_name].by_id.get(sid)
                    return (pane.region_name, sid, stack.name if stack else sid)
        return None

    def action_open(self) -> None:
        focused = self.focused
        if isinstance(focused, MasterTree):
            data = focused.selected()
            if data and data.kind == "found":
                self.post_message(FollowMaster(data.region, data.stack_id, data.name))
                return
        target = self.selected()
        if target:
            self.post_message(OpenStack(*target))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def on_tree_node_highlighted(self, event) -> None:
        if isinstance(event.control, MasterTree):
            self._show_node(event.control)

    def _show_node(self, tree: MasterTree) -> None:
        """The highlighted node in full (physical name, type, reason): the tree's labels stay short."""
        detail = self.query_one("#node-detail", Static)
        text = tree.highlighted_detail()
        detail.update(text)
        detail.display = bool(text.plain)

    def on_tree_node_selected(self, event) -> None:
        """Enter on a constituent opens it; on a master found (no master open), follows it."""
        data = event.node.data
        if not isinstance(data, NodeData):
            return
        if data.kind == "stack" and data.stack_id:
            self.post_message(OpenStack(data.region, data.stack_id, data.name))
        elif data.kind == "found":
            self.post_message(FollowMaster(data.region, data.stack_id, data.name))

    def action_troubleshoot(self) -> None:
        target = self.selected()
        if target is None and self.session and self.session.master and self.session.master.topology:
            m = self.session.master.topology.master
            target = (m.region, m.id, m.name)
        if target:
            self.post_message(Troubleshoot(*target))
        else:
            self.notify("select a stack first", severity="warning")

    def _target_or_master(self):
        target = self.selected()
        if target is None and self.session and self.session.master and self.session.master.topology:
            m = self.session.master.topology.master
            target = (m.region, m.id, m.name)
        return target

    def action_outputs(self) -> None:
        target = self._target_or_master()
        if target:
            self.post_message(ShowOutputs(*target))
        else:
            self.notify("select a stack first", severity="warning")

    def action_resources(self) -> None:
        target = self._target_or_master()
        if target:
            self.post_message(ShowResources(*target))
        else:
            self.notify("select a stack first", severity="warning")

    def action_name_order(self) -> None:
        """Toggle every region's rows between problems first (the default) and name order."""
        panes = list(self._panes.values())
        by_name = not (panes and panes[0].by_name)
        for pane in panes:
            pane.set_order(by_name)
            pane._count()
        self.notify("rows by name" if by_name else "problems first: failed, in progress, suspended, then by name")

    def action_act(self) -> None:
        target = self.selected()
        if target:
            self.post_message(ActOn(*target))
        else:
            self.notify("select a stack first", severity="warning")

    def check_action(self, action: str, parameters) -> bool | None:
        return self.console.allows(action)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        # At once, not at the next idle as focus() does: the keys typed behind `/` are already queued and find
        # the box focused when they reach the app (MrConsoleApp.on_key), so they are typed into it.
        self.set_focus(box)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self._set_filter(event.value)

    def _set_filter(self, text: str) -> None:
        if text == self.name_filter:  # esc on a box never typed in: 50 panes told nothing new
            return
        self.name_filter = text
        for pane in self._panes.values():
            pane.set_filter(text, self.session.regions[pane.region_name])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.action_focus_stacks()

    def clear_filter(self) -> bool:
        box = self.query_one("#filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self._set_filter("")
            return True
        return False

    def action_focus_tree(self) -> None:
        self.query_one(MasterTree).focus()

    def action_focus_stacks(self) -> None:
        panes = list(self._panes.values())
        if panes:
            panes[0].table.focus()

    def focus_region(self, region: str) -> bool:
        for pane in self._panes.values():
            if pane.region_name.lower() == region.lower():
                pane.table.focus()
                pane.scroll_visible()
                return True
        return False
