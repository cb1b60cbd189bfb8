"""Colours and short texts shared by the widgets."""

from __future__ import annotations

import time

from rich.text import Text

from mrconsole.core.text import age

HEALTH_STYLE = {"up": "bold green", "degraded": "bold yellow", "down": "bold red", "unknown": "dim"}
HEALTH_ICON = {"up": "●", "degraded": "◐", "down": "✖", "unknown": "○"}


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
    return "-" if ts is None else age(ts, time.time())
