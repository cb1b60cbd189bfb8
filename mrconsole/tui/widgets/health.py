"""The health strip: each region's state, latency and, when it lags, the age of its data.

It is redrawn only when its text changes: latency is shown in coarse steps
and the age of a region's data only once it is older than a healthy region's
ever is, so a quiet, healthy cloud repaints nothing here.
"""

from __future__ import annotations

import time

from rich.text import Text

from mrconsole.config import Look
from mrconsole.core.live.changes import HealthChanged, IdentityKnown, RegionStatus
from mrconsole.core.live.fleet import Health, cloud_of_region, keystone_down_in
from mrconsole.core.live.playback import PlaybackSession
from mrconsole.tui import clock
from mrconsole.tui.access import console
from mrconsole.tui.style import HEALTH_ICON, HEALTH_STYLE, ago, ink
from mrconsole.tui.widgets.plain import Static

# Roles that may change stacks under Heat's default policy; a token with none of them is shown as its role.
CHANGING_ROLES = frozenset({"member", "admin"})

# A healthy region answers every ~1.25 s; older data than this is worth showing.
LAGGING_AFTER = 10.0


def coarse_ms(ms: float) -> str:
    """Latency in steps an operator reads at a glance: 40ms, 250ms, 1.5s."""
    if ms < 100:
        return f"{max(10, round(ms, -1)):.0f}ms"
    if ms < 1000:
        return f"{round(ms / 50) * 50:.0f}ms"
    return f"{round(ms / 500) * 0.5:.1f}s"


class HealthStrip(Static):
    """A live view on its own: it subscribes to the changes it shows when it
    mounts (Textual drops the subscriptions when it unmounts); nothing else
    tells it to repaint."""

    _last: str = ""

    def on_mount(self) -> None:
        console(self).changes.subscribe(self, self._on_change)
        console(self).clock.subscribe(self, lambda _now: self._show_session())
        self._show_session()

    def _on_change(self, change) -> None:
        if isinstance(change, (RegionStatus, HealthChanged, IdentityKnown)):
            self._show_session()  # a RegionStatus may also be Keystone refusing the credentials

    def _show_session(self) -> None:
        session = console(self).session
        if session is not None:
            look = console(self).look()
            self.show(
                session.cloud_name,
                session.health(),
                session.regions,
                console(self).read_only,
                bool(session.auth_error),
                session.protected,
                session.identity,
                look,
            )

    def on_resize(self, event) -> None:
        self._last = ""
        self._show_session()

    def show(
        self,
        cloud: str,
        health,
        regions,
        read_only: bool = False,
        auth_error: bool = False,
        protected=frozenset(),
        identity=None,
        look: Look | None = None,
    ) -> None:
        """One line: the fullest of these that fits the width (latency goes first, then the word
        for a healthy state, whose mark already says it)."""
        width = self.size.width or self.app.size.width
        # Every form but the last names each region ("  ● NAME" at least): when the names alone overflow the
        # width (20 regions at 80 columns, 50 at 200), those forms are not built. O(regions) sums, not four
        # Texts of O(regions) spans, each second of the clock.
        gone = {r for down in keystone_down_in(cloud, health) for r in down.regions}  # said once, not by name
        named = sum(len(h.region) + 4 for h in health if h.region not in gone)
        for detail in (2, 1, 0, -1) if named <= width else (-1,):
            text = self._text(cloud, health, regions, read_only, detail, auth_error, protected, identity, look)
            if text.cell_len <= width:
                break
        markup = text.markup
        if markup != self._last:
            self._last = markup
            self.update(text)

    def _text(
        self,
        cloud: str,
        health,
        regions,
        read_only: bool,
        detail: int,
        auth_error: bool = False,
        protected=frozenset(),
        identity=None,
        look: Look | None = None,
    ) -> Text:
        text = Text()
        replay = console(self).session if self.is_attached else None
        if isinstance(replay, PlaybackSession):
            mark = "▶ playing" if replay.playing else "paused"  # a word: ⏸ is missing from many terminal fonts
            when = time.strftime("%H:%M:%S", time.gmtime(replay.position))
            text.append(f" REPLAY {when} UTC {mark} x{replay.speed:g} ", style="bold black on bright_cyan")
        # The cloud's label and colour from the config (prod in red, say): the name otherwise, reversed.
        if look is not None and (look.label or look.colour):
            style = f"bold {ink(look.colour)} on {look.colour}" if look.colour else "bold reverse"
            text.append(f" {look.label or cloud} ", style=style)
        else:
            text.append(f" {cloud} ", style="bold reverse")
        # Clouds opened beside the first (their regions are CLOUD/REGION): named after it, once each.
        for other in dict.fromkeys(cloud_of_region(cloud, h.region) for h in health):
            if other != cloud:
                text.append(" ")
                text.append(f" {other} ", style="reverse")
        if identity is not None and not CHANGING_ROLES & set(identity.roles):
            # A role that cannot change stacks (a reader) is said always: the menu greys most actions.
            text.append(f" {identity.role_text.upper()} ", style="bold black on cyan")
        elif identity is not None and detail > 1:
            text.append(f" {identity.user} ({identity.role_text})", style="dim")
        if read_only:
            text.append(" READ-ONLY ", style="bold black on yellow")
        if protected:
            every = {h.region for h in health} <= set(protected)
            text.append(
                " PROTECTED " if every else f" PROTECTED: {','.join(sorted(protected))} ", style="bold white on magenta"
            )
        if auth_error:
            text.append(" NOT AUTHENTICATED ", style="bold white on red")
        now = clock.now()
        all_regions = list(health)
        # A cloud whose Keystone does not answer is one item, not one outage per region (#38).
        for down in keystone_down_in(cloud, health):
            text.append("  ")
            text.append(f"{HEALTH_ICON[Health.DOWN]} {down.cloud} Keystone down", style=HEALTH_STYLE[Health.DOWN])
            text.append(f" {ago(down.since)}", style="red")
            if detail > 0:
                text.append(f" ({len(down.regions)} region{'s' if len(down.regions) != 1 else ''})", style="dim")
            gone = set(down.regions)
            health = [h for h in health if h.region not in gone]
        if detail < 0:
            # Many regions (20 do not fit in 80 columns by name): how many are up, then every one that is not.
            up = sum(1 for h in all_regions if h.state == "up")  # a cloud's said once above included
            style = HEALTH_STYLE["up"] if up == len(all_regions) else ""
            text.append(f"  {up}/{len(all_regions)} regions up", style=style)
            health = [h for h in health if h.state != "up"]
        for h in health:
            view = regions.get(h.region)
            text.append("  ")
            text.append(f"{HEALTH_ICON.get(h.state, '?')} {h.region}", style=HEALTH_STYLE.get(h.state, ""))
            if h.state == Health.DOWN:
                text.append(f" down {ago(h.down_since)}", style="red")
            elif detail or h.state != "up":
                text.append(f" {h.state}", style=HEALTH_STYLE.get(h.state, ""))
            if detail > 1 and h.state != "down" and h.latency_ms is not None:
                text.append(f" {coarse_ms(h.latency_ms)}", style="dim")
            if view is not None and (view.fetched_at is None or now - view.fetched_at >= LAGGING_AFTER):
                text.append(f" ⟳{ago(view.fetched_at)}", style="dim")
        return text
