"""tools/bench_report.py: which result files may speak for the code (no lab)."""

from __future__ import annotations

import importlib.util
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
