"""The console's breakpoint marks, from the events as they arrive (no request of their own)."""

from __future__ import annotations

from datetime import UTC, datetime

from mrconsole.core.live.session import ConsoleSession, MasterView
from mrconsole.core.master.topology import Constituent, Topology
from mrconsole.models import Event, Stack


class _NoRegions:
    name = "lab"
    region_names: list[str] = []


def ev(second: int, stack_id: str, resource: str, reason: str) -> Event:
    when = datetime(2026, 1, 1, 0, 0, second, tzinfo=UTC)
    return Event(
        "RegionOne", stack_id, "s", f"{stack_id}-{second}-{resource}", when, resource, "CREATE_COMPLETE", reason
    )


def test_held_in_the_master_and_in_a_constituent_and_a_late_backfill_never_undoes_them():
    session = ConsoleSession(_NoRegions(), master="web")  # type: ignore[arg-type]
    topo = Topology(
        "lab", Stack("RegionOne", "m", "web", "UPDATE_IN_PROGRESS"), [Constituent("web_two", "RegionTwo", "c2")]
    )
    session.master = MasterView("web", "RegionOne", topo)
    paused = "UPDATE paused until Hook pre-update is cleared"
    session._on_events([ev(10, "m", "web_two", paused), ev(11, "c2", "web_server", paused), ev(12, "x", "a", paused)])
    assert session.master.held == {"web_two": "pre-update"}
    assert session.master.held_in == {("c2", "web_server"): "pre-update"}  # a stack of no concern is ignored
    # History read later (older events) must not clear what the newer ones said.
    session._on_events([ev(5, "m", "web_two", "state changed"), ev(6, "c2", "web_server", "state changed")])
    assert session.master.held == {"web_two": "pre-update"} and session.master.held_in
    # The release, newer: cleared.
    session._on_events([ev(20, "m", "web_two", "Hook pre-update is cleared"), ev(21, "c2", "web_server", "x")])
    assert session.master.held == {} and session.master.held_in == {}


def test_a_constituents_region_going_away_or_coming_back_wakes_the_masters_read():
    """The tree's "unreachable" on a constituent follows its region's pane at once, not a minute later."""
    from mrconsole.core.live.session import RegionView

    session = ConsoleSession(_NoRegions(), master="web")  # type: ignore[arg-type]
    topo = Topology(
        "lab", Stack("RegionOne", "m", "web", "CREATE_COMPLETE"), [Constituent("web_two", "RegionTwo", "c2")]
    )
    session.master = MasterView("web", "RegionOne", topo)
    for region in ("RegionOne", "RegionTwo", "RegionThree"):
        session.regions[region] = RegionView(region)
    woken = []
    for region, error in [("RegionThree", "unreachable"), ("RegionTwo", "unreachable"), ("RegionTwo", None)]:
        session._wake.clear()
        session._on_region(region, error, 0.0)
        woken.append(session._wake.is_set())
    assert woken == [False, True, True]  # a region holding none of the master's stacks does not
    session._wake.clear()
    session._on_region("RegionTwo", None, 1.0)  # no change: no read
    assert not session._wake.is_set()
