"""Drop a region that is gone for good from a master, without Heat reaching that region.

Through Heat it cannot be done: an update of the master without those constituents first validates the
remaining ones and then deletes the removed ones, in their region, which does not answer. What works on
Heat 27 (checked on the lab, tests/lab/test_rehome.py): the master's export with those resources (and the
outputs that read them) taken out, validated in the master's region (which reaches only the regions
left), then the master abandoned (Heat forgets it; every constituent stays) and adopted again, under the
same name in the same region, from that export. The new master owns the same constituents in the other
regions; the stacks left in the lost region are orphans: `mrconsole drift` lists them by Heat's naming
pattern when the region answers again, to be deleted there.

Between the abandon and the adopt the master is nowhere in Heat: what adopts it again is kept first in the
master's region as a software config named `mrconsole-evict-NAME` (the export without the evicted, hidden
values never), deleted once it is adopted. An evict that stopped there (its process killed, its region down)
is finished by `mrconsole evict NAME --region REGION` from any machine: the plan finds the record and adopts
the master again from it (tests/chaos/ found the cell, tests/lab/test_rehome.py pins it).

Cost: the master's read (3 + C requests), its export (kept by core/master/rehome_data.py), the records'
look-up (configs / 100 requests per region), one validate, the record, the abandon, the adopt and its wait.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from dataclasses import dataclass

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.actions import Actions, Target
from mrconsole.core.acting.findings import BLOCKING, INFO, Checked, Finding
from mrconsole.core.acting.permissions import refuse_unless_permitted
from mrconsole.core.errors import PlanError
from mrconsole.core.master.adopt_probe import refuse_unless_adopts
from mrconsole.core.master.rehome_data import (
    ABANDON_SETTING,
    ADOPT_SETTING,
    hidden_missing,
    hidden_to_give,
    keep_adopt_data,
    needs_setting,
)
from mrconsole.core.master.topology import read_master, until_settled
from mrconsole.core.rollout.record import adopt_record, environment_with, now_iso, who
from mrconsole.state.topology_cache import from_topology
from mrconsole.template.heat import hidden_parameters


def mentions(node, name: str) -> bool:
    """Does a template snippet refer to resource `name` (get_attr, get_resource, depends_on)?"""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("get_attr", "get_resource") and (
                value == name or (isinstance(value, list) and value and value[0] == name)
            ):
                return True
            if key == "depends_on" and (value == name or (isinstance(value, list) and name in value)):
                return True
            if mentions(value, name):
                return True
    elif isinstance(node, list):
        return any(mentions(v, name) for v in node)
    return False


@dataclass(frozen=True)
class EvictPlan(Checked):
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
    give_again: tuple[str, ...] = ()  # hidden values given at create, never kept: given again with -P
    step: str = "evict"  # EVICT; ADOPT_AGAIN (an evict stopped after its abandon); FORGET (only its record left)
    kept: str = ""  # the software config of an unfinished evict, found in the master's region

    def lines(self) -> list[str]:
        if self.step == FORGET:
            return [f"The evict of {self.region} from {self.master_name} has ended: its record is removed from Heat"]
        if self.step == ADOPT_AGAIN:
            return [
                f"Finish the evict of {self.region} from {self.master_name}: it was abandoned and not yet adopted "
                f"again; adopt it in {self.master_region} from the data kept in Heat (software config {self.kept}), "
                f"owning every constituent but those left in {self.region} as orphans:",
                *(f"  {r}: {n or i} stays in {self.region} as an orphan" for r, n, i in self.evicted),
            ]
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


KEPT_PREFIX = "mrconsole-evict-"  # + the master's name: a software config holding an unfinished evict's data
EVICT, ADOPT_AGAIN, FORGET = "evict", "adopt again", "forget"
RESEND = 30.0  # seconds an abandon may take before it is sent again (a dead engine's: it never ends)


@dataclass(frozen=True)
class Kept:
    """An unfinished evict's record, found in Heat."""

    region: str
    config_id: str
    payload: dict


