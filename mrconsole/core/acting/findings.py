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


class Checked:
    """A plan that carries its `findings` (a dataclass field of the plan); what blocks it is derived, once
    for every planner."""

    findings: tuple[Finding, ...] | list[Finding]

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKING]
