"""Benchmark figures that can be checked: every one carries its samples and its misses.

A sample that did not arrive within its wait is a *miss*: it is counted, and it enters the
percentiles at the wait limit (never dropped), so a figure cannot look better by losing its
slow samples. Each run writes `tests/bench/results/DATE-COMMIT.json`; the README's performance
table is generated from the newest file by `tools/bench_report.py`, never copied by hand.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


# Read as the bench imports this module, before it starts a lab (1, 5, 15 min load averages).
LOAD_AT_START = os.getloadavg()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


@dataclass
class Figure:
    """One measured figure. `samples` holds what arrived; `misses` what did not within `limit`."""

    name: str
    unit: str
    target: str = ""
    samples: list[float] = field(default_factory=list)
    misses: int = 0
    limit: float | None = None  # the wait: a miss counts as this value in the percentiles
    value: float | None = None  # a single reading (CPU, RSS), when not a distribution
    note: str = ""

    def add(self, sample: float | None) -> None:
        if sample is None:
            self.misses += 1
        else:
            self.samples.append(sample)

    @property
    def n(self) -> int:
        return len(self.samples) + self.misses

    def _with_misses(self) -> list[float]:
        if self.misses and self.limit is None:
            raise ValueError(f"{self.name}: misses need a limit")
        return self.samples + [self.limit] * self.misses if self.misses else list(self.samples)

    def summary(self) -> dict:
        out = asdict(self)
        out["n"] = self.n
        if self.value is None:
            every = self._with_misses()
            out.update(p50=pct(every, 0.5), p95=pct(every, 0.95), max=max(every) if every else float("nan"))
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}

    def text(self) -> str:
        """What the README and the console print: the figure, then n and misses."""
        if self.value is not None:
            shown = f"{_num(self.value)} {self.unit}"
            return shown + (f" ({self.n} samples)" if self.n > 1 else "")
        s = self.summary()
        if not self.n:
            return "no samples"
        core = f"p50 {_num(s['p50'])} / p95 {_num(s['p95'])} / max {_num(s['max'])} {self.unit}"
        missed = f", {self.misses} missed at {_num(self.limit)} {self.unit}" if self.misses else ", 0 missed"
        return f"{core} (n={self.n}{missed})"


def _num(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if float(v).is_integer() and abs(v) < 1e6:
        return f"{v:.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def commit() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=True,
        ).stdout.strip()
        # Dirty when what is measured differs from the commit: the package and the benches (not other tests).
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "mrconsole",
                "tests/bench",
                "pyproject.toml",
            ],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
            check=True,
        ).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write(bench: str, figures: list[Figure], config: dict, tables: dict | None = None) -> Path:
    """tests/bench/results/DATE-COMMIT.json (one per run; a second bench of the same run adds its part)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    sha = commit()
    path = RESULTS / f"{time.strftime('%Y-%m-%d', time.gmtime())}-{sha}.json"
    data = (
        json.loads(path.read_text())
        if path.exists()
        else {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "commit": sha,
            "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "system": platform.system()},
            "benches": {},
        }
    )
    data["benches"][bench] = {
        "config": config,
        "figures": [f.summary() | {"text": f.text()} for f in figures],
        "tables": tables or {},
        # The machine's load as the bench started, before its own lab: other work on the machine shows there.
        # (At the end it says little: a 50-region lab's own updates put the load at 30-50 on 2 cores.)
        "load_at_start": [round(x, 2) for x in LOAD_AT_START],
    }
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path
