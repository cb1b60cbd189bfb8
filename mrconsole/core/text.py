"""Plain-text renderings shared by the command line and the console: times, ages, event lines."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from mrconsole.models import Event

# Text from Heat is data (#33): anyone in a project writes stack names, reasons and outputs, and a VM
# writes a wait condition's reason. A terminal obeys the control characters in them (ESC starts an
# escape sequence: a title, a cleared screen, a hyperlink) and bidirectional overrides reorder what
# follows. Each is drawn as one visible character instead: C0 as its control picture (ESC -> ␛, NUL
# -> ␀, CR -> ␍), DEL -> ␡, C1 and the bidi controls -> U+FFFD. One character for one, so styled
# spans over the text stay where they were. Newline and tab stay (a reason may have several lines).
_VISIBLE = {c: 0x2400 + c for c in range(0x20) if c not in (0x09, 0x0A)}
_VISIBLE[0x7F] = 0x2421
_VISIBLE.update({c: 0xFFFD for c in range(0x80, 0xA0)})
_VISIBLE.update({c: 0xFFFD for c in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def printable(text: str) -> str:
    """Heat's text with every control character drawn visibly (see _VISIBLE); O(len)."""
    return text.translate(_VISIBLE)


def printable_line(text: str) -> str:
    """As printable, and on one line: a newline drawn as ⏎ (for one line of a table or a log)."""
    return text.translate(_VISIBLE).replace("\n", "⏎").replace("\t", " ")


COLOURS = {"FAILED": "\033[1;31m", "IN_PROGRESS": "\033[33m", "COMPLETE": "\033[32m", "GAP": "\033[1;35m"}
RESET = "\033[0m"


def when(t: datetime | None) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if t else "-"


def age(t: datetime | float | None, now: float | None = None) -> str:
    if t is None:
        return "-"

    ts = t.timestamp() if isinstance(t, datetime) else t
    secs = max(0, int((now or time.time()) - ts))
    if secs < 60:
        return f"{secs}s"
    if secs < 3600:
        return f"{secs // 60}m{secs % 60:02d}s"
    if secs < 86400:
        return f"{secs // 3600}h{(secs % 3600) // 60:02d}m"
    return f"{secs // 86400}d"


def duration(seconds: float) -> str:
    """How long, in the unit an operator reads at a glance: 45s, 12 min, 3 h."""
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def short_when(t: datetime | None, now: datetime | None = None) -> str:
    """HH:MM:SS today (UTC), else MM-DD HH:MM: narrow enough for an 80-column pane."""
    if t is None:
        return "-"
    t = t.astimezone(UTC)

    # One clock for every age and date on screen: time.time (a replayed screen fixes it).
    now = (now or datetime.fromtimestamp(time.time(), UTC)).astimezone(UTC)
    return t.strftime("%H:%M:%S") if t.date() == now.date() else t.strftime("%m-%d %H:%M")


def event_line(e: Event, colour: bool) -> str:
    """One event as a log line (ANSI colours on a terminal), every field of Heat's printable on one line."""
    t = e.time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if e.time else "-"
    status = printable_line(e.status)
    state = ("GAP" if e.kind == "gap" else next((k for k in COLOURS if e.status.endswith(k)), None)) if colour else None
    if state:
        status = f"{COLOURS[state]}{status}{RESET}"
    names = "  ".join(printable_line(f) for f in (e.region, e.stack_name, e.resource_name))
    return f"{t}  {names}  {status}  {printable_line(e.status_reason)}".rstrip()


MAX_DURATION = 3650 * 86400.0


def parse_duration(text: str) -> float:
    """`30s`, `10m`, `2h`, `1d` (a bare number is seconds) as seconds; ValueError with one line otherwise."""

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text or "")
    if not match:
        raise ValueError(f"{text!r}: expected a duration such as 30s, 10m, 2h or 1d")
    value = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2) or "s"]
    if value > MAX_DURATION:  # a date that far back is no date at all (OverflowError further on)
        raise ValueError(f"{text!r}: at most 3650d")
    return value


# The only escape sequences the command line writes itself: event_line's colours.
_OWN_SGR = re.compile("(" + "|".join(re.escape(c) for c in (*COLOURS.values(), RESET)) + ")")


class PrintableStream:
    """A text stream whose every write has its control characters drawn visibly (printable), except the
    colours the command line adds itself: one place for every line the CLI prints, whatever printed it.
    JSON needs nothing of it (json.dump escapes every control character); a Heat string that holds
    exactly one of those colour codes can recolour a line, and nothing more."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write("".join(p if i % 2 else printable(p) for i, p in enumerate(_OWN_SGR.split(text))))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)
