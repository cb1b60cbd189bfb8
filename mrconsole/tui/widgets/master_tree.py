"""The master tree: master, its regional stacks (region badge, status, reason),
their resources, and the data flowing between them."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree

from mrconsole.tui.style import ago, status_text


def _stack_label(name: str, region: str | None, status: str, reason: str, extra: str = "") -> Text:
    label = Text()
    label.append(f"[{region or '?'}] ", style="bold cyan")
    label.append(f"{name} ", style="bold")
    label.append_text(status_text(status, reason if status.endswith("_FAILED") else ""))
    if extra:
        label.append(f" · {extra}", style="dim")
    return label


class MasterTree(Tree):
    """Node data: ("stack", region, stack_id, name) or ("resource", region, stack_id, name)."""

    def __init__(self, **kwargs):
        super().__init__("no master selected", **kwargs)
        self.show_root = True
        self.guide_depth = 3
        self._shown: tuple | None = None

    def show_master(self, master) -> None:
        if master is None:
            self.root.set_label(Text("no master: open one with :stack NAME or --stack", style="dim"))
            self.root.remove_children()
            self._shown = None
            return
        topo = master.topology
        if topo is None:
            if master.analysis is not None:
                self._show_analysis(master)
                return
            self.root.set_label(Text(f"{master.name}: " + (master.error or "loading…"),
                                     style="red" if master.error else "dim"))
            return
        m = topo.master
        stale = f"stale: master region unreachable, data {ago(master.fetched_at)} old" if master.error else ""
        signature = self._signature(master, stale)
        if signature == self._shown:
            return   # the master is re-read every few seconds; most reads change nothing
        self._shown = signature
        line = self.cursor_line
        self.clear()
        self.root.set_label(_stack_label(m.name, m.region, m.status, m.status_reason, stale or "master"))
        self.root.data = ("stack", m.region, m.id, m.name)
        for c in topo.constituents:
            status = c.stack.status if c.stack else c.resource_status
            reason = c.stack.status_reason if c.stack else c.resource_status_reason
            extra = c.stack_name or ("(not read)" if c.error else "(not created)")
            if c.error:
                extra += f" ⚠ {c.error}"
            if c.discovered:
                extra += "  (discovered by name)"
            node = self.root.add(_stack_label(c.resource, c.region, status, reason, extra),
                                 data=("stack", c.region, c.stack_id, c.stack_name), expand=True)
            for r in master.resources.get(c.stack_id or "", []):
                node.add_leaf(self._resource_label(r), data=("resource", c.region, c.stack_id, r.name))
        plain = [r for r in master.resources.get(m.id, []) if r.type != "OS::Heat::Stack"]
        for r in plain:
            self.root.add_leaf(self._resource_label(r), data=("resource", m.region, m.id, r.name))
        if topo.edges:
            flow = self.root.add(Text("data flow", style="bold magenta"), expand=True)
            for e in topo.edges:
                flow.add_leaf(Text(e.label(), style="magenta"))
        self.root.expand()
        self.cursor_line = min(line, max(0, self.last_line))

    @staticmethod
    def _signature(master, stale: str) -> tuple:
        """Everything the tree draws from, to skip a rebuild when none of it moved."""
        topo = master.topology
        m = topo.master
        parts: list = [m.name, m.region, m.status, m.status_reason, stale.split(",")[0]]
        for c in topo.constituents:
            s = c.stack
            parts.append((c.resource, c.region, c.stack_id, c.stack_name, c.error, c.discovered,
                          s.status if s else c.resource_status,
                          s.status_reason if s else c.resource_status_reason))
            parts.append(tuple((r.name, r.type, r.status, r.status_reason)
                               for r in master.resources.get(c.stack_id or "", [])))
        parts.append(tuple((r.name, r.type, r.status, r.status_reason) for r in master.resources.get(m.id, [])))
        parts.append(tuple(e.label() for e in topo.edges))
        return tuple(parts)

    def _resource_label(self, r) -> Text:
        text = Text(f"{r.name} ", style="")
        text.append(f"{r.type} ", style="dim")
        text.append_text(status_text(r.status, r.status_reason))
        return text

    def _show_analysis(self, master) -> None:
        tree = master.analysis.tree
        if self._shown == ("analysis", id(master.analysis)):
            return
        self._shown = ("analysis", id(master.analysis))
        self.clear()
        self.root.set_label(Text(f"{tree.template.file} (template, not deployed)", style="bold"))
        for s in tree.regional_stacks:
            node = self.root.add(Text.assemble((f"[{s.region or '?'}] ", "bold cyan"), (s.resource, "bold"),
                                               (f"  {s.template_file or ''}", "dim")), expand=True)
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

    def selected(self):
        node = self.cursor_node
        return node.data if node is not None else None
