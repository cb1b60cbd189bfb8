"""One pane per region: its stacks, which master owns them, and staleness.

The table is filled once, then changed row by row from the core's
`StackChanges`: a changed stack updates its own cells, a new one adds a row,
a deleted one removes its row. Nothing is re-rendered on a timer. Rows are
ordered problems first (failed, then in progress, then suspended), then by
name; `N` in the overview orders them by name only. In the pane being read
(focused), the cursor stays on the same stack across every update, sort and
filter; in the others it goes back to the top, so the problems stay in view. The pane's subtitle counts
what needs attention, kept per change: O(changed stacks), not O(stacks);
the rows are re-sorted (O(rows log rows)) only when a stack was added or
changed kind (a stack failing moves to the top), or once a minute when a
stack shown as recently changed has stopped being recent (an O(1) check).

The overview shares the column's height between the panes
(tui/widgets/region_layout.py): a pane says its shape (rows shown, note,
whether it needs attention) when that changes, and is given a height, and
in a small terminal a compact form: no border, its name, health and summary
on one line (`.region-head`), then its first rows without a header.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets.data_table import CellDoesNotExist

from mrconsole.config import Look
from mrconsole.core.live.fleet import Health
from mrconsole.core.master.masters import looks_like_constituent
from mrconsole.core.text import short_when
from mrconsole.models import Stack
from mrconsole.tui import clock
from mrconsole.tui.style import HEALTH_ICON, HEALTH_STYLE, ago, ink, status_short, status_text
from mrconsole.tui.widgets.plain import DataTable, Static, plain
from mrconsole.tui.widgets.region_layout import PaneShape

LABELS = {"name": "Stack", "status": "Status", "updated": "Updated", "master": "Master"}
# What a narrow pane gives up, in order: the Master column, then Updated, then the status's full
# spelling (status_short). The name and the status are never cut.
LAYOUTS = (
    ("name", "status", "updated", "master"),
    ("name", "status", "updated"),
    ("name", "status"),
    ("name", "short"),
)
# Updated: as wide as short_when's widest form, another day's MM-DD HH:MM (11; today's HH:MM:SS is 8, and a
# column of 8 drew another day's `11-26 08:05` as `11-26 08`).
UPDATED_W = len(short_when(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)))
SHORT_W, PAD = 10, 2
# Heat's name for a constituent: <master>-<resource>-<12 chars>.
# Past this many rows to take out, one clear and refill is cheaper than
# removing rows one by one (DataTable's row removal is O(rows)).
BULK_REMOVE = 20


class PaneTable(DataTable):
    """A region's table, which lets a screen layout that hands it the sizes it already has pass by.

    Textual 8.2.8's ScrollView._size_updated compares the virtual size a layout hands it (its region's)
    with its own (the columns' width), which differ whenever the columns do not fill the pane exactly:
    so every layout of the screen (a focus move, the footer's keys, a screen closed) refreshed every
    pane's scrollbars, and those few cells, one per pane down the right edge, widen the repaint's crop
    (a bounding box) to the whole column of panes. Skipped when nothing it reads differs from the last
    call: the same call would redraw the same scrollbars. Cost: O(1) per layout instead of a scrollbar
    repaint per pane. tests/screens/test_overview_cost.py pins it (Textual is pinned: pyproject.toml).
    """

    _sizes_seen: tuple | None = None

    def _sizes(self, size, virtual_size, container_size) -> tuple:
        styles = self.styles
        own = (self.virtual_size, styles.scrollbar_size_vertical, styles.scrollbar_size_horizontal, styles.gutter)
        return (size, virtual_size, container_size, *own)

    def _size_updated(self, size, virtual_size, container_size, layout: bool = True) -> bool:
        seen = self._sizes(size, virtual_size, container_size)
        if seen == self._sizes_seen and self._size == size:
            return self._container_size != container_size  # what the call would say, sizes unchanged
        resized = super()._size_updated(size, virtual_size, container_size, layout)
        self._sizes_seen = seen
        return resized


FAILED, BUSY, SUSPENDED, OK = "failed", "busy", "suspended", "ok"
RANK = {FAILED: 0, BUSY: 1, SUSPENDED: 2, OK: 3}
RECENT_RANK, REST_RANK = 3, 4  # among the stacks with nothing wrong: recently changed ones first
RECENT = 15 * 60.0  # seconds: a stack changed this recently comes before the rest


def new_widths() -> dict[str, int]:
    """The narrowest a column starts: its label's width."""
    return {"name": 5, "status": 6, "master": 6}


def kind_of(s: Stack) -> str:
    """What a stack needs from the operator, as the pane orders and counts it."""
    status = s.status or ""
    if status.endswith("_FAILED"):
        return FAILED
    if status.endswith("_IN_PROGRESS"):
        return BUSY
    if status.startswith("SUSPEND"):
        return SUSPENDED
    return OK


class RegionColumn(VerticalScroll):
    """The column of region panes; says when its size changes, so the overview shares it again."""

    class Resized(Message):
        pass

    def on_resize(self, event) -> None:
        self.post_message(self.Resized())


def pane_id(region: str) -> str:
    """A region's pane's widget id. Textual takes letters, digits, _ and - only; a region's name may hold any
    other (a Keystone region id may, and a cloud opened beside the first names its regions CLOUD/REGION), so
    each other character is written as its code, which keeps two names apart."""
    return "region-" + re.sub(r"[^A-Za-z0-9-]", lambda m: f"_{ord(m.group()):x}_", region)


class RegionPane(Vertical):
    """Last known data stays visible when the region is down, dimmed, with its age."""

    class ShapeChanged(Message):
        """Rows shown, the note or whether the region needs attention changed: share the height again."""

    def __init__(self, region: str, widths: dict[str, int] | None = None, **kwargs):
        """`widths`: the widest cell per column, shared by the panes of one screen, so that every pane chooses
        the same columns at the same widths (a status column that starts at one place in every region)."""
        super().__init__(id=pane_id(region), classes="region-pane", **kwargs)
        self.region_name = region
        self._title = region  # as shown; the border reads markup, so it gets plain Text
        self.border_title = plain(region)
        self.name_filter = ""
        self._owner_of = lambda region, stack: None
        self._shown: dict[str, Stack] = {}  # row key (stack id) -> the stack as shown
        self._total = 0
        self._unowned: set[str] = set()  # rows named like a constituent, master not seen yet
        self._columns: tuple[str, ...] = LAYOUTS[0]
        self._shown_widths: tuple[int, ...] = ()
        # The widest cell seen per column (never shrinks: a width is not worth a scan of every row).
        self._widest = widths if widths is not None else new_widths()
        self.by_name = False  # True: rows by name only; False: problems first
        self._kinds: dict[str, str] = {}  # every stack of the region (not only those shown) -> kind_of
        self._counts: dict[str, int] = {FAILED: 0, BUSY: 0, SUSPENDED: 0, OK: 0}
        self._recent_until = float("inf")  # when the first stack sorted as recent stops being recent
        self._shape: PaneShape | None = None
        self._note_len = 0  # characters of the region's note (down, slow); 0: none shown
        self.compact = False
        self._height: int | None = None
        self._head_text = Text(region)
        self._subtitle: str | None = None  # the border's summary as last set
        self._look = Look()

    def compose(self) -> ComposeResult:
        yield Static(self._head_text, classes="region-head")
        yield Static("", classes="region-note")
        table: DataTable = PaneTable(cursor_type="row", zebra_stripes=True)
        for key in self._columns:
            table.add_column(LABELS[key], key=key)
        yield table

    # -- columns that fit ------------------------------------------------------
    def _layout_for(self, width: int) -> tuple[str, ...]:
        w = self._widest
        need = {"name": w["name"], "status": w["status"], "updated": UPDATED_W, "master": w["master"], "short": SHORT_W}
        for layout in LAYOUTS:
            if sum(need[k] + PAD for k in layout) <= width:
                return layout
        return LAYOUTS[-1]

    def _widths(self, layout: tuple[str, ...], width: int = 0) -> tuple[int, ...]:
        w = self._widest
        name = w["name"]
        if layout == LAYOUTS[-1] and width and name + SHORT_W + 2 * PAD > width:
            # Not even the name and the short status fit (a constituent's long name in a narrow pane):
            # the name gives way (cut with …), never the status.
            name = max(8, width - SHORT_W - 2 * PAD)
        sizes = {
            "name": name,
            "status": w["status"],
            "short": SHORT_W,
            "updated": UPDATED_W,
            "master": w["master"],
        }
        return tuple(sizes[k] for k in layout)

    def _fit(self) -> None:
        """Choose the columns for the pane's width, each as wide as its widest cell (set, not measured
        by DataTable when idle, so that what is drawn never depends on timing); rebuild the table only
        when that choice changes. Cost: O(1) when it does not; one refill (O(rows shown)) when it does,
        i.e. on a resize, or a first name or status longer than any before (widths only grow)."""
        width = self.size.width - 3  # borders, and a cell for the vertical scrollbar
        if width <= 0:
            return
        layout = self._layout_for(width)
        widths = self._widths(layout, width)
        if (layout, widths) != (self._columns, self._shown_widths):
            self._columns, self._shown_widths = layout, widths
            table = self.table
            keep = self.selected_stack_id()
            table.clear(columns=True)
            for key, w in zip(layout, widths, strict=True):
                table.add_column(LABELS["status" if key == "short" else key], key=key, width=w)
            for s in self._shown.values():
                table.add_row(*self._cells(s), key=s.id)
            self._order(keep)

    def fit(self) -> None:
        """The columns again, after another pane sharing the widths widened one. O(1) when nothing changed."""
        self._fit()

    def on_resize(self, event) -> None:
        self._fit()
        self._count()  # the summary's long or short form, for the new width

    def on_mount(self) -> None:
        self.query_one(".region-note", Static).display = False

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    # -- rows ----------------------------------------------------------------
    def _matches(self, s: Stack) -> bool:
        return not self.name_filter or self.name_filter.lower() in s.name.lower()

    def _cells(self, s: Stack) -> tuple:
        owner = self._owner_of(self.region_name, s) or ""
        if not owner and looks_like_constituent(s.name):
            self._unowned.add(s.id)
        w = self._widest
        w["name"], w["status"], w["master"] = (
            max(w["name"], len(s.name)),
            max(w["status"], len(s.status)),
            max(w["master"], len(owner)),
        )
        values = {
            "name": s.name,
            "status": status_text(s.status),
            "short": status_short(s.status),
            "updated": short_when(s.changed_time, clock.moment()),
            "master": owner,
        }
        return tuple(values[k] for k in self._columns)

    def load(self, view, owner_of) -> None:
        """Fill the table from scratch (on mount, or after a filter drops many rows)."""
        self._owner_of = owner_of
        self._total = len(view.by_id)
        self._kinds = {sid: kind_of(st) for sid, st in view.by_id.items()}
        self._counts = {k: 0 for k in RANK}
        for k in self._kinds.values():
            self._counts[k] += 1
        stacks = view.stacks
        table = self.table
        keep = self.selected_stack_id()
        table.clear()
        self._shown = {}
        for s in stacks:
            if self._matches(s):
                table.add_row(*self._cells(s), key=s.id)
                self._shown[s.id] = s
        self._order(keep)
        self._count()
        self._fit()

    def apply(self, changes, view, owner_of) -> None:
        """Apply one region's StackChanges: touch only the rows they name."""
        self._owner_of = owner_of
        self._total = len(view.by_id)
        table = self.table
        keep = self.selected_stack_id()
        for s in changes.removed:
            self._recount(s.id, None)
            if s.id in self._shown:
                table.remove_row(s.id)
                del self._shown[s.id]
        added = False
        for s in changes.added + changes.changed:
            moved = self._recount(s.id, kind_of(s))
            if s.id in self._shown:
                self._update_row(s)
                added = added or (moved and not self.by_name)
            elif self._matches(s):
                table.add_row(*self._cells(s), key=s.id)
                self._shown[s.id] = s
                added = True
        if added:
            self._order(keep)
        elif changes.removed and keep in self._shown:
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        self._count()
        self._fit()

    def _update_row(self, s: Stack) -> None:
        before = self._shown[s.id]
        self._shown[s.id] = s
        table = self.table
        if before.status != s.status:
            self._widest["status"] = max(self._widest["status"], len(s.status))
            if "status" in self._columns:
                table.update_cell(s.id, "status", status_text(s.status))
            else:
                table.update_cell(s.id, "short", status_short(s.status))
        if before.changed_time != s.changed_time and "updated" in self._columns:
            table.update_cell(s.id, "updated", short_when(s.changed_time, clock.moment()))

    def refresh_owners(self, stack_ids=None) -> None:
        """Re-read the Master cell of these rows (default: rows named like a
        constituent whose master was not seen yet, e.g. its region loaded later)."""
        for sid in list(self._unowned if stack_ids is None else stack_ids):
            s = self._shown.get(sid)
            if s is None:
                self._unowned.discard(sid)
                continue
            owner = self._owner_of(self.region_name, s) or ""
            if owner:
                self._unowned.discard(sid)
            self._widest["master"] = max(self._widest["master"], len(owner))
            if "master" in self._columns and str(self.table.get_cell(sid, "master")) != owner:
                self.table.update_cell(sid, "master", owner)  # a master re-read mostly changes nothing
        self._fit()

    def set_filter(self, text: str, view) -> None:
        """Show only names containing text; the table and its cursor stay."""
        self.name_filter = text
        wanted = {s.id: s for s in view.stacks if self._matches(s)}
        drop = [sid for sid in self._shown if sid not in wanted]
        if len(drop) > BULK_REMOVE:
            self.load(view, self._owner_of)
            return
        table = self.table
        keep = self.selected_stack_id()
        for sid in drop:
            table.remove_row(sid)
            del self._shown[sid]
        missing = [s for sid, s in wanted.items() if sid not in self._shown]
        for s in missing:
            table.add_row(*self._cells(s), key=s.id)
            self._shown[s.id] = s
        if missing:
            self._order(keep)
        self._count()

    def _recount(self, stack_id: str, kind: str | None) -> bool:
        """Keep the counts as one stack changes kind (None: gone); True when its kind changed."""
        before = self._kinds.pop(stack_id, None)
        if before is not None:
            self._counts[before] -= 1
        if kind is not None:
            self._kinds[stack_id] = kind
            self._counts[kind] += 1
        return before != kind

    def set_order(self, by_name: bool) -> None:
        self.by_name = by_name
        self._order(self.selected_stack_id())

    def _order(self, keep: str | None) -> None:
        table = self.table
        if self.by_name:
            table.sort("name", key=lambda name: str(name))
        else:
            now = clock.now()
            self._recent_until = float("inf")
            rank: dict[str, int] = {}
            for sid, st in self._shown.items():
                kind = self._kinds.get(sid, OK)
                if kind != OK:
                    rank[st.name] = RANK[kind]
                    continue
                changed = st.changed_time.timestamp() if st.changed_time else 0.0
                if now - changed < RECENT:
                    rank[st.name] = RECENT_RANK
                    self._recent_until = min(self._recent_until, changed + RECENT)
                else:
                    rank[st.name] = REST_RANK
            table.sort("name", key=lambda name: (rank.get(str(name), REST_RANK), str(name)))
        if self.by_name or self.being_read():
            if keep in self._shown:
                table.move_cursor(row=table.get_row_index(keep), animate=False)
        elif table.row_count:
            # Nobody is reading this pane's rows: the cursor goes to its top, the first problem, so that
            # the problems stay in view (DataTable scrolls to its cursor once new rows are measured).
            table.move_cursor(row=0, animate=False)

    def tick(self, now: float) -> None:
        """Once a minute from the overview: a stack shown as recently changed stopped being recent."""
        if not self.by_name and now >= self._recent_until:
            self._order(self.selected_stack_id())

    def summary(self, short: bool = False) -> str:
        """What needs attention in the region, for its subtitle: '100 stacks · 2 failed · 1 busy'
        (short, for a narrow pane: '100 · 2 failed · 1 busy · 1 susp.')."""
        total = self._total
        noun = "" if short else (" stack" if total == 1 else " stacks")
        head = f"{len(self._shown)} of {total}{noun}" if self.name_filter else f"{total}{noun}"
        words = {FAILED: "failed", BUSY: "busy", SUSPENDED: "susp." if short else "suspended"}
        parts = [f"{self._counts[k]} {words[k]}" for k in (FAILED, BUSY, SUSPENDED) if self._counts[k]]
        return " · ".join([head, *parts]) + (" · by name" if self.by_name else "")

    def _fitting_summary(self, room: int) -> str:
        full = self.summary()
        return full if room <= 0 or len(full) <= room else self.summary(short=True)

    def _count(self) -> None:
        subtitle = self._fitting_summary(self.size.width - 6)  # the corners, the padding
        if subtitle != self._subtitle:  # Textual repaints the pane on every set, even to the same text
            self._subtitle = subtitle
            self.border_subtitle = plain(subtitle)
        self.set_class(self._counts[FAILED] > 0, "has-failed")
        self._show_head()
        self._say_shape()

    def _show_head(self) -> None:
        """The compact form's one line: what the border says, title and summary."""
        title = self._title
        colour = self._look.colour
        text = Text(style="bold")  # the look on the title only: a summary in red stays readable beside it
        text.append(title, style=f"{ink(colour)} on {colour}" if colour else "")
        text.append("  ")
        summary = self._fitting_summary(self.size.width - len(title) - 2)
        text.append(summary, style="red" if self._counts[FAILED] else "")
        if text != self._head_text:
            self._head_text = text
            if self.is_mounted:
                self.query_one(".region-head", Static).update(text)

    # -- the height the overview gives it ----------------------------------------
    def being_read(self) -> bool:
        """Focused, or the last focused on its screen (a dialog opened over it keeps its cursor)."""
        table = self.table
        return table.has_focus or (self.is_attached and self.screen.focused is table)

    def shape(self) -> PaneShape:
        note = 0
        if self._note_len:
            width = max(1, self.size.width - (0 if self.compact else 2))
            note = min(2, -(-self._note_len // width))
        needy = (
            any(self._counts[k] for k in (FAILED, BUSY, SUSPENDED))
            or self.has_class("down")
            or note > 0
            or (self.is_mounted and self.being_read())
        )
        return PaneShape(rows=len(self._shown), note=note, needy=needy)

    def _say_shape(self) -> None:
        if not self.is_mounted:
            return
        shape = self.shape()
        if shape != self._shape:
            self._shape = shape
            self.post_message(self.ShapeChanged())

    def set_height(self, compact: bool, height: int | None) -> None:
        """As the overview shares the column: a height (None: as tall as its rows), and the compact form
        (no border or table header: the name and summary on the pane's first line)."""
        if compact != self.compact:
            self.compact = compact
            self.set_class(compact, "-compact")
            self.table.show_header = not compact
        if height != self._height:  # the same height again is no new layout
            self._height = height
            self.styles.height = "auto" if height is None else height

    # -- region state --------------------------------------------------------
    def set_look(self, look: Look) -> None:
        """The region's label and colour from the config (prod-eu in red): its title wears them, in the
        border and in the compact line; the frame keeps saying the state (failed, down, protected)."""
        self._look = look
        if look.colour:
            self.styles.border_title_background = look.colour
            self.styles.border_title_color = ink(look.colour)

    def set_state(self, view, health, protected: bool = False, read_only: bool = False) -> None:
        """Title, health and the stale note: called when they change, and by the clock when stale."""
        self._total = len(view.by_id)
        state = health.state if health else "unknown"
        label = f" · {self._look.label}" if self._look.label else ""
        marks = (" · PROTECTED" if protected else "") + (" · READ-ONLY" if read_only else "")
        self._title = f"{HEALTH_ICON.get(state, '?')} {self.region_name}{label}{marks}"
        self.border_title = plain(self._title)
        self._count()
        self.set_class(state == Health.DOWN or view.stale, "down")
        self.set_class(protected, "protected")
        note = self.query_one(".region-note", Static)
        self._show_note(note, view, state, health)
        self._say_shape()

    def _show_note(self, note: Static, view, state, health) -> None:
        text = ""
        if view.stale:
            text = (
                f"{self._why(view.error)} — showing data from {ago(view.fetched_at)} ago"
                if view.fetched_at
                else f"{self._why(view.error)} — no data yet"
            )
            style = HEALTH_STYLE["down"]
        elif state == Health.DEGRADED and health is not None:
            text = (
                f"slow: {health.latency_ms / 1000:.1f} s per request"
                if health.slow
                else f"some requests fail: {health.last_error or 'intermittently'}"
            )
            style = HEALTH_STYLE["degraded"]
        self._note_len = len(text)
        if text:
            note.update(Text(text, style=style))
        note.display = bool(text)

    def _why(self, error: str) -> str:
        """A region that does not answer is unreachable; one that answers badly says how; a fault of
        our own says so itself."""
        if error.startswith("internal error"):
            return error
        if error.startswith("authentication failed"):
            return "not authenticated (Keystone refuses the credentials; the region itself answers)"
        if error.startswith(("answered", "response cut short", "connection closed")):
            return f"{self.region_name} {error}"
        return f"unreachable: {error}"

    def selected_stack_id(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except CellDoesNotExist:  # the cursor on a row just removed: no selection
            return None
