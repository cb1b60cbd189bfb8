"""What an update of a master changes in every region, from Heat itself.

Heat's `preview_update` of a master names only the master's own resources
(each OS::Heat::Stack is "updated", always). So, for each constituent, the
console works out what the master will pass it (template/heat.py
`intended_parameters`: literals, the master's parameters with this update's
values, other constituents' current outputs) and asks the constituent's own
region for `preview_update` with those values. A constituent whose inputs do
not change is still updated by Heat, and its preview says what that does
(normally nothing).

Cost: the master read (template, resources, one read per constituent), one
preview of the master, and per constituent one read and one preview in its
region; all regions concurrently.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from mrconsole.cloud.errors import CloudError
from mrconsole.core.topology import read_master
from mrconsole.models import Stack
from mrconsole.template.heat import intended_parameters

MASKED = "******"
KINDS = ("added", "replaced", "updated", "deleted", "unchanged")


@dataclass(frozen=True)
class StackPreview:
    region: str
    stack: str                       # the stack's name
    role: str                        # "master", or the constituent's resource name
    changes: dict[str, list[str]] = field(default_factory=dict)   # kind -> resource names
    inputs: dict[str, tuple[str, str]] = field(default_factory=dict)  # parameter -> (now, after)
    error: str | None = None         # why this stack could not be previewed

    @property
    def changes_nothing(self) -> bool:
        return self.error is None and not any(self.changes.get(k) for k in KINDS if k != "unchanged")


@dataclass(frozen=True)
class UpdatePreview:
    stacks: tuple[StackPreview, ...]

    def by_region(self) -> dict[str, list[StackPreview]]:
        out: dict[str, list[StackPreview]] = {}
        for s in self.stacks:
            out.setdefault(s.region, []).append(s)
        return out

    def lines(self) -> list[str]:
        """The plan as text, by region: the same for the console and the CLI."""
        out = []
        for region, stacks in self.by_region().items():
            out.append(f"{region}:")
            for s in stacks:
                head = f"  {s.stack} ({s.role})"
                if s.error:
                    out.append(f"{head}: cannot preview: {s.error}")
                    continue
                if s.inputs:
                    head += ": inputs " + ", ".join(f"{k} {now} → {after}" for k, (now, after) in s.inputs.items())
                elif s.role != "master":
                    head += ": inputs unchanged (Heat still updates it)"
                out.append(head)
                for kind in KINDS:
                    names = s.changes.get(kind) or []
                    if names and (kind != "unchanged" or s.changes_nothing):
                        out.append(f"    {kind}: {', '.join(names)}")
        return out


async def preview_update(fleet, stack: Stack, parameters: dict[str, str]) -> UpdatePreview:
    """A PATCH of `parameters` on `stack` (a re-apply when empty), previewed in every region it reaches."""
    client = fleet.region(stack.region)
    ref = f"{stack.name}/{stack.id}"
    topo, master_changes = await asyncio.gather(read_master(fleet, stack.region, ref),
                                                _preview(client, ref, parameters))
    master = StackPreview(stack.region, stack.name, "master", changes=master_changes[0], error=master_changes[1])
    specs = topo.specs
    merged = {**topo.parameters, **parameters}
    readable = [c for c in topo.constituents if c.stack is not None and c.region]
    details = await asyncio.gather(*(fleet.region(c.region).get_stack(f"{c.stack_name}/{c.stack_id}")
                                     for c in readable), return_exceptions=True)
    detail_of = {c.resource: d for c, d in zip(readable, details, strict=True) if not isinstance(d, BaseException)}
    outputs_of = {r: {o.key: o.value for o in d.outputs} for r, d in detail_of.items()}

    async def one(c) -> StackPreview:
        name = c.stack_name or c.resource
        if c.resource not in detail_of:
            return StackPreview(c.region or "?", name, c.resource, error=c.error or "its region could not be read")
        current = detail_of[c.resource].parameters
        intended = {k: v for k, v in intended_parameters(specs.get(c.resource, {}), merged, outputs_of).items()
                    if v != MASKED}
        inputs = {k: (str(current.get(k)), v) for k, v in intended.items()
                  if current.get(k) != MASKED and str(current.get(k)) != v}
        changes, error = await _preview(fleet.region(c.region), f"{c.stack_name}/{c.stack_id}",
                                        {k: after for k, (_, after) in inputs.items()})
        return StackPreview(c.region, name, c.resource, changes, inputs, error)

    constituents = await asyncio.gather(*(one(c) for c in topo.constituents))
    return UpdatePreview((master, *constituents))


async def _preview(client, ref: str, parameters: dict) -> tuple[dict[str, list[str]], str | None]:
    try:
        return await client.preview_update(ref, parameters), None
    except CloudError as exc:
        return {}, exc.message
