"""Acting from the console: read-only, typed delete confirmation, one submission."""

from __future__ import annotations

from pathlib import Path

import pytest

from mrconsole import config
from mrconsole.core.acting.by_hand import BY_HAND_FILE
from mrconsole.state.journal import Journal
from mrconsole.tui.screens.actions import ActionMenu, ConfirmScreen, JournalScreen, LaunchScreen
from mrconsole.tui.screens.overview import OverviewScreen
from tests.conftest import journal_mark, journal_since
from tests.lab.test_tui import make_app, pane, until

SIMPLE = Path(__file__).resolve().parents[1] / "corpus" / "simple.yaml"


def _select(app, region, name) -> bool:
    """True once the pane's table has the focus and its cursor is on the stack. Called again by `until` until
    then: focus() takes effect only later, and a pane nobody reads sends its cursor to its top whenever its
    rows are re-sorted or its columns refitted (another pane widened one) — a cursor moved before the focus
    has landed can be sent back to row 0, and the action would go to another stack."""
    table = pane(app, region).table
    for i in range(table.row_count):
        if str(table.get_row_at(i)[0]) == name:
            if table.has_focus and table.cursor_row == i:
                return True
            table.focus()
            table.move_cursor(row=i)
            return False
    return False


async def test_read_only_hides_and_refuses_actions(lab):
    app = make_app(lab, read_only=True)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await until(
            pilot, lambda: isinstance(app.screen, OverviewScreen) and pane(app, "RegionOne").table.row_count > 0
        )
        assert "READ-ONLY" in str(app.screen.query_one("#health").render())
        footer_keys = [
            b.id
            for b in app.screen.active_bindings
            and [ab.binding for ab in app.screen.active_bindings.values() if ab.enabled]
        ]
        assert "act" not in footer_keys and "launch" not in footer_keys
        pane(app, "RegionOne").table.focus()
        await pilot.press("a")
        await pilot.press("n")
        assert isinstance(app.screen, OverviewScreen)  # nothing opened
        # And the core refuses, whatever a screen might do.
        from mrconsole.core.acting.actions import ReadOnlyError, Target

        try:
            await app.session.actions(app.read_only).stack_action(Target("RegionOne", "demo"), "check")
        except ReadOnlyError:
            pass
        else:
            raise AssertionError("the core accepted a mutation in read-only mode")


async def _confirm_from_menu(app, pilot, name: str, *keys: str) -> None:
    """Select `name` in RegionTwo, open the action menu, pick with `keys`, wait for the confirmation."""
    assert await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and _select(app, "RegionTwo", name))
    await pilot.press("a")
    assert isinstance(app.screen, ActionMenu)
    await pilot.press(*keys, "enter")
    # Its focus is set once it is mounted, a moment after its widgets exist (a loaded CI lab saw None).
    assert await until(
        pilot,
        lambda: (
            isinstance(app.screen, ConfirmScreen) and app.screen.query("#confirm") and app.screen.focused is not None
        ),
    )


async def test_the_menu_offers_what_fits_and_greys_the_rest_with_why(lab, tui_del):
    app = make_app(lab, master=None)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await until(
            pilot, lambda: isinstance(app.screen, OverviewScreen) and _select(app, "RegionTwo", "tui-del")
        )
        await pilot.press("a")
        assert isinstance(app.screen, ActionMenu)
        options = app.screen.query_one("#menu").options
        greyed = {o.id: str(o.prompt) for o in options if o.disabled}
        assert set(greyed) == {"resume", "cancel_update", "cancel_without_rollback"}, greyed
        assert greyed["resume"].endswith("(CREATE_COMPLETE: not suspended)")
        await pilot.press("escape")
        # A greyed action asked for by name (the command line) says why and opens nothing.
        app.act_on("RegionTwo", pane(app, "RegionTwo").selected_stack_id(), "tui-del", "resume")
        assert await until(pilot, lambda: any("not suspended" in str(n.message) for n in app._notifications), 10)
        assert isinstance(app.screen, OverviewScreen)


@pytest.fixture(scope="module")
def tui_del(lab, cli):
    """One stack for this module: updated first, then deleted."""
    code, _, err = cli("stack", "create", "tui-del", "-t", str(SIMPLE), "--lab", "--region", "RegionTwo", "--wait")
    assert code == 0, err
    return "tui-del"


