"""tools/bench_report.py: which result files may speak for the code (no lab)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _report():
    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "tools" / "bench_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_result_counts_only_from_a_commit_on_this_checkouts_history():
    """A dropped try's result file stays as evidence, but the README's tables never quote it: its commit
    is not an ancestor of HEAD here, or (in a fresh clone) not there at all."""
    report = _report()
    head = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    assert report.on_history(head.stdout.strip())
    assert report.on_history(head.stdout.strip() + "-dirty")
    assert not report.on_history("0123456789")  # no such commit
    assert report.on_history("unknown")  # a run outside git: nothing to check against


def test_bad_arguments_get_one_line_and_exit_2_and_leave_the_readme_alone(tmp_path, capsys, monkeypatch):
    report = _report()
    readme = tmp_path / "README.md"
    readme.write_text("untouched\n")
    monkeypatch.setattr(report, "README", readme)
    not_json = tmp_path / "notes.txt"
    not_json.write_text("no json here")
    for argv, said in (
        (["--bogus"], "usage: python tools/bench_report.py [RESULT.json]"),
        (["a.json", "b.json"], "usage: python tools/bench_report.py [RESULT.json]"),
        ([str(tmp_path / "missing.json")], "not a result file (FileNotFoundError"),
        ([str(not_json)], "not a result file (JSONDecodeError"),
    ):
        assert report.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert said in err and err.count("\n") == 1, err
    assert readme.read_text() == "untouched\n"
    assert report.main(["--help"]) == 0 and "python tools/bench_report.py [RESULT.json]" in capsys.readouterr().out


def test_a_benchs_heading_says_the_machines_load_when_the_result_has_it(tmp_path, monkeypatch):
    report = _report()
    monkeypatch.setattr(report, "ROOT", tmp_path)  # the heading names the file relative to the checkout
    part = {"config": {"regions": 50}, "figures": [], "tables": {}}
    result = {"date": "2026-12-07T07:09:14Z", "commit": "c4732be373", "machine": {"cores": 2, "python": "3.11.7"}}
    loaded, older = tmp_path / "loaded.json", tmp_path / "older.json"
    loaded.write_text(json.dumps(result | {"benches": {"scale-50": part | {"load_at_start": [22.5, 25.0, 27.1]}}}))
    older.write_text(json.dumps(result | {"benches": {"scale-50": part}}))
    heading = report.table({"scale-50": loaded})
    assert "load average as it started, before its lab, 22.5 / 25.0 / 27.1 (1 / 5 / 15 min)" in heading
    assert "load average" not in report.table({"scale-50": older})  # files from before it was recorded
