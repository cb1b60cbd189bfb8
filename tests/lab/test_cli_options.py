"""The command line's conventions: global options anywhere, read-only first, files checked first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mrconsole.cli.main import _commands, build_parser, hoist_global_options
from mrconsole.state.journal import Journal

MASTER_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "multi-region" / "master.yaml")


def test_global_options_before_the_command_move_after_it():
    commands = _commands(build_parser())
    assert {"status", "stack", "events", "journal", "lab"} <= commands
    assert hoist_global_options(["--lab", "status"], commands) == ["status", "--lab"]
    assert hoist_global_options(
        ["--os-cloud", "prod", "--region=R2", "--format", "json", "stack", "check", "x"], commands
    ) == ["stack", "check", "x", "--os-cloud", "prod", "--region=R2", "--format", "json"]
    # The console's own options, or no command at all: left for argparse to judge.
    assert hoist_global_options(["--lab", "--stack", "demo"], commands) == ["--lab", "--stack", "demo"]
    assert hoist_global_options(["--lab"], commands) == ["--lab"]
    assert hoist_global_options(["status", "--lab"], commands) == ["status", "--lab"]
    # A command's name given as an option's value is that value, not the command.
    assert hoist_global_options(["--os-cloud", "status", "journal"], commands) == ["journal", "--os-cloud", "status"]


def _shape(out: str) -> dict:
    """What `status --format json` says, without what changes between two calls (latency, ages)."""
    shown = json.loads(out)
    return {r["name"]: (r["health"], sorted(s["name"] for s in r["stacks"])) for r in shown["regions"]}


def test_options_before_or_after_the_command_give_the_same_answer(lab, cli):
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
    before = len(Journal().entries(1000))
    for args in (("--read-only", "--lab", *argv), (*argv, "--lab", "--read-only")):
        code, _, err = cli(*args)
        assert code == 1 and "read-only" in err and "nothing was sent" in err, (args, err)
        assert err.count("\n") == 1 and "Traceback" not in err
    assert len(Journal().entries(1000)) == before


def test_files_given_on_the_command_line_are_checked_first(cli, tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    for path, problem in (
        ("/dev/null", "is empty"),
        (str(empty), "is empty"),
        (str(tmp_path), "is a directory"),
        (str(tmp_path / "gone.yaml"), "no such file"),
    ):
        code, _, err = cli("validate", path)
        assert code == 2 and f"template {path}: {problem}" in err, err
    code, _, err = cli("validate", MASTER_T, "-e", "/dev/null")
    assert code == 2 and "environment file /dev/null: is empty" in err


def test_version_names_mrconsole_the_heat_client_and_python(cli):
    import platform
    from importlib import metadata

    from mrconsole import __version__

    code, out, err = cli("--version")
    assert code == 0 and not err
    assert out == (
        f"mrconsole {__version__} (python-heatclient {metadata.version('python-heatclient')}, "
        f"Python {platform.python_version()})\n"
    )
    assert metadata.version("mrconsole") == __version__  # the package's version is that one
