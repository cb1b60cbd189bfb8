"""The release's two templates (core/master/release.py plan_templates): pure, from the master's template."""

from __future__ import annotations

import copy

import yaml

from mrconsole.core.master.release import RETAIN, plan_templates

MASTER = yaml.safe_load(
    """
heat_template_version: 2018-08-31
parameters:
  region_two: {type: string, default: RegionTwo}
resources:
  db:
    type: OS::Heat::Stack
    properties: {context: {region_name: RegionOne}, template: "x"}
  app:
    type: OS::Heat::Stack
    properties:
      context: {region_name: {get_param: region_two}}
      template: "y"
      parameters: {db_ip: {get_attr: [db, outputs, ip]}}
  edge:
    type: OS::Heat::Stack
    depends_on: [app]
    properties: {context: {region_name: RegionThree}, template: "z"}
outputs:
  app_url: {value: {get_attr: [app, outputs, url]}}
  db_ip: {value: {get_attr: [db, outputs, ip]}}
  both: {value: [{get_attr: [app, outputs, url]}, {get_attr: [db, outputs, ip]}]}
"""
)


def test_the_first_template_only_retains_and_the_second_drops_it_and_what_reads_it():
    before = copy.deepcopy(MASTER)
    retain, without, dropped, readers = plan_templates(MASTER, "edge")
    assert MASTER == before  # the caller's template is left as it was
    assert retain is not None and retain["resources"]["edge"]["deletion_policy"] == RETAIN
    assert {k: v for k, v in retain["resources"].items() if k != "edge"} == {
        k: v for k, v in MASTER["resources"].items() if k != "edge"
    }
    assert set(without["resources"]) == {"db", "app"} and without["outputs"] == MASTER["outputs"]
    assert dropped == () and readers == []
    assert without["parameters"] == MASTER["parameters"]


def test_the_outputs_that_read_it_are_dropped_and_the_resources_that_read_it_named():
    _retain, without, dropped, readers = plan_templates(MASTER, "db")
    assert dropped == ("both", "db_ip") and set(without["outputs"]) == {"app_url"}
    assert readers == ["app"]  # get_attr in its parameters
    assert plan_templates(MASTER, "app")[3] == ["edge"]  # depends_on


def test_a_constituent_already_retained_needs_one_update():
    retained = copy.deepcopy(MASTER)
    retained["resources"]["edge"]["deletion_policy"] = "retain"  # the lower-case alias of HOT 2016-10-14
    retain, without, _dropped, _readers = plan_templates(retained, "edge")
    assert retain is None and "edge" not in without["resources"]
