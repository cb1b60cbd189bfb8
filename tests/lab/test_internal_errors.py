"""A bug of ours is not an outage: an injected KeyError in converting RegionTwo's answers.

The region answers the whole time; only our conversion fails. It must not be marked down or
degraded, the traceback must be in mrconsole.log, and both the console and `status` must say
"internal error (see mrconsole.log)" (the CLI exiting 1), while the other regions carry on.
"""

from __future__ import annotations

import json

import pytest

from mrconsole.cloud import convert, region
from mrconsole.errors import INTERNAL_MESSAGE
from mrconsole.logs import log_path
from tests.lab.test_tui import make_app, pane, until

BROKEN = "RegionTwo"


@pytest.fixture
def broken_conversion(monkeypatch):
    """to_stack raises KeyError for RegionTwo's stacks, as a bug in our conversion would."""
    real = convert.to_stack

    def to_stack(region_name, s):
        if region_name == BROKEN:
            raise KeyError("stack_status")  # the injected bug
        return real(region_name, s)

    monkeypatch.setattr(region, "to_stack", to_stack)
    before = log_path().stat().st_size if log_path().exists() else 0
    yield lambda: log_path().read_text(errors="replace")[before:] if log_path().exists() else ""


def test_status_says_internal_error_and_marks_no_region_down(lab, cli, broken_conversion):
    code, out, err = cli("status", "--lab")
    assert code == 1, (out, err)
    assert err.strip() == f"mrconsole: error: {BROKEN}: {INTERNAL_MESSAGE}"
    row = next(line for line in out.splitlines() if line.startswith(BROKEN))
    assert INTERNAL_MESSAGE in row
    assert row.split()[1] == "up", row  # the region answered: up, not down or degraded
    other = next(line for line in out.splitlines() if line.startswith("RegionThree"))
    assert other.split()[1] == "up" and "internal" not in other
    logged = broken_conversion()
    assert "Traceback" in logged and "KeyError: 'stack_status'" in logged and BROKEN in logged

    code, out, _ = cli("status", "--lab", "--format", "json")
    assert code == 1
    regions = {r["name"]: r for r in json.loads(out)["regions"]}
    assert regions[BROKEN]["health"] == "up" and regions[BROKEN]["last_error"] == INTERNAL_MESSAGE
    assert regions["RegionThree"]["stacks"], "the other regions are listed as usual"


async def test_the_console_says_internal_error_and_marks_no_region_down(lab, broken_conversion):
    app = make_app(lab, master=None)
    async with app.run_test(size=(120, 36)) as pilot:

        def note() -> str:
            shown = pane(app, BROKEN).query_one(".region-note")
            return str(shown.render()) if shown.display else ""

        assert await until(pilot, lambda: INTERNAL_MESSAGE in note(), 30), note()
        assert await until(pilot, lambda: pane(app, "RegionThree").table.row_count > 0, 30)
        health = {h.region: h.state for h in app.session.health()}
        assert health[BROKEN] not in ("down", "degraded"), health
        assert "unreachable" not in note()
        assert BROKEN not in app.session.down_regions()
        await pilot.press("question_mark")  # keys still answer
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
    logged = broken_conversion()
    assert "Traceback" in logged and "KeyError: 'stack_status'" in logged
