"""The CLI's options where no cloud is needed: global options anywhere, files checked first, --version."""

from __future__ import annotations

from pathlib import Path

from mrconsole.cli.commands import BY_NAME
from mrconsole.cli.main import build_parser, hoist_global_options

MASTER_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "multi-region" / "master.yaml")


def test_global_options_before_the_command_move_after_it():
    commands = set(BY_NAME)  # what main hoists with
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


def test_timeout_means_what_openstack_means_by_it(capsys):
    """Before the command: the request timeout (`openstack --timeout 30 stack ...`); after `stack create|update`:
    the stack's minutes; after any other command: the old HTTP spelling, which still works with one note."""
    from mrconsole.cli.cloudargs import OLD_TIMEOUT_NOTE, request_timeout

    parser = build_parser()
    commands = set(BY_NAME)
    argv = hoist_global_options(["--timeout", "7", "stack", "create", "s", "-t", MASTER_T, "--timeout", "30"], commands)
    args = parser.parse_args(argv)
    assert (args.timeout_mins, args.request_timeout) == (30, 7.0)
    args = parser.parse_args(["stack", "update", "s", "--timeout-mins", "45", "--request-timeout", "2"])
    assert (args.timeout_mins, request_timeout(args)) == (45, 2.0)
    assert capsys.readouterr().err == ""

    args = parser.parse_args(["status", "--timeout", "4"])
    assert request_timeout(args) == 4.0 and request_timeout(args) == 4.0
    assert capsys.readouterr().err == OLD_TIMEOUT_NOTE + "\n"  # once, however often asked
    args = parser.parse_args(["status", "--request-timeout", "4"])
    assert request_timeout(args) == 4.0 and capsys.readouterr().err == ""


def test_a_stack_timeout_out_of_heats_range_is_a_usage_error(cli):
    for bad in ("0", "10081", "1.5", "soon"):
        code, _, err = cli("stack", "create", "s", "-t", MASTER_T, "--timeout", bad)
        assert code == 2 and "--timeout" in err, err
