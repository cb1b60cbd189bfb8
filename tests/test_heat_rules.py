"""Heat's multi-region rules (template/heat.py), the one place each is written."""

from __future__ import annotations

from mrconsole.template.heat import (
    constituent_name_pattern,
    flow_label,
    intended_parameters,
    name_splits,
    resolve_region,
)


def test_name_splits_longest_master_first():
    assert name_splits("my-app-db-stack-abcdefgh1234") == [
        ("my-app-db", "stack"), ("my-app", "db-stack"), ("my", "app-db-stack")]
    assert name_splits("plain-stack") == []
    assert name_splits("demo-db-ABCDEFGH1234") == []     # Heat's suffix is lowercase


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
    assert resolve_region(spec({"region_name": {"get_param": "r"}}), {"r": "RegionThree"}, "RegionOne") == \
        "RegionThree"
    assert resolve_region(spec({"region_name": {"get_param": "r"}}), {}, "RegionOne") is None
    assert resolve_region(spec({"region_name": {"str_replace": {}}}), {}, "RegionOne") is None


def test_intended_parameters_only_what_can_be_known():
    spec = {"properties": {"parameters": {
        "size": 3, "name": {"get_param": "app"}, "db_ip": {"get_attr": ["db", "outputs", "ip"]},
        "other": {"str_replace": {"template": "x", "params": {}}}, "missing": {"get_param": "nope"}}}}
    got = intended_parameters(spec, {"app": "shop"}, {"db": {"ip": "10.0.0.5"}})
    assert got == {"size": "3", "name": "shop", "db_ip": "10.0.0.5"}


def test_flow_label():
    assert flow_label("db", "ip", "web", "db_ip") == "ip: db → web.db_ip"
    assert flow_label("db", "ip", "outputs.db_ip", None) == "ip: db → outputs.db_ip"
