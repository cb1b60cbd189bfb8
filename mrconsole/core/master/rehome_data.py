"""What moving a master needs, kept while its region answers (core/master/rehome.py moves it).

Every read of a master (the console's session, `status --master`) keeps Heat's export of it in the
topology cache: the template, files, environment and each resource's id, refreshed only when the
master changed (its status or change time). Hidden parameters' values are never kept: a move asks
for them again.

Cost: one export (or template, environment and files: 3 requests) per change of the master; none
otherwise.
"""

from __future__ import annotations

import asyncio
import time

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.findings import BLOCKING, Finding
from mrconsole.core.master.topology import Topology
from mrconsole.logs import logger
from mrconsole.state.topology_cache import AdoptData
from mrconsole.template.heat import hidden_parameters

ADOPT_SETTING = "enable_stack_adopt"
ABANDON_SETTING = "enable_stack_abandon"


def version_of(topo: Topology) -> str:
    m = topo.master
    return f"{m.status}|{m.changed_time.isoformat() if m.changed_time else ''}"


def _hidden_names(template: dict) -> frozenset[str]:
    return hidden_parameters(template)


async def read_adopt_data(fleet, topo: Topology) -> dict:
    """The master's export, or (where the region does not export) the same built from its template,
    environment, files and resources."""
    m = topo.master
    client = fleet.region(m.region)
    try:
        return await client.export(m)
    except CloudError as exc:
        if exc.kind == errors.UNAVAILABLE:
            raise
    template, env, files = await asyncio.gather(client.template(m), client.environment(m), client.files(m))
    resources = topo.master_resources or await client.resources(m)
    return {
        "name": m.name,
        "action": "CREATE",
        "status": "COMPLETE",
        "template": template,
        "environment": env,
        "files": files,
        "resources": {
            r.name: {
                "name": r.name,
                "type": r.type,
                "resource_id": r.physical_id or None,
                "action": "CREATE",
                "status": "COMPLETE",
                "metadata": {},
                "resource_data": {},
            }
            for r in resources
        },
    }


async def keep_adopt_data(fleet, topo: Topology, cache) -> AdoptData | None:
    """Refresh what a move needs in the cache when the master changed since it was kept."""
    if cache is None or not topo.constituents:
        return None
    version = version_of(topo)
    kept = await asyncio.to_thread(cache.load_adopt, fleet.cloud_names, topo.master.id)
    if kept is not None and kept.version == version:
        return kept
    data = await read_adopt_data(fleet, topo)
    hidden = _hidden_names(data.get("template") or {})
    params = dict(((data.get("environment") or {}).get("parameters")) or {})
    given = sorted(k for k in params if k in hidden)
    for k in given:  # never on disk: a move asks for them again
        params.pop(k)
    data.setdefault("environment", {})["parameters"] = params
    adopt = AdoptData(fleet.cloud_of(topo.master.region), topo.master.id, version, time.time(), data, tuple(given))
    await asyncio.to_thread(cache.save_adopt, adopt)
    return adopt


async def keep_quietly(fleet, topo: Topology, cache) -> str:
    """keep_adopt_data for a reader whose own job is something else: a failure is logged and returned."""
    try:
        await keep_adopt_data(fleet, topo, cache)
    except CloudError as exc:
        return f"what a move of {topo.master.name} needs was not refreshed: {exc.message}"
    except Exception:  # noqa: BLE001 - a damaged cache must not stop a read of the master: logged, and said
        logger().exception("adopt data of %s not kept", topo.master.name)
        return f"what a move of {topo.master.name} needs was not kept (see mrconsole.log)"
    return ""


def needs_setting(message: str, region: str, setting: str) -> str:
    """Heat's refusal of a feature its operator left off, with the setting that turns it on."""
    if "not supported" in message.lower():
        return f"{message}: {region}'s Heat has {setting} off; turn on `{setting} = true` in its heat.conf"
    return message


def hidden_to_give(adopt: AdoptData, parameters: dict, name: str) -> list:
    """A blocking finding when a hidden value given at create (never kept) is not given again."""
    return hidden_missing(adopt.hidden, parameters, name)


def hidden_missing(hidden, parameters: dict, name: str) -> list:
    """The same, from the names of the hidden values given at create (an evict's record keeps only those)."""
    missing = [k for k in hidden if k not in parameters]
    if not missing:
        return []
    return [
        Finding(
            BLOCKING,
            f"hidden parameter(s) {', '.join(missing)} were given when {name} was created; their values are never kept",
            f"give them again: {' '.join(f'-P {k}=…' for k in missing)}",
        )
    ]
