"""Drop a region that is gone for good from a master, without Heat reaching that region.

Through Heat it cannot be done: an update of the master without those constituents first validates the
remaining ones and then deletes the removed ones, in their region, which does not answer. What works on
Heat 27 (checked on the lab, tests/lab/test_rehome.py): the master's export with those resources (and the
outputs that read them) taken out, validated in the master's region (which reaches only the regions
left), then the master abandoned (Heat forgets it; every constituent stays) and adopted again, under the
same name in the same region, from that export. The new master owns the same constituents in the other
regions; the stacks left in the lost region are orphans: `mrconsole drift` lists them by Heat's naming
pattern when the region answers again, to be deleted there.

Cost: the master's read (3 + C requests), its export (kept by core/master/rehome_data.py), one validate,
the abandon, the adopt and its wait.
"""

from __future__ import annotations

import asyncio
import copy
import time
from dataclasses import dataclass

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.actions import Actions, Target
from mrconsole.core.acting.findings import BLOCKING, INFO, Finding
from mrconsole.core.acting.permissions import refuse_unless_permitted
from mrconsole.core.errors import PlanError
from mrconsole.core.master.adopt_probe import refuse_unless_adopts
from mrconsole.core.master.rehome_data import (
    ABANDON_SETTING,
    ADOPT_SETTING,
    hidden_to_give,
    keep_adopt_data,
    needs_setting,
)
from mrconsole.core.master.topology import read_master, until_settled
from mrconsole.state.topology_cache import from_topology
from mrconsole.template.heat import hidden_parameters


def _mentions(node, name: str) -> bool:
    """Does a template snippet refer to resource `name` (get_attr, get_resource, depends_on)?"""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("get_attr", "get_resource") and (
                value == name or (isinstance(value, list) and value and value[0] == name)
            ):
                return True
            if key == "depends_on" and (value == name or (isinstance(value, list) and name in value)):
                return True
            if _mentions(value, name):
                return True
    elif isinstance(node, list):
        return any(_mentions(v, name) for v in node)
    return False


@dataclass(frozen=True)
class EvictPlan:
    master_name: str
    master_id: str
    master_region: str
    region: str  # the region gone for good
    evicted: tuple[tuple[str, str, str], ...]  # (resource, stack name, stack id) left there as orphans
    data: dict  # the export without them: what is adopted again
    parameters: dict[str, str]
    dropped_outputs: tuple[str, ...]
    findings: tuple[Finding, ...]
    hidden: frozenset[str] = frozenset()  # parameters never shown or journaled in clear

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKING]

    def lines(self) -> list[str]:
        out = [f"Drop {self.region} from master {self.master_name} ({self.master_region}) without reaching it:"]
        out += [f"  {r}: {n or i} stays in {self.region} as an orphan (delete it there when it answers)"
                for r, n, i in self.evicted]  # fmt: skip
        if self.dropped_outputs:
            out.append(f"  outputs that read them are dropped: {', '.join(self.dropped_outputs)}")
        out.append(
            f"  {self.master_name} is abandoned and adopted again in {self.master_region} without them "
            "(every other constituent kept as it is)"
        )
        out.append(
            f"  first, a throwaway adopt in {self.master_region} checks that its Heat adopts: one that creates "
            "instead (re-authentication by trusts) is refused before the abandon"
        )
        return out


async def plan_evict(
    fleet, name: str, region: str, cache, *, parameters: dict[str, str] | None = None, read_only: bool = False
) -> EvictPlan:
    if read_only:
        raise PlanError("read-only mode: evict is not allowed; nothing was sent")
    if region not in fleet.region_names:
        raise PlanError(
            f"--region {region!r} is not in cloud {fleet.name} (it has: {', '.join(fleet.region_names)})", usage=True
        )
    parameters = dict(parameters or {})
    found = await asyncio.to_thread(cache.load, fleet.name, name)
    where = found.region if found else None
    if where is None:
        raise PlanError(f"{name} is not in the topology cache: read it once (mrconsole status --master {name})")
    try:
        topo = await read_master(fleet, where, found.master_id)
    except CloudError as exc:
        if exc.kind == errors.UNAVAILABLE:
            raise PlanError(
                f"{name}'s own region {where} does not answer ({exc.message}): move the master first "
                f"(mrconsole move {name} --to REGION), then evict"
            ) from None
        raise
    if region == topo.master.region:
        raise PlanError(f"{region} is {name}'s own region: move the master first (mrconsole move)", usage=True)
    gone = [c for c in topo.constituents if c.region == region]
    if not gone:
        raise PlanError(f"{name} has no constituent in {region}: nothing to evict", usage=True)
    adopt = await keep_adopt_data(fleet, topo, cache)
    assert adopt is not None  # a master with constituents always has adopt data once read
    findings: list[Finding] = []
    try:
        await fleet.region(region).probe()
        findings.append(
            Finding(
                BLOCKING,
                f"{region} answers: evict is for a region gone for good (it leaves its stacks behind)",
                f"to remove those constituents with their stacks, update {name} without them",
            )
        )
    except CloudError:
        pass  # gone, as it should be
    data = copy.deepcopy(adopt.data)
    template = data.get("template") or {}
    names = {c.resource for c in gone}
    resources = template.get("resources") or {}
    for other, definition in resources.items():
        if other in names:
            continue
        for evicted in sorted(names):
            if _mentions(definition, evicted):
                findings.append(
                    Finding(
                        BLOCKING,
                        f"{other} reads {evicted} (its data flow crosses into {region}): without it, "
                        f"{other} cannot be defined",
                        f"update {name} so that {other} no longer reads {evicted}, then evict",
                    )
                )
    dropped = tuple(
        sorted(k for k, v in (template.get("outputs") or {}).items() if any(_mentions(v, n) for n in names))
    )
    for resource in names:
        resources.pop(resource, None)
        (data.get("resources") or {}).pop(resource, None)
    for key in dropped:
        template["outputs"].pop(key, None)
    if dropped:
        findings.append(Finding(INFO, f"outputs {', '.join(dropped)} read the evicted constituents: dropped"))
    findings += hidden_to_give(adopt, parameters, name)
    names_known = {k.stack_id: k.stack_name for k in found.constituents if k.stack_id and k.stack_name}
    return EvictPlan(
        topo.master.name,
        topo.master.id,
        topo.master.region,
        region,
        tuple((c.resource, c.stack_name or names_known.get(c.stack_id or "", ""), c.stack_id or "") for c in gone),
        data,
        parameters,
        dropped,
        tuple(findings),
        frozenset(adopt.hidden) | hidden_parameters(data.get("template")),  # given at create, or defaulted
    )


