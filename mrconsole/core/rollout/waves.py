"""A rollout in waves: what it will do, and where one stands, read back from Heat.

Heat updates every constituent of a master in the same update
(RemoteStack._needs_update always answers yes). A *breakpoint* (Heat's hook)
in the master's environment, `resource_registry: {resources: {NAME: {hooks:
pre-update}}}`, makes that update pause before it touches the constituent
NAME, until a resource signal `{"unset_hook": "pre-update"}` clears it. A
rollout is one PATCH of the master that holds every constituent outside the
first wave at its breakpoint, then releases the waves one after another
(core/rollout/run.py). Checked on Heat 27 (tests/lab/test_rollout.py pins each):

- the PATCH's environment is merged into the master's stored one, and the
  master's environment is copied whole into every constituent: afterwards
  the breakpoints are still in both. A last PATCH with `{NAME: null}` for
  each removes them from the master and, since that update reaches every
  constituent, from theirs (it changes no resource anywhere);
- a breakpoint named like a resource *inside* a constituent would hold that
  constituent's own update forever: the plan refuses it;
- a constituent that fails makes the master's update fail; the held ones
  stay untouched; cancelling a held update (cancel_update) rolls back every
  constituent to the previous values, without pausing (the previous
  environment has no breakpoints);
- time held counts against the master's timeout.

Cost of a plan: the master's read (core/preflight.check_master: the master,
its template and resources, each constituent in its region), its
environment, and one resource list per constituent: 3 + 2 * C requests.
Reading where a rollout stands: the master, its environment, one page of its
newest events: 3 requests.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.compat import compat_findings, needs_of
from mrconsole.core.acting.findings import BLOCKING, INFO, WARNING, Checked, Finding
from mrconsole.core.acting.preflight import check_master, check_parameters
from mrconsole.core.errors import PlanError
from mrconsole.core.master.topology import Constituent, Topology, template_or_none
from mrconsole.core.rollout.record import RUNNING as UNENDED
from mrconsole.core.rollout.record import OperationRecord, operator_id, records_in
from mrconsole.core.text import duration
from mrconsole.models import HIDDEN, Event, Stack
from mrconsole.template.heat import hidden_parameters

HOOK = "pre-update"
PAUSED = f"paused until Hook {HOOK} is cleared"
HEAT_DEFAULT_TIMEOUT_MINS = 60  # heat.conf stack_action_timeout (3600 s)

# Where a constituent stands in the master's current update, from the master's events.
WAITING, HELD, UPDATING, UPDATED, FAILED = "waiting", "held", "updating", "updated", "failed"
# Where the rollout stands as a whole.
NONE, RUNNING, HOLDING, STOPPED, FINISHING, DONE = "none", "running", "holding", "stopped", "finishing", "done"


def worst_by_region(pairs, order: tuple[str, ...]) -> dict[str, str]:
    """Per region, the worst word among (region, word) pairs, `order` going from best to worst: a region of
    several constituents is as bad as its worst one. Pairs without a region are left out."""
    out: dict[str, str] = {}
    for region, word in pairs:
        if region and order.index(word) >= order.index(out.get(region, order[0])):
            out[region] = word
    return out


@dataclass(frozen=True)
class Wave:
    number: int  # 1 is the canary
    regions: tuple[str, ...]
    constituents: tuple[Constituent, ...]

    @property
    def resources(self) -> tuple[str, ...]:
        return tuple(c.resource for c in self.constituents)

    @property
    def label(self) -> str:
        return f"wave {self.number} ({', '.join(self.regions)})"


@dataclass(frozen=True)
class Change:
    """What the rollout sends: PATCH parameters, a new template (bundle), or a re-apply (neither)."""

    parameters: dict[str, str] = field(default_factory=dict)
    bundle: object | None = None  # cloud/templates.TemplateBundle
    template_name: str = ""

    @property
    def kind(self) -> str:
        if self.bundle is not None:
            return "template"
        return "parameters" if self.parameters else "reapply"

    def describe(self, hidden: frozenset[str]) -> str:
        if self.bundle is not None:
            head = f"the template {self.template_name}"
            return head + (f" with {_shown(self.parameters, hidden)}" if self.parameters else "")
        if self.parameters:
            return _shown(self.parameters, hidden)
        return "a re-apply (its own template and parameters)"


def _shown(parameters: dict, hidden: frozenset[str]) -> str:
    return ", ".join(f"{k}={HIDDEN if k in hidden else v}" for k, v in parameters.items())


@dataclass(frozen=True)
class RolloutPlan(Checked):
    topology: Topology
    change: Change
    waves: tuple[Wave, ...]
    findings: tuple[Finding, ...]
    hidden: frozenset[str] = frozenset()
    previous: dict[str, str] = field(default_factory=dict)  # changed parameters' values before (not hidden ones)
    leftover: tuple[str, ...] = ()  # breakpoints an earlier rollout left in the master's environment
    soak: float = 0.0
    records: tuple[OperationRecord, ...] = ()  # the operations recorded in the master's environment

    @property
    def master(self) -> Stack:
        return self.topology.master

    @property
    def held(self) -> tuple[str, ...]:
        """The constituents the first PATCH holds at their breakpoint: every one outside the canary wave."""
        return tuple(r for w in self.waves[1:] for r in w.resources)

    def environment(self) -> dict:
        """The PATCH's environment: a breakpoint on each held constituent; a breakpoint left by an earlier
        rollout on a canary constituent removed (it would hold the canary)."""
        resources: dict[str, dict | None] = {name: {"hooks": HOOK} for name in self.held}
        for name in self.leftover:
            resources.setdefault(name, None)
        return {"resource_registry": {"resources": resources}}

    def waves_text(self) -> str:
        return ";".join(",".join(w.regions) for w in self.waves)

    def lines(self) -> list[str]:
        m = self.master
        out = [f"Roll out {self.change.describe(self.hidden)} to {m.name} ({m.region}) in {len(self.waves)} wave(s):"]
        for w in self.waves:
            role = "canary, updated first" if w.number == 1 else "held at its breakpoint until released"
            out.append(f"  {w.label}: {role}")
            for c in w.constituents:
                out.append(f"    {c.resource}: {c.stack_name or c.stack_id} in {c.region} ({c.status or '?'})")
        minutes = self.topology.timeout_mins or HEAT_DEFAULT_TIMEOUT_MINS
        out.append(
            f"  The whole rollout is one update of {m.name}: it must end within its timeout ({minutes} min), "
            "time held at breakpoints included."
        )
        out.append(
            "  At the end, one more update of the master removes the breakpoints from its environment and "
            "every constituent's (it changes no resource)."
        )
        return out


def parse_waves(text: str, regions: list[str]) -> list[tuple[str, ...]]:
    """`RegionTwo;RegionThree,RegionFour`: waves separated by `;`, a wave's regions by `,`.

    Every region that holds a constituent must be in exactly one wave."""
    waves: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for number, part in enumerate(text.split(";"), 1):
        names = tuple(n.strip() for n in part.split(",") if n.strip())
        if not names:
            raise PlanError(f"--waves: wave {number} is empty: nothing was sent", usage=True)
        for name in names:
            if name in seen:
                raise PlanError(f"--waves: region {name} is named twice: nothing was sent", usage=True)
            if name not in regions:
                raise PlanError(
                    f"--waves: {name} holds no constituent of this master (they are in: {', '.join(regions)}): "
                    "nothing was sent",
                    usage=True,
                )
            seen.add(name)
        waves.append(names)
    missing = [r for r in regions if r not in seen]
    if missing:
        raise PlanError(
            f"--waves: {', '.join(missing)} holds constituents but is in no wave (every region must be in one): "
            "nothing was sent",
            usage=True,
        )
    return waves


def region_count(text: str, total: int, option: str) -> int:
    """`N` regions, or `P%` of `total` (rounded down, as StackSets' percentages): what --failure-tolerance and
    --max-concurrent take. Bad text is one usage line."""
    value = (text or "").strip()
    try:
        if value.endswith("%"):
            percent = float(value[:-1])
            if not 0 <= percent <= 100 or percent != percent:
                raise ValueError
            return int(total * percent // 100)
        number = int(value)
        if number < 0:
            raise ValueError
        return number
    except ValueError:
        raise PlanError(
            f"{option} {text!r}: give a number of regions (2) or a percentage of them (50%): nothing was sent",
            usage=True,
        ) from None


def split_waves(waves: list[tuple[str, ...]], at_most: int) -> list[tuple[str, ...]]:
    """Each wave of more than `at_most` regions as consecutive waves of at most that many, in order, each with
    its gate: how --max-concurrent bounds the regions Heat updates at once."""
    out: list[tuple[str, ...]] = []
    for wave in waves:
        out += [wave[i : i + at_most] for i in range(0, len(wave), at_most)] if at_most else [wave]
    return out


def default_waves(regions: list[str], order: list[str]) -> list[tuple[str, ...]]:
    """One region per wave, in the cloud's own order of regions (a stable order): the first is the canary."""
    rank = {name: i for i, name in enumerate(order)}
    return [(r,) for r in sorted(regions, key=lambda r: (rank.get(r, len(rank)), r))]


async def plan_rollout(
    fleet,
    region: str,
    master: str,
    change: Change,
    *,
    waves: str | None = None,
    read_only: bool = False,
    cache=None,
    soak: float = 0.0,
    take_over: bool = False,
    max_concurrent: str | None = None,
) -> RolloutPlan:
    """The plan, its preflight included; raises PlanError for what cannot be planned at all.

    The preflight of an update of the master (core/preflight.check_master), and the rollout's own:
    the master in progress, a breakpoint that would match a resource inside a constituent, an entry
    for a constituent already in the master's environment, time held against the master's timeout."""
    if read_only:
        raise PlanError("read-only mode: rollout is not allowed; nothing was sent")
    if soak < 0:
        raise PlanError("--soak must be 0 or more seconds: nothing was sent", usage=True)
    if region not in fleet.region_names:
        raise PlanError(
            f"region {region!r} is not in cloud {fleet.name} (it has: {', '.join(fleet.region_names)})", usage=True
        )
    topo, findings = await check_master(fleet, region, master, "update", cache)
    if topo is None:
        raise PlanError(f"{master} in {region}: {findings[0].message if findings else 'cannot be read'}")
    found = list(findings)
    if not topo.constituents:
        raise PlanError(f"{topo.master.name} has no constituent stacks: there is nothing to roll out in waves")
    unplaced = [c.resource for c in topo.constituents if not c.region]
    if unplaced:
        raise PlanError(f"the region of {', '.join(unplaced)} is not known: nothing was sent")
    regions = sorted({c.region for c in topo.constituents if c.region})
    groups = parse_waves(waves, regions) if waves else default_waves(regions, fleet.region_names)
    split_note = None
    if max_concurrent is not None:
        at_most = max(1, region_count(max_concurrent, len(regions), "--max-concurrent"))
        split = split_waves(groups, at_most)
        if len(split) != len(groups):
            split_note = Finding(
                INFO,
                f"--max-concurrent {max_concurrent}: at most {at_most} region(s) updated at once; a wave of more "
                f"is split, in order, into waves of {at_most} (each with its gate): {len(groups)} wave(s) become "
                f"{len(split)}",
            )
        groups = split
    plan_waves = tuple(
        Wave(i, group, tuple(c for c in topo.constituents if c.region in group)) for i, group in enumerate(groups, 1)
    )
    if split_note is not None:
        found.append(split_note)
    if len(plan_waves) < 2:
        found.append(
            Finding(
                WARNING,
                f"every constituent is in one wave ({plan_waves[0].label}): the rollout is one update, "
                "with the gate at its end",
            )
        )
    client = fleet.region(region)
    env, inner = await asyncio.gather(client.environment(topo.master), _inner_names(fleet, topo))
    entries = ((env or {}).get("resource_registry") or {}).get("resources") or {}
    records = records_in(env)
    running = records[0] if records and records[0].state == UNENDED else None
    if topo.master.in_progress:
        what = f"{running.describe()} is running on it" if running else "a rollout starts only on a master at rest"
        found.append(
            Finding(
                BLOCKING,
                f"{topo.master.name} is {topo.master.status}: {what}",
                f"wait for it, or see where a rollout stands: mrconsole rollout {topo.master.name} --status",
            )
        )
    elif running is not None and running.owner != operator_id() and not take_over and _has_breakpoints(entries):
        # Stopped or held by another operator, who may come back to it: going over it is said, not assumed.
        found.append(
            Finding(
                BLOCKING,
                f"{running.describe()} has not ended on {topo.master.name}, and it is {running.whose()}",
                f"see it: mrconsole rollout {topo.master.name} --status; go on with it: --continue --take-over; "
                "or start this one over it with --take-over",
            )
        )
    held = {r for w in plan_waves[1:] for r in w.resources}
    leftover = []
    for c in topo.constituents:
        entry = entries.get(c.resource)
        if entry is None:
            continue
        if entry == {"hooks": HOOK}:
            leftover.append(c.resource)
            found.append(
                Finding(
                    INFO,
                    f"{c.resource} already has a breakpoint in {topo.master.name}'s environment "
                    "(left by a stopped rollout): this rollout takes it over and removes it at its end",
                )
            )
        else:
            found.append(
                Finding(
                    BLOCKING,
                    f"{topo.master.name}'s environment has its own entry for {c.resource} ({entry}): "
                    "a rollout would change it",
                    f"update {topo.master.name} at once instead (mrconsole stack update)",
                )
            )
    for c in topo.constituents:
        clash = sorted(held & inner.get(c.resource, set()))
        if clash:
            found.append(
                Finding(
                    BLOCKING,
                    f"{c.stack_name or c.resource} in {c.region} has a resource named {', '.join(clash)}: the "
                    "master's environment is copied into each constituent, so a breakpoint on that name would "
                    "also hold that resource, and nothing would release it",
                    "rename the constituent resource in the master's template, or update the master at once",
                )
            )
    unread = [c.resource for c in topo.constituents if c.resource not in inner and c.stack is not None]
    if unread:
        found.append(
            Finding(
                WARNING,
                f"the resources of {', '.join(unread)} could not be read: a breakpoint's name is not checked "
                "against them",
            )
        )
    minutes = topo.timeout_mins or HEAT_DEFAULT_TIMEOUT_MINS
    if soak and soak * (len(plan_waves)) >= minutes * 60:
        found.append(
            Finding(
                BLOCKING,
                f"{len(plan_waves)} soaks of {soak:.0f}s exceed {topo.master.name}'s timeout ({minutes} min): "
                "Heat would fail the update while it is held",
                "a shorter --soak, or fewer waves",
            )
        )
    found += await _token_findings(fleet, topo, plan_waves, soak)
    template = change.bundle.template if change.bundle is not None else None  # type: ignore[attr-defined]
    if change.bundle is not None:
        # A new template: what each region's Heat takes (core/acting/compat.py), before any wave is sent.
        params = {**topo.parameters, **change.parameters}
        found += await compat_findings(fleet, needs_of(change.bundle, params, topo.master.region))
    # The master's own template, read once (a PATCH is checked against it, and it says what is hidden).
    template = template or await template_or_none(fleet, topo.master)
    hidden = _hidden(template)
    if change.parameters and change.bundle is None:
        found += check_parameters(template or {}, change.parameters, hidden)
    previous = {k: topo.parameters[k] for k in change.parameters if k in topo.parameters and k not in hidden}
    return RolloutPlan(
        topo,
        change,
        plan_waves,
        tuple(found),
        hidden,
        previous,
        tuple(n for n in leftover if n not in held),
        soak,
        records,
    )


def _has_breakpoints(entries: dict) -> bool:
    return any(isinstance(v, dict) and v.get("hooks") for v in entries.values())


# Time a rollout takes besides its soaks (updates, gates), before a hold can outlive the token.
TOKEN_MARGIN_SECONDS = 30 * 60


async def _token_findings(fleet, topo: Topology, waves, soak: float) -> list[Finding]:
    """A later wave is released (its breakpoint cleared) on the token the master's update began with;
    seen on the lab (#34): past its expiry Heat fails that wave (HTTPUnauthorized) unless the master's
    region re-authenticates by trusts. Said before the rollout when its soaks, plus TOKEN_MARGIN_SECONDS,
    outlast the token. One token read (no request while it is valid)."""
    if len(waves) < 2:
        return []
    try:
        expires = await fleet.token_expires()
    except CloudError:
        return []
    if expires is None:
        return []
    left = (expires - datetime.now(UTC)).total_seconds()
    if left > soak * len(waves) + TOKEN_MARGIN_SECONDS:
        return []
    return [
        Finding(
            WARNING,
            f"your token expires at {expires.astimezone(UTC):%H:%M:%S} UTC (in {duration(max(0.0, left))}): a wave "
            f"released after that fails in Heat (HTTPUnauthorized) unless {topo.master.region}'s Heat re-authenticates "
            "by trusts (reauthentication_auth_method = trusts)",
            "fewer or shorter soaks, or a longer token; if it happens, --continue sends the change again on a fresh "
            "token",
        )
    ]


async def _inner_names(fleet, topo: Topology) -> dict[str, set[str]]:
    """Each readable constituent's own resource names (one list per constituent, at once)."""

    async def one(c: Constituent):
        if c.stack is None or not c.region:
            return c.resource, None
        try:
            return c.resource, {r.name for r in await fleet.region(c.region).resources(c.stack)}
        except CloudError:
            return c.resource, None

    pairs = await asyncio.gather(*(one(c) for c in topo.constituents))
    return {name: names for name, names in pairs if names is not None}


def _hidden(template: dict | None) -> frozenset[str]:
    return hidden_parameters(template)


# -- where a rollout stands ---------------------------------------------------


@dataclass(frozen=True)
class ConstituentState:
    resource: str
    region: str
    stack_id: str | None
    stack_name: str | None
    state: str  # WAITING, HELD, UPDATING, UPDATED, FAILED
    reason: str = ""


@dataclass(frozen=True)
class RolloutStatus:
    master: Stack
    phase: str  # NONE, RUNNING, HOLDING, STOPPED, FINISHING, DONE
    constituents: tuple[ConstituentState, ...]
    breakpoints: tuple[str, ...]  # names with a breakpoint in the master's stored environment
    waves: tuple[tuple[str, ...], ...] = ()  # as the rollout was planned (journal), else one region each
    started: Event | None = None  # the master's "UPDATE started" event of the current update
    message: str = ""
    records: tuple[OperationRecord, ...] = ()  # the operations recorded in the master's environment, newest first

    @property
    def operation(self) -> OperationRecord | None:
        """The rollout this status is about, as Heat recorded it: the newest record, while it has not ended
        (one that ended is history: `mrconsole operations`)."""
        newest = self.records[0] if self.records else None
        return newest if newest is not None and newest.kind == "rollout" and newest.state == UNENDED else None

    def state_of(self, resource: str) -> str:
        return next((c.state for c in self.constituents if c.resource == resource), WAITING)

    def wave_states(self) -> list[tuple[int, tuple[str, ...], list[ConstituentState]]]:
        out = []
        for i, regions in enumerate(self.waves, 1):
            out.append((i, regions, [c for c in self.constituents if c.region in regions]))
        return out

    @property
    def held(self) -> tuple[str, ...]:
        return tuple(c.resource for c in self.constituents if c.state == HELD)

    @property
    def next_wave(self) -> int | None:
        """The wave a continue goes on from: the first with a constituent held at its breakpoint, or, once
        the master's update has failed with none held (the last wave's update failed: a release on an
        expired token, #34), the first wave with a constituent that failed: the change is sent again for it."""
        for number, _regions, members in self.wave_states():
            if any(c.state == HELD for c in members):
                return number
        if self.master.failed:
            for number, _regions, members in self.wave_states():
                if any(c.state == FAILED for c in members):
                    return number
        return None

    def wave_regions(self, number: int) -> str:
        """Wave `number`'s regions as said to the operator ("?" past the last wave)."""
        return ", ".join(self.waves[number - 1]) if 0 < number <= len(self.waves) else "?"

    @property
    def resend_wave(self) -> int:
        """The wave a change sent again (--continue --force) releases, with every wave before it: the held
        one, else the first not yet updated (the one a dead engine left updating), else the last."""
        held = self.next_wave
        if held is not None:
            return held
        for number, _regions, members in self.wave_states():
            if any(c.state != UPDATED for c in members):
                return number
        return max(len(self.waves), 1)


def hook_cleared(reason: str) -> bool:
    """A "Hook ... is cleared" event: Heat writes it while answering the release's signal."""
    return "Hook" in reason and "cleared" in reason


def event_state(e: Event) -> str:
    """What one event of a constituent's resource in the master says about it. A hook's events keep the
    resource's old status (CREATE_COMPLETE): their reason decides."""
    if PAUSED in e.status_reason:
        return HELD
    if hook_cleared(e.status_reason):
        return UPDATING
    if e.status.endswith("_IN_PROGRESS"):
        return UPDATING
    if e.status.endswith("_COMPLETE"):
        return UPDATED
    if e.status.endswith("_FAILED"):
        return FAILED
    return WAITING


def constituent_states(events: list[Event], master: Stack, topo: Topology) -> tuple[Event | None, dict[str, tuple]]:
    """From the master's events (oldest first): its current update's start, and per constituent
    resource its last (state, reason) since then."""
    start = None
    for i, e in enumerate(events):
        if e.resource_name == master.name and e.physical_id in ("", master.id) and e.status == "UPDATE_IN_PROGRESS":
            start = i
    if start is None:
        return None, {}
    names = {c.resource for c in topo.constituents}
    states: dict[str, tuple] = {}
    for e in events[start + 1 :]:
        if e.resource_name in names:
            states[e.resource_name] = (event_state(e), e.status_reason)
    return events[start], states


async def read_status(
    fleet, topo: Topology, planned_waves: tuple[tuple[str, ...], ...] = (), event_limit: int = 200
) -> RolloutStatus:
    """Where a rollout of this master stands, from Heat alone: the waves as the operation's record in the
    master's environment holds them (core/rollout/record.py), else as this machine's journal recorded them
    (a rollout an older version started), else one region each."""
    client = fleet.region(topo.master.region)
    detail, env, newest = await asyncio.gather(
        client.get_stack(topo.master.id, outputs=False),
        client.environment(topo.master),
        client.events(topo.master.name, topo.master.id, sort_dir="desc", limit=event_limit),
    )
    master = detail.stack
    entries = ((env or {}).get("resource_registry") or {}).get("resources") or {}
    names = {c.resource for c in topo.constituents}
    breakpoints = tuple(sorted(n for n, v in entries.items() if n in names and isinstance(v, dict) and v.get("hooks")))
    started, states = constituent_states(list(reversed(newest)), master, topo)
    cons = tuple(
        ConstituentState(c.resource, c.region or "?", c.stack_id, c.stack_name, *states.get(c.resource, (WAITING, "")))
        for c in topo.constituents
    )
    regions = sorted({c.region for c in topo.constituents if c.region})
    records = records_in(env)
    recorded = records[0].waves if records and records[0].state == UNENDED else ()
    waves = next((w for w in (recorded, planned_waves) if w and set(sum(w, ())) == set(regions)), ())
    if not waves:
        waves = tuple(default_waves(regions, fleet.region_names))
    held = any(c.state == HELD for c in cons)
    if not breakpoints and not held:
        phase = NONE
        message = "no rollout: no breakpoint in the master's environment and none pending"
    elif master.in_progress and held and not any(c.state == UPDATING for c in cons):
        phase, message = HOLDING, "the update is held at breakpoints: the next wave waits to be released"
    elif master.in_progress:
        phase, message = RUNNING, f"{master.name} is {master.status}"
    elif master.failed or held:
        phase = STOPPED
        message = (
            f"{master.name} is {master.status}; breakpoints stay in its environment: continue, roll back or "
            "leave it stopped"
        )
    else:
        phase, message = FINISHING, "every wave is done; the breakpoints are still in the environment"
    return RolloutStatus(master, phase, cons, breakpoints, waves, started, message, records)


# -- breakpoints across regions -----------------------------------------------


@dataclass(frozen=True)
class Breakpoint:
    """A hook on a resource of the master or of a constituent: set in the stack's environment, and
    `pending` when an action waits at it now."""

    region: str
    stack_name: str
    stack_id: str
    resource: str
    hooks: str  # as the environment names them ("pre-update", or a list)
    pending: str = ""  # the hook an action waits at ("pre-update"), "" if none
    reason: str = ""


def _hook_names(value) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def hook_waited_at(e: Event) -> str:
    """The hook an event says its resource now waits at ("pre-update"), or ""."""
    if "paused until Hook" not in e.status_reason:
        return ""
    return e.status_reason.split("Hook", 1)[1].split()[0]


def pending_hooks(events: list[Event]) -> dict[str, tuple[str, str]]:
    """From a stack's events (oldest first): resource -> (hook, reason) for each one waiting now."""
    pending: dict[str, tuple[str, str]] = {}
    for e in events:
        hook = hook_waited_at(e)
        if hook:
            pending[e.resource_name] = (hook, e.status_reason)
        else:
            pending.pop(e.resource_name, None)
    return pending


async def breakpoints(fleet, topo: Topology, event_limit: int = 100) -> tuple[list[Breakpoint], dict[str, str]]:
    """Every breakpoint in the master and its constituents, each in its region, and the stacks that could
    not be read (name -> why). Cost: 2 requests per stack (its environment, a page of its newest events)."""

    async def one(region: str, name: str, stack_id: str, stack: Stack):
        client = fleet.region(region)
        env, newest = await asyncio.gather(
            client.environment(stack), client.events(name, stack_id, sort_dir="desc", limit=event_limit)
        )
        entries = ((env or {}).get("resource_registry") or {}).get("resources") or {}
        waiting = pending_hooks(list(reversed(newest)))
        out = []
        for resource in sorted(set(entries) | set(waiting)):
            entry = entries.get(resource)
            hooks = _hook_names(entry.get("hooks")) if isinstance(entry, dict) and entry.get("hooks") else ""
            hook, reason = waiting.get(resource, ("", ""))
            if hooks or hook:
                out.append(Breakpoint(region, name, stack_id, resource, hooks, hook, reason))
        return out

    stacks = [(topo.master.region, topo.master.name, topo.master.id, topo.master)]
    stacks += [(c.region, c.stack.name, c.stack.id, c.stack) for c in topo.constituents if c.stack and c.region]
    results = await asyncio.gather(*(one(*s) for s in stacks), return_exceptions=True)
    found: list[Breakpoint] = []
    unread: dict[str, str] = {}
    for s, r in zip(stacks, results, strict=True):
        if isinstance(r, CloudError):
            unread[s[1]] = f"{s[0]}: {r.message}"
        elif isinstance(r, BaseException):
            raise r
        else:
            found += r
    for c in topo.constituents:
        if c.stack is None and c.stack_name:
            unread[c.stack_name] = f"{c.region}: {c.error or 'not readable'}"
    return found, unread
