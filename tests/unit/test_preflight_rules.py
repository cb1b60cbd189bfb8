"""Preflight rules on given data (no lab): parameters against a template, constituents' states."""

from __future__ import annotations

from mrconsole.core.acting.findings import BLOCKING, WARNING
from mrconsole.core.acting.preflight import check_constituents, check_parameters
from mrconsole.core.master.topology import Constituent, Topology
from mrconsole.models import Stack


def test_parameter_rules():
    template = {
        "parameters": {
            "size": {"type": "number", "constraints": [{"range": {"min": 1, "max": 3}}]},
            "secret": {"type": "string", "hidden": True, "constraints": [{"allowed_pattern": "[a-z]{8,}"}]},
        }
    }
    assert check_parameters(template, {"size": "2"}, frozenset()) == []
    found = check_parameters(template, {"size": "7", "colour": "red", "secret": "short"}, frozenset({"secret"}))
    assert {f.severity for f in found} == {BLOCKING}
    assert ["size" in found[0].message, "colour" in found[1].message] == [True, True]
    assert "short" not in found[2].message


def test_constituent_rules():
    def c(resource, region, status=None, error=None):
        stack = Stack(region, f"id-{resource}", f"m-{resource}-abcdefghijkl", status) if status else None
        return Constituent(resource, region, f"id-{resource}", f"m-{resource}-abcdefghijkl", stack=stack, error=error)

    topo = Topology(
        "cloud",
        Stack("RegionOne", "m-id", "m", "UPDATE_COMPLETE"),
        [
            c("db", "RegionTwo", "SUSPEND_COMPLETE"),
            c("app", "RegionThree", error="connection refused"),
            c("cache", "RegionTwo", "CHECK_FAILED"),
            c("web", "RegionTwo", "UPDATE_IN_PROGRESS"),
        ],
    )
    update = {f.message.split(" ")[0]: f.severity for f in check_constituents(topo, "update")}
    assert update == {"db": BLOCKING, "RegionThree": BLOCKING, "cache": WARNING, "web": BLOCKING}
    cancel = check_constituents(topo, "cancel_update")
    assert [(f.severity, f.instead.split(":")[0]) for f in cancel if "web" in f.message] == [(WARNING, "cancel it too")]
    delete = check_constituents(topo, "delete")
    assert any("left behind" in f.message and f.severity == WARNING for f in delete)
    check = {f.message.split(" ")[0]: f.severity for f in check_constituents(topo, "check")}
    assert check["db"] == BLOCKING and check["RegionThree"] == BLOCKING  # stranded suspend; replace later
    # What the master's resource records decides a replace, whatever the constituent says of itself.
    replaced = Constituent(
        "db",
        "RegionTwo",
        "id-db",
        "m-db-abcdefghijkl",
        resource_status="CHECK_FAILED",
        stack=Stack("RegionTwo", "id-db", "m-db-abcdefghijkl", "CHECK_COMPLETE"),
    )
    [f] = check_constituents(Topology("cloud", topo.master, [replaced]), "reapply")
    assert f.severity == BLOCKING and "replace" in f.message and "check m again" in f.instead
