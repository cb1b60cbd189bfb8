"""How the region column's height is shared between the region panes.

Every region must be on screen at once, at 80x24 as at 200x60, and the
regions that need attention get the room. Three regimes, the first that fits:

1. roomy: every pane at its natural height (border, header, every row);
2. folded: a region with nothing wrong (no failed, busy or suspended stack,
   answering, not being read) folds to its border: two lines, its name,
   health and summary; the others share what is left fairly, and what they
   do not need opens the calm ones again, a header and a row or more each;
3. compact (a small terminal, or many regions): no borders; a calm region
   is one line, its name, health and summary; the others a line each for
   the same, then their first rows (problems first), shared fairly.

If even the compact floors do not fit, the column scrolls.
Cost: O(regions) per call; called when a pane's shape (rows shown, note,
needs attention) or the column's size changes, or focus moves between panes.
"""

from __future__ import annotations

from dataclasses import dataclass

BORDER = 2  # top (name, health) and bottom (summary) lines of a bordered pane
HEADER = 1  # the table's column header, shown only with a border


@dataclass(frozen=True)
class PaneShape:
    rows: int  # rows shown (after the filter)
    note: int = 0  # lines of the region's note (down, slow), 0 when none
    needy: bool = False  # failed, busy or suspended stacks, region down, or being read


@dataclass(frozen=True)
class Sharing:
    compact: bool
    heights: tuple[int | None, ...]  # None: the pane's natural height


def fair(avail: int, wants: list[int], floors: list[int]) -> list[int]:
    """Each gets its floor, then what is left is shared so that no one gets more than it wants and the
    smallest wants are met first (water filling)."""
    give = list(floors)
    left = avail - sum(floors)
    if left <= 0:
        return give
    order = sorted(range(len(wants)), key=lambda i: wants[i] - floors[i])
    for n, i in enumerate(order):
        share = left // (len(order) - n)
        extra = max(0, min(wants[i] - floors[i], share))
        give[i] += extra
        left -= extra
    return give


def _unfold_calm(left: int, shapes: list[PaneShape], full: list[int], heights: list[int | None]) -> None:
    """Rows the panes that need attention left over go to the calm ones, folded so far: each, in region
    order, that the room lets show its header and a first row, then what is left shared fairly. Without
    it, three calm regions at 80x24 were three folded borders above seven empty lines."""
    calm = [i for i, s in enumerate(shapes) if not s.needy and s.rows]
    opened: list[int] = []
    for i in calm:
        step = HEADER + shapes[i].note + 1  # from the border alone to a header and a first row
        if left >= step:
            opened.append(i)
            left -= step
    if not opened:
        return
    floors = [BORDER + HEADER + shapes[i].note + 1 for i in opened]
    got = fair(sum(floors) + left, [full[i] for i in opened], floors)
    for i, h in zip(opened, got, strict=True):
        heights[i] = h


def share_height(avail: int, shapes: list[PaneShape]) -> Sharing:
    n = len(shapes)
    full = [BORDER + HEADER + s.note + s.rows for s in shapes]
    if sum(full) <= avail:
        return Sharing(False, (None,) * n)
    needy = [i for i, s in enumerate(shapes) if s.needy]
    calm = n - len(needy)
    floors = [BORDER + HEADER + shapes[i].note + min(1, shapes[i].rows) for i in needy]
    if BORDER * calm + sum(floors) <= avail:
        got = fair(avail - BORDER * calm, [full[i] for i in needy], floors)
        heights: list[int | None] = [BORDER] * n
        for i, h in zip(needy, got, strict=True):
            heights[i] = h
        _unfold_calm(avail - BORDER * calm - sum(got), shapes, full, heights)
        return Sharing(False, tuple(heights))
    # Compact: one head line per region, then rows for those that need attention.
    wants = [1 + shapes[i].note + shapes[i].rows for i in needy]
    floors = [1 + shapes[i].note + min(1, shapes[i].rows) for i in needy]
    got = fair(avail - calm, wants, floors)
    heights = [1] * n
    for i, h in zip(needy, got, strict=True):
        heights[i] = h
    return Sharing(True, tuple(heights))
