"""Visual truth at every size (#37), read from the snapshot tier's own screens cell by cell
(tools/svg_text.py; a PNG made by cairosvg draws spans in another font and seems to run words together that
the terminal keeps apart): no two words run together in the header or the masters list, a failed status is
never cut into another meaning, and the region panes' columns line up."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("svg_text", ROOT / "tools" / "svg_text.py")
assert _spec and _spec.loader
svg_text = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(svg_text)

SNAPSHOTS = sorted((Path(__file__).parent / "__snapshots__" / "test_screens").glob("*.svg"))
REGIONS = ("RegionOne", "RegionTwo", "RegionThree", "RegionFour", "RegionFive")


def _lines(path: Path) -> list[str]:
    return svg_text.screen_lines(path.read_text())


def test_the_screen_text_is_read_from_every_snapshot():
    assert len(SNAPSHOTS) >= 45
    assert any("mrconsole-lab" in _lines(p)[0] for p in SNAPSHOTS)


@pytest.mark.parametrize("path", SNAPSHOTS, ids=lambda p: p.stem)
def test_no_words_run_together_and_no_failure_is_cut_into_another_meaning(path):
    lines = _lines(path)
    text = "\n".join(lines)
    for region in REGIONS:
        # A region's name is never glued to the word after it (`RegionOneup`), nor a status to a region.
        assert not re.search(rf"{region}(up|down|slow|frozen|unknown)\b", text), path.name
        assert not re.search(rf"(COMPLETE|FAILED|PROGRESS){region}", text), path.name
    # A failure shortened for a narrow pane keeps the word FAILED: `✖ CREATE` would read as an action.
    assert not re.search(r"✖ (CREATE|UPDATE|DELETE|CHECK|SUSPEND|RESUME|ROLLBACK|ADOPT)\b", text), path.name


@pytest.mark.parametrize(
    "path", [p for p in SNAPSHOTS if "fleet" in p.stem or "healthy" in p.stem], ids=lambda p: p.stem
)
def test_the_region_panes_columns_line_up(path):
    """Every pane's `Status` heading (and so its column) starts in the same cell."""
    heads = (re.search(r"\bStack\s+(Status)\b", line) for line in _lines(path))
    starts = {m.start(1) for m in heads if m}
    assert len(starts) <= 1, (path.name, starts)
