"""Template analysis: a corpus of good and bad masters, one bad one per check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mrconsole.template.analysis import CODES, analyse

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
EXAMPLES = Path(__file__).resolve().parents[2] / "mrconsole" / "examples"
REGIONS = ["RegionOne", "RegionTwo", "RegionThree"]


def _expectation(path: Path) -> tuple[str, int]:
    match = re.match(r"# expect: (MR\d{3}) (\d+)", path.read_text().splitlines()[0])
    assert match, f"{path.name} has no '# expect: CODE LINE [SEVERITY]' header"
    return match.group(1), int(match.group(2))


def _severity(path: Path) -> str:
    """error unless the header says otherwise (where Heat accepts the template: a warning)."""
    words = path.read_text().splitlines()[0].split()
    return words[4] if len(words) > 4 else "error"


BAD = sorted((CORPUS / "bad").glob("*.yaml"))


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_each_bad_template_gives_its_code_at_its_line(path):
    code, line = _expectation(path)
    # As where values are being given (a launch, -P, a preflight): a missing value is an error there.
    analysis = analyse(path, master_region="RegionOne", known_regions=REGIONS, require_values=True)
    found = [(f.code, f.pos.line) for f in analysis.findings]
    assert (code, line) in found, f"expected {code} at line {line}, got {found}"
    finding = next(f for f in analysis.findings if (f.code, f.pos.line) == (code, line))
    assert finding.pos.file.endswith(path.name)
    assert finding.message and finding.severity == _severity(path)


def test_a_missing_value_is_a_note_until_values_are_given(cli):
    """Heat's own validation accepts a template whose parameters have no value yet."""
    path = CORPUS / "bad" / "master_required.yaml"
    only = analyse(path)
    assert [(f.code, f.severity) for f in only.findings] == [("MR052", "note")] and not only.errors
    code, out, _ = cli("validate", str(path), "--format", "json")
    assert code == 0, out
    assert "needed at launch" in out
    other = CORPUS / "simple.yaml"
    assert analyse(other).findings == []
    given = analyse(path, param_values={"unrelated": "1"})
    assert [f.severity for f in given.findings if f.code == "MR052"] == ["error"]


def test_the_corpus_covers_every_error_check():
    covered = {_expectation(p)[0] for p in BAD}
    # MR012 is a warning (non-static region), MR005 malformed sections, MR051/MR053 need -P:
    # they have their own tests below; MR060/MR061 (what get_file uploads) in test_uploads.py.
    assert set(CODES) - covered == {"MR005", "MR012", "MR051", "MR053", "MR060", "MR061"}


@pytest.mark.parametrize("path", sorted((CORPUS / "good").glob("*")), ids=lambda p: p.name)
def test_good_templates_are_clean(path):
    analysis = analyse(path, master_region="RegionOne", known_regions=REGIONS)
    # Their child is shared one directory up: uploaded from outside the template's directory, said (#33).
    assert {(f.code, f.severity) for f in analysis.findings} <= {("MR061", "warning")}
    assert all("child.yaml" in f.message for f in analysis.findings)
    assert [s.region for s in analysis.tree.regional_stacks][:1] == ["RegionTwo"]


@pytest.mark.parametrize("example", ["multi-region", "large"])
def test_sample_templates_validate_clean(example):
    analysis = analyse(EXAMPLES / example / "master.yaml", master_region="RegionOne", known_regions=REGIONS)
    assert analysis.findings == []


def test_sample_tree_regions_and_data_flow():
    tree = analyse(EXAMPLES / "multi-region" / "master.yaml", master_region="RegionOne").tree
    regions = {s.resource: (s.region, s.region_source) for s in tree.regional_stacks}
    assert regions == {
        "db_stack": ("RegionTwo", "parameter db_region"),
        "app_stack": ("RegionThree", "parameter app_region"),
    }
    data = {e.label() for e in tree.edges if e.kind == "data"}
    assert "db_ip: db_stack → app_stack.db_ip" in data
    assert "app_url: app_stack → outputs.app_url" in data
    app = tree.stack("app_stack")
    assert set(app.child.outputs) == {"app_url", "app_dsn", "app_workers"} and app.timeout == 10


def test_region_from_p_and_environment(tmp_path):
    env = tmp_path / "env.yaml"
    env.write_text("parameter_defaults:\n  db_region: RegionThree\n")
    master = EXAMPLES / "multi-region" / "master.yaml"
    tree = analyse(master, [str(env)], master_region="RegionOne").tree
    assert tree.stack("db_stack").region == "RegionThree"
    tree = analyse(master, [str(env)], {"db_region": "RegionOne"}).tree
    assert tree.stack("db_stack").region == "RegionOne"  # -P wins over the environment
    analysis = analyse(master, param_values={"db_region": "Atlantis"}, known_regions=REGIONS)
    assert [(f.code, f.pos.line) for f in analysis.errors] == [("MR010", 33)]


def test_no_context_means_the_masters_region():
    tree = analyse(CORPUS / "bad" / "required_not_passed.yaml", master_region="RegionOne").tree
    assert tree.stack("s").region == "RegionOne" and tree.stack("s").region_source == "master"


