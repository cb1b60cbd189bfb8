"""HTTPS everywhere on the production profile (#34): the lab's own CA signs Keystone's and each Heat's
certificate; clouds.yaml names it (`cacert`). The console verifies, honours a region's own TLS settings,
says in one line which endpoint presented a certificate it does not trust, and warns once when told
not to verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import MASTER


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory) -> Path:
    from mrconsole.lab.tls import make_ca

    return make_ca(tmp_path_factory.mktemp("other-ca"), "a CA the lab never used")


def _clouds(lab, tmp_path: Path, change) -> Path:
    """A copy of the lab's clouds.yaml with `change(cloud)` applied to its operator's cloud."""
    data = yaml.safe_load(lab.clouds_yaml.read_text())
    change(data["clouds"]["mrconsole-lab"])
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump(data))
    path.chmod(0o600)
    return path


def test_every_endpoint_is_https_and_heat_reaches_the_other_regions_over_it(lab, cli):
    cloud = yaml.safe_load(lab.clouds_yaml.read_text())["clouds"]["mrconsole-lab"]
    assert cloud["auth"]["auth_url"].startswith("https://") and Path(cloud["cacert"]).is_file()
    code, out, err = cli("lab", "status", "--dir", str(lab.dir), "--format", "json")
    assert all(c["url"].startswith("https://") for c in json.loads(out)["components"] if c["kind"] != "database"), out
    # The seeded master's constituents were created by its region's Heat calling the others over HTTPS.
    code, out, err = cli("status", "--lab", "--master", MASTER, "--format", "json")
    state = json.loads(out)
    assert state["mode"] == "live" and {c["region"] for c in state["constituents"]} == {"RegionTwo", "RegionThree"}


def test_a_certificate_the_ca_did_not_sign_is_one_line_naming_the_endpoint(lab, cli, other_ca, tmp_path, monkeypatch):
    port = lab.lab.layout().ports["keystone"]
    path = _clouds(lab, tmp_path, lambda c: c.update(cacert=str(other_ca)))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    code, out, err = cli("status", "--os-cloud", "mrconsole-lab")
    assert code == 1 and "Traceback" not in err, err
    line = err.strip()
    assert "\n" not in line and f"TLS: https://127.0.0.1:{port} presented a certificate" in line, line
    assert "cacert" in line, line


def test_a_regions_own_cacert_is_honoured_and_only_that_region_is_refused(lab, cli, other_ca, tmp_path, monkeypatch):
    regions = [{"name": r} for r in lab.regions]
    regions[1]["values"] = {"cacert": str(other_ca)}
    path = _clouds(lab, tmp_path, lambda c: c.update(regions=regions))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    code, out, err = cli("status", "--os-cloud", "mrconsole-lab", "--format", "json")
    health = {r["name"]: r for r in json.loads(out)["regions"]}
    wrong = lab.regions[1]
    assert health[wrong]["health"] == "down" and "TLS: https://127.0.0.1:" in health[wrong]["last_error"], health
    assert all(health[r]["health"] == "up" for r in lab.regions if r != wrong), health
    assert code != 0  # a region down: degraded, never a silent success


def test_verify_false_works_and_is_said_once(lab, cli, tmp_path, monkeypatch):
    def insecure(cloud):
        cloud.pop("cacert")
        cloud["verify"] = False

    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(_clouds(lab, tmp_path, insecure)))
    from tests.conftest import run_process

    done = run_process("status", "--os-cloud", "mrconsole-lab", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert {r["health"] for r in json.loads(done.stdout)["regions"]} == {"up"}
    assert done.stderr.count("TLS verification is off for cloud mrconsole-lab") == 1, done.stderr
    assert "InsecureRequestWarning" not in done.stderr
