"""What a check found before sending: a severity, a message, and what to do instead. Its own module so
that every planner (preflight, rehome, evict, rollout) can say one without importing another."""

from __future__ import annotations

from dataclasses import dataclass

BLOCKING, WARNING, INFO = "blocking", "warning", "info"
# The reason mrconsole gives Heat when it marks a resource unhealthy (core/diagnosis/resources.py).
MARKED = "marked unhealthy"


@dataclass(frozen=True)
class Finding:
    severity: str  # BLOCKING, WARNING or INFO
    message: str  # what, and why
    instead: str = ""  # what to do instead

    def __str__(self) -> str:
        message = self.message if self.message.endswith((".", ":")) or not self.instead else self.message + "."
        return f"{self.severity}: {message}" + (f" Instead: {self.instead}" if self.instead else "")


def name_held(name: str, region: str, status: str, instead: str, what: str = "the create") -> Finding:
    """A stack of that name in the region where one is to be made (a create, an import's or a move's adopt):
    Heat refuses a second. One just deleted (DELETE_COMPLETE: Heat holds its name a moment after, until it
    removes the row; core/master/topology.py until_name_free) is said as that, with its own way on."""
    if status == "DELETE_COMPLETE":
        return Finding(
            BLOCKING,
            f"{name} in {region} was just deleted and Heat still holds its name: it would refuse {what}",
            "send it again in a few seconds",
        )
    return Finding(
        BLOCKING, f"a stack named {name} already exists in {region} ({status}): Heat would refuse {what}", instead
    )


class Checked:
    """A plan that carries its `findings` (a dataclass field of the plan); what blocks it is derived, once
    for every planner."""

    findings: tuple[Finding, ...] | list[Finding]

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKING]
