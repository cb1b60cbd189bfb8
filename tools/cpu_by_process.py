"""Where a command's CPU goes, by kind of process: `python tools/cpu_by_process.py OUT.json -- CMD ...`.

Runs CMD and, every second until it ends, reads every process's CPU time (user + system, /proc) and its
command line; at the end writes OUT.json: the wall time, the share of the machine left idle, and the CPU
seconds per kind (Heat, Keystone, MariaDB, Barbican, the test workers, `mrconsole` run as a process, the
rest by program name). Made for the lab tier (#35): which of the lab's processes and the tests' own use
the two cores. A process is counted from its start to its last reading, so one that lives under a second
between two readings is missed (noted in the file as what the machine used that no kind holds).
Cost: one read of /proc/PID/stat and cmdline per process per second.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HZ = os.sysconf("SC_CLK_TCK")
KINDS = (
    ("heat_server", "heat"),
    ("heat_fork", "heat"),  # the fork server and the Heats it forked (lab/heat_fork.py)
    ("keystone_server", "keystone"),
    ("mariadbd", "mariadb"),
    ("barbican", "barbican"),
    ("pytest-xdist", "test workers"),
    ("execnet", "test workers"),
    ("exec(eval(sys.stdin.readline()))", "test workers"),
    ("pytest", "pytest (controller)"),
    ("-m mrconsole", "mrconsole as a process"),
    ("bin/mrconsole", "mrconsole as a process"),
    ("bin/openstack", "openstack CLI"),
)


def kind_of(cmdline: str) -> str:
    for needle, kind in KINDS:
        if needle in cmdline:
            return kind
    program = cmdline.split(" ", 1)[0].rsplit("/", 1)[-1]
    return f"other: {program or 'kernel'}"


def machine() -> tuple[int, int]:
    """(idle, total) jiffies of the whole machine."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    return fields[3] + fields[4], sum(fields)


def read(seen: dict, me: int) -> None:
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2 :].split()
        key = (entry, rest[19])  # pid and start time: a pid used again is another process
        ticks = int(rest[11]) + int(rest[12])
        known = seen.get(key)
        kind = kind_of(cmdline)
        if known is None:
            seen[key] = [kind, ticks, ticks]
        else:
            known[2] = ticks
            if known[0].startswith("other") or known[0] == "test workers":
                known[0] = kind if not kind.startswith("other") else known[0]  # a worker renames itself


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: cpu_by_process.py OUT.json -- CMD ...", file=sys.stderr)
        return 2
    out, cmd = Path(argv[0]), argv[2:]
    seen: dict = {}
    me = os.getpid()
    read(seen, me)
    before = {k: v[2] for k, v in seen.items()}
    idle0, total0 = machine()
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd)
    while proc.poll() is None:
        time.sleep(1.0)
        read(seen, me)
    wall = time.monotonic() - t0
    idle1, total1 = machine()
    by_kind: dict[str, float] = {}
    for key, (kind, _first, last) in seen.items():
        used = (last - before.get(key, 0)) / HZ
        if used > 0:
            by_kind[kind] = by_kind.get(kind, 0.0) + used
    busy = (total1 - total0 - (idle1 - idle0)) / HZ
    result = {
        "command": " ".join(cmd),
        "exit_code": proc.returncode,
        "wall_s": round(wall, 1),
        "cores": os.cpu_count(),
        "idle_share": round((idle1 - idle0) / max(1, total1 - total0), 3),
        "cpu_s": {k: round(v, 1) for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])},
        "unattributed_cpu_s": round(busy - sum(by_kind.values()), 1),
    }
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
