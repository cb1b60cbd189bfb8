"""Bring existing regional stacks under a new master (`mrconsole import MASTER --stack REGION=STACK ...`).

Operators start from what they have: stacks created one by one, by hand, in their regions. Heat's adopt
(enable_stack_adopt) makes a stack whose resources take the ids its adopt data gives, creating and
touching nothing: a master adopted with one `OS::Heat::Stack` per existing stack, each resource's id that
stack's, owns them as if it had created them (the move, core/master/rehome.py, relies on the same; pinned
on the lab by tests/lab/test_import.py).

What the master's template must hold, from Heat's remote_stack.py (handle_update): every update of the
master sends each constituent a *full* update in its region with the resource's `template` and
`parameters`, the master's files, and the master's environment (its own environment is not kept). So
each resource gives its stack's own template (in the master's files, read with `get_file`), its current
parameters, and its timeout; a hidden parameter, whose value Heat never shows, becomes a hidden parameter
of the master given again with `-P`. What cannot be carried is refused before anything is sent: a stack
whose environment has a resource registry or event sinks (the master's update would drop them), files of
two stacks under one name with different contents, a stack in progress or failed, one another master owns,
a nested stack. The plan then asks each stack's region what the master's first update would change
(Heat's update preview with exactly what the master would send): nothing, when the import is faithful.

Cost of a plan: per stack, its GET, template, environment and files (4 requests) and one update preview;
owner check: a stack list per region; the master's name in its region: one GET. Executing: the adopt probe
(core/master/adopt_probe.py), one adopt, a GET per 0.5 s until it ends, the new master's read.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from dataclasses import dataclass, field

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.actions import Actions, Target
from mrconsole.core.acting.findings import BLOCKING, INFO, WARNING, Checked, Finding, name_held
from mrconsole.core.acting.permissions import refuse_unless_permitted
from mrconsole.core.errors import PlanError
from mrconsole.core.master.adopt_probe import refuse_unless_adopts
from mrconsole.core.master.ownership import owner_of
from mrconsole.core.master.rehome_data import ADOPT_SETTING, keep_adopt_data, needs_setting
from mrconsole.core.master.topology import read_master, until_settled
from mrconsole.core.rollout.record import adopt_record, environment_with
from mrconsole.models import Stack
from mrconsole.state.topology_cache import from_topology
from mrconsole.template.heat import REMOTE_STACK, hidden_parameters, nesting_resources

ACTION = "import"  # the journal's name for the adopt that makes the master
VERSION = "2018-08-31"  # the master's HOT version: get_file and OS::Heat::Stack's context, in every Heat since Rocky
FILES_PREFIX = "imported/"  # where each stack's template sits in the master's files
_RESOURCE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Wanted:
    """One `--stack REGION=STACK[:RESOURCE]`: a stack the master is to own, under the resource named."""

    region: str
    stack: str
    resource: str = ""


def parse_wanted(text: str) -> Wanted:
    """`REGION=STACK` or `REGION=STACK:RESOURCE`; PlanError(usage) for anything else."""
    region, sep, rest = text.partition("=")
    stack, _, resource = rest.partition(":")
    if not sep or not region or not stack:
        raise PlanError(f"--stack {text!r}: expected REGION=STACK (or REGION=STACK:RESOURCE)", usage=True)
    if resource and not _RESOURCE.match(resource):
        raise PlanError(f"--stack {text!r}: {resource!r} is not a resource name (letters, digits, _ . -)", usage=True)
    return Wanted(region, stack, resource)


def resource_names(wanted: list[Wanted]) -> list[str]:
    """Each stack's resource in the master: the name given, else the stack's name, else (the same stack name
    in two regions, neither named) the stack's name with its region. PlanError(usage) when two come out the same."""
    counts = Counter(w.stack for w in wanted if not w.resource)
    names = []
    for w in wanted:
        name = w.resource or (w.stack if counts[w.stack] == 1 else f"{w.stack}_{w.region}")
        names.append(re.sub(r"[^A-Za-z0-9_.-]", "_", name))
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise PlanError(
                f"two stacks would be resource {n!r} of the master: name them (REGION=STACK:RESOURCE)", usage=True
            )
        seen.add(n)
    return names


