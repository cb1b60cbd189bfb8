"""How the overview shares the region column between regions (tui/widgets/region_layout.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mrconsole.tui.widgets.region_layout import PaneShape, fair, share_height


def test_every_pane_at_its_own_height_when_all_fit():
    got = share_height(30, [PaneShape(rows=3), PaneShape(rows=5, needy=True)])
    assert got.compact is False and got.heights == (None, None)


def test_calm_regions_fold_to_their_border_and_the_others_share_the_rest():
    shapes = [PaneShape(rows=100), PaneShape(rows=100, needy=True), PaneShape(rows=100), PaneShape(rows=4, needy=True)]
    got = share_height(40, shapes)
    assert got.compact is False
    # Calm: two lines (name and health above, summary below). The small needy one gets all it wants
    # (border 2 + header 1 + 4 rows); the big one the rest.
    assert got.heights == (2, 40 - 2 - 2 - 7, 2, 7)


def test_room_the_needy_panes_leave_opens_the_calm_ones_a_row_or_more_each():
    # 80x24, three calm regions (13 lines for the column): each a header and rows, not three borders
    # above seven empty lines.
    got = share_height(13, [PaneShape(rows=4), PaneShape(rows=3), PaneShape(rows=3)])
    assert got.compact is False and sorted(got.heights) == [4, 4, 5] and sum(got.heights) == 13
    # A needy pane met in full (2 + 1 + 2 rows); of the 8 lines left, the first calm region in order
    # opens (4: its header and a row), then the second (4); the third stays folded: 5 + 4 + 4 + 2 = 15.
    shapes = [PaneShape(rows=2, needy=True), PaneShape(rows=9), PaneShape(rows=9), PaneShape(rows=9)]
    assert share_height(15, shapes).heights == (5, 4, 4, 2)
    # A calm region with no stack has no row to open for.
    assert share_height(12, [PaneShape(rows=0), PaneShape(rows=20)]).heights == (2, 10)


def test_a_small_terminal_gets_the_compact_form():
    # 80x24 with five regions, each with a failed stack: 14 lines for the column.
    got = share_height(14, [PaneShape(rows=100, needy=True)] * 5)
    assert got.compact is True
    assert sum(got.heights) == 14 and min(got.heights) >= 2  # the head line and at least the first row


def test_compact_calm_regions_take_one_line():
    shapes = [PaneShape(rows=100)] * 15 + [PaneShape(rows=100, needy=True)] * 5
    got = share_height(40, shapes)
    assert got.compact and got.heights[:15] == (1,) * 15 and sum(got.heights[15:]) == 25


def test_a_down_regions_note_is_part_of_its_floor():
    got = share_height(
        10, [PaneShape(rows=50, note=2, needy=True), PaneShape(rows=50, needy=True)] + [PaneShape(rows=9)]
    )
    assert got.compact and got.heights[0] >= 1 + 2 + 1


@given(
    st.integers(min_value=1, max_value=120),
    st.lists(st.tuples(st.integers(0, 500), st.integers(0, 2), st.booleans()), min_size=1, max_size=25),
)
def test_shares_never_exceed_the_column_when_the_floors_fit(avail, raw):
    shapes = [PaneShape(rows=r, note=n, needy=b) for r, n, b in raw]
    got = share_height(avail, shapes)
    assert len(got.heights) == len(shapes)
    if all(h is None for h in got.heights):
        assert sum(3 + s.note + s.rows for s in shapes) <= avail
        return
    heights = [h for h in got.heights if h is not None]
    floors = sum(
        (1 + s.note + min(1, s.rows)) if s.needy else 1 for s in shapes
    )  # the compact floors: past them the column scrolls
    if floors <= avail:
        assert sum(heights) <= avail
    for s, h in zip(shapes, got.heights, strict=True):
        want = (1 if got.compact else 3) + s.note + s.rows
        assert h <= max(want, 2)  # nobody gets more than it can show


def test_fair_meets_small_wants_first():
    assert fair(10, [2, 50, 50], [1, 1, 1]) == [2, 4, 4]
    assert fair(2, [5, 5], [2, 2]) == [2, 2]  # floors past the room: the floors


def test_the_header_counts_regions_up_and_names_the_others_when_names_do_not_fit():
    import time

    from mrconsole.cloud.health import HealthSnapshot
    from mrconsole.tui.widgets.health import HealthStrip

    now = time.time()
    health = [HealthSnapshot(f"Region{i:02d}", "up", 80.0, now, None, None, now) for i in range(20)]
    health[7] = HealthSnapshot("Region07", "down", None, now - 90, "connection refused", now - 90, now)
    text = HealthStrip()._text("lab", health, {}, False, -1).plain
    assert "19/20 regions up" in text and "Region07 down" in text and "Region03" not in text
    assert len(text) < 80


def test_the_header_builds_only_the_count_when_the_region_names_alone_overflow(monkeypatch):
    """Each second of the clock the header picks the fullest form that fits: at 50 regions the names alone
    overflow 200 columns, so only the count is built (it built all four forms, each of 50 regions' spans);
    where the names fit, the fullest form that fits is still chosen."""
    import time

    from textual.geometry import Size

    from mrconsole.cloud.health import HealthSnapshot
    from mrconsole.tui.widgets.health import HealthStrip

    now = time.time()
    built: list[int] = []
    real = HealthStrip._text

    def counted(self, *args, **kwargs):
        built.append(args[4])  # detail
        return real(self, *args, **kwargs)

    monkeypatch.setattr(HealthStrip, "_text", counted)
    monkeypatch.setattr(HealthStrip, "size", property(lambda self: Size(200, 1)))
    shown: list[str] = []
    monkeypatch.setattr(HealthStrip, "update", lambda self, text: shown.append(text.plain))
    many = [HealthSnapshot(f"Region{i:02d}", "up", 80.0, now, None, None, now) for i in range(50)]
    HealthStrip().show("lab", many, {})
    assert built == [-1] and "50/50 regions up" in shown[-1]
    few = many[:3]
    built.clear()
    HealthStrip().show("lab", few, {})
    assert built == [2] and "Region02 up 80ms" in shown[-1]
