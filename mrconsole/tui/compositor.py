"""One arrangement of the screen per layout, not two.

Textual's compositor keeps a map of every widget's place (`full_map`), and arranges the whole screen again to
build it when it was invalidated. A layout (`Compositor.reflow`) arranges the whole screen and keeps the result
as that map, but leaves it marked invalid when a widget it was told about before the layout was not on screen
then (a box being shown, a pane scrolled out of the region column): the first widget that asks its size after
the layout (every widget that repaints does) has the whole screen arranged a second time, for the same map.
At 50 regions that arrangement is ~170 widgets, a third of what opening the overview's filter cost
(profiled on a 50-region lab, tests/screens/test_overview_cost.py).

After a layout the map is the full map: `one_arrangement()` says so. Textual is pinned (pyproject.toml), and a
test checks that its compositor still builds the full map the way a layout does.
"""

from __future__ import annotations

from textual._compositor import Compositor

_reflow = Compositor.reflow


def _reflow_once(self: Compositor, parent, size):
    result = _reflow(self, parent, size)
    # reflow arranged every widget (visible_only=False), as full_map would: its map is the full map.
    self._full_map_invalidated = False
    return result


def one_arrangement() -> None:
    """Install once, before the app runs (idempotent)."""
    Compositor.reflow = _reflow_once  # type: ignore[method-assign]
