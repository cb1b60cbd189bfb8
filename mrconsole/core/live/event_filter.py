"""The events filter an operator types (`region:R stack:S status:FAILED free text`): one rule for every view."""

from __future__ import annotations

from dataclasses import dataclass

from mrconsole.models import Event


@dataclass
class EventFilter:
    """`region:R stack:S status:FAILED free text` — every term must match."""

    regions: tuple[str, ...] = ()
    stacks: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    failures_only: bool = False

    @classmethod
    def parse(cls, text: str, failures_only: bool = False) -> EventFilter:
        regions: list[str] = []
        stacks: list[str] = []
        statuses: list[str] = []
        words: list[str] = []
        for term in text.split():
            key, sep, value = term.partition(":")
            if sep and key in ("region", "stack", "status") and value:
                {"region": regions, "stack": stacks, "status": statuses}[key].append(value.lower())
            else:
                words.append(term.lower())
        return cls(tuple(regions), tuple(stacks), tuple(statuses), tuple(words), failures_only)

    def match(self, e: Event) -> bool:
        if self.failures_only and not (e.failed or e.kind == "gap"):
            return False
        if self.regions and e.region.lower() not in self.regions:
            return False
        if self.stacks and not any(s in e.stack_name.lower() for s in self.stacks):
            return False
        if self.statuses and not any(s in e.status.lower() for s in self.statuses):
            return False
        if self.words:
            hay = f"{e.region} {e.stack_name} {e.resource_name} {e.status} {e.status_reason}".lower()
            return all(w in hay for w in self.words)
        return True
