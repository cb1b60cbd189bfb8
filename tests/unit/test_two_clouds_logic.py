"""Several clouds in one fleet (#38), the parts that need no lab: how a region of a further cloud is named and
placed, a cloud whose Keystone does not answer said once, the per-cloud config, the options that open them,
and what a credential secret says of the cloud it logs in to (never more)."""

from __future__ import annotations

import argparse
import json
import time

import pytest
import yaml
from heatclient import exc as hexc
from keystoneauth1 import exceptions as kexc

from mrconsole import config
from mrconsole.cli.cloudargs import cloud_options
from mrconsole.cloud.connection import CloudOptions, Clouds, connect, same_keystone
from mrconsole.cloud.errors import map_exception
from mrconsole.cloud.health import HealthSnapshot
from mrconsole.cloud.region import credential_auth_url
from mrconsole.core.live.fleet import Fleet, keystone_down_in
from mrconsole.models import same_cloud
from mrconsole.state.journal import Journal
from mrconsole.state.topology_cache import AdoptData, CachedConstituent, CachedMaster, ConstituentHit, TopologyCache
from mrconsole.template.heat import resolve_region
from mrconsole.tui.widgets.health import HealthStrip
from mrconsole.tui.widgets.region_pane import pane_id

KEYSTONE_DOWN = "Keystone unreachable: connection refused or failed"


def _snap(region: str, state: str = "up", error: str | None = None, since: float | None = None) -> HealthSnapshot:
    return HealthSnapshot(region, state, 40.0, time.time(), error, since, time.time())


def test_a_further_clouds_constituent_is_named_in_its_masters_cloud():
    spec = {"type": "OS::Heat::Stack", "properties": {"context": {"region_name": "RegionTwo"}}}
    assert resolve_region(spec, {}, "RegionOne") == "RegionTwo"
    assert resolve_region(spec, {}, "edge/RegionOne") == "edge/RegionTwo"
    by_param = {"type": "OS::Heat::Stack", "properties": {"context": {"region_name": {"get_param": "r"}}}}
    assert resolve_region(by_param, {"r": "RegionThree"}, "edge/RegionOne") == "edge/RegionThree"
    assert resolve_region({"type": "OS::Heat::Stack"}, {}, "edge/RegionOne") == "edge/RegionOne"
    # With a secret, Heat makes it in the master's own region, whatever region_name says (test_barbican.py).
    secret = {"type": "OS::Heat::Stack", "properties": {"context": {"region_name": "Far", "credential_secret_id": "s"}}}
    assert resolve_region(secret, {}, "RegionOne") == "RegionOne"
    assert same_cloud("RegionOne", "RegionTwo") == "RegionTwo"
    assert same_cloud("edge/RegionOne", "edge/RegionTwo") == "edge/RegionTwo"  # already a console name


def test_a_cloud_whose_keystone_does_not_answer_is_one_outage():
    health = [
        _snap("RegionOne"),
        _snap("edge/RegionOne", "down", KEYSTONE_DOWN, since=100.0),
        _snap("edge/RegionTwo", "down", KEYSTONE_DOWN, since=90.0),
        _snap("far/RegionOne", "down", "connection refused or failed", since=80.0),  # its Heat, not its Keystone
        _snap("near/RegionOne", "down", KEYSTONE_DOWN, since=70.0),
        _snap("near/RegionTwo"),  # one region still answers: not the cloud's Keystone
    ]
    down = keystone_down_in("lab", health)
    assert [(d.cloud, d.regions, d.since) for d in down] == [("edge", ("edge/RegionOne", "edge/RegionTwo"), 90.0)]
    assert down[0].reason == KEYSTONE_DOWN
    # The first cloud's regions carry no prefix: its own Keystone down is said the same way.
    assert [d.cloud for d in keystone_down_in("lab", [_snap("RegionOne", "down", KEYSTONE_DOWN)])] == ["lab"]

    line = HealthStrip()._text("lab", health, {}, False, 2).plain
    assert line.startswith(" lab   edge ") and "✖ edge Keystone down" in line and "(2 regions)" in line, line
    assert "edge/RegionOne" not in line and "edge/RegionTwo" not in line, line  # not one outage per region
    assert "✖ far/RegionOne down" in line and "✖ near/RegionOne down" in line, line
    narrow = HealthStrip()._text("lab", health, {}, False, -1).plain  # many regions: a count, then what is not up
    assert "✖ edge Keystone down" in narrow and "2/6 regions up" in narrow, narrow
    assert "edge/RegionTwo" not in narrow and "✖ far/RegionOne" in narrow, narrow


