"""The master tree: master, its regional stacks and their resources, each as
`name  STATUS  region` so that nothing important sits past the pane's edge;
the full story of the highlighted node (its physical name, type, reason)
shows under the tree, and the data flowing between regions in a table
(DataFlow) under that."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from rich.table import Table
from rich.text import Text

from mrconsole.core.master.flow import BLOCKED, READY, STALE, WAITING, flow_state
from mrconsole.core.master.masters import FoundMaster
from mrconsole.tui.style import ago, status_short, status_text
from mrconsole.tui.widgets.plain import Static, Tree, plain

# Below this many cells the labels use a mark for the status (✔ ◐ ✖) instead of its name.
COMPACT_BELOW = 44
# Below this many cells the data flow is a line per edge (regions only), not a table.
TABLE_FROM = 60


def _stack_label(
    name: str, region: str | None, status: str, warn: str = "", compact: bool = False, mark: str = ""
) -> Text:
    label = Text()
    label.append(name, style="bold")
    if mark:  # next to the name, where a narrow pane never cuts it
        label.append(f" {mark}", style="bold yellow")
    if compact:  # a narrow pane: the state as a mark; the full status shows below
        label.append(" ")
        label.append_text(_mark(status))
        label.append(f" {region or '?'}", style="cyan")
    else:
        label.append("  ")
        label.append_text(status_text(status))
        label.append(f"  {region or '?'}", style="cyan")
    if warn:
        label.append(f"  {warn}", style="yellow")
    return label


def _mark(status: str) -> Text:
    text = status_short(status)
    text.plain = text.plain.split(" ")[0]
    return text


def _detail(*parts: tuple[str, str]) -> Text:
    return Text.assemble(
        *[(f"{text}\n" if i < len(parts) - 1 else text, style) for i, (text, style) in enumerate(parts) if text]
    )


@dataclass(frozen=True)
class NodeData:
    """What a tree node stands for: a stack (the master, a constituent), a resource of one, or a master found
    in the regions' lists (no master open yet). `stack_id` is "" for a constituent Heat has not created."""

    kind: Literal["stack", "resource", "found"]
    region: str
    stack_id: str
    name: str


