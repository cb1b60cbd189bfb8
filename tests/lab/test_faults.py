"""HTTP faults in front of a region (`mrconsole lab fault`), and what the CLI and the console make of them.

Each fault is real HTTP on the region's own loopback port (lab/faults.py): every client meets it.
Faults are set and cleared per test; the other regions must not notice.
"""

from __future__ import annotations

import contextlib
import json
import signal
from pathlib import Path

import pytest

from mrconsole.lab import faults
from tests.lab.test_tui import make_app, pane, until

DB_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "multi-region" / "db.yaml")

# mode -> what an operator reads (the fault class), and the exit code of a read (status, events)
MATRIX = {
    "html502": ("answered 502 (HTML from a proxy, not Heat)", 3),
    "truncate": ("cut short", 3),
    "garbage": ("not JSON", 3),
    "reset": ("connection closed without an answer", 3),
    "flaky:100": ("answered 503 (HTML from a proxy, not Heat)", 3),
    "slow:2.5": ("slow: ", 0),  # it answers: degraded, and said so
}


@contextlib.contextmanager
def fault(lab, component: str, mode: str):
    lab.lab.fault(component, faults.parse(mode))
    try:
        yield
    finally:
        lab.lab.fault(component, None)


@pytest.fixture(scope="module")
def fz(lab, cli):
    code, _, err = cli(
        "stack", "create", "fz", "-t", DB_T, "-P", "db_password=lab-only", "--lab", "--region", "RegionTwo", "--wait"
    )
    assert code == 0, err
    return "fz"


def test_the_fault_switch(lab, cli):
    for bad in ("slow", "slow:x", "flaky:200", "html502:3", "explode"):
        code, _, err = cli("lab", "fault", "RegionTwo", bad, "--dir", str(lab.dir))
        assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, (bad, err)
    code, _, err = cli("lab", "fault", "Nowhere", "reset", "--dir", str(lab.dir))
    assert code != 0 and "unknown component" in err
    assert cli("lab", "fault", "RegionTwo", "slow:1.5", "--dir", str(lab.dir))[0] == 0
    try:
        _, out, _ = cli("lab", "status", "--dir", str(lab.dir), "--format", "json")
        shown = {c["name"]: c["fault"] for c in json.loads(out)["components"]}
        assert shown["RegionTwo"] == "slow:1.5" and shown["RegionThree"] == ""
    finally:
        assert cli("lab", "fault", "RegionTwo", "clear", "--dir", str(lab.dir))[0] == 0
    _, out, _ = cli("lab", "status", "--dir", str(lab.dir))
    assert "slow" not in out


@pytest.mark.parametrize("mode", list(MATRIX))
def test_the_cli_under_each_fault(lab, cli, fz, mode):
    says, read_code = MATRIX[mode]
    with fault(lab, "RegionTwo", mode):
        code, out, err = cli("status", "--lab", "--region", "RegionTwo", "--request-timeout", "5")
        assert code == read_code and says in out, (mode, code, out, err)
        code, out, err = cli("events", fz, "--lab", "--region", "RegionTwo", "--request-timeout", "5")
        if read_code:
            assert code == 3 and says.split(" (")[0] in err and err.count("\n") == 1, (mode, code, err)
        else:
            assert code == 0 and "CREATE_COMPLETE" in out, (mode, err)
        code, out, err = cli("stack", "check", fz, "--lab", "--region", "RegionTwo", "--request-timeout", "5")
        if read_code:
            assert code == 1 and "nothing was sent" in err and says.split(" (")[0] in err, (mode, code, err)
        else:
            assert code == 0, (mode, err)
        for text in (out, err):
            assert "Traceback" not in text
        # The other regions do not notice.
        code, out, err = cli("status", "--lab", "--region", "RegionThree", "--request-timeout", "5")
        assert code == 0, (mode, out, err)
    code, _, err = cli("status", "--lab", "--region", "RegionTwo", "--request-timeout", "5")
    assert code == 0, err  # cleared: back by itself


