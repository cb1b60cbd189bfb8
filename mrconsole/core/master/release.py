"""Take a constituent out of its master without deleting its stack (`mrconsole release MASTER RESOURCE`).

Heat's means, checked on the lab (tests/lab/test_release.py pins each step): two PATCH updates of the master
in its own region, its files, environment and parameters kept by Heat (`existing`):

1. the resource's `deletion_policy` becomes `Retain`. Heat's definition of the resource changes, so Heat
   updates it in place: a remote stack's update is always sent to its region (remote_stack.py handle_update),
   with the constituent's own template and parameters, and changes nothing there; its region must answer.
2. the master without the resource and the outputs that read it. Heat deletes the resource by the
   definition it stored at step 1 (resource.py delete: a Retain policy skips handle_delete): the stack stays
   in its region, under its own name, owned by no master.

The master stays in Heat throughout. (An evict, core/master/evict.py, abandons the master and adopts it
again: for a region gone for good, which step 1 cannot reach.) A release stopped between the steps leaves a
master whose template only retains the constituent: harmless, and the release run again goes on with step 2.

Cost: the master's state (a stack list per region, the master's read: 3 + C requests), two PATCHes and
their waits (one GET per 0.5 s while each runs), one GET of the released stack.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.actions import Actions, Target
from mrconsole.core.acting.findings import BLOCKING, INFO, Checked, Finding
from mrconsole.core.errors import PlanError
from mrconsole.core.master.evict import mentions
from mrconsole.core.master.outage import LIVE, master_state
from mrconsole.core.master.topology import until_settled

RETAIN = "Retain"  # accepted by every HOT version (the lower-case alias only from 2016-10-14)
ACTION = "release-constituent"  # the journal's name for both steps ("release" is a breakpoint's)


@dataclass(frozen=True)
class ReleasePlan(Checked):
    master_name: str
    master_id: str
    master_region: str
    resource: str
    region: str  # the constituent's
    stack_name: str
    stack_id: str
    retain: dict | None  # step 1's template; None when the template already retains the constituent
    without: dict  # step 2's template
    dropped_outputs: tuple[str, ...]
    findings: tuple[Finding, ...]

    def lines(self) -> list[str]:
        where = f"{self.stack_name or self.stack_id} in {self.region}"
        out = [f"Release {self.resource} ({where}) from master {self.master_name} ({self.master_region}):"]
        if self.retain is not None:
            out.append(
                f"  1. update {self.master_name} with {self.resource}'s deletion_policy set to {RETAIN} "
                f"(Heat updates {where} in place with its own template: nothing in it changes)"
            )
        else:
            out.append(f"  1. (done) {self.master_name}'s template already retains {self.resource}")
        out.append(f"  2. update {self.master_name} without {self.resource}: Heat forgets it, the stack stays")
        if self.dropped_outputs:
            out.append(f"  outputs that read it are dropped: {', '.join(self.dropped_outputs)}")
        out.append(f"  afterwards {where} is a stack of its own: act on it there (mrconsole stack ...)")
        return out

    def as_dict(self) -> dict:
        return {
            "master": self.master_name,
            "master_id": self.master_id,
            "master_region": self.master_region,
            "resource": self.resource,
            "region": self.region,
            "stack_name": self.stack_name,
            "stack_id": self.stack_id,
            "steps": (["retain"] if self.retain is not None else []) + ["without"],
            "dropped_outputs": list(self.dropped_outputs),
            "findings": list(self.findings),
            "blocked": bool(self.blocking),
        }


def _retains(definition: dict) -> bool:
    return str(definition.get("deletion_policy", "")).lower() == "retain"


def plan_templates(template: dict, resource: str) -> tuple[dict | None, dict, tuple[str, ...], list[str]]:
    """(step 1's template or None, step 2's template, outputs dropped, resources that read `resource`).
    Pure: the caller's template is not changed."""
    resources = template.get("resources") or {}
    readers = sorted(other for other, d in resources.items() if other != resource and mentions(d, resource))
    retain = None
    if not _retains(resources[resource]):
        retain = copy.deepcopy(template)
        retain["resources"][resource]["deletion_policy"] = RETAIN
    without = copy.deepcopy(template)
    without["resources"].pop(resource)
    outputs = without.get("outputs") or {}
    dropped = tuple(sorted(k for k, v in outputs.items() if mentions(v, resource)))
    for key in dropped:
        outputs.pop(key)
    return retain, without, dropped, readers


