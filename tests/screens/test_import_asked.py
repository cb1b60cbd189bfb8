"""`:import` in the console (#38): the core's plan shown and asked before anything is sent, what blocks it said
instead of asked, a no sending nothing. The session is the replayed lab scene; its two import calls are stood in
for (the plan is core data: tests/lab/test_import.py has Heat make it)."""

from __future__ import annotations

import time

from mrconsole.core.acting.findings import BLOCKING, Finding
from mrconsole.core.master.gather import ImportPlan, Member, Wanted
from mrconsole.tui.app import MrConsoleApp
from mrconsole.tui.screens.modals import AskScreen
from tests.screens.replay import ReplaySession, load
from tests.screens.test_hostile_text import screen_text
from tests.screens.test_screens import _command, _overview, _stack, record_notifications, settled, until


class Importing(ReplaySession):
    """The replayed scene, planning an import of its stack `demo` (and recording what was sent)."""

    def __init__(self, scene, findings=()):
        super().__init__(scene)
        self.findings = tuple(findings)
        self.asked: list[tuple] = []
        self.sent: list[ImportPlan] = []

    async def plan_import(self, name, region, wanted, read_only):
        self.asked.append((name, region, tuple(wanted)))
        demo = _stack(self.scene, "demo")
        member = Member("demo", demo, {"resources": {}}, {}, (), {}, None, {"unchanged": ["server"]})
        return ImportPlan(name, region, (member,), {}, {}, {}, self.findings)

    async def import_stacks(self, plan, read_only):
        self.sent.append(plan)
        return "new-id", f"{plan.name}: ADOPT_COMPLETE"


def _app(session, monkeypatch) -> MrConsoleApp:
    async def factory():
        return session

    monkeypatch.setattr(time, "time", lambda: session.scene["now"])
    app = MrConsoleApp(factory)
    app.notes = record_notifications(app)  # every message said, expired ones too
    return app


async def _asked(pilot, command: str):
    """The command run, until its question is up (not `_command`: its worker waits on the answer)."""
    await _overview(pilot)
    pilot.app.run_command(command)
    # The question pushed, then drawn (under load, some frames later).
    await until(
        pilot,
        lambda: isinstance(pilot.app.screen, AskScreen) and "existing stack(s)?" in screen_text(pilot.app),
        "the import's question",
    )


async def test_import_is_planned_shown_and_asked_then_sent(monkeypatch):
    scene = load("healthy")
    session = Importing(scene)
    app = _app(session, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await _asked(pilot, "import impm RegionOne RegionOne=demo:web")
        assert session.asked == [("impm", "RegionOne", (Wanted("RegionOne", "demo", "web"),))]
        text = screen_text(app)
        assert "Make impm the master of 1 existing stack(s)?" in text and "changes nothing" in text, text
        assert not session.sent
        await pilot.press("y")
        for _ in range(100):
            if session.sent:
                break
            await settled(pilot)
        assert [p.name for p in session.sent] == ["impm"]


async def test_a_blocked_import_is_said_and_nothing_asked_or_sent(monkeypatch):
    session = Importing(load("healthy"), [Finding(BLOCKING, "RegionOne already has a stack named impm")])
    app = _app(session, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await _command(pilot, "import impm RegionOne RegionOne=demo")
        for _ in range(100):
            if session.asked and app.notes:
                break
            await settled(pilot)
        said = " ".join(app.notes)
        assert "already has a stack named impm" in said and "nothing was sent" in said, said
        assert not isinstance(app.screen, AskScreen) and not session.sent


async def test_a_declined_import_sends_nothing(monkeypatch):
    session = Importing(load("healthy"))
    app = _app(session, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await _asked(pilot, "import impm RegionOne RegionOne=demo")
        await pilot.press("n")
        await settled(pilot)
        assert not session.sent
        assert "not imported: nothing was sent" in " ".join(app.notes)


async def test_bad_import_words_are_said_in_one_line(monkeypatch):
    session = Importing(load("healthy"))
    app = _app(session, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await _command(pilot, "import impm RegionOne demo")
        await settled(pilot)
        said = " ".join(app.notes)
        assert "REGION=STACK" in said and not session.asked, said
