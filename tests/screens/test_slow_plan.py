"""A choice whose plan waits on Heat says so at once (tui/acting.py `planned`): met in tmux, a check of a master
whose constituent's region was frozen left the overview unchanged for 10 s between the menu and the question.
The session is the replayed scene with a region down; its plan is stood in for by one that waits until the test
lets it go (the plan itself is core data: tests/lab/test_actions.py has Heat make it)."""

from __future__ import annotations

import asyncio
import time

from mrconsole.core.errors import PlanError
from mrconsole.tui.app import MrConsoleApp
from tests.screens.replay import ReplaySession, load
from tests.screens.test_screens import _overview, _stack, record_notifications, settled, until


class SlowPlan(ReplaySession):
    """Plans only when `go` is set, then says the plan could not be made (so nothing is asked or sent)."""

    def __init__(self, scene):
        super().__init__(scene)
        self.go = asyncio.Event()
        self.asked: list[tuple[str, str]] = []

    async def plan_action(self, action, region, stack, read_only):
        self.asked.append((action, stack.name))
        await self.go.wait()
        raise PlanError("stood in: no plan")


def _said(app) -> list[str]:
    return app.notes  # every message said (test_screens.record_notifications), expired ones too


def _app(session, monkeypatch) -> MrConsoleApp:
    monkeypatch.setattr(time, "time", lambda: session.scene["now"])

    async def factory():
        return session

    app = MrConsoleApp(factory)
    app.notes = record_notifications(app)
    return app


async def _check_demo(pilot, session) -> None:
    """The overview up, then `check` chosen on the master `demo` (in RegionOne; RegionTwo is down)."""
    await _overview(pilot)
    demo = _stack(session.scene, "demo")
    pilot.app.act_on(demo.region, demo.id, demo.name, "check")


async def test_a_plan_that_waits_on_heat_says_what_it_waits_for_before_it_is_made(monkeypatch):
    session = SlowPlan(load("region-down"))
    app = _app(session, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await _check_demo(pilot, session)
        # The plan is asked, then SLOW_PLAN passes with it unanswered.
        await until(pilot, lambda: any("asking Heat first" in said for said in _said(app)), "asking Heat first")
        assert session.asked == [("check", "demo")]
        waiting = next(said for said in _said(app) if "asking Heat first" in said)
        assert waiting.startswith("check demo: asking Heat first; down now: RegionTwo (connection refused"), waiting
        session.go.set()
        for _ in range(100):
            if any("stood in: no plan" in said for said in _said(app)):
                break
            await settled(pilot)
        assert any("stood in: no plan" in said for said in _said(app)), _said(app)


async def test_a_plan_made_at_once_says_nothing_of_waiting(monkeypatch):
    session = SlowPlan(load("region-down"))
    session.go.set()
    app = _app(session, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await _check_demo(pilot, session)
        for _ in range(100):
            if any("stood in: no plan" in said for said in _said(app)):
                break
            await settled(pilot)
        assert session.asked == [("check", "demo")]
        assert not any("asking Heat first" in said for said in _said(app)), _said(app)
