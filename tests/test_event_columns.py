"""Events as aligned columns, with a failure's reason always whole (tui/widgets/event_log.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from mrconsole.models import Event
from mrconsole.tui.widgets.event_log import Columns, event_text

T = datetime(2026, 11, 26, 15, 38, 9, tzinfo=UTC)
REASON = (
    "ConnectFailure: resources.db_stack: Unable to establish connection to "
    "http://127.0.0.1:8772/v1/stacks/40298f04/actions: Connection refused"
)


def ev(
    stack="demo-db_stack-apr36zcxirn5",
    resource="db_server",
    status="CREATE_COMPLETE",
    reason="state changed",
    region="RegionTwo",
):
    return Event(region, "sid", stack, "eid", T, resource, status, reason)


def test_columns_line_up_whatever_the_names():
    cols = Columns.fit(116, 11)
    lines = [
        event_text(e, cols).plain
        for e in (
            ev(),
            ev(
                stack="demo",
                resource="demo",
                status="UPDATE_COMPLETE",
                reason="Stack UPDATE completed",
                region="RegionOne",
            ),
            ev(resource="a_very_long_resource_name_indeed"),
        )
    ]
    starts = {line.index(s) for line, s in zip(lines, ("CREATE", "UPDATE", "CREATE"), strict=True)}
    assert len(starts) == 1  # the status column is one column
    assert "demo-db_stack-apr36zcxirn5" in lines[0]  # whole at this width
    assert lines[1].split()[3] == "—"  # a stack's own event: no repeated name
    assert "state changed" not in lines[0] and "Stack UPDATE completed" in lines[1]


def test_a_failure_reason_is_never_cut():
    for width in (78, 116, 200):
        text = event_text(ev(status="CHECK_FAILED", reason=REASON), Columns.fit(width, 11)).plain
        assert " ".join(text.split()).count(REASON.split(": ")[-1]) == 1, (width, text)
        assert all(len(line) <= width for line in text.splitlines()), (width, text)
        assert REASON.replace(" ", "") in text.replace(" ", "").replace("\n", "")


def test_at_80_columns_long_names_keep_their_start_and_end():
    text = event_text(ev(), Columns.fit(77, 11)).plain
    assert text.split()[2] == "demo-db_stack-…xirn5"
    assert len(text) <= 77
