"""One create planner (core/acting/create.py) for both front ends: the same creates, refused and accepted, through
`mrconsole stack create` and through the console's launch form, leave the same journal entries."""

from __future__ import annotations

from pathlib import Path

from mrconsole.state.journal import Journal
from mrconsole.tui.screens.modals import AskScreen
from mrconsole.tui.screens.overview import OverviewScreen
from mrconsole.tui.widgets.plain import Label
from tests.lab.test_tui import make_app, until

EXAMPLES = Path(__file__).resolve().parents[2] / "mrconsole" / "examples"
MASTER_T = str(EXAMPLES / "multi-region" / "master.yaml")
SIMPLE = str(Path(__file__).resolve().parents[1] / "corpus" / "simple.yaml")

# (name suffix, template, region, parameters): a master whose database region is typed wrong (the analysis of
# the values given refuses it), and a small stack that is created.
CASES = [("bad", MASTER_T, "RegionOne", {"db_region": "RegionNine"}), ("ok", SIMPLE, "RegionTwo", {"size": "2"})]


def _entry(front: str, suffix: str) -> tuple:
    [entry] = [e for e in Journal().entries(200) if e.stack_name == f"cp-{front}-{suffix}"]
    message = (entry.message or "").replace(f"cp-{front}-{suffix}", "NAME")
    return entry.action, entry.region, entry.outcome, entry.parameters, message


def test_the_cli_and_the_console_plan_and_journal_creates_alike(lab, cli):
    import asyncio

    for suffix, template, region, params in CASES:
        args = ["stack", "create", f"cp-cli-{suffix}", "-t", template, "--lab", "--region", region]
        for key, value in params.items():
            args += ["-P", f"{key}={value}"]
        code, _, err = cli(*args)
        assert code == (1 if suffix == "bad" else 0), err
        if suffix == "bad":
            assert "region RegionNine is not in the cloud's catalog" in err and "refused before sending" in err

    async def console():
        app = make_app(lab)
        async with app.run_test(size=(120, 50)) as pilot:
            assert await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
            for suffix, template, region, params in CASES:
                app.action_launch(template)
                assert await until(pilot, lambda: bool(app.screen.query("#launch-name")), 10)
                screen = app.screen
                screen.query_one("#launch-name").value = f"cp-tui-{suffix}"
                screen.query_one("#launch-regions").value = region
                await screen.load()
                for key, value in params.items():  # typed after the template was loaded
                    screen.query_one(f"#param-{key}").value = value
                await pilot.pause()
                creating = asyncio.ensure_future(screen.create())
                if suffix != "bad":  # asked as every change is (tui/acting.py); a refused plan is not asked about
                    assert await until(pilot, lambda: isinstance(app.screen, AskScreen), 10)
                    assert "Create cp-tui-ok in RegionTwo?" in str(app.screen.query_one(Label).render())
                    await pilot.press("y")
                await creating
                result = str(screen.query_one("#launch-result").render())
                if suffix == "bad":
                    assert "RegionNine" in result and "refused before sending" in result, result
                else:
                    assert "accepted" in result, result
                await pilot.press("escape")

    asyncio.run(console())
    for suffix, *_ in CASES:
        assert _entry("cli", suffix) == _entry("tui", suffix)
    assert _entry("cli", "bad")[2] == "refused" and _entry("cli", "ok")[2] == "ok"
    for front in ("cli", "tui"):
        code, _, err = cli("stack", "delete", f"cp-{front}-ok", "--lab", "--region", "RegionTwo", "--yes", "--wait")
        assert code == 0, err  # ended: a delete still running changes what the next module on this lab lists
