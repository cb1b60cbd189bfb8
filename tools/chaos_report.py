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


def newest() -> Path | None:
    files = sorted(RESULTS.glob("*.json"), key=lambda p: (json.loads(p.read_text()).get("run", ""), p.name))
    return files[-1] if files else None


def table(path: Path) -> str:
    doc = json.loads(path.read_text())
    cells = doc["cells"]
    lines = [
        f"`{path.relative_to(ROOT)}`, run of {doc['run']} on commit `{doc['commit']}` ({doc['machine']}): "
        f"{doc['recovered']} of {len(cells)} cells recovered, {doc['lost_data']} lost data.",
        "",
        "| operation | boundary | fault | seen by another operator | recovery | outcome |",
        "|---|---|---|---|---|---|",
    ]
    for c in cells:
        outcome = "clean end" if c["recovered"] else "NOT recovered: " + "; ".join(c["problems"])
        lines.append(
            f"| {c['operation']} | {c['boundary']} | {c['fault']} | {c['status_seen']} | `{c['command']}` "
            f"| {outcome} ({c['seconds']} s) |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    path = newest()
    if path is None:
        print("no result file in tests/chaos/results/: run make test-chaos", file=sys.stderr)
        return 1
    text = README.read_text()
    if BEGIN not in text or END not in text:
        print(f"the README has no {BEGIN} ... {END} section", file=sys.stderr)
        return 1
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{table(path)}\n{END}{tail}"
    if args.check:
        return 0 if new == text else 1
    README.write_text(new)
    print(f"README: the fault matrix from {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
