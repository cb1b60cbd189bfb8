"""Small modal screens: help, command mode, and the troubleshooting report."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen

from mrconsole.core.diagnosis.reports import why_lines
from mrconsole.core.errors import CloudError
from mrconsole.tui.access import ConsoleAccess
from mrconsole.tui.commands import COMMANDS, hint
from mrconsole.tui.style import report_text
from mrconsole.tui.widgets.plain import Input, Label, Static, plain


class HelpScreen(ConsoleAccess, ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="close-help")]

    def __init__(self, bindings: list[tuple[str, str, str]], aliases: dict[str, str] | None = None):
        super().__init__(id="help")
        self._rows = bindings
        self._aliases = aliases or {}

    def compose(self) -> ComposeResult:
        keys = Table(title="Keys", expand=True, show_edge=False)
        keys.add_column("Key", style="bold cyan", no_wrap=True)
        keys.add_column("Action")
        keys.add_column("Binding id", style="dim")
        for key, desc, bid in self._rows:
            keys.add_row(plain(key), plain(desc), plain(bid))  # keys from the config file
        cmds = Table(title="Commands (press :)", expand=True, show_edge=False)
        cmds.add_column("Command", style="bold cyan", no_wrap=True)
        cmds.add_column("Does")
        for c in COMMANDS:
            cmds.add_row(plain(c.usage), plain(c.description))
        for word, text in sorted(self._aliases.items()):  # the config's aliases: the operator's own words
            cmds.add_row(plain(f":{word}"), plain(f"your alias for :{text.lstrip(':')}"))
        with VerticalScroll(id="help-body"):
            yield Static(keys)
            yield Static(cmds)
            yield Static(
                Text(
                    "Remap keys in the config file (keys: {binding-id: key}), add words (aliases: {word: command}). "
                    "ctrl+p opens the command palette. esc closes.",
                    style="dim",
                )
            )


class CommandScreen(ConsoleAccess, ModalScreen[str]):
    """The `:` prompt at the bottom, k9s style."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel-command")]

    def __init__(self, read_only: bool = False, aliases: dict[str, str] | None = None, value: str = ""):
        """`value`: the line filled in (a menu entry that needs words typed: `:import`)."""
        super().__init__()
        self._read_only = read_only
        self._aliases = aliases or {}
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="command-box"):
            yield Input(self._value, placeholder=hint(self._read_only, self._aliases), id="command")

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


class TypeScreen(ModalScreen[str]):
    """One line typed (a region's name to confirm, a signal's data); escape cancels with ''."""

    BINDINGS = [Binding("escape", "dismiss('')", "Cancel", id="cancel-type")]

    def __init__(self, question: str, lines: list[str], placeholder: str):
        super().__init__(id="type")
        self.question, self.lines, self.placeholder = question, lines, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="menu-box"):
            yield Label(Text(self.question, style="bold"))
            yield Static(Text("\n".join(self.lines)))
            yield Input(placeholder=self.placeholder, id="typed")
            yield Label(Text("enter sends what is typed · esc cancels (nothing is sent)", style="dim"))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or "")


class CommandOutputScreen(ModalScreen[None]):
    """What a user command printed, and how it ended."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="close-output")]

    def __init__(self, title: str, code: int | None, output: str):
        super().__init__(id="command-output")
        self.title_text, self.code, self.output = title, code, output

    def compose(self) -> ComposeResult:
        ended = "did not end (stopped)" if self.code is None else f"exit {self.code}"
        style = "green" if self.code == 0 else "red"
        with Vertical(id="menu-box"):
            yield Label(Text.assemble((self.title_text, "bold"), "  ", (ended, style)))
            with VerticalScroll(id="command-output-text"):
                yield Static(Text(self.output.rstrip() or "(no output)"))
            yield Label(Text("esc closes", style="dim"))


class AskScreen(ModalScreen[bool]):
    """A yes/no question with what the answer does, in every region (y sends, anything else cancels)."""

    BINDINGS = [Binding("y", "answer(True)", "Yes", id="yes"), Binding("escape,n", "answer(False)", "No", id="no")]

    def __init__(self, question: str, lines: list[str]):
        super().__init__(id="ask")
        self.question = question
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(id="menu-box"):
            yield Label(Text(self.question, style="bold"))
            yield Static(Text("\n".join(self.lines)))
            yield Label(Text("y: send   n / esc: cancel (nothing is sent)", style="dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