class MasterTree(Tree):
    """Each node's data is a `NodeData` (or None: headings, data flow, findings)."""

    def __init__(self, **kwargs):
        super().__init__("no master selected", **kwargs)
        self.details: dict = {}  # node id -> the full story, shown under the tree
        self.compact = False
        self._master = None
        self.show_root = True
        self.guide_depth = 3
        self._shown: tuple | None = None
        self._found_shown: tuple | None = None
        self._found: list = []

    def on_resize(self, event) -> None:
        compact = self.size.width < COMPACT_BELOW
        if compact != self.compact:
            self.compact = compact
            self._shown = None
            self.show_master(self._master)
            if self._master is None and self._found:
                self._found_shown = None
                self.show_found(self._found)

    def show_found(self, found) -> None:
        """No master open: the masters found (core/master/masters.py), each a node enter follows."""
        if self._master is not None:
            return
        self._found = list(found)
        signature = tuple((f.name, f.region, f.status, f.constituents, f.source) for f in found)
        if signature == self._found_shown:
            return
        self._found_shown = signature
        self.root.remove_children()
        if not found:
            self.root.set_label(Text("no master: open one with :stack NAME or --stack", style="dim"))
            return
        noun = "master" if len(found) == 1 else "masters"
        self.root.set_label(Text(f"{len(found)} {noun} found (enter follows)", style="bold"))
        for f in found:
            self.root.add_leaf(found_label(f, self.compact), data=NodeData("found", f.region, f.stack_id, f.name))
        self.root.expand()

    def show_master(self, master) -> None:
        self._master = master
        if master is None:
            if not self.root.children:
                self.root.set_label(Text("no master: open one with :stack NAME or --stack", style="dim"))
            self._shown = None
            return
        self._found_shown = None
        topo = master.topology
        if topo is None:
            if master.analysis is not None:
                self._show_analysis(master)
                return
            self.root.set_label(
                Text(f"{master.name}: " + (master.error or "loading…"), style="red" if master.error else "dim")
            )
            return
        m = topo.master
        stale = f"stale: master region unreachable, data {ago(master.fetched_at)} old" if master.error else ""
        signature = self._signature(master, stale)
        if signature == self._shown:
            return  # the master is re-read every few seconds; most reads change nothing
        self._shown = signature
        line = self.cursor_line
        self.clear()
        self.details = {}
        owned = getattr(master, "owned_by", "")
        warn = "stale" if stale or owned else ""
        self.root.set_label(_stack_label(m.name, m.region, m.status, warn, self.compact))
        self.root.data = NodeData("stack", m.region, m.id, m.name)
        self.details[self.root.id] = _detail(
            (f"master {m.name} in {m.region}: {m.status}", "bold"),
            (stale, "yellow"),
            (f"⚠ {owned}" if owned else "", "bold yellow"),
            (m.status_reason, _reason_style(m.status)),
        )
        for c in topo.constituents:
            status = c.stack.status if c.stack else c.resource_status
            reason = c.stack.status_reason if c.stack else c.resource_status_reason
            physical = c.stack_name or ("(not read)" if c.error else "(not created)")
            hook = master.held.get(c.resource)
            warn = "⚠ unreachable" if c.error else ("discovered" if c.discovered else "")
            node = self.root.add(
                _stack_label(
                    c.resource,
                    c.region,
                    status,
                    "⚠" if warn and self.compact else warn,
                    self.compact,
                    mark="‖ held" if hook else "",
                ),
                data=NodeData("stack", c.region, c.stack_id, c.stack_name),
                expand=True,
            )
            self.details[node.id] = _detail(
                (f"{c.resource} → {physical} in {c.region}: {status}", "bold"),
                (f"⚠ {c.error}" if c.error else "", "yellow"),
                ("found by Heat's naming pattern, not through the master" if c.discovered else "", "dim"),
                (
                    f"⏸ the master's update waits at its {hook} breakpoint: W opens the rollout" if hook else "",
                    "yellow",
                ),
                (reason, _reason_style(status)),
            )
            for r in master.resources.get(c.stack_id or "", []):
                label = self._resource_label(r)
                if master.held_in.get((c.stack_id or "", r.name)):
                    label.append(" ‖ held", style="bold yellow")
                leaf = node.add_leaf(label, data=NodeData("resource", c.region, c.stack_id, r.name))
                self.details[leaf.id] = self._resource_detail(r, c.region)
        plain = [r for r in master.resources.get(m.id, []) if r.type != "OS::Heat::Stack"]
        for r in plain:
            leaf = self.root.add_leaf(self._resource_label(r), data=NodeData("resource", m.region, m.id, r.name))
            self.details[leaf.id] = self._resource_detail(r, m.region)
        self.root.expand()
        self.cursor_line = min(line, max(0, self.last_line))

    def _signature(self, master, stale: str) -> tuple:
        """Everything the tree draws from, to skip a rebuild when none of it moved."""
        topo = master.topology
        m = topo.master
        parts: list = [m.name, m.region, m.status, m.status_reason, stale.split(",")[0], self.compact]
        parts.append(tuple(sorted(master.held.items())))
        parts.append(tuple(sorted(master.held_in.items())))
        parts.append(getattr(master, "owned_by", ""))
        for c in topo.constituents:
            s = c.stack
            parts.append(
                (
                    c.resource,
                    c.region,
                    c.stack_id,
                    c.stack_name,
                    c.error,
                    c.discovered,
                    s.status if s else c.resource_status,
                    s.status_reason if s else c.resource_status_reason,
                )
            )
            parts.append(
                tuple((r.name, r.type, r.status, r.status_reason) for r in master.resources.get(c.stack_id or "", []))
            )
        parts.append(tuple((r.name, r.type, r.status, r.status_reason) for r in master.resources.get(m.id, [])))
        parts.append(tuple(e.label() for e in topo.edges))
        return tuple(parts)

    def _resource_label(self, r) -> Text:
        text = Text(f"{r.name} ")
        text.append_text(_mark(r.status) if self.compact else status_text(r.status))
        return text

    @staticmethod
    def _resource_detail(r, region: str | None) -> Text:
        return _detail(
            (f"{r.name} ({r.type}) in {region}: {r.status}", "bold"), (r.status_reason, _reason_style(r.status))
        )

    def highlighted_detail(self) -> Text:
        node = self.cursor_node
        return self.details.get(node.id, Text()) if node is not None else Text()

    def _show_analysis(self, master) -> None:
        tree = master.analysis.tree
        if self._shown == ("analysis", id(master.analysis)):
            return
        self._shown = ("analysis", id(master.analysis))
        self.clear()
        self.root.set_label(Text(f"{tree.template.file} (template, not deployed)", style="bold"))
        for s in tree.regional_stacks:
            node = self.root.add(
                Text.assemble(
                    (f"[{s.region or '?'}] ", "bold cyan"), (s.resource, "bold"), (f"  {s.template_file or ''}", "dim")
                ),
                expand=True,
            )
            if s.child:
                for r in s.child.resources.values():
                    node.add_leaf(Text.assemble(r.name + " ", (r.type, "dim")))
        data = [e for e in tree.edges if e.kind == "data"]
        if data:
            flow = self.root.add(Text("data flow", style="bold magenta"), expand=True)
            for e in data:
                flow.add_leaf(Text(e.label(), style="magenta"))
        findings = master.analysis.findings
        if findings:
            node = self.root.add(Text(f"{len(findings)} findings", style="bold red"), expand=True)
            for f in findings:
                node.add_leaf(Text(str(f), style="red" if f.severity == "error" else "yellow"))
        self.root.expand()

    def selected(self) -> NodeData | None:
        node = self.cursor_node
        return node.data if node is not None and isinstance(node.data, NodeData) else None