def test_keystone_unreachable_is_told_from_a_regions_own_failure():
    refused = kexc.ConnectFailure("Unable to establish connection to https://k:5000/v3/auth/tokens: refused")
    assert map_exception(refused, "edge/RegionOne").message == KEYSTONE_DOWN
    timed_out = kexc.ConnectTimeout("Request to https://k:5000/v3/auth/tokens timed out")
    assert map_exception(timed_out, "R").message == "Keystone unreachable: timed out: no answer"
    heat_down = kexc.ConnectFailure("Unable to establish connection to https://h:8004/v1/p/stacks: refused")
    assert map_exception(heat_down, "R").message == "connection refused or failed"
    # keystonemiddleware in front of a Heat that holds a token it can no longer check (seen on the lab).
    body = json.dumps({"message": "The server is currently unavailable.<br /><br />\nThe Keystone service is "
                       "temporarily unavailable.\n\n", "code": "503 Service Unavailable"}).encode()  # fmt: skip
    said = map_exception(hexc.HTTPServiceUnavailable(message=body), "R").message
    assert said.startswith("Keystone unreachable: "), said
    assert map_exception(hexc.HTTPServiceUnavailable(message=b'{"message": "busy"}'), "R").message.startswith(
        "server error 503"
    )


def test_a_further_clouds_settings_are_read_under_its_own_name(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "open": ["prod", "edge"],
                "clouds": {
                    "prod": {"regions": {"RegionOne": {"protected": True}}},
                    "edge": {"read_only": True, "colour": "red", "regions": {"RegionOne": {"label": "edge-1"}}},
                },
            }
        )
    )
    path.chmod(0o600)
    conf = config.load(path)
    assert conf.open == ["prod", "edge"]
    regions = ["RegionOne", "RegionTwo", "edge/RegionOne", "edge/RegionTwo"]
    assert conf.protected("prod", regions) == {"RegionOne"}  # not edge's RegionOne
    assert conf.read_only_regions("prod", regions) == {"edge/RegionOne", "edge/RegionTwo"}
    assert conf.look("prod", "edge/RegionOne") == config.Look("edge-1", "#FF0000")
    path.write_text("open: prod\n")
    with pytest.raises(config.ConfigError, match="'open' lists cloud names"):
        config.load(path)


def _args(**kw) -> argparse.Namespace:
    base = {"os_cloud": None, "lab": False, "lab_dir": None, "regions": [], "request_timeout": None}
    return argparse.Namespace(**{**base, **kw})


def test_os_cloud_repeated_opens_them_together_and_the_config_says_which_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("OS_CLOUD", raising=False)
    opts = cloud_options(_args(os_cloud=["prod", "edge"], regions=["edge/RegionOne"]))
    assert (opts.cloud, opts.also, opts.regions) == ("prod", ["edge"], ["edge/RegionOne"])
    path = tmp_path / "config.yaml"
    path.write_text("open: [prod, edge]\n")
    path.chmod(0o600)
    monkeypatch.setenv("MRCONSOLE_CONFIG", str(path))
    opts = cloud_options(_args())
    assert (opts.cloud, opts.also) == ("prod", ["edge"])
    monkeypatch.setenv("OS_CLOUD", "staging")  # the environment's cloud wins over the config's list
    opts = cloud_options(_args())
    assert (opts.cloud, opts.also) == (None, [])


