"""Creating a stack: one planner for the console's launch form and `mrconsole stack create`.

`plan_create` reads and checks everything before anything is sent, with the
values the operator gave (so a region or a parameter typed after the
template was loaded is checked too); `execute_create` sends what the plan
says, or journals the refusal. Neither front end decides a rule of its own:

- read-only refuses before the template is read;
- the name and the regions are checked against the cloud (a usage error);
- the template analysis runs with the given parameters, as at launch
  (`require_values`): its errors block the create (one finding that counts
  them; each front end shows the analysis itself, compiler style);
- hidden parameters are the template's own (`hidden: true`), never the form's;
- the name must be free in every region the create goes to: Heat refuses a second stack of a name
  ("already exists"), and holds a deleted stack's name a moment after DELETE_COMPLETE (`name_findings`);
- one region: a master's constituent regions must answer (Heat validates
  each remote stack in its region first: core/acting/launch.py `create_findings`);
- the files are gathered with heatclient's template_utils (get_file, nested
  templates), off the event loop, as the analysis is.

Cost: the analysis and the bundle (local files, in a thread), one lookup of the name in each region the
create goes to, and for a single-region create one probe of each other region a constituent names, all
concurrently. Nothing is read from a region for a plan refused up front.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from mrconsole.cloud.errors import CloudError
from mrconsole.cloud.templates import TemplateBundle, gather
from mrconsole.core.acting.actions import ActionResult, Actions, Target
from mrconsole.core.acting.compat import compat_findings, needs_of
from mrconsole.core.acting.findings import BLOCKING, Checked, Finding, name_held
from mrconsole.core.acting.launch import create_findings
from mrconsole.core.errors import PlanError
from mrconsole.template.analysis import analyse
from mrconsole.template.model import Analysis


@dataclass(frozen=True)
class CreatePlan(Checked):
    name: str
    regions: tuple[str, ...]
    template: str
    env_files: tuple[str, ...]
    parameters: dict[str, str]
    hidden: frozenset[str]
    timeout_mins: int | None
    analysis: Analysis
    bundle: TemplateBundle | None
    findings: tuple[Finding, ...] = ()

    @property
    def fan_out(self) -> bool:
        return len(self.regions) > 1


def _check_request(fleet, name: str, regions: list[str], timeout_mins: int | None) -> None:
    if not name.strip():
        raise PlanError("a stack name is needed: nothing was sent", usage=True)
    if not regions:
        raise PlanError("at least one region is needed: say where the stack goes", usage=True)
    unknown = [r for r in regions if r not in fleet.region_names]
    if unknown:
        raise PlanError(
            f"region {unknown[0]!r} is not in cloud {fleet.name} (it has: {', '.join(fleet.region_names)})", usage=True
        )
    if len(set(regions)) != len(regions):
        twice = next(r for r in regions if regions.count(r) > 1)
        raise PlanError(f"region {twice} is named twice: nothing was sent", usage=True)
    if timeout_mins is not None and not 1 <= timeout_mins <= 10080:
        raise PlanError("the timeout must be between 1 and 10080 minutes", usage=True)


async def plan_create(
    fleet,
    name: str,
    regions: list[str],
    template: str,
    env_files: list[str] | tuple = (),
    parameters: dict[str, str] | None = None,
    *,
    timeout_mins: int | None = None,
    read_only: bool = False,
    probe: bool = True,
) -> CreatePlan:
    """Everything both front ends need to show a create and send it. `probe`: ask the constituent regions
    (a preview does not need to)."""
    if read_only:
        raise PlanError("read-only mode: create is not allowed; nothing was sent")
    _check_request(fleet, name, list(regions), timeout_mins)
    params = dict(parameters or {})
    analysis = await asyncio.to_thread(
        analyse,
        template,
        list(env_files),
        params,
        master_region=regions[0],
        known_regions=fleet.region_names,
        require_values=True,
    )
    findings: list[Finding] = []
    if analysis.errors:
        first = analysis.errors[0]
        findings.append(
            Finding(
                BLOCKING,
                f"{len(analysis.errors)} error(s) in {template}, the first: "
                f"line {first.pos.line}: {first.message} [{first.code}]",
                f"fix the template; mrconsole validate {template} lists them all",
            )
        )
    hidden = frozenset(analysis.tree.template.hidden_parameters) if analysis.tree else frozenset()
    bundle = None
    if not analysis.errors:
        try:
            bundle = await asyncio.to_thread(gather, template, list(env_files))
        except CloudError as exc:
            findings.append(Finding(BLOCKING, f"{template}: {exc.message}"))
    if probe and bundle is not None:
        # Asked together (a region that does not answer costs one wait, not one per question): the name in each
        # region; for a master, the regions its constituents go to; what each region's Heat takes
        # (core/acting/compat.py), every region the template goes to.
        needs = [n for region in regions for n in needs_of(bundle, params, region)]
        for found in await asyncio.gather(
            name_findings(fleet, name.strip(), list(regions)),
            create_findings(fleet, regions[0], analysis) if len(regions) == 1 else _none(),
            compat_findings(fleet, needs),
        ):
            findings += found
    return CreatePlan(
        name.strip(),
        tuple(regions),
        template,
        tuple(env_files),
        params,
        hidden,
        timeout_mins,
        analysis,
        bundle,
        tuple(findings),
    )


async def _none() -> list[Finding]:
    return []


async def name_findings(fleet, name: str, regions: list[str]) -> list[Finding]:
    """A stack of that name already in a region the create goes to: Heat would refuse the create there. One
    lookup by name per region, concurrently; a region that does not answer is left to the create (and to
    the probes above) to say."""

    async def look(region: str) -> Finding | None:
        try:
            found = await fleet.region(region).find_stack(name, outputs=False)
        except CloudError:
            return None
        if found is None:
            return None
        return name_held(
            name,
            region,
            found.stack.status,
            f"pick another name, or change that stack: mrconsole stack update {name} --region {region}",
        )

    return [f for f in await asyncio.gather(*(look(r) for r in regions)) if f is not None]


async def execute_create(actions: Actions, plan: CreatePlan, *, force: bool = False) -> list[ActionResult]:
    """Send the plan's create (one region, or the same template to several). A blocking finding refuses it
    here, journaled in every region it named as not sent, unless `force` (which cannot send a template
    that could not be read or analysed)."""
    unsendable = plan.bundle is None
    if plan.blocking and (not force or unsendable):
        reason = plan.blocking[0]
        for region in plan.regions:
            await actions.refuse(Target(region, plan.name), "create", str(reason), plan.parameters, plan.hidden)
        more = f" (and {len(plan.blocking) - 1} more)" if len(plan.blocking) > 1 else ""
        raise PlanError(
            f"create of {plan.name} refused before sending: {reason.message}{more}."
            + (f" Instead: {reason.instead}" if reason.instead else "")
        )
    assert plan.bundle is not None
    if plan.fan_out:
        return await actions.fan_out_create(
            plan.name, list(plan.regions), plan.bundle, plan.parameters, plan.hidden, timeout_mins=plan.timeout_mins
        )
    return [
        await actions.create(
            Target(plan.regions[0], plan.name),
            plan.bundle,
            plan.parameters,
            plan.hidden,
            timeout_mins=plan.timeout_mins,
        )
    ]
