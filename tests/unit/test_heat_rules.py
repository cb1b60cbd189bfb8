"""Heat's multi-region rules (template/heat.py), the one place each is written."""

from __future__ import annotations

from mrconsole.template.heat import (
    child_template_text,
    constituent_name_pattern,
    fed_by,
    flow_label,
    intended_parameters,
    name_splits,
    parameter_values,
    resolve_region,
)


def test_name_splits_longest_master_first():
    assert name_splits("my-app-db-stack-abcdefgh1234") == [
        ("my-app-db", "stack"),
        ("my-app", "db-stack"),
        ("my", "app-db-stack"),
    ]
    assert name_splits("plain-stack") == []
    assert name_splits("demo-db-ABCDEFGH1234") == []  # Heat's suffix is lowercase


def test_pattern_matches_only_its_master():
    pattern = constituent_name_pattern("demo")
    assert pattern.match("demo-db_stack-abcdefgh1234").group(1) == "db_stack"
    assert pattern.match("demo2-db-abcdefgh1234") is None
    assert constituent_name_pattern("demo", "db").match("demo-web-abcdefgh1234") is None


def test_resolve_region_each_way_it_can_be_given():
    def spec(context):
        return {"type": "OS::Heat::Stack", "properties": {"context": context} if context is not None else {}}

    assert resolve_region(spec(None), {}, "RegionOne") == "RegionOne"
    assert resolve_region(spec({"region_name": "RegionTwo"}), {}, "RegionOne") == "RegionTwo"
    assert resolve_region(spec({"region_name": {"get_param": "r"}}), {"r": "RegionThree"}, "RegionOne") == "RegionThree"
    assert resolve_region(spec({"region_name": {"get_param": "r"}}), {}, "RegionOne") is None
    assert resolve_region(spec({"region_name": {"str_replace": {}}}), {}, "RegionOne") is None


def test_intended_parameters_only_what_can_be_known():
    spec = {
        "properties": {
            "parameters": {
                "size": 3,
                "name": {"get_param": "app"},
                "db_ip": {"get_attr": ["db", "outputs", "ip"]},
                "other": {"str_replace": {"template": "x", "params": {}}},
                "missing": {"get_param": "nope"},
            }
        }
    }
    got = intended_parameters(spec, {"app": "shop"}, {"db": {"ip": "10.0.0.5"}})
    assert got == {"size": "3", "name": "shop", "db_ip": "10.0.0.5"}


def test_flow_label():
    assert flow_label("db", "ip", "web", "db_ip") == "ip: db → web.db_ip"
    assert flow_label("db", "ip", "outputs.db_ip", None) == "ip: db → outputs.db_ip"


def test_child_template_from_the_bundle_or_inline():
    files = {"file:///t/db.yaml": "heat_template_version: 2018-08-31\n"}
    assert (
        child_template_text({"properties": {"template": {"get_file": "file:///t/db.yaml"}}}, files)
        == files["file:///t/db.yaml"]
    )
    assert child_template_text({"properties": {"template": "inline: 1"}}, {}) == "inline: 1"
    assert child_template_text({"properties": {"template": {"get_file": "file:///t/gone.yaml"}}}, files) is None
    assert child_template_text({"properties": {"template": {"str_replace": {}}}}, files) is None


def test_parameter_values_of_a_full_update():
    template = {"parameters": {"a": {"default": 1}, "b": {"type": "string"}, "c": {"default": "x"}}}
    env = {"parameter_defaults": {"c": "from-env", "undeclared": "dropped"}, "parameters": {"b": "env-b"}}
    assert parameter_values(template, env, {"a": "9"}) == {"a": "9", "b": "env-b", "c": "from-env"}


def test_fed_by_names_only_straight_get_params():
    spec = {
        "properties": {
            "parameters": {
                "pw": {"get_param": "db_password"},
                "n": "lit",
                "j": {"list_join": ["", [{"get_param": "db_password"}]]},
            }
        }
    }
    assert fed_by(spec, {"db_password"}) == {"pw"}
