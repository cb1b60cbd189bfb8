"""The one command registry: parsing, hints and the help come from it."""

from __future__ import annotations

from mrconsole.tui import commands
from mrconsole.tui.app import MrConsoleApp


def test_every_command_runs_what_the_app_has_and_passes_its_argument():
    """The registry holds each command's handler: run against a probe that only answers to the app's own
    methods, each calls one, with the argument typed when the command takes one."""
    for cmd in commands.COMMANDS:
        called: list[tuple[str, tuple]] = []

        class Probe:
            def __getattr__(self, name, cmd=cmd, called=called):
                assert callable(getattr(MrConsoleApp, name, None)), f":{cmd.name} calls {name}, not the app's"
                return lambda *args: called.append((name, args))

        cmd.run(Probe(), "x")
        assert len(called) == 1, cmd.name
        assert called[0][1] == (("x",) if cmd.args else ()), cmd.name


def test_parse_gives_one_line_errors():
    assert commands.parse(":stack demo")[0].name == "stack"
    assert commands.parse("stack demo")[1] == "demo"
    assert commands.parse("q")[0].name == "quit"
    assert commands.parse("stack")[2] == ":stack NAME: NAME is missing"
    assert commands.parse("journal extra")[2] == ":journal takes no argument"
    assert commands.parse("nonsense")[2].startswith("unknown command :nonsense")
    assert commands.parse("")[:2] == (None, "")
    assert commands.parse("events status:failed")[1] == "status:failed"


def test_hint_hides_mutating_commands_in_read_only():
    assert "launch" in commands.hint() and "launch" not in commands.hint(read_only=True)
