"""The key footer, rebuilt once per change of the keys it shows.

Textual's Footer rebuilds its keys whenever the screen says its bindings were
updated: on every return to a screen, every focus move between tables, and
two or three times while a screen opens (mounted, a field focused, then the
one on_mount chose), even when the keys shown end the same. A rebuild mounts
new key widgets, and a mount lays the whole screen out again: at 50 regions
(about 220 widgets) each such layout cost tens of milliseconds. Counted on a
replayed 50 x 20 scene, one open and close of events, help and journal:
Textual's Footer 8.7 screen layouts and 52.7 key widgets made; this one 6.3
and 7.3 (the layouts left are Textual's own: the new screen, the return, the
popped screen's removal). Cost: O(bindings) per update, one rebuild per
refresh at most. tests/unit/test_footer.py pins both behaviours.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


def shown_keys(screen: Screen, palette_binding: str) -> tuple:
    """What Footer.compose reads of this screen's bindings now: key and how it is drawn, description,
    action, state, group."""
    return tuple(
        (b.key, b.key_display, b.description, b.action, enabled, tooltip, b.group)
        for (_, b, enabled, tooltip) in screen.active_bindings.values()
        if b.show or b.key == palette_binding
    )


class SteadyFooter(Footer):
    """A Footer that rebuilds once per burst of binding updates, and not at all when the keys shown are
    what it already shows."""

    _shown: tuple | None = None

    def bindings_changed(self, screen: Screen) -> None:
        # Footer's own: ready, then a rebuild after the next refresh. Opening a screen updates its bindings
        # two or three times (mounted, then focus set): the first rebuild to run reads the keys of that
        # moment, the later ones find them shown and stop (no flag to stick if a callback never runs).
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        if not self.is_attached:
            return
        keys = shown_keys(self.screen, self.app.COMMAND_PALETTE_BINDING)
        if keys != self._shown:
            self._shown = keys
            await self.recompose()
