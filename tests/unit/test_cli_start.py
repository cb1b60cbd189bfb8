"""What a start of the CLI imports before it answers (#35, #37): `--help`, a bad command and the shell's TAB
on a command word build no command's parser and so import no command module, nor the cloud layer or its
libraries; a command builds its own module's parser only. (The time itself is a benchmark's figure:
tests/bench/bench_startup.py; here, what is imported, which no noisy machine changes.)"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from mrconsole.cli.commands import BY_NAME, COMMANDS
from mrconsole.cli.main import build_parser

HEAVY = ("asyncio", "keystoneauth1", "heatclient", "textual", "requests", "mrconsole.cloud.connection")


def _imported(argv: list[str], env: dict | None = None) -> tuple[int, set[str], str]:
    """Run `mrconsole ARGV` in a fresh interpreter; its exit code, the modules it imported, its output."""
    code = (
        "import contextlib, io, json, sys\n"
        "from mrconsole.cli.main import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):\n"
        "    try:\n"
        f"        rc = main({argv!r})\n"
        "    except SystemExit as exc:\n"
        "        rc = exc.code\n"
        "print(json.dumps([rc, sorted(sys.modules), out.getvalue()]))\n"
    )
    run_env = {k: v for k, v in {**os.environ, **(env or {})}.items() if not k.startswith("OS_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=run_env, timeout=60)
    rc, modules, out = json.loads(done.stdout.splitlines()[-1])
    return rc, set(modules), out


def _commands(parser) -> set[str]:
    """The names (and aliases) a parser's COMMAND takes."""
    for action in parser._actions:  # argparse keeps its subcommands here, and nowhere public
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def _command_modules(modules: set[str]) -> set[str]:
    return {m.rsplit(".", 1)[1] for m in modules if m.startswith("mrconsole.cli.") and m.endswith("_cmd")}


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["no-such-command"]], ids=["help", "h", "bad-command"])
def test_help_and_a_bad_command_import_no_command_module_and_no_cloud(argv):
    rc, modules, out = _imported(argv)
    assert rc == (0 if argv != ["no-such-command"] else 2), out
    assert _command_modules(modules) <= {"completion_cmd"}, out
    assert [m for m in HEAVY if m in modules] == []
    if rc == 0:  # every command listed, with its help line, though none was built
        assert all(c.name in out for c in COMMANDS)
        assert "region health and the stacks in each region" in " ".join(out.split())
    else:
        assert "invalid choice: 'no-such-command' (choose from 'lab', 'status'" in out


def test_a_command_builds_its_own_modules_parser_only():
    rc, modules, out = _imported(["stack", "update", "--help"])
    assert rc == 0 and "--preview" in out
    assert _command_modules(modules) == {"stack_cmd", "stack_show_cmd", "completion_cmd"}
    rc, modules, out = _imported(["hooks", "--help"])  # an alias finds its module
    assert rc == 0 and _command_modules(modules) == {"rollout_cmd", "completion_cmd"}, out


def test_a_tab_on_the_command_word_imports_no_command_module(tmp_path):
    answer = tmp_path / "answer"
    env = {
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
        "COMP_LINE": "mrconsole sta",
        "COMP_POINT": "13",
        "_ARGCOMPLETE_IFS": " ",
    }
    code = (
        "import json, sys\n"
        "from mrconsole.cli.main import main\n"
        "def leave(code=0):\n"
        "    print(json.dumps(sorted(sys.modules)))\n"
        "    sys.stdout.flush()\n"
        "import os; os._exit = leave\n"
        "main([])\n"
    )
    run_env = {k: v for k, v in {**os.environ, **env}.items() if not k.startswith("OS_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=run_env, timeout=60)
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    assert set(answer.read_text().split()) == {"status", "stack"}, done.stderr
    assert _command_modules(modules) <= {"completion_cmd"}
    assert "keystoneauth1" not in modules and "mrconsole.cloud.connection" not in modules


def test_the_table_names_every_command_its_modules_define_with_the_same_help():
    full = build_parser()
    assert _commands(full) == set(BY_NAME)  # every name and alias, none missing from the table
    listed = build_parser("")  # nothing built: every command from the table alone
    assert _commands(listed) == set(BY_NAME)
    assert listed.format_help() == full.format_help()


@pytest.mark.parametrize("name", sorted({c.name for c in COMMANDS}))
def test_a_command_built_alone_has_the_parser_it_has_among_all(name):
    def sub_help(parser) -> str:
        for action in parser._actions:  # argparse keeps its subcommands here, and nowhere public
            if action.dest == "command":
                return action.choices[name].format_help()
        raise AssertionError("no commands")

    assert sub_help(build_parser(name)) == sub_help(build_parser())
