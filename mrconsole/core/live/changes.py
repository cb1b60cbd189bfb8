"""The typed changes the core publishes; the console applies each to what shows it.

A view subscribes to the kinds it shows and updates only what a change
names: the rows of the stacks in `StackChanges`, the lines of the events
in `EventsArrived`, one region's header for `RegionStatus`.
"""

from __future__ import annotations

from dataclasses import dataclass

from mrconsole.core.acting.actions import ActionResult
from mrconsole.core.live.watch import StackChanges
from mrconsole.models import Event


@dataclass(frozen=True)
class RegionStatus:
    """A region began failing, failed differently, or answered again."""

    region: str
    error: str | None


@dataclass(frozen=True)
class HealthChanged:
    """A region's health state moved (up, degraded, down)."""

    region: str


@dataclass(frozen=True)
class IdentityKnown:
    """Keystone said who the console acts as (session.identity): the header names the role."""


@dataclass(frozen=True)
class EventsArrived:
    """New events, in the order they joined the timeline. `settled`: no other read of events was under way
    when they were published, so none older is on its way (a log need not hold them for one)."""

    events: tuple[Event, ...]
    settled: bool = False


@dataclass(frozen=True)
class MasterChanged:
    """The master's tree, status or outage mode may have changed."""

    name: str


@dataclass(frozen=True)
class MasterRecovered:
    """The master's region answers again after an outage: time for the drift report."""

    name: str


@dataclass(frozen=True)
class ActionTaken:
    """The console sent an action (or its sender refused it): what it was and what Heat said."""

    result: ActionResult


@dataclass(frozen=True)
class TimelineRewound:
    """The timeline went back (a replay's seek): what shows events reads them again from session.events()."""


Change = StackChanges | RegionStatus | HealthChanged | EventsArrived | MasterChanged | MasterRecovered | TimelineRewound

__all__ = [
    "Change",
    "EventsArrived",
    "HealthChanged",
    "MasterChanged",
    "MasterRecovered",
    "RegionStatus",
    "StackChanges",
]
