"""Does a region's Heat adopt, or turn an adopt into a create? Found out before a move sends one.

Heat 27, `engine/service.py` `create_stack`: with `reauthentication_auth_method = trusts` (how
production clouds run long operations) the stored stack is reloaded with `use_stored_context=True`,
which drops `adopt_stack_data`, so Heat *creates* every resource instead of adopting it. A master moved
there would create a second copy of every constituent stack in every region (servers included), and
answer CREATE_COMPLETE. Seen on the lab's production profile and pinned (tests/lab/test_production.py).

The probe is Heat's own answer, on something harmless: a throwaway stack adopted from one
`OS::Heat::None` whose adopt data names its resource id. ADOPT_COMPLETE with that id: the region
adopts. CREATE_COMPLETE, or another id: it creates instead. The probe stack is deleted after, whatever
it said. A region whose Heat refuses adopt altogether (`enable_stack_adopt` off) answers at once.

Cost: one adopt, status reads every 0.5 s until it ends (a second or two; at most `limit` s), one
resource list, one delete: once per move, before its adopt is sent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from mrconsole.cloud.errors import CloudError
from mrconsole.core.errors import PlanError
from mrconsole.core.master.rehome_data import ADOPT_SETTING, needs_setting
from mrconsole.core.master.topology import until_settled
from mrconsole.logs import logger

ADOPTS, CREATES, UNKNOWN = "adopts", "creates", "unknown"

_TEMPLATE = {
    "heat_template_version": "2018-08-31",
    "description": "mrconsole's probe: does this region's Heat adopt? Deleted right after.",
    "resources": {"probe": {"type": "OS::Heat::None"}},
}


@dataclass(frozen=True)
class AdoptVerdict:
    region: str
    verdict: str  # ADOPTS, CREATES or UNKNOWN
    detail: str  # what Heat answered, in words


async def probe_adopt(fleet, region: str, limit: float = 60.0) -> AdoptVerdict:
    client = fleet.region(region)
    name = f"mrconsole-adopt-probe-{uuid.uuid4().hex[:8]}"
    marker = f"mrconsole-probe-{uuid.uuid4()}"
    data = {
        "template": _TEMPLATE,
        "environment": {},
        "action": "CREATE",
        "status": "COMPLETE",
        "resources": {
            "probe": {
                "name": "probe",
                "type": "OS::Heat::None",
                "resource_id": marker,
                "action": "CREATE",
                "status": "COMPLETE",
                "metadata": {},
                "resource_data": {},
            }
        },
    }
    try:
        created = await client.adopt_stack(name, data, {}, {})
    except CloudError as exc:
        return AdoptVerdict(region, UNKNOWN, f"the probe adopt was refused: {exc.message}")
    stack_id = (created or {}).get("id") or name
    try:
        detail = await until_settled(client, stack_id, limit)
        status = detail.stack.status
        resources = await client.resources(detail.stack)
        ids = [r.physical_id for r in resources if r.name == "probe"]
        if status == "ADOPT_COMPLETE" and ids == [marker]:
            return AdoptVerdict(region, ADOPTS, "ADOPT_COMPLETE, the resource id kept")
        if status.startswith("CREATE") or (ids and ids != [marker]):
            return AdoptVerdict(region, CREATES, f"{status}: a new resource was created instead of the one named")
        return AdoptVerdict(region, UNKNOWN, f"the probe ended {status or 'unread'}")
    finally:
        try:
            await client.delete_stack(stack_id)
        except CloudError:
            logger().warning("adopt probe %s in %s not deleted", name, region, exc_info=True)


async def refuse_unless_adopts(actions, region: str, target, what: str) -> None:
    """Before a move's or an evict's adopt (and an evict's abandon): raise PlanError, journaled as
    refused, unless `region`'s Heat adopts. Creating copies of every constituent is never an outcome."""
    found = await probe_adopt(actions.fleet, region)
    if found.verdict == ADOPTS:
        return
    if found.verdict == CREATES:
        reason = (
            f"{region}'s Heat turns an adopt into a create (a throwaway adopt there ended {found.detail}): it "
            "re-authenticates by trusts (reauthentication_auth_method = trusts), which loses the adopt data; "
            f"the {what} would create a second copy of every constituent"
        )
        instead = (
            "pick a region whose Heat adopts, or have that region's operators unset reauthentication_auth_method "
            "for the move; meanwhile act on the constituents directly"
        )
    else:
        reason = (
            f"whether {region}'s Heat adopts could not be told: {needs_setting(found.detail, region, ADOPT_SETTING)}"
        )
        instead = "try again once the region answers; nothing was sent"
    await actions.refuse(target, what, f"{reason}. Instead: {instead}")
    raise PlanError(f"{what} refused before sending: {reason}. Instead: {instead}")
