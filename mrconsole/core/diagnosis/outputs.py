"""Outputs across regions: a master's and each constituent's, with where each value came from.

Heat shows one stack's outputs at a time, in its region. Here: the master's, read in its region, and each
constituent's, read in its own; a region that does not answer gives the last values the topology cache
kept, marked stale with their age. An output whose value reads a hidden parameter (`get_param` of a
parameter declared `hidden: true`) is masked: Heat itself would show it in clear.

A master's outputs are resolved by Heat even while it is in progress (an output whose constituent is
not there yet comes back as Heat's own error for it). The lab on sqlite once lost such a master after a
resolved read and an update; that was the lab's database, not Heat (lab/sqlite_ids.py, #32).

What is read live is kept in the topology cache (its last values kept for what did not answer).

Cost: the master's read (3 requests), its GET with outputs and its template (2); per
constituent its GET (with outputs) and its template (2), concurrently; the cache read when a region
does not answer.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError
from mrconsole.core.diagnosis.masking import mask_hidden, masked_outputs
from mrconsole.core.errors import PlanError
from mrconsole.core.master.topology import read_master, refresh_constituents, template_or_none
from mrconsole.core.text import duration
from mrconsole.models import HIDDEN
from mrconsole.state.topology_cache import from_topology, keeping_values

LIVE, STALE, UNREAD = "live", "stale", "unread"


@dataclass(frozen=True)
class OutputRow:
    source: str  # "master", or the constituent's resource in the master
    region: str
    stack_name: str
    key: str
    value: object = None
    description: str = ""
    state: str = LIVE  # live, stale (from the cache), unread (nothing known)
    age: float | None = None  # seconds since the cache kept it (stale)
    error: str = ""  # Heat's error resolving it, or why it was not read


@dataclass
class OutputsView:
    master: str
    region: str
    rows: list[OutputRow] = field(default_factory=list)

    @property
    def degraded(self) -> bool:
        return any(r.state != LIVE for r in self.rows)


def _rows(source, region, stack_name, outputs, masked) -> list[OutputRow]:
    return [
        OutputRow(
            source,
            region,
            stack_name,
            o.key,
            HIDDEN if o.key in masked else o.value,
            o.description,
            error=o.error or "",
        )
        for o in outputs
    ]


async def outputs_across(fleet, region: str, name: str, cache) -> OutputsView:
    view = OutputsView(name, region)
    client = fleet.region(region)
    try:
        topo = await read_master(fleet, region, name)
    except CloudError as exc:
        if exc.kind == errors.NOT_FOUND:
            raise PlanError(f"no stack {name} in {region}", usage=True) from None
        if exc.kind != errors.UNAVAILABLE:  # it answered, and refused: said as Heat said it
            raise PlanError(f"{name} in {region}: {exc.message}") from None
        return await _from_cache(fleet, view, name, cache, exc.message)
    m = topo.master
    view.master = m.name
    detail, template = await asyncio.gather(client.get_stack(f"{m.name}/{m.id}"), template_or_none(fleet, m))
    view.rows += _rows("master", region, m.name, detail.outputs, masked_outputs(template))
    await refresh_constituents(fleet, topo)
    cached = await asyncio.to_thread(cache.load, fleet.cloud_names, m.id) if cache is not None else None
    kept = {c.resource: c for c in cached.constituents} if cached else {}

    async def one(c) -> list[OutputRow]:
        if c.stack is None or c.detail is None:
            return _stale(c.resource, c.region or "?", c.stack_name or "?", kept.get(c.resource), cached, c.error)
        masked = await mask_hidden(fleet, c)
        if masked is not None:
            known[c.stack_id] = masked
        return _rows(c.resource, c.region, c.stack.name, c.detail.outputs, masked or set())

    known: dict[str, set[str]] = {}
    for rows in await asyncio.gather(*(one(c) for c in topo.constituents)):
        view.rows += rows
    if cache is not None:
        # What was read live is what a later read, with a region down, shows stale.
        await asyncio.to_thread(cache.save, keeping_values(from_topology(topo, masked=known), cached))
    return view


def _stale(source, region, stack_name, kept, cached, why) -> list[OutputRow]:
    """A constituent whose region does not answer: the values the cache kept, with their age."""
    why = why or "not read"
    if kept is None or not kept.outputs:
        return [OutputRow(source, region, stack_name, "-", state=UNREAD, error=f"{why}; nothing cached")]
    age = time.time() - (kept.read_at or cached.seen_at)  # since its values were read, not the record saved
    return [
        OutputRow(source, region, stack_name, key, value, state=STALE, age=age, error=why)
        for key, value in sorted(kept.outputs.items())
    ]


async def _from_cache(fleet, view: OutputsView, name: str, cache, why: str) -> OutputsView:
    """The master's region does not answer: its own outputs are unknown; constituents are read live."""
    cached = await asyncio.to_thread(cache.load, fleet.cloud_names, name) if cache is not None else None
    if cached is None:
        raise PlanError(f"{view.region} does not answer ({why}) and the topology cache has no {name}")
    view.rows.append(OutputRow("master", cached.region, cached.name, "-", state=UNREAD, error=why))

    async def one(c) -> list[OutputRow]:
        if not c.region or not c.stack_id or c.region not in fleet.region_names:
            return _stale(c.resource, c.region or "?", c.stack_name or "?", c, cached, "region unknown")
        client = fleet.region(c.region)
        try:
            detail = await client.get_stack(f"{c.stack_name}/{c.stack_id}" if c.stack_name else c.stack_id)
        except CloudError as exc:
            return _stale(c.resource, c.region, c.stack_name or "?", c, cached, exc.message)
        template = await template_or_none(fleet, detail.stack)
        return _rows(c.resource, c.region, detail.stack.name, detail.outputs, masked_outputs(template))

    for rows in await asyncio.gather(*(one(c) for c in cached.constituents)):
        view.rows += rows
    return view


def age_text(seconds: float | None) -> str:
    return "" if seconds is None else f"{duration(seconds)} old"
