"""Arbitrary YAML and arbitrary nesting never raise out of the analyser."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mrconsole.template.analysis import analyse
from mrconsole.template.loader import TemplateSyntaxError, loads

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(
        [
            "OS::Heat::Stack",
            "get_attr",
            "get_param",
            "get_file",
            "get_resource",
            "outputs",
            "region_name",
            "template",
            "2018-08-31",
            "RegionTwo",
        ]
    ),
)
keys = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "heat_template_version",
            "resources",
            "parameters",
            "outputs",
            "type",
            "properties",
            "context",
            "region_name",
            "template",
            "get_attr",
            "get_param",
            "get_file",
            "get_resource",
            "depends_on",
            "constraints",
            "default",
            "value",
        ]
    ),
)
_DIR = Path(tempfile.mkdtemp(prefix="mrconsole-fuzz-"))


def _write(text: str) -> Path:
    path = _DIR / "t.yaml"
    path.write_text(text, encoding="utf-8")
    return path


documents = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
    max_leaves=40,
)


@settings(max_examples=150, deadline=None)
@given(doc=documents)
def test_arbitrary_documents_never_raise(doc):
    path = _write(yaml.safe_dump(doc))
    analysis = analyse(path, known_regions=["RegionOne"])
    for f in analysis.findings:
        assert f.code.startswith("MR") and f.pos.line >= 1


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_raises(text):
    path = _write(text)
    analysis = analyse(path)
    assert isinstance(analysis.findings, list)


@settings(max_examples=20, deadline=None)
@given(depth=st.integers(min_value=1, max_value=1500))
def test_deep_nesting_is_a_finding_not_a_crash(depth):
    path = _write("heat_template_version: 2018-08-31\nresources:\n  a: " + "[" * depth + "]" * depth + "\n")
    analysis = analyse(path)
    assert all(f.code in ("MR001", "MR005") for f in analysis.findings)


def test_loader_positions_survive_json():
    doc = loads('{"resources": {"a": {"type": "x"}}}', "t.json")
    assert doc["resources"].pos.line == 1 and doc["resources"].key_pos["a"].col == 16


def test_loader_rejects_non_scalar_keys():
    try:
        loads("? [a, b]\n: 1\n", "t.yaml")
    except TemplateSyntaxError as exc:
        assert exc.code == "MR001"
    else:
        raise AssertionError("a list as a key must be rejected")
