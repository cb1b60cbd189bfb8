"""User commands (the config file's `commands:`) against the lab: the right variables reach the command,
in the console and on the command line, and a dangerous one is refused in read-only mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SIMPLE = Path(__file__).resolve().parents[1] / "corpus" / "simple.yaml"
# The operator's own STACK is read with printenv: an entry that says $STACK is refused (the old name).
SHOW = (
    'echo "vars: $MRCONSOLE_CLOUD|$MRCONSOLE_REGION|$MRCONSOLE_STACK|$MRCONSOLE_STACK_ID|$MRCONSOLE_RESOURCE|'
    '$MRCONSOLE_PHYSICAL_ID|$(printenv STACK)|$OS_PASSWORD|$OS_CLOUD"'
)


@pytest.fixture
def commands(tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    config = tmp_path / "config.yaml"
    config.write_text(
        "commands:\n"
        f"  - {{name: show-vars, key: L, scope: stack, command: '{SHOW} > {tmp_path}/vars'}}\n"
        f"  - {{name: show-panel, key: P, scope: stack, command: '{SHOW}'}}\n"
        f"  - {{name: res-vars, scope: resource, command: '{SHOW} > {tmp_path}/res'}}\n"
        f"  - {{name: wipe, key: X, scope: stack, dangerous: true, command: 'touch {marker}'}}\n"
    )
    monkeypatch.setenv("MRCONSOLE_CONFIG", str(config))
    # The operator's own: STACK is neither overwritten nor handed on (not on the allow-list), a password is
    # not handed on, where to find the cloud is.
    monkeypatch.setenv("STACK", "mine")
    monkeypatch.setenv("OS_PASSWORD", "Zebra-4711")
    monkeypatch.setenv("OS_CLOUD", "somewhere")
    return tmp_path


@pytest.fixture(scope="module")
def uc_stack(lab, cli):
    code, out, err = cli(
        "stack", "create", "uc-stack", "-t", str(SIMPLE), "--lab", "--region", "RegionTwo", "--wait", "--format", "json"
    )
    assert code == 0, err
    return json.loads(out)[0]["stack_id"]


def test_the_command_line_runs_a_user_command_with_its_variables(cli, uc_stack, commands):
    code, out, err = cli("command", "--lab")
    assert code == 0 and "show-vars" in out and "(dangerous)" in out, err
    code, out, err = cli("command", "show-vars", "uc-stack", "--lab", "--region", "RegionTwo")
    assert code == 0, err
    assert (commands / "vars").read_text().strip() == f"vars: mrconsole-lab|RegionTwo|uc-stack|{uc_stack}|||||somewhere"
    code, out, err = cli("command", "res-vars", "uc-stack", "--lab", "--region", "RegionTwo", "--resource", "nope")
    assert code == 2 and "no resource nope" in err
    code, out, err = cli("command", "res-vars", "uc-stack", "--lab", "--region", "RegionTwo")
    assert code == 2 and "runs on a resource" in err
    code, out, err = cli("command", "wipe", "uc-stack", "--lab", "--region", "RegionTwo", "--read-only", "--yes")
    assert code == 1 and "dangerous" in err and "read-only" in err
    assert not (commands / "ran").exists()
    code, out, err = cli("command", "wipe", "uc-stack", "--lab", "--region", "RegionTwo")
    assert code == 2 and "--yes" in err  # off a terminal, a dangerous command needs --yes
    assert not (commands / "ran").exists()


@pytest.mark.parametrize("read_only", [False, True], ids=["read-write", "read-only"])
async def test_the_console_runs_a_user_command_on_the_stack_under_the_cursor(lab, uc_stack, commands, read_only):
    from mrconsole.config import load
    from mrconsole.core.acting.user_commands import of_config
    from mrconsole.tui.screens.modals import CommandOutputScreen
    from mrconsole.tui.screens.overview import OverviewScreen
    from tests.lab.test_tui import make_app, until
    from tests.lab.test_tui_actions import _select

    app = make_app(lab, master=None, read_only=read_only, commands=of_config(load()))
    async with app.run_test(size=(120, 36)) as pilot:
        assert await until(
            pilot, lambda: isinstance(app.screen, OverviewScreen) and _select(app, "RegionTwo", "uc-stack")
        )
        await pilot.press("P")
        assert await until(pilot, lambda: isinstance(app.screen, CommandOutputScreen), 20)
        assert f"vars: mrconsole-lab|RegionTwo|uc-stack|{uc_stack}|||||somewhere" in app.screen.output
        await pilot.press("escape")
        await pilot.press("X")  # dangerous
        if read_only:
            assert await until(
                pilot, lambda: any("refused in read-only" in str(n.message) for n in app._notifications), 10
            )
        else:
            assert await until(pilot, lambda: app.screen.id == "ask", 10)
            await pilot.press("n")  # asked first; no: nothing runs
        await pilot.pause(0.5)
        assert not (commands / "ran").exists()
