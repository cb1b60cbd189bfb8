"""The key footer, rebuilt only when the keys it shows change.

Textual's Footer rebuilds its keys whenever the screen says its bindings were
updated: on every return to a screen and every focus move between tables,
even when the keys shown are the same. Rebuilding mounts new key widgets,
and a mount lays the whole screen out again: at 50 regions (about 220
widgets) each such layout cost tens of milliseconds, twice per closed screen
(measured with a replayed 50 x 20 scene; tests/unit/test_footer.py pins the
skip). Here the keys' signature is compared first: O(bindings) per update
instead of a layout of the screen.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


def shown_keys(screen: Screen, palette_binding: str) -> tuple:
    """What Footer.compose would show for this screen's bindings now: key, description, action, state."""
    return tuple(
        (b.key, b.description, b.action, enabled, tooltip, b.group.description if b.group else None)
        for (_, b, enabled, tooltip) in screen.active_bindings.values()
        if b.show or b.key == palette_binding
    )


class SteadyFooter(Footer):
    """A Footer that skips the rebuild when the keys shown are what it already shows."""

    _shown: tuple | None = None

    def bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            keys = shown_keys(screen, self.app.COMMAND_PALETTE_BINDING)
            if keys == self._shown and self._bindings_ready:
                return
            self._shown = keys
        super().bindings_changed(screen)
