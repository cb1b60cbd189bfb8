"""validate against the lab's Heat: each region asked, an unreachable one said, a region not in the catalog."""

from __future__ import annotations

import json
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "mrconsole" / "examples"


def test_validate_with_cloud_asks_each_region(lab, cli):
    code, out, _ = cli("validate", str(EXAMPLES / "multi-region" / "master.yaml"), "--lab", "--format", "json")
    assert code == 0
    server = json.loads(out)["server_validation"]
    assert server == {
        "db_stack@RegionTwo": {"region": "RegionTwo", "status": "valid", "message": ""},
        "app_stack@RegionThree": {"region": "RegionThree", "status": "valid", "message": ""},
    }


def test_validate_reports_unreachable_region_as_such(lab, cli):
    with lab.fault("RegionThree", "stop"):
        code, out, _ = cli(
            "validate",
            str(EXAMPLES / "multi-region" / "master.yaml"),
            "--lab",
            "--request-timeout",
            "2",
            "--format",
            "json",
        )
    data = json.loads(out)
    assert data["findings"] == []
    assert data["server_validation"]["app_stack@RegionThree"]["status"] == "unreachable"
    assert code == 3


def test_region_not_in_lab_catalog(lab, cli):
    code, out, _ = cli(
        "validate", str(EXAMPLES / "multi-region" / "master.yaml"), "--lab", "-P", "app_region=RegionNine"
    )
    assert code == 1 and "[MR010]" in out
