"""The why and drift reports as lines: written once here, printed by the CLI and styled by the console.

Each line has a kind, so a front end can style it (the console colours a
root cause red, the CLI prints text), but none writes the words itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from mrconsole.core.text import when

# Kinds of line.
TITLE, OK, STEP, ROOT, REASON, HEADING, EVENT, CAUSE_EVENT, NOTE, DRIFT, DIFFERENCE, ORPHAN, SUGGESTION = (
    "title",
    "ok",
    "step",
    "root",
    "reason",
    "heading",
    "event",
    "cause-event",
    "note",
    "drift",
    "difference",
    "orphan",
    "suggestion",
)


@dataclass(frozen=True)
class Line:
    kind: str
    text: str


def why_lines(report) -> list[Line]:
    """core/diagnosis/why.py's report: the failure's path across regions, its root cause, the events around it."""
    s = report.start
    if not report.failed:
        return [Line(OK, f"{s.name} ({s.region}) is {s.status}: nothing has failed")]
    out = [Line(TITLE, f"{s.name} ({s.region}): {s.status}")]
    for step in report.steps:
        names = ", ".join(r.name for r in step.failed_resources) or "-"
        out.append(Line(STEP, f"  {step.stack.region:<12} {step.stack.name}  {step.stack.status}  failed: {names}"))
    root = report.root
    if root is not None:
        out.append(
            Line(
                ROOT,
                f"root cause: {root.resource or root.stack_name} ({root.resource_type or 'stack'}) "
                f"in {root.stack_name}, region {root.region}",
            )
        )
        out.append(Line(REASON, f"  {root.status}: {root.reason}"))
        if root.instead:
            out.append(Line(NOTE, f"what to do: {root.instead}"))
        if root.events_around:
            out.append(Line(HEADING, "events around it:"))
            for e in root.events_around:
                cause = e.resource_name == root.resource and e.status.endswith("_FAILED")
                out.append(
                    Line(
                        CAUSE_EVENT if cause else EVENT,
                        f" {'>' if cause else ' '} {when(e.time)}  {e.resource_name}  {e.status}  {e.status_reason}",
                    )
                )
    out += [Line(NOTE, f"note: {region} could not be read: {msg}") for region, msg in report.unreachable.items()]
    return out


def drift_lines(report) -> list[Line]:
    """core/master/outage.py's recovery report: each constituent against its master, orphans, what to do."""
    m = report.master
    out = [Line(TITLE, f"master {m.name} [{m.region}] {m.status}")]
    for c in report.constituents:
        mark = "DRIFT" if c.drifted else "ok"
        out.append(
            Line(
                DRIFT if c.drifted else OK,
                f"  {c.resource:<16} [{c.region}] {c.stack_name}: {mark}" + (f" ({c.error})" if c.error else ""),
            )
        )
        out += [
            Line(DIFFERENCE, f"      {d.what}: master says {d.master_says}, actual {d.actual}") for d in c.differences
        ]
    out += [Line(ORPHAN, f"  ORPHAN [{o.region}] {o.stack_name} {o.status} (was {o.resource})") for o in report.orphans]
    out += [
        Line(NOTE, f"  note: {region} unreachable ({msg}): orphans there are unknown")
        for region, msg in report.unreachable.items()
    ]
    if report.suggestions:
        out.append(Line(SUGGESTION, "suggested:"))
        out += [Line(SUGGESTION, f"  {s.command}    # {s.why}") for s in report.suggestions]
    if report.clean:
        out.append(Line(OK, "no drift, no orphans"))
    return out
