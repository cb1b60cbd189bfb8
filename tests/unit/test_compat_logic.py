"""What each region's Heat takes, checked against what is sent there (core/acting/compat.py; pure, no Heat)."""

from __future__ import annotations

from mrconsole.cloud.templates import TemplateBundle
from mrconsole.core.acting.compat import compat_findings, needs_of

CHILD = "heat_template_version: 2021-04-16\nresources:\n  c: {type: Lab::Cache::Redis}\n"
MASTER = {
    "heat_template_version": "2018-08-31",
    "parameters": {"far": {"type": "string", "default": "RegionThree"}},
    "resources": {
        "near": {"type": "OS::Heat::None"},
        "mine": {"type": "mine.yaml"},
        "cache_stack": {
            "type": "OS::Heat::Stack",
            "properties": {"context": {"region_name": {"get_param": "far"}}, "template": {"get_file": "c.yaml"}},
        },
    },
}


class _Region:
    def __init__(self, versions, types):
        self.versions, self.types = versions, types

    async def template_versions(self):
        return frozenset(self.versions)

    async def resource_types(self):
        return frozenset(self.types)


class _Fleet:
    region_names = ["RegionOne", "RegionThree"]

    def __init__(self, regions):
        self.regions = regions

    def region(self, name):
        return self.regions[name]


def test_each_template_is_checked_against_the_region_it_goes_to():
    bundle = TemplateBundle(template=MASTER, files={"c.yaml": CHILD})
    needs = needs_of(bundle, {"far": "RegionThree"}, "RegionOne")
    assert [(n.region, n.what, n.version) for n in needs] == [
        ("RegionOne", "the master's template", "heat_template_version.2018-08-31"),
        ("RegionThree", "cache_stack's template", "heat_template_version.2021-04-16"),
    ]
    # A template file as a type is the template's own: not asked about.
    assert needs[0].types == {"OS::Heat::None", "OS::Heat::Stack"}


async def test_a_missing_version_or_type_names_the_region():
    bundle = TemplateBundle(template=MASTER, files={"c.yaml": CHILD})
    full = {"heat_template_version.2018-08-31", "heat_template_version.2021-04-16"}
    fleet = _Fleet(
        {
            "RegionOne": _Region(full, {"OS::Heat::None", "OS::Heat::Stack", "Lab::Cache::Redis"}),
            "RegionThree": _Region({"heat_template_version.2018-08-31"}, {"OS::Heat::None"}),
        }
    )
    found = await compat_findings(fleet, needs_of(bundle, {}, "RegionOne"))
    said = [f.message for f in found if f.severity == "blocking"]
    assert said == [
        "RegionThree's Heat does not take heat_template_version.2021-04-16 (cache_stack's template): "
        "it is an older release",
        "RegionThree's Heat has no Lab::Cache::Redis (cache_stack's template): its release or its services "
        "lack it, so Heat would refuse the template there",
    ]
    fleet.regions["RegionThree"] = _Region(full, {"Lab::Cache::Redis"})
    assert await compat_findings(fleet, needs_of(bundle, {}, "RegionOne")) == []