def test_bad_p_values_are_findings():
    master = EXAMPLES / "multi-region" / "master.yaml"
    analysis = analyse(master, param_values={"app_replicas": "9", "nosuch": "1"})
    codes = sorted(f.code for f in analysis.errors)
    # 9 breaks the master's range and, passed on, app.yaml's range too.
    assert codes == ["MR023", "MR051", "MR053"]


def test_hidden_values_never_appear_in_findings():
    master = EXAMPLES / "large" / "master.yaml"
    analysis = analyse(master, param_values={"db_password": "short"})
    assert sorted(f.code for f in analysis.errors) == ["MR023", "MR053"]
    for finding in analysis.errors:
        assert "short" not in str(finding) and "short" not in finding.hint


def test_non_static_region_is_a_warning(tmp_path):
    t = tmp_path / "m.yaml"
    (tmp_path / "child.yaml").write_text((CORPUS / "child.yaml").read_text())
    t.write_text(
        "heat_template_version: 2018-08-31\nresources:\n  s:\n    type: OS::Heat::Stack\n"
        "    properties:\n      context:\n        region_name: {str_replace: {template: R, params: {R: x}}}\n"
        "      template: {get_file: child.yaml}\n      parameters: {db_ip: x}\n"
    )
    analysis = analyse(t)
    assert [(f.code, f.severity, f.pos.line) for f in analysis.findings] == [("MR012", "warning", 7)]


def test_malformed_sections(tmp_path):
    t = tmp_path / "m.yaml"
    t.write_text("heat_template_version: 2018-08-31\nresources: [a, b]\n")
    assert [(f.code, f.pos.line) for f in analyse(t).findings] == [("MR005", 2)]


def test_environment_registry_and_nested_type(tmp_path):
    (tmp_path / "env.yaml").write_text("resource_registry:\n  My::Thing: missing.yaml\n")
    t = tmp_path / "m.yaml"
    t.write_text("heat_template_version: 2018-08-31\nresources:\n  a:\n    type: nested.yaml\n")
    analysis = analyse(t, [str(tmp_path / "env.yaml")])
    found = sorted((f.code, Path(f.pos.file).name, f.pos.line) for f in analysis.findings)
    assert found == [("MR004", "env.yaml", 2), ("MR004", "m.yaml", 4)]


# -- the command ----------------------------------------------------------------


def test_validate_text_output_is_compiler_style(cli):
    path = CORPUS / "bad" / "missing_output.yaml"
    code, out, _ = cli("validate", str(path))
    assert code == 1
    assert re.search(r"missing_output\.yaml:16:\d+: error: .* \[MR020\]", out)


def test_validate_json_holds_tree_and_findings(cli):
    code, out, _ = cli("validate", str(EXAMPLES / "multi-region" / "master.yaml"), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["findings"] == []
    assert {s["resource"] for s in data["tree"]["regional_stacks"]} == {"db_stack", "app_stack"}
    assert data["tree"]["parameters"]["db_password"]["default"] is None  # hidden


def test_validate_tree_draws_regions_and_edges(cli):
    code, out, _ = cli("validate", str(EXAMPLES / "multi-region" / "master.yaml"), "--tree")
    assert code == 0
    assert "db_stack  OS::Heat::Stack → RegionTwo" in out
    assert "db_ip: db_stack → app_stack.db_ip" in out


def test_validate_bad_invocation_exits_2(cli):
    assert cli("validate", "/no/such/file.yaml")[0] == 2
    assert cli("validate", str(EXAMPLES / "multi-region" / "master.yaml"), "-P", "novalue")[0] == 2


def test_a_secrets_constituent_is_said_to_be_made_in_the_masters_own_cloud_and_region(tmp_path):
    """A constituent with credential_secret_id: Heat makes it in the master's own cloud, in the master's region,
    whatever cloud the secret logs in to and whatever region_name says (pinned on the two-cloud lab:
    tests/lab/test_barbican.py). Said always (MR013, with the region named if it differs), never checked
    against the catalog as another region (no MR010); a ca_cert given as the file's text is what Heat wants
    (no MR014). The tree places it in the master's region."""
    (tmp_path / "child.yaml").write_text((CORPUS / "child.yaml").read_text())
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    t = tmp_path / "m.yaml"
    t.write_text(
        "heat_template_version: 2018-08-31\nresources:\n  edge:\n    type: OS::Heat::Stack\n    properties:\n"
        "      context: {region_name: REGION, credential_secret_id: https://kms/v1/secrets/1, "
        "ca_cert: {get_file: ca.pem}}\n      template: {get_file: child.yaml}\n      parameters: {db_ip: x}\n"
    )
    t.write_text(t.read_text().replace("REGION", "RegionOne"))
    same = analyse(t, master_region="RegionOne", known_regions=REGIONS)
    assert [f.code for f in same.findings] == ["MR013"], same.findings
    assert "the master's own cloud, in RegionOne, whatever cloud" in same.findings[0].message
    assert [s.region for s in same.tree.regional_stacks] == ["RegionOne"]
    t.write_text(t.read_text().replace("region_name: RegionOne", "region_name: FarRegion"))
    far = analyse(t, master_region="RegionOne", known_regions=REGIONS)
    assert [f.code for f in far.findings] == ["MR013"], far.findings
    assert "in RegionOne, not FarRegion" in far.findings[0].message
    assert [s.region for s in far.tree.regional_stacks] == ["RegionOne"]
