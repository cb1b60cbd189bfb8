"""The command line's conventions: global options anywhere, read-only first, files checked first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import journal_mark, journal_since

MASTER_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "multi-region" / "master.yaml")


def _shape(out: str) -> dict:
    """What `status --format json` says, without what changes between two calls (latency, ages)."""
    shown = json.loads(out)
    return {r["name"]: (r["health"], sorted(s["name"] for s in r["stacks"])) for r in shown["regions"]}


def _quiet(cli) -> bool:
    code, out, _ = cli("status", "--lab", "--format", "json", "--region", "RegionTwo")
    return code == 0 and not any(s["status"].endswith("IN_PROGRESS") for s in json.loads(out)["regions"][0]["stacks"])


def test_options_before_or_after_the_command_give_the_same_answer(lab, cli):
    from tests.conftest import wait_until

    # The worker's lab is shared with the modules before this one: a delete of theirs still running would
    # change the list between the two calls (seen with three lab workers).
    assert wait_until(lambda: _quiet(cli), 120)
    before = cli("--lab", "--format", "json", "--region", "RegionTwo", "status")
    after = cli("status", "--lab", "--format", "json", "--region", "RegionTwo")
    assert before[0] == after[0] == 0, before[2] + after[2]
    assert _shape(before[1]) == _shape(after[1]) and list(_shape(before[1])) == ["RegionTwo"]
    assert cli("--lab", "status")[1].splitlines()[0] == cli("status", "--lab")[1].splitlines()[0]
    code, _, err = cli("--lab", "journal", "--limit", "1")
    assert code == 0, err


@pytest.mark.parametrize(
    "argv",
    [
        ("stack", "create", "ro", "-t", MASTER_T, "--region", "RegionOne"),
        ("stack", "update", "ro", "-P", "app_replicas=3", "--region", "RegionOne"),
        ("stack", "reapply", "ro", "--region", "RegionOne"),
        ("stack", "delete", "ro", "--region", "RegionOne", "--yes"),
        ("stack", "suspend", "ro", "--region", "RegionOne"),
        ("stack", "resume", "ro", "--region", "RegionOne"),
        ("stack", "check", "ro", "--region", "RegionOne"),
        ("stack", "cancel", "ro", "--region", "RegionOne"),
    ],
)
def test_read_only_is_the_first_answer_of_every_action(lab, cli, argv):
    """Even for a stack that does not exist: nothing is read, nothing is sent, read-only is named."""
    before = journal_mark()
    for args in (("--read-only", "--lab", *argv), (*argv, "--lab", "--read-only")):
        code, _, err = cli(*args)
        assert code == 1 and "read-only" in err and "nothing was sent" in err, (args, err)
        assert err.count("\n") == 1 and "Traceback" not in err
    assert journal_since(before) == []
