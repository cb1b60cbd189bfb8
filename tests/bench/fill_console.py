"""The console with its event buffer filled, for bench_scale.py's memory figure: `python -m
tests.bench.fill_console N [mrconsole options]` runs the real console (its own process, its own memory) with
one more task of its session's, which hands N events to the event stream's own publish step. Kept here, not
in the package: no benchmark code ships (#35).
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import UTC, datetime, timedelta

from mrconsole.cli.main import main
from mrconsole.core.live.session import ConsoleSession
from mrconsole.models import Event, Stack
from mrconsole.trace import trace


async def fill(self, count: int, batch: int = 500) -> None:
    """N events, on the stacks the regions hold, handed to
    the event stream's own publish step in pages like a poll's, so that the console's memory with a
    full buffer is measured in the console's process: timeline, subscribers and event log as for events
    read from Heat. Heat itself cannot make 100,000 events on a 2-core lab in a bench's time."""
    for _ in range(200):  # at most 20 s for the regions' first lists
        if all(v.by_id for v in self.regions.values()):
            break
        await asyncio.sleep(0.1)
    stacks = [s for v in self.regions.values() for s in v.by_id.values()] or [
        Stack(region=r, id=str(uuid.uuid4()), name=f"bench-{r}", status="CREATE_COMPLETE") for r in self.regions
    ]
    start = datetime.now(UTC) - timedelta(seconds=count)
    for first in range(0, count, batch):
        events = []
        for i in range(first, min(count, first + batch)):
            s = stacks[i % len(stacks)]
            events.append(
                Event(
                    region=s.region,
                    stack_id=s.id,
                    stack_name=s.name,
                    id=str(uuid.uuid4()),
                    time=start + timedelta(seconds=i),
                    resource_name=f"server_{i % 7}",
                    status="UPDATE_COMPLETE",
                    status_reason="state changed",
                    physical_id=str(uuid.uuid4()),
                    resource_type="OS::Heat::TestResource",
                )
            )
        self.stream._publish(events)
        await asyncio.sleep(0)  # the UI paints between pages, as between polls
    trace("events-filled", count, len(self.stream.timeline))


def run(count: int, argv: list[str]) -> int:
    start = ConsoleSession.start

    def start_and_fill(self) -> None:
        start(self)
        self._tasks.append(asyncio.create_task(fill(self, count)))

    ConsoleSession.start = start_and_fill  # type: ignore[method-assign]
    return main(argv)


if __name__ == "__main__":
    sys.exit(run(int(sys.argv[1]), sys.argv[2:]))
