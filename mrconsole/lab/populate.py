"""`lab populate`: fill the lab with a fleet shaped like a real project's.

Every region gets `stacks` plain stacks named `fleet-NNNN`, in a fixed mix
(the index decides, so a re-run makes the same fleet and creates only what
is missing):

| share | kind      | what it is                                              |
|-------|-----------|---------------------------------------------------------|
| 1 %   | busy      | CREATE_IN_PROGRESS for `busy_seconds` (a slow resource) |
| 6 %   | failed    | CREATE_FAILED (a resource that fails on purpose)        |
| 5 %   | suspended | created, then suspended                                 |
| 4 %   | nested    | a template resource: a nested stack of its own          |
| 2 %   | history   | 30 resources, created then updated: ~130 events         |
| rest  | plain     | 1 to 3 small resources, CREATE_COMPLETE                 |

plus `masters` multi-region masters (`fleet-master-N`, the multi-region
example) whose constituents land in the other regions.

Creates go through the console's own cloud layer with at most
`concurrency` requests in flight across all regions; a create that Heat
refuses, or that fails when it was not meant to, is counted as failed.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import yaml

from mrconsole.cloud.connection import connect
from mrconsole.cloud.errors import CloudError
from mrconsole.cloud.region import Timeouts
from mrconsole.cloud.templates import gather
from mrconsole.lab.manager import Lab, LabError
from mrconsole.lab.options import lab_options
from mrconsole.lab.seed import example_template

PREFIX = "fleet-"
MASTER_PREFIX = "fleet-master-"

# (kind, how many in every 100 stacks); the rest are plain.
MIX = (("busy", 1), ("failed", 6), ("suspended", 5), ("nested", 4), ("history", 2))

NESTED_FILE = "fleet_nested.yaml"
NESTED_TEMPLATE = {
    "heat_template_version": "2021-04-16",
    "parameters": {"label": {"type": "string", "default": "nested"}},
    "resources": {
        "inner": {"type": "OS::Heat::TestResource", "properties": {"value": {"get_param": "label"}}},
        "token": {"type": "OS::Heat::RandomString", "properties": {"length": 8}},
    },
    "outputs": {"inner_value": {"value": {"get_attr": ["inner", "output"]}}},
}


def kind_of(index: int) -> str:
    slot = index % 100
    for kind, share in MIX:
        if slot < share:
            return kind
        slot -= share
    return "plain"


def template_for(kind: str, index: int, busy_seconds: int, generation: int = 0) -> tuple[dict, dict]:
    """(template, files) for one fleet stack; generation > 0 is its update."""
    res: dict = {}
    files: dict = {}
    if kind == "busy":
        res["slow"] = {
            "type": "OS::Heat::TestResource",
            "properties": {"value": "slow", "action_wait_secs": {"create": busy_seconds}},
        }
    elif kind == "failed":
        res["ok"] = {"type": "OS::Heat::None"}
        res["broken"] = {
            "type": "OS::Heat::TestResource",
            "properties": {"fail": True, "value": "fails on purpose"},
            "depends_on": ["ok"],
        }
    elif kind == "nested":
        res["group"] = {"type": NESTED_FILE, "properties": {"label": f"fleet-{index}"}}
        files[NESTED_FILE] = yaml.safe_dump(NESTED_TEMPLATE)
    elif kind == "history":
        for r in range(30):
            res[f"step{r:02d}"] = {"type": "OS::Heat::TestResource", "properties": {"value": f"v{generation}"}}
    else:
        for r in range(1 + index % 3):
            res[f"r{r}"] = (
                {"type": "OS::Heat::None"}
                if r == 1
                else {"type": "OS::Heat::RandomString", "properties": {"length": 12}}
                if r == 2
                else {"type": "OS::Heat::TestResource", "properties": {"value": f"fleet-{index}"}}
            )
    template = {"heat_template_version": "2021-04-16", "description": f"mrconsole lab fleet: {kind}", "resources": res}
    return template, files


@dataclass
class PopulateReport:
    created: int = 0
    existing: int = 0
    failed: list[str] = field(default_factory=list)  # "region/name: reason"
    statuses: dict[str, Counter] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def populate(
    lab: Lab,
    stacks: int = 100,
    regions: list[str] | None = None,
    masters: int = 2,
    concurrency: int = 8,
    busy_seconds: int = 600,
    progress=lambda m: None,
    timeout: float = 3600.0,
) -> PopulateReport:
    if stacks < 0 or masters < 0:
        raise LabError("--stacks and --masters must be 0 or more")
    if not 1 <= concurrency <= 64:
        raise LabError("--concurrency must be between 1 and 64")
    layout = lab.layout()
    chosen = regions or list(layout.regions)
    unknown = [r for r in chosen if r not in layout.regions]
    if unknown:
        raise LabError(f"region {unknown[0]!r} is not in the lab (it has: {', '.join(layout.regions)})")
    if not lab.is_up():
        raise LabError("the lab is not fully up; run `mrconsole lab up` (or `lab start COMPONENT`)")
    return asyncio.run(
        _populate(lab, stacks, chosen, list(layout.regions), masters, concurrency, busy_seconds, progress, timeout)
    )


async def _populate(
    lab, stacks, regions, all_regions, masters, concurrency, busy_seconds, progress, timeout
) -> PopulateReport:

    started = time.monotonic()
    report = PopulateReport()

    # Generous: a region filling with hundreds of stacks answers slowly.
    cloud = await connect(
        lab_options(str(lab.dir), workers_per_region=concurrency, timeouts=Timeouts(connect=5.0, read=60.0))
    )
    gate = asyncio.Semaphore(concurrency)
    try:
        existing = {}
        for region in regions:
            existing[region] = {s.name: s for s in await cloud.region(region).list_stacks()}

        plan: list[tuple] = []  # (region, name, kind, template, files, parameters)
        for region in regions:
            for i in range(stacks):
                name = f"{PREFIX}{i:04d}"
                kind = kind_of(i)
                tmpl, files = template_for(kind, i, busy_seconds)
                plan.append((region, name, kind, tmpl, files, {}))
        plan += _master_plan(masters, regions, all_regions)

        todo = [p for p in plan if p[1] not in existing[p[0]]]
        report.existing = len(plan) - len(todo)
        progress(
            f"{len(plan)} stacks planned in {', '.join(regions)}: {report.existing} exist, "
            f"creating {len(todo)} at concurrency {concurrency}"
        )
        done: Counter[str] = Counter()
        step = max(1, len(todo) // 20)

        # The lab's Heat stores passwords for deferred auth, so a stack with a
        # nested stack needs the creator's password on the create.
        layout = lab.layout()
        creds = ("demo", layout.demo_password) if layout.keystone else None

        async def create(item):
            region, name, kind, tmpl, files, params = item
            async with gate:
                try:
                    await cloud.region(region).create_stack(
                        name,
                        tmpl,
                        files=files,
                        parameters=params,
                        disable_rollback=True,
                        deferred_auth=creds if kind == "nested" else None,
                    )
                    report.created += 1
                except CloudError as exc:
                    report.failed.append(f"{region}/{name}: {exc.message}")
            done["n"] += 1
            if done["n"] % step == 0 or done["n"] == len(todo):
                progress(f"created {done['n']}/{len(todo)} ({len(report.failed)} failed)")

        await asyncio.gather(*(create(p) for p in todo))

        kinds = {(p[0], p[1]): p[2] for p in plan}
        deadline = started + timeout
        final = await _settle(cloud, regions, kinds, deadline, progress)
        # Second phase: suspend, and update the long-history stacks once.
        follow_up: list[tuple] = []
        for (region, name), stack in final.items():
            kind = kinds.get((region, name), "")
            if kind == "suspended" and stack.status == "CREATE_COMPLETE":
                follow_up.append(("suspend", region, stack, None))
            elif kind == "history" and stack.status == "CREATE_COMPLETE":
                follow_up.append(("update", region, stack, template_for("history", 0, busy_seconds, 1)[0]))

        async def act(item):
            what, region, stack, tmpl = item
            async with gate:
                try:
                    if what == "suspend":
                        await cloud.region(region).stack_action(stack.id, "suspend")
                    else:
                        await cloud.region(region).update_stack(stack.id, template=tmpl)
                except CloudError as exc:
                    report.failed.append(f"{region}/{stack.name}: {what}: {exc.message}")

        if follow_up:
            progress(f"suspending and updating {len(follow_up)} stacks")
            await asyncio.gather(*(act(i) for i in follow_up))
            final = await _settle(cloud, regions, kinds, deadline, progress)

        for (region, name), stack in final.items():
            kind = kinds.get((region, name), "")
            report.statuses.setdefault(region, Counter())[stack.status] += 1
            if stack.failed and kind != "failed":
                report.failed.append(f"{region}/{name}: {stack.status}: {stack.status_reason[:160]}")
    finally:
        cloud.close()
    report.seconds = time.monotonic() - started
    return report


def _master_plan(masters: int, regions: list[str], all_regions: list[str]) -> list:

    if masters == 0:
        return []
    if len(all_regions) < 3:
        raise LabError("--masters needs a lab with at least 3 regions (master, database, app)")

    # The example's child templates come in through get_file.
    bundle = gather(str(example_template("multi-region")))
    template, files = bundle.template, bundle.files
    plan = []
    for j in range(masters):
        home = regions[j % len(regions)]
        others = [r for r in all_regions if r != home]
        db, app = others[j % len(others)], others[(j + 1) % len(others)]
        plan.append((home, f"{MASTER_PREFIX}{j}", "master", template, files, {"db_region": db, "app_region": app}))
    return plan


async def _settle(cloud, regions, kinds, deadline, progress) -> dict:
    """Wait until every fleet stack but the busy ones has finished its action."""

    final: dict = {}
    while True:
        unanswered = []
        for region in regions:
            try:
                listed = await cloud.region(region).list_stacks()
            except CloudError as exc:
                # A region busy with the fleet's own work may answer late: ask again next round.
                unanswered.append(f"{region}: {exc.message}")
                continue
            for s in listed:
                if (region, s.name) in kinds:
                    final[(region, s.name)] = s
        if unanswered and time.monotonic() > deadline:
            raise LabError("; ".join(unanswered))
        waiting = [k for k, s in final.items() if s.in_progress and kinds.get(k) != "busy"] + unanswered
        if not waiting or time.monotonic() > deadline:
            if waiting:
                progress(f"{len(waiting)} stacks still in progress at the time limit")
            return final
        progress(f"waiting for {len(waiting)} stacks to finish")
        await asyncio.sleep(3.0)
