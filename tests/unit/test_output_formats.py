"""One output model (#35): -f table|json|yaml|value|csv and -c on every command, made from its JSON."""

from __future__ import annotations

import io
import json

import yaml

from mrconsole.cli.main import _old_follow
from mrconsole.cli.output import Converting, render, rows_of

DOC = {"stack": "web", "outputs": [{"key": "ip", "value": "10.0.0.5", "note": None}, {"key": "ids", "value": [1]}]}
BAD = "tests/corpus/bad/unknown_param.yaml"


def test_rows_are_the_documents_one_list_of_objects():
    assert rows_of(DOC) == DOC["outputs"]
    assert rows_of([{"a": 1}]) == [{"a": 1}]
    assert rows_of({"a": 1}) == [{"a": 1}]  # no list: the document is the row


def test_each_format_from_the_same_rows():
    assert render(DOC, "value", ["key", "value"]) == "ip 10.0.0.5\nids [1]\n"
    assert render(DOC, "csv", ["value", "key"]) == "value,key\n10.0.0.5,ip\n[1],ids\n"
    assert yaml.safe_load(render(DOC, "yaml", [])) == DOC
    assert json.loads(render(DOC, "json", ["key"])) == [{"key": "ip"}, {"key": "ids"}]


def test_a_stream_of_objects_is_converted_line_by_line_with_one_header():
    out = io.StringIO()
    stream = Converting(out, "csv", ["id"])
    stream.write(json.dumps({"id": "e1", "x": 1}) + "\n")
    assert out.getvalue() == "id\ne1\n"  # already written: a follow keeps streaming
    stream.write(json.dumps({"id": "e2"}) + "\n")
    stream.finish()
    assert out.getvalue() == "id\ne1\ne2\n"


def test_every_command_takes_the_same_options_and_bad_columns_are_usage_errors(cli):
    code, out, err = cli("validate", BAD, "-f", "value", "-c", "code", "-c", "line")
    assert code == 1 and out == "MR050 7\n", err  # validate's own exit code (an error found) is kept
    code, out, err = cli("validate", BAD, "-f", "csv")
    assert out.startswith("code,severity,file,line,col,message,hint\nMR050,error,")
    code, out, err = cli("validate", BAD, "-f", "value", "-c", "nope")
    assert code == 2 and "no column nope (columns: code, severity" in err
    code, out, err = cli("validate", BAD, "-c", "code")
    assert code == 2 and "-c selects columns in json, yaml, value or csv" in err
    code, out, err = cli("validate", BAD, "-f", "table")
    assert code == 1 and "MR050" in out and not out.startswith("{")  # table: the command's own text


def test_events_dash_f_still_follows_for_this_release():
    assert _old_follow(["events", "web", "-f"]) == ["events", "web", "--follow"]
    assert _old_follow(["events", "-f", "web"]) == ["events", "--follow", "web"]
    assert _old_follow(["events", "web", "-f", "json"]) == ["events", "web", "-f", "json"]
    assert _old_follow(["status", "-f", "json"]) == ["status", "-f", "json"]


def test_every_command_with_an_output_has_the_same_options():
    import argparse

    from mrconsole.cli.main import build_parser

    def walk(parser, path):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    yield from walk(child, (*path, name))
        yield path, {o: a for a in parser._actions for o in a.option_strings}

    seen = 0
    for path, options in walk(build_parser(), ()):
        if "--format" in options:
            seen += 1
            assert options["-f"] is options["--format"], path
            assert {"table", "json", "yaml", "value", "csv"} <= set(options["--format"].choices), path
            assert "-c" in options and "--column" in options, path
    assert seen >= 20


def test_one_word_per_concept_with_the_other_kept_as_an_alias(cli):
    """move (rehome) and breakpoints (hooks), as the console says them; every --preview is also --dry-run."""
    import argparse

    from mrconsole.cli.main import build_parser

    for name in ("move", "rehome", "breakpoints", "hooks"):
        code, out, _ = cli(name, "--help")
        assert code == 0 and "MASTER" in out, name

    def parsers(parser):
        yield parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    yield from parsers(child)

    previews = [p for p in parsers(build_parser()) if "--preview" in p._option_string_actions]
    assert previews and all(
        p._option_string_actions["--dry-run"] is p._option_string_actions["--preview"] for p in previews
    )