async def plan_release(fleet, name: str, resource: str, cache, read_only: bool = False) -> ReleasePlan:
    if read_only:
        raise PlanError("read-only mode: release is not allowed; nothing was sent")
    state = await master_state(fleet, name, cache)
    if state.mode != LIVE or state.topology is None:
        raise PlanError(
            f"{name} cannot be read in its region ({state.master_error or state.mode}): a release updates the "
            f"master there; nothing was sent"
        )
    topo = state.topology
    master = topo.master
    c = topo.constituent(resource)
    if c is None:
        names = ", ".join(x.resource for x in topo.constituents) or "none"
        raise PlanError(f"{name} has no constituent {resource!r} (its constituents: {names})", usage=True)
    template = await fleet.region(master.region).template(master)
    if "heat_template_version" not in template:
        raise PlanError(f"{name}'s template is not HOT: release sets a HOT deletion_policy; nothing was sent")
    retain, without, dropped, readers = plan_templates(template, resource)
    findings: list[Finding] = []
    if state.claim is not None:
        findings.append(
            Finding(
                BLOCKING,
                f"{name} in {master.region} is stale: {state.claim.name} in {state.claim.region} owns its constituents",
                f"release it from that one (mrconsole release {state.claim.name} {resource})",
            )
        )
    if master.in_progress:
        findings.append(
            Finding(BLOCKING, f"{name} is {master.status}", f"wait until it ends (mrconsole events {name} -f)")
        )
    for other in readers:
        findings.append(
            Finding(
                BLOCKING,
                f"{other} reads {resource}: without {resource}, {other} cannot be defined",
                f"update {name} so that {other} no longer reads {resource}, then release it",
            )
        )
    read_only_regions: frozenset[str] = fleet.permissions.read_only
    for where in sorted({master.region, c.region or ""} & set(read_only_regions)):
        findings.append(Finding(BLOCKING, f"{where} is read-only (config): a release changes it"))
    if retain is not None and c.region:
        try:
            await fleet.region(c.region).probe()
        except CloudError as exc:
            findings.append(
                Finding(
                    BLOCKING,
                    f"{c.region} does not answer ({exc.message}): setting the retain policy updates {resource} there",
                    f"for a region gone for good: mrconsole evict {name} --region {c.region}",
                )
            )
    if not c.stack_id:
        findings.append(
            Finding(INFO, f"{resource} has no stack in {c.region} (never created): only the master changes")
        )
    if dropped:
        findings.append(Finding(INFO, f"outputs {', '.join(dropped)} read {resource}: dropped from {name}"))
    return ReleasePlan(
        master.name,
        master.id,
        master.region,
        resource,
        c.region or "",
        c.stack_name or "",
        c.stack_id or "",
        retain,
        without,
        dropped,
        tuple(findings),
    )


async def execute_release(actions: Actions, plan: ReleasePlan, wait: float = 600.0, on_step=None) -> str:
    """Both steps, each waited for; a step that does not end UPDATE_COMPLETE stops the release (said, with the
    way on). Returns what happened, in one line."""
    if plan.blocking:
        raise PlanError("; ".join(str(f) for f in plan.blocking))
    say = on_step or (lambda _text: None)
    target = Target(plan.master_region, plan.master_name, plan.master_id)
    client = actions.fleet.region(plan.master_region)
    steps = ([("retain", plan.retain)] if plan.retain is not None else []) + [("without", plan.without)]
    for step, template in steps:
        result = await actions.patch_template(target, template, ACTION, {"resource": plan.resource, "step": step})
        if not result.ok:
            raise PlanError(f"{plan.master_name}: {result.message}")
        say(f"{step}: sent ({result.request_id}); waiting for {plan.master_name}")
        detail = await until_settled(client, plan.master_id, wait)
        actions.complete(result, detail.stack.status)
        if detail.stack.status != "UPDATE_COMPLETE":
            done = "its template retains it; " if step == "without" else ""
            raise PlanError(
                f"{plan.master_name} is {detail.stack.status} after the {step} step "
                f"({detail.stack.status_reason or 'no reason given'}): {done}nothing more was sent; "
                f"see mrconsole why {plan.master_name}, then release again"
            )
        say(f"{step}: {plan.master_name} UPDATE_COMPLETE")
    if plan.stack_id:
        stack = (await actions.fleet.region(plan.region).get_stack(plan.stack_id, outputs=False)).stack
        return (
            f"released {plan.resource}: {stack.name} stays in {plan.region} ({stack.status}), "
            f"no longer owned by {plan.master_name}"
        )
    return f"released {plan.resource} from {plan.master_name} (it had no stack)"