@dataclass(frozen=True)
class Member:
    """An existing stack and what the master's resource for it holds."""

    resource: str
    stack: Stack
    template: dict
    parameters: dict[str, str]  # its current values, hidden ones excepted
    hidden: tuple[str, ...]  # its hidden parameters: their values are asked for (-P RESOURCE_NAME=...)
    files: dict[str, str]
    timeout: int | None
    changes: dict[str, list[str]] = field(default_factory=dict)  # Heat's preview of the master's first update

    def master_parameter(self, name: str) -> str:
        return f"{self.resource}_{name}"


def master_template(name: str, members: list[Member]) -> tuple[dict, dict[str, str]]:
    """(the master's template, its files). Pure. Each stack's template sits in the files under
    imported/RESOURCE.yaml (JSON text, which Heat parses as YAML does); hidden values come from master
    parameters that are hidden too."""
    files: dict[str, str] = {}
    parameters: dict[str, dict] = {}
    resources: dict[str, dict] = {}
    for m in members:
        files.update(m.files)
        key = f"{FILES_PREFIX}{m.resource}.yaml"
        files[key] = json.dumps(m.template, indent=1, sort_keys=True)
        given: dict = dict(m.parameters)
        for h in m.hidden:
            parameters[m.master_parameter(h)] = {
                "type": "string",
                "hidden": True,
                "description": f"{h} of {m.stack.name} in {m.stack.region} (hidden there too)",
            }
            given[h] = {"get_param": m.master_parameter(h)}
        props: dict = {"context": {"region_name": m.stack.region}, "template": {"get_file": key}}
        if given:
            props["parameters"] = given
        if m.timeout:
            props["timeout"] = m.timeout
        resources[m.resource] = {"type": REMOTE_STACK, "properties": props}
    template: dict = {
        "heat_template_version": VERSION,
        "description": f"{name}: a master over existing stacks, made by mrconsole import",
    }
    if parameters:
        template["parameters"] = parameters
    template["resources"] = resources
    template["outputs"] = {
        f"{m.resource}_stack_id": {
            "description": f"{m.stack.name} in {m.stack.region}",
            "value": {"get_resource": m.resource},
        }
        for m in members
    }
    return template, files


def file_clashes(members: list[Member]) -> list[str]:
    """File names two stacks give with different contents (the master has one set of files)."""
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for m in members:
        for key, text in m.files.items():
            if key.startswith(FILES_PREFIX):
                clashes.append(f"{key} ({m.stack.name}'s; the master keeps its stacks' templates there)")
            elif key in seen and seen[key][1] != text:
                clashes.append(f"{key} ({seen[key][0]} and {m.stack.name} differ)")
            seen.setdefault(key, (m.stack.name, text))
    return clashes


def carried_environment(environment: dict) -> list[str]:
    """What in a stack's environment the master's updates would drop: its resource registry and event sinks
    (its parameter defaults are carried as the parameters' values)."""
    out = []
    registry = dict(environment.get("resource_registry") or {})
    # A template resource's own URL is registered to itself by Heat (template_utils puts the file in `files`
    # and Heat maps the URL to it): the master sends the file, and Heat registers it again in the region.
    registry = {k: v for k, v in registry.items() if k != v}
    if registry.pop("resources", None):
        out.append("resource_registry resources")
    if registry:
        out.append(f"resource_registry ({', '.join(sorted(registry))})")
    if environment.get("event_sinks"):
        out.append("event_sinks")
    return out