async def execute_evict(actions: Actions, plan: EvictPlan, cache, wait: float = 300.0, on_step=None) -> str:
    """Validate the master without the region, abandon it, adopt it again without the region.

    Its steps, each said to `on_step` (an operator, and tests/chaos, follow them): `abandon sent`, `name
    free` (the abandoned master gone from its region), `adopt sent`, `adopted`. Between `abandon sent` and
    `adopted` the master exists only in this machine's cache (the adopt data): what a fault there leaves
    another operator is measured by the fault matrix (tests/chaos/)."""
    say = on_step or (lambda text: None)
    if plan.blocking:
        reason = plan.blocking[0]
        raise PlanError(
            f"evict from {plan.master_name} refused before sending: {reason.message}"
            + (f". Instead: {reason.instead}" if reason.instead else "")
        )
    fleet = actions.fleet
    client = fleet.region(plan.master_region)
    env = dict(plan.data.get("environment") or {})
    env["parameters"] = {**(env.get("parameters") or {}), **plan.parameters}
    data = {**plan.data, "environment": env}
    # Validated first, in the master's region (it reaches only the regions left): nothing is abandoned
    # for a master that could not be adopted again.
    try:
        await client.validate(data["template"], data.get("files") or {}, env, plan.parameters)
    except CloudError as exc:
        raise PlanError(f"{plan.master_region} refuses the master without {plan.region}: {exc.message}") from None
    # Before the abandon: every step allowed (abandon, adopt, the probe's delete), and a region that would
    # create instead of adopting must not lose its master first.
    steps = [(plan.master_region, a) for a in ("abandon", "rehome", "delete")]
    await refuse_unless_permitted(actions, steps, Target(plan.master_region, plan.master_name), "evict")
    await refuse_unless_adopts(actions, plan.master_region, Target(plan.master_region, plan.master_name), "evict")
    old = await actions.abandon(Target(plan.master_region, plan.master_name, plan.master_id))
    if not old.ok:
        raise PlanError(needs_setting(old.message, plan.master_region, ABANDON_SETTING))
    say(f"abandon sent: {plan.master_name} in {plan.master_region}")
    # Abandon is asynchronous in Heat, and the name is taken until the row is deleted, after DELETE_COMPLETE
    # is set (heat/engine/stack.py Stack.delete). Looked up by id Heat shows a deleted stack for ever
    # (engine/service.py identify_stack and show_stack: show_deleted=True); by name it does not. So the name
    # is free once a lookup by name stops finding this stack (a clean-clone run met "The Stack (ev) already
    # exists" when DELETE_COMPLETE by id was taken for gone).
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        found = await client.find_stack(plan.master_name)
        if found is None or found.stack.id != plan.master_id:
            break
        await asyncio.sleep(0.5)
    say(f"name free: {plan.master_name} in {plan.master_region}")
    result = await actions.adopt(
        Target(plan.master_region, plan.master_name), data, data.get("files") or {}, plan.parameters, plan.hidden
    )
    if not result.ok:
        raise PlanError(
            needs_setting(result.message, plan.master_region, ADOPT_SETTING)
            + f"; {plan.master_name} was abandoned: adopt it again from the cache with "
            f"mrconsole move {plan.master_name} --to {plan.master_region}"
        )
    say(f"adopt sent: {plan.master_name} in {plan.master_region} ({result.stack_id})")
    detail = await until_settled(client, result.stack_id or plan.master_name, wait)
    status = detail.stack.status
    actions.complete(result, status)
    if status != "ADOPT_COMPLETE":
        raise PlanError(f"the adopt of {plan.master_name} without {plan.region} ended {status}")
    say(f"adopted: {plan.master_name} in {plan.master_region} without {plan.region}")
    topo = await read_master(fleet, plan.master_region, result.stack_id or plan.master_name)
    await asyncio.to_thread(cache.forget, fleet.name, plan.master_id)
    await asyncio.to_thread(cache.save, from_topology(topo))
    await keep_adopt_data(fleet, topo, cache)
    orphans = ", ".join(f"{n or i}" for _r, n, i in plan.evicted)
    await actions.record(
        Target(plan.region, plan.master_name, result.stack_id, master_id=result.stack_id),
        "evict",
        "ok",
        f"{plan.region} dropped from {plan.master_name}; orphans left there: {orphans}",
    )
    return (
        f"{plan.master_name} no longer reaches {plan.region} (new id {result.stack_id}); left there as orphans: "
        f"{orphans} (mrconsole drift {plan.master_name} lists them when {plan.region} answers)"
    )