async def find_kept(fleet, name: str) -> Kept | None:
    """The record an evict of `name` left in any region that answers (Heat keeps it until it is deleted)."""

    async def look(region: str) -> Kept | None:
        client = fleet.region(region)
        try:
            for config_id in await client.software_configs_named(KEPT_PREFIX + name):
                payload = json.loads(await client.software_config(config_id))
                if isinstance(payload, dict) and payload.get("master") == name:
                    return Kept(region, config_id, payload)
        except (CloudError, ValueError):
            return None  # unreachable, or not ours: nothing to finish there
        return None

    found = await asyncio.gather(*(look(r) for r in fleet.region_names))
    return next((k for k in found if k is not None), None)


async def _plan_from_kept(fleet, name: str, region: str, kept: Kept, parameters: dict) -> EvictPlan | None:
    """The plan that finishes an evict from its record; None when the master was never abandoned (the evict
    is then planned again from the start, and its new record replaces the old)."""
    p = kept.payload
    if p.get("evicted_region") != region:
        raise PlanError(
            f"an evict of {p.get('evicted_region')} from {name} has not finished (its record is in {kept.region}'s "
            f"Heat): finish it first (mrconsole evict {name} --region {p.get('evicted_region')})",
            usage=True,
        )
    where = str(p.get("region") or kept.region)
    try:
        current = await fleet.region(where).find_stack(name)
    except CloudError as exc:
        raise PlanError(f"{name}'s region {where} does not answer ({exc.message}): nothing was sent") from None
    old_id = str(p.get("master_id") or "")
    if current is not None and current.stack.id == old_id and not current.stack.status.startswith("DELETE"):
        return None
    by = f"by {p.get('by') or 'someone'}, started {p.get('started') or 'at an unknown time'}"
    give_again = tuple(str(k) for k in p.get("give_again") or ())
    findings: list[Finding] = []
    half = current is not None and current.stack.id != old_id
    if half and current.stack.status.endswith("_COMPLETE") and not current.stack.status.startswith("DELETE"):
        step = FORGET
        findings.append(
            Finding(INFO, f"the evict of {region} from {name} ({by}) has ended: {name} is {current.stack.status}")
        )
    elif half:
        # The adopt was sent and did not complete (its engine went down: ADOPT_IN_PROGRESS for good, seen in
        # tests/chaos/; or it failed): that master owns nothing for sure. Abandoned (nothing deleted), then
        # adopted again from the record.
        step = ADOPT_AGAIN
        old_id = current.stack.id
        findings.append(
            Finding(
                INFO,
                f"the evict of {region} from {name} ({by}) stopped in its adopt: {name} ({old_id}) is "
                f"{current.stack.status}; this abandons it (nothing is deleted) and adopts it again from the data "
                f"the evict kept ({where}, software config {kept.config_id})",
            )
        )
    else:
        step = ADOPT_AGAIN
        findings.append(
            Finding(
                INFO,
                f"the evict of {region} from {name} ({by}) stopped after its abandon: {name} is in Heat only as "
                f"the data it kept ({where}, software config {kept.config_id}); this adopts it again",
            )
        )
    if step == ADOPT_AGAIN:
        findings += hidden_missing(give_again, parameters, name)
    return EvictPlan(
        name,
        old_id,
        where,
        region,
        tuple((str(r), str(n), str(i)) for r, n, i in p.get("evicted") or ()),
        p.get("data") or {},
        parameters,
        tuple(p.get("dropped_outputs") or ()),
        tuple(findings),
        frozenset(p.get("hidden") or ()),
        give_again,
        step,
        kept.config_id,
    )


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
    kept = await find_kept(fleet, name)
    if kept is not None:
        finishing = await _plan_from_kept(fleet, name, region, kept, parameters)
        if finishing is not None:
            return finishing
    found = await asyncio.to_thread(cache.load, fleet.cloud_names, name)
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
            if mentions(definition, evicted):
                findings.append(
                    Finding(
                        BLOCKING,
                        f"{other} reads {evicted} (its data flow crosses into {region}): without it, "
                        f"{other} cannot be defined",
                        f"update {name} so that {other} no longer reads {evicted}, then evict",
                    )
                )
    dropped = tuple(sorted(k for k, v in (template.get("outputs") or {}).items() if any(mentions(v, n) for n in names)))
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
        tuple(adopt.hidden),
        kept=kept.config_id if kept else "",  # a record of an evict that never abandoned: replaced
    )