@dataclass(frozen=True)
class ImportPlan(Checked):
    name: str
    region: str
    members: tuple[Member, ...]
    template: dict
    files: dict[str, str]
    parameters: dict[str, str]  # the hidden values given, for the master's hidden parameters
    findings: tuple[Finding, ...]

    def lines(self) -> list[str]:
        out = [
            f"Create master {self.name} in {self.region} by adopt: it owns, without creating or touching them "
            f"({len(self.members)}):"
        ]
        for m in self.members:
            out.append(f"  {m.resource}: {m.stack.name} ({m.stack.id}) in {m.stack.region}, {m.stack.status}")
        out.append(
            "Its template gives each its own template and parameters as they are now; its first update, as "
            "Heat previews it in each region:"
        )
        for m in self.members:
            out.append(f"  {m.resource}: {said_changes(m.changes)}")
        out.append(
            f"Before the adopt, a throwaway adopt in {self.region} checks that its Heat adopts: one that creates "
            "instead (re-authentication by trusts) is refused, nothing else sent."
        )
        return out

    def as_dict(self) -> dict:
        return {
            "master": self.name,
            "region": self.region,
            "members": [
                {
                    "resource": m.resource,
                    "region": m.stack.region,
                    "stack_name": m.stack.name,
                    "stack_id": m.stack.id,
                    "status": m.stack.status,
                    "hidden": list(m.hidden),
                    "first_update": m.changes,
                }
                for m in self.members
            ],
            "template": self.template,
            "files": sorted(self.files),
            "findings": list(self.findings),
            "blocked": bool(self.blocking),
        }


def split_nested(changes: dict[str, list[str]], template: dict) -> dict[str, list[str]]:
    """Heat's preview with its always-"updated" nested stacks moved to their own key, `nested`."""
    nesting = nesting_resources(template)
    updated = changes.get("updated") or []
    nested = [n for n in updated if n in nesting]
    if not nested:
        return dict(changes)
    return {**changes, "updated": [n for n in updated if n not in nesting], "nested": nested}


def said_changes(changes: dict[str, list[str]]) -> str:
    if not changes:
        return "not previewed"
    moved = {k: v for k, v in changes.items() if k not in ("unchanged", "nested") and v}
    nested = changes.get("nested") or []
    tail = (
        f"; nested stack(s) {', '.join(nested)}: Heat updates them on every update and lets their own resources decide"
        if nested
        else ""
    )
    if not moved:
        return f"changes nothing ({len(changes.get('unchanged', []))} resource(s) unchanged{tail})"
    return "; ".join(f"{kind} {', '.join(names)}" for kind, names in sorted(moved.items())) + tail


async def _member(fleet, w: Wanted, resource: str, findings: list[Finding]) -> Member | None:
    """One stack read in its region (its GET, template, environment, files), or None with a finding."""
    client = fleet.region(w.region)
    try:
        detail = await client.find_stack(w.stack)
        if detail is None:
            findings.append(Finding(BLOCKING, f"{w.region} has no stack {w.stack!r}"))
            return None
        stack = detail.stack
        template, environment, files = await asyncio.gather(
            client.template(stack), client.environment(stack), client.files(stack)
        )
    except CloudError as exc:
        findings.append(
            Finding(
                BLOCKING,
                f"{w.stack} in {w.region} cannot be read: {exc.message}",
                "an import reads every stack it takes, and Heat validates each in its region",
            )
        )
        return None
    hidden = tuple(sorted(hidden_parameters(template)))
    parameters = {
        k: v for k, v in detail.parameters.items() if not k.startswith("OS::") and k not in hidden
    }  # OS::stack_id and the like are Heat's, given to every stack
    if stack.parent:
        findings.append(
            Finding(
                BLOCKING,
                f"{stack.name} in {stack.region} is nested in another stack ({stack.parent})",
                "import the stack at its top",
            )
        )
    if stack.in_progress or stack.failed or stack.action == "DELETE":
        findings.append(
            Finding(
                BLOCKING,
                f"{stack.name} in {stack.region} is {stack.status}: an import takes a stack at rest",
                f"wait, or repair it first (mrconsole why {stack.name} --region {stack.region})",
            )
        )
    dropped = carried_environment(environment)
    if dropped:
        findings.append(
            Finding(
                BLOCKING,
                f"{stack.name} in {stack.region} has {' and '.join(dropped)} in its environment: every update "
                "through the master sends the master's environment, without them",
                f"move them into {stack.name}'s template (or its parameters), update it, then import",
            )
        )
    return Member(resource, stack, template, parameters, hidden, dict(files or {}), detail.timeout_mins)


