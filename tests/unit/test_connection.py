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