async def execute_evict(actions: Actions, plan: EvictPlan, cache, wait: float = 300.0, on_step=None) -> str:
    """Validate the master without the region, keep what adopts it again in Heat, abandon it, adopt it again
    without the region, remove the record. An unfinished evict's plan (ADOPT_AGAIN) starts at the adopt.

    Its steps, each said to `on_step` (an operator, and tests/chaos, follow them): `kept` (the record in
    Heat), `abandon sent`, `name free` (the abandoned master gone from its region), `adopt sent`, `adopted`,
    `record removed`."""
    say = on_step or (lambda text: None)
    if plan.blocking:
        reason = plan.blocking[0]
        raise PlanError(
            f"evict from {plan.master_name} refused before sending: {reason.message}"
            + (f". Instead: {reason.instead}" if reason.instead else "")
        )
    fleet = actions.fleet
    client = fleet.region(plan.master_region)
    if plan.step == FORGET:
        await _forget(client, plan.kept, say)
        return f"the evict of {plan.region} from {plan.master_name} had ended; its record in Heat is removed"
    env = dict(plan.data.get("environment") or {})
    env["parameters"] = {**(env.get("parameters") or {}), **plan.parameters}
    # The evict's record goes with the master adopted again, for every operator's history (core/rollout/record.py).
    record = adopt_record("evict", f"{plan.region} dropped", {plan.region: "evicted", plan.master_region: "adopted"})
    data = {**plan.data, "environment": environment_with(env, record)}
    master = Target(plan.master_region, plan.master_name)
    if plan.step == ADOPT_AGAIN:
        steps = [(plan.master_region, a) for a in ("rehome", "delete")]
        await refuse_unless_permitted(actions, steps, master, "evict")
        await refuse_unless_adopts(actions, plan.master_region, master, "evict")
        kept = plan.kept
        holder = await client.find_stack(plan.master_name)
        if holder is not None and holder.stack.id == plan.master_id and not holder.stack.status.startswith("DELETE"):
            # An adopt that never completed holds the name: abandoned (nothing deleted) before adopting again.
            half = await actions.abandon(Target(plan.master_region, plan.master_name, plan.master_id))
            if not half.ok:
                raise PlanError(needs_setting(half.message, plan.master_region, ABANDON_SETTING))
            say(f"abandon sent: {plan.master_name} ({holder.stack.status}) in {plan.master_region}")
        say(f"finishing: {plan.master_name} was abandoned; adopting it again from software config {kept}")
    else:
        # Validated first, in the master's region (it reaches only the regions left): nothing is abandoned
        # for a master that could not be adopted again.
        try:
            await client.validate(data["template"], data.get("files") or {}, env, plan.parameters)
        except CloudError as exc:
            raise PlanError(f"{plan.master_region} refuses the master without {plan.region}: {exc.message}") from None
        # Before the abandon: every step allowed (abandon, adopt, the probe's delete), and a region that would
        # create instead of adopting must not lose its master first.
        steps = [(plan.master_region, a) for a in ("abandon", "rehome", "delete")]
        await refuse_unless_permitted(actions, steps, master, "evict")
        await refuse_unless_adopts(actions, plan.master_region, master, "evict")
        kept = await _keep(actions, plan)
        say(f"kept: what adopts {plan.master_name} again, in {plan.master_region}'s Heat (software config {kept})")
        old = await actions.abandon(Target(plan.master_region, plan.master_name, plan.master_id))
        if not old.ok:
            await _forget(client, kept, say)
            raise PlanError(needs_setting(old.message, plan.master_region, ABANDON_SETTING))
        say(f"abandon sent: {plan.master_name} in {plan.master_region}")
    # Abandon is asynchronous in Heat, and the name is taken until the row is deleted, after DELETE_COMPLETE
    # is set (heat/engine/stack.py Stack.delete). Looked up by id Heat shows a deleted stack for ever
    # (engine/service.py identify_stack and show_stack: show_deleted=True); by name it does not. So the name
    # is free once a lookup by name stops finding this stack (a clean-clone run met "The Stack (ev) already
    # exists" when DELETE_COMPLETE by id was taken for gone).
    # An abandon whose engine went down (the region's Heat stopped) never ends: Heat 27 resumes no convergence
    # traversal (service.py reset_stack_status), and the old master stays DELETE_IN_PROGRESS holding the name
    # (seen in tests/chaos/). A new abandon stops that traversal and starts its own (service.py abandon_stack):
    # sent again when the name is still taken after RESEND seconds, then every RESEND * 2.
    deadline = time.monotonic() + wait
    resend = time.monotonic() + RESEND
    while time.monotonic() < deadline:
        found = await client.find_stack(plan.master_name)
        if found is None or found.stack.id != plan.master_id:
            break
        if time.monotonic() > resend:
            again = await actions.abandon(Target(plan.master_region, plan.master_name, plan.master_id))
            say(
                f"abandon sent again: {plan.master_name} still {found.stack.status} after {RESEND:.0f} s (its "
                f"region's Heat may have gone down during it)" + ("" if again.ok else f"; Heat: {again.message}")
            )
            resend = time.monotonic() + RESEND * 2
        await asyncio.sleep(0.5)
    say(f"name free: {plan.master_name} in {plan.master_region}")
    result = await actions.adopt(
        Target(plan.master_region, plan.master_name), data, data.get("files") or {}, plan.parameters, plan.hidden
    )
    if not result.ok:
        raise PlanError(
            needs_setting(result.message, plan.master_region, ADOPT_SETTING)
            + f"; {plan.master_name} was abandoned: what adopts it again is kept in Heat (software config "
            f"{kept}); finish it from any machine: mrconsole evict {plan.master_name} --region {plan.region}"
        )
    say(f"adopt sent: {plan.master_name} in {plan.master_region} ({result.stack_id})")
    detail = await until_settled(client, result.stack_id or plan.master_name, wait)
    status = detail.stack.status
    actions.complete(result, status)
    if status != "ADOPT_COMPLETE":
        raise PlanError(f"the adopt of {plan.master_name} without {plan.region} ended {status}")
    say(f"adopted: {plan.master_name} in {plan.master_region} without {plan.region}")
    topo = await read_master(fleet, plan.master_region, result.stack_id or plan.master_name)
    await asyncio.to_thread(cache.forget, fleet.cloud_names, plan.master_id)
    await asyncio.to_thread(cache.save, from_topology(topo))
    await keep_adopt_data(fleet, topo, cache)
    await _forget(client, kept, say)
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


