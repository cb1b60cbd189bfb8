"""The masters found (core/master/masters.py): from the regions' lists and the topology cache, no request.

`m` opens it; enter follows the chosen master (the overview's tree, the data flow, its events).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen

from mrconsole.core.master.masters import FoundMaster
from mrconsole.tui.access import ConsoleAccess
from mrconsole.tui.widgets.master_tree import found_label
from mrconsole.tui.widgets.plain import Label, Option, OptionList


class MastersScreen(ConsoleAccess, ModalScreen["FoundMaster | None"]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel-masters")]

    def __init__(self):
        super().__init__(id="masters")
        self.found: list[FoundMaster] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="menu-box"):
            yield Label(Text("Masters found (regions' lists and the cache): enter follows one", "bold"))
            yield OptionList(id="masters-list")

    def on_mount(self) -> None:
        self.run_worker(self._load(), exclusive=True, group="masters", exit_on_error=False)

    async def _load(self) -> None:
        self.found = await self.session.masters_found()
        menu = self.query_one(OptionList)
        menu.clear_options()
        if not self.found:
            menu.add_option(
                Option(Text("no master found: no stack is named like another's constituent"), disabled=True)
            )
        for i, f in enumerate(self.found):
            menu.add_option(Option(found_label(f), id=str(i)))
        menu.focus()
        if self.found:
            menu.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(self.found[int(event.option.id)])
