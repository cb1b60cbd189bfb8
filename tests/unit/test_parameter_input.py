"""Hidden values without the command line (#33): -P NAME=@FILE, --parameter-file NAME=FILE, and a prompt
without echo on a terminal for a hidden value a move needs."""

from __future__ import annotations

import pytest

from mrconsole.cli.common import CliError, ask_hidden, parse_params


def test_values_from_files_keep_a_secret_out_of_ps_and_history(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("Zebra-4711\n")
    other = tmp_path / "key"
    other.write_text("line one\nline two")
    params = parse_params(["db_password=@" + str(secret), "note=@@not-a-file", "replicas=3"], [f"ssh_key={other}"])
    assert params == {
        "db_password": "Zebra-4711",
        "note": "@not-a-file",
        "replicas": "3",
        "ssh_key": "line one\nline two",
    }


@pytest.mark.parametrize(
    "items, files, said",
    [
        (["pw=@/nonexistent/x"], [], "-P pw=@/nonexistent/x: No such file or directory"),
        ([], ["pw=/nonexistent/x"], "--parameter-file pw=/nonexistent/x: No such file or directory"),
        ([], ["pw"], "'pw' is not KEY=VALUE"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_usage_line(items, files, said):
    with pytest.raises(CliError) as info:
        parse_params(items, files)
    assert said in str(info.value) and info.value.code == 2


def test_the_cli_takes_parameter_files_where_it_takes_p(cli, tmp_path):
    """Every command with -P has --parameter-file (a bad one is found before any cloud is asked)."""
    for argv in (
        ("stack", "update", "web", "--region", "RegionOne"),
        ("rollout", "web", "--region", "RegionOne"),
        ("rehome", "web", "--to", "RegionTwo"),
        ("evict", "web", "--region", "RegionTwo"),
        ("validate", str(tmp_path / "t.yaml")),
    ):
        (tmp_path / "t.yaml").write_text("heat_template_version: 2018-08-31\n")
        code, out, err = cli(*argv, "--parameter-file", "pw=/nonexistent/x")
        assert code == 2 and "--parameter-file pw=/nonexistent/x: No such file or directory" in err, (argv, err)


def test_a_move_asks_for_each_hidden_value_without_echo_on_a_terminal_only():
    asked: list[str] = []

    def ask(prompt):
        asked.append(prompt)
        return "typed-" + prompt.split(" ")[0]

    params = {"given": "x"}
    assert ask_hidden(["db_password", "given"], "hidden, given when web was created", params, ask=ask, tty=True)
    assert params == {"given": "x", "db_password": "typed-db_password"}
    assert asked == ["db_password (hidden, given when web was created; not echoed): "]
    params = {}
    assert not ask_hidden(["db_password"], "why", params, ask=ask, tty=False)  # a script: nothing asked
    assert params == {}


def test_create_asks_only_for_hidden_parameters_nothing_gives_a_value(tmp_path):
    from mrconsole.cli.stack_cmd import _hidden_unset

    template = tmp_path / "t.yaml"
    template.write_text(
        "heat_template_version: 2018-08-31\nparameters:\n"
        "  db_password: {type: string, hidden: true}\n"
        "  api_key: {type: string, hidden: true}\n"
        "  salt: {type: string, hidden: true, default: x}\n"
        "  flavor: {type: string}\n"
    )
    env = tmp_path / "env.yaml"
    env.write_text("parameter_defaults:\n  api_key: from-env\n")
    assert _hidden_unset(str(template), [str(env)], {}) == ["db_password"]
    assert _hidden_unset(str(template), [str(env)], {"db_password": "x"}) == []
    assert _hidden_unset(str(tmp_path / "absent.yaml"), [], {}) == []


@pytest.mark.parametrize(
    "argv, asked",
    [
        (("stack", "create", "web", "-t", "{t}", "--region", "RegionOne"), ["db_password"]),
        (("stack", "update", "web", "-t", "{t}", "--region", "RegionOne"), ["db_password"]),
        (("stack", "update", "web", "-t", "{t}", "--region", "RegionOne", "--preview"), []),
        (("stack", "update", "web", "-P", "flavor=m1", "--region", "RegionOne"), []),  # a PATCH keeps Heat's
    ],
    ids=["create", "full update", "preview", "patch"],
)
def test_create_and_full_update_ask_for_unset_hidden_values_before_logging_in(cli, tmp_path, monkeypatch, argv, asked):
    """On a terminal, before any cloud is asked (none is configured here: the command ends after asking)."""
    import getpass
    import io

    template = tmp_path / "t.yaml"
    template.write_text(
        "heat_template_version: 2018-08-31\nparameters:\n"
        "  db_password: {type: string, hidden: true}\n  flavor: {type: string, default: m1}\n"
    )
    prompts: list[str] = []
    terminal = io.StringIO()
    terminal.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stdin", terminal)
    monkeypatch.setattr(getpass, "getpass", lambda prompt: prompts.append(prompt) or "typed")
    monkeypatch.delenv("OS_CLOUD", raising=False)
    code, out, err = cli(*(a.format(t=template) for a in argv))
    assert [p.split(" ")[0] for p in prompts] == asked, prompts
    assert all("not echoed" in p for p in prompts)
    assert code == 2 and "no cloud given" in err, err  # then it stopped, at the login
