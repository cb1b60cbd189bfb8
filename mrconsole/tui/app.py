"""The mrconsole Textual app.

It holds a ConsoleSession (the core) and renders it. Nothing here waits on
the network in a handler: connecting, describing a stack and troubleshooting
run in workers; the core's own loops run as asyncio tasks.

Changes flow one way: the core publishes typed changes (core/live/changes.py),
the app republishes each on its `changes` Signal, and every screen or widget
that shows something subscribes when it mounts (Textual drops the
subscription when it unmounts) and updates only what the change names.
A new live view needs its widget and a subscription, no edit here. The
`clock` Signal ticks once a second for texts that show an age.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterable

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from mrconsole.config import Look, UserConfig
from mrconsole.core.acting.choices import (
    ABANDON,
    BREAKPOINTS,
    IMPORT,
    MOVE,
    RELEASE,
    ROLLOUT,
    SNAPSHOTS,
    choices,
    constituent_choices,
    master_choices,
    requests_of,
    standalone_choices,
    with_refusals,
)
from mrconsole.core.acting.user_commands import Subject, UserCommand, environment, refusal, run_captured
from mrconsole.core.diagnosis.timeline import DEFAULT_SINCE_SECONDS
from mrconsole.core.errors import CloudError, PlanError
from mrconsole.core.live.changes import ActionTaken, MasterRecovered
from mrconsole.core.live.playback import PlaybackSession
from mrconsole.core.live.view import Session
from mrconsole.core.master.gather import parse_wanted
from mrconsole.core.rollout.run import RolloutRun
from mrconsole.core.text import parse_duration, printable
from mrconsole.errors import INTERNAL_MESSAGE, describe
from mrconsole.logs import log_path, logger
from mrconsole.models import Stack
from mrconsole.trace import trace
from mrconsole.tui import clock, commands
from mrconsole.tui.acting import act_on_stack, carry_out
from mrconsole.tui.collect import QuietCollector
from mrconsole.tui.compositor import one_arrangement
from mrconsole.tui.messages import (
    ActOn,
    Change,
    FollowMaster,
    OpenStack,
    Perform,
    ShowOutputs,
    ShowResources,
    Troubleshoot,
    perform,
    said_of,
)
from mrconsole.tui.palette import StackCommands
from mrconsole.tui.planning import planned
from mrconsole.tui.screens.actions import ActionMenu, JournalScreen, LaunchScreen
from mrconsole.tui.screens.detail import DetailScreen
from mrconsole.tui.screens.drift import DriftScreen
from mrconsole.tui.screens.events import EventsScreen
from mrconsole.tui.screens.master_ops import RehomeScreen, SnapshotsScreen
from mrconsole.tui.screens.masters import MastersScreen
from mrconsole.tui.screens.modals import (
    CommandOutputScreen,
    CommandScreen,
    HelpScreen,
    WhyScreen,
)
from mrconsole.tui.screens.oncall import OutputsScreen, ResourcesScreen
from mrconsole.tui.screens.operations import OperationsScreen
from mrconsole.tui.screens.overview import OverviewScreen
from mrconsole.tui.screens.requests import RequestsScreen
from mrconsole.tui.screens.rollout import BreakpointsScreen, RolloutScreen
from mrconsole.tui.style import ansi_following
from mrconsole.tui.widgets.footer import SteadyFooter
from mrconsole.tui.widgets.plain import AnyInput, Static


class MrConsoleApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "mrconsole"
    # Below 100 columns the master pane narrows and the region panes show fewer columns (region_pane.py).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    COMMANDS = App.COMMANDS | {StackCommands}  # ctrl+p: every stack, every action on it (tui/palette.py)
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("colon", "command", "Command", id="command"),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("e", "events", "Events", id="events"),
        Binding("j", "journal", "Journal", id="journal"),
        Binding("n", "launch", "Launch", id="launch"),
        Binding("D", "drift", "Drift", id="drift", show=False),
        Binding("T", "timeline", "Timeline", id="timeline", show=False),
        Binding("W", "rollout", "Rollout", id="rollout", show=False),
        Binding("B", "breakpoints", "Breakpoints", id="breakpoints", show=False),
        Binding("M", "move", "Move master", id="move", show=False),
        Binding("S", "snapshots", "Snapshots", id="snapshots", show=False),
        Binding("m", "masters", "Masters", id="masters", show=False),
        Binding("L", "requests", "Requests", id="requests", show=False),
        Binding("escape", "back", "Back", id="back", show=False),
        # A replay's clock (mrconsole replay FILE): shown and active only then.
        Binding("p", "play", "Play/pause", id="replay-play"),
        Binding("full_stop", "step", "Step", id="replay-step"),
        Binding("left_square_bracket", "seek(-60)", "-1 min", id="replay-back"),
        Binding("right_square_bracket", "seek(60)", "+1 min", id="replay-forward"),
        Binding("less_than_sign", "speed(0.5)", "Slower", id="replay-slower", show=False),
        Binding("greater_than_sign", "speed(2)", "Faster", id="replay-faster", show=False),
    ]
    PLAYBACK_KEYS = frozenset({"play", "step", "seek", "speed"})

    def _fatal_error(self) -> None:
        """An exception nothing expected ends the console (#33): its traceback, whose locals hold Heat's
        data and maybe a token, goes to mrconsole.log, never the terminal; the operator reads one line,
        and `mrconsole` exits 1 (cli/console_cmd.py returns the app's code)."""
        error = self._exception or sys.exc_info()[1]
        logger().error("the console stopped on an unexpected error", exc_info=error)
        self.bell()
        self._exit_renderables.append(Text(f"mrconsole: {INTERNAL_MESSAGE}: {describe(error) if error else '?'}"))
        self._close_messages_no_wait()

    def notify(self, message, *, title="", severity="information", timeout=None, markup=True) -> None:
        """Never markup, whatever a caller asks (#33): what a notification says carries Heat's text (a
        name, a reason), and Textual's markup would raise on `[/]` or swallow `[word]`."""
        super().notify(printable(message), title=printable(title), severity=severity, timeout=timeout, markup=False)

    def __init__(
        self,
        session_factory: Callable[[], Awaitable],
        *,
        read_only: bool = False,
        user_config: UserConfig | None = None,
        analysis=None,
        commands: tuple[UserCommand, ...] = (),
        theme: str = "",
    ):
        super().__init__()
        one_arrangement()  # tui/compositor.py: a layout arranges the screen once
        self._theme_name = theme or (user_config.theme if user_config is not None else "")
        self.commands = commands  # the config file's user commands (core/acting/user_commands.py)
        self.session_factory = session_factory
        self.session: Session | None = None
        self.read_only = read_only
        self.user_config = user_config or UserConfig()
        self.analysis = analysis
        self.changes: Signal = Signal(self, "core-changes")
        self.clock: Signal = Signal(self, "clock")
        self.rollouts: dict[str, RolloutRun] = {}  # master id -> the rollout this console drives
        self.collector = QuietCollector()  # full garbage collections when nobody types (tui/collect.py)

    # Screens being removed (closed), see refresh(); a class default: Textual's __init__ refreshes already.
    _screens_leaving = 0

    async def _replace_screen(self, screen):
        """A screen closed (or switched from) is removed from the app; see refresh()."""
        self._screens_leaving += 1
        try:
            return await super()._replace_screen(screen)
        finally:
            # Its removal refreshes the app again from a callback of its own, queued before this one.
            self.call_next(self._screen_left)

    def _screen_left(self) -> None:
        self._screens_leaving -= 1

    def refresh(self, *, repaint: bool = True, layout: bool = False, recompose: bool = False):
        """Textual lays out and repaints the whole screen shown when a screen closed is removed from the app
        (its removal refreshes the removed node's parent, here the app, with a layout), after it already
        repainted the screen shown as it came back: at 50 regions that is a second arrangement of ~220
        widgets and a second full repaint for each screen closed (profiled: 2 full repaints and a layout
        per esc). The screen removed was not on screen, so nothing of the one shown moved: that refresh
        is left out (tests/screens/test_overview_cost.py counts them). Every other refresh is Textual's."""
        if self._screens_leaving and layout and not recompose:
            return self
        return super().refresh(repaint=repaint, layout=layout, recompose=recompose)

    @property
    def aliases(self) -> dict[str, str]:
        """The operator's words for `:` commands (config `aliases:`, checked by tui/commands.check_aliases)."""
        return self.user_config.aliases

    def look(self, region: str | None = None) -> Look:
        """The cloud's label and colour from the config, or a region's (config.py): the header and the panes."""
        if self.session is None:
            return Look()
        return self.user_config.look(self.session.cloud_name, region)

    def connected(self) -> Session:
        """The session, once connected (every screen but the first exists only then)."""
        if self.session is None:
            raise RuntimeError("not connected yet")
        return self.session

    def compose(self) -> ComposeResult:
        yield Static(Text("mrconsole: connecting to the cloud…", style="bold"), id="connecting")
        yield SteadyFooter()

    def on_mount(self) -> None:
        trace("app-mounted")
        self._ansi_base = (self.ansi_theme_dark, self.ansi_theme_light)
        self.theme_changed_signal.subscribe(self, self._follow_theme)
        if self._theme_name:
            self.theme = self._theme_name  # checked before the app started (cli/console_cmd.py)
        self._follow_theme(self.current_theme)
        if self.user_config.keys:
            self.set_keymap(self.user_config.keys)
        for cmd in self.commands:
            if cmd.key:
                self.bind(cmd.key, f"user_command({cmd.name!r})", description=cmd.name, show=False)
        self.run_worker(self._connect(), exclusive=True, group="connect", exit_on_error=False)
        self.set_interval(1.0, self._tick)
        self.collector.start()

    def _follow_theme(self, theme) -> None:
        """Statuses and health in the theme's own error, success and warning (style.ansi_following)."""
        dark, light = self._ansi_base
        if theme.dark:
            self.ansi_theme_dark = ansi_following(theme, dark)
        else:
            self.ansi_theme_light = ansi_following(theme, light)

    def _tick(self) -> None:
        self.clock.publish(clock.now())
        self.collector.tick()

    async def on_event(self, event) -> None:
        if isinstance(event, events.Key):
            self.collector.key()  # a full collection waits until keys stop for a moment
        await super().on_event(event)

    def on_key(self, event: events.Key) -> None:
        """Type-ahead. Textual sends a key to the widget focused when the key is read: keys typed right after
        the one that opens a line to type in (`/` the filter, `:` the prompt, as fast as a hand types `/pa` or
        tmux sends `:why pa`) were queued at the widget focused before, bubbled up here and met the app's
        bindings with the line focused by then: `/pa` opened the filter and then acted on the selected stack
        (`a`); `:why pa` + enter submitted an empty prompt (the enter met the line's binding at once, the
        words were still queued). So a key that reaches the app while a line has focus goes to the line, in
        the order typed. One that came up from the line itself makes the same trip once more and is then the
        app's (`typed_ahead`), as it would have been: escape, tab, enter after the words."""
        line = self.screen.focused
        if getattr(event, "typed_ahead", False) or not isinstance(line, AnyInput):
            return
        # Handed over as Textual hands a read key to the focused widget (App.on_event marks it forwarded, so
        # when the line leaves it, it comes up here as a bubbled key, to the bindings), behind the line's
        # Focus and the keys before it in its queue: a line that selects its text on focus (the events
        # filter) has it typed over, as when the key comes later.
        again = events.Key(event.key, event.character)
        again.typed_ahead = True  # type: ignore[attr-defined]  # our mark on Textual's Key, read by getattr above
        line._forward_event(again)
        event.prevent_default()
        event.stop()

    async def _connect(self) -> None:

        try:
            session = await self.session_factory()
        except CloudError as exc:
            self.query_one("#connecting", Static).update(
                Text(f"cannot connect: {exc}\npress q to quit", style="bold red")
            )
            return
        except Exception as exc:  # noqa: BLE001 - a bug must not leave "connecting…" forever
            logger().exception("connecting failed")
            self.query_one("#connecting", Static).update(
                Text(
                    f"cannot connect: internal error ({type(exc).__name__}: {exc}); "
                    f"details in {log_path()}\npress q to quit",
                    style="bold red",
                )
            )
            return
        trace("session-ready")  # the cloud's config read, its region clients built (no request yet)
        if self.analysis is not None and session.master is not None:
            session.master.analysis = self.analysis
        self.session = session
        session.subscribe(self._on_core_change)
        session.start()
        if isinstance(session, PlaybackSession):
            self._start_playback(session)
        await self.push_screen(OverviewScreen(session.region_names))
        for notice in session.notices:
            self.notify(notice, severity="warning", timeout=20)

    async def on_unmount(self) -> None:
        self.collector.stop()
        clock.follow(None)  # a replay's "now" ends with its app (another app in this process reads the wall's)
        if self.session is not None:
            await self.session.stop()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A background task that failed is a notification, never an exit or a frozen screen."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        logger().error("worker %s failed", event.worker.name, exc_info=error)
        what = event.worker.group if event.worker.group != "default" else event.worker.name
        self.notify(
            f"{what} failed: {type(error).__name__}: {error} (details in {log_path()})", severity="error", timeout=10
        )

    # -- changes from the core ------------------------------------------------
    def _on_core_change(self, change) -> None:
        if isinstance(change, ActionTaken) and self._playback() is not None:
            # In a replay, what the console did then, at the moment it did it (live, acting.py says it).
            r = change.result
            said = r.message if r.ok else f"{'not sent' if not r.sent else 'failed'} ({r.message})"
            self.notify(
                f"then: {r.action} {r.stack_name} in {r.region}: {said}",
                severity="information" if r.ok else "warning",
                timeout=8,
            )
        if isinstance(change, MasterRecovered):
            self.notify(
                "The master's region is back. Press D (or :drift) for the recovery report: "
                "drift, orphans and how to reconcile.",
                timeout=15,
            )
        self.changes.publish(change)

    def _overview(self) -> OverviewScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, OverviewScreen):
                return screen
        return None

    # -- acting --------------------------------------------------------------
    # Key actions that change something: in read-only mode they are hidden from the footer and disabled,
    # on every screen (each screen's check_action asks here). The core refuses them anyway (Actions).
    MUTATING_KEYS = frozenset({"launch", "act"})

    def allows(self, action: str) -> bool:
        """The one read-only gate for keys and screens."""
        return not (self.read_only and action in self.MUTATING_KEYS)

    def check_action(self, action: str, parameters) -> bool | None:
        if action in self.PLAYBACK_KEYS:
            return isinstance(self.session, PlaybackSession)
        return self.allows(action)

    # -- a replay's clock (core/live/playback.py) ------------------------------------
    PLAY_TICK = 0.1  # seconds of wall time per playback step: the recording moves speed x this

    def _start_playback(self, session: PlaybackSession) -> None:
        clock.follow(lambda: session.position)
        self.set_interval(self.PLAY_TICK, lambda: self._play_tick(session))

    def _play_tick(self, session: PlaybackSession) -> None:
        """O(records in the tick) when playing; nothing when paused."""
        if session.playing:
            session.advance(session.position + self.PLAY_TICK * session.speed)
            self.clock.publish(clock.now())

    def _playback(self) -> PlaybackSession | None:
        return self.session if isinstance(self.session, PlaybackSession) else None

    def action_play(self) -> None:
        session = self._playback()
        if session is not None:
            if session.position >= session.recording.end:
                session.seek(session.recording.start)
            session.playing = not session.playing
            self.clock.publish(clock.now())

    def action_step(self) -> None:
        session = self._playback()
        if session is not None:
            session.playing = False
            if not session.step():
                self.notify("the end of the recording")
            self.clock.publish(clock.now())

    def action_seek(self, seconds: float) -> None:
        session = self._playback()
        if session is not None:
            session.seek(session.position + seconds)
            self.clock.publish(clock.now())

    def action_speed(self, factor: float) -> None:
        session = self._playback()
        if session is not None:
            session.speed = min(64.0, max(0.25, session.speed * factor))
            self.clock.publish(clock.now())

    def action_drift(self, master: str = "") -> None:
        name = master or (self.session.master.name if self.session and self.session.master else "")
        if not name:
            self.notify("no master: use :drift NAME", severity="warning")
            return

        self.push_screen(DriftScreen(name))

    def action_journal(self) -> None:
        if self.session is None:
            return

        self.push_screen(JournalScreen())

    def action_requests(self, region: str = "") -> None:
        if self.session is None:
            return
        region = region.strip()
        if region and region not in self.session.region_names:
            self.notify(
                f"no region {region} (this cloud has: {', '.join(self.session.region_names)})", severity="warning"
            )
            return
        self.push_screen(RequestsScreen(region))

    def action_launch(self, template: str = "") -> None:
        if self.session is None or self.read_only:
            return

        self.push_screen(LaunchScreen(template))

    def region_width(self) -> int:
        """The widest region name: the events' region column."""
        return max((len(r) for r in self.session.regions), default=6) if self.session else 11

    def act_on(self, region: str, stack_id: str, name: str, action: str = "") -> None:
        """Action menu (unless `action` is given) → the core's plan → confirmation → the action.

        The plan (core/acting/plan.py) is the same one `mrconsole stack` presents;
        this only asks. Everything after the menu runs in a worker.
        """
        if self.session is None or self.read_only:
            self.notify("read-only mode: actions are disabled", severity="warning")
            return

        stack = self.session.stack(region, stack_id) or Stack(region, stack_id, name, "")
        fits = choices(stack, self.session.region_down(region))
        if self._is_master(stack_id):
            # Beyond Heat's own actions: a master's change region by region, its breakpoints, snapshots, a move.
            m = self.session.master
            stale = m.owned_by if m is not None else ""
            fits = master_choices(stack, self.session.region_down(region), stale) + fits
        # What the user's role may not do here: greyed with Heat's answer. Asked once per region, after the
        # menu opens (it never waits on it); the plan and the sender check again before anything leaves.
        owner = self._owner_of(stack_id)
        extra = []
        if owner is not None:
            master, resource = owner
            extra = constituent_choices(
                master, self.session.region_down(master.region), self.session.region_down(region)
            )
        elif not self._is_master(stack_id) and not self.session.region_down(region):
            extra = standalone_choices(stack)
        # Delete stays the last entry (`end` then enter is a habit, and the destructive one is where it was).
        last = next((i for i, c in enumerate(fits) if c.action == "delete"), len(fits))
        fits = fits[:last] + extra + fits[last:]
        refused, unknown = self.session.refused(region, requests_of(fits))
        fits = with_refusals(fits, refused)

        def chosen(choice: str | None) -> None:
            if choice in (ROLLOUT, BREAKPOINTS, MOVE, SNAPSHOTS):
                self._open_master_screen(choice, stack)
                return
            if choice == ABANDON:
                self.run_worker(self._abandon(stack), group="act", exit_on_error=False)
                return
            if choice == RELEASE and owner is not None:
                self.run_worker(self._release(owner[0], owner[1]), group="act", exit_on_error=False)
                return
            if choice == IMPORT:
                line = f"import {stack.name}_master {region} {region}={stack.name}"
                self.push_screen(CommandScreen(self.read_only, self.aliases, value=line), self.run_command)
                return
            if choice:
                self.run_worker(self._plan_and_act(region, stack_id, name, choice), group="act", exit_on_error=False)

        if action:
            why_not = next((c.reason for c in fits if c.action == action), "")
            if why_not:
                self.notify(f"{action.replace('_', ' ')} {name}: {why_not}", severity="warning", timeout=8)
                return
            chosen(action)
            return

        menu = ActionMenu(f"{name} [{region}]", fits)
        self.push_screen(menu, chosen)
        if unknown and not self.session.region_down(region):
            self.run_worker(self._grey_refused(menu, region, fits), group="policy", exit_on_error=False)

    async def _grey_refused(self, menu, region: str, fits) -> None:
        if self.session is None:
            return
        refused = await self.session.ask_refused(region, requests_of(fits))
        if refused and menu.is_attached:
            menu.refuse(with_refusals(fits, refused))

    def _is_master(self, stack_id: str) -> bool:
        m = self.session.master if self.session else None
        return bool(m and m.topology and m.topology.master.id == stack_id and m.topology.constituents)

    def _owner_of(self, stack_id: str) -> tuple[Stack, str] | None:
        """(the open master, the resource) when `stack_id` is one of its constituents."""
        m = self.session.master if self.session else None
        if m is None or m.topology is None or not stack_id:
            return None
        c = next((c for c in m.topology.constituents if c.stack_id == stack_id), None)
        return (m.topology.master, c.resource) if c is not None else None

    async def _release(self, master: Stack, resource: str) -> None:
        """The constituent taken out of its master, its stack kept: the core's plan (`mrconsole release`),
        asked, sent; what blocks it said before anything is asked."""
        plan = await self._unblocked(
            f"release of {resource}", self.connected().plan_release(master.name, resource, self.read_only)
        )
        if plan is None:
            return
        change = Change(
            f"Release {resource} from {master.name}?",
            [*plan.lines(), *(str(f) for f in plan.findings)],
            f"release of {resource}",
            regions=[plan.master_region, plan.region],
            declined="not released: nothing was sent",
            report=lambda said: (said, True),
        )
        await perform(self, change, lambda acts, _typed: acts.release(plan, self.read_only))

    async def _unblocked(self, subject: str, planning):
        """The core's plan once `planning` is awaited, or None when it could not be made or something blocks
        it: said in one notification, before anything is asked or sent."""
        try:
            plan = await planned(self, subject, planning)
        except (PlanError, CloudError) as exc:
            self.notify(f"{subject}: {exc}", severity="error", timeout=10)
            return None
        if plan.blocking:
            said = "; ".join(str(f) for f in plan.blocking)
            self.notify(f"{subject}: {said}; nothing was sent", severity="error", timeout=12)
            return None
        return plan

    def action_import(self, words: str) -> None:
        """`:import MASTER REGION R=STACK[:RESOURCE]...`: the words of `mrconsole import`, planned by the core."""
        parts = words.split()
        if len(parts) < 3:
            self.notify(":import MASTER REGION REGION=STACK...: the master, its region, one stack or more",
                        severity="error", timeout=8)  # fmt: skip
            return
        try:
            wanted = [parse_wanted(w) for w in parts[2:]]
        except PlanError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        self.run_worker(self._import(parts[0], parts[1], wanted), group="act", exit_on_error=False)

    async def _import(self, name: str, region: str, wanted: list) -> None:
        """The core's plan (`mrconsole import`), what blocks it said before anything is asked, asked, sent; the
        new master followed. A hidden parameter's value is not asked here: the CLI asks it, without echo."""
        plan = await self._unblocked(
            f"import into {name}", self.connected().plan_import(name, region, wanted, self.read_only)
        )
        if plan is None:
            return
        change = Change(
            f"Make {name} the master of {len(plan.members)} existing stack(s)?",
            [*plan.lines(), *(str(f) for f in plan.findings)],
            f"import into {name}",
            regions=[plan.region, *sorted({m.stack.region for m in plan.members})],
            declined="not imported: nothing was sent",
            report=lambda said: (said[1], True),
        )
        await perform(self, change, lambda acts, _typed: acts.import_stacks(plan, self.read_only))

    def _current_master(self, name: str = "") -> Stack | None:
        if name:
            return self._named_stack(name)
        m = self.session.master if self.session else None
        if m is None or m.topology is None:
            self.notify("no master open: give its name (:rollout NAME) or open one with :stack", severity="warning")
            return None
        return m.topology.master

    def _open_master_screen(self, which: str, stack: Stack) -> None:
        if which == MOVE:
            self.push_screen(RehomeScreen(stack.name, stack.region))
        elif which == SNAPSHOTS:
            self.push_screen(SnapshotsScreen(stack))
        else:
            self.push_screen(RolloutScreen(stack) if which == ROLLOUT else BreakpointsScreen(stack))

    async def _abandon(self, stack: Stack) -> None:
        """A stale master: drop it from Heat and leave its constituents to the master that owns them."""
        session = self.connected()
        owner = session.master.owned_by if session.master else ""
        what = [
            f"Heat removes {stack.name} from {stack.region} without deleting anything it created: its "
            "constituents stay as they are, owned by the newer master.",
            owner,
        ]
        change = Change(
            f"Abandon {stack.name} in {stack.region}?",
            what,
            f"abandon of {stack.name}",
            regions=[stack.region],
            declined="abandon cancelled: nothing was sent",
            report=lambda r: said_of(r, f"{stack.name} in {stack.region}: abandoned, its constituents untouched"),
        )
        await perform(self, change, lambda acts, _typed: acts.abandon(stack, self.read_only))

    def action_move(self, name: str = "") -> None:
        if name:
            self.push_screen(RehomeScreen(name, None))
            return
        m = self.session.master if self.session else None
        if m is None:
            self.notify("no master open: give its name (:move NAME)", severity="warning")
            return
        self.push_screen(RehomeScreen(m.name, m.region))

    def action_snapshots(self, name: str = "") -> None:
        stack = self._current_master(name)
        if stack is not None:
            self._open_master_screen(SNAPSHOTS, stack)

    def action_masters(self) -> None:
        """The masters found (no request); enter follows one."""
        if self.session is None:
            return
        self.push_screen(MastersScreen(), self.follow_found)

    def follow_found(self, found) -> None:
        if found is not None:
            self._follow(found.name, found.region)

    def _follow(self, name: str, region: str) -> None:
        if self.session is not None:
            self.session.follow_master(name, region)
            self.notify(f"following master {name} ({region})")

    def action_rollout(self, name: str = "") -> None:
        stack = self._current_master(name)
        if stack is not None:
            self._open_master_screen(ROLLOUT, stack)

    def action_breakpoints(self, name: str = "") -> None:
        stack = self._current_master(name)
        if stack is not None:
            self._open_master_screen(BREAKPOINTS, stack)

    async def _plan_and_act(self, region: str, stack_id: str, name: str, action: str) -> None:
        await act_on_stack(self, region, stack_id, name, action)

    # -- what screens ask for (tui/messages.py) -------------------------------
    @on(Perform)
    def _on_perform(self, message: Perform) -> None:
        """Every change a screen asks for: asked, sent and reported by tui/acting.py."""
        message.stop()
        self.run_worker(carry_out(self, message), group="act", exit_on_error=False)

    @on(ActOn)
    def _on_act_on(self, message: ActOn) -> None:
        self.act_on(message.region, message.stack_id, message.name, message.action)

    @on(OpenStack)
    def _on_open_stack(self, message: OpenStack) -> None:
        self.open_stack(message.region, message.stack_id, message.name)

    @on(Troubleshoot)
    def _on_troubleshoot(self, message: Troubleshoot) -> None:
        self.troubleshoot(message.region, message.stack_id, message.name)

    @on(FollowMaster)
    def _on_follow_master(self, message: FollowMaster) -> None:
        self._follow(message.name, message.region)

    @on(ShowOutputs)
    def _on_show_outputs(self, message: ShowOutputs) -> None:
        self.push_screen(OutputsScreen(self._stack_of(message)))

    @on(ShowResources)
    def _on_show_resources(self, message: ShowResources) -> None:
        self.push_screen(ResourcesScreen(self._stack_of(message)))

    def _stack_of(self, message) -> Stack:
        found = self.session.stack(message.region, message.stack_id) if self.session else None
        return found or Stack(message.region, message.stack_id, message.name, "")

    def action_outputs(self, arg: str = "") -> None:
        stack = self._current_master(arg)
        if stack is not None:
            self.push_screen(OutputsScreen(stack))

    def action_resources(self, arg: str = "") -> None:
        stack = self._current_master(arg)
        if stack is not None:
            self.push_screen(ResourcesScreen(stack))

    def action_operations(self, arg: str = "") -> None:
        stack = self._current_master(arg)
        if stack is not None:
            self.push_screen(OperationsScreen(stack))

    # -- user commands (the config file's; k9s's plugins) -----------------------
    def action_user_command(self, name: str) -> None:
        cmd = next((c for c in self.commands if c.name == name), None)
        if cmd is None or self.session is None:
            return
        subject = self._subject()
        if subject is None:
            self.notify(f"{cmd.name}: select a stack first", severity="warning")
            return
        refused = refusal(cmd, subject, self.read_only)
        if refused:
            self.notify(refused, severity="warning", timeout=8)
            return
        self.run_worker(self._run_user_command(cmd, subject), group="user-command", exit_on_error=False)

    def _subject(self) -> Subject | None:
        """What is under the cursor: a resource (the resources screen), else a stack (or its region)."""
        session = self.connected()
        screen = self.screen
        resource = screen.selected_resource() if isinstance(screen, ResourcesScreen) else None
        if resource is not None:
            return Subject(
                session.cloud_name,
                resource.region,
                resource.stack_name,
                resource.stack_id,
                resource.name,
                resource.physical_id,
            )
        stack = getattr(screen, "stack", None)
        if isinstance(stack, Stack):
            return Subject(session.cloud_name, stack.region, stack.name, stack.id)
        target = screen.selected() if isinstance(screen, OverviewScreen) else None
        if target is None:
            return None
        region, stack_id, name = target
        return Subject(session.cloud_name, region, name, stack_id)

    async def _run_user_command(self, cmd: UserCommand, subject: Subject) -> None:
        where = subject.resource or subject.stack or subject.region

        async def run(_acts: object = None, _typed: str = "") -> None:
            if cmd.output == "terminal":
                with self.suspend():
                    # The terminal is the command's until it ends; values reach it as environment variables.
                    subprocess.run(cmd.command, shell=True, env=environment(cmd, subject), check=False)
                return
            code, out = await run_captured(cmd, subject)
            await self.push_screen(CommandOutputScreen(f"{cmd.name} on {where} ({subject.region})", code, out))

        if cmd.dangerous:  # asked as every change is (tui/acting.py)
            await perform(self, Change(f"Run {cmd.name} on {where} (marked dangerous)?", [cmd.command], cmd.name), run)
        else:
            await run()

    # -- navigation ----------------------------------------------------------
    def open_stack(self, region: str, stack_id: str, name: str) -> None:
        self.push_screen(DetailScreen(region, stack_id, name))

    def troubleshoot(self, region: str, stack_id: str, name: str) -> None:
        self.push_screen(WhyScreen(region, stack_id, name))

    async def action_back(self) -> None:
        overview = self._overview()
        if self.screen is overview:
            overview.clear_filter()
            return
        if len(self.screen_stack) > 1 and self.screen is not overview:
            self.pop_screen()

    def action_refresh(self) -> None:
        if self.session is not None:
            self.session.refresh_now()
            self.notify("refreshing every region", timeout=2)

    def action_timeline(self, since: str = "") -> None:
        """Save the incident timeline of the followed master (events, outages, actions) for a handover."""
        if self.session is None:
            return
        seconds = DEFAULT_SINCE_SECONDS
        if since:
            try:
                seconds = parse_duration(since)
            except ValueError as exc:
                self.notify(str(exc), severity="error")
                return
        self.notify("writing the incident timeline…", timeout=3)
        self.run_worker(self._export_timeline(seconds), group="timeline", exclusive=True, exit_on_error=False)

    async def _export_timeline(self, seconds: float) -> None:
        try:
            path, count = await self.connected().export_timeline(seconds)
        except Exception as exc:  # noqa: BLE001 - any failure is one line for the operator
            self.notify(f"timeline not written: {describe(exc)}", severity="error", timeout=10)
            return
        self.notify(f"timeline: {count} entries written to {path}", timeout=15)

    def action_events(self, initial_filter: str = "") -> None:
        if self.session is None:
            return
        if isinstance(self.screen, EventsScreen):
            return
        self.push_screen(EventsScreen(initial_filter))

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.binding_rows(), self.aliases))

    def binding_rows(self) -> list[tuple[str, str, str]]:
        rows, seen = [], set()
        keymap = self.user_config.keys
        for owner in (self.screen, self):
            for b in getattr(owner, "BINDINGS", []):
                if not isinstance(b, Binding) or not b.id or b.id in seen:
                    continue
                if b.action.split("(")[0] in self.PLAYBACK_KEYS and self._playback() is None:
                    continue  # a replay's clock: listed only in a replay
                seen.add(b.id)
                key = keymap.get(b.id) or self.get_key_display(b)
                rows.append((key, b.description or b.action, b.id))
        for cmd in self.commands:  # the config's user commands with a key of their own
            if cmd.key:
                rows.append((cmd.key, f"{cmd.name} (your command)", f"commands.{cmd.name}"))
        rows.append(("ctrl+p", "Command palette: every command, stack and action", "command-palette"))
        return rows

    def action_command(self) -> None:
        self.push_screen(CommandScreen(self.read_only, self.aliases), self.run_command)

    def run_command(self, text: str | None) -> None:
        """One `:` command, parsed and dispatched through the registry (tui/commands.py)."""
        if not text:
            return
        cmd, arg, error = commands.parse(commands.expand(text, self.aliases))
        if error:
            self.notify(error, severity="error")
            return
        if cmd is None:
            return
        if cmd.mutating and self.read_only:
            self.notify(f"read-only mode: {cmd.usage} is disabled", severity="warning")
            return
        cmd.run(self, arg)

    # -- what some `:` commands run (their handlers are in tui/commands.py) -----
    def _to_overview(self) -> OverviewScreen | None:
        overview = self._overview()
        if overview is not None:
            while self.screen is not overview and len(self.screen_stack) > 1:
                self.pop_screen()
        return overview

    def action_stacks(self, arg: str = "") -> None:
        overview = self._to_overview()
        if overview is not None:
            overview.action_focus_stacks()

    def action_tree(self, arg: str = "") -> None:
        overview = self._to_overview()
        if overview is not None:
            overview.action_focus_tree()

    def action_region(self, arg: str = "") -> None:
        overview = self._to_overview()
        if overview is None or not overview.focus_region(arg):
            self.notify(f"no region {arg!r}", severity="error")

    def _named_stack(self, arg: str):
        stack = self.session.find(arg) if self.session else None
        if stack is None:
            self.notify(f"no stack {arg!r} in the regions' lists", severity="error")
        return stack

    def action_stack(self, arg: str = "") -> None:
        stack = self._named_stack(arg)
        if stack is not None:
            self.open_stack(stack.region, stack.id, stack.name)

    def action_why(self, arg: str = "") -> None:
        stack = self._named_stack(arg)
        if stack is not None:
            self.troubleshoot(stack.region, stack.id, stack.name)

    def get_system_commands(self, screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for cmd in commands.COMMANDS:
            if cmd.needs_arg or (cmd.mutating and self.read_only) or cmd.name == "quit":
                continue
            yield SystemCommand(cmd.name.capitalize(), cmd.description, lambda c=cmd: self.run_command(c.name))
        # Regions, stacks, actions and aliases: tui/palette.py (their names are data, never markup).
