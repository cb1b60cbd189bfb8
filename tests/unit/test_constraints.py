"""Parameter checks: Heat's parsing rules, and hidden values that are never shown nor garble a message."""

from __future__ import annotations

import pytest

from mrconsole.template import constraints
from mrconsole.template.analysis import analyse


def test_a_json_parameter_accepts_the_empty_string_as_heat_does():
    # heat/engine/parameters.py JsonParam.parse: only a non-empty string is parsed.
    assert constraints.check("json", [], "") == []
    assert constraints.check("json", [], "{") == ["'{' is not valid JSON"]


@pytest.mark.parametrize("value", ["", "s", "*", "s3cret-value", "'"])
def test_a_hidden_value_is_named_as_a_whole_never_shown(value):
    problems = constraints.check(
        "string",
        [{"allowed_pattern": "x{100}"}, {"allowed_values": ["a"]}, {"length": {"min": 50}}],
        value,
        hidden=True,
    )
    assert problems == [
        "****** does not match pattern x{100}",
        "****** is not one of a",
        f"length {len(value)} is out of range (min 50)",
    ]
    shown = constraints.check("string", [{"allowed_values": ["a"]}], value)
    assert shown == [f"{value!r} is not one of a"]


def test_a_hidden_number_out_of_range_is_not_shown():
    assert constraints.check("number", [{"range": {"min": 10}}], "7", hidden=True) == [
        "****** is out of range (min 10)"
    ]
    assert constraints.check("number", [], "seven", hidden=True) == ["****** is not a number"]


def test_a_hidden_default_that_breaks_a_constraint_reads_whole(tmp_path):
    t = tmp_path / "t.yaml"
    t.write_text(
        "heat_template_version: 2018-08-31\nparameters:\n  token:\n    type: string\n    hidden: true\n"
        "    default: ''\n    constraints:\n      - allowed_pattern: '[a-z]+'\nresources: {}\n"
    )
    [finding] = [f for f in analyse(t).findings if f.code == "MR053"]
    assert finding.message == "parameter token: ****** does not match pattern [a-z]+"


def test_a_duplicate_key_is_a_warning_and_the_last_value_wins(tmp_path):
    t = tmp_path / "t.yaml"
    t.write_text(
        "heat_template_version: 2018-08-31\nparameters:\n  n:\n    type: number\n    default: 1\n"
        "  n:\n    type: number\n    default: 2\nresources: {}\n"
    )
    analysis = analyse(t)
    assert not analysis.errors
    [w] = analysis.warnings
    assert (w.code, w.pos.line) == ("MR002", 6) and "first at line 3" in w.message
    assert analysis.tree.template.parameters["n"].default == 2
