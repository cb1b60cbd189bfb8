"""Benchmark: analysing a master with 50 regional stacks and 500 resources.

Prints the time and peak memory of the full analysis next to a plain
yaml.safe_load of the same files, and their ratio. Not a test: nothing is
asserted, these machines are shared and noisy.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

from mrconsole.template.analysis import analyse

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, write

STACKS, RESOURCES_PER_CHILD = 50, 10
REGIONS = [f"Region{i}" for i in range(1, 6)]


def build(root: Path) -> Path:
    for i in range(STACKS):
        resources = {
            f"r{j}": {
                "type": "OS::Heat::TestResource",
                "properties": {"value": {"get_param": "upstream"} if j == 0 else {"get_attr": [f"r{j - 1}", "output"]}},
            }
            for j in range(RESOURCES_PER_CHILD)
        }
        child = {
            "heat_template_version": "2018-08-31",
            "parameters": {"upstream": {"type": "string", "default": "none"}},
            "resources": resources,
            "outputs": {"out": {"value": {"get_attr": [f"r{RESOURCES_PER_CHILD - 1}", "output"]}}},
        }
        (root / f"child{i}.yaml").write_text(yaml.safe_dump(child))
    master = {"heat_template_version": "2018-08-31", "resources": {}, "outputs": {}}
    for i in range(STACKS):
        params = {"upstream": {"get_attr": [f"s{i - 1}", "outputs", "out"]}} if i else {}
        master["resources"][f"s{i}"] = {
            "type": "OS::Heat::Stack",
            "properties": {
                "context": {"region_name": REGIONS[i % len(REGIONS)]},
                "template": {"get_file": f"child{i}.yaml"},
                "parameters": params,
            },
        }
    master["outputs"]["last"] = {"value": {"get_attr": [f"s{STACKS - 1}", "outputs", "out"]}}
    path = root / "master.yaml"
    path.write_text(yaml.safe_dump(master))
    return path


def timed(fn, runs=5):
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def peak(fn):
    tracemalloc.start()
    fn()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="mrconsole-bench-"))
    master = build(root)
    files = sorted(root.glob("*.yaml"))

    def full():
        result = analyse(master, known_regions=REGIONS)
        assert not result.findings, result.findings[:3]
        assert len(result.tree.regional_stacks) == STACKS

    def plain():
        for f in files:
            yaml.safe_load(f.read_text())

    full_runs, plain_runs = timed(full), timed(plain)
    t_full, t_plain = statistics.median(full_runs), statistics.median(plain_runs)
    m_full, m_plain = peak(full), peak(plain)
    resources = STACKS * RESOURCES_PER_CHILD
    print(
        f"analysis bench: {STACKS} regional stacks, {resources} resources in children "
        f"(medians of {len(full_runs)} runs each, none missed)"
    )
    print(f"  mrconsole analyse : {t_full * 1000:8.1f} ms   peak {m_full / 1e6:6.1f} MB")
    print(f"  yaml.safe_load    : {t_plain * 1000:8.1f} ms   peak {m_plain / 1e6:6.1f} MB")
    print(f"  ratio analyse/load: {t_full / t_plain:6.2f}x time, {m_full / m_plain:6.2f}x memory")
    figures = [
        Figure("analyse a master with 50 regional stacks", "ms", samples=[t * 1000 for t in full_runs]),
        Figure("yaml.safe_load of the same files", "ms", samples=[t * 1000 for t in plain_runs]),
        Figure("analyse peak memory (tracemalloc)", "MB", value=m_full / 1e6),
    ]
    print(f"results: {write('analysis', figures, {'stacks': STACKS, 'resources': resources})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
