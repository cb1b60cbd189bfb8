"""Small modal screens: help, command mode, and the troubleshooting report."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from mrconsole.core.errors import CloudError
from mrconsole.core.reports import why_lines
from mrconsole.tui.access import ConsoleAccess
from mrconsole.tui.commands import COMMANDS, hint
from mrconsole.tui.style import report_text


class HelpScreen(ConsoleAccess, ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="close-help")]

    def __init__(self, bindings: list[tuple[str, str, str]]):
        super().__init__(id="help")
        self._rows = bindings

    def compose(self) -> ComposeResult:
        keys = Table(title="Keys", expand=True, show_edge=False)
        keys.add_column("Key", style="bold cyan", no_wrap=True)
        keys.add_column("Action")
        keys.add_column("Binding id", style="dim")
        for key, desc, bid in self._rows:
            keys.add_row(key, desc, bid)
        cmds = Table(title="Commands (press :)", expand=True, show_edge=False)
        cmds.add_column("Command", style="bold cyan", no_wrap=True)
        cmds.add_column("Does")
        for c in COMMANDS:
            cmds.add_row(c.usage, c.description)
        with VerticalScroll(id="help-body"):
            yield Static(keys)
            yield Static(cmds)
            yield Static(
                Text(
                    "Remap keys in the config file (keys: {binding-id: key}). "
                    "ctrl+p opens the command palette. esc closes.",
                    style="dim",
                )
            )


class CommandScreen(ConsoleAccess, ModalScreen[str]):
    """The `:` prompt at the bottom, k9s style."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel-command")]

    def __init__(self, read_only: bool = False):
        super().__init__()
        self._read_only = read_only

    def compose(self) -> ComposeResult:
        with Vertical(id="command-box"):
            yield Input(placeholder=hint(self._read_only), id="command")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip().lstrip(":"))

    def action_cancel(self) -> None:
        self.dismiss("")


class WhyScreen(ConsoleAccess, ModalScreen):
    """The root cause of a failure, across regions."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="close-why")]

    def __init__(self, region: str, stack_id: str, name: str):
        super().__init__(id="why")
        self.region_name, self.stack_id, self.stack_name = region, stack_id, name

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="why-body"):
            yield Static(Text(f"Troubleshooting {self.stack_name} [{self.region_name}]…", style="bold"), id="why-text")

    def on_mount(self) -> None:
        # The screen reads once it exists: a fast answer can never arrive before its widgets.
        self.run_worker(self._load(), group="why", exit_on_error=False)

    async def _load(self) -> None:

        try:
            report = await self.session.why(self.region_name, self.stack_id)
        except CloudError as exc:
            self.show_error(f"cannot troubleshoot {self.stack_name}: {exc.message}")
            return
        self.show_report(report)

    def show_report(self, report) -> None:
        self.query_one("#why-text", Static).update(report_text(why_lines(report)))

    def show_error(self, message: str) -> None:
        self.query_one("#why-text", Static).update(Text(message, style="bold red"))
