"""The health strip: each region's state, latency and the age of its data."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from mrconsole.tui.style import HEALTH_ICON, HEALTH_STYLE, ago


class HealthStrip(Static):
    def show(self, cloud: str, health, regions, read_only: bool = False) -> None:
        text = Text()
        text.append(f" {cloud} ", style="bold reverse")
        if read_only:
            text.append(" READ-ONLY ", style="bold black on yellow")
        for h in health:
            view = regions.get(h.region)
            text.append("  ")
            text.append(f"{HEALTH_ICON.get(h.state, '?')} {h.region} ", style=HEALTH_STYLE.get(h.state, ""))
            if h.state == "down":
                text.append(f"down {ago(h.down_since)}", style="red")
            else:
                text.append(h.state, style=HEALTH_STYLE.get(h.state, ""))
                if h.latency_ms is not None:
                    text.append(f" {h.latency_ms:.0f}ms", style="dim")
            if view is not None:
                text.append(f" ⟳{ago(view.fetched_at)}", style="dim")
        self.update(text)
