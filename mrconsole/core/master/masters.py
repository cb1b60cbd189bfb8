"""The masters the console can name from what it already holds: no request of its own.

Heat names a master's constituent `<master>-<resource>-<12 chars>`; a stack in some region's list whose
name is such a prefix of other stacks' names is a master (the longest prefix wins, as `owner_by_name`
decides ownership). The topology cache adds masters seen before whose region does not list them now.

Cost: O(stacks held) per call, made when the list is shown (the overview with no master open, the `m`
screen), never on a timer; the cache's masters are one sqlite read.
"""

from __future__ import annotations

from dataclasses import dataclass

from mrconsole.template.heat import looks_like_constituent, name_splits

# The views tell a constituent by its name (the console sees the core only, not the template layer).
__all__ = ["FoundMaster", "looks_like_constituent", "masters_found"]


@dataclass(frozen=True)
class FoundMaster:
    name: str
    region: str
    stack_id: str
    status: str
    constituents: int  # stacks named as its constituents, in the lists held
    regions: tuple[str, ...]  # where those are
    source: str = "lists"  # "lists": seen in a region's list now; "cache": the topology cache only

    @property
    def attention(self) -> int:
        """Problems first: failed, in progress, then the rest."""
        if self.status.endswith("_FAILED"):
            return 0
        if self.status.endswith("_IN_PROGRESS"):
            return 1
        return 2 if self.source == "lists" else 3


def masters_found(stacks, cached=()) -> list[FoundMaster]:
    """`stacks`: every stack held (all regions); `cached`: the topology cache's masters (CachedMaster)."""
    by_name: dict[str, list] = {}
    for s in stacks:
        by_name.setdefault(s.name, []).append(s)
    counts: dict[str, int] = {}
    regions: dict[str, set[str]] = {}
    for s in stacks:
        for master_name, _resource in name_splits(s.name):
            if master_name != s.name and master_name in by_name:
                counts[master_name] = counts.get(master_name, 0) + 1
                regions.setdefault(master_name, set()).add(s.region)
                break
    found = []
    for name, n in counts.items():
        for m in by_name[name]:
            found.append(FoundMaster(name, m.region, m.id, m.status, n, tuple(sorted(regions[name]))))
    listed = {f.stack_id for f in found}
    seen: set[tuple[str, str]] = set()
    for c in cached:  # newest first: one entry per name and region, deleted masters left out
        if (c.name, c.region) in seen or c.status == "DELETE_COMPLETE":
            continue
        seen.add((c.name, c.region))
        if c.master_id not in listed and c.name not in by_name:
            held = tuple(sorted({x.region for x in c.constituents if x.region}))
            found.append(FoundMaster(c.name, c.region, c.master_id, c.status, len(c.constituents), held, "cache"))
    return sorted(found, key=lambda f: (f.attention, f.name, f.region))