def _patient_app(lab):
    """The console with its default read timeout (the tests' is shorter than a slow:2.5 answer)."""
    from mrconsole.cloud.connection import connect
    from mrconsole.core.live.fleet import Fleet
    from mrconsole.core.live.session import ConsoleSession, SessionConfig
    from mrconsole.lab.options import lab_options
    from mrconsole.tui.app import MrConsoleApp

    async def factory():
        fleet = Fleet(await connect(lab_options(str(lab.dir))))
        return ConsoleSession(fleet, config=SessionConfig())

    return MrConsoleApp(factory)


@pytest.mark.parametrize("mode", list(MATRIX))
async def test_the_console_under_a_fault_says_which_and_recovers(lab, mode):
    says, _ = MATRIX[mode]
    app = make_app(lab, master=None) if mode != "slow:2.5" else _patient_app(lab)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await until(pilot, lambda: pane(app, "RegionTwo").table.row_count > 0, 30)

        def note() -> str:
            shown = pane(app, "RegionTwo").query_one(".region-note")
            return str(shown.render()) if shown.display else ""

        with fault(lab, "RegionTwo", mode):
            assert await until(pilot, lambda: says in note(), 40), note()
            assert "answered" not in str(pane(app, "RegionThree").query_one(".region-note").render())
            await pilot.press("question_mark")  # keys still answer
            assert type(app.screen).__name__ == "HelpScreen"
            await pilot.press("escape")
        assert await until(pilot, lambda: note() == "", 60), note()  # recovers by itself
        assert app.is_running


def test_an_action_whose_answer_is_lost_is_journaled_as_unknown(lab, cli):
    """Heat creates the stack; the answer is cut on the way back: not failed, not done: unknown."""
    from mrconsole.state.journal import Journal

    with fault(lab, "RegionThree", "truncate"):
        code, out, err = cli(
            "stack",
            "create",
            "lost",
            "-t",
            DB_T,
            "-P",
            "db_password=lab-only",
            "--lab",
            "--region",
            "RegionThree",
            "--request-timeout",
            "5",
        )
    assert code == 3 and "OUTCOME UNKNOWN" in out, (code, out, err)
    assert "check before retrying: mrconsole events lost --region RegionThree" in out
    entry = Journal().entries(1)[0]
    assert (entry.action, entry.stack_name, entry.outcome) == ("create", "lost", "unknown")
    # And the command it names shows what happened: Heat did create it.
    code, out, err = cli("events", "lost", "--lab", "--region", "RegionThree")
    assert code == 0 and "CREATE_" in out, err
    cli("stack", "delete", "lost", "--lab", "--region", "RegionThree", "--yes")


def _current_token(app) -> tuple[str, str]:
    """The token (and project) the console's RegionTwo client sends now."""
    session = app.session.fleet.region("RegionTwo")._session
    return session.get_token(), session.get_project_id()


async def _until_heat_refuses(lab, token: str, project: str, limit: float = 60.0) -> bool:
    """Wait on the condition itself: RegionTwo's Heat answers 401 to `token` (its 5 s validation cache has
    let go of it), instead of sleeping for the cache's lifetime."""
    import asyncio
    import time
    import urllib.error
    import urllib.request

    url = f"{lab.lab.layout().url('RegionTwo')}/v1/{project}/stacks?limit=1"

    def refused() -> bool:
        request = urllib.request.Request(url, headers={"X-Auth-Token": token})
        try:
            urllib.request.urlopen(request, timeout=10, context=lab.ssl_context).close()
            return False
        except urllib.error.HTTPError as exc:
            return exc.code == 401

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if await asyncio.to_thread(refused):
            return True
        await asyncio.sleep(0.5)
    return False


async def test_expired_tokens_are_renewed_without_a_word(lab, fz):
    """Keystone's keys replaced (every token invalid): the console's next calls re-authenticate and go on."""
    import asyncio

    from mrconsole.core.acting.actions import Target

    app = make_app(lab, master=None)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await until(pilot, lambda: pane(app, "RegionTwo").table.row_count > 0, 30)
        stack = next(s for s in app.session.regions["RegionTwo"].by_id.values() if s.name == fz)
        token, project = await asyncio.to_thread(_current_token, app)
        await asyncio.to_thread(lab.lab.expire_tokens)
        assert await _until_heat_refuses(lab, token, project)  # the console's token is refused now
        actions = app.session.actions(app.read_only)  # the console's own (tui/acting.py acts with it)
        result = await actions.stack_action(Target("RegionTwo", fz, stack.id), "check")
        assert result.ok, result.message
        # Every region answers again, and nothing told the operator about credentials.
        assert await until(pilot, lambda: not any(app.session.region_down(r) for r in lab.regions), 30)
        said = " ".join(str(n.message) for n in app._notifications).lower()
        assert "auth" not in said and "credential" not in said, said


