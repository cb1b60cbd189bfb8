"""The master outlives its region: move it to another region (Heat's adopt), and drop a stale one (abandon).

Heat's `stack adopt` (enable_stack_adopt) creates a stack whose resources take the `resource_id`s the
adopt data gives: an adopted master owns the existing constituent stacks, creating and touching
nothing. Its data is what `stack export` (enable_stack_abandon) returns: the template, files,
environment and each resource's id. Checked on the lab (Heat 27, tests/lab/test_rehome.py): a master
adopted in another region is ADOPT_COMPLETE in seconds with the same constituent ids, and a PATCH
through it updates the constituents in their regions; a master whose outputs read its constituents'
stays readable through a move and the updates after it (the 404 once seen here was the lab's sqlite
reusing row ids: lab/sqlite_ids.py, #32).

So the data must be at hand before the master's region goes down: every read of a master (the
console's session, `status --master`) keeps it in the topology cache, refreshed only when the master
changed (its status or change time). Values of hidden parameters are never kept: a move asks for them.

Cost: keeping the data, one export (or template, environment and files: 3 requests) per change of the
master, none otherwise. A plan: the master's GET in its region (or the cache), a GET of the new name
in the target region.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.actions import ActionResult, Actions, Target
from mrconsole.core.acting.findings import BLOCKING, INFO, WARNING, Checked, Finding, name_held
from mrconsole.core.acting.launch import secrets_read, template_secrets
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
from mrconsole.core.rollout.record import adopt_record, environment_with
from mrconsole.core.text import duration
from mrconsole.state.topology_cache import AdoptData, from_topology
from mrconsole.template.heat import hidden_parameters


@dataclass(frozen=True)
class RehomePlan(Checked):
    name: str  # the new master's
    old_name: str
    old_region: str
    old_id: str
    to_region: str
    adopt: AdoptData
    parameters: dict[str, str]
    old_reachable: bool
    source: str  # where the adopt data comes from, and how old it is
    constituents: tuple[tuple[str, str, str, str], ...]  # (resource, region, stack name, stack id)
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        out = [
            f"Move master {self.old_name} from {self.old_region} to {self.to_region} as {self.name}, "
            f"from {self.source}.",
            f"The new master owns, without creating or touching them ({len(self.constituents)}):",
        ]
        for resource, region, stack_name, stack_id in self.constituents:
            out.append(f"  {resource}: {stack_name or '?'} ({stack_id}) in {region}")
        out.append(
            f"Before the adopt, a throwaway adopt in {self.to_region} checks that its Heat adopts: one that "
            "creates instead (re-authentication by trusts) is refused, nothing else sent."
        )
        if self.old_reachable:
            out.append(
                f"Then the old master in {self.old_region} is abandoned: removed from Heat, its constituents left."
            )
        else:
            out.append(
                f"The old master stays in {self.old_region} (unreachable): when it answers again it is stale; "
                f"abandon it then (mrconsole abandon {self.old_name} --region {self.old_region}), never delete it."
            )
        return out


async def plan_rehome(
    fleet,
    name: str,
    to_region: str,
    cache,
    *,
    new_name: str | None = None,
    parameters: dict[str, str] | None = None,
    read_only: bool = False,
) -> RehomePlan:
    if read_only:
        raise PlanError("read-only mode: rehome is not allowed; nothing was sent")
    if to_region not in fleet.region_names:
        raise PlanError(
            f"--to {to_region!r} is not a region of cloud {fleet.name} (it has: {', '.join(fleet.region_names)})",
            usage=True,
        )
    parameters = dict(parameters or {})
    cached = await asyncio.to_thread(cache.load, fleet.cloud_names, name)
    if cached is None:
        raise PlanError(
            f"{name} is not in the topology cache: nothing says where its constituents are. The cache is kept "
            f"by every read of a master (the console, mrconsole status --master {name}) while its region answers"
        )
    old_region, old_id = cached.region, cached.master_id
    findings: list[Finding] = []
    reachable = False
    try:
        topo = await read_master(fleet, old_region, old_id)
        reachable = True
        if topo.master.status in INCOMPLETE_ADOPT:
            raise PlanError(
                f"{name} in {old_region} ({old_id}) is {topo.master.status} since "
                f"{_when(topo.master.created_time)}: an adopt that did not complete (a move stopped there, or one "
                f"under way now); unless a move runs now, abandon it (it deletes nothing): mrconsole abandon "
                f"{name} --region {old_region}; then move again"
            )
        adopt = await keep_adopt_data(fleet, topo, cache)
        source = f"its export, read now in {old_region}"
    except CloudError as exc:
        if exc.kind == errors.NOT_FOUND:
            raise PlanError(f"{name} ({old_id}) is no longer in {old_region}: nothing to move") from None
        if exc.kind != errors.UNAVAILABLE:
            raise
        adopt = await asyncio.to_thread(cache.load_adopt, fleet.cloud_names, old_id)
        if adopt is not None:
            source = (
                f"the topology cache ({old_region} is unreachable: {exc.message}); "
                f"kept {duration(time.time() - adopt.saved_at)} ago, last seen {cached.status}"
            )
    if adopt is None:
        raise PlanError(
            f"the cache has no adopt data for {name}: it is kept by every read of the master while its region "
            "answers (the console, mrconsole status --master); it was never read since this version"
        )
    target = new_name or cached.name
    if to_region == old_region and target == cached.name:
        raise PlanError(f"{name} is already in {to_region}", usage=True)
    findings += hidden_to_give(adopt, parameters, name)
    # Heat reads each constituent's credential secret in the new master's region while it adopts
    # (RemoteStack.validate, as for a create): read there now, as Heat will.
    adopt_parameters = {**((adopt.data.get("environment") or {}).get("parameters") or {}), **parameters}
    secrets = template_secrets(adopt.data.get("template") or {}, adopt_parameters)
    if secrets and to_region in fleet.region_names:
        findings += await secrets_read(fleet, to_region, secrets, "the move's adopt")
    try:
        clash = await fleet.region(to_region).find_stack(target)
    except CloudError as exc:
        findings.append(
            Finding(BLOCKING, f"{to_region} is unreachable ({exc.message}): the new master cannot be created there")
        )
        clash = None
    if clash is not None and clash.stack.status in INCOMPLETE_ADOPT:
        # A move that stopped in its adopt (its region's Heat went down: Heat 27 leaves it ADOPT_IN_PROGRESS for
        # good, seen in tests/chaos/): it owns nothing for sure, and its abandon deletes nothing.
        findings.append(
            Finding(
                BLOCKING,
                f"{to_region} holds {target} ({clash.stack.id}), {clash.stack.status} since "
                f"{_when(clash.stack.created_time)}: an adopt that did not complete (a move stopped there, or one "
                "under way now)",
                f"unless a move runs now, abandon it (it deletes nothing): mrconsole abandon {target} --region "
                f"{to_region}; then move again",
            )
        )
    elif clash is not None:
        findings.append(
            name_held(target, to_region, clash.stack.status, "give the new master another name: --name", "the move")
        )
    by_id = {c.stack_id: c for c in cached.constituents if c.stack_id}
    constituents = []
    for resource, entry in sorted((adopt.data.get("resources") or {}).items()):
        if entry.get("type") != "OS::Heat::Stack":
            continue
        c = by_id.get(entry.get("resource_id"))
        constituents.append(
            (resource, (c.region if c else None) or "?", (c.stack_name if c else "") or "", entry.get("resource_id"))
        )
    down = sorted({region for _r, region, _n, _i in constituents if region in _down_regions(fleet)})
    if down:
        # Certain, not a risk: Heat validates every constituent in its own region while it adopts
        # (RemoteStack.validate), and a region that does not answer fails it ("Failed validating stack
        # template using Heat endpoint at region ...", seen in the fault matrix, tests/chaos/).
        held = ", ".join(f"{r} ({region})" for r, region, _n, _i in constituents if region in down)
        findings.append(
            Finding(
                BLOCKING,
                f"{', '.join(down)} does not answer and holds constituent(s) {held}: Heat validates every "
                "constituent in its own region while it adopts, so it would refuse the move",
                f"wait for {', '.join(down)} to answer: a move needs every constituent's region up (the old "
                "master's region may stay down when it holds no constituent)",
            )
        )
    if reachable:
        findings.append(
            Finding(INFO, f"{old_region} answers: this is a planned move; the old master is abandoned after it")
        )
    stale = time.time() - adopt.saved_at
    if not reachable and stale > 3600:
        findings.append(
            Finding(
                WARNING,
                f"the adopt data is {duration(stale)} old: a change made through {name} since then is not in it",
            )
        )
    return RehomePlan(
        target,
        cached.name,
        old_region,
        old_id,
        to_region,
        adopt,
        parameters,
        reachable,
        source,
        tuple(constituents),
        tuple(findings),
    )


class CopiesMade(PlanError):
    """Heat created the master instead of adopting it: the new master (`region`, `stack_id`) owns copies of
    every constituent. Deleting it, previewed first, removes them and nothing else: the old master still
    owns the originals."""

    def __init__(self, message: str, region: str, name: str, stack_id: str, copies: list[str]):
        super().__init__(message)
        self.region, self.name, self.stack_id, self.copies = region, name, stack_id, copies


def _down_regions(fleet) -> set[str]:
    return {h.region for h in fleet.health() if h.state == "down"}


# A stack a move was adopting: Heat 27 leaves it ADOPT_IN_PROGRESS for good when its engine dies (tests/chaos/).
INCOMPLETE_ADOPT = ("ADOPT_IN_PROGRESS", "ADOPT_FAILED")


def _when(moment) -> str:
    if moment is None:
        return "an unknown time"
    return f"{duration(time.time() - moment.timestamp())} ago"


async def _copies(fleet, plan: RehomePlan, new_id: str) -> list[str]:
    """The constituent stacks a master that was created instead of adopted made: not the ones it should own."""
    owned = {stack_id for _, _, _, stack_id in plan.constituents}
    try:
        topo = await read_master(fleet, plan.to_region, new_id)
    except CloudError as exc:
        return [f"not read: {exc.message}"]
    return [
        f"{c.resource}: {c.stack_name or '?'} ({c.stack_id}) in {c.region}"
        for c in topo.constituents
        if c.stack_id and c.stack_id not in owned
    ]


async def execute_rehome(
    actions: Actions, plan: RehomePlan, cache, wait: float = 300.0, on_step=None
) -> tuple[str, str]:
    """Adopt in the target region, wait for ADOPT_COMPLETE, then (old region answering) abandon the old
    master; the cache then knows the new master and forgets the old one once it is gone.
    Returns (new master id, what happened).

    Its steps, each said to `on_step` as it is passed (an operator, and tests/chaos, follow them): `adopt
    sent` (Heat accepted the adopt), `adopted` (ADOPT_COMPLETE, the old master not yet abandoned), `abandon
    sent`. Between two of them a fault leaves two masters (the old one stale: `mrconsole abandon`) or one."""
    say = on_step or (lambda text: None)
    if plan.blocking:
        reason = plan.blocking[0]
        raise PlanError(
            f"rehome of {plan.old_name} refused before sending: {reason.message}"
            + (f". Instead: {reason.instead}" if reason.instead else "")
        )
    data = dict(plan.adopt.data)
    data["name"] = plan.name
    env = dict(data.get("environment") or {})
    env["parameters"] = {**(env.get("parameters") or {}), **plan.parameters}
    # The move's record goes with the new master, for every operator's history (core/rollout/record.py).
    left = "abandoned" if plan.old_reachable else "left (unreachable)"
    record = adopt_record(
        "move",
        f"from {plan.old_region} to {plan.to_region}",
        {plan.to_region: "adopted", plan.old_region: left},
    )
    data["environment"] = environment_with(env, record)
    # Every step allowed (the adopt, the probe's delete, the old master's abandon), or none is sent.
    steps = [(plan.to_region, "rehome"), (plan.to_region, "delete")]
    steps += [(plan.old_region, "abandon")] if plan.old_reachable else []
    await refuse_unless_permitted(actions, steps, Target(plan.to_region, plan.name), "rehome")
    # Under re-authentication by trusts Heat creates instead of adopting: found out first (core/master/adopt_probe.py).
    await refuse_unless_adopts(actions, plan.to_region, Target(plan.to_region, plan.name), "rehome")
    result: ActionResult = await actions.adopt(
        Target(plan.to_region, plan.name),
        data,
        data.get("files") or {},
        plan.parameters,
        frozenset(plan.adopt.hidden) | hidden_parameters(data.get("template")),
    )
    if not result.ok:
        raise PlanError(needs_setting(result.message, plan.to_region, ADOPT_SETTING))
    client = actions.fleet.region(plan.to_region)
    new_id = result.stack_id or ""
    say(f"adopt sent: {plan.name} in {plan.to_region} ({new_id})")
    detail = await until_settled(client, new_id, wait)
    status = detail.stack.status
    actions.complete(result, status)
    if status == "CREATE_COMPLETE":  # created, not adopted, though the probe said it adopts: say what exists
        copies = await _copies(actions.fleet, plan, new_id)
        raise CopiesMade(
            f"{plan.name} in {plan.to_region} was created, not adopted: it made {len(copies)} new stack(s) "
            f"({'; '.join(copies)}); the old master was left as it is and still owns the originals. See what "
            f"removing the copies deletes: mrconsole stack delete {new_id} --region {plan.to_region} --preview "
            "(the new master and its copies, nothing else), then send it without --preview",
            plan.to_region,
            plan.name,
            new_id,
            copies,
        )
    if status != "ADOPT_COMPLETE":
        raise PlanError(f"the adopt of {plan.name} in {plan.to_region} ended {status}: {detail.stack.status_reason}")
    topo = await read_master(actions.fleet, plan.to_region, new_id)
    await asyncio.to_thread(cache.save, from_topology(topo))
    await keep_adopt_data(actions.fleet, topo, cache)
    said = f"{plan.name} is now the master, in {plan.to_region} ({new_id}), owning {len(topo.constituents)} stacks"
    say(f"adopted: {said}")
    if plan.old_reachable:
        old = await actions.abandon(Target(plan.old_region, plan.old_name, plan.old_id))
        say(f"abandon sent: {plan.old_name} in {plan.old_region}" if old.ok else f"abandon refused: {old.message}")
        if old.ok:
            await asyncio.to_thread(cache.forget, actions.fleet.cloud_names, plan.old_id)
            said += f"; the old master in {plan.old_region} is abandoned (its constituents left as they are)"
        else:
            said += (
                f"; abandoning the old master failed: {needs_setting(old.message, plan.old_region, ABANDON_SETTING)}"
            )
    return new_id, said
