"""The text a console screenshot (an SVG from Textual's export) shows, cell by cell, as lines.

A PNG made from the SVG by cairosvg substitutes its own font and ignores each span's `textLength`, so words
there seem to run together that the terminal draws apart; the cells themselves are the truth. Used by the
snapshot tier (tests/screens/test_screen_text.py) and by hand: `python tools/svg_text.py FILE.svg`.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

_SPAN = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>([^<]*)</text>')


def screen_lines(svg: str) -> list[str]:
    """Each row of the screen as text: every span placed at its cell (x / the width of one cell)."""
    spans = [(float(x), float(y), float(n), html.unescape(t)) for x, y, n, t in _SPAN.findall(svg)]
    widths = [n / len(t) for _x, _y, n, t in spans if len(t) >= 4]
    if not widths:
        return []
    cell = min(widths)
    rows: dict[float, dict[int, str]] = {}
    for x, y, _n, text in spans:
        row = rows.setdefault(y, {})
        start = round(x / cell)
        for i, ch in enumerate(text):
            row[start + i] = ch
    out = []
    for y in sorted(rows):
        cells = rows[y]
        out.append("".join(cells.get(i, " ") for i in range(max(cells) + 1)).rstrip())
    return out


if __name__ == "__main__":
    for line in screen_lines(Path(sys.argv[1]).read_text()):
        print(line)