async def test_a_session_longer_than_two_token_lifetimes(lab, fz):
    """Tokens that live 10 s (the lab's shortest): three actions, each after the token of the one before has
    expired (Heat refuses it), all succeed; no region is ever shown down."""
    import asyncio

    from mrconsole.core.acting.actions import Target

    await asyncio.to_thread(lab.lab.set_token_expiration, 10)
    try:
        app = make_app(lab, master=None)
        async with app.run_test(size=(120, 36)) as pilot:
            assert await until(pilot, lambda: pane(app, "RegionTwo").table.row_count > 0, 30)
            stack = next(s for s in app.session.regions["RegionTwo"].by_id.values() if s.name == fz)
            used = None
            for round_ in range(3):
                if used:
                    assert await _until_heat_refuses(lab, *used), round_  # that token has expired
                assert not any(app.session.region_down(r) for r in lab.regions), round_
                acts = app.session.actions(app.read_only)
                result = await acts.stack_action(Target("RegionTwo", fz, stack.id), "check")
                assert result.ok, (round_, result.message)
                used = await asyncio.to_thread(_current_token, app)
    finally:
        await asyncio.to_thread(lab.lab.set_token_expiration, 7200)


async def test_refused_credentials_say_not_authenticated_and_nothing_pretends_to_be_down(lab):
    import asyncio

    app = make_app(lab, master=None)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await until(pilot, lambda: pane(app, "RegionTwo").table.row_count > 0, 30)
        banner = app.screen.query_one("#banner")
        await asyncio.to_thread(lab.lab.revoke_credentials, True)
        try:
            assert await until(pilot, lambda: banner.display and "NOT AUTHENTICATED" in str(banner.render()), 60)
            assert "clouds.yaml" in str(banner.render())
            assert "NOT AUTHENTICATED" in str(app.screen.query_one("#health").render())
            # The regions answer: none is held down for it (a slow answer on a loaded machine may mark one
            # for a moment; its probe brings it back, which an authentication refusal would not).
            down = {r: app.session.region_down(r) for r in lab.regions}
            assert await until(pilot, lambda: not any(app.session.region_down(r) for r in lab.regions), 30), down

            def notes() -> str:
                return " ".join(str(pane(app, r).query_one(".region-note").render()) for r in lab.regions)

            # Waited for together: a request that timed out on the loaded machine says "unreachable" on its
            # pane until the next answer (seen in two CI runs); held there, it would fail this wait.
            assert await until(pilot, lambda: "not authenticated" in notes() and "unreachable" not in notes(), 30), (
                notes()
            )
        finally:
            await asyncio.to_thread(lab.lab.revoke_credentials, False)
        assert await until(pilot, lambda: not banner.display, 60)  # it works again by itself


