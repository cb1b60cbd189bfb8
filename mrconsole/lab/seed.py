"""`lab seed`: create a sample master stack in the lab's first region."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from mrconsole.cloud.connection import connect
from mrconsole.cloud.templates import gather
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
    cloud = await connect(lab_options(str(lab.dir)))
    try:
        client = cloud.region(region)
        existing = await client.find_stack(name)
        if existing is not None:
            return f"stack {name} already exists in {region}: {existing.stack.status}"
        created = await client.create_stack(name, template, files=files, disable_rollback=True)
        progress(f"creating {name} in {region} from {path.parent.name}/{path.name}")
        if not wait:
            return f"stack {name} ({created['id']}) is being created in {region}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            detail = await client.get_stack(created["id"])
            if not detail.stack.in_progress:
                if detail.stack.failed:
                    raise LabError(f"{name}: {detail.stack.status}: {detail.stack.status_reason}")
                return f"stack {name} ({created['id']}) in {region}: {detail.stack.status}"
            await asyncio.sleep(1.0)
        raise LabError(f"{name} still in progress after {timeout:.0f}s")
    finally:
        cloud.close()
