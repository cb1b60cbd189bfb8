"""Typed access from a screen or widget to the console app and its session.

`self.app` is typed as a plain `App`; these say what it is here, so mypy
checks every use (a screen reads the session through `SessionView`, the
core's protocol, and nothing else of it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

from mrconsole.core.live.view import SessionView

if TYPE_CHECKING:
    from mrconsole.tui.app import MrConsoleApp


def console(node: DOMNode) -> MrConsoleApp:
    return cast("MrConsoleApp", node.app)


def session_of(node: DOMNode) -> SessionView:
    """The connected session (screens and widgets exist only once it is)."""
    session = console(node).session
    if session is None:
        raise RuntimeError("no session yet: screens are shown only once the console is connected")
    return session


class ConsoleAccess:
    """Mixed into the console's screens: `self.console` and `self.session`, typed."""

    @property
    def console(self) -> MrConsoleApp:
        return console(cast(DOMNode, self))

    @property
    def session(self) -> SessionView:
        return session_of(cast(DOMNode, self))
