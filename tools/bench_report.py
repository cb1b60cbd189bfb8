"""Write the README's performance table from the newest benchmark result file.

    python tools/bench_report.py [RESULT.json]

Replaces what stands between `<!-- bench:begin -->` and `<!-- bench:end -->` in README.md with
a table generated from tests/bench/results/ (the newest file that holds the scale bench, unless
one is named): each figure with its sample count and misses, the date and commit it came from.
No figure in that part of the README is written by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "tests" / "bench" / "results"
README = ROOT / "README.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def newest(bench: str = "scale") -> Path:
    files = [p for p in RESULTS.glob("*.json") if bench in json.loads(p.read_text()).get("benches", {})]
    if not files:
        raise SystemExit(f"bench_report: no result file in {RESULTS} holds the {bench} bench")
    return max(files, key=lambda p: json.loads(p.read_text())["date"])


def table(path: Path) -> str:
    data = json.loads(path.read_text())
    lines = [
        f"From `{path.relative_to(ROOT)}`: run of {data['date']} on commit `{data['commit']}`, "
        f"{data['machine']['cores']} cores, Python {data['machine']['python']}. "
        "n is the sample count; a missed sample counts at its wait in the percentiles.",
        "",
    ]
    for bench, part in data["benches"].items():
        config = ", ".join(f"{k} {v}" for k, v in part["config"].items())
        lines += [f"**{bench}** ({config})", "", "| figure | measured | target |", "|---|---|---|"]
        for f in part["figures"]:
            note = f" — {f['note']}" if f.get("note") else ""
            lines.append(f"| {f['name']} | {f['text']}{note} | {f.get('target') or ''} |")
        per_region = part.get("tables", {}).get("per_region")
        if per_region:
            lines += [
                "",
                "| region | idle req/min | idle KB/min | Heat ms/req | `openstack stack list` |",
                "|---|---|---|---|---|",
            ]
            for region, r in per_region.items():
                o = r["openstack_stack_list"]
                lines.append(
                    f"| {region} | {r['idle_req_min']:.0f} | {r['idle_kb_min']:.1f} | "
                    f"{r['heat_ms_per_req']:.0f} | {o['wall_s']:.2f} s, {o['requests']:.0f} req, "
                    f"{o['kb']:.0f} KB (median of {o['runs']}) |"
                )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else newest()
    text = README.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"bench_report: README.md has no {BEGIN} ... {END} block")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{BEGIN}\n{table(path)}\n{END}{tail}")
    print(f"README.md: performance table from {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
