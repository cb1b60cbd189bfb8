"""What an update of a master changes in every region, from Heat itself.

Heat's `preview_update` of a master names only the master's own resources
(each OS::Heat::Stack is "updated", always). So, for each constituent, the
console works out what the master will pass it (template/heat.py
`intended_parameters`: literals, the master's parameters with this update's
values, other constituents' current outputs) and asks the constituent's own
region for `preview_update` with those values. A constituent whose inputs do
not change is still updated by Heat, and its preview says what that does
(normally nothing).

A full update (a new master template) also gives each constituent a new
template: the child's text comes from the bundle's files (get_file) or the
template itself, and the constituent's region previews a full update to it
with exactly the parameters Heat's RemoteStack passes (heat/engine/resources/
openstack/heat/remote_stack.py handle_update). A constituent the new template
adds is previewed as a create in its region; one it drops is deleted; one
whose region_name changes is replaced (RemoteStack needs_replace_with_prop_diff).

Cost: the master read (template, resources, one read per constituent, kept
for what follows), one preview of the master, and per constituent one
preview in its region; all regions concurrently.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace

from mrconsole.cloud.errors import CloudError
from mrconsole.cloud.templates import parse as parse_template
from mrconsole.core.master.topology import read_master
from mrconsole.models import Stack
from mrconsole.template.heat import (
    child_template_text,
    fed_by,
    intended_parameters,
    parameter_values,
    passed_parameters,
    regional_resources,
    resolve_region,
)

MASKED = "******"
KINDS = ("added", "replaced", "updated", "deleted", "unchanged")


@dataclass(frozen=True)
class StackPreview:
    region: str
    stack: str  # the stack's name
    role: str  # "master", or the constituent's resource name
    changes: dict[str, list[str]] = field(default_factory=dict)  # kind -> resource names
    inputs: dict[str, tuple[str, str]] = field(default_factory=dict)  # parameter -> (now, after)
    error: str | None = None  # why this stack could not be previewed
    note: str | None = None  # what Heat does with the stack as a whole (created, deleted, moved)

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
                if s.note:
                    head += f": {s.note}"
                if s.error:
                    out.append(f"{head}: cannot preview: {s.error}")
                    continue
                if s.inputs:
                    head += ": inputs " + ", ".join(f"{k} {now} → {after}" for k, (now, after) in s.inputs.items())
                elif s.role != "master" and not s.note:
                    head += ": inputs unchanged (Heat still updates it)"
                out.append(head)
                for kind in KINDS:
                    names = s.changes.get(kind) or []
                    if names and (kind != "unchanged" or s.changes_nothing):
                        out.append(f"    {kind}: {', '.join(names)}")
        return out


async def preview_update(
    fleet, stack: Stack, parameters: dict[str, str], bundle=None, hidden: frozenset[str] = frozenset()
) -> UpdatePreview:
    """An update of `stack` previewed in every region it reaches.

    Without `bundle`, a PATCH of `parameters` (a re-apply when empty). With a
    bundle (cloud/templates.TemplateBundle), a full update to its template:
    each constituent gets its new child template from the bundle's files, and
    one that is new, removed or moved to another region is shown as Heat
    will treat it (created, deleted, replaced). `hidden`: the master's hidden
    parameters, whose values are never shown.
    """
    client = fleet.region(stack.region)
    ref = f"{stack.name}/{stack.id}"
    master_preview = (
        _preview(fleet, client, ref, parameters)
        if bundle is None
        else _preview(
            fleet, client, ref, parameters, template=bundle.template, files=bundle.files, environment=bundle.environment
        )
    )
    topo, master_changes = await asyncio.gather(read_master(fleet, stack.region, ref), master_preview)
    master = StackPreview(stack.region, stack.name, "master", changes=master_changes[0], error=master_changes[1])
    if bundle is None:
        specs, merged = topo.specs, {**topo.parameters, **parameters}
    else:
        specs = regional_resources(bundle.template)
        merged = parameter_values(bundle.template, bundle.environment, parameters)
    # read_master read every constituent it could (topology.refresh_constituents): no second read.
    detail_of = {c.resource: c.detail for c in topo.constituents if c.detail is not None and c.region}
    outputs_of = {r: {o.key: o.value for o in d.outputs} for r, d in detail_of.items()}

    def inputs_for(spec, current: dict) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
        """What Heat will pass (for a full update, every passed name: unknown ones keep their value),
        and what of it changes, as shown (hidden values never)."""
        intended = intended_parameters(spec, merged, outputs_of)
        secret = fed_by(spec, hidden | set(k for k, v in topo.parameters.items() if v == MASKED))
        send = {k: v for k, v in intended.items() if v != MASKED}
        if bundle is not None:
            for k in passed_parameters(spec):
                if k not in send and current.get(k) not in (None, MASKED):
                    send[k] = str(current[k])
        shown = {
            k: (str(current.get(k)), MASKED if k in secret else v)
            for k, v in send.items()
            if k in intended and current.get(k) != MASKED and str(current.get(k)) != v
        }
        # A hidden value this update sets: whether it differs cannot be seen, so it is named, masked.
        given = fed_by(spec, set(parameters))
        shown.update({k: (MASKED, MASKED) for k in send if k in given and (k in secret or current.get(k) == MASKED)})
        return send, shown

    async def existing(c) -> StackPreview:
        name = c.stack_name or c.resource
        spec = specs.get(c.resource)
        if spec is None:
            return StackPreview(
                c.region or "?",
                name,
                c.resource,
                changes={"deleted": [name]},
                note="not in the new template: Heat deletes this stack",
            )
        if c.resource not in detail_of:
            return StackPreview(c.region or "?", name, c.resource, error=c.error or "its region could not be read")
        region = resolve_region(spec, merged, stack.region) if bundle is not None else c.region
        if region != c.region:
            moved = await new(c.resource, spec, region)
            return replace(
                moved, note=f"moves from {c.region}: Heat creates it in {region}, then deletes {name} in {c.region}"
            )
        if c.resource in master.changes.get("replaced", []):
            why = " (its last check failed)" if c.resource_status == "CHECK_FAILED" else ""
            note = f"replaced{why}: Heat creates a new stack in {region}, then deletes {name}"
            if bundle is None:  # the same template: what the new stack holds is what this one holds
                return StackPreview(c.region, name, c.resource, note=note)
            return replace(await new(c.resource, spec, region), note=note)
        send, shown = inputs_for(spec, detail_of[c.resource].parameters)
        target = fleet.region(c.region)
        cref = f"{c.stack_name}/{c.stack_id}"
        if bundle is None:
            changes, error = await _preview(fleet, target, cref, send)
        else:
            child, error = _child(spec, bundle)
            changes = {}
            if child is not None:
                changes, error = await _preview(
                    fleet,
                    target,
                    cref,
                    send,
                    template=child,
                    files=bundle.files,
                    environment=_child_environment(bundle),
                )
        return StackPreview(c.region, name, c.resource, changes, shown, error)

    async def new(resource: str, spec, region: str | None) -> StackPreview:
        name = f"{stack.name}-{resource}"
        if not region or region not in fleet.region_names:
            return StackPreview(region or "?", name, resource, error="its region cannot be known from the template")
        child, error = _child(spec, bundle)
        if child is None:
            return StackPreview(region, name, resource, error=error)
        send, _ = inputs_for(spec, {})
        try:
            result = await fleet.region(region).preview(
                name, child, files=bundle.files, environment=_child_environment(bundle), parameters=send
            )
        except CloudError as exc:
            error = await _why(fleet, region, "preview", exc)
            return StackPreview(region, name, resource, error=error, note="new: Heat creates this stack")
        added = sorted(str(r.get("resource_name")) for r in result.get("resources", []) if isinstance(r, dict))
        return StackPreview(region, name, resource, {"added": added}, note="new: Heat creates this stack")

    current = {c.resource for c in topo.constituents}
    added = [(r, spec) for r, spec in specs.items() if r not in current] if bundle is not None else []
    constituents = await asyncio.gather(
        *(existing(c) for c in topo.constituents),
        *(new(r, spec, resolve_region(spec, merged, stack.region)) for r, spec in added),
    )
    return UpdatePreview((master, *constituents))


def _child(spec, bundle) -> tuple[dict | None, str | None]:
    text = child_template_text(spec, bundle.files)
    if text is None:
        return None, "its template is not in the bundle (only get_file or an inline template can be previewed)"
    try:
        return parse_template(text), None
    except CloudError as exc:
        return None, f"its template does not parse: {exc.message}"


def _child_environment(bundle) -> dict:
    """Heat gives a constituent the master's environment without its `parameters` (environment.py
    get_child_environment): registry and parameter_defaults carry over."""
    return {k: v for k, v in bundle.environment.items() if k != "parameters"}


async def _preview(fleet, client, ref: str, parameters: dict, **full) -> tuple[dict[str, list[str]], str | None]:
    try:
        return await client.preview_update(ref, parameters, **full), None
    except CloudError as exc:
        return {}, await _why(fleet, client.region, "preview_update_patch" if not full else "preview_update", exc)


async def _why(fleet, region: str, policy: str, exc: CloudError) -> str:
    """Heat's answer; a policy refusal said as what the user's role cannot do (and kept)."""
    refused = await fleet.permissions.learn(region, policy, exc)
    return refused.line() if refused else exc.message
