"""Colours and short texts shared by the widgets."""

from __future__ import annotations

from rich.color import Color
from rich.terminal_theme import TerminalTheme
from rich.text import Text

from mrconsole.core.text import age
from mrconsole.tui import clock

HEALTH_STYLE = {"up": "bold green", "degraded": "bold yellow", "down": "bold red", "unknown": "dim"}
HEALTH_ICON = {"up": "●", "degraded": "◐", "down": "✖", "unknown": "○"}


def ink(background: str) -> str:
    """Black or white, whichever reads on `background` ('#RRGGBB', as config.Look holds it)."""
    r, g, b = (int(background[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


def status_short(status: str) -> Text:
    """A status in at most 10 cells for a narrow pane, in the same colour as the full one: its state as a
    mark and its action as a word (✔ UPDATE, ◐ CREATE), but a failure as the word FAILED (✖ FAILED): that
    is what an operator scans a pane for, and colour alone is lost on a monochrome terminal; which action
    failed is one key away (enter)."""
    action, _, state = (status or "?").rpartition("_")
    mark = {"COMPLETE": "✔", "IN_PROGRESS": "◐", "FAILED": "✖"}.get(state, "·")
    if state == "PROGRESS":  # IN_PROGRESS splits as ("X_IN", "PROGRESS")
        action, mark = action.removesuffix("_IN"), "◐"
    if state == "FAILED":
        action = "FAILED"
    text = status_text(status)
    text.plain = f"{mark} {action or status}"
    return text


def status_text(status: str, reason: str = "") -> Text:
    if status.endswith("_FAILED"):
        style = "bold red"
    elif status.endswith("_IN_PROGRESS"):
        style = "yellow"
    elif status.endswith("_COMPLETE"):
        style = "green"
    elif status == "GAP":
        style = "bold magenta"
    else:
        style = "dim"
    text = Text(status or "?", style=style)
    if reason and status.endswith("_FAILED"):
        text.append(f"  {reason}", style="red")
    return text


def ago(ts: float | None) -> str:
    return "-" if ts is None else age(ts, clock.now())


# How the console styles each kind of report line (core/diagnosis/reports.py writes the words).
_REPORT_STYLE = {
    "title": "bold",
    "ok": "green",
    "step": "cyan",
    "root": "bold red",
    "reason": "red",
    "heading": "bold",
    "event": "",
    "cause-event": "bold",
    "note": "yellow",
    "drift": "bold yellow",
    "difference": "",
    "orphan": "bold red",
    "suggestion": "dim",
}


def report_text(lines) -> Text:
    """A why or drift report (core/diagnosis/reports.py), one styled line each; a root cause set apart."""
    text = Text()
    for line in lines:
        if line.kind in ("root", "heading") and text.plain:
            text.append("\n")
        text.append(line.text + "\n", style=_REPORT_STYLE.get(line.kind, ""))
    text.rstrip()
    return text


def ansi_following(theme, base: TerminalTheme) -> TerminalTheme:
    """`base` (the app's palette for ANSI colours) with its red, green and yellow, normal and bright, made the
    theme's error, success and warning. Every status, health and severity is drawn in those three ANSI names
    (above); Textual turns them into true colours through this palette, so they follow the theme (light,
    dark, nord...) with no widget knowing which is on. A theme that keeps the terminal's own ANSI colours
    (`textual-ansi`) is not converted at all: the terminal's red is red there."""
    tones = theme.to_color_system().generate()
    colours: list[tuple[int, int, int]] = [(c[0], c[1], c[2]) for c in base.ansi_colors._colors]
    for index, name in ((1, "error"), (2, "success"), (3, "warning")):
        rgb = Color.parse(tones[name]).triplet
        assert rgb is not None  # a theme's colours are #RRGGBB
        colours[index] = colours[index + 8] = (rgb.red, rgb.green, rgb.blue)
    bg, fg = base.background_color, base.foreground_color
    return TerminalTheme((bg[0], bg[1], bg[2]), (fg[0], fg[1], fg[2]), colours[:8], colours[8:])
