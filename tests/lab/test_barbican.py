"""A constituent whose credentials are a Barbican secret (#38: `context: {credential_secret_id: ...}`), on the
two-cloud lab (`lab up --clouds 2`: mrconsole-lab with Barbican, and lab-edge with a Keystone and a Heat of its
own), Heat as the oracle for what the console says before anything is sent:

- a secret holding another cloud's login (lab-edge's application credential) does not take the stack there:
  Heat checks that login against lab-edge's Keystone, then makes the stack in its own cloud, in the master's
  region, whatever `region_name` says (MR013; the create's preflight refuses it, `--force` sends it);
- `ca_cert` is the certificate's text, a path there fails TLS (MR014);
- a secret that is not there, or not a login Heat can use, is refused before sending, as Heat refuses it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

CHILD = {
    "heat_template_version": "2018-08-31",
    "resources": {"v": {"type": "OS::Heat::Value", "properties": {"value": "edge"}}},
}


@pytest.fixture
def lab(two_clouds):
    """The two-cloud lab (conftest.py two_cloud_lab), `--lab` pointed at it."""
    return two_clouds


def _secret(lab_, payload: str | None = None) -> str:
    """The demo login (or `payload`), stored as Heat reads a remote cloud's credential
    (heat/common/auth_plugin.py: JSON with auth_type and auth), through Keystone and the catalog's key-manager,
    as an operator stores it."""
    import openstack.config
    from barbicanclient import client as barbican

    config = openstack.config.OpenStackConfig(config_files=[str(lab_.dir / "clouds.yaml")])
    cloud = config.get_one(cloud="mrconsole-lab", region_name="RegionOne")
    auth = cloud.config["auth"]
    keys = ("auth_url", "username", "password", "project_name", "user_domain_name", "project_domain_name")
    login = json.dumps({"auth_type": "v3password", "auth": {k: auth[k] for k in keys}})
    kms = barbican.Client(session=cloud.get_session(), region_name="RegionOne")
    ref = kms.secrets.create(name="lab-cloud", payload=payload or login, payload_content_type="text/plain").store()
    assert kms.secrets.get(ref).payload == (payload or login)  # read back, as Heat will
    return ref


def _master(tmp_path: Path, lab_, ref: str, region: str, ca_cert) -> Path:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "ca.pem").write_text(Path(lab_.lab.layout().cafile).read_text())
    master = {
        "heat_template_version": "2018-08-31",
        "resources": {
            "edge": {
                "type": "OS::Heat::Stack",
                "properties": {
                    "context": {"region_name": region, "credential_secret_id": ref}
                    | ({"ca_cert": ca_cert} if ca_cert is not None else {}),
                    "template": yaml.safe_dump(CHILD),
                },
            }
        },
    }
    path = tmp_path / f"master-{region}.yaml"
    path.write_text(yaml.safe_dump(master))
    return path


def _where(cli, name: str) -> dict[str, list[str]]:
    """Region -> names of the stacks there whose name starts with `name`, as `mrconsole status` says."""
    code, out, err = cli("status", "--lab", "--format", "json")
    assert code == 0, err
    found: dict[str, list[str]] = {}
    for region in json.loads(out)["regions"]:
        for stack in region["stacks"]:
            if stack["name"].startswith(name):
                found.setdefault(region["name"], []).append(stack["name"])
    return found


def test_a_secret_for_another_cloud_makes_the_stack_in_the_masters_own_cloud(lab, cli, tmp_path):
    layout = lab.lab.layout()
    path = _master(tmp_path, lab, layout.extra["edge"]["secrets"]["unrestricted"], "RegionTwo", {"get_file": "ca.pem"})

    # Said before anything is sent: the template alone...
    code, out, err = cli("validate", str(path), "--lab", "--master-region", "RegionOne", "--format", "json")
    assert out, err
    said = json.loads(out)
    codes = [f["code"] for f in said["findings"]]
    assert "MR013" in codes and "MR010" not in codes, said
    assert "the master's own cloud, in RegionOne, not RegionTwo" in out
    # ...and the create's preflight, which reads the secret and sees another Keystone: refused, nothing sent.
    code, out, err = cli("stack", "create", "cxm", "-t", str(path), "--lab", "--region", "RegionOne",
                         "--format", "json")  # fmt: skip
    edge_keystone = lab.lab.edge().layout().url("keystone")
    assert code != 0 and f"the secret logs in to another cloud ({edge_keystone}/v3)" in out + err, out + err
    assert "the default CAs do not accept" not in out + err  # its context gives ca_cert
    assert _where(cli, "cxm") == {}, "nothing was sent"
    # Without ca_cert, Heat checks that Keystone's certificate with its host's trust: the lab's own CA is not
    # among the default CAs, which is said too.
    bare = _master(tmp_path / "bare", lab, layout.extra["edge"]["secrets"]["unrestricted"], "RegionOne", None)
    code, out, err = cli("stack", "create", "cxbare", "-t", str(bare), "--lab", "--region", "RegionOne",
                         "--format", "json")  # fmt: skip
    assert code != 0 and f"the secret's Keystone ({edge_keystone}/v3): the default CAs do not accept" in out + err, (
        out + err
    )
    assert "context: {ca_cert: {get_file: ca.pem}}" in out + err, out + err

    # Heat, sent it anyway: the stack is made in this cloud's RegionOne (the master's region); lab-edge, the
    # cloud the secret logs in to, has none, nor has RegionTwo.
    code, out, err = cli("stack", "create", "cxm", "-t", str(path), "--lab", "--region", "RegionOne",
                         "--force", "--wait", "--format", "json")  # fmt: skip
    assert code == 0, err + out
    where = _where(cli, "cxm-edge-")
    assert list(where) == ["RegionOne"] and len(where["RegionOne"]) == 1, where

    # A restricted application credential (which cannot create trusts) changes nothing: Heat only asks a token
    # with the secret's login, then sends through its own.
    path_r = _master(tmp_path, lab, layout.extra["edge"]["secrets"]["restricted"], "RegionOne", {"get_file": "ca.pem"})
    code, out, err = cli("stack", "create", "cxr", "-t", str(path_r), "--lab", "--region", "RegionOne",
                         "--force", "--wait", "--format", "json")  # fmt: skip
    assert code == 0, err + out
    assert list(_where(cli, "cxr-edge-")) == ["RegionOne"]

    # Yet Heat does log in to lab-edge's Keystone with the secret: the same login with a wrong secret is refused.
    from heatclient import exc

    cred = lab.lab.edge().layout().extra["people"]["appcreds"]["mrconsole-lab-appcred"]
    wrong = {"auth_url": f"{edge_keystone}/v3", "application_credential_id": cred["id"]}
    wrong["application_credential_secret"] = "not-" + cred["secret"]
    ref = _secret(lab, json.dumps({"auth_type": "v3applicationcredential", "auth": wrong}))
    path = _master(tmp_path, lab, ref, "RegionOne", {"get_file": "ca.pem"})
    with pytest.raises(exc.HTTPException) as refused:
        _heat(lab).stacks.create(
            stack_name="cxwrong",
            template=yaml.safe_load(path.read_text()),
            files={"ca.pem": (tmp_path / "ca.pem").read_text()},
        )
    assert "Failed to validate auth_plugin" in str(refused.value), refused.value
    assert cred["secret"] not in str(refused.value)
    assert _where(cli, "cxwrong") == {}


def test_a_path_for_ca_cert_is_refused_before_sending_and_heat_refuses_it_too(lab, cli, tmp_path):
    ref = _secret(lab)
    path = _master(tmp_path, lab, ref, "RegionOne", str(lab.lab.layout().cafile))

    code, out, err = cli("stack", "create", "cxpath", "-t", str(path), "--lab", "--region", "RegionOne",
                         "--format", "json")  # fmt: skip
    assert code != 0 and "ca_cert is the certificate's PEM text" in out + err, out + err
    assert _where(cli, "cxpath") == {}, "nothing was sent"

    # Sent anyway, by heatclient (the console's --force does not override an error in the template itself):
    # Heat reads the path as a certificate, and the TLS of the other cloud's Keystone fails.
    import openstack.config
    from heatclient import client as heat
    from heatclient import exc

    config = openstack.config.OpenStackConfig(config_files=[str(lab.dir / "clouds.yaml")])
    cloud = config.get_one(cloud="mrconsole-lab", region_name="RegionOne")
    client = heat.Client("1", session=cloud.get_session(), region_name="RegionOne")
    with pytest.raises(exc.HTTPBadRequest) as refused:
        client.stacks.create(stack_name="cxpath", template=yaml.safe_load(path.read_text()))
    assert "NO_CERTIFICATE_OR_CRL_FOUND" in str(refused.value), refused.value
    assert _where(cli, "cxpath") == {}


def _heat(lab_, region: str = "RegionOne"):
    import openstack.config
    from heatclient import client as heat

    config = openstack.config.OpenStackConfig(config_files=[str(lab_.dir / "clouds.yaml")])
    cloud = config.get_one(cloud="mrconsole-lab", region_name=region)
    return heat.Client("1", session=cloud.get_session(), region_name=region)


def test_a_secret_heat_cannot_use_is_refused_before_sending_as_heat_refuses_it(lab, cli, tmp_path):
    from heatclient import exc

    ref = _secret(lab)
    missing = ref.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    path = _master(tmp_path, lab, missing, "RegionOne", {"get_file": "ca.pem"})
    code, out, err = cli("stack", "create", "cxmissing", "-t", str(path), "--lab", "--region", "RegionOne",
                         "--format", "json")  # fmt: skip
    assert code != 0 and "Barbican in RegionOne has no such secret" in out + err, out + err
    assert _where(cli, "cxmissing") == {}, "nothing was sent"
    # Heat, sent the same: it refuses the create, having found no such secret either.
    with pytest.raises(exc.HTTPException) as refused:
        _heat(lab).stacks.create(
            stack_name="cxmissing",
            template=yaml.safe_load(path.read_text()),
            files={"ca.pem": (tmp_path / "ca.pem").read_text()},
        )
    assert "could not be found" in str(refused.value) and missing in str(refused.value), refused.value
    assert _where(cli, "cxmissing") == {}

    # A secret that is not a login Heat can use (a password kept there by habit): said, its text never shown.
    plain = _secret(lab, "Quartz-Plain-8841")
    path = _master(tmp_path, lab, plain, "RegionOne", {"get_file": "ca.pem"})
    code, out, err = cli("stack", "create", "cxplain", "-t", str(path), "--lab", "--region", "RegionOne",
                         "--format", "json")  # fmt: skip
    assert code != 0 and "its payload is not JSON" in out + err, out + err
    assert "Quartz-Plain-8841" not in out + err


def test_a_move_to_a_region_where_heat_cannot_read_the_secret_is_refused_as_heat_refuses_it(lab, cli, tmp_path):
    """Heat reads a constituent's secret in the master's region, through that region's catalog, when it
    creates or adopts the master (RemoteStack.validate): the lab's Barbican is in RegionOne's catalog only."""
    from heatclient import exc

    ref = _secret(lab)
    path = _master(tmp_path, lab, ref, "RegionOne", {"get_file": "ca.pem"})
    code, out, err = cli("stack", "create", "cxmove", "-t", str(path), "--lab", "--region", "RegionOne",
                         "--wait", "--format", "json")  # fmt: skip
    assert code == 0, out + err
    assert cli("status", "--lab", "--master", "cxmove")[0] == 0  # the topology cache the move reads

    code, out, err = cli("move", "cxmove", "--to", "RegionTwo", "--lab", "--preview")
    assert code != 0, out + err
    assert "edge: credential_secret_id" in out and "no key-manager (Barbican)" in out, out
    assert "Heat reads it in RegionTwo and would refuse the move's adopt" in out, out

    # Heat, asked for a master with that constituent in RegionTwo: refused for the same reason.
    with pytest.raises(exc.HTTPBadRequest) as refused:
        _heat(lab, "RegionTwo").stacks.create(
            stack_name="cxmove2",
            template=yaml.safe_load(path.read_text()),
            files={"ca.pem": (tmp_path / "ca.pem").read_text()},
        )
    assert "key-manager service in RegionTwo region not found" in str(refused.value), refused.value