def found_label(f: FoundMaster, compact: bool = False) -> Text:
    style = "red" if f.status.endswith("_FAILED") else ("yellow" if f.status.endswith("_IN_PROGRESS") else "")
    text = Text(f.name, style="bold")
    if compact:  # a narrow pane: the state as a mark, as for a master's own label
        text.append(" ")
        text.append_text(_mark(f.status or "?"))
    else:
        text.append(f"  {f.status or '?'}", style=style or "green")
    text.append(f"  {f.region}", style="cyan")
    where = f" in {', '.join(f.regions)}" if f.regions else ""
    text.append(f"  · {f.constituents} constituent(s){where}", style="dim")
    if f.source == "cache":
        text.append("  (cache: not listed now)", style="yellow")
    return text


def _reason_style(status: str) -> str:
    return "red" if status.endswith("_FAILED") else "dim"


_STATE_STYLE = {READY: "green", WAITING: "yellow", STALE: "magenta", BLOCKED: "bold red"}
# A narrow pane's marks: the same as a stack's status (✔ ◐ ✖), and ? for a region that does not answer.
_STATE_MARK = {READY: "✔", WAITING: "◐", STALE: "?", BLOCKED: "✖"}


class DataFlow(Static):
    """The master's data flow as a table, one row per edge: the value, the region and stack it comes
    from, the region and stack (and parameter) it feeds, and whether it can flow now. A table, not a
    graph: it reads at 80 columns, and an operator scans it for the rows that are not ready."""

    rows: list[tuple[str, str, str, str]] = []
    _down: frozenset[str] = frozenset()

    def show(self, master, down: frozenset[str] | None = None) -> None:
        """`down`: regions that do not answer now; their outputs are stale, whatever was last read."""
        self._master = master
        if down is not None:
            self._down = down
        topo = master.topology if master is not None else None
        if topo is None or not topo.edges:
            self.display = False
            return
        by_resource = {c.resource: c for c in topo.constituents}
        self.rows = [self._row(e, topo, by_resource, self._down) for e in topo.edges]
        if self.size.width and self.size.width < TABLE_FROM:
            self._show_compact(topo, by_resource)
            return
        table = Table(box=None, padding=(0, 1), expand=True, show_edge=False, header_style="bold magenta")
        table.add_column("value", no_wrap=True)
        table.add_column("from", overflow="fold")
        table.add_column("into", overflow="fold")
        table.add_column("", no_wrap=True)
        for key, src, into, state in self.rows:
            table.add_row(
                plain(Text(key, style="bold")), plain(src), plain(into), Text(state, style=_STATE_STYLE[state])
            )
        self.display = True
        self.update(table)

    @staticmethod
    def _row(e, topo, by_resource, down: frozenset[str]) -> tuple[str, str, str, str]:
        """(value, from, into, state): what a row says, whatever the width."""
        source = by_resource.get(e.source)
        src = f"{source.region} {e.source}" if source else e.source
        if e.target.startswith("outputs."):
            # Its name: two outputs reading the same value are two rows, and must read as two.
            into = f"{topo.master.region} master output {e.target.removeprefix('outputs.')}"
        else:
            target = by_resource.get(e.target)
            into = f"{target.region if target else '?'} {e.target}" + (f".{e.via}" if e.via else "")
        return e.key, src, into, flow_state(source, region_down=bool(source and source.region in down))

    def _show_compact(self, topo, by_resource) -> None:
        """One line per edge: the value, the region it leaves and the region it enters, its state."""
        lines = Text()
        # A narrow line says "master" for an output; it names the output only where one value feeds two
        # (otherwise the two lines would read alike): the name costs a wrap at 80x24.
        into_outputs = Counter((e.key, e.source) for e in topo.edges if e.target.startswith("outputs."))
        for e in topo.edges:
            source = by_resource.get(e.source)
            target = by_resource.get(e.target)
            if e.target.startswith("outputs."):
                named = into_outputs[(e.key, e.source)] > 1
                into = f"master.{e.target.removeprefix('outputs.')}" if named else "master"
            else:
                into = target.region if target else "?"
            state = flow_state(source, region_down=bool(source and source.region in self._down))
            if lines:
                lines.append("\n")
            head = f"{e.key} {source.region if source else '?'}→{into} "
            lines.append(e.key, style="bold")
            lines.append(head[len(e.key) :])
            fits = len(head) + len(state) <= self.size.width - 2
            lines.append(state if fits else _STATE_MARK[state], style=_STATE_STYLE[state])
        self.display = True
        self.update(lines)

    def on_resize(self, event) -> None:
        if getattr(self, "_master", None) is not None:
            self.show(self._master)