async def test_update_from_the_console_uses_the_core_plan_and_parser(lab, tui_del):
    app = make_app(lab, master=None)
    async with app.run_test(size=(120, 36)) as pilot:
        await _confirm_from_menu(app, pilot, "tui-del", "down", "down")  # check, suspend, (resume greyed), update
        assert app.screen.plan.action == "update" and app.screen.focused.id == "patch-params"
        before = journal_mark()
        app.screen.query_one("#patch-params").value = "size=2 oops"
        app.screen.query_one("#confirm").press()
        # The same one-line error as `mrconsole stack update -P oops`; the screen stays, nothing is sent.
        assert await until(
            pilot,
            lambda: "'oops' is not KEY=VALUE: nothing was sent" in str(app.screen.query_one("#confirm-error").render()),
            10,
        )
        assert isinstance(app.screen, ConfirmScreen)
        assert journal_since(before) == []
        app.screen.query_one("#patch-params").value = "size=2"
        # `y` copies the openstack command that sends the same PATCH (and leaves it in a file); it sends nothing.
        assert "stack update --existing tui-del" in str(app.screen.query_one("#by-hand").render())
        app.screen.query_one("#cancel").focus()
        await pilot.press("y")
        kept = config.state_dir() / BY_HAND_FILE
        assert await until(pilot, kept.exists, 10)
        said = kept.read_text()
        assert " stack update --existing --parameter size=2 tui-del" in said and "--os-cloud mrconsole-lab" in said, (
            said
        )
        assert journal_since(before) == [] and isinstance(app.screen, ConfirmScreen)
        app.screen.query_one("#confirm").press()
        assert await until(pilot, lambda: journal_mark() > before and Journal().entries(1)[0].outcome != "pending")
    entry = Journal().entries(1)[0]
    assert (entry.action, entry.stack_name, entry.outcome, entry.parameters) == (
        "update",
        "tui-del",
        "ok",
        {"size": "2"},
    )


async def test_delete_from_the_console_needs_the_typed_name(lab, tui_del):
    app = make_app(lab, master=None)
    async with app.run_test(size=(120, 36)) as pilot:
        await _confirm_from_menu(app, pilot, "tui-del", "end")  # the last entry: delete
        assert app.screen.focused.id == "cancel"  # Cancel is the default
        before = journal_mark()
        app.screen.query_one("#typed-name").value = "tui-de"
        app.screen.query_one("#confirm").press()
        assert await until(
            pilot, lambda: "nothing will be deleted" in str(app.screen.query_one("#confirm-error").render()), 10
        )
        assert isinstance(app.screen, ConfirmScreen) and "nothing will be deleted" in str(
            app.screen.query_one("#confirm-error").render()
        )
        assert journal_since(before) == []
        app.screen.query_one("#typed-name").value = "tui-del"
        confirm = app.screen.query_one("#confirm")
        confirm.press()
        confirm.press()  # a repeated press sends nothing twice
        # The bound is a hang guard (the delete's policy probe goes to a busy lab's engine); when it trips, what
        # the console said is the evidence.
        assert await until(pilot, lambda: journal_mark() > before, 60), [str(n.message) for n in app._notifications]
        # The repeated press: given every chance to send a second delete, it sent none (checked below).
        assert await until(pilot, lambda: Journal().entries(1)[0].outcome != "pending", 20)
    deletes = [e for e in Journal().entries(1000) if e.stack_name == "tui-del" and e.action == "delete"]
    assert len(deletes) == 1 and deletes[0].outcome == "ok"


async def test_journal_and_launch_screens_open(lab):
    app = make_app(lab)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        await pilot.press("j")
        assert isinstance(app.screen, JournalScreen)
        assert app.screen.query_one("#journal").row_count > 0
        await pilot.press("escape")
        await pilot.press("n")
        assert isinstance(app.screen, LaunchScreen)


async def test_launch_form_checks_constraints_before_submit(lab):
    template = Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "multi-region" / "master.yaml"
    app = make_app(lab)
    async with app.run_test(size=(120, 50)) as pilot:
        assert await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        app.action_launch(str(template))
        # Pushed and composed: its inputs exist.
        assert await until(
            pilot, lambda: isinstance(app.screen, LaunchScreen) and bool(app.screen.query("#launch-name")), 10
        )
        screen = app.screen
        screen.query_one("#launch-name").value = "tui-launch"
        await screen.load()
        assert await until(pilot, lambda: bool(screen.query("#param-db_password")), 10)
        password = screen.query_one("#param-db_password")
        assert password.password  # hidden parameter masked
        screen.query_one("#param-app_replicas").value = "9"
        assert await until(pilot, lambda: "out of range" in str(screen.query_one("#error-app_replicas").render()), 10)
        assert "out of range" in str(screen.query_one("#error-app_replicas").render())
        assert screen.query_one("#launch-create").disabled  # nothing can be sent
        screen.query_one("#param-app_replicas").value = "3"
        assert await until(pilot, lambda: not screen.query_one("#launch-create").disabled, 10)
        await screen.preview()
        result = str(screen.query_one("#launch-result").render())
        assert "RegionTwo" in result and "db_server" in result  # grouped by region


async def test_drift_screen_reports_on_the_master(lab):
    from mrconsole.tui.screens.drift import DriftScreen

    app = make_app(lab)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        await pilot.press("colon", *"drift demo", "enter")
        assert await until(pilot, lambda: isinstance(app.screen, DriftScreen))
        text = app.screen.query_one("#drift-text")
        assert await until(pilot, lambda: "db_stack" in str(text.render()), 20)
        rendered = str(text.render())
        assert "master demo [RegionOne]" in rendered and "app_stack" in rendered
