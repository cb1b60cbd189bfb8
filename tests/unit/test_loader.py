"""The template loader reads as Heat reads: with libyaml when PyYAML has it, and with the pure-Python loader only
when that fails (heat/common/template_format.py). Both must give the same values and the same positions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mrconsole.template import loader
from mrconsole.template.loader import TemplateSyntaxError, YList, YMap, loads

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _positions(node, path="") -> dict:
    """Every position in a loaded document, by path."""
    out = {}
    if isinstance(node, YMap):
        out[path] = node.pos
        for key, value in node.items():
            out[f"{path}/{key}@key"] = node.key_pos[key]
            out[f"{path}/{key}@value"] = node.value_pos[key]
            out.update(_positions(value, f"{path}/{key}"))
    elif isinstance(node, YList):
        out[path] = node.pos
        for i, value in enumerate(node):
            out[f"{path}[{i}]"] = node.item_pos[i]
            out.update(_positions(value, f"{path}[{i}]"))
    return out


def test_libyaml_is_used_when_pyyaml_has_it():
    assert loader.FAST_BASE is getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def test_both_loaders_give_the_same_values_and_positions(monkeypatch):
    """Every corpus template (one test: 268 cases of a few ms each cost more as tests than as a loop)."""
    fast, failed = {}, []
    paths = sorted(CORPUS.rglob("*.yaml"))
    for path in paths:
        try:
            fast[path] = loads(path.read_text(errors="replace"), str(path))
        except TemplateSyntaxError:
            failed.append(path)  # the slow loader said it (the fallback), which the next test pins
    monkeypatch.setattr(loader._make_loader, "__defaults__", (0, 0, None, yaml.SafeLoader))
    for path, doc in fast.items():
        slow = loads(path.read_text(errors="replace"), str(path))
        assert doc == slow, path
        assert _positions(doc) == _positions(slow), path
    assert len(fast) > 200 and len(failed) < len(paths) // 10


def test_a_syntax_error_is_said_as_the_pure_python_loader_says_it_with_its_line():
    with pytest.raises(TemplateSyntaxError) as caught:
        loads("heat_template_version: 2018-08-31\nresources:\n  a: [1, 2\n", "t.yaml")
    assert caught.value.pos.line == 3 and caught.value.message.startswith("YAML syntax error: ")


def test_duplicates_are_said_once_even_when_the_first_reading_fails():
    duplicates: list = []
    with pytest.raises(TemplateSyntaxError):
        loads("a: 1\na: 2\nb: [\n", "t.yaml", duplicates=duplicates)
    assert len(duplicates) <= 1
    duplicates.clear()
    loads("a: 1\na: 2\n", "t.yaml", duplicates=duplicates)
    assert len(duplicates) == 1
