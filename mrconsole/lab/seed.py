"""`lab seed`: create a sample master stack in the lab's first region."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from mrconsole.cloud.connection import connect
from mrconsole.cloud.errors import CloudError
from mrconsole.cloud.templates import gather
from mrconsole.core.live.fleet import Fleet
from mrconsole.core.master.topology import read_master, until_name_free, until_settled
from mrconsole.lab.manager import Lab, LabError, seed_files_root
from mrconsole.lab.options import lab_options


def example_template(example: str) -> Path:
    path = seed_files_root() / example / "master.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.name for p in seed_files_root().iterdir() if p.is_dir()))
        raise LabError(f"no example {example!r} (known: {known})")
    return path


def seed(
    lab: Lab,
    name: str = "demo",
    example: str = "multi-region",
    wait: bool = False,
    progress=lambda m: None,
    timeout: float = 300.0,
) -> str:
    return asyncio.run(_seed(lab, name, example, wait, progress, timeout))


async def _seed(lab, name, example, wait, progress, timeout) -> str:

    layout = lab.layout()
    region = layout.regions[0]
    path = example_template(example)
    bundle = gather(str(path))
    files, template = bundle.files, bundle.template
    assert template is not None  # gather() always reads a template
    other_cloud = OTHER_CLOUD_PART.get(example)
    if other_cloud and layout.clouds != 2:
        raise LabError(f"the {example} example needs a second cloud: `mrconsole lab up --clouds 2` (a new lab)")
    cloud = await connect(lab_options(str(lab.dir)))
    try:
        client = cloud.region(region)
        existing = await client.find_stack(name)
        if existing is not None and existing.stack.status == "DELETE_COMPLETE":
            # Just deleted: Heat still holds the name a moment (core/master/topology.py until_name_free).
            if await until_name_free(client, name, existing.stack.id, 30):
                existing = None
        if existing is not None:
            said = f"stack {name} already exists in {region}: {existing.stack.status}"
            if other_cloud and not existing.stack.in_progress and not existing.stack.failed:
                # Seeded again: the other cloud's part is made if it is not there (a run stopped before it).
                detail = await client.get_stack(existing.stack.id)
                said += "\n" + await _other_cloud_part(lab, name, path.parent, other_cloud, detail, progress)
            return said
        created = await client.create_stack(name, template, files=files, disable_rollback=True)
        progress(f"creating {name} in {region} from {path.parent.name}/{path.name}")
        # A wait condition needs its VM's signal, which only the seed can play here: it waits for those.
        vms = any(WAIT_CONDITION in str(f) for f in files.values())
        wait = wait or bool(other_cloud)  # the other cloud's part takes this master's outputs
        if not wait and not vms:
            return f"stack {name} ({created['id']}) is being created in {region}"
        if vms:
            progress("its wait conditions wait for their VMs' signals: the seed sends them")
        fleet = Fleet(cloud)
        deadline = time.monotonic() + timeout
        signalled: set[tuple[str, str]] = set()
        while time.monotonic() < deadline:
            if vms:
                await _play_the_vms(fleet, region, created["id"], signalled, progress)
            detail = await client.get_stack(created["id"])
            if not detail.stack.in_progress:
                if detail.stack.failed:
                    raise LabError(f"{name}: {detail.stack.status}: {detail.stack.status_reason}")
                said = f"stack {name} ({created['id']}) in {region}: {detail.stack.status}"
                if other_cloud:
                    said += "\n" + await _other_cloud_part(lab, name, path.parent, other_cloud, detail, progress)
                return said
            await asyncio.sleep(1.0)
        raise LabError(f"{name} still in progress after {timeout:.0f}s")
    finally:
        cloud.close()


# An example's part in the lab's second cloud (`lab up --clouds 2`): a stack made there from a file of the
# example, whose parameters are the master's outputs (parameter -> output). Heat cannot make it from the master
# (an OS::Heat::Stack with credential_secret_id is made in the master's own cloud: template/analysis.py MR013),
# so the seed does what an operator does: a stack of its own in the other cloud, given the master's values.
OTHER_CLOUD_PART = {"multi-cloud": ("app.yaml", {"db_ip": "db_ip"})}


async def _other_cloud_part(lab, name: str, directory: Path, part, master, progress) -> str:
    from mrconsole.lab.manager import EDGE_CLOUD

    file, wanted = part
    outputs = {o.key: o.value for o in master.outputs}
    missing = [o for o in wanted.values() if o not in outputs]
    if missing:
        raise LabError(f"{name} has no output {missing[0]} for its part in {EDGE_CLOUD}")
    bundle = gather(str(directory / file))
    assert bundle.template is not None
    edge = lab.edge().layout()
    region, stack_name = edge.regions[0], f"{name}-app"
    cloud = await connect(lab_options(str(lab.dir), cloud=EDGE_CLOUD))
    try:
        client = cloud.region(region)
        existing = await client.find_stack(stack_name)
        if existing is not None:
            return f"stack {stack_name} already exists in {EDGE_CLOUD} {region}: {existing.stack.status}"
        parameters = {p: str(outputs[o]) for p, o in wanted.items()}
        created = await client.create_stack(
            stack_name, bundle.template, files=bundle.files, parameters=parameters, disable_rollback=True
        )
        progress(f"creating {stack_name} in {EDGE_CLOUD} {region} from {file}, given {name}'s {', '.join(wanted)}")
        detail = await until_settled(client, created["id"], limit=300.0, poll=1.0)
        if detail.stack.in_progress or detail.stack.failed:
            raise LabError(f"{stack_name} in {EDGE_CLOUD}: {detail.stack.status}: {detail.stack.status_reason}")
        return f"stack {stack_name} ({created['id']}) in {EDGE_CLOUD} {region}: {detail.stack.status}"
    finally:
        cloud.close()


HANDLE = "OS::Heat::WaitConditionHandle"
WAIT_CONDITION = "OS::Heat::WaitCondition"
VM_SAYS = {"status": "SUCCESS", "reason": "the lab's stand-in for the VM: ready", "data": "ready", "id": "lab"}


async def _play_the_vms(fleet: Fleet, region: str, master_id: str, signalled: set, progress) -> None:
    """A wait condition in a constituent waits for its VM's signal (a real server's user_data runs the
    handle's curl_cli); the lab has no VMs, so the seed sends it, once per handle, as soon as the handle
    exists. Cost per call: one master read, then one resource list per constituent that has a stack."""
    try:
        topo = await read_master(fleet, region, master_id)
    except CloudError:
        return  # not readable yet: the next round asks again
    for c in topo.constituents:
        if not (c.region and c.stack_id):
            continue
        client = fleet.region(c.region)
        try:
            stack = (await client.get_stack(c.stack_id, outputs=False)).stack
            resources = await client.resources(stack)
        except CloudError:
            continue
        for r in resources:
            key = (c.stack_id, r.name)
            if r.type != HANDLE or r.status != "CREATE_COMPLETE" or key in signalled:
                continue
            await client.signal_resource(c.stack_id, r.name, VM_SAYS)
            signalled.add(key)
            progress(f"signalled {r.name} in {c.stack_name} ({c.region}), as its VM would")