def _clouds_yaml(tmp_path) -> str:
    def cloud(port: int, regions):
        return {
            "auth_type": "none",
            "regions": [
                {"name": r, "values": {"orchestration_endpoint_override": f"http://127.0.0.1:{port + i}/v1/x"}}
                for i, r in enumerate(regions)
            ],
        }

    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"prod": cloud(9100, ["RegionOne", "RegionTwo"]),
                                               "edge": cloud(9200, ["RegionOne"])}}))  # fmt: skip
    return str(path)


async def test_two_clouds_make_one_fleet_whose_regions_keep_their_catalog_names(tmp_path):
    opts = CloudOptions(cloud="prod", also=["edge"], config_file=_clouds_yaml(tmp_path))
    cloud = await connect(opts)
    try:
        assert isinstance(cloud, Clouds)
        fleet = Fleet(cloud)
        assert fleet.region_names == ["RegionOne", "RegionTwo", "edge/RegionOne"]
        assert fleet.cloud_names == ["prod", "edge"]
        assert [fleet.cloud_of(r) for r in fleet.region_names] == ["prod", "prod", "edge"]
        edge = fleet.region("edge/RegionOne")
        assert (edge.region, edge.catalog_region) == ("edge/RegionOne", "RegionOne")  # the catalog's own name
        assert edge._heat_endpoint() == "http://127.0.0.1:9200/v1/x"
    finally:
        cloud.close()
    # --region picks among them by the console's names; a cloud with none of them is not opened.
    cloud = await connect(CloudOptions(cloud="prod", also=["edge"], config_file=opts.config_file,
                                       regions=["edge/RegionOne"]))  # fmt: skip
    try:
        assert cloud.region_names == ["edge/RegionOne"] and [c.name for c in cloud.members] == ["edge"]
    finally:
        cloud.close()
    with pytest.raises(Exception, match="'far/RegionOne' is not in the clouds opened"):
        await connect(CloudOptions(cloud="prod", also=["edge"], config_file=opts.config_file,
                                   regions=["far/RegionOne"]))  # fmt: skip
    with pytest.raises(Exception, match="a cloud is named twice"):
        await connect(CloudOptions(cloud="prod", also=["prod"], config_file=opts.config_file))


def test_panes_of_two_clouds_have_ids_textual_takes_and_that_differ():
    ids = {pane_id(r) for r in ("RegionOne", "edge/RegionOne", "edge_2fRegionOne", "Région.1")}
    assert len(ids) == 4
    assert all(i.replace("-", "").replace("_", "").isascii() and i.replace("-", "_").isidentifier() for i in ids)


def test_which_keystone_a_secret_logs_in_to_and_nothing_else():
    login = {"auth_type": "v3applicationcredential", "auth": {"auth_url": "https://k2:5000/v3",
             "application_credential_id": "id", "application_credential_secret": "Quartz-4471"}}  # fmt: skip
    assert credential_auth_url(json.dumps(login)) == "https://k2:5000/v3"
    assert credential_auth_url("Quartz-4471") == "" and credential_auth_url('{"auth": 1}') == ""
    assert same_keystone("https://k2:5000/v3", "https://K2:5000/")
    assert same_keystone("https://k/identity/v3", "https://k/identity")
    assert not same_keystone("https://k2:5000/v3", "https://k1:5000/v3")
    assert not same_keystone("https://k/identity", "https://k/identity2")
    assert not same_keystone("", "")


def test_a_command_by_hand_names_a_further_clouds_region_by_its_own_names():
    from mrconsole.core.acting.by_hand import command

    assert command("prod", "edge/RegionOne", ["stack", "check", "x"]) == (
        "openstack --os-cloud edge --os-region-name RegionOne stack check x"
    )
    assert command("prod", "RegionOne", ["stack", "check", "x"]).startswith(
        "openstack --os-cloud prod --os-region-name RegionOne "
    )


def _edge_master(seen_at: float) -> CachedMaster:
    """A master of cloud `edge` as a fleet whose first cloud is `prod` names it."""
    return CachedMaster(
        "prod", "m-1", "web", "edge/RegionOne", "CREATE_COMPLETE", seen_at, [["db", "ip", "app", "db_ip"]],
        [
            CachedConstituent("db", "edge/RegionTwo", "s-db", "web-db", "CREATE_COMPLETE"),
            CachedConstituent("app", "edge/RegionOne", "s-app", "web-app", "CREATE_COMPLETE"),
            CachedConstituent("later", None, None, None, "INIT_COMPLETE"),
        ],
    )  # fmt: skip


