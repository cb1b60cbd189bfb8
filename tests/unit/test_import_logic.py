"""An import's pure parts (core/master/gather.py): the --stack words, the resources' names, the master's
template and files, and what a stack cannot bring with it."""

from __future__ import annotations

import json

import pytest

from mrconsole.core.errors import PlanError
from mrconsole.core.master.gather import (
    Member,
    Wanted,
    carried_environment,
    file_clashes,
    master_template,
    parse_wanted,
    resource_names,
    said_changes,
    split_nested,
)
from mrconsole.models import Stack
from mrconsole.template.heat import child_template_text, hidden_parameters, regional_resources, resolve_region

WEB = {
    "heat_template_version": "2018-08-31",
    "parameters": {"release": {"type": "string"}, "token": {"type": "string", "hidden": True}},
    "resources": {"conf": {"type": "OS::Heat::Value", "properties": {"value": {"get_file": "app.conf"}}}},
}


def _member(resource: str, region: str, name: str, files=None, hidden=(), timeout=None) -> Member:
    stack = Stack(region, f"id-{name}-{region}", name, "CREATE_COMPLETE")
    return Member(resource, stack, WEB, {"release": "v1"}, tuple(hidden), dict(files or {}), timeout)


def test_a_stack_is_named_by_region_and_name_and_optionally_its_resource():
    assert parse_wanted("RegionTwo=web") == Wanted("RegionTwo", "web", "")
    assert parse_wanted("RegionTwo=web:front") == Wanted("RegionTwo", "web", "front")
    for bad in ("web", "=web", "RegionTwo=", "RegionTwo=web:no/slash"):
        with pytest.raises(PlanError) as err:
            parse_wanted(bad)
        assert err.value.usage, bad


def test_resources_take_the_stack_name_and_the_region_only_when_two_stacks_share_it():
    wanted = [Wanted("RegionOne", "web"), Wanted("RegionTwo", "web"), Wanted("RegionThree", "db")]
    assert resource_names(wanted) == ["web_RegionOne", "web_RegionTwo", "db"]
    assert resource_names([Wanted("RegionOne", "web", "front"), Wanted("RegionTwo", "web")]) == ["front", "web"]
    with pytest.raises(PlanError, match="'db'"):
        resource_names([Wanted("RegionOne", "db"), Wanted("RegionTwo", "x", "db")])


def test_the_master_gives_each_stack_its_own_template_parameters_and_timeout_in_its_region():
    members = [
        _member("web_one", "RegionOne", "web", {"app.conf": "a=1"}, timeout=10),
        _member("web_two", "RegionTwo", "web", {"app.conf": "a=1"}, hidden=("token",)),
    ]
    template, files = master_template("fleet", members)
    # What the console reads back as a master: each resource in its region (template/heat.py is the reader).
    found = regional_resources(template)
    assert {r: resolve_region(spec, {}, "RegionOne") for r, spec in found.items()} == {
        "web_one": "RegionOne",
        "web_two": "RegionTwo",
    }
    assert json.loads(child_template_text(found["web_two"], files) or "") == WEB and files["app.conf"] == "a=1"
    one = template["resources"]["web_one"]["properties"]
    two = template["resources"]["web_two"]["properties"]
    assert one["parameters"] == {"release": "v1"} and one["timeout"] == 10 and "timeout" not in two
    # A hidden value stays hidden: a hidden parameter of the master, given to the stack by get_param.
    assert two["parameters"]["token"] == {"get_param": "web_two_token"}
    assert hidden_parameters(template) == {"web_two_token"}
    assert "web_one_token" not in template["parameters"]


def test_files_two_stacks_give_differently_and_the_masters_own_names_are_refused():
    same = [_member("a", "RegionOne", "a", {"app.conf": "x"}), _member("b", "RegionTwo", "b", {"app.conf": "x"})]
    assert file_clashes(same) == []
    differ = [_member("a", "RegionOne", "a", {"app.conf": "x"}), _member("b", "RegionTwo", "b", {"app.conf": "y"})]
    assert file_clashes(differ) == ["app.conf (a and b differ)"]
    taken = [_member("a", "RegionOne", "a", {"imported/b.yaml": "x"})]
    assert file_clashes(taken) and "imported/b.yaml" in file_clashes(taken)[0]


def test_what_the_masters_updates_would_drop_from_a_stacks_environment():
    assert carried_environment({"parameters": {"a": 1}, "parameter_defaults": {"b": 2}, "resource_registry":
                                {"resources": {}}, "event_sinks": []}) == []  # fmt: skip
    registry = {"resource_registry": {"My::Type": "t.yaml", "resources": {"x": {"hooks": "pre-create"}}}}
    assert carried_environment(registry) == ["resource_registry resources", "resource_registry (My::Type)"]
    assert carried_environment({"event_sinks": [{"type": "zaqar-queue"}]}) == ["event_sinks"]
    # What Heat stored for a stack whose ResourceGroup makes `type: web_worker.yaml` (read on the lab): the
    # template's own URL registered to itself, which the master's files bring along.
    url = "file:///tmp/web_worker.yaml"
    assert carried_environment({"resource_registry": {"resources": {}, url: url}}) == []
    assert carried_environment({"resource_registry": {"My::Worker": url}}) == ["resource_registry (My::Worker)"]


def test_heats_preview_said_in_one_line():
    assert said_changes({}) == "not previewed"
    assert said_changes({"unchanged": ["a", "b"], "updated": []}) == "changes nothing (2 resource(s) unchanged)"
    assert said_changes({"unchanged": ["a"], "updated": ["b"], "replaced": ["c"]}) == "replaced c; updated b"


def test_a_nested_stack_heat_always_previews_as_updated_is_said_apart():
    """Heat's preview of an identical update names a ResourceGroup "updated" (seen on the lab; stack_resource.py
    always updates a nested stack): it is not a change the import makes."""
    template = {
        "resources": {
            "web_server": {"type": "OS::Heat::TestResource"},
            "web_pool": {"type": "OS::Heat::ResourceGroup"},
            "worker": {"type": "file:///tmp/web_worker.yaml"},
            "db": {"type": "OS::Heat::TestResource"},
        }
    }
    changes = {"unchanged": ["web_server"], "updated": ["web_pool", "worker", "db"], "replaced": []}
    split = split_nested(changes, template)
    assert split["updated"] == ["db"] and split["nested"] == ["web_pool", "worker"]
    quiet = split_nested({"unchanged": ["web_server"], "updated": ["web_pool"]}, template)
    assert said_changes(quiet).startswith("changes nothing (1 resource(s) unchanged; nested stack(s) web_pool:")
    assert split_nested(changes, {"resources": {}}) == changes
