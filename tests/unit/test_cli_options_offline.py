"""The CLI's options where no cloud is needed: global options anywhere, files checked first, --version."""

from __future__ import annotations

from pathlib import Path

from mrconsole.cli.main import _commands, build_parser, hoist_global_options

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