def test_a_master_kept_in_the_cache_is_found_whichever_clouds_are_opened(tmp_path):
    cache = TopologyCache(tmp_path / "topology.sqlite")
    cache.save(_edge_master(time.time()))

    alone = cache.load(["edge"], "web")  # --os-cloud edge alone: its own names
    assert alone is not None and (alone.cloud, alone.region) == ("edge", "RegionOne")
    assert [c.region for c in alone.constituents] == ["RegionOne", "RegionTwo", None]
    both = cache.load(["prod", "edge"], "m-1")  # as it was seen
    assert both is not None and both.region == "edge/RegionOne"
    assert [c.region for c in both.constituents] == ["edge/RegionOne", "edge/RegionTwo", None]
    assert cache.load(["prod"], "web") is None  # not prod's: never shown as a prod master
    swapped = cache.load(["edge", "prod"], "web")
    assert swapped is not None and swapped.region == "RegionOne"

    assert cache.find_constituent(["edge"], "s-db") == ConstituentHit("web", "m-1", "RegionOne", "db")
    assert cache.find_constituent(["prod", "edge"], "s-db") == ConstituentHit("web", "m-1", "edge/RegionOne", "db")
    assert cache.find_constituent(["prod"], "s-db") is None
    assert cache.claimants(["prod", "edge"], ["s-app"]) == [("m-1", "web", "edge/RegionOne", "s-app")]
    assert [m.name for m in cache.masters(["edge"])] == ["web"] and cache.masters("prod") == []

    # Saved again as the lone cloud names it: one record, not two.
    cache.save(alone)
    assert len(cache.masters(["prod", "edge"])) == 1
    cache.forget(["prod", "edge"], "m-1")
    assert cache.load(["edge"], "web") is None and cache.find_constituent(["edge"], "s-db") is None


def test_adopt_data_is_kept_under_the_masters_own_cloud(tmp_path):
    cache = TopologyCache(tmp_path / "topology.sqlite")
    cache.save_adopt(AdoptData("edge", "m-1", "v1", time.time(), {"template": {}}, ()))
    kept = cache.load_adopt(["prod", "edge"], "m-1")
    assert kept is not None and (kept.cloud, kept.version) == ("edge", "v1")
    assert cache.load_adopt(["edge"], "m-1") is not None and cache.load_adopt("prod", "m-1") is None


def test_an_action_journaled_with_two_clouds_open_is_read_under_its_own_cloud(tmp_path):
    journal = Journal(tmp_path / "journal.sqlite")
    journal.begin(cloud="prod", region="edge/RegionTwo", stack_name="web-db", action="suspend")
    journal.begin(cloud="prod", region="RegionTwo", stack_name="shop", action="resume")

    everything = {(e.cloud, e.region, e.stack_name) for e in journal.entries()}
    assert everything == {("edge", "RegionTwo", "web-db"), ("prod", "RegionTwo", "shop")}
    alone = journal.entries(cloud="edge")
    assert [(e.region, e.stack_name) for e in alone] == [("RegionTwo", "web-db")]
    both = journal.entries(cloud=["prod", "edge"])
    assert {(e.region, e.stack_name) for e in both} == {("edge/RegionTwo", "web-db"), ("RegionTwo", "shop")}
    # A region filter names regions as the console does: prod's RegionTwo is not edge's.
    assert [e.stack_name for e in journal.entries(cloud=["prod", "edge"], regions=["RegionTwo"])] == ["shop"]
    assert [e.stack_name for e in journal.entries(cloud=["prod", "edge"], regions=["edge/RegionTwo"])] == ["web-db"]
    assert [e.stack_name for e in journal.entries(cloud=["edge"], regions=["RegionTwo"])] == ["web-db"]
