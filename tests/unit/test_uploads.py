"""What get_file sends to Heat, said before sending (#33): every file and URL listed, a warning for a URL
(this machine fetches it: a metadata address too) and for a file outside the template's directory."""

from __future__ import annotations

import json

from mrconsole.template.analysis import analyse

TEMPLATE = """heat_template_version: 2018-08-31
resources:
  inside:
    type: OS::Heat::Value
    properties: {value: {get_file: conf/app.conf}}
  outside:
    type: OS::Heat::Value
    properties: {value: {get_file: ../../secret.txt}}
  url:
    type: OS::Heat::Value
    properties: {value: {get_file: "http://169.254.169.254/latest/meta-data/"}}
"""


def _lay_out(tmp_path):
    top = tmp_path / "deploy" / "master"
    (top / "conf").mkdir(parents=True)
    (top / "conf" / "app.conf").write_text("x\n")
    (tmp_path / "secret.txt").write_text("s\n")
    (top / "master.yaml").write_text(TEMPLATE)
    return top / "master.yaml"


def test_every_upload_listed_and_the_risky_ones_warned(tmp_path):
    analysis = analyse(str(_lay_out(tmp_path)), [], {})
    codes = {f.code: f.message for f in analysis.findings}
    assert "MR061" in codes and "secret.txt" in codes["MR061"] and "outside" in codes["MR061"]
    assert "MR060" in codes and "169.254.169.254" in codes["MR060"]
    assert not analysis.errors
    assert len(analysis.uploads) == 3 and "http://169.254.169.254/latest/meta-data/" in analysis.uploads
    assert any(u.endswith("conf/app.conf") for u in analysis.uploads)
    # the file beside the template is not warned about
    assert not any("app.conf" in f.message for f in analysis.findings)


def test_validate_lists_them_in_text_and_json(cli, tmp_path):
    path = str(_lay_out(tmp_path))
    code, out, err = cli("validate", path)
    assert code == 0 and "uploads (get_file, nested templates): " in out and "[MR061]" in out and "[MR060]" in out, (
        out + err
    )
    code, out, err = cli("validate", path, "--format", "json")
    assert len(json.loads(out)["uploads"]) == 3


GROUP = """heat_template_version: 2018-08-31
resources:
  pool:
    type: OS::Heat::ResourceGroup
    properties:
      count: 2
      resource_def:
        type: member.yaml
        properties: {index: "%index%"}
  config:
    type: OS::Heat::Value
    properties: {type: string, value: x}
"""


def test_a_groups_nested_template_is_an_upload_and_must_exist(tmp_path):
    """heatclient uploads the template any `type` names, a ResourceGroup's resource_def included: listed,
    checked to exist and parse, as a resource's own nested type is."""
    (tmp_path / "master.yaml").write_text(GROUP)
    missing = analyse(str(tmp_path / "master.yaml"), [], {})
    assert [f.code for f in missing.errors] == ["MR004"] and "member.yaml" in missing.errors[0].message
    (tmp_path / "member.yaml").write_text("heat_template_version: 2018-08-31\nparameters: {index: {type: string}}\n")
    found = analyse(str(tmp_path / "master.yaml"), [], {})
    assert not found.errors and [u.rsplit("/", 1)[-1] for u in found.uploads] == ["member.yaml"]
