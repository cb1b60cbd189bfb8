"""The console's parameter text and the CLI's -P read by one rule."""

from __future__ import annotations

import pytest


def test_parameter_text_parsing_is_the_same_rule():
    from mrconsole.core.acting.plan import parse_parameter_text, parse_parameters
    from mrconsole.core.errors import PlanError

    assert parse_parameter_text("a=1 b='two words' c=") == {"a": "1", "b": "two words", "c": ""}
    assert parse_parameters(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    for bad in ("a=1 nope", "=1", "a='unclosed"):
        with pytest.raises(PlanError) as info:
            parse_parameter_text(bad)
        assert info.value.usage and "nothing was sent" in str(info.value)
