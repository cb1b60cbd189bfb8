"""One timeline of a master's incident, to hand over: events, outages and actions, in order.

- every region's events for the master and its constituents (read now,
  from each region; a region that does not answer is named, not skipped);
- the outage windows the console saw (state/outages.py): when a region
  stopped answering, why, and when it came back;
- every journal entry on the master or a constituent: who did what, in
  which region, out of band or not, and the outcome. Parameters are as
  journaled, hidden values already masked there.

Cost: one master read (or the topology cache when its region is down), one
events read per stack, two local sqlite reads of the window only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mrconsole.config import state_dir
from mrconsole.core.live.events import EventStream, StreamConfig
from mrconsole.core.master.outage import master_state
from mrconsole.models import HIDDEN
from mrconsole.state.journal import Journal
from mrconsole.state.outages import Outages

# How far back an incident timeline reaches unless told: the CLI's --since, the console's T and :timeline.
DEFAULT_SINCE = "2h"
DEFAULT_SINCE_SECONDS = 7200.0

EVENT, OUTAGE, RECOVERY, ACTION = "event", "outage", "recovery", "action"


@dataclass(frozen=True)
class Entry:
    at: float  # epoch seconds
    kind: str  # EVENT, OUTAGE, RECOVERY or ACTION
    region: str
    what: str  # one line
    failed: bool = False


@dataclass
class Timeline:
    cloud: str
    master: str
    master_region: str | None
    regions: list[str]
    since: float
    until: float
    entries: list[Entry] = field(default_factory=list)
    unreachable: dict[str, str] = field(default_factory=dict)

    def markdown(self) -> str:
        """Fit to paste into a post-mortem: a header, the outage windows, then every entry in order."""
        out = [
            f"# Incident timeline: {self.master} ({self.cloud})",
            "",
            f"- Window: {_when(self.since)} → {_when(self.until)} UTC",
            f"- Master region: {self.master_region or 'unknown'}; regions: {', '.join(self.regions) or '-'}",
        ]
        for region, why in self.unreachable.items():
            out.append(f"- Not readable while this was written: {region} ({why})")
        windows = [e for e in self.entries if e.kind == OUTAGE]
        out += ["", "## Outages", ""]
        if windows:
            out += ["| Region | Down (UTC) | Back (UTC) | Reason |", "|---|---|---|---|"]
            for w in windows:
                back = next(
                    (e for e in self.entries if e.kind == RECOVERY and e.region == w.region and e.at >= w.at), None
                )
                out.append(
                    f"| {w.region} | {_when(w.at)} | {_when(back.at) if back else 'still down'} | {_cell(w.what)} |"
                )
        else:
            out.append("None seen by the console in this window.")
        out += ["", "## Timeline", "", "| Time (UTC) | Region | Kind | What |", "|---|---|---|---|"]
        for e in self.entries:
            what = f"**{_cell(e.what)}**" if e.failed or e.kind != EVENT else _cell(e.what)
            out.append(f"| {_when(e.at)} | {e.region} | {e.kind} | {what} |")
        return "\n".join(out) + "\n"


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


async def incident_timeline(
    fleet, master: str, since_seconds: float, journal: Journal | None = None, outages: Outages | None = None
) -> Timeline:
    now = time.time()
    since = now - since_seconds
    state = await master_state(fleet, master, save=False)
    if state.topology is None:
        raise LookupError(state.master_error or f"no master {master}")
    topo = state.topology
    m = topo.master
    regions = sorted({m.region, *(c.region for c in topo.constituents if c.region)})
    timeline = Timeline(fleet.name, m.name, m.region, regions, since, now, unreachable=dict(state.unreachable))
    timeline.entries += await _events(fleet, topo, since)
    timeline.entries += _outages(outages or Outages(), fleet.name, set(regions), since)
    timeline.entries += _actions(journal or Journal(), fleet.cloud_names, topo, since)
    # Heat's event times have whole seconds: within one, the outage and the action come before what followed.
    rank = {OUTAGE: 0, ACTION: 1, RECOVERY: 2, EVENT: 3}
    timeline.entries.sort(key=lambda e: (int(e.at), rank[e.kind], e.at))
    return timeline


def save(timeline: Timeline) -> Path:
    """Write the markdown under the state directory; the path, for the operator to attach."""

    folder = state_dir() / "timelines"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromtimestamp(timeline.until, UTC).strftime("%Y%m%d-%H%M%S")
    path = folder / f"{timeline.master}-{stamp}.md"
    path.write_text(timeline.markdown(), encoding="utf-8")
    return path


async def _events(fleet, topo, since: float) -> list[Entry]:
    stream = EventStream(fleet, StreamConfig())
    m = topo.master
    stream.follow(m.region, m.name, m.id, status=m.status)
    for c in topo.constituents:
        if c.region and c.stack_id and c.stack_name:
            stream.follow(c.region, c.stack_name, c.stack_id)
    await stream.poll_once()
    out = []
    for e in stream.timeline.events():
        if e.kind == "gap" or e.time is None or e.time.timestamp() < since:
            continue
        resource = "" if e.resource_name == e.stack_name else f" {e.resource_name}"
        reason = f": {e.status_reason}" if e.status_reason and e.status_reason != "state changed" else ""
        out.append(Entry(e.time.timestamp(), EVENT, e.region, f"{e.stack_name}{resource} {e.status}{reason}", e.failed))
    return out


def _outages(outages: Outages, cloud: str, regions: set[str], since: float) -> list[Entry]:
    out = []
    for w in outages.windows(cloud, regions, since):
        out.append(
            Entry(
                w.started_at,
                OUTAGE,
                w.region,
                f"{w.region} stopped answering" + (f": {w.reason}" if w.reason else ""),
                True,
            )
        )
        if w.ended_at is not None:
            out.append(
                Entry(
                    w.ended_at,
                    RECOVERY,
                    w.region,
                    f"{w.region} answers again (down {_duration(w.ended_at - w.started_at)})",
                )
            )
    return out


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _actions(journal: Journal, clouds: list[str], topo, since: float) -> list[Entry]:
    m = topo.master
    names = {m.name} | {c.stack_name for c in topo.constituents if c.stack_name}
    ids = {m.id} | {c.stack_id for c in topo.constituents if c.stack_id}
    out = []
    for j in journal.entries(100_000, since=since, cloud=clouds):
        if not (j.stack_name in names or j.stack_id in ids or j.master_id == m.id):
            continue
        params = ", ".join(f"{k}={HIDDEN if v == HIDDEN else v}" for k, v in j.parameters.items())
        band = " (out of band)" if j.out_of_band else ""
        message = f": {j.message}" if j.message and j.message != j.outcome else ""
        out.append(
            Entry(
                j.started_at,
                ACTION,
                j.region,
                f"{j.user} ran {j.action} on {j.stack_name}{band}"
                + (f" with {params}" if params else "")
                + f" → {j.outcome}{message}",
                j.outcome in ("failed", "pending"),
            )
        )
    return out