async def _owned_by(fleet, stack: Stack, cache) -> tuple[str, str] | None:
    """(master name, resource) of the master that owns `stack`: by Heat's name for a remote stack (read from
    Heat), else the topology cache's word checked against the master in Heat when its region answers (a
    released stack stays in the cache until its master is read again)."""
    owner = await owner_of(fleet, stack, cache)
    if owner is not None and owner.master_name and (owner.master_reachable or owner.master_id):
        return owner.master_name, owner.resource or "RESOURCE"
    hit = await asyncio.to_thread(cache.find_constituent, fleet.cloud_names, stack.id) if cache is not None else None
    if hit is None:
        return None
    try:
        topo = await read_master(fleet, hit.master_region, hit.master_id)
    except CloudError as exc:
        return None if exc.kind == errors.NOT_FOUND else (hit.master_name, hit.resource)
    c = next((c for c in topo.constituents if c.stack_id == stack.id), None)
    return (topo.master.name, c.resource) if c is not None else None


async def plan_import(
    fleet,
    name: str,
    region: str,
    wanted: list[Wanted],
    cache,
    parameters: dict[str, str] | None = None,
    read_only: bool = False,
) -> ImportPlan:
    if read_only:
        raise PlanError("read-only mode: import is not allowed; nothing was sent")
    if not wanted:
        raise PlanError("give the stacks to import: --stack REGION=STACK (one per stack)", usage=True)
    for where in {region, *(w.region for w in wanted)}:
        if where not in fleet.region_names:
            raise PlanError(
                f"{where!r} is not a region of cloud {fleet.name} (it has: {', '.join(fleet.region_names)})",
                usage=True,
            )
    counted = Counter((w.region, w.stack) for w in wanted)
    twice = sorted(k for k, n in counted.items() if n > 1)
    if twice:
        raise PlanError(f"--stack {twice[0][0]}={twice[0][1]} is given twice", usage=True)
    names = resource_names(wanted)
    parameters = dict(parameters or {})
    findings: list[Finding] = []
    read = await asyncio.gather(*(_member(fleet, w, n, findings) for w, n in zip(wanted, names, strict=True)))
    members = [m for m in read if m is not None]
    ids = [m.stack.id for m in members]
    if len(set(ids)) != len(ids):
        raise PlanError("one stack is given twice (by name and by id)", usage=True)
    for m, owner in zip(
        members, await asyncio.gather(*(_owned_by(fleet, m.stack, cache) for m in members)), strict=True
    ):
        if owner is not None:
            findings.append(
                Finding(
                    BLOCKING,
                    f"{m.stack.name} in {m.stack.region} belongs to master {owner[0]}: two masters would update it",
                    f"release it first (mrconsole release {owner[0]} {owner[1]})",
                )
            )
    missing = [m.master_parameter(h) for m in members for h in m.hidden if m.master_parameter(h) not in parameters]
    if missing:
        findings.append(
            Finding(
                BLOCKING,
                f"hidden parameter(s) whose values Heat never shows: {', '.join(missing)}; the master gives them "
                "to their stacks on every update",
                f"give them: {' '.join(f'-P {k}=…' for k in missing)}",
            )
        )
    unknown = sorted(set(parameters) - {m.master_parameter(h) for m in members for h in m.hidden})
    if unknown:
        raise PlanError(
            f"-P {unknown[0]}: the master has no such parameter (only the stacks' hidden ones, as RESOURCE_NAME)",
            usage=True,
        )
    clashes = file_clashes(members)
    if clashes:
        findings.append(Finding(BLOCKING, f"files the master cannot hold once: {'; '.join(clashes)}"))
    read_only_regions = fleet.permissions.read_only
    for where in sorted({region, *(m.stack.region for m in members)} & set(read_only_regions)):
        findings.append(Finding(BLOCKING, f"{where} is read-only (config): an import changes it"))
    try:
        clash = await fleet.region(region).find_stack(name)
    except CloudError as exc:
        findings.append(Finding(BLOCKING, f"{region} does not answer ({exc.message}): the master is made there"))
        clash = None
    if clash is not None:
        findings.append(name_held(name, region, clash.stack.status, "give the master another name", "the import"))
    template, files = master_template(name, members)
    if members and not missing:
        members = await asyncio.gather(*(_previewed(fleet, m, template, files, parameters, findings) for m in members))
    return ImportPlan(name, region, tuple(members), template, files, parameters, tuple(findings))


