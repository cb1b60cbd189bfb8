"""The README's fault-matrix table, made from the newest file in tests/chaos/results/ (`make test-chaos` writes
it): every cell with its outcome, never a hand-copied figure.

    python tools/chaos_report.py [--check]

Rewrites the README between `<!-- chaos:begin -->` and `<!-- chaos:end -->`; `--check` only says whether it
is current (exit 1 if not).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "tests" / "chaos" / "results"
README = ROOT / "README.md"
BEGIN, END = "<!-- chaos:begin -->", "<!-- chaos:end -->"


def cells() -> tuple[list[dict], list[str]]:
    """Every cell's newest row across the result files (a run may cover part of the matrix: a change to one
    operation re-runs its cells), each with the file it comes from; and the files used."""
    rows: dict[tuple, dict] = {}
    for path in sorted(RESULTS.glob("*.json")):
        doc = json.loads(path.read_text())
        for c in doc["cells"]:
            row = {**c, "file": path.name, "commit": doc["commit"], "at": c.get("at") or doc.get("run", "")}
            key = (c["operation"], c["boundary"], c["fault"])
            if key not in rows or row["at"] >= rows[key]["at"]:  # the newest run of the cell, by when it ended
                rows[key] = row
    used = sorted({r["file"] for r in rows.values()})
    return list(rows.values()), used


def table(found: list[dict], used: list[str]) -> str:
    recovered = sum(1 for c in found if c["recovered"])
    lost = sum(1 for c in found if c["lost"])
    operations = sorted({c["operation"] for c in found})
    lines = [
        f"From {', '.join(f'`tests/chaos/results/{u}`' for u in used)}: {len(found)} cells over "
        f"{len(operations)} operations; {recovered} recovered, {len(found) - recovered} not, {lost} lost data.",
        "",
        "| operation | boundary | fault | seen by another operator | recovery | outcome | commit |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in found:
        outcome = "clean end" if c["recovered"] else "NOT recovered: " + "; ".join(c["problems"])
        lines.append(
            f"| {c['operation']} | {c['boundary']} | {c['fault']} | {c['status_seen']} | `{c['command']}` "
            f"| {outcome} ({c['seconds']} s) | `{c['commit']}` |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    found, used = cells()
    if not found:
        print("no result file in tests/chaos/results/: run make test-chaos", file=sys.stderr)
        return 1
    text = README.read_text()
    if BEGIN not in text or END not in text:
        print(f"the README has no {BEGIN} ... {END} section", file=sys.stderr)
        return 1
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{table(found, used)}\n{END}{tail}"
    if args.check:
        return 0 if new == text else 1
    README.write_text(new)
    print(f"README: the fault matrix from {', '.join(used)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
