"""Regional stacks and data flow from a template held as plain data.

The running master's template comes back from Heat as a dict (no file, no
positions); this reads the
output→parameter edges between regional stacks (regions: template/heat.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from mrconsole.template.heat import flow_label, regional_resources


@dataclass(frozen=True)
class FlowEdge:
    source: str  # regional stack resource giving the output
    key: str  # output key, "*" for all outputs
    target: str  # consuming resource, or "outputs.<name>"
    via: str | None  # the child parameter fed, when the target is a regional stack

    def label(self) -> str:
        return flow_label(self.source, self.key, self.target, self.via)


def _get_attrs(node, limit: int = 100_000):
    stack, seen = [node], 0
    while stack and seen < limit:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            if len(item) == 1 and "get_attr" in item and isinstance(item["get_attr"], list):
                yield item["get_attr"]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def data_edges(template: dict) -> list[FlowEdge]:
    stacks = regional_resources(template)
    edges: list[FlowEdge] = []
    consumers = []
    for name, spec in (template.get("resources") or {}).items():
        if isinstance(spec, dict):
            consumers.append((name, spec))
    for name, spec in (template.get("outputs") or {}).items():
        consumers.append((f"outputs.{name}", spec))
    for consumer, spec in consumers:
        props = spec.get("properties") if isinstance(spec, dict) else None
        params = props.get("parameters") if isinstance(props, dict) and consumer in stacks else None
        if isinstance(params, dict):
            for pname, value in params.items():
                for args in _get_attrs(value):
                    if args and args[0] in stacks and len(args) > 1 and args[1] == "outputs":
                        key = args[2] if len(args) > 2 and isinstance(args[2], str) else "*"
                        edges.append(FlowEdge(args[0], key, consumer, str(pname)))
            continue
        for args in _get_attrs(spec):
            if args and args[0] in stacks and len(args) > 1 and args[1] == "outputs":
                key = args[2] if len(args) > 2 and isinstance(args[2], str) else "*"
                edges.append(FlowEdge(args[0], key, consumer, None))
    return edges
