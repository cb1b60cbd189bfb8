"""The master tree as text and as JSON-ready data."""

from __future__ import annotations

from mrconsole.template.model import Analysis, MasterTree, RegionalStack, ResourceDef


def tree_lines(tree: MasterTree) -> list[str]:
    t = tree.template
    lines = [f"master  {t.file}  (region: {tree.region or 'the region it is created in'})"]
    items: list[RegionalStack | ResourceDef] = [*tree.regional_stacks, *tree.plain_resources]
    for i, item in enumerate(items):
        last = i == len(items) - 1
        branch, cont = ("└── ", "    ") if last else ("├── ", "│   ")
        if not isinstance(item, RegionalStack):
            lines.append(f"{branch}{item.name}  {item.type}  [{tree.region or 'master region'}]")
            continue
        s = item
        region = s.region or "?"
        lines.append(
            f"{branch}{s.resource}  OS::Heat::Stack → {region}  ({s.region_source})"
            + (f"  {s.template_file}" if s.template_file else "")
        )
        rows = []
        if s.parameters:
            rows.append("parameters: " + ", ".join(f"{k}={v}" for k, v in s.parameters.items()))
        if s.child:
            resources = ", ".join(f"{r.name} ({r.type})" for r in s.child.resources.values())
            rows.append("resources: " + (resources or "none"))
            rows.append("outputs: " + (", ".join(s.child.outputs) or "none"))
        if s.timeout is not None:
            rows.append(f"timeout: {s.timeout} min")
        for j, row in enumerate(rows):
            lines.append(cont + ("└── " if j == len(rows) - 1 else "├── ") + row)
    data = [e for e in tree.edges if e.kind == "data"]
    if data:
        lines.append("data flow:")
        lines.extend(f"  {e.label()}" for e in data)
    order = [e for e in tree.edges if e.kind != "data"]
    if order:
        lines.append("ordering:")
        lines.extend(f"  {e.label()}" for e in order)
    return lines


def analysis_json(analysis: Analysis) -> dict:
    tree = analysis.tree
    out: dict = {
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "file": f.pos.file,
                "line": f.pos.line,
                "col": f.pos.col,
                "message": f.message,
                "hint": f.hint,
            }
            for f in analysis.findings
        ],
        "uploads": list(analysis.uploads),
    }
    if tree is None:
        out["tree"] = None
        return out
    out["tree"] = {
        "template": tree.template.file,
        "region": tree.region,
        "parameters": {
            n: {
                "type": p.type,
                "hidden": p.hidden,
                "has_default": p.has_default,
                "default": None if p.hidden else p.default,
                "description": p.description,
            }
            for n, p in tree.template.parameters.items()
        },
        "outputs": list(tree.template.outputs),
        "regional_stacks": [
            {
                "resource": s.resource,
                "region": s.region,
                "region_source": s.region_source,
                "template": s.template_file,
                "parameters": s.parameters,
                "timeout": s.timeout,
                "depends_on": s.depends_on,
                "child": None
                if s.child is None
                else {
                    "parameters": list(s.child.parameters),
                    "resources": {r.name: r.type for r in s.child.resources.values()},
                    "outputs": list(s.child.outputs),
                },
            }
            for s in tree.regional_stacks
        ],
        "resources": {r.name: r.type for r in tree.plain_resources},
        "edges": [
            {"kind": e.kind, "source": e.source, "target": e.target, "key": e.key, "via": e.via} for e in tree.edges
        ],
    }
    return out
