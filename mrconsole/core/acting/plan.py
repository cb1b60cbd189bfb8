"""What an action will do, and what must be decided, before anything is sent.

One planner for the console and the command line. `plan_action` reads what
it needs (the stack, its owner, hidden parameters) and returns an
`ActionPlan`; the caller presents it and asks; `execute` sends it through
`core.acting.actions`. Neither front end decides any rule of its own:

- read-only refuses before any question is asked;
- parameters are KEY=VALUE items; a bad item is one error naming it, and
  nothing is sent;
- a constituent of a reachable master: acting on it directly creates drift,
  so the plan carries a warning and (for check, suspend, resume and cancel)
  the same action on the master as the alternative; the caller must choose;
- a constituent whose master is unreachable: the action is out-of-band and
  is journaled as such;
- delete needs the stack's name typed; a master's delete names every stack
  it deletes in each region and needs their count typed instead (a master
  named by habit is the slip that deletes a whole deployment);
- "reapply" is an update of a stack with its own current template,
  environment and parameters (a PATCH that changes nothing): for a master,
  Heat then updates every constituent with what the master intends
  (RemoteStack._needs_update always answers yes), which undoes drift.

Cost: one stack lookup in the stack's region, the ownership lookup
(one list per region, plus one resource list of a candidate master), for
an update one template read, and for an action that a master's
constituents decide, one read of the master and of each constituent
(core/acting/preflight.py), whose drift an update reuses without reading the
master again. Nothing is read for a plan that is refused.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass, replace

from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting import protect
from mrconsole.core.acting.action_table import MENU, NAME, ON_A_MASTER, TABLE, VIA_MASTER, Action
from mrconsole.core.acting.actions import ActionResult, Actions, Target
from mrconsole.core.acting.by_hand import stack_by_hand
from mrconsole.core.acting.findings import BLOCKING, INFO, WARNING, Checked, Finding
from mrconsole.core.acting.permissions import READ_ONLY
from mrconsole.core.acting.preflight import check_master, check_parameters, check_stack, drift_findings
from mrconsole.core.errors import PlanError
from mrconsole.core.master.outage import constituent_drifts
from mrconsole.core.master.ownership import Ownership, owned_elsewhere, owner_of
from mrconsole.core.master.topology import find_stack, read_master, template_or_none
from mrconsole.models import Stack
from mrconsole.template.heat import hidden_parameters

# Everything the console's action menu and `mrconsole stack` can do to an existing stack (core/acting/action_table.py).
PLANNED = MENU


def parse_parameters(items: Iterable[str]) -> dict[str, str]:
    """KEY=VALUE items into a dict; the first bad item is the one error."""
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise PlanError(f"{item!r} is not KEY=VALUE: nothing was sent", usage=True)
        params[key.strip()] = value
    return params


def parse_parameter_text(text: str) -> dict[str, str]:
    """A line of KEY=VALUE items as typed in the console (shell quoting for values with spaces)."""
    try:
        items = shlex.split(text)
    except ValueError as exc:
        raise PlanError(f"parameters: {exc}: nothing was sent", usage=True) from None
    return parse_parameters(items)


@dataclass(frozen=True)
class ActionPlan(Checked):
    action: str  # one of PLANNED
    stack: Stack
    direct: Target  # the stack itself (out-of-band when its master is unreachable)
    through_master: Target | None = None  # the same action on the reachable master, when that makes sense
    owner: Ownership | None = None
    warning: str = ""  # drift or out-of-band, shown before asking
    confirm_name: str | None = None  # delete: what to type (the stack's name; for a master, the count)
    parameters: dict | None = None  # update: what changes (PATCH)
    hidden: frozenset[str] = frozenset()  # parameters never shown or journaled in clear
    findings: tuple[Finding, ...] = ()  # the preflight (core/acting/preflight.py)
    template: dict | None = None  # update: the stack's template, to check parameters against
    deletes: tuple[str, ...] = ()  # a master's delete: every stack it deletes, "REGION: NAME", master first
    is_master: bool = False  # it has constituents: its snapshot, update and delete reach other regions
    protected: tuple[str, ...] = ()  # protected regions it changes stacks in: typed to confirm (core/acting/protect.py)
    cloud: str = ""  # the cloud's name in clouds.yaml: what `openstack --os-cloud` takes (by_hand)
    read_only: tuple[str, ...] = ()  # read-only regions (config) it changes stacks in: refused whole
    through_read_only: tuple[str, ...] = ()  # the same through the master (its constituents' regions)

    @property
    def confirm_prompt(self) -> str:
        """What the operator is asked to type, and why."""
        if self.deletes:
            return f"type {self.confirm_name} (the number of stacks deleted) to confirm"
        return f"type {self.confirm_name} to confirm"

    @property
    def creates_drift(self) -> bool:
        """Acting directly on a constituent of a reachable master: the caller must choose."""
        return bool(self.owner and self.owner.master_reachable)

    @property
    def verb(self) -> str:
        return TABLE[Action(self.action)].verb

    @property
    def question(self) -> str:
        return f"{self.verb} {self.stack.name} in {self.stack.region}?"

    @property
    def effect(self) -> str:
        """What Heat will do, in one line."""
        if self.action == "reapply":
            return (
                "Heat updates the stack with its own current template, environment and parameters; "
                "a master then updates every constituent with what it intends."
            )
        if self.action == "update":
            return "Only the parameters given change; the template and every other parameter stay (PATCH)."
        if self.action == "delete" and self.deletes:
            return (
                f"Heat deletes {len(self.deletes)} stacks, every constituent in its own region, and everything "
                "they created. This cannot be undone:\n  " + "\n  ".join(self.deletes)
            )
        if self.action == "delete":
            return "The stack and everything it created are deleted. This cannot be undone."
        return ""

    def by_hand(
        self, through_master: bool = False, template: str | None = None, environments: Iterable[str] = ()
    ) -> list[str]:
        """The `openstack` command that sends what this plan sends (core/acting/by_hand.py), hidden values as
        placeholders."""
        target = self.through_master if through_master and self.through_master is not None else self.direct
        return stack_by_hand(
            self.cloud, self.action, target.region, target.name, self.parameters, self.hidden, template, environments
        )

    def with_parameters(self, parameters: dict[str, str]) -> ActionPlan:
        """The plan for these PATCH parameters, their preflight included."""
        found = check_parameters(self.template or {}, parameters, self.hidden) if self.template is not None else []
        return replace(self, parameters=parameters, findings=self.findings + tuple(found))


async def plan_action(
    fleet,
    action: str,
    region: str,
    stack: Stack | str,
    *,
    read_only: bool = False,
    cache=None,
    parameters: dict[str, str] | None = None,
    protected: frozenset[str] = frozenset(),
) -> ActionPlan:
    """Everything the console and the CLI need to present an action and ask. `protected`: the regions the
    config protects; the plan says which of them this action changes stacks in."""
    if action not in PLANNED:
        raise PlanError(f"unknown action {action!r} (one of: {', '.join(PLANNED)})", usage=True)
    if read_only:
        raise PlanError(f"read-only mode: {action} is not allowed; nothing was sent")
    if region not in fleet.region_names:
        raise PlanError(
            f"region {region!r} is not in cloud {fleet.name} (it has: {', '.join(fleet.region_names)})", usage=True
        )
    if not isinstance(stack, Stack):
        stack = await _find(fleet, region, stack)
    try:
        owner = await owner_of(fleet, stack, cache)
    except CloudError:
        owner = None
    warning, through = "", None
    findings: list[Finding] = []
    if owner and owner.master_reachable and owner.master is not None:
        m = owner.master
        warning = (
            f"{stack.name} is the constituent {owner.resource} of master {m.name} ({m.region}), "
            "which is reachable: acting on it directly creates drift from the master."
        )
        if action in VIA_MASTER:
            through = Target(m.region, m.name, m.id)
            warning += f" Through the master, the {action.replace('_', ' ')} applies to every constituent."
        elif action in ("update", "reapply"):
            warning += f" To change it through the master, update {m.name}'s parameters."
        findings.append(Finding(WARNING, warning))
    elif owner:
        warning = (
            f"Its master {owner.master_name} is unreachable: this {action.replace('_', ' ')} is "
            "out-of-band and will be journaled as such."
        )
        findings.append(Finding(INFO, warning))
    direct = Target(
        region,
        stack.name,
        stack.id,
        out_of_band=bool(owner and not owner.master_reachable),
        master_id=owner.master_id if owner else None,
    )
    # The user's role first: nothing else matters if Heat's policy refuses the action here (core/acting/permissions.py).
    refused = await fleet.permissions.refusal(region, action)
    if refused is not None and refused.policy != READ_ONLY:  # the config's own: said below, for every region
        findings.append(
            Finding(BLOCKING, refused.line(), "ask for a role that may, or leave it to someone who has one")
        )
    findings += check_stack(stack, action)
    hidden: frozenset[str] = frozenset()
    template = None
    if action == "update":
        template = await template_or_none(fleet, stack)
        # A template that could not be read says nothing of what is hidden: every value is then.
        hidden = hidden_parameters(template) if template is not None else frozenset(parameters or {})
        if parameters:
            findings += check_parameters(template, parameters, hidden) if template is not None else []
    deletes: tuple[str, ...] = ()
    is_master = False
    regions_changed: list[str | None] = [region]
    if action in ON_A_MASTER:
        topo, found = await check_master(fleet, region, f"{stack.name}/{stack.id}", action, cache)
        findings += found
        is_master = bool(topo is not None and topo.constituents)
        if topo is not None:
            # A master passes the action on to every constituent, in its own region.
            regions_changed = list(topo.regions())
        if topo is not None and topo.constituents and action == "delete":
            deletes = _deletes(topo)
        if topo is not None and action in ("delete", "update", "reapply"):
            findings += await _stale(fleet, topo, cache, action)
        if topo is not None and topo.constituents and action in ("update", "reapply"):
            findings += await _drift(fleet, topo, cache, action)
    ro_regions = fleet.permissions.read_only
    through_read_only: tuple[str, ...] = ()
    if through is not None and ro_regions:
        # Through the master, Heat passes the action on to every constituent, each in its region: the
        # master's topology says which (read only when the config makes some region read-only).
        try:
            topo = await read_master(fleet, through.region, f"{through.name}/{through.id}")
            through_read_only = protect.touched(ro_regions, topo.regions())
        except CloudError:
            through_read_only = protect.touched(ro_regions, [through.region, region])
    if protect.touched(ro_regions, regions_changed):
        findings.append(
            Finding(
                BLOCKING,
                protect.read_only_refusal(ro_regions, regions_changed, f"{action.replace('_', ' ')} of {stack.name}"),
                "act from a config that allows it",
            )
        )
    return ActionPlan(
        action,
        stack,
        direct,
        through,
        owner,
        warning,
        confirm_name=(str(len(deletes)) if deletes else stack.name) if TABLE[Action(action)].confirm == NAME else None,
        parameters=parameters,
        hidden=hidden,
        findings=tuple(findings),
        template=template,
        deletes=deletes,
        is_master=is_master,
        protected=protect.touched(protected, regions_changed),
        cloud=fleet.name,
        read_only=protect.touched(ro_regions, regions_changed),
        through_read_only=through_read_only,
    )


def _deletes(topo) -> tuple[str, ...]:
    """Every stack a master's delete deletes (RemoteStack.handle_delete deletes each constituent in its
    region), master first; a constituent not read is named by its resource."""
    out = [f"{topo.master.region}: {topo.master.name} (the master)"]
    for c in topo.constituents:
        if c.stack_id:
            name = c.stack_name or f"{c.resource}'s stack {c.stack_id}"
            out.append(f"{c.region or '?'}: {name} ({c.status or 'status unknown'})")
    return tuple(out)


async def _drift(fleet, topo, cache, action: str) -> list[Finding]:
    """Drift of the master just read (no second read, no search for orphans)."""

    try:
        return drift_findings(await constituent_drifts(fleet, topo, cache), action)
    except CloudError:
        return []


async def _stale(fleet, topo, cache, action: str) -> list[Finding]:
    """A master whose constituents a newer master owns (it was moved while its region was down): a delete
    would delete them from under the new master, an update would overwrite what was done through it."""
    try:
        claim = await owned_elsewhere(fleet, topo, cache)
    except CloudError:
        return []
    if claim is None:
        return []
    m = topo.master
    harm = (
        "would delete every constituent from under it"
        if action == "delete"
        else "would overwrite what was done through it since"
    )
    return [
        Finding(
            BLOCKING,
            f"{m.name} in {m.region} is stale: {claim.name} in {claim.region} (created later) owns its "
            f"{len(claim.stacks)} constituent stack(s); a {action} {harm}",
            f"abandon it, which leaves its constituents as they are: mrconsole abandon {m.name} --region {m.region}",
        )
    ]


async def _find(fleet, region: str, name_or_id: str) -> Stack:
    found, failed = await find_stack(fleet, name_or_id, [region], outputs=False)  # the stack alone
    if failed:
        raise PlanError(f"{region} is unreachable ({failed[region].message}): nothing was sent")
    if not found:
        raise PlanError(f"no stack {name_or_id} in {region}")
    return found[0].stack


async def execute(
    actions: Actions,
    plan: ActionPlan,
    *,
    through_master: bool = False,
    confirmation: str = "",
    bundle=None,
    force: bool = False,
    typed_region: str = "",
    timeout_mins: int | None = None,
) -> ActionResult:
    """Send what the plan says; `through_master` takes the plan's alternative.

    A blocking finding refuses the action here, journaled as not sent,
    unless `force`. `bundle` (update only): a new template and files, for a
    full update instead of a PATCH; `timeout_mins` (update only): the
    stack's new timeout, kept by Heat for later actions too.
    """
    # A read-only region (config) is never changed from here: not with --force, not through a master.
    where = plan.through_read_only if through_master else plan.read_only
    if where:
        what = f"{plan.action} of {plan.stack.name}" + (" through its master" if through_master else "")
        said = protect.read_only_refusal(frozenset(where), where, what)
        sent_to = plan.through_master if through_master and plan.through_master else plan.direct
        await actions.refuse(sent_to, plan.action, said, plan.parameters, plan.hidden)
        raise PlanError(said)
    if plan.blocking and not force and not through_master:
        reason = plan.blocking[0]
        await actions.refuse(plan.direct, plan.action, str(reason), plan.parameters, plan.hidden)
        more = f" (and {len(plan.blocking) - 1} more)" if len(plan.blocking) > 1 else ""
        raise PlanError(
            f"{plan.action} of {plan.stack.name} refused before sending: {reason.message}{more}."
            + (f" Instead: {reason.instead}" if reason.instead else "")
        )
    refused = protect.refusal(plan.protected, typed_region, f"{plan.action} of {plan.stack.name}")
    if refused:
        raise PlanError(refused, usage=True)
    target = plan.direct
    if through_master:
        if plan.through_master is None:
            raise PlanError(f"{plan.action} of {plan.stack.name} cannot go through a master", usage=True)
        target = plan.through_master
    if plan.action == "delete":
        return await actions.delete(target, confirmation, expected=plan.confirm_name)
    if plan.action == "reapply":
        return await actions.reapply(target)
    if plan.action == "update":
        if bundle is None and not plan.parameters and timeout_mins is None:
            raise PlanError(
                "update needs KEY=VALUE parameters to change (or a template, or --timeout): nothing was sent",
                usage=True,
            )
        # No template (none, or only an environment): a PATCH that keeps the stored one.
        existing = bundle is None or bundle.template is None
        return await actions.update(
            target, bundle, plan.parameters or {}, plan.hidden, existing=existing, timeout_mins=timeout_mins
        )
    return await actions.stack_action(target, plan.action)