@pytest.mark.parametrize("mode", ["html502", "truncate", "garbage", "reset", "flaky:100"])
def test_keystone_faults_are_named_in_one_line(lab, cli, mode):
    with fault(lab, "keystone", mode):
        code, out, err = cli("status", "--lab", "--request-timeout", "5")
    assert code == 1 and err.startswith("mrconsole: error: Keystone unreachable: ") and err.count("\n") == 1, err
    assert "Invalid response" not in err and "Traceback" not in err
    assert cli("status", "--lab", "--request-timeout", "5")[0] == 0  # cleared: back at once


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("mode", list(MATRIX))
def test_events_follow_survives_each_fault_and_says_so(lab, mode):
    """`events --all-regions --follow` across a fault on one region: it keeps going, says when the region stops
    answering and why (a slow one is still answering: nothing to say), and when it is back; ends on ^C."""
    import subprocess
    import sys
    import time

    says, read_code = MATRIX[mode]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mrconsole",
            "events",
            "--all-regions",
            "--follow",
            "--lab",
            "--request-timeout",
            "5",
            "--format",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as a terminal sends it: a test run started in the background by a shell without job
        # control inherits SIGINT ignored, and so would the follower, which then never stops.
        preexec_fn=_default_sigint,
    )
    import threading

    lines: list[str] = []
    errors: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True).start()
    access_log = lab.dir / "RegionTwo" / "access.log"

    def requests_since(size: int) -> int:
        return access_log.read_bytes()[size:].count(b"\n")

    def wait(predicate, limit: float) -> bool:
        deadline = time.monotonic() + limit
        while not predicate() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        return predicate()

    def said_down() -> bool:
        return any(e.startswith("RegionTwo: ") and "following the other" in e for e in errors)

    try:
        assert wait(lambda: bool(lines), 60), "no backlog"  # the backlog first (many stacks late in a run)
        mark = access_log.stat().st_size
        assert wait(lambda: requests_since(mark) >= 1, 30)  # following: it looks at RegionTwo again
        with fault(lab, "RegionTwo", mode):
            mark = access_log.stat().st_size
            if read_code:
                assert wait(said_down, 40), errors  # said, once the follower met the fault
            else:
                # A slow region still answers: nothing to say. Met by at least two looks, answered slowly.
                assert wait(lambda: requests_since(mark) >= 2, 40)
        if read_code:
            assert wait(lambda: "RegionTwo: answers again\n" in errors, 40), errors
        else:
            mark = access_log.stat().st_size
            assert wait(lambda: requests_since(mark) >= 2, 40)  # and after it
        assert proc.poll() is None, "".join(errors)  # still following
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    time.sleep(0.1)  # the reader takes the last lines
    err = "".join(errors)
    assert proc.returncode == 130 and "Traceback" not in err, err
    said = err.splitlines()
    if read_code:
        [down] = [line for line in said if line.startswith("RegionTwo: ") and "following the other" in line]
        assert says.split(" (")[0] in down, err
        assert said.index("RegionTwo: answers again") > said.index(down), err
    else:
        assert not [line for line in said if line.startswith("RegionTwo")], err


SLOW_DELETE = """heat_template_version: 2018-08-31
resources:
  slow:
    type: OS::Heat::TestResource
    properties: {value: x, action_wait_secs: {create: 0, delete: 6}}
"""


def test_a_delete_while_keystone_goes_down_fails_after_its_resources_and_why_says_delete_again(lab, cli, tmp_path):
    """Heat deletes a stack's trust and stack-domain project after its resources: Keystone stopped during the
    delete fails it there (`Error deleting project: ...`, Heat as the oracle, production profile). `why`
    says the resources are gone and to delete again once Keystone answers; that delete ends the stack."""
    import time as _time

    template = tmp_path / "slow.yaml"
    template.write_text(SLOW_DELETE)
    on = ("--lab", "--region", "RegionOne")
    code, out, err = cli("stack", "create", "dk-ks", "-t", str(template), *on, "--wait")
    assert code == 0, err + out
    code, out, err = cli("stack", "delete", "dk-ks", *on, "--yes")
    assert code == 0, err + out
    log = lab.dir / "RegionOne" / "heat.log"
    lab.lab.stop("keystone")
    try:
        deadline = _time.monotonic() + 60
        while _time.monotonic() < deadline and "Stack DELETE FAILED (dk-ks)" not in log.read_text(errors="replace"):
            _time.sleep(1)
    finally:
        lab.lab.start("keystone")
    code, out, err = cli("why", "dk-ks", *on, "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["root_cause"]["status"] == "DELETE_FAILED", out + err
    assert report["root_cause"]["reason"].startswith(("Error deleting project", "Error deleting trust")), out
    assert "delete it again" in report["what_to_do"] and "--region RegionOne" in report["what_to_do"]
    code, out, err = cli("why", "dk-ks", *on)
    assert "what to do: Heat deleted dk-ks's resources" in out, out
    code, out, err = cli("stack", "delete", "dk-ks", *on, "--yes", "--wait")
    assert code == 0 and "DELETE_COMPLETE" in out, err + out
