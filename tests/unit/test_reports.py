"""The why and drift reports are written once (core/diagnosis/reports.py): the console shows the same words the CLI
prints, from reports captured on the lab (tests/screens/data)."""

from __future__ import annotations

from mrconsole.core.diagnosis.reports import CAUSE_EVENT, ROOT, drift_lines, why_lines
from mrconsole.tui.style import report_text
from tests.screens.replay import load


def test_the_console_shows_the_lines_the_cli_prints():
    scene = load("healthy")
    reports = [why_lines(r) for r in scene["why"].values()] + [drift_lines(r) for r in scene["drift"].values()]
    assert reports and all(reports)
    for lines in reports:  # (the drift screen shows its suggestions as a table instead: drift.py)
        shown = report_text(lines).plain.splitlines()
        assert [s for s in shown if s] == [line.text for line in lines]


def test_a_failure_names_its_root_cause_and_marks_its_event():
    failed = [r for r in load("healthy")["why"].values() if r.failed]
    assert failed, "the scene holds a failed stack"
    lines = why_lines(failed[0])
    [root] = [line for line in lines if line.kind == ROOT]
    assert root.text.startswith("root cause: ") and "region Region" in root.text
    assert any(line.kind == CAUSE_EVENT and line.text.startswith(" > ") for line in lines)
