"""Write the README's performance table from the newest benchmark result file.

    python tools/bench_report.py [RESULT.json]

Replaces what stands between `<!-- bench:begin -->` and `<!-- bench:end -->` in README.md with
tables generated from tests/bench/results/ (for each bench, the newest file that holds it, unless
one file is named): each figure with its sample count and misses, the date and commit it came from.
No figure in that part of the README is written by hand.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "tests" / "bench" / "results"
README = ROOT / "README.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def on_history(sha: str) -> bool:
    """Whether a result's commit is in this checkout's history: a try that was dropped (measured, not
    kept) has its result file kept as evidence, but it does not speak for the project's code."""
    sha = sha.removesuffix("-dirty")
    if not sha or sha == "unknown" or not _in_git():
        return True  # nothing to check against: kept
    probe = subprocess.run(
        ["git", "merge-base", "--is-ancestor", sha, "HEAD"], cwd=ROOT, capture_output=True, check=False
    )
    # 1: not an ancestor; 128: no such commit here (a dropped try's object is not in a fresh clone).
    return probe.returncode == 0


def _in_git() -> bool:
    try:
        probe = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, check=False)
    except OSError:
        return False
    return probe.returncode == 0


def newest_per_bench() -> dict[str, Path]:
    """For each bench (scale, startup, analysis, events), the newest result file that holds it, from a
    commit in this checkout's history."""
    found: dict[str, tuple[str, Path]] = {}
    for path in RESULTS.glob("*.json"):
        data = json.loads(path.read_text())
        if not on_history(data.get("commit", "")):
            continue
        for bench in data.get("benches", {}):
            if bench not in found or data["date"] > found[bench][0]:
                found[bench] = (data["date"], path)
    if "scale" not in found:
        raise SystemExit(f"bench_report: no result file in {RESULTS} holds the scale bench")
    order = ["scale", "scale-20", "scale-50", "burst-20", "idle", "startup", "events", "analysis"]
    return {b: found[b][1] for b in sorted(found, key=lambda b: order.index(b) if b in order else 99)}


def table(benches: dict[str, Path]) -> str:
    lines = [
        "n is the sample count; a missed sample counts at its wait in the percentiles. Each bench names the result "
        "file, run and commit it comes from (`-dirty`: the package or the benches differed from that commit).",
        "",
    ]
    for bench, path in benches.items():
        data = json.loads(path.read_text())
        part = data["benches"][bench]
        config = ", ".join(f"{k} {v}" for k, v in part["config"].items())
        lines += [
            f"**{bench}** ({config}): `{path.relative_to(ROOT)}`, run of {data['date']} on commit "
            f"`{data['commit']}`, {data['machine']['cores']} cores, Python {data['machine']['python']}"
            + (
                ", load average as it started, before its lab, {} / {} / {} (1 / 5 / 15 min)".format(
                    *part["load_at_start"]
                )
                if part.get("load_at_start")
                else ""
            ),
            "",
            "| figure | measured | target |",
            "|---|---|---|",
        ]
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
                o = r.get("openstack_stack_list")
                compared = (
                    f"{o['wall_s']:.2f} s, {o['requests']:.0f} req, {o['kb']:.0f} KB (median of {o['runs']})"
                    if o
                    else "not run in this region"
                )
                lines.append(
                    f"| {region} | {r['idle_req_min']:.0f} | {r['idle_kb_min']:.1f} | {r['heat_ms_per_req']:.0f} | "
                    f"{compared} |"
                )
        lines.append("")
    lines += growth(benches)
    return "\n".join(lines)


def _figures(path: Path, bench: str) -> dict[str, dict]:
    part = json.loads(path.read_text())["benches"][bench]
    # "console RSS, 20 regions, after start" and "... 5 regions ..." are one figure.
    return {re.sub(r"\d+ regions", "N regions", f["name"]): f for f in part["figures"]}


SCALES = (("scale", 5), ("scale-20", 20), ("scale-50", 50))


def growth(benches: dict[str, Path]) -> list[str]:
    """From 5 to 20 to 50 regions, figure by figure, from the scale runs above (two at least); a figure a
    run did not measure is `-`."""
    runs = [(bench, n) for bench, n in SCALES if bench in benches]
    if len(runs) < 2:
        return []
    figures = {bench: _figures(benches[bench], bench) for bench, _ in runs}
    names = list(dict.fromkeys(name for bench, _ in runs for name in figures[bench]))
    counts = " to ".join(str(n) for _, n in runs)
    lines = [
        f"**From {counts} regions** (the runs above, figure by figure):",
        "",
        "| figure | " + " | ".join(f"{n} regions" for _, n in runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for name in names:
        cells = [figures[bench][name]["text"] if name in figures[bench] else "-" for bench, _ in runs]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print("usage: python tools/bench_report.py [RESULT.json]", file=sys.stderr)
        return 2
    if argv:
        path = Path(argv[0])
        try:
            benches = {b: path for b in json.loads(path.read_text())["benches"]}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"bench_report: {path}: not a result file ({type(exc).__name__}: {exc})", file=sys.stderr)
            return 2
    else:
        benches = newest_per_bench()
    text = README.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"bench_report: README.md has no {BEGIN} ... {END} block")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{BEGIN}\n{table(benches)}\n{END}{tail}")
    print("README.md: performance tables from " + ", ".join(f"{b} ({p.name})" for b, p in benches.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
