"""Text from Heat is data: the widgets the console draws text with, taking every `str` as plain text.

Textual reads a `str` as markup in a DataTable cell, a Static or Label, a Tree label, an option, a
button or checkbox label and a notification, and Rich does in a Table cell: a `[/]` in a stack name, a
reason or an output (`[/dev/vdb]`) raises MarkupError, which ends the app; `[fd00::1]` or `[web]`
vanishes. And Rich drops only BEL, BS, VT, FF and CR: an ESC in Heat's text would reach the operator's
terminal as an escape sequence.

So the screens import these widgets, never Textual's own (ruff TID251 in pyproject.toml refuses them elsewhere):
each turns a `str` into `rich.text.Text` and draws control characters visibly (core/text.printable);
a `Text` the console built keeps its styles, its characters made printable the same way. Nothing in
the console uses markup, so nothing is lost. `plain()` is the same rule for any other place that takes
text (a Rich Table's cell, a border title).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import widgets as _tw
from textual.widgets import option_list as _ol

from mrconsole.core.text import printable


def plain(content: Any) -> Any:
    """A str as plain Text, a Text with printable characters; any other renderable as it is. O(len)."""
    if isinstance(content, str):
        return Text(printable(content))
    if isinstance(content, Text):
        safe = printable(content.plain)
        if safe == content.plain:
            return content
        copy = content.copy()
        copy.plain = safe  # one character for one: the spans stay where they were
        return copy
    return content


class DataTable(_tw.DataTable):
    """Every cell and column label is plain text (update cells, never rebuild: Textual #5273)."""

    def add_column(self, label, *args, **kwargs):
        return super().add_column(plain(label), *args, **kwargs)

    def add_row(self, *cells, **kwargs):
        return super().add_row(*(plain(c) for c in cells), **kwargs)

    def update_cell(self, row_key, column_key, value, *args, **kwargs):
        return super().update_cell(row_key, column_key, plain(value), *args, **kwargs)

    def update_cell_at(self, coordinate, value, *args, **kwargs):
        return super().update_cell_at(coordinate, plain(value), *args, **kwargs)


class Static(_tw.Static):
    def __init__(self, content: Any = "", **kwargs):
        kwargs["markup"] = False
        super().__init__(plain(content), **kwargs)

    def update(self, content: Any = "", **kwargs) -> None:
        super().update(plain(content), **kwargs)


class Label(_tw.Label):
    def __init__(self, content: Any = "", **kwargs):
        kwargs["markup"] = False
        super().__init__(plain(content), **kwargs)

    def update(self, content: Any = "", **kwargs) -> None:
        super().update(plain(content), **kwargs)


class Button(_tw.Button):
    def __init__(self, label: Any = None, *args, **kwargs):
        super().__init__(plain(label) if label is not None else None, *args, **kwargs)


class Checkbox(_tw.Checkbox):
    def __init__(self, label: Any = "", *args, **kwargs):
        super().__init__(plain(label), *args, **kwargs)


class Tree(_tw.Tree):
    def process_label(self, label):
        return super().process_label(plain(label))


class RichLog(_tw.RichLog):
    def write(self, content, *args, **kwargs):
        return super().write(plain(content), *args, **kwargs)


class OptionList(_tw.OptionList):
    pass


class Option(_ol.Option):
    def __init__(self, prompt: Any, id: str | None = None, disabled: bool = False):
        super().__init__(plain(prompt), id, disabled)


# Any line typed in, Textual's own too (the command palette's): for isinstance only, it draws nothing.
AnyInput = _tw.Input


class Input(_tw.Input):
    """A placeholder or a prefilled value (a master's name, a default) is drawn printable: Heat's
    stack names cannot hold a control character, its parameters' defaults can."""

    def __init__(self, value: str | None = None, placeholder: str = "", *args, **kwargs):
        super().__init__(printable(value) if value else value, printable(placeholder), *args, **kwargs)
