"""What this user may do, region by region, known before an action is sent.

The operator's config first (a region marked `read_only`: every change refused, no request), then two
sources asked of the cloud, never guessed from a role's name:
- Heat's policy: each region's Heat answers a request that does nothing (a stack that cannot exist,
  `RegionClient.policy_probe`) with 403 when its policy refuses the action and 404/400 when it allows
  it. A reader (Heat 2024.1's defaults) may read, `check` and signal, and nothing else.
- Keystone's trust rules: Heat under `deferred_auth_method = trusts` (its default) stores a trust with
  every new stack, and Keystone refuses trusts to any application-credential token unless its operators
  allow it (`Cloud.trusts_refused`). Asked once, only for such a token; updates need no new trust.

Cost: one request per (region, policy) the first time it is asked in a session, then none (an answer is
kept for the session, and a real 403 is kept as a refusal too); one request to Keystone, once, for an
application credential's create.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError

# The console's action names (core/acting/action_table.py, core/acting/actions.py) and the Heat policy each is sent
# under (cloud/region.py POLICY_PROBES). An update that sends a new template is a PUT (stacks:update),
# one that keeps the stored template a PATCH (stacks:update_patch).
POLICY_OF = {
    "create": "create",
    "rehome": "create",  # an adopt is a create carrying adopt data
    "update": "update_patch",
    "update-template": "update",
    "reapply": "update_patch",
    "rollout": "update_patch",
    "release": "signal",
    "signal": "signal",
    "mark-unhealthy": "mark_unhealthy",
    "mark-healthy": "mark_unhealthy",
    "snapshot": "snapshot",
    "restore": "restore_snapshot",
    "snapshot-delete": "delete_snapshot",
    "abandon": "abandon",
    "delete": "delete",
    "check": "check",
    "suspend": "suspend",
    "resume": "resume",
    "cancel_update": "cancel_update",
    "cancel_without_rollback": "cancel_without_rollback",
    "validate": "validate",
    "preview": "preview_update_patch",
    "export": "export",
}

# "your role (reader) cannot <verb> in RegionTwo"
VERB = {
    "create": "create stacks",
    "validate": "validate templates",
    "update": "update stacks with a new template",
    "update_patch": "update stacks",
    "preview_update": "preview updates",
    "preview_update_patch": "preview updates",
    "preview": "preview stacks",
    "delete": "delete stacks",
    "abandon": "abandon stacks",
    "export": "export stacks",
    "snapshot": "snapshot stacks",
    "restore_snapshot": "restore snapshots",
    "delete_snapshot": "delete snapshots",
    "mark_unhealthy": "mark resources unhealthy",
    "signal": "signal resources",
    "suspend": "suspend stacks",
    "resume": "resume stacks",
    "check": "check stacks",
    "cancel_update": "cancel updates",
    "cancel_without_rollback": "cancel updates",
}

TRUSTS = "trusts"  # the Keystone question, kept beside Heat's policies
READ_ONLY = "read-only"  # the operator's own config: a region looked at, never changed from here
READS = frozenset({"validate", "preview", "export"})  # asked of Heat's policy, but change nothing


@dataclass(frozen=True)
class Refusal:
    region: str
    policy: str  # a key of POLICY_OF's values, or TRUSTS
    roles: str
    said: str  # what Heat (or Keystone) answered

    def short(self) -> str:
        """For a menu: what cannot be done, where (Heat's own words are in `line`)."""
        if self.policy == TRUSTS:
            return "Keystone refuses trusts to an application credential"
        if self.policy == READ_ONLY:
            return f"{self.region} is read-only (config)"
        return f"your role ({self.roles}) cannot {VERB.get(self.policy, self.policy)} in {self.region}"

    def line(self) -> str:
        if self.policy == READ_ONLY:
            return (
                f"{self.region} is read-only in the config (clouds.<cloud>.regions.{self.region}.read_only): "
                "nothing that changes a stack is sent there"
            )
        if self.policy == TRUSTS:
            return (
                f"Keystone refuses trusts to an application credential ({self.said.rstrip('.')}), and Heat "
                f"stores one with every new stack in {self.region} (deferred_auth_method = trusts, its "
                "default): create with a password or token login, or ask the cloud's operators to allow it "
                "([security_compliance] allow_insecure_application_credential_trust_escalation)"
            )
        return (
            f"your role ({self.roles}) cannot {VERB.get(self.policy, self.policy)} in {self.region} (Heat: {self.said})"
        )


class Permissions:
    """Per fleet (one login); see the module's docstring for what it asks and what it costs."""

    def __init__(self, fleet):
        self.fleet = fleet
        self._known: dict[tuple[str, str], Refusal | None] = {}
        # Each cloud's Keystone's refusal of trusts to this login ("" when it allows them), once asked.
        self._trusts: dict[str, str] = {}
        self._lock = asyncio.Lock()
        # Regions the operator's config makes read-only (set where the fleet is opened from the config):
        # refused here, without a request, for every action that changes something.
        self.read_only: frozenset[str] = frozenset()

    def _config_refusal(self, region: str, action: str) -> Refusal | None:
        if region in self.read_only and action in POLICY_OF and action not in READS:
            return Refusal(region, READ_ONLY, "", "the config")
        return None

    async def _roles(self, region: str) -> str:
        """This login's roles in the cloud `region` belongs to (several clouds: each its own login)."""
        identity = await self.fleet.cloud.cloud_of(region).identity()
        return identity.role_text if identity else "no role"

    def known(self, region: str, action: str) -> tuple[bool, Refusal | None]:
        """What is known without a request: (asked yet, the refusal or None when allowed)."""
        mine = self._config_refusal(region, action)
        if mine is not None:
            return True, mine
        key = (region, POLICY_OF.get(action, action))
        return key in self._known, self._known.get(key)

    def known_refusals(self, region: str, actions) -> tuple[dict[str, str], list[str]]:
        """Without a request: {action: why it is refused, short} for what is known, and the actions not asked yet.
        The Keystone question is left to the plan (it needs a create)."""
        refused, unknown = {}, []
        for action in actions:
            if action not in POLICY_OF:
                continue
            asked, found = self.known(region, action)
            if not asked:
                unknown.append(action)
            elif found is not None:
                refused[action] = found.short()
        return refused, unknown

    async def refusal(self, region: str, action: str) -> Refusal | None:
        """Why `action` would be refused in `region`, or None when it would not be (or the region did not
        answer: the action itself then says what happened)."""
        mine = self._config_refusal(region, action)
        if mine is not None:
            return mine
        policy = POLICY_OF.get(action, action)
        key = (region, policy)
        if key not in self._known:
            try:
                said = await self.fleet.region(region).policy_probe(policy)
            except CloudError:
                return None  # unreachable or odd: not known, not kept
            self._known[key] = Refusal(region, policy, await self._roles(region), said) if said else None
        found = self._known[key]
        if found is None and policy == "create":
            return await self._trusts_refusal(region)
        return found

    async def refusals(self, pairs) -> list[Refusal]:
        """The refusals among (region, action) pairs, asked concurrently."""
        pairs = [(r, a) for r, a in dict.fromkeys(pairs) if a in POLICY_OF]  # others are reads: no policy kept
        answers = await asyncio.gather(*(self.refusal(r, a) for r, a in pairs))
        return [a for a in answers if a is not None]

    async def _trusts_refusal(self, region: str) -> Refusal | None:
        cloud = self.fleet.cloud.cloud_of(region)
        identity = await cloud.identity()
        if identity is None or not identity.application_credential:
            return None
        async with self._lock:
            if cloud.name not in self._trusts:
                try:
                    self._trusts[cloud.name] = await cloud.trusts_refused() or ""
                except CloudError:
                    return None
        said = self._trusts[cloud.name]
        return Refusal(region, TRUSTS, identity.role_text, said) if said else None

    async def learn(self, region: str, action: str, error: CloudError) -> Refusal | None:
        """A 403 Heat gave to a real request: kept, so the next ask costs nothing."""
        if error.kind != errors.FORBIDDEN:
            return None
        policy = POLICY_OF.get(action, action)
        said = error.message.removeprefix("not allowed: ")
        refusal = Refusal(region, policy, await self._roles(region), said)
        self._known[(region, policy)] = refusal
        return refusal


async def refuse_unless_permitted(actions, pairs, target, what: str) -> None:
    """Before an operation of several requests (a move, an evict, a rollout): raise PlanError, journaled as
    refused, when any of its (region, action) steps is known to be refused, so none is half done."""
    from mrconsole.core.errors import PlanError

    refused = await actions.fleet.permissions.refusals(pairs)
    if refused:
        reason = "; ".join(r.line() for r in refused)
        await actions.refuse(target, what, reason)
        raise PlanError(f"{what} refused before sending: {reason}")
