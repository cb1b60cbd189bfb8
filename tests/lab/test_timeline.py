"""The incident timeline: events of every region, the outage the console saw, the out-of-band action."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from mrconsole.tui.screens.overview import OverviewScreen
from tests.conftest import run_process
from tests.lab.test_tui import make_app, until

MASTER_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "multi-region" / "master.yaml")


async def test_timeline_of_an_outage_with_an_out_of_band_action(lab):
    done = await asyncio.to_thread(
        run_process, "stack", "create", "tl", "-t", MASTER_T, "--lab", "--region", "RegionOne", "--wait"
    )
    assert done.returncode == 0, done.stderr
    app = make_app(lab, master="tl")
    async with app.run_test(size=(120, 36)) as pilot:
        session = lambda: app.session  # noqa: E731 - read late: the session is built after mount
        assert await until(
            pilot,
            lambda: (
                isinstance(app.screen, OverviewScreen) and session().master and session().master.topology is not None
            ),
            30,
        )
        db = next(c for c in session().master.topology.constituents if c.resource == "db_stack").stack_name
        with lab.fault("RegionOne", "stop"):
            assert await until(pilot, lambda: session().region_down("RegionOne"), 40)
            # The master's region is down: an action on its constituent is out of band.
            done = await asyncio.to_thread(
                run_process,
                "stack",
                "suspend",
                db,
                "--lab",
                "--region",
                "RegionTwo",
                "--request-timeout",
                "2",
                "--wait",
            )
            assert done.returncode == 0, done.stderr
        assert await until(pilot, lambda: not session().region_down("RegionOne"), 60)
        await pilot.press("T")
        # Every notification seen, kept as it shows (they expire): the export reads every region's events,
        # which on a loaded machine takes longer than a notification lasts; an error is one of them too.
        seen: list[str] = []

        def ended() -> bool:
            seen.extend(m for m in (str(n.message) for n in app._notifications) if m not in seen)
            return any("written to" in m or "not written" in m for m in seen)

        assert await until(pilot, ended, 120), seen
        note = next((m for m in seen if "written to" in m), "")
        assert note, seen
    path = Path(note.rsplit("written to ", 1)[1])
    text = path.read_text()
    rows = [line.split(" | ") for line in text.splitlines() if re.match(r"\| \d{4}-", line)]
    kinds = [(r[1], r[2]) for r in rows]
    assert "| RegionOne |" in text.split("## Outages")[1].split("## Timeline")[0]  # the window
    assert ("RegionOne", "outage") in kinds and ("RegionOne", "recovery") in kinds
    [action] = [r for r in rows if r[2] == "action" and "suspend" in r[3]]
    assert f"ran suspend on {db} (out of band)" in action[3] and "→ ok" in action[3]
    assert {"RegionOne", "RegionTwo", "RegionThree"} <= {r[1] for r in rows if r[2] == "event"}
    times = [r[0].lstrip("| ") for r in rows]
    assert times == sorted(times)  # in order
    order = [k if k != "action" or "suspend" not in r[3] else "suspend" for (_, k), r in zip(kinds, rows, strict=True)]
    # The suspend sits inside a RegionOne window (earlier tests may have left windows of their own).
    at = order.index("suspend")
    assert "outage" in order[:at] and "recovery" in order[at:], order
    # The CLI twin gives the same entries.
    done = await asyncio.to_thread(run_process, "timeline", "tl", "--lab", "--since", "1h", "--format", "json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    ran = [e["what"].split(" ran ", 1)[1].split(" on ")[0] for e in shown["entries"] if e["kind"] == "action"]
    assert ran == ["create", "suspend"]
    assert any(e["kind"] == "outage" and e["region"] == "RegionOne" for e in shown["entries"])
