"""cloud/connection.py: what the session reads from the environment, and when."""

from __future__ import annotations

from keystoneauth1 import session as ksession

from mrconsole.cloud.connection import _environment_once


def _clear_proxies(monkeypatch):
    for var in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


def test_without_a_proxy_the_environment_is_read_once_and_its_ca_bundle_kept(monkeypatch, tmp_path):
    _clear_proxies(monkeypatch)
    bundle = tmp_path / "ca.pem"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    s = ksession.Session()
    _environment_once(s)
    assert s.session.trust_env is False  # no scan of the environment per request
    assert s.verify == str(bundle)  # what requests would have read at each request
    # A verify the cloud's config gave is not overridden.
    s = ksession.Session(verify=False)
    _environment_once(s)
    assert s.verify is False


def test_with_a_proxy_requests_keeps_reading_the_environment(monkeypatch):
    _clear_proxies(monkeypatch)
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    s = ksession.Session()
    _environment_once(s)
    assert s.session.trust_env is True  # per-URL no_proxy stays requests' to decide


async def test_regions_alike_in_clouds_yaml_read_its_config_once_and_each_keeps_its_own_values(tmp_path, monkeypatch):
    """cloud/connection.py _connect_one: openstack.config's get_one loads the auth plugin through stevedore
    (every installed package's entry points, ~10 ms) at each call: half a second of the start at 50
    regions. It is asked once per distinct `values` of a region in clouds.yaml; a region with values of
    its own still gets them."""
    import openstack.config.loader as loader
    import yaml

    from mrconsole.cloud.connection import CloudOptions, connect

    regions = [{"name": f"R{i}"} for i in range(6)]
    regions[4]["values"] = {"orchestration_endpoint_override": "http://127.0.0.1:9999/v1/own", "interface": "internal"}
    cloud_entry = {
        "auth_type": "none",
        "regions": regions,
        "orchestration_endpoint_override": "http://127.0.0.1:9100/v1/x",
    }
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"c": cloud_entry}}))
    asked = []
    get_one = loader.OpenStackConfig.get_one

    def counted(self, *args, **kwargs):
        asked.append(kwargs.get("region_name"))
        return get_one(self, *args, **kwargs)

    monkeypatch.setattr(loader.OpenStackConfig, "get_one", counted)
    cloud = await connect(CloudOptions(cloud="c", config_file=str(path)))
    try:
        assert len(asked) <= 3  # the first region's (the session's), then one per distinct values: 2
        assert cloud.region_names == [f"R{i}" for i in range(6)]
        ends = {r: (c._heat_endpoint(), c._interface) for r, c in cloud.regions.items()}
        assert ends["R4"] == ("http://127.0.0.1:9999/v1/own", "internal")
        assert all(ends[f"R{i}"] == ("http://127.0.0.1:9100/v1/x", "public") for i in (0, 1, 2, 3, 5))
    finally:
        cloud.close()


def test_a_region_client_keeps_names_by_id_up_to_its_bound_and_forgets_the_oldest(monkeypatch):
    from mrconsole.cloud import region as region_mod
    from mrconsole.models import Stack

    monkeypatch.setattr(region_mod, "KNOWN_NAMES", 2)
    client = region_mod.RegionClient("RegionOne", session=None)
    try:
        client._learn(
            [Stack(region="RegionOne", id=f"id-{n}", name=f"s{n}", status="CREATE_COMPLETE") for n in range(3)]
        )
        assert client.stack_ref("id-0") == "id-0"  # the oldest, forgotten: asked by id (Heat's lookup)
        assert client.stack_ref("id-2") == "s2/id-2"
        assert client.stack_ref("s2") == "s2"  # a name, or NAME/ID, goes as given
        assert client.stack_ref("s2/id-2") == "s2/id-2"
    finally:
        client.close()
