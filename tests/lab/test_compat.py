"""Per-region compatibility against the lab: a region made to lack a resource type (`lab lack-type`, its
Heat restarted without it) refuses, before sending, a create that would put that type there; Heat is the
oracle (sent anyway, it refuses the same template)."""

from __future__ import annotations

import json
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CACHE = str(CORPUS / "lab_cache.yaml")
CACHE_MASTER = str(CORPUS / "lab_cache_master.yaml")


def test_a_region_that_lacks_a_resource_type_is_named_before_anything_is_sent(lab, cli):
    # Every region has the lab's types to begin with: Heat creates the template in RegionThree.
    code, out, err = cli("stack", "create", "cc-one", "-t", CACHE, "--lab", "--region", "RegionThree", "--wait")
    assert code == 0 and "CREATE_COMPLETE" in out, err + out
    lab.lab.lack_type("RegionThree", "Lab::Cache::Redis")
    try:
        assert "Lab::Cache::Redis" not in lab.lab.lab_types("RegionThree")
        code, out, err = cli(
            "stack", "create", "cc-two", "-t", CACHE, "--lab", "--region", "RegionThree", "--format", "json"
        )
        assert code == 1 and "refused before sending" in err, err + out
        assert "RegionThree's Heat has no Lab::Cache::Redis" in err
        # Heat agrees: sent anyway, it refuses the template.
        code, out, err = cli("stack", "create", "cc-two", "-t", CACHE, "--lab", "--region", "RegionThree", "--force")
        assert code == 1 and "Lab::Cache::Redis" in out + err and "could not be found" in out + err, err + out
        # A region that has it still takes it.
        code, out, err = cli("stack", "create", "cc-three", "-t", CACHE, "--lab", "--region", "RegionTwo")
        assert code == 0, err + out
        # A master whose RegionThree constituent uses it: refused, naming the region and the constituent.
        code, out, err = cli("stack", "create", "cc-master", "-t", CACHE_MASTER, "--lab", "--region", "RegionOne")
        assert code == 1 and "RegionThree's Heat has no Lab::Cache::Redis (cache_stack's template)" in err, err
        code, out, err = cli("status", "--lab", "--region", "RegionOne", "--format", "json")
        assert "cc-master" not in {s["name"] for s in json.loads(out)["regions"][0]["stacks"]}
    finally:
        lab.lab.lack_type("RegionThree", "Lab::Cache::Redis", lacking=False)
    assert "Lab::Cache::Redis" in lab.lab.lab_types("RegionThree")
