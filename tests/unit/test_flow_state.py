"""Which value can flow between regions now (core/master/flow.py flow_state)."""

from __future__ import annotations

from mrconsole.core.master.flow import BLOCKED, READY, STALE, WAITING, flow_state
from mrconsole.core.master.topology import Constituent
from mrconsole.models import Stack


def source(status: str | None, error: str | None = None, resource_status: str = "") -> Constituent:
    stack = Stack("RegionTwo", "id", "m-db-abcdefghijkl", status) if status else None
    return Constituent("db", "RegionTwo", "id", "m-db-abcdefghijkl", resource_status, stack=stack, error=error)


def test_flow_state_of_a_source_constituent():
    assert flow_state(source("CREATE_COMPLETE")) == flow_state(source("UPDATE_COMPLETE")) == READY
    assert flow_state(source("CREATE_IN_PROGRESS")) == WAITING
    assert flow_state(source(None, resource_status="INIT_COMPLETE")) == WAITING  # not created yet
    assert flow_state(source("CREATE_FAILED")) == BLOCKED
    assert flow_state(source(None, error="connection refused")) == STALE
    assert flow_state(source("DELETE_COMPLETE")) == WAITING
    assert flow_state(source("CREATE_COMPLETE"), region_down=True) == STALE  # last read, region now down