async def _keep(actions: Actions, plan: EvictPlan) -> str:
    """The record that lets anyone finish this evict, in the master's region; a record of an evict that never
    abandoned is replaced. Nothing is abandoned unless it is kept."""
    client = actions.fleet.region(plan.master_region)
    if plan.kept:
        await _forget(client, plan.kept, lambda text: None)
    payload = {
        "kind": "evict",
        "master": plan.master_name,
        "master_id": plan.master_id,
        "region": plan.master_region,
        "evicted_region": plan.region,
        "evicted": [list(e) for e in plan.evicted],
        "data": plan.data,  # the cache's export: hidden values are never in it; those typed now are not added
        "dropped_outputs": list(plan.dropped_outputs),
        "hidden": sorted(plan.hidden),
        "give_again": list(plan.give_again),
        "by": who(),
        "started": now_iso(),
    }
    try:
        config_id = await client.create_software_config(KEPT_PREFIX + plan.master_name, json.dumps(payload))
    except CloudError as exc:
        raise PlanError(
            f"{plan.master_region} did not keep what adopts {plan.master_name} again ({exc.message}): nothing was "
            "abandoned"
        ) from None
    await actions.record(
        Target(plan.master_region, plan.master_name, plan.master_id, master_id=plan.master_id),
        "evict-kept",
        "ok",
        f"software config {config_id}: what adopts {plan.master_name} again without {plan.region}",
    )
    return config_id


async def _forget(client, config_id: str, say) -> None:
    """Remove an evict's record (best effort: one left behind is found, and removed, by the next evict)."""
    try:
        await client.delete_software_config(config_id)
    except CloudError as exc:
        if exc.kind != errors.NOT_FOUND:
            say(f"record left: software config {config_id} ({exc.message}); the next evict removes it")
            return
    say(f"record removed: software config {config_id}")
