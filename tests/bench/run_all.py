"""`make bench`: every benchmark, one after the other."""

import subprocess
import sys
from pathlib import Path

here = Path(__file__).parent
code = 0
for bench in sorted(here.glob("bench_*.py")):
    print(f"== {bench.name}", flush=True)
    code |= subprocess.call([sys.executable, str(bench)])
sys.exit(code)