async def _previewed(fleet, m: Member, template: dict, files: dict, given: dict, findings: list[Finding]) -> Member:
    """Heat's preview, in the stack's region, of the update the master would send it (remote_stack.py
    handle_update: its template, parameters, the master's files and environment)."""
    params = {**m.parameters, **{h: given[m.master_parameter(h)] for h in m.hidden}}
    try:
        changes = await fleet.region(m.stack.region).preview_update(
            f"{m.stack.name}/{m.stack.id}",
            params,
            template=m.template,
            files=files,
            environment={"parameters": params},
        )
    except CloudError as exc:
        findings.append(
            Finding(
                BLOCKING if exc.kind != errors.UNAVAILABLE else WARNING,
                f"Heat in {m.stack.region} refuses the update the master would send {m.stack.name}: {exc.message}",
            )
        )
        return m
    changes = split_nested(changes, m.template)
    moved = {k: v for k, v in changes.items() if k not in ("unchanged", "nested") and v}
    if moved:
        findings.append(
            Finding(
                WARNING,
                f"the master's first update would change {m.stack.name} in {m.stack.region}: {said_changes(changes)}",
                "see why with: mrconsole stack update --preview on that stack",
            )
        )
    else:
        findings.append(Finding(INFO, f"{m.stack.name} in {m.stack.region}: the master's first update changes nothing"))
    return Member(m.resource, m.stack, m.template, m.parameters, m.hidden, m.files, m.timeout, changes)


class CreatedInstead(PlanError):
    """Heat created the master instead of adopting it: it owns new copies, not the stacks asked for."""


async def execute_import(
    actions: Actions, plan: ImportPlan, cache, wait: float = 300.0, on_step=None
) -> tuple[str, str]:
    """The adopt, waited for until ADOPT_COMPLETE; the cache then knows the new master (and keeps what a
    move of it needs). Returns (the master's id, what happened)."""
    say = on_step or (lambda _text: None)
    if plan.blocking:
        raise PlanError("; ".join(str(f) for f in plan.blocking))
    target = Target(plan.region, plan.name)
    hidden = frozenset(plan.parameters) | hidden_parameters(plan.template)
    record = adopt_record(
        ACTION,
        f"{len(plan.members)} existing stack(s) into {plan.name}",
        {m.stack.region: "adopted" for m in plan.members},
    )
    data = {
        "name": plan.name,
        "action": "CREATE",
        "status": "COMPLETE",
        "template": plan.template,
        "files": plan.files,
        "environment": environment_with({}, record),
        "resources": {
            m.resource: {
                "name": m.resource,
                "type": REMOTE_STACK,
                "resource_id": m.stack.id,
                "action": "CREATE",
                "status": "COMPLETE",
                "metadata": {},
                "resource_data": {},
            }
            for m in plan.members
        },
    }
    await refuse_unless_permitted(actions, [(plan.region, "rehome"), (plan.region, "delete")], target, ACTION)
    await refuse_unless_adopts(actions, plan.region, target, ACTION)
    result = await actions.adopt(target, data, plan.files, plan.parameters, hidden, action=ACTION)
    if not result.ok:
        raise PlanError(needs_setting(result.message, plan.region, ADOPT_SETTING))
    new_id = result.stack_id or ""
    say(f"adopt sent: {plan.name} in {plan.region} ({new_id})")
    detail = await until_settled(actions.fleet.region(plan.region), new_id, wait)
    status = detail.stack.status
    actions.complete(result, status)
    if status == "CREATE_COMPLETE":
        raise CreatedInstead(
            f"{plan.name} in {plan.region} was created, not adopted: it made new copies of the stacks; the stacks "
            f"asked for are untouched. See what removing it deletes: mrconsole stack delete {new_id} --region "
            f"{plan.region} --preview"
        )
    if status != "ADOPT_COMPLETE":
        raise PlanError(f"the adopt of {plan.name} in {plan.region} ended {status}: {detail.stack.status_reason}")
    topo = await read_master(actions.fleet, plan.region, new_id)
    if cache is not None:
        await asyncio.to_thread(cache.save, from_topology(topo))
        await keep_adopt_data(actions.fleet, topo, cache)
    owned = sorted(c.stack_id for c in topo.constituents if c.stack_id)
    said = f"{plan.name} is a master in {plan.region} ({new_id}), owning {len(owned)} existing stack(s)"
    say(f"adopted: {said}")
    return new_id, said
